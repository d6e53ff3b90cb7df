"""Data-quality checks (queries/data_quality.sql, dashboard/core/quality.py)."""

from __future__ import annotations

import pytest

from dashboard.core import db, quality

DEPTS = [{"department_id": "D1", "name_zh": "客服中心", "name_en": "Call centre"}]


def _c(cid: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "complaint_id": cid,
        "received_at": "2025-03-03 10:00:00",
        "department": "客服中心",
        "category": "服务态度",
        "severity": "general",
    }
    row.update(kw)
    return row


ROWS = [
    _c("OK1", first_response_at="2025-03-03 11:00", resolved_at="2025-03-04 10:00"),
    _c("OK2", resolved_at="2025-03-04 10:00", satisfaction=5, surveyed_at="2025-03-05 10:00"),
    # closed (status or closed_at) without resolved_at
    _c("Q03", status="closed"),
    _c("Q01", closed_at="2025-03-05 10:00"),
    # resolved before received
    _c("Q02", resolved_at="2025-03-02 09:00"),
    # first response before received
    _c("Q04", first_response_at="2025-03-03 09:59", resolved_at="2025-03-04 10:00"),
    # satisfaction without resolution (score only, survey date only)
    _c("Q05", satisfaction=2),
    _c("Q06", surveyed_at="2025-03-06 10:00"),
]


@pytest.fixture
def conn(make_db):
    path = make_db(complaints=ROWS, departments=DEPTS)
    c = db.open_snapshot(path)
    yield c
    c.close()


def test_record_checks_count_and_list_each_failure(conn):
    df = quality.record_checks(conn, max_examples=5)
    got = {r.check: (r.count, list(r.example_ids)) for r in df.itertuples(index=False)}
    assert got == {
        "closed_without_resolution": (2, ["Q01", "Q03"]),
        "resolved_before_received": (1, ["Q02"]),
        "first_response_before_received": (1, ["Q04"]),
        "satisfaction_without_resolution": (2, ["Q05", "Q06"]),
    }
    assert list(df["check"]) == [c for c in quality.CHECKS if c != "calendar_uncovered"]


def test_record_checks_limit_examples_but_not_counts(conn):
    df = quality.record_checks(conn, max_examples=1)
    row = df[df["check"] == "closed_without_resolution"].iloc[0]
    assert row["count"] == 2
    assert list(row["example_ids"]) == ["Q01"]


def test_clean_data_reports_zero_for_every_check(make_db):
    path = make_db(complaints=ROWS[:2], departments=DEPTS)
    with db.open_snapshot(path) as c:
        df = quality.record_checks(c)
    assert df["count"].tolist() == [0, 0, 0, 0]
    assert all(len(x) == 0 for x in df["example_ids"])


def test_every_check_has_both_labels():
    for check, (zh, en) in quality.CHECKS.items():
        assert zh and en and zh != en, check
