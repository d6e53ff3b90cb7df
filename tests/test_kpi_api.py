"""KPI API around the metrics: periods, cards, trend, drill, at-risk queue, list, CLI."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest

from queries import cli, store
from queries.config.rules import STAGES
from queries.marts import kpi
from queries.paths import FRAGMENTS_DIR, SQL_DIRS
from tests.kpi_rows import row

T = dt.datetime
OCT = kpi.Period.month("2025-10")


def test_period_helpers():
    p = kpi.Period.month("2025-10")
    assert (p.start, p.end, p.days) == (dt.date(2025, 10, 1), dt.date(2025, 11, 1), 31)
    # previous = the previous calendar period of the same kind (issue 11; it was the
    # preceding 31 days 2025-08-31..2025-10-01 before)
    assert p.previous() == kpi.Period(dt.date(2025, 9, 1), dt.date(2025, 10, 1))
    assert p.year_ago() == kpi.Period(dt.date(2024, 10, 1), dt.date(2024, 11, 1))
    assert kpi.Period(dt.date(2024, 2, 29), dt.date(2024, 3, 1)).year_ago().start == dt.date(
        2023, 2, 28
    )
    assert p.label() == "2025-10"
    assert (
        kpi.Period(dt.date(2025, 10, 1), dt.date(2025, 10, 8)).label() == "2025-10-01..2025-10-08"
    )
    with pytest.raises(ValueError):
        kpi.Period(dt.date(2025, 10, 2), dt.date(2025, 10, 1))


# issue 16: the handling-ladder metrics follow the others (docs/definitions.md#handling-ladder)
LADDER_METRICS = (
    *(f"stage_{s}_{k}" for s in STAGES for k in ("on_time_rate", "median_h", "p90_h")),
    "escalation_compliance_rate", "escalation_skipped", "return_visit_resolved_rate",
    "revisit_done_rate", "revisit_resolved_rate", "consecutive_unresolved", "malicious_share",
    "recurring_root_cause_share", "time_share_receive", "time_share_classify",
    "time_share_investigate", "time_share_resolve", "time_share_follow_up",
)  # fmt: skip


def test_metric_registry_covers_every_metric_column():
    expected = (
        "received", "resolved", "resolution_rate", "on_time_resolution_rate",
        "first_response_median_h", "first_response_mean_h", "first_response_p90_h",
        "response_sla_rate", "resolution_median_h", "resolution_p90_h", "backlog_open",
        "overdue_open", "repeat_rate", "group_incidents", "valid_rate", "csat_rate",
        "csat_mean", "survey_coverage", "escalation_rate", "compensation_total",
        "complaint_rate_per_10k", *LADDER_METRICS,
    )  # fmt: skip
    assert expected == kpi.METRIC_COLUMNS
    for m in kpi.METRICS.values():
        assert m.zh and m.en and m.definition_zh and m.definition_en
        assert m.unit in ("count", "rate", "hours", "score", "cny", "per_10k")
        assert m.better in ("higher", "lower", None)
    # every metric drills to its complaints: the cohort flags, or the ladder's stage rows
    assert set(kpi.DRILL_FLAGS) | set(kpi.LADDER_DRILL) | set(kpi.LADDER_NO_DRILL) == set(
        kpi.METRICS
    )
    assert kpi.METRICS["csat_mean"].unit == "score"


def test_kpis_columns_start_with_the_metric_names(make_db):
    conn = store.open_snapshot(make_db(complaints=[row("a", T(2025, 10, 13))]))
    df = kpi.kpis(conn, OCT)
    assert tuple(df.columns[: len(kpi.METRIC_COLUMNS)]) == kpi.METRIC_COLUMNS
    assert all(c.startswith(("n_", "compensation_n_", "compensation_cny_"))
               or c.endswith("_working_h") or c == "quick_close_rate"
               for c in df.columns[len(kpi.METRIC_COLUMNS):])  # fmt: skip


def _history(make_db):
    rows = [
        # October: 2 resolved (1 on time), September: 1 on time, October last year: 1 late
        row("o1", T(2025, 10, 13, 9), resolved_at=T(2025, 10, 14)),
        row("o2", T(2025, 10, 13, 9), resolved_at=T(2025, 10, 28)),
        row("s1", T(2025, 9, 15, 9), resolved_at=T(2025, 9, 16)),
        row("y1", T(2024, 10, 14, 9), resolved_at=T(2024, 10, 30)),
    ]
    return store.open_snapshot(make_db(complaints=rows))


def test_kpi_cards_compare_with_previous_period_year_ago_and_target(make_db):
    conn = _history(make_db)
    cards = {c.metric: c for c in kpi.kpi_cards(conn, OCT, as_of=T(2025, 10, 31))}
    on_time = cards["on_time_resolution_rate"]
    assert (on_time.value, on_time.previous, on_time.year_ago) == (0.5, 1.0, 0.0)
    # n = 2 is below the minimum n of 30 (issue 11): a small sample gets no status colour
    assert (on_time.target, on_time.status, on_time.n) == (0.90, None, 2)
    assert on_time.small_sample and on_time.min_n == 30
    assert on_time.definition.zh == "按时办结率"
    assert len(on_time.sparkline) == 12
    assert on_time.sparkline[-1] == ("2025-10", 0.5)
    assert on_time.sparkline[-2] == ("2025-09", 1.0)
    assert on_time.sparkline[0] == ("2024-11", None)
    assert cards["received"].value == 2 and cards["received"].status is None


def test_trend_has_every_bucket(make_db):
    conn = _history(make_db)
    q3 = kpi.Period(dt.date(2025, 8, 1), dt.date(2025, 11, 1))
    df = kpi.trend(conn, q3, as_of=T(2025, 10, 31), metrics=("received", "resolution_rate"))
    assert df["month"].tolist() == ["2025-08", "2025-09", "2025-10"]
    assert df["received"].tolist() == [0, 1, 2]
    assert math.isnan(df["resolution_rate"].iloc[0])
    weeks = kpi.trend(conn, OCT, grain="week", metrics=("received",))
    assert weeks["week"].tolist()[:2] == ["2025-09-29", "2025-10-06"]
    with pytest.raises(kpi.KpiError):
        kpi.trend(conn, OCT, grain="hour")


def test_drill_returns_numerator_and_denominator_rows(make_db):
    mon = T(2025, 10, 13, 9)
    rows = [
        row("on_time", mon, resolved_at=T(2025, 10, 15)),
        row("late", mon, resolved_at=T(2025, 10, 20)),
        row("overdue", mon),
        row("not_due", T(2025, 10, 20, 9)),
    ]
    conn = store.open_snapshot(make_db(complaints=rows))
    as_of = T(2025, 10, 21, 12)
    num = kpi.drill(conn, "on_time_resolution_rate", OCT, as_of=as_of)
    den = kpi.drill(conn, "on_time_resolution_rate", OCT, as_of=as_of, part="denominator")
    assert num["complaint_id"].tolist() == ["on_time"]
    assert sorted(den["complaint_id"]) == ["late", "on_time", "overdue"]
    assert kpi.drill(conn, "overdue_open", OCT, as_of=as_of)["complaint_id"].tolist() == ["overdue"]
    assert "resolution_deadline" in num.columns and "customer_name" in num.columns
    with pytest.raises(kpi.KpiError):
        kpi.drill(conn, "nope", OCT)


def test_at_risk_orders_overdue_first_then_soonest(make_db):
    rows = [
        row("due_thu", T(2025, 10, 20, 9)),  # deadline Fri 24th 00:00
        row("overdue_1d", T(2025, 10, 14, 9)),  # deadline Sat 18th 00:00 (Fri 17th end)
        row("overdue_2d", T(2025, 10, 13, 9)),  # deadline Fri 17th 00:00
        row("urgent_soon", T(2025, 10, 21, 9), severity="urgent"),  # deadline Thu 23rd 00:00
        row("done", T(2025, 10, 13, 9), resolved_at=T(2025, 10, 14)),
    ]
    conn = store.open_snapshot(make_db(complaints=rows))
    df = kpi.at_risk(conn, as_of=T(2025, 10, 21, 12))
    assert df["complaint_id"].tolist() == ["overdue_2d", "overdue_1d", "urgent_soon", "due_thu"]
    # Tue 21st 12:00: Mon 20th and Tue morning are working time (36 h) past Fri 17th 00:00
    assert df["working_hours_left"].tolist() == [-60.0, -36.0, 36.0, 60.0]
    assert df["is_overdue"].tolist() == [True, True, False, False]
    assert df["hours_left"].iloc[0] == -108.0
    assert kpi.at_risk(conn, as_of=T(2025, 10, 21, 12), limit=1)["complaint_id"].tolist() == [
        "overdue_2d"
    ]
    due = kpi.at_risk(conn, as_of=T(2025, 10, 21, 12), limit=None, due_before=T(2025, 10, 23))
    assert due["complaint_id"].tolist() == ["overdue_2d", "overdue_1d", "urgent_soon"]


def test_complaints_list_search_and_filters(make_db):
    rows = [
        row("A-001", T(2025, 10, 13), description="屏幕破裂", handler="张三"),
        row("A-002", T(2025, 10, 14), description="送货慢", handler="李四", category="交付延迟"),
        row("B-003", T(2025, 10, 15), customer_id="VIP-9"),
    ]
    conn = store.open_snapshot(make_db(complaints=rows))
    assert kpi.complaints_list(conn, OCT)["complaint_id"].tolist() == ["B-003", "A-002", "A-001"]
    assert kpi.complaints_list(conn, OCT, search="破裂")["complaint_id"].tolist() == ["A-001"]
    assert kpi.complaints_list(conn, OCT, search="vip")["complaint_id"].tolist() == ["B-003"]
    assert kpi.complaints_list(conn, OCT, search="李四")["complaint_id"].tolist() == ["A-002"]
    assert kpi.complaints_list(conn, OCT, search="a-00", limit=1)["complaint_id"].tolist() == [
        "A-002"
    ]
    f = kpi.Filters(category=("交付延迟",))
    assert kpi.complaints_list(conn, OCT, f)["complaint_id"].tolist() == ["A-002"]
    assert kpi.complaints_list(conn, OCT, search="x'; drop table complaints; --").empty


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_kpi_cli_json_equals_hand_calculation(make_db, capsys):
    mon = T(2025, 10, 13, 9)
    p = make_db(
        departments=[
            dict(department_id="D1", name_zh="客服中心"),
            dict(department_id="D2", name_zh="售后部"),
        ],
        complaints=[
            row("a", mon, resolved_at=T(2025, 10, 15), first_response_at=T(2025, 10, 13, 10)),
            row("b", mon, resolved_at=T(2025, 10, 20), is_valid=True, channel="social"),
            row("c", mon, department="售后部", escalation_level=2),
            row("d", T(2025, 11, 2), department="售后部"),
        ],
    )  # fmt: skip
    db_arg = ["--db", str(p)]
    code, out, err = _cli(capsys, *db_arg, "kpi", "--from", "2025-10-01", "--to", "2025-11-01",
                          "--as-of", "2025-10-31 00:00:00")  # fmt: skip
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert len(doc) == 1
    got = doc[0]
    # the metric columns first; the handling ladder's only with --ladder
    headline = [m for m in kpi.METRIC_COLUMNS if m not in LADDER_METRICS]
    assert list(got)[: len(headline)] == headline
    assert not set(got) & set(LADDER_METRICS)
    assert got["received"] == 3 and got["resolved"] == 2
    assert got["resolution_rate"] == pytest.approx(2 / 3)
    assert got["on_time_resolution_rate"] == pytest.approx(1 / 3)  # c overdue, b late
    assert got["first_response_median_h"] == 1.0
    assert got["response_sla_rate"] == pytest.approx(1 / 3)  # b, c silent past the limit
    assert got["valid_rate"] == 1.0 and got["n_valid_known"] == 1
    assert got["escalation_rate"] == pytest.approx(1 / 3)
    assert got["csat_rate"] is None and got["complaint_rate_per_10k"] is None
    code, out, _ = _cli(capsys, *db_arg, "kpi", "--from", "2025-10-01", "--to", "2025-11-01",
                        "--by", "department")  # fmt: skip
    rows = json.loads(out)
    assert [(r["department"], r["received"]) for r in rows] == [("售后部", 1), ("客服中心", 2)]
    assert next(iter(rows[0])) == "department"
    code, out, _ = _cli(capsys, *db_arg, "kpi", "--from", "2025-10-01", "--to", "2025-12-01",
                        "--where", "department=售后部", "--where", "channel=电话")  # fmt: skip
    assert json.loads(out)[0]["received"] == 2
    code, out, _ = _cli(capsys, *db_arg, "kpi", "--from", "2025-10-01", "--to", "2025-11-01",
                        "--format", "csv")  # fmt: skip
    assert code == 0 and out.splitlines()[0].startswith("received,resolved,")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2025-13-01", "--to", "2025-11-01"], "--from"),
        (["--from", "2025-10-01", "--to", "2025-10-01"], "must be after"),
        (["--from", "2025-10-01", "--to", "2025-11-01", "--by", "nope"], "--by"),
        (["--from", "2025-10-01", "--to", "2025-11-01", "--where", "nope=1"], "--where"),
        (["--from", "2025-10-01", "--to", "2025-11-01", "--as-of", "yesterday"], "--as-of"),
    ],
)
def test_kpi_cli_bad_arguments_exit_1_with_one_line(make_db, capsys, args, message):
    p = make_db(complaints=[row("a", T(2025, 10, 13))])
    code, out, err = _cli(capsys, "--db", str(p), "kpi", *args)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_kpi_queries_share_one_cohort_definition():
    fragment = (FRAGMENTS_DIR / "kpi_cohort.sql").read_text(encoding="utf-8")
    for name in ("kpi_cohort", "kpi_summary"):
        raw = (SQL_DIRS[1] / f"{name}.sql").read_text(encoding="utf-8")
        assert raw.count("-- include: kpi_cohort\n") == 1, name
        assert "dept_scope as (" not in raw, name
        expanded = store.sql_file(name)
        assert store.expand_includes(fragment, name) in expanded, name
        assert not [ln for ln in expanded.splitlines() if ln.startswith("-- include:")], name


def test_a_missing_fragment_is_named(tmp_path, monkeypatch):
    (tmp_path / "q.sql").write_text("-- q\n-- include: nowhere\nselect 1\n", encoding="utf-8")
    monkeypatch.setattr(store, "SQL_DIRS", (tmp_path,))
    monkeypatch.setattr(store, "FRAGMENTS_DIR", tmp_path / "fragments")
    with pytest.raises(KeyError, match=r"nowhere\.sql"):
        store.sql_file("q")


def test_exclude_malicious_filter_leaves_out_verified_malicious(make_db):
    r = T(2025, 10, 13, 9)
    rows = [
        row("ok", r, is_valid=True),
        row("malicious", r, is_valid=False, is_malicious=True),
        row("unknown", r, is_malicious=None),
    ]
    conn = store.open_snapshot(make_db(complaints=rows))
    every = kpi.kpis(conn, OCT).iloc[0]
    scored = kpi.kpis(conn, OCT, kpi.Filters(exclude_malicious=True)).iloc[0]
    assert (every["received"], every["valid_rate"]) == (3, 0.5)
    assert (scored["received"], scored["valid_rate"]) == (2, 1.0)
    f = kpi.Filters(exclude_malicious=True)
    assert sorted(kpi.drill(conn, "received", OCT, f)["complaint_id"]) == ["ok", "unknown"]
    assert sorted(kpi.at_risk(conn, T(2025, 10, 14), f)["complaint_id"]) == ["ok", "unknown"]


def test_group_rows_carry_the_department_id_and_numerators(make_db):
    r = T(2025, 10, 13, 9)
    rows = [
        row("a", r, department="售后部", satisfaction=1, surveyed_at=T(2025, 10, 14)),
        row("b", r, department="外包", escalation_level=2),
    ]
    departments = [dict(department_id="D1", name_zh="客服中心"),
                   dict(department_id="D2", name_zh="售后部", parent_id="D1")]  # fmt: skip
    conn = store.open_snapshot(make_db(complaints=rows, departments=departments))
    by = kpi.kpis(conn, OCT, by="department")
    pairs = by[["department", "department_id"]].values.tolist()
    assert pairs == [["售后部", "D2"], ["外包", "外包"]]
    assert by["n_dissatisfied"].tolist() == [1, 0]
    parents = kpi.kpis(conn, OCT, by="parent_department")
    assert parents[["parent_department", "parent_department_id"]].values.tolist() == [
        ["外包", "外包"],
        ["客服中心", "D1"],
    ]
    levels = kpi.kpis(conn, OCT, by="escalation_level")
    assert levels["escalation_level"].iloc[0] == "2" and pd.isna(levels["escalation_level"].iloc[1])
    assert levels["received"].tolist() == [1, 1]
    assert "dim_id" not in kpi.kpis(conn, OCT, by="category").columns


def test_at_risk_carries_the_english_department_name(make_db):
    departments = [{"department_id": "D1", "name_zh": "客服中心", "name_en": "Call centre"}]
    rows = [row("open", T(2025, 10, 20, 9))]
    conn = store.open_snapshot(make_db(complaints=rows, departments=departments))
    df = kpi.at_risk(conn, as_of=T(2025, 10, 21, 12))
    assert df[["department_name_zh", "department_name_en"]].values.tolist() == [
        ["客服中心", "Call centre"]
    ]
