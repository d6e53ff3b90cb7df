"""The monthly KPI mart (``staging.kpi_month``): built at publication, read by ``kpi.kpis``
only where it gives exactly the live query's numbers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from queries import context, staging, store
from queries.marts import kpi
from queries.periods import Period
from queries.staging import kpi_month, page_lists
from tests.conftest import insert_rows
from tests.kpi_rows import row

T = dt.datetime
OCT = Period(dt.date(2025, 10, 1), dt.date(2025, 11, 1))
DEPARTMENTS = [
    dict(department_id="D1", name_zh="客服中心", name_en="Service Center"),
    dict(department_id="D2", name_zh="售后部", name_en="After-sales", parent_id="D1"),
    dict(department_id="D3", name_zh="维修组", parent_id="D2"),
    dict(department_id="D4", name_zh="财务部"),
]
COMPLAINTS = [
    row("s1", T(2025, 9, 10, 9), department="维修组", resolved_at=T(2025, 9, 10, 15)),
    row("o1", T(2025, 10, 13, 9), department="客服中心", resolved_at=T(2025, 10, 14, 9)),
    row("o2", T(2025, 10, 14, 9), department="售后部", resolved_at=T(2025, 10, 16, 9)),
    row("o3", T(2025, 10, 15, 9), department="维修组"),
    row(
        "o4",
        T(2025, 10, 20, 9),
        department="维修组",
        category="服务态度",
        resolved_at=T(2025, 10, 20, 21),
    ),
]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each ``kpi._from_mart`` call answered from the mart."""
    calls: list[bool] = []
    real = kpi._from_mart

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(kpi, "_from_mart", spy)
    return calls


def _mart(path: Path) -> dict[tuple[str, str, str], tuple[int, int, float | None]]:
    conn = store.open_snapshot(path)
    try:
        rows = conn.execute(
            f"select grain, month, dim, received, resolved, resolution_median_h"
            f" from {kpi_month.TABLE} where as_of is null"
        ).fetchall()
    finally:
        conn.close()
    return {(g, m, d): (rec, res, med) for g, m, d, rec, res, med in rows}


def _rows(conn) -> list[tuple]:
    """Every mart row, floats to 12 significant digits: a mean's last binary digits follow
    the order its rows are summed in, which differs between a partial and a full build."""
    rows = conn.execute(f"select * from {kpi_month.TABLE} order by all").fetchall()
    return [tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in r) for r in rows]


def test_the_mart_holds_each_months_numbers_per_grain(make_db):
    path = make_db(departments=DEPARTMENTS, complaints=COMPLAINTS)
    mart = _mart(path)
    # October: o1 24 h, o2 48 h, o4 12 h resolved; o3 open
    assert mart[("all", "2025-10", "all")] == (4, 3, 24.0)
    assert mart[("all", "2025-09", "all")] == (1, 1, 6.0)
    # a department with everything under it: 售后部 = o2, o3, o4; 维修组 = o3, o4
    assert mart[("tree", "2025-10", "D1")] == (4, 3, 24.0)
    assert mart[("tree", "2025-10", "D2")] == (3, 2, 30.0)
    assert mart[("tree", "2025-10", "D3")] == (2, 1, 12.0)
    # each department's own complaints, by name (as kpis(by="department") groups)
    assert mart[("department", "2025-10", "客服中心")] == (1, 1, 24.0)
    assert mart[("department", "2025-10", "售后部")] == (1, 1, 48.0)
    assert mart[("department", "2025-10", "维修组")] == (2, 1, 12.0)
    assert mart[("department_excl", "2025-10", "维修组")] == (2, 1, 12.0)
    assert mart[("category", "2025-10", "产品质量")] == (3, 2, 36.0)
    assert mart[("category", "2025-10", "服务态度")] == (1, 1, 12.0)
    # October 12 rows (1 + 3 trees + 3 own + 3 own without malicious + 2 categories);
    # September 7 (s1 lies under D1, D2 and D3)
    assert len(mart) == 19
    conn = store.open_snapshot(path)
    meta = dict(conn.execute("select key, value from meta").fetchall())
    assert meta["kpi_month_as_of"] == "2025-10-20 21:00:00"
    # the cards' comparisons of October (to 20 October 21:00): September to 20 September
    # 21:00 and October 2024 (no complaints), company and department subtrees
    views = conn.execute(
        f"select grain, month, dim, as_of, received, resolved from {kpi_month.TABLE}"
        " where as_of is not null order by all"
    ).fetchall()
    at = T(2025, 9, 20, 21)
    assert views == [
        ("all", "2025-09", "all", at, 1, 1),
        ("tree", "2025-09", "D1", at, 1, 1),
        ("tree", "2025-09", "D2", at, 1, 1),
        ("tree", "2025-09", "D3", at, 1, 1),
    ]
    assert meta["kpi_month_comparisons"] == (
        '[["2025-09", "2025-09-20 21:00:00"], ["2024-10", "2024-10-20 21:00:00"]]'
    )


