"""AppTest: the overview page (the default page) and the shared shell (filters ↔ URL,
language switch, empty state) against a seeded demo database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from queries import i18n, store
from queries.marts import kpi
from tests.app_support import metrics, no_errors, open_app, snapshot

# the cards the overview shows (dashboard/views/overview.py CARD_METRICS)
CARD_METRICS = (
    "received",
    "resolution_rate",
    "on_time_resolution_rate",
    "response_sla_rate",
    "first_response_median_h",
    "repeat_rate",
    "csat_rate",
    "valid_rate",
    "backlog_open",
    "overdue_open",
)


pytestmark = pytest.mark.usefixtures("use_app_db")


def _expected_cards(path: Path, period: kpi.Period, filters: kpi.Filters, lang: str):
    conn = snapshot(path)
    try:
        as_of = kpi.default_as_of(conn)
        row = kpi.kpis(conn, period, filters, as_of).iloc[0]
    finally:
        conn.close()
    return {i18n.metric_name(m, lang): i18n.fmt_metric(m, row[m], lang) for m in CARD_METRICS}


def test_default_page_is_overview_with_cards_equal_to_kpis(app_db: Path):
    at = open_app()
    no_errors(at)
    assert at.title[0].value == "投诉管理总览"
    shown = metrics(at)
    # default period: the as-of's month (the demo ends 2025-10)
    expected = _expected_cards(app_db, kpi.Period.month("2025-10"), kpi.Filters(), "zh")
    for label, value in expected.items():
        assert shown[label] == value, label
    # independent of the KPI engine: October 2025 receipts counted in the canonical table,
    # void complaints (withdrawn / duplicate / cancelled) left out as in every KPI
    conn = snapshot(app_db)
    try:
        october = conn.execute(
            "select count(*) from complaints"
            " where received_at >= date '2025-10-01' and received_at < date '2025-11-01'"
            " and coalesce(status, '') not in ('withdrawn', 'duplicate', 'cancelled')"
        ).fetchone()[0]
    finally:
        conn.close()
    assert october > 0
    assert shown["投诉量"] == f"{october:,}"


def test_first_page_shows_what_data_is_loaded(app_db: Path):
    at = open_app()
    shown = metrics(at)
    conn = snapshot(app_db)
    try:
        counts = store.table_counts(conn)
        n_departments = conn.execute("select count(*) from departments").fetchone()[0]
    finally:
        conn.close()
    assert shown["投诉总数"] == f"{counts['complaints']:,}" == "2,000"
    assert shown["追责记录"] == f"{counts['penalties']:,}"
    assert shown["部门数"] == str(n_departments)
    captions = " ".join(c.value for c in at.caption)
    assert "2023年11月1日 – 2025年10月31日" in captions
    conn = snapshot(app_db)
    try:
        as_of = kpi.default_as_of(conn)
    finally:
        conn.close()
    assert f"数据截止: {as_of:%Y}年{as_of.month}月{as_of.day}日 {as_of:%H:%M}" in captions


def test_language_switch_changes_labels_and_formats(app_db: Path):
    at = open_app()
    at.segmented_control(key="lang").set_value("en").run()
    no_errors(at)
    assert at.title[0].value == "Complaint handling overview"
    shown = metrics(at)
    expected = _expected_cards(app_db, kpi.Period.month("2025-10"), kpi.Filters(), "en")
    for label, value in expected.items():
        assert shown[label] == value, label
    assert "Period: Oct 2025" in at.caption[0].value


def test_url_params_restore_filters(app_db: Path):
    at = open_app(period="last_month", ch=["phone", "online"], grade="general")
    no_errors(at)
    assert at.selectbox(key="period").value == "last_month"
    assert at.multiselect(key="ch").value == ["phone", "online"]
    assert at.multiselect(key="grade").value == ["general"]
    expected = _expected_cards(
        app_db,
        kpi.Period.month("2025-09"),
        kpi.Filters(channel=("phone", "online"), severity=("general",)),
        "zh",
    )
    shown = metrics(at)
    for label, value in expected.items():
        assert shown[label] == value, label
    assert "2025年9月" in at.caption[0].value


def test_link_with_the_written_params_reproduces_the_view(app_db: Path):
    # Note: AppTest drops the sidebar from its element tree once a run changes the URL
    # (AppTest + st.navigation quirk; a real browser keeps it, see tests/browser), so each
    # AppTest here changes one widget and reads the main area.
    at = open_app()
    at.selectbox(key="period").set_value("quarter").run()
    no_errors(at)
    clicked = metrics(at)
    # the URL the shell writes for this state (tests/test_app_state.py checks url_params)
    link = open_app(period="quarter")
    no_errors(link)
    assert metrics(link) == clicked
    expected = _expected_cards(
        app_db, kpi.Period(dt.date(2025, 10, 1), dt.date(2026, 1, 1)), kpi.Filters(), "zh"
    )
    for label, value in expected.items():
        assert clicked[label] == value, label
    assert "2025年10月1日 – 2025年12月31日" in at.caption[0].value


def test_period_without_data_shows_the_empty_state(app_db: Path):
    # the demo starts in 2023-11: January 2023 holds nothing
    at = open_app(period="custom", **{"from": "2023-01-01", "to": "2023-01-31"})
    no_errors(at)
    conn = snapshot(app_db)
    try:
        row = kpi.kpis(conn, kpi.Period.month("2023-01"), kpi.Filters(), kpi.default_as_of(conn))
    finally:
        conn.close()
    assert row.iloc[0]["received"] == 0
    assert any("所选范围内没有投诉数据" in i.value for i in at.info)
    assert not at.metric or "投诉量" not in metrics(at)


def test_first_start_without_the_demo_file_builds_the_marked_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """No database configured and none in ``data/``: the app builds the default demo into
    its own file ``data/demo.duckdb`` (marked), never into the working database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPLAINTS_DB", raising=False)
    at = open_app()
    assert not at.exception
    demo_file = tmp_path / "data" / "demo.duckdb"
    assert store.is_demo(demo_file)
    assert not (tmp_path / "data" / "complaints.duckdb").exists()
    conn = snapshot(demo_file)
    try:
        n = store.table_counts(conn)["complaints"]
    finally:
        conn.close()
    assert n == 50_000  # the default demo
    assert metrics(at)["投诉总数"] == "50,000"
