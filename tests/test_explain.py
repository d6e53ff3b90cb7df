"""Explain one complaint: derived facts, timeline, score items fed, penalty records."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from queries import cli, store
from queries.marts import explain

MON = dt.datetime(2025, 10, 13, 10, 0)  # Monday; 3 working days → deadline Fri 17 Oct 00:00
AS_OF = dt.datetime(2025, 10, 31, 23, 0)
DEPARTMENTS = [{"department_id": "D1", "name_zh": "客服中心", "name_en": "Call centre"}]


def complaint(cid: str, received: dt.datetime = MON, **kw) -> dict:
    row = {
        "complaint_id": cid,
        "received_at": received,
        "department": "客服中心",
        "category": "服务态度",
        "channel": "phone",
        "severity": "general",
        "customer_id": f"K-{cid}",
        "customer_name": "张三丰",
        "customer_phone": "13812345678",
        "first_response_at": received + dt.timedelta(minutes=30),
        "resolved_at": received + dt.timedelta(hours=2),
        "is_valid": False,
        "is_malicious": False,
    }
    row.update(kw)
    return row


@pytest.fixture
def late_db(make_db):
    """Four scored complaints of 客服中心 and a malicious one; LATE (valid, general) was
    resolved Monday 20 Oct 10:00, 82 clock hours and 34 working hours after its deadline
    (Fri 17 Oct 00:00), and answered the survey with 2 (dissatisfied)."""
    return make_db(
        departments=DEPARTMENTS,
        complaints=[
            complaint(
                "LATE",
                is_valid=True,
                acknowledged_at=MON + dt.timedelta(minutes=5),
                resolved_at=dt.datetime(2025, 10, 20, 10, 0),
                surveyed_at=dt.datetime(2025, 10, 21, 9, 0),
                satisfaction=2,
                closed_at=dt.datetime(2025, 11, 5, 9, 0),
            ),
            complaint("OK1", MON + dt.timedelta(minutes=1)),
            complaint("OK2", MON + dt.timedelta(minutes=2)),
            complaint("OK3", MON + dt.timedelta(minutes=3)),
            complaint("MAL", MON + dt.timedelta(minutes=4), is_malicious=True, is_valid=True),
        ],
        penalties=[
            {
                "penalty_id": "P1",
                "complaint_id": "LATE",
                "person": "赵六",
                "department": "客服中心",
                "responsibility_type": "employee",
                "measure": "written_warning",
                "investigation_end": dt.date(2025, 10, 22),
            }
        ],
    )


def test_explain_a_late_complaint_lists_the_resolution_timeliness_item(late_db):
    with store.open_snapshot(late_db) as conn:
        result = explain.explain(conn, "LATE", AS_OF)
    facts = result["facts"]
    assert facts["resolution_deadline"] == dt.datetime(2025, 10, 17, 0, 0)
    assert facts["resolution_rule"] == "grade"
    assert facts["resolution_status"] == "late"
    assert facts["resolved_by_deadline"] is False
    assert facts["late_by_h"] == 82.0
    assert facts["late_by_working_h"] == 34.0  # Friday 24 h + Monday 10 h
    assert facts["response_limit_h"] == 24.0
    assert facts["responded_within_limit"] is True
    assert facts["satisfaction_class"] == "dissatisfied"
    assert facts["is_excluded"] is False
    items = {i["item"]: i for i in result["score_items"]}
    late = items["resolution_timeliness"]
    assert late["month"] == "2025-10"
    assert late["role"] == "denominator only"
    assert late["pulls_off_target"] is True
    assert late["measured"] == 0.75  # 3 of 4 (the malicious one is left out)
    assert late["item_deduction"] == 15.0  # 90 % - 75 % = 15 pp x 1
    assert items["valid_complaints"]["points"] == 1.0
    assert items["valid_complaints"]["role"] == "counts"
    assert items["concealed_major"]["points"] == 0.0
    assert items["satisfaction"]["role"] == "denominator only"
    assert items["satisfaction"]["item_deduction"] == 10.0  # 0 % satisfied: 85 pp x 0.5, cap 10
    assert [p["penalty_id"] for p in result["penalties"]] == ["P1"]
    assert result["penalties"][0]["accountability_due"] is not None


def test_timeline_shows_deadlines_and_hides_what_happened_after_the_as_of(late_db):
    as_of = dt.datetime(2025, 10, 25, 12, 0)  # before closing
    with store.open_snapshot(late_db) as conn:
        result = explain.explain(conn, "LATE", as_of)
    steps = {s["event"]: s for s in result["timeline"]}
    assert [s["event"] for s in result["timeline"]] == [
        "received",
        "acknowledged",
        "first_response",
        "resolved",
        "surveyed",
        "closed",
    ]
    assert steps["resolved"]["deadline"] == dt.datetime(2025, 10, 17, 0, 0)
    assert steps["resolved"]["met"] is False
    assert steps["first_response"]["met"] is True
    assert steps["closed"]["at"] is None
    assert steps["closed"]["after_as_of"] is True


def test_open_complaint_past_its_deadline_is_overdue_by_the_as_of(make_db):
    path = make_db(departments=DEPARTMENTS, complaints=[complaint("OPEN", resolved_at=None)])
    with store.open_snapshot(path) as conn:
        result = explain.explain(conn, "OPEN", dt.datetime(2025, 10, 17, 6, 0))
    assert result["facts"]["resolution_status"] == "open_overdue"
    assert result["facts"]["late_by_h"] == 6.0
    assert result["facts"]["late_by_working_h"] == 6.0


def test_deadline_rule_names_extension_and_multi_department(make_db):
    path = make_db(
        departments=DEPARTMENTS,
        complaints=[
            complaint("EXT", extended_deadline=dt.datetime(2025, 10, 30, 18, 0)),
            complaint("MULTI", multi_department=True),
            complaint("MAJOR_MULTI", severity="major", multi_department=True),
        ],
    )
    with store.open_snapshot(path) as conn:
        rules_of = {
            cid: explain.explain(conn, cid, AS_OF)["facts"]
            for cid in ("EXT", "MULTI", "MAJOR_MULTI")
        }
    assert rules_of["EXT"]["resolution_rule"] == "extension"
    assert rules_of["EXT"]["resolution_deadline"] == dt.datetime(2025, 10, 30, 18, 0)
    assert rules_of["MULTI"]["resolution_rule"] == "multi_department"
    assert rules_of["MAJOR_MULTI"]["resolution_rule"] == "multi_department"  # 7 > 5


def test_malicious_complaint_feeds_no_score_item(late_db):
    with store.open_snapshot(late_db) as conn:
        result = explain.explain(conn, "MAL", AS_OF)
    assert result["facts"]["is_excluded"] is True
    assert result["score_items"] == []


def test_unknown_complaint_raises(late_db):
    with store.open_snapshot(late_db) as conn, pytest.raises(explain.UnknownComplaintError):
        explain.explain(conn, "NOPE", AS_OF)


def test_cli_explain_masks_personal_data_unless_asked(late_db, capsys):
    argv = ["--db", str(late_db), "explain", "LATE", "--as-of", "2025-10-31", "--format", "json"]
    assert cli.main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["fields"]["customer_name"] == "张**"
    assert doc["fields"]["customer_phone"] == "138****5678"
    assert doc["facts"]["late_by_h"] == 82.0
    assert cli.main([*argv, "--show-personal-data"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["fields"]["customer_name"] == "张三丰"
    assert doc["fields"]["customer_phone"] == "13812345678"


def test_cli_explain_unknown_id_exits_1_with_one_line(late_db, capsys):
    assert cli.main(["--db", str(late_db), "explain", "NOPE"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "NOPE" in err


def test_repeat_and_group_incident_facts(make_db):
    rows = [complaint(f"G{i}", MON + dt.timedelta(hours=i), customer_id=f"K{i}") for i in range(5)]
    rows.append(complaint("AGAIN", MON + dt.timedelta(days=3), customer_id="K0"))
    path = make_db(departments=DEPARTMENTS, complaints=rows)
    with store.open_snapshot(path) as conn:
        again = explain.explain(conn, "AGAIN", AS_OF)["facts"]
        member = explain.explain(conn, "G4", AS_OF)["facts"]
    assert again["is_repeat"] is True
    assert again["repeat_of_complaint_id"] == "G0"
    assert member["group_incident_id"] is not None
    assert member["group_incident"]["n_customers"] == 5
    assert member["group_incident"]["category"] == "服务态度"