def test_requests_the_mart_answers_and_those_it_leaves_to_the_query(make_db, served):
    path = make_db(departments=DEPARTMENTS, complaints=COMPLAINTS)
    ctx = context.open_context(store.open_snapshot(path))
    assert ctx.mart is not None and ctx.mart.as_of == ctx.data_as_of == T(2025, 10, 20, 21)
    live = dataclasses.replace(ctx, mart=None, memo={})
    F = kpi.Filters
    answered = [
        (OCT, F(), None),
        (OCT, F(department=("售后部",)), None),
        (OCT, F(department=("D2", "维修组")), None),  # exactly 售后部's subtree
        (OCT, F(), "department"),
        (OCT, F(department=("售后部",)), "department"),
        (OCT, F(exclude_malicious=True), "department"),
        (OCT, F(), "category"),
        (Period(dt.date(2025, 9, 1), dt.date(2025, 11, 1)), F(), "month"),
    ]
    for period, filters, by in answered:
        got = kpi.kpis(ctx, period, filters, by=by)
        assert served[-1] is True, (filters, by)
        want = kpi.kpis(live, period, filters, by=by)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=0)
    assert kpi.kpis(ctx, OCT, F(department=("售后部",)))["received"].iloc[0] == 3
    by_dept = kpi.kpis(ctx, OCT, F(department=("售后部",)), by="department")
    assert list(zip(by_dept["department"], by_dept["received"], strict=True)) == [
        ("售后部", 1),
        ("维修组", 2),
    ]
    # the cards' comparisons: September and October 2024 at their like-for-like as-ofs
    for period, at in (
        (Period.month("2025-09"), T(2025, 9, 20, 21)),
        (Period.month("2024-10"), T(2024, 10, 20, 21)),
    ):
        for filters in (F(), F(department=("售后部",))):
            got = kpi.kpis(ctx, period, filters, at)
            assert served[-1] is True, (period, filters)
            want = kpi.kpis(live, period, filters, at)
            pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=0)
    assert kpi.kpis(ctx, Period.month("2025-09"), F(), T(2025, 9, 20, 21))["received"].iloc[0] == 1
    refused = [
        (Period.month("2025-09"), F(), "department", T(2025, 9, 20, 21)),  # not stored
        (Period.month("2025-09"), F(), None, T(2025, 9, 20, 22)),  # not the comparison's
        (OCT, F(category=("产品质量",)), None, None),  # another filter
        (OCT, F(department=("售后部", "财务部")), None, None),  # not one subtree
        (OCT, F(), None, T(2025, 10, 18)),  # another as-of
        (Period(dt.date(2025, 10, 1), dt.date(2025, 10, 15)), F(), None, None),  # part month
        (Period(dt.date(2025, 9, 1), dt.date(2025, 11, 1)), F(), None, None),  # 2 months, 1 row
        (OCT, F(), "channel", None),
        (OCT, F(department=("售后部",)), "category", None),
    ]
    for period, filters, by, as_of in refused:
        ctx.memo.clear()
        kpi.kpis(ctx, period, filters, as_of, by=by)
        assert served[-1] is False, (period, filters, by, as_of)


def test_a_scoped_viewer_reads_only_its_departments_rows(make_db, served):
    path = make_db(departments=DEPARTMENTS, complaints=COMPLAINTS)
    ctx = context.open_context(store.open_snapshot(path), scope=["售后部"])
    seen = ctx.cur.execute(f"select distinct grain, dim_id from {kpi_month.TABLE}").fetchall()
    assert sorted(seen) == [
        ("department", "D2"),
        ("department", "D3"),
        ("department_excl", "D2"),
        ("department_excl", "D3"),
        ("tree", "D2"),
        ("tree", "D3"),
    ]
    company = kpi.kpis(ctx, OCT)
    assert served[-1] is True
    assert (company["received"].iloc[0], company["resolved"].iloc[0]) == (3, 2)
    assert kpi.kpis(ctx, OCT, by="category")["received"].tolist() == [2, 1]
    assert served[-1] is False  # company-wide category rows are not the scope's


