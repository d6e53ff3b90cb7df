"""Accountability and penalties (docs/definitions.md#accountability): given hand-written
records, expect exact figures."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from queries import cli, store
from queries.marts import accountability, kpi

OCTOBER = kpi.Period.month("2025-10")
DEPARTMENTS = [
    {"department_id": "D1", "name_zh": "客服中心", "name_en": "Call centre"},
    {"department_id": "D2", "name_zh": "售后部", "name_en": "After-sales"},
]


def complaint(cid: str, day: int = 6, dept: str = "客服中心", **kw) -> dict:
    row = {
        "complaint_id": cid,
        "received_at": dt.datetime(2025, 10, day, 10, 0),
        "department": dept,
        "category": "服务态度",
        "severity": "general",
        "customer_id": f"K-{cid}",
        "customer_name": "张三丰",
        "customer_phone": "13812345678",
        "is_valid": True,
        "is_malicious": False,
        "escalation_level": 1,
    }
    row.update(kw)
    return row


def penalty(pid: str, cid: str, **kw) -> dict:
    row = {
        "penalty_id": pid,
        "complaint_id": cid,
        "person": "赵六",
        "department": "客服中心",
        "responsibility_type": "employee",
        "cause": "工作失误",
        "measure": "fine",
        "fine_amount": 0,
        "investigation_end": dt.date(2025, 10, 10),
        "appeal_status": "none",
    }
    row.update(kw)
    return row


def summary(path, as_of, by=None, period=OCTOBER) -> pd.DataFrame:
    with store.open_snapshot(path) as conn:
        return accountability.accountability(conn, period, as_of=as_of, by=by)


def ledger(path, as_of, kind="ledger", **kw) -> pd.DataFrame:
    with store.open_snapshot(path) as conn:
        return accountability.accountability_list(conn, kind, OCTOBER, as_of=as_of, **kw)


AS_OF = dt.datetime(2025, 11, 10, 12, 0)


def test_coverage_counts_valid_complaints_with_a_record_and_leaves_out_malicious(make_db):
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[
            complaint("A"),
            complaint("B"),
            complaint("C"),
            complaint("M", is_malicious=True),  # valid but malicious: not in the coverage
            complaint("X", is_valid=False),  # not valid: not in the coverage
        ],
        penalties=[
            penalty("P1", "A"),
            penalty("P2", "A", person="钱七"),
            penalty("P3", "M"),
            penalty("P4", "X"),
        ],
    )
    row = summary(path, AS_OF).iloc[0]
    assert row["n_valid"] == 3
    assert row["n_valid_with_record"] == 1
    assert row["accountability_coverage"] == pytest.approx(1 / 3)
    assert row["penalties"] == 4
    with store.open_snapshot(path) as conn:
        missing = accountability.accountability_list(conn, "without_record", OCTOBER, as_of=AS_OF)
    assert list(missing["complaint_id"]) == ["B", "C"]
    assert "customer_name" not in missing.columns and "customer_phone" not in missing.columns
    with store.open_snapshot(path) as conn:
        asked = accountability.accountability_list(
            conn, "without_record", OCTOBER, as_of=AS_OF, personal=True
        )
    assert list(asked["customer_name"]) == ["张三丰", "张三丰"]  # raw: the caller masks


def test_joint_fine_is_carried_or_derived_from_the_escalation_level(make_db):
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[
            complaint("E2", escalation_level=2),
            complaint("E1", escalation_level=1),
            complaint("R", escalation_level=3),
        ],
        penalties=[
            penalty("P1", "E2", fine_amount=200),  # level 2, no joint fine: 50 % = 100
            penalty("P2", "E1", fine_amount=300),  # level 1: no joint fine
            penalty("P3", "R", fine_amount=100, joint_fine_amount=30),  # carried: 30
        ],
    )
    rows = ledger(path, AS_OF).set_index("penalty_id")
    assert rows.loc["P1", "joint_fine"] == 100.0
    assert rows.loc["P1", "joint_fine_source"] == "derived"
    assert rows.loc["P2", "joint_fine"] == 0.0
    assert pd.isna(rows.loc["P2", "joint_fine_source"])
    assert rows.loc["P3", "joint_fine"] == 30.0
    assert rows.loc["P3", "joint_fine_source"] == "record"
    row = summary(path, AS_OF).iloc[0]
    assert row["joint_fine"] == 130.0
    assert row["fines_total"] == 730.0  # 200 + 300 + 100 fines + 100 + 30 joint


def test_due_date_depends_on_the_responsibility_type(make_db):
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[complaint("A")],
        penalties=[
            penalty("PE", "A", responsibility_type="employee"),
            penalty("PM", "A", responsibility_type="management"),
            penalty("PI", "A", responsibility_type="institutional"),
        ],
    )
    due = ledger(path, AS_OF).set_index("penalty_id")["accountability_due"]
    assert pd.Timestamp(due["PE"]).date() == dt.date(2025, 10, 25)  # 10 Oct + 15 days
    assert pd.Timestamp(due["PM"]).date() == dt.date(2025, 11, 9)  # + 30 days
    assert pd.Timestamp(due["PI"]).date() == dt.date(2025, 11, 9)


@pytest.fixture
def decisions(make_db):
    """Investigation ended 10 Oct (20 Oct for P5); as-of 10 Nov 12:00."""
    return make_db(
        departments=DEPARTMENTS,
        complaints=[complaint("A")],
        penalties=[
            # employee, due 25 Oct, decided on the due day: on time
            penalty("P1", "A", decided_at=dt.date(2025, 10, 25)),
            # management, due 9 Nov, decided 12 Nov = after the as-of: undecided and overdue
            penalty("P2", "A", responsibility_type="management", decided_at=dt.date(2025, 11, 12)),
            # institutional, due 9 Nov, decided 1 Nov: on time
            penalty(
                "P3", "A", responsibility_type="institutional", decided_at=dt.date(2025, 11, 1)
            ),
            # employee, due 25 Oct, decided 26 Oct: late
            penalty("P4", "A", decided_at=dt.date(2025, 10, 26), appeal_status="pending"),
            # management, due 19 Nov, undecided: not due yet, left out
            penalty(
                "P5",
                "A",
                responsibility_type="management",
                investigation_end=dt.date(2025, 10, 20),
                appeal_status="upheld",
            ),
        ],
    )


def test_on_time_rate_and_overdue_follow_the_as_of(decisions):
    row = summary(decisions, AS_OF).iloc[0]
    assert row["n_on_time"] == 4
    assert row["n_decided_on_time"] == 2
    assert row["accountability_on_time_rate"] == 0.5
    assert row["accountability_overdue"] == 1
    assert row["appeals_open"] == 1
    overdue = ledger(decisions, AS_OF, "overdue")
    assert list(overdue["penalty_id"]) == ["P2"]
    assert overdue["days_overdue"].iloc[0] == 1
    assert pd.isna(overdue["decided_at"].iloc[0])  # decided after the as-of: not yet
    appealed = ledger(decisions, AS_OF, "appealed")
    assert sorted(appealed["penalty_id"]) == ["P4", "P5"]


def test_a_record_is_overdue_only_after_its_due_day(decisions):
    on_due_day = summary(decisions, dt.datetime(2025, 11, 9, 23, 0)).iloc[0]
    assert on_due_day["accountability_overdue"] == 0
    assert on_due_day["n_on_time"] == 3  # P1, P3, P4 decided; P2 due today
    day_after = summary(decisions, dt.datetime(2025, 11, 10, 0, 0, 1)).iloc[0]
    assert day_after["accountability_overdue"] == 1


def test_penalties_break_down_by_measure_and_person(decisions):
    by_measure = summary(decisions, AS_OF, by="measure")
    assert list(by_measure.columns[:2]) == ["measure", "accountability_coverage"]
    assert by_measure.set_index("measure")["penalties"].to_dict() == {"fine": 5}
    assert by_measure["accountability_coverage"].isna().all()
    by_type = summary(decisions, AS_OF, by="responsibility_type").set_index("responsibility_type")
    assert by_type["penalties"].to_dict() == {"employee": 2, "management": 2, "institutional": 1}
    assert by_type.loc["employee", "accountability_on_time_rate"] == 0.5
    with pytest.raises(ValueError, match="by must be one of"):
        summary(decisions, AS_OF, by="customer_name")


@pytest.fixture
def executed(make_db):
    """P1 (客服中心, 服务态度) executed 20 Oct 2025; P2 (售后部) executed 20 Oct too."""
    return make_db(
        departments=DEPARTMENTS,
        complaints=[
            complaint("A"),
            complaint("B", dept="售后部"),
            # recurrences for P1
            complaint("SAME_DAY", day=20),
            {**complaint("DAY90"), "received_at": dt.datetime(2026, 1, 18, 9, 0)},
            {**complaint("OTHER_CAT"), "received_at": dt.datetime(2025, 11, 1), "category": "其他"},
            {**complaint("NOT_VALID", is_valid=False), "received_at": dt.datetime(2025, 11, 2)},
            # for P2: only on day 91
            {**complaint("DAY91", dept="售后部"), "received_at": dt.datetime(2026, 1, 19, 9, 0)},
        ],
        penalties=[
            penalty("P1", "A", decided_at=dt.date(2025, 10, 15), executed_at=dt.date(2025, 10, 20)),
            penalty(
                "P2",
                "B",
                department="售后部",
                decided_at=dt.date(2025, 10, 15),
                executed_at=dt.date(2025, 10, 20),
            ),
        ],
    )


def test_repeat_after_penalty_counts_records_followed_within_90_days(executed):
    as_of = dt.datetime(2026, 2, 1)
    row = summary(executed, as_of).iloc[0]
    assert row["n_executed"] == 2
    assert row["repeat_after_penalty"] == 1  # P1 (day 90); P2's only repeat is on day 91
    pairs = ledger(executed, as_of, "repeat_after_penalty")
    assert list(
        zip(pairs["penalty_id"], pairs["repeat_complaint_id"], pairs["days_after"], strict=True)
    ) == [("P1", "DAY90", 90)]


def test_filters_apply_to_the_complaints_of_the_period(executed):
    with store.open_snapshot(executed) as conn:
        after_sales = accountability.accountability(
            conn, OCTOBER, kpi.Filters(department=("售后部",)), dt.datetime(2026, 2, 1)
        )
    assert after_sales["penalties"].iloc[0] == 1
    assert after_sales["n_valid"].iloc[0] == 1


def test_repeat_after_penalty_ignores_complaints_after_the_as_of(executed):
    row = summary(executed, dt.datetime(2026, 1, 18, 8, 0)).iloc[0]
    assert row["repeat_after_penalty"] == 0


def test_summary_agrees_with_the_ledger(decisions):
    rows = ledger(decisions, AS_OF)
    total = summary(decisions, AS_OF).iloc[0]
    assert total["penalties"] == len(rows)
    assert total["accountability_overdue"] == int(rows["is_overdue"].sum())
    assert total["n_on_time"] == int(rows["in_on_time_denominator"].sum())
    assert total["n_decided_on_time"] == int(
        (rows["decided_on_time"] & rows["in_on_time_denominator"]).sum()
    )
    assert total["appeals_open"] == int(rows["is_appeal_open"].sum())


def test_cli_accountability_json_by_department(decisions, capsys):
    code = cli.main(
        [
            "--db",
            str(decisions),
            "accountability",
            "--from",
            "2025-10-01",
            "--to",
            "2025-11-01",
            "--as-of",
            "2025-11-10 12:00",
            "--by",
            "department",
            "--format",
            "json",
        ]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc) == 1
    assert doc[0]["department"] == "客服中心"
    assert doc[0]["penalties"] == 5
    assert doc[0]["accountability_coverage"] == 1.0
    assert doc[0]["accountability_on_time_rate"] == 0.5
    assert doc[0]["accountability_overdue"] == 1
    assert set(accountability.METRIC_COLUMNS) <= set(doc[0])


@pytest.fixture
def edges(make_db):
    """Complaints and executions at the edges of the bounds the queries use to skip data: the
    period's first and last instant and the instant after it, and recurring complaints on the
    first instant after an execution day and the last instant of a 90-day window, where two
    records executed on different days set the recurrence's earliest and latest day."""
    at = dt.datetime
    return make_db(
        departments=DEPARTMENTS,
        complaints=[
            complaint("FIRST", received_at=at(2025, 10, 1, 0, 0, 0)),
            complaint("LAST", received_at=at(2025, 10, 31, 23, 59, 59)),
            complaint("NEXT_MONTH", received_at=at(2025, 11, 1, 0, 0, 0)),
            complaint("SEPT", received_at=at(2025, 9, 30, 23, 59, 59)),
            complaint("PLAIN", day=8),
            # recurrences (客服中心, 服务态度): FIRST's record executed 3 Oct, LAST's 5 Nov
            complaint("ON_EXEC_DAY", received_at=at(2025, 10, 3, 23, 59, 59)),
            complaint("DAY1", received_at=at(2025, 10, 4, 0, 0, 0)),
            complaint("DAY90_END", received_at=at(2026, 2, 3, 23, 59, 59)),
            complaint("DAY91", received_at=at(2026, 2, 4, 0, 0, 0)),
        ],
        penalties=[
            penalty(
                "P_FIRST",
                "FIRST",
                decided_at=dt.date(2025, 10, 2),
                executed_at=dt.date(2025, 10, 3),
            ),
            penalty(
                "P_LAST",
                "LAST",
                decided_at=dt.date(2025, 11, 4),
                executed_at=dt.date(2025, 11, 5),
                fine_amount=100,
            ),
            penalty("P_NEXT", "NEXT_MONTH", executed_at=dt.date(2025, 11, 2), fine_amount=7),
            penalty("P_SEPT", "SEPT", executed_at=dt.date(2025, 10, 1), fine_amount=9),
        ],
    )


