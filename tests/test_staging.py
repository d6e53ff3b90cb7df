"""Staging layer: deadlines, limits, repeats, group incidents, working time, rule changes."""

from __future__ import annotations

import datetime as dt

import pytest

from queries import cli, staging, store
from queries.config import rules
from queries.marts import kpi
from tests.kpi_rows import row

T = dt.datetime


def stg(path, columns: str) -> dict:
    conn = store.open_snapshot(path)
    rows = conn.execute(f"select complaint_id, {columns} from stg_complaints").fetchall()
    return {r[0]: r[1:] if len(r) > 2 else r[1] for r in rows}


def test_deadline_friday_before_make_up_saturday(make_db):
    fri = T(2025, 10, 10, 10)
    p = make_db(
        complaints=[
            row("on_time", fri, resolved_at=T(2025, 10, 15, 0, 0, 0)),
            row("late", fri, resolved_at=T(2025, 10, 15, 0, 0, 1)),
            row("open", fri),
        ]
    )
    got = stg(p, "resolution_deadline, resolved_by_deadline")
    assert got == {
        "on_time": (T(2025, 10, 15), True),
        "late": (T(2025, 10, 15), False),
        "open": (T(2025, 10, 15), None),
    }


def test_deadline_by_grade_multi_department_and_extension(make_db):
    fri = T(2025, 10, 10, 10)
    p = make_db(
        complaints=[
            row("urgent", fri, severity="urgent"),  # Sat 11th
            row("major", fri, severity="major"),  # 11, 13, 14, 15, 16
            row("multi", fri, multi_department=True),  # 7 > 3: 11, 13..17, 20
            row("multi_major", fri, severity="major", multi_department=True),
            row("extended", fri, extended_deadline=T(2025, 10, 30, 18)),
            row("no_grade", fri, severity=None),  # judged as general
        ]
    )
    got = stg(p, "resolution_deadline")
    assert got == {
        "urgent": T(2025, 10, 12),
        "major": T(2025, 10, 17),
        "multi": T(2025, 10, 21),
        "multi_major": T(2025, 10, 21),
        "extended": T(2025, 10, 30, 18),
        "no_grade": T(2025, 10, 15),
    }


def test_deadline_from_a_holiday_counts_from_the_next_working_day(make_db):
    # received on National Day (Wed 1st, holiday until Wed 8th; Sat 11th make-up day)
    p = make_db(complaints=[row("a", T(2025, 10, 1, 9))])
    assert stg(p, "resolution_deadline") == {"a": T(2025, 10, 12)}  # 9th, 10th, 11th: 24:00


def test_first_response_limit_is_min_of_grade_and_channel(make_db):
    r = T(2025, 10, 13, 9)
    p = make_db(
        complaints=[
            row("phone_general", r, first_response_at=T(2025, 10, 14, 9)),  # 24 h exactly
            row("social_general", r, channel="social", first_response_at=T(2025, 10, 13, 21, 0, 1)),
            row("social_urgent", r, channel="social", severity="urgent"),
            row("phone_major", r, severity="major", first_response_at=T(2025, 10, 13, 10)),
        ]
    )
    got = stg(p, "response_limit_h, response_due_at, responded_within_limit, first_response_h")
    assert got["phone_general"] == (24.0, T(2025, 10, 14, 9), True, 24.0)
    assert got["social_general"][:3] == (12.0, T(2025, 10, 13, 21), False)
    assert got["social_general"][3] == pytest.approx(12 + 1 / 3600)
    assert got["social_urgent"] == (1.0, T(2025, 10, 13, 10), None, None)
    assert got["phone_major"] == (1.0, T(2025, 10, 13, 10), True, 1.0)


def test_repeat_exactly_720_hours_is_a_repeat_one_second_more_is_not(make_db):
    first = T(2025, 9, 1, 8)
    p = make_db(
        complaints=[
            row("first", first, customer_id="C1"),
            row("exact", first + dt.timedelta(hours=720), customer_id="C1"),
            row("other", T(2025, 9, 1, 8), customer_id="C2"),
            row("late", T(2025, 10, 1, 8, 0, 1), customer_id="C2"),
        ]
    )
    got = stg(p, "is_repeat, repeat_of_complaint_id")
    assert got == {
        "first": (False, None),
        "exact": (True, "first"),
        "other": (False, None),
        "late": (False, None),
    }


