"""The Breakdowns page (valid rate per department, compensation, rate per 10,000 volume,
regions, category Pareto) against the seeded demo, plus the Pareto cut on hand data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from queries.marts import kpi, status
from tests.app_support import build_fixture_db, no_errors, open_app, snapshot


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_db(tmp_path_factory.mktemp("app_breakdowns"))


@pytest.fixture(autouse=True)
def _use_fixture_db(fixture_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLAINTS_DB", str(fixture_db))
    monkeypatch.setenv("COMPLAINTS_ROLE", "viewer")


def test_pareto_cut_includes_the_group_crossing_80_percent():
    frame = pd.DataFrame({"category": ["a", "b", "c", "d", None], "received": [10, 50, 25, 15, 99]})
    out = status.pareto(frame)
    assert list(out["category"]) == ["b", "c", "d", "a"]
    assert list(out["cum_share"]) == [0.5, 0.75, 0.9, 1.0]
    # b (0 → 50%) and c (50 → 75%) start below 80%; d starts at 75% and crosses it
    assert list(out["vital"]) == [True, True, True, False]


def _kpis(path: Path, by: str) -> pd.DataFrame:
    conn = snapshot(path)
    try:
        return kpi.kpis(conn, kpi.Period.month("2025-10"), by=by)
    finally:
        conn.close()


def test_breakdowns_page_numbers_equal_the_engine(fixture_db: Path):
    at = open_app("breakdowns")
    no_errors(at)
    assert at.title[0].value == "分项分析"
    assert [s.value for s in at.subheader] == [
        "投诉类别帕累托",
        "各部门有理投诉率",
        "补偿",
        "万单投诉率",
        "按区域",
    ]
    regions = _kpis(fixture_db, "region").dropna(subset=["region"])
    regions = regions.sort_values(["received", "region"], ascending=[False, True])
    table = next(d.value for d in at.dataframe if "区域" in d.value.columns)
    assert list(table["区域"]) == list(regions["region"])
    assert list(table["投诉量"]) == list(regions["received"])
    by_type = _kpis(fixture_db, "compensation_type").dropna(subset=["compensation_type"])
    types = next(d.value for d in at.dataframe if "补偿件数" in d.value.columns)
    assert int(types["补偿件数"].sum()) == int(by_type["received"].sum())
    assert float(types["补偿金额"].sum()) == pytest.approx(
        float(by_type["compensation_total"].sum())
    )
    total = _kpis(fixture_db, "department")
    n, amount = int(by_type["received"].sum()), float(by_type["compensation_total"].sum())
    caption = f"合计: {n:,} · ¥{amount:,.0f}"
    assert caption in [c.value for c in at.caption]
    assert int(total["n_compensation"].sum()) == int(by_type["received"].sum())


def test_breakdowns_in_english(fixture_db: Path):
    at = open_app("breakdowns", lang="en")
    no_errors(at)
    assert at.title[0].value == "Breakdowns"
    types = next(d.value for d in at.dataframe if "Cases" in d.value.columns)
    assert set(types.iloc[:, 0]) <= {"Cash", "Coupon", "Service", "Product", "Money"}