def test_the_period_and_window_edges_are_counted_exactly(edges):
    as_of = dt.datetime(2026, 3, 1)
    row = summary(edges, as_of).iloc[0]
    # the period's records: FIRST's (1 Oct 00:00:00) and LAST's (31 Oct 23:59:59), not
    # SEPT's or NEXT_MONTH's
    assert row["penalties"] == 2
    assert row["fines"] == 100.0
    assert row["n_executed"] == 2
    # valid complaints received in October: FIRST, LAST, PLAIN, ON_EXEC_DAY, DAY1
    assert row["n_valid"] == 5
    assert row["n_valid_with_record"] == 2
    # both records recurred: P_FIRST on day 1 (DAY1, 4 Oct 00:00:00) and P_LAST on day 90
    # (DAY90_END, 3 Feb 23:59:59); ON_EXEC_DAY (execution day) and DAY91 do not count
    assert row["repeat_after_penalty"] == 2
    pairs = ledger(edges, as_of, "repeat_after_penalty")
    assert list(
        zip(pairs["penalty_id"], pairs["repeat_complaint_id"], pairs["days_after"], strict=True)
    ) == [
        ("P_FIRST", "DAY1", 1),
        ("P_FIRST", "PLAIN", 5),
        ("P_FIRST", "LAST", 28),
        ("P_FIRST", "NEXT_MONTH", 29),
        ("P_LAST", "DAY90_END", 90),
    ]
    assert list(ledger(edges, as_of)["penalty_id"]) == ["P_FIRST", "P_LAST"]
    without = ledger(edges, as_of, "without_record")
    assert list(without["complaint_id"]) == ["ON_EXEC_DAY", "DAY1", "PLAIN"]
    with store.open_snapshot(edges) as conn:
        counts = {
            kind: accountability.accountability_count(conn, kind, OCTOBER, as_of=as_of)
            for kind in ("ledger", "without_record", "repeat_after_penalty")
        }
    assert counts == {"ledger": 2, "without_record": 3, "repeat_after_penalty": 5}