def test_repeat_links_to_the_latest_earlier_complaint_or_the_parent(make_db):
    p = make_db(
        complaints=[
            row("a", T(2025, 9, 1), customer_id="C1"),
            row("b", T(2025, 9, 5), customer_id="C1"),
            row("c", T(2025, 9, 6), customer_id="C1"),
            row("d", T(2025, 9, 7), customer_id="C1", category="服务态度"),  # other category
            row("e", T(2025, 9, 8), customer_id="C9", parent_complaint_id="x-1"),
            row("f", T(2025, 9, 8), customer_id=None),
        ]
    )
    got = stg(p, "is_repeat, repeat_of_complaint_id")
    assert got == {
        "a": (False, None),
        "b": (True, "a"),
        "c": (True, "b"),
        "d": (False, None),
        "e": (True, "x-1"),
        "f": (False, None),
    }


MONDAY_9 = T(2025, 10, 13, 9)


def _group_rows(n_customers: int, start=MONDAY_9, same_customer_extra: int = 0):
    rows = [
        row(f"g{i}", start + dt.timedelta(hours=5 * i), customer_id=f"K{i}")
        for i in range(n_customers)
    ]
    rows += [
        row(f"dup{i}", start + dt.timedelta(hours=1 + i), customer_id="K0")
        for i in range(same_customer_extra)
    ]
    return rows


def test_group_incident_needs_five_distinct_customers(make_db):
    five = make_db(complaints=_group_rows(5))  # 0 h .. 20 h: within 24 h
    got = stg(five, "group_incident_id")
    assert set(got.values()) == {"G-g0"}
    conn = store.open_snapshot(five)
    incidents = conn.execute(
        "select group_incident_id, n_complaints, n_customers, qualified_at from stg_group_incidents"
    ).fetchall()
    assert incidents == [("G-g0", 5, 5, T(2025, 10, 14, 5))]
    four = make_db(complaints=_group_rows(4, same_customer_extra=3))  # 7 complaints, 4 customers
    assert set(stg(four, "group_incident_id").values()) == {None}


def test_group_window_is_24_hours_inclusive(make_db):
    start = T(2025, 10, 13, 9)
    rows = [row(f"g{i}", start + dt.timedelta(hours=6 * i), customer_id=f"K{i}") for i in range(5)]
    p = make_db(complaints=rows)  # 0..24 h exactly: one incident
    assert set(stg(p, "group_incident_id").values()) == {"G-g0"}
    rows[-1] = row("g4", start + dt.timedelta(hours=24, seconds=1), customer_id="K4")
    q = make_db(complaints=rows)
    assert set(stg(q, "group_incident_id").values()) == {None}


def test_overlapping_group_windows_merge_into_one_incident(make_db):
    start = T(2025, 10, 13, 0)
    # customers every 5 h for 60 h: every 24 h window holds 5 customers -> one incident
    rows = [
        row(f"g{i:02}", start + dt.timedelta(hours=5 * i), customer_id=f"K{i}") for i in range(13)
    ]
    # other department or category never joins it; a later separate burst is a new incident
    rows += [row("other_dept", start, department="售后部", customer_id="Z")]
    rows += [
        row(f"h{i}", T(2025, 10, 20, 9) + dt.timedelta(minutes=i), customer_id=f"H{i}")
        for i in range(5)
    ]
    p = make_db(complaints=rows)
    got = stg(p, "group_incident_id")
    assert {got[f"g{i:02}"] for i in range(13)} == {"G-g00"}
    assert got["other_dept"] is None
    assert {got[f"h{i}"] for i in range(5)} == {"G-h0"}
    conn = store.open_snapshot(p)
    assert conn.execute("select count(*) from stg_group_incidents").fetchall() == [(2,)]


def test_working_hours_count_only_working_days(make_db):
    p = make_db(
        complaints=[
            # Fri 10th 10:00 -> Mon 13th 10:00: Fri 14 h + Sat (make-up) 24 h + Sun 0 + Mon 10 h
            row("a", T(2025, 10, 10, 10), resolved_at=T(2025, 10, 13, 10)),
            # Sat 4th (holiday) 09:00 -> Sun 5th 12:00: no working time
            row("b", T(2025, 10, 4, 9), first_response_at=T(2025, 10, 5, 12)),
        ]
    )
    got = stg(p, "resolution_h, resolution_working_h, first_response_working_h")
    assert got["a"] == (72.0, 48.0, None)
    assert got["b"] == (None, None, 0.0)


