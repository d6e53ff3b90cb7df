"""Given → expect tests for every metric of docs/definitions.md#metrics (hand-written rows,
hand-calculated values)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from queries import store
from queries.marts import kpi
from tests.kpi_rows import row

T = dt.datetime
OCT = kpi.Period.month("2025-10")


def one(make_db, rows, as_of=None, period=OCT, **kw) -> dict:
    conn = store.open_snapshot(make_db(complaints=rows, **kw))
    df = kpi.kpis(conn, period, as_of=as_of)
    assert len(df) == 1
    return {
        k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in df.iloc[0].items()
    }


def test_received_counts_the_cohort_by_received_at_with_exclusive_end(make_db):
    got = one(
        make_db,
        [
            row("sep", T(2025, 9, 30, 23, 59, 59)),
            row("first", T(2025, 10, 1)),
            row("last", T(2025, 10, 31, 23, 59, 59)),
            row("nov", T(2025, 11, 1)),
        ],
    )
    assert got["received"] == 2 and got["n_received"] == 2


def test_resolved_and_resolution_rate_respect_the_as_of(make_db):
    r = T(2025, 10, 13, 9)
    got = one(
        make_db,
        [
            row("a", r, resolved_at=T(2025, 10, 14)),
            row("b", r, resolved_at=T(2025, 10, 20)),
            row("c", r),
            row("d", r, resolved_at=T(2025, 10, 25)),  # after the as-of: still open
        ],
        as_of=T(2025, 10, 21),
    )
    assert (got["resolved"], got["resolution_rate"], got["backlog_open"]) == (2, 0.5, 2)


def test_on_time_rate_leaves_out_open_not_yet_due(make_db):
    mon = T(2025, 10, 13, 9)  # deadline Fri 17th 00:00
    got = one(
        make_db,
        [
            row("on_time", mon, resolved_at=T(2025, 10, 15)),
            row("late", mon, resolved_at=T(2025, 10, 20)),
            row("open_overdue", mon),
            row("open_not_due", T(2025, 10, 20, 9)),  # deadline Fri 24th 00:00
        ],
        as_of=T(2025, 10, 21, 12),
    )
    assert got["on_time_resolution_rate"] == pytest.approx(1 / 3)
    assert (got["n_on_time_num"], got["n_on_time"]) == (1, 3)
    assert (got["backlog_open"], got["overdue_open"], got["n_open"]) == (2, 1, 2)


def test_on_time_rate_uses_the_make_up_saturday_deadline(make_db):
    fri = T(2025, 10, 10, 10)
    got = one(
        make_db,
        [
            row("exact", fri, resolved_at=T(2025, 10, 15, 0, 0, 0)),
            row("one_second_late", fri, resolved_at=T(2025, 10, 15, 0, 0, 1)),
        ],
    )
    assert got["on_time_resolution_rate"] == 0.5


# A September complaint with every input field filled: the data supplies reply, resolution and
# survey times (issue 11: without an import record, a database none of whose complaints has
# them did not supply them: "not measured", not 0), without touching the October cohort.
SUPPLIED = row(
    "sep-supplied",
    T(2025, 9, 1, 9),
    first_response_at=T(2025, 9, 1, 10),
    resolved_at=T(2025, 9, 2, 9),
    satisfaction=5,
    surveyed_at=T(2025, 9, 3, 9),
    is_valid=False,
    escalation_level=1,
)


def test_overdue_open_needs_deadline_strictly_before_as_of(make_db):
    mon = T(2025, 10, 13, 9)  # deadline 2025-10-17 00:00
    rows = [row("a", mon), SUPPLIED]
    assert one(make_db, rows, as_of=T(2025, 10, 17))["overdue_open"] == 0
    assert one(make_db, rows, as_of=T(2025, 10, 17, 0, 0, 1))["overdue_open"] == 1


def test_first_response_percentiles_by_hand(make_db):
    r = T(2025, 10, 13, 8)
    hours = [1, 2, 4, 10]
    rows = [row(f"r{h}", r, first_response_at=r + dt.timedelta(hours=h)) for h in hours]
    rows.append(row("after_as_of", r, first_response_at=T(2025, 10, 25)))
    got = one(make_db, rows, as_of=T(2025, 10, 20))
    assert got["n_first_response"] == 4
    assert got["first_response_median_h"] == pytest.approx(3.0)  # (2 + 4) / 2
    assert got["first_response_mean_h"] == pytest.approx(4.25)
    assert got["first_response_p90_h"] == pytest.approx(8.2)  # 4 + 0.7 x (10 - 4)


def test_response_sla_rate_denominator_is_responded_or_limit_passed(make_db):
    as_of = T(2025, 10, 20, 12)
    got = one(
        make_db,
        [
            row("in_time", T(2025, 10, 13, 9), first_response_at=T(2025, 10, 13, 11)),
            row("late", T(2025, 10, 13, 9), first_response_at=T(2025, 10, 14, 15)),
            row("silent_limit_passed", T(2025, 10, 13, 9)),
            row("silent_limit_running", T(2025, 10, 20, 9)),  # due 21st 09:00
            row("answered_after_as_of", T(2025, 10, 20, 9), first_response_at=T(2025, 10, 20, 13)),
        ],
        as_of=as_of,
    )
    assert (got["n_response_sla_num"], got["n_response_sla"]) == (1, 3)
    assert got["response_sla_rate"] == pytest.approx(1 / 3)


def test_resolution_percentiles_by_hand(make_db):
    r = T(2025, 10, 13, 8)
    rows = [row(f"h{h}", r, resolved_at=r + dt.timedelta(hours=h)) for h in (10, 20, 30)]
    rows.append(row("open", r))
    got = one(make_db, rows)
    assert got["resolution_median_h"] == pytest.approx(20.0)
    assert got["resolution_p90_h"] == pytest.approx(28.0)  # 20 + 0.8 x 10
    assert got["n_resolved"] == 3


def test_hours_are_exact_seconds(make_db):
    r = T(2025, 10, 13, 8)
    got = one(make_db, [row("a", r, first_response_at=r + dt.timedelta(seconds=5400))])
    assert got["first_response_median_h"] == 1.5


def test_working_time_columns_skip_non_working_days(make_db):
    fri = T(2025, 10, 17, 12)  # Friday; Sat 18th and Sun 19th off
    got = one(
        make_db,
        [row("a", fri, first_response_at=T(2025, 10, 20, 12), resolved_at=T(2025, 10, 20, 12))],
    )
    assert got["first_response_median_h"] == 72.0
    assert got["first_response_median_working_h"] == 24.0
    assert got["resolution_median_working_h"] == 24.0


def test_repeat_rate_counts_earlier_complaints_before_the_period(make_db):
    got = one(
        make_db,
        [
            row("sep", T(2025, 9, 20), customer_id="C1"),
            row("again", T(2025, 10, 5), customer_id="C1"),
            row("linked", T(2025, 10, 6), customer_id="C2", parent_complaint_id="old"),
            row("new", T(2025, 10, 7), customer_id="C3"),
        ],
    )
    assert (got["n_repeat"], got["received"]) == (2, 3)
    assert got["repeat_rate"] == pytest.approx(2 / 3)


def _incident(start: dt.datetime) -> list[dict]:
    return [row(f"g{i}", start + dt.timedelta(hours=2 * i), customer_id=f"K{i}") for i in range(5)]


def test_group_incidents_counted_in_every_period_holding_one_of_its_complaints(make_db):
    rows = _incident(T(2025, 9, 30, 20))  # 20:00 .. 04:00 across the month end
    p = make_db(complaints=rows)
    conn = store.open_snapshot(p)
    sep = kpi.kpis(conn, kpi.Period.month("2025-09"), as_of=T(2025, 10, 31))
    oct_ = kpi.kpis(conn, OCT, as_of=T(2025, 10, 31))
    assert (sep["group_incidents"].iloc[0], oct_["group_incidents"].iloc[0]) == (1, 1)
    # before the fifth customer arrived the incident does not exist yet
    early = kpi.kpis(conn, kpi.Period.month("2025-09"), as_of=T(2025, 10, 1, 3))
    assert early["group_incidents"].iloc[0] == 0


def test_group_incident_needs_five_customers_not_four(make_db):
    four = _incident(T(2025, 10, 13))[:4]
    assert one(make_db, four)["group_incidents"] == 0
    assert one(make_db, _incident(T(2025, 10, 13)))["group_incidents"] == 1


def test_valid_rate_is_over_known_judgements_only(make_db):
    r = T(2025, 10, 13)
    got = one(
        make_db,
        [
            row("t1", r, is_valid=True),
            row("t2", r, is_valid=True),
            row("f", r, is_valid=False),
            row("unknown", r),
        ],
    )
    assert (got["n_valid"], got["n_valid_known"]) == (2, 3)
    assert got["valid_rate"] == pytest.approx(2 / 3)


def test_csat_and_survey_coverage(make_db):
    r, done, as_of = T(2025, 10, 13), T(2025, 10, 14), T(2025, 10, 20)
    surveyed = T(2025, 10, 15)
    got = one(
        make_db,
        [
            row("s5", r, resolved_at=done, satisfaction=5, surveyed_at=surveyed),
            row("s4", r, resolved_at=done, satisfaction=4, surveyed_at=surveyed),
            row("s3", r, resolved_at=done, satisfaction=3, surveyed_at=surveyed),
            row("s1", r, resolved_at=done, satisfaction=1, surveyed_at=surveyed),
            # survey after the as-of: not surveyed yet
            row("later", r, resolved_at=done, satisfaction=5, surveyed_at=T(2025, 10, 25)),
            # no survey time: counts once the complaint is resolved by the as-of
            row("no_time", r, resolved_at=done, satisfaction=2),
            row("no_time_open", r, satisfaction=5),
            row("not_surveyed", r, resolved_at=done),
        ],
        as_of=as_of,
    )
    assert (got["n_satisfied"], got["n_surveyed"]) == (2, 5)
    assert got["csat_rate"] == pytest.approx(2 / 5)
    assert got["csat_mean"] == pytest.approx(3.0)  # (5 + 4 + 3 + 1 + 2) / 5
    assert got["resolved"] == 7
    assert got["survey_coverage"] == pytest.approx(5 / 7)


def test_escalation_rate_counts_level_two_and_above(make_db):
    r = T(2025, 10, 13)
    got = one(
        make_db,
        [
            row("l1", r, escalation_level=1),
            row("l2", r, escalation_level=2),
            row("l3", r, escalation_level=3),
            row("none", r),
        ],
    )
    assert got["escalation_rate"] == 0.5 and got["n_escalated"] == 2


def test_compensation_total_and_counts_by_type(make_db):
    r = T(2025, 10, 13)
    got = one(
        make_db,
        [
            row("m1", r, compensation_type="money", compensation_amount=100.5),
            row("c1", r, compensation_type="coupon", compensation_amount=20),
            row("m2", r, compensation_type="money", compensation_amount=30),
            row("none", r),
        ],
    )
    assert got["compensation_total"] == pytest.approx(150.5)
    assert (got["compensation_n_money"], got["compensation_n_coupon"]) == (2, 1)
    assert (got["compensation_n_service"], got["n_compensation"]) == (0, 3)


DEPTS = [
    dict(department_id="D1", name_zh="客服中心"),
    dict(department_id="D2", name_zh="售后部", parent_id="D1"),
    dict(department_id="D3", name_zh="维修组", parent_id="D2"),
    dict(department_id="D4", name_zh="销售部"),
]


def test_complaint_rate_per_10k_only_where_volume_is_loaded(make_db):
    r = T(2025, 10, 13)
    rows = [row(f"a{i}", r, department="售后部") for i in range(3)]
    rows += [row(f"b{i}", r, department="销售部") for i in range(2)]
    p = make_db(
        complaints=rows,
        departments=DEPTS,
        volumes=[
            dict(department="售后部", month=dt.date(2025, 10, 1), volume=1000),
            dict(department="售后部", month=dt.date(2025, 9, 1), volume=5000),
        ],
    )
    conn = store.open_snapshot(p)
    total = kpi.kpis(conn, OCT).iloc[0]
    assert total["complaint_rate_per_10k"] == pytest.approx(30.0)  # 3 / 1000 x 10000
    assert (total["n_received_with_volume"], total["n_volume"]) == (3, 1000)
    by = kpi.kpis(conn, OCT, by="department").set_index("department")
    assert by.loc["售后部", "complaint_rate_per_10k"] == pytest.approx(30.0)
    assert math.isnan(by.loc["销售部", "complaint_rate_per_10k"])
    two_months = kpi.kpis(conn, kpi.Period(dt.date(2025, 9, 1), dt.date(2025, 11, 1))).iloc[0]
    assert two_months["complaint_rate_per_10k"] == pytest.approx(3 / 6000 * 10000)
    half = kpi.kpis(conn, kpi.Period(dt.date(2025, 10, 1), dt.date(2025, 10, 16))).iloc[0]
    assert math.isnan(half["complaint_rate_per_10k"])  # no whole month inside the period


def test_zero_denominators_give_null_not_zero(make_db):
    got = one(make_db, [row("a", T(2025, 10, 20, 9)), SUPPLIED], as_of=T(2025, 10, 20, 10))
    assert got["received"] == 1 and got["resolution_rate"] == 0.0
    for name in (
        "on_time_resolution_rate",
        "response_sla_rate",
        "valid_rate",
        "csat_rate",
        "csat_mean",
        "survey_coverage",
        "first_response_median_h",
        "resolution_p90_h",
        "complaint_rate_per_10k",
    ):
        assert got[name] is None, name


def test_empty_period_has_zero_counts_and_null_rates(make_db):
    got = one(make_db, [row("a", T(2025, 9, 20))])
    assert (got["received"], got["resolved"], got["backlog_open"], got["group_incidents"]) == (
        0,
        0,
        0,
        0,
    )
    assert got["resolution_rate"] is None and got["repeat_rate"] is None
    assert got["escalation_rate"] is None and got["compensation_total"] == 0


def test_as_of_cut_off_hides_everything_after_it(make_db):
    as_of = T(2025, 10, 15, 12)
    got = one(
        make_db,
        [
            row("before", T(2025, 10, 14), resolved_at=T(2025, 10, 15, 11)),
            row("resolved_later", T(2025, 10, 14), resolved_at=T(2025, 10, 15, 13)),
            row("received_later", T(2025, 10, 15, 12, 0, 1)),
        ],
        as_of=as_of,
    )
    assert (got["received"], got["resolved"], got["backlog_open"]) == (2, 1, 1)


def test_default_as_of_is_the_latest_timestamp_of_any_kind(make_db):
    p = make_db(
        complaints=[
            row("a", T(2025, 10, 1), resolved_at=T(2025, 10, 3)),
            row("b", T(2025, 10, 2), surveyed_at=T(2025, 10, 9, 8), satisfaction=4),
            row("c", T(2025, 10, 5), closed_at=T(2025, 10, 6)),
        ]
    )
    assert kpi.default_as_of(store.open_snapshot(p)) == T(2025, 10, 9, 8)


def test_department_filter_includes_child_departments(make_db):
    r = T(2025, 10, 13)
    rows = [
        row("d1", r, department="客服中心"),
        row("d2", r, department="售后部"),
        row("d3", r, department="D3"),
        row("d4", r, department="销售部"),
    ]
    conn = store.open_snapshot(make_db(complaints=rows, departments=DEPTS))

    def received(*departments: str) -> int:
        return int(kpi.kpis(conn, OCT, kpi.Filters(department=departments))["received"].iloc[0])

    assert received("客服中心") == 3
    assert received("D2") == 2
    assert received("维修组") == 1
    assert received("销售部", "维修组") == 2
    assert received("nope") == 0


def test_parent_department_rolls_up_one_level(make_db):
    r = T(2025, 10, 13)
    rows = [
        row("d1", r, department="客服中心"),
        row("d2", r, department="售后部"),
        row("d3", r, department="维修组"),
        row("d4", r, department="销售部"),
    ]
    conn = store.open_snapshot(make_db(complaints=rows, departments=DEPTS))
    by = kpi.kpis(conn, OCT, by="parent_department")
    assert dict(zip(by["parent_department"], by["received"], strict=True)) == {
        "客服中心": 2,
        "售后部": 1,
        "销售部": 1,
    }
    assert list(by.columns[:2]) == ["parent_department", "received"]


def test_week_dimension_is_iso_monday_first(make_db):
    rows = [
        row("sun", T(2025, 10, 12, 23, 59)),
        row("mon", T(2025, 10, 13, 0, 0)),
        row("sun2", T(2025, 10, 19, 12)),
    ]
    conn = store.open_snapshot(make_db(complaints=rows))
    by = kpi.kpis(conn, OCT, by="week")
    assert dict(zip(by["week"], by["received"], strict=True)) == {"2025-10-06": 1, "2025-10-13": 2}


def test_group_by_category_channel_severity_month_day(make_db):
    rows = [
        row("a", T(2025, 10, 13), category="服务态度", channel="social", severity="urgent"),
        row("b", T(2025, 10, 13), channel="social"),
        row("c", T(2025, 10, 14)),
    ]
    conn = store.open_snapshot(make_db(complaints=rows))

    def counts(by: str) -> dict:
        df = kpi.kpis(conn, OCT, by=by)
        return dict(zip(df[by], df["received"], strict=True))

    assert counts("category") == {"产品质量": 2, "服务态度": 1}
    assert counts("channel") == {"phone": 1, "social": 2}
    assert counts("severity") == {"general": 2, "urgent": 1}
    assert counts("month") == {"2025-10": 3}
    assert counts("day") == {"2025-10-13": 2, "2025-10-14": 1}
    f = kpi.Filters(channel=("social",), severity=("general",))
    assert int(kpi.kpis(conn, OCT, f)["received"].iloc[0]) == 1


def test_unknown_dimension_is_rejected(make_db):
    conn = store.open_snapshot(make_db(complaints=[row("a", T(2025, 10, 13))]))
    with pytest.raises(kpi.KpiError, match="unknown dimension"):
        kpi.kpis(conn, OCT, by="customer_name; drop table x")