def test_the_as_of_bounds_the_period_records_and_their_recurrences(edges):
    # one second before LAST's receipt: LAST and its record do not exist yet
    as_of = dt.datetime(2025, 10, 31, 23, 59, 58)
    row = summary(edges, as_of).iloc[0]
    assert (row["penalties"], row["n_executed"], row["repeat_after_penalty"]) == (1, 1, 1)
    assert (row["n_valid"], row["n_valid_with_record"]) == (4, 1)
    pairs = ledger(edges, as_of, "repeat_after_penalty")
    assert list(pairs["repeat_complaint_id"]) == ["DAY1", "PLAIN"]


def test_the_penalised_complaint_is_no_recurrence_of_itself(make_db):
    # X's record was executed (10 Oct) before X was received (20 Oct): X lies in its own
    # window but does not count; Y, received later in the same department and category, does
    rows = {
        "departments": DEPARTMENTS,
        "complaints": [complaint("X", day=20, category="其他")],
        "penalties": [penalty("PX", "X", executed_at=dt.date(2025, 10, 10))],
    }
    as_of = dt.datetime(2025, 12, 1)
    alone = summary(make_db(**rows), as_of).iloc[0]
    assert (alone["n_executed"], alone["repeat_after_penalty"]) == (1, 0)
    rows["complaints"].append(complaint("Y", day=25, category="其他"))
    path = make_db(**rows)
    assert summary(path, as_of).iloc[0]["repeat_after_penalty"] == 1
    pairs = ledger(path, as_of, "repeat_after_penalty")
    assert list(zip(pairs["repeat_complaint_id"], pairs["days_after"], strict=True)) == [("Y", 15)]


def test_the_repeat_pairs_are_paged_across_records(edges):
    # the five pairs in order: P_FIRST x DAY1, PLAIN, LAST, NEXT_MONTH; P_LAST x DAY90_END
    as_of = dt.datetime(2026, 3, 1)
    with store.open_snapshot(edges) as conn:

        def page(limit, offset):
            rows = accountability.accountability_list(
                conn, "repeat_after_penalty", OCTOBER, as_of=as_of, limit=limit, offset=offset
            )
            return list(zip(rows["penalty_id"], rows["repeat_complaint_id"], strict=True))

        assert page(2, 0) == [("P_FIRST", "DAY1"), ("P_FIRST", "PLAIN")]
        assert page(2, 3) == [("P_FIRST", "NEXT_MONTH"), ("P_LAST", "DAY90_END")]
        assert page(None, 4) == [("P_LAST", "DAY90_END")]
        assert page(3, 5) == []
        full = accountability.accountability_list(
            conn, "repeat_after_penalty", OCTOBER, as_of=as_of
        )
        assert list(full.columns) == list(
            accountability.accountability_list(
                conn, "repeat_after_penalty", OCTOBER, as_of=as_of, limit=1
            ).columns
        )
        assert "pair_no" not in full.columns and len(full) == 5