def test_satisfaction_class_and_excluded(make_db):
    r = T(2025, 10, 13)
    p = make_db(
        complaints=[
            row("s5", r, satisfaction=5),
            row("s4", r, satisfaction=4),
            row("s3", r, satisfaction=3),
            row("s2", r, satisfaction=2, is_malicious=True),
            row("s1", r, satisfaction=1),
            row("none", r),
        ]
    )
    got = stg(p, "satisfaction_class, is_excluded")
    assert got == {
        "s5": ("satisfied", False),
        "s4": ("satisfied", False),
        "s3": ("neutral", False),
        "s2": ("dissatisfied", True),
        "s1": ("dissatisfied", False),
        "none": (None, False),
    }


DEPARTMENTS = [
    dict(department_id="D1", name_zh="客服中心", name_en="Service Center"),
    dict(department_id="D2", name_zh="售后部", name_en="After-sales", parent_id="D1"),
    dict(department_id="D3", name_zh="维修组", parent_id="D2"),
]


def test_department_resolution_by_name_id_or_english(make_db):
    r = T(2025, 10, 13)
    p = make_db(
        departments=DEPARTMENTS,
        complaints=[
            row("zh", r, department="售后部"),
            row("id", r, department="D3"),
            row("en", r, department="Service Center"),
            row("unknown", r, department="外包"),
        ],
    )
    got = stg(
        p, "department_id, department_name_zh, parent_department_id, parent_department_name_zh"
    )
    assert got == {
        "zh": ("D2", "售后部", "D1", "客服中心"),
        "id": ("D3", "维修组", "D2", "售后部"),
        "en": ("D1", "客服中心", None, "客服中心"),
        "unknown": ("外包", "外包", None, "外包"),
    }
    conn = store.open_snapshot(p)
    tree = conn.execute(
        "select department_id from stg_department_tree where ancestor_id = 'D1' order by 1"
    ).fetchall()
    assert tree == [("D1",), ("D2",), ("D3",)]


def test_staging_keys_unique_and_not_null(make_db):
    p = make_db(complaints=_group_rows(6), departments=DEPARTMENTS)
    conn = store.open_snapshot(p)
    n, distinct, nulls = conn.execute(
        "select count(*), count(distinct complaint_id), count(*) - count(complaint_id) "
        "from stg_complaints"
    ).fetchall()[0]
    assert (n, distinct, nulls) == (6, 6, 0)
    columns = [r[0] for r in conn.execute("describe stg_complaints").fetchall()]
    canonical = [r[0] for r in conn.execute("describe complaints").fetchall()]
    assert columns[: len(canonical)] == canonical
    for name in staging.STG_COMPLAINTS_DERIVED:
        assert name in columns, name


def test_penalties_get_department_due_date_and_joint_fine(make_db):
    p = make_db(
        departments=DEPARTMENTS,
        complaints=[
            row("c1", T(2025, 10, 13), escalation_level=2, department="售后部"),
            row("c2", T(2025, 10, 13), escalation_level=1),
        ],
        penalties=[
            dict(penalty_id="P1", complaint_id="c1", person="王五", department="售后部",
                 responsibility_type="employee", fine_amount=200,
                 investigation_end=dt.date(2025, 10, 20), publicized_from=dt.date(2025, 11, 1)),
            dict(penalty_id="P2", complaint_id="c1", person="赵六", department="D2",
                 responsibility_type="management", fine_amount=100, joint_fine_amount=10,
                 investigation_end=dt.date(2025, 10, 20)),
            dict(penalty_id="P3", complaint_id="c2", person="钱七", department="客服中心",
                 responsibility_type="institutional", fine_amount=100,
                 investigation_end=dt.date(2025, 10, 20)),
        ],
    )  # fmt: skip
    conn = store.open_snapshot(p)
    got = conn.execute(
        "select penalty_id, department_id, accountability_due, joint_fine, joint_fine_derived, "
        "publication_end, complaint_received_at, rules_version from stg_penalties order by 1"
    ).fetchall()
    assert [tuple(map(lambda v: float(v) if hasattr(v, "as_tuple") else v, g)) for g in got] == [
        ("P1", "D2", dt.date(2025, 11, 4), 100.0, True, dt.date(2025, 11, 16), T(2025, 10, 13),
         "2024-01"),
        ("P2", "D2", dt.date(2025, 11, 19), 10.0, False, None, T(2025, 10, 13), "2024-01"),
        ("P3", "D1", dt.date(2025, 11, 19), 0.0, False, None, T(2025, 10, 13), "2024-01"),
    ]  # fmt: skip


