"""Void statuses (withdrawn / duplicate / cancelled) and closed-without-resolution."""

from __future__ import annotations

import datetime as dt

from queries import store
from queries.config import schema, vocab
from queries.marts import kpi, quality
from queries.periods import Period
from tests.kpi_rows import row

T = dt.datetime
OCT = Period(dt.date(2025, 10, 1), dt.date(2025, 11, 1))
AS_OF = T(2025, 11, 20)


def test_status_words_map_to_the_void_codes():
    words = vocab.lookup("status")
    assert [words[vocab.normalize_word(w)] for w in ("撤回", "已撤销", "撤诉")] == ["withdrawn"] * 3
    assert [words[vocab.normalize_word(w)] for w in ("重复", "重复工单", "Duplicate")] == [
        "duplicate"
    ] * 3
    assert [words[vocab.normalize_word(w)] for w in ("取消", "作废", "Canceled")] == [
        "cancelled"
    ] * 3
    assert schema.VOID_STATUSES == ("withdrawn", "duplicate", "cancelled")


def test_void_complaints_leave_every_denominator_and_the_backlog(make_db):
    rows = [
        row("ok1", T(2025, 10, 6, 9), resolved_at=T(2025, 10, 7, 9), status="resolved"),
        row("open1", T(2025, 10, 6, 9), status="in_progress"),  # open, overdue by Nov 20
        row("w1", T(2025, 10, 6, 9), status="withdrawn"),
        row("d1", T(2025, 10, 6, 9), status="duplicate"),
        row("c1", T(2025, 10, 6, 9), status="cancelled", resolved_at=T(2025, 10, 6, 10)),
        # closed by status, no resolution time: open in the backlog but never overdue
        row("x1", T(2025, 10, 6, 9), status="closed"),
    ]
    conn = store.open_snapshot(make_db(complaints=rows))
    k = kpi.kpis(conn, OCT, as_of=AS_OF).iloc[0]
    assert (int(k["received"]), int(k["resolved"])) == (3, 1)
    assert (int(k["backlog_open"]), int(k["overdue_open"])) == (2, 1)
    assert (int(k["n_on_time"]), int(k["n_on_time_num"])) == (2, 1)
    assert quality.void_complaints(conn, OCT.start, OCT.end) == {
        "withdrawn": 1,
        "duplicate": 1,
        "cancelled": 1,
    }
    checks = quality.record_checks(conn).set_index("check")
    assert int(checks.loc["closed_without_resolution", "count"]) == 1
    assert list(checks.loc["closed_without_resolution", "example_ids"]) == ["x1"]
    conn.close()


def test_stg_void_list_matches_the_schema():
    from queries.store import sql_file

    text = sql_file("stg_complaints")
    quoted = ", ".join(f"'{s}'" for s in schema.VOID_STATUSES)
    assert f"t.status in ({quoted})" in text


def test_void_complaints_cost_no_points_and_are_not_in_accountability(make_db):
    from queries.marts import accountability, scoring

    rows = [
        row("v1", T(2025, 10, 6, 9), is_valid=True, status="resolved"),
        row("w1", T(2025, 10, 6, 9), is_valid=True, status="withdrawn"),
        row("d1", T(2025, 10, 7, 9), is_valid=True, status="duplicate"),
    ]
    conn = store.open_snapshot(make_db(complaints=rows))
    scores = scoring.department_scores(conn, "2025-10", AS_OF)
    assert (int(scores["n_complaints"].iloc[0]), float(scores["ded_valid_complaints"].iloc[0])) == (
        1,
        1.0,
    )
    behind = scoring.score_complaints(conn, "2025-10", "客服中心", "valid_complaints", AS_OF)
    assert list(behind["complaint_id"]) == ["v1"]
    acct = accountability.accountability(conn, OCT, as_of=AS_OF).iloc[0]
    assert int(acct["n_valid"]) == 1
    conn.close()