def test_a_publication_recomputes_only_the_months_it_reaches(make_db, monkeypatch):
    september = [
        COMPLAINTS[0],
        row("s3", T(2025, 9, 11, 9), department="售后部"),  # open: due some days later
    ]
    path = make_db(departments=DEPARTMENTS, complaints=september)
    computed: list[int] = []
    real = kpi_month.refresh

    def spy(conn, fingerprint, months=None):
        computed.append(real(conn, fingerprint, months))
        return computed[-1]

    monkeypatch.setattr(kpi_month, "refresh", spy)

    def publish(rows):
        changes = staging.Changes(complaints={r["complaint_id"] for r in rows})
        derive = lambda conn: staging.refresh(conn, changes=changes)  # noqa: E731
        with store.write_transaction(path, derive=derive) as conn:
            insert_rows(conn, "complaints", rows)

    def overdue(month: str) -> int:
        conn = store.open_snapshot(path)
        try:
            return conn.execute(
                f"select overdue_open from {kpi_month.TABLE} where grain = 'all' and month = $m",
                {"m": month},
            ).fetchall()[0][0]
        finally:
            conn.close()

    # a September complaint with every time before the as-of: September only
    publish([row("s2", T(2025, 9, 10, 12), department="售后部", resolved_at=T(2025, 9, 10, 18))])
    assert computed == [1]
    assert _mart(path)[("tree", "2025-09", "D2")] == (3, 2, 6.0)  # s1 (维修组), s2, s3
    assert overdue("2025-09") == 0
    # October moves the as-of past s3's deadline: September is recomputed with October
    publish([COMPLAINTS[1]])
    assert computed == [1, 2]
    assert overdue("2025-09") == 1
    assert _mart(path)[("all", "2025-10", "all")] == (1, 1, 24.0)
    # equal to building the mart from scratch
    conn = store.open_snapshot(path)
    incremental = _rows(conn)
    conn.close()
    monkeypatch.setattr(kpi_month, "refresh", real)
    with store.write_transaction(path, derive=staging.refresh):
        pass
    conn = store.open_snapshot(path)
    assert _rows(conn) == incremental


def test_every_page_request_on_the_demo_equals_the_live_query(app_db, served):
    """The seeded demo: the month's cards, the 12-month trend, the scorecards' month x
    department rates, breakdowns and department subtrees, served and live, equal."""
    ctx = context.open_context(store.open_snapshot(app_db))
    live = dataclasses.replace(ctx, mart=None, memo={})
    assert ctx.mart is not None and ctx.mart.as_of == ctx.data_as_of
    last = ctx.data_as_of.date().replace(day=1)
    month = Period(last, kpi.add_months(last, 1))
    year = Period(kpi.add_months(last, -11), kpi.add_months(last, 1))
    parents = [
        r[0]
        for r in ctx.cur.execute(
            "select distinct parent_id from departments where parent_id is not null order by 1"
        ).fetchall()
    ]
    assert parents
    F = kpi.Filters

    def same(call, *args, answered: bool) -> None:
        before = len(served)
        got = call(ctx, *args)
        assert served[before:] == [answered], (call.__name__, args)
        want = call(live, *args)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=0)

    for filters in (F(), F(exclude_malicious=True), *[F(department=(p,)) for p in parents]):
        excl, company = filters.exclude_malicious, not filters.department
        for by in (None, "department", "category", "month"):
            answered = by == "department" or (not excl and (by != "category" or company))
            same(lambda c, *a: kpi.kpis(c, *a[:2], by=a[2]), month, filters, by, answered=answered)
        same(kpi.trend, year, filters, answered=not excl)
        same(kpi.kpis_by_month_department, year, filters, answered=True)
    cards = [dataclasses.asdict(c) for c in kpi.kpi_cards(ctx, month, ladder=False)]
    assert cards == [dataclasses.asdict(c) for c in kpi.kpi_cards(live, month, ladder=False)]


def test_the_filter_lists_are_stored_at_publication_and_scoped_viewers_query(make_db):
    path = make_db(departments=DEPARTMENTS, complaints=COMPLAINTS)
    conn = store.open_snapshot(path)
    for name in page_lists.LISTS:
        stored = page_lists.read(conn, name, scoped=False)
        pd.testing.assert_frame_equal(stored, store.run_query(conn, name))
    values = page_lists.read(conn, "ui/filter_values", scoped=False)
    assert list(zip(values["value"], values["n"], strict=True)) == [
        ("产品质量", 4),
        ("服务态度", 1),
    ]
    months = page_lists.read(conn, "ui/data_months", scoped=False)
    assert months["complaints"].tolist() == [1, 4]
    conn.close()
    # a publication refreshes them: a new category and an unknown department text
    with store.write_transaction(path, derive=staging.refresh) as conn:
        insert_rows(
            conn, "complaints", [row("n1", T(2025, 10, 21, 9), department="外包", category="价格")]
        )
    conn = store.open_snapshot(path)
    values = page_lists.read(conn, "ui/filter_values", scoped=False)
    assert ("价格", 1) in list(zip(values["value"], values["n"], strict=True))
    depts = page_lists.read(conn, "ui/departments", scoped=False)["department_id"].tolist()
    assert depts == ["D1", "D2", "D3", "D4", "外包"]
    # a viewer scoped to 售后部 reads the query over its own rows, not the company's lists
    ctx = context.open_context(conn, scope=["售后部"])
    scoped = page_lists.read(ctx.cur, "ui/departments", scoped=True)
    assert scoped["department_id"].tolist() == ["D2", "D3"]
    values = page_lists.read(ctx.cur, "ui/filter_values", scoped=True)
    pairs = list(zip(values["value"], values["n"], strict=True))
    assert pairs == [("产品质量", 3), ("服务态度", 1)]  # s1, o2, o3; o4