RULES_V2 = """
[[version]]
id = "base"
effective_from = 2024-01-01

[[version]]
id = "strict"
effective_from = 2025-11-01
[version.resolution_working_days]
grade = { general = 1, urgent = 1, major = 1 }
multi_department = 1
"""


def test_fingerprint_recorded_and_rules_change_is_not_silently_stale(
    make_db, tmp_path, monkeypatch, capsys
):
    # Mon 3rd: base deadline Fri 7th 00:00 (on time); strict Wed 5th 00:00 (late)
    p = make_db(complaints=[row("a", T(2025, 11, 3, 9), resolved_at=T(2025, 11, 5, 12))])
    conn = store.open_snapshot(p)
    meta = dict(conn.execute("select key, value from meta").fetchall())
    assert meta["staging_fingerprint"] == staging.current_fingerprint()
    assert staging.ensure_current(conn) is False
    month = kpi.Period.month("2025-11")
    assert kpi.kpis(conn, month)["on_time_resolution_rate"].iloc[0] == 1.0
    # the rule file changes: general resolution within 1 working day from November
    path = tmp_path / "rules.toml"
    path.write_text(RULES_V2, encoding="utf-8")
    monkeypatch.setenv(rules.RULES_ENV_VAR, str(path))
    reader = store.Reader(p)
    cur = reader.cursor()
    assert kpi.kpis(cur, month)["on_time_resolution_rate"].iloc[0] == 0.0
    deadline = cur.execute("select resolution_deadline, rules_version from stg_complaints")
    assert deadline.fetchall() == [(T(2025, 11, 5), "strict")]
    other = reader.cursor()  # another cursor of the same snapshot sees the rebuilt tables too
    assert kpi.kpis(other, month)["on_time_resolution_rate"].iloc[0] == 0.0
    # the published file is untouched until `complaints rebuild`
    fresh = store.open_snapshot(p)
    assert fresh.execute("select resolution_deadline from stg_complaints").fetchall() == [
        (T(2025, 11, 7),)
    ]
    assert cli.main(["--db", str(p), "rebuild"]) == 0
    assert "strict" in capsys.readouterr().err
    after = store.open_snapshot(p)
    assert staging.ensure_current(after) is False
    assert after.execute("select resolution_deadline from stg_complaints").fetchall() == [
        (T(2025, 11, 5),)
    ]


def test_rule_versions_switch_between_months(make_db, tmp_path, monkeypatch):
    path = tmp_path / "rules.toml"
    path.write_text(RULES_V2, encoding="utf-8")
    monkeypatch.setenv(rules.RULES_ENV_VAR, str(path))
    p = make_db(
        complaints=[
            row("oct", T(2025, 10, 31, 23, 59, 59), resolved_at=T(2025, 11, 4, 12)),
            row("nov", T(2025, 11, 3, 9), resolved_at=T(2025, 11, 5, 12)),
        ]
    )
    got = stg(p, "rules_version, resolution_deadline, resolved_by_deadline")
    assert got == {
        "oct": ("base", T(2025, 11, 6), True),  # Fri 31st + 3: Mon 3, Tue 4, Wed 5
        "nov": ("strict", T(2025, 11, 5), False),  # Mon 3rd + 1: Tue 4th, 24:00
    }
    conn = store.open_snapshot(p)
    assert kpi.kpis(conn, kpi.Period.month("2025-10"))["on_time_resolution_rate"].iloc[0] == 1.0
    assert kpi.kpis(conn, kpi.Period.month("2025-11"))["on_time_resolution_rate"].iloc[0] == 0.0
