"""Pages ask the database only for what they draw (issue 12): the aggregated and paged
engine reads equal the whole-period computation they replace, on the seeded demo
(``app_db``, 2,000 complaints to 2025-10)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from queries import context, store
from queries.marts import kpi

MONTH = kpi.Period(dt.date(2025, 1, 1), dt.date(2025, 11, 1))  # ten months, ~800 rows
AS_OF = dt.datetime(2025, 10, 20, 18)


@pytest.fixture
def ctx(app_db: Path):
    cur = store.open_snapshot(app_db)
    try:
        yield context.open_context(cur)
    finally:
        cur.close()


@pytest.mark.parametrize(
    ("metric", "column"),
    [("first_response_median_h", "first_response_h"), ("resolution_median_h", "resolution_h")],
)
def test_hours_distribution_equals_the_rows_it_summarises(ctx, metric: str, column: str):
    rows = kpi.drill(ctx, metric, MONTH, as_of=AS_OF, part="denominator")
    values = rows[column].dropna()
    dist = kpi.hours_distribution(ctx, metric, column, MONTH, as_of=AS_OF, bins=40)
    assert dist["n"] == len(values) > 100
    assert dist["p50"] == pytest.approx(values.median(), rel=1e-12)
    assert dist["p90"] == pytest.approx(values.quantile(0.9), rel=1e-12)
    assert dist["p99"] == pytest.approx(values.quantile(0.99), rel=1e-12)
    assert sum(dist["counts"]) == len(values)
    assert len(dist["edges"]) == 41
    # the same bins counted in Python: equal-width from the minimum to P99, tail in the last
    width = (dist["p99"] - values.min()) / 40
    bins = ((values.clip(upper=dist["p99"]) - values.min()) // width).clip(0, 39).astype(int)
    assert dist["counts"] == [int((bins == b).sum()) for b in range(40)]


def test_hours_distribution_of_nothing(ctx):
    empty = kpi.Filters(category=("no such category",))
    dist = kpi.hours_distribution(ctx, "resolution_median_h", "resolution_h", MONTH, empty)
    assert dist == {"n": 0, "p50": None, "p90": None, "p99": None, "edges": [], "counts": []}
    with pytest.raises(kpi.KpiError):
        kpi.hours_distribution(ctx, "resolution_median_h", "customer_name", MONTH)


def test_backlog_ages_equal_the_open_rows_cut_by_age(ctx):
    rows = kpi.at_risk(ctx, AS_OF, limit=None)
    age = (AS_OF - pd.to_datetime(rows["received_at"])).dt.total_seconds() / 86400
    bounds = [-float("inf"), 1, 3, 7, 30, float("inf")]
    expected = pd.cut(age, bounds, right=False).value_counts(sort=False).tolist()
    assert sum(expected) == len(rows) > 5
    assert kpi.backlog_ages(ctx, AS_OF, bounds_days=(1, 3, 7, 30)) == expected


def test_drill_pages_in_sql_add_up_to_the_whole_list(ctx):
    full = kpi.drill(ctx, "received", MONTH, as_of=AS_OF)
    total = kpi.drill_count(ctx, "received", MONTH, as_of=AS_OF)
    assert total == len(full) > 40
    cols = ("complaint_id", "received_at", "customer_name")
    pages = [
        kpi.drill(ctx, "received", MONTH, as_of=AS_OF, limit=17, offset=o, columns=cols)
        for o in range(0, total, 17)
    ]
    assert all(list(p.columns) == list(cols) for p in pages)
    assert all(len(p) == 17 for p in pages[:-1])
    joined = pd.concat(pages, ignore_index=True)
    pd.testing.assert_frame_equal(joined, full[list(cols)].reset_index(drop=True))
    with pytest.raises(kpi.KpiError):
        kpi.drill(ctx, "received", MONTH, columns=("complaint_id; drop table x",))


def test_dissatisfied_page_equals_the_filtered_denominator(ctx):
    rows = kpi.drill(ctx, "csat_rate", MONTH, as_of=AS_OF, part="denominator")
    expected = rows[rows["satisfaction"] <= 2].reset_index(drop=True)
    n = int(kpi.kpis(ctx, MONTH, as_of=AS_OF).iloc[0]["n_dissatisfied"])
    assert n == len(expected) > 3
    whole = kpi.dissatisfied(ctx, MONTH, as_of=AS_OF)
    assert list(whole["complaint_id"]) == list(expected["complaint_id"])
    page = kpi.dissatisfied(ctx, MONTH, as_of=AS_OF, limit=3, offset=2, columns=("complaint_id",))
    assert list(page["complaint_id"]) == list(expected["complaint_id"][2:5])


def test_group_incidents_are_those_of_the_cohort_rows(tmp_path: Path):
    from tests.quality_pages_data import build

    cur = store.open_snapshot(build(tmp_path / "company.duckdb"))
    try:
        one = context.open_context(cur)
        october = kpi.Period.month("2025-10")
        rows = kpi.drill(one, "group_incidents", october)
        ids = sorted({str(v) for v in rows["group_incident_id"].dropna()})
        found = kpi.group_incidents(one, october)
    finally:
        cur.close()
    assert len(ids) == 1
    assert list(found["group_incident_id"].astype(str)) == ids
    assert int(found["n_complaints"].iloc[0]) == len(rows)


def test_one_context_computes_a_kpi_query_once(ctx, monkeypatch):
    calls: list[tuple] = []
    real = kpi._kpis

    def counting(*args):
        calls.append(args[1:])
        return real(*args)

    monkeypatch.setattr(kpi, "_kpis", counting)
    cards = kpi.kpi_cards(ctx, MONTH, as_of=AS_OF)
    assert len(calls) == 4  # the period, previous, last year, the 12-month sparkline
    window = kpi.Period(dt.date(2024, 11, 1), dt.date(2025, 11, 1))  # the sparkline's
    trend = kpi.trend(ctx, window, as_of=AS_OF, metrics=("received",))
    assert len(calls) == 4  # the page's 12-month trend is the sparkline's query
    spark = next(c for c in cards if c.metric == "received").sparkline
    assert [(m, float(v)) for m, v in zip(trend["month"], trend["received"], strict=True)] == spark
    first = kpi.kpis(ctx, MONTH, as_of=AS_OF)
    first.loc[0, "received"] = -1  # a caller changing its copy changes nothing else
    assert int(kpi.kpis(ctx, MONTH, as_of=AS_OF).iloc[0]["received"]) >= 0
    assert len(calls) == 4


def test_score_history_in_one_pass_equals_the_monthly_scorecards(ctx, monkeypatch):
    from queries.marts import scoring

    months = [f"2024-{m:02d}" for m in range(11, 13)] + [f"2025-{m:02d}" for m in range(1, 11)]
    expected = pd.concat([scoring.department_scores(ctx, m) for m in months], ignore_index=True)
    calls: list[tuple] = []
    real = kpi._kpis
    monkeypatch.setattr(kpi, "_kpis", lambda *a: calls.append(a) or real(*a))
    fresh = context.open_context(ctx.cur)
    history = scoring.score_history(fresh, months)
    assert calls == []  # no per-month kpis query: one grouped query for the twelve months
    assert len(history) == len(expected) > 12 * 3
    pd.testing.assert_frame_equal(history, expected)


def test_the_scores_page_reads_the_rule_file_once(use_app_db, monkeypatch):
    from queries.config import rules
    from tests.app_support import no_errors, run_page

    reads: list[str] = []
    real = Path.read_bytes

    def counting(self: Path) -> bytes:
        if self == rules.rules_file():
            reads.append(str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    at = run_page("scores")
    no_errors(at)
    assert len(at.dataframe) > 0
    assert len(reads) == 1  # the page's one read context


def test_uncovered_years_reads_the_history_only_when_a_year_may_be_uncovered(make_db):
    from queries.config import workcalendar

    first = min(workcalendar.covered_years())
    covered = make_db(
        complaints=[
            dict(complaint_id="A", received_at=dt.datetime(2024, 3, 1, 9), department="D"),
            dict(complaint_id="B", received_at=dt.datetime(2026, 6, 1, 9), department="D"),
        ]
    )
    gap = make_db(
        complaints=[
            dict(complaint_id="A", received_at=dt.datetime(first - 1, 3, 1, 9), department="D"),
            dict(complaint_id="B", received_at=dt.datetime(2025, 6, 1, 9), department="D"),
        ]
    )
    for path, expected in ((covered, []), (gap, [first - 1])):
        conn = store.open_snapshot(path)
        try:
            assert workcalendar.uncovered_years(conn) == expected
        finally:
            conn.close()


@pytest.mark.parametrize(
    "kind", ["ledger", "overdue", "appealed", "without_record", "repeat_after_penalty"]
)
def test_accountability_lists_page_in_sql(ctx, kind: str):
    from queries.marts import accountability

    year = kpi.Period(dt.date(2024, 11, 1), dt.date(2025, 11, 1))
    full = accountability.accountability_list(ctx, kind, year)
    total = accountability.accountability_count(ctx, kind, year)
    assert total == len(full)
    assert total > 7 or kind in ("overdue", "repeat_after_penalty")  # several pages
    pages = [
        accountability.accountability_list(ctx, kind, year, limit=7, offset=o)
        for o in range(0, total, 7)
    ]
    joined = pd.concat(pages, ignore_index=True) if pages else full.iloc[0:0]
    assert all(len(p) == 7 for p in pages[:-1])

    def plain(frame: pd.DataFrame) -> list[list[object]]:  # nulls alike (a page may be all-null)
        return frame.astype(object).where(frame.notna(), None).values.tolist()

    assert list(joined.columns) == list(full.columns)
    assert plain(joined) == plain(full)


@pytest.mark.parametrize(
    ("search", "role"), [(None, None), ("TS", None), ("1", "viewer"), ("1", "analyst")]
)
def test_complaint_list_pages_and_count(ctx, search, role):
    ctx = dataclasses.replace(ctx, role=role)
    full = kpi.complaints_list(ctx, MONTH, search=search, limit=None)
    total = kpi.complaints_count(ctx, MONTH, search=search)
    assert total == len(full) > 20
    pages = [
        kpi.complaints_list(ctx, MONTH, search=search, limit=20, offset=o)
        for o in range(0, total, 20)
    ]
    joined = pd.concat(pages, ignore_index=True)
    assert list(joined["complaint_id"]) == list(full["complaint_id"])


def _paged_list() -> None:
    import streamlit as st

    from dashboard.ui import components as ui

    st.session_state["offset"] = ui.list_page(st.session_state["total"], 500, "k", "zh")


def test_list_page_picks_a_page_and_survives_a_shorter_list():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_paged_list)
    at.session_state["total"] = 1200
    at.run()
    assert at.session_state["offset"] == 0
    assert [c.value for c in at.caption] == ["第 1–500 条，共 1,200 条"]
    at.number_input(key="k_page").set_value(3).run()
    assert at.session_state["offset"] == 1000
    assert [c.value for c in at.caption] == ["第 1,001–1,200 条，共 1,200 条"]
    at.session_state["total"] = 700  # the filters changed: page 3 no longer exists
    at.run()
    assert not at.exception
    assert at.session_state["offset"] == 0
    assert at.number_input(key="k_page").value == 1
    assert [c.value for c in at.caption] == ["第 1–500 条，共 700 条"]
    at.session_state["total"] = 400  # one page: no picker
    at.run()
    assert len(at.number_input) == 0
    assert [c.value for c in at.caption] == ["第 1–400 条，共 400 条"]


@pytest.mark.parametrize("stage", [None, "classify"])
def test_ladder_rows_pages_and_count(ctx, stage):
    full = kpi.ladder_rows(ctx, MONTH, stage=stage)
    total = kpi.ladder_rows_count(ctx, MONTH, stage=stage)
    assert total == len(full) > 40
    pages = [
        kpi.ladder_rows(ctx, MONTH, stage=stage, limit=40, offset=o) for o in range(0, total, 40)
    ]
    assert all(len(p) == 40 for p in pages[:-1])
    joined = pd.concat(pages, ignore_index=True)
    assert joined[["complaint_id", "stage"]].values.tolist() == (
        full[["complaint_id", "stage"]].values.tolist()
    )


@pytest.mark.parametrize(
    ("metric", "part", "flag"),
    [
        ("stage_classify_on_time_rate", "numerator", "on_time_num"),
        ("stage_classify_on_time_rate", "denominator", "on_time_den"),
        ("stage_classify_median_h", "numerator", "is_done"),
    ],
)
def test_ladder_metric_drill_filters_and_pages_in_sql(ctx, metric, part, flag):
    stage_rows = kpi.ladder_rows(ctx, MONTH, stage="classify")
    expected = stage_rows[stage_rows[flag]]["complaint_id"].tolist()
    total = kpi.drill_count(ctx, metric, MONTH, part=part)
    assert total == len(expected) > 30
    pages = [
        kpi.drill(ctx, metric, MONTH, part=part, limit=30, offset=o) for o in range(0, total, 30)
    ]
    assert [len(p) for p in pages[:-1]] == [30] * (len(pages) - 1)
    assert pd.concat(pages, ignore_index=True)["complaint_id"].tolist() == expected
