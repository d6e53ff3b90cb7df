"""AppTest of the meeting page: slide navigation, presentation mode, notes saved into the
meeting, and a prepared meeting that keeps its numbers after a new import."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from queries import staging, store
from queries.marts import kpi
from queries.reports import meeting
from tests.app_support import run_page
from tests.conftest import as_loopback_client, build_db, insert_rows
from tests.meeting_data import DEMO_MONTH, sample_pack


def _counter(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.endswith(" / 11"))


def _open(db_path, monkeypatch, lang: str = "zh") -> AppTest:
    as_loopback_client(monkeypatch)  # notes and the prepare form need local mode
    monkeypatch.setenv("COMPLAINTS_DB", str(db_path))
    at = run_page("meeting", lang=lang)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def stored(tmp_path):
    path = build_db(
        tmp_path / "c.duckdb",
        complaints=[
            {"complaint_id": "C1", "received_at": "2025-10-02 10:00:00", "department": "客服中心"}
        ],
    )
    meeting.save(path, sample_pack())
    return path


def test_next_and_previous_change_the_slide_and_counter(stored, monkeypatch):
    at = _open(stored, monkeypatch)
    assert _counter(at) == "1 / 11"
    assert at.button(key="meeting_prev").disabled
    assert [t.value for t in at.title][-1] == "2025年10月 投诉分析会"
    at.button(key="meeting_next").click().run()
    assert _counter(at) == "2 / 11"
    assert [t.value for t in at.title][-1] == "核心指标：目标与去年同期"
    assert {m.label: m.value for m in at.metric}["按时办结率"] == "82.5%"
    at.button(key="meeting_next_pgdn").click().run()  # the presenter clicker's PageDown
    assert _counter(at) == "3 / 11"
    at.button(key="meeting_prev_pgup").click().run()
    at.button(key="meeting_prev").click().run()
    assert _counter(at) == "1 / 11"
    for _ in range(12):
        at.button(key="meeting_next_pgdn").click().run()
    assert _counter(at) == "11 / 11" and at.button(key="meeting_next").disabled


def test_presentation_hides_controls_and_esc_exits(stored, monkeypatch):
    at = _open(stored, monkeypatch)
    assert at.selectbox(key="meeting_pick").value == "2025-10"
    at.button(key="meeting_present_btn").click().run()
    assert at.session_state["meeting_present"] is True
    assert not [s for s in at.selectbox if s.key == "meeting_pick"]
    assert not [b for b in at.button if b.key == "meeting_present_btn"]
    styles = [h.proto.body for h in at.get("html") if "<style>" in h.proto.body]
    assert styles and '[data-testid="stSidebar"]' in styles[0]
    at.button(key="meeting_next").click().run()
    assert _counter(at) == "2 / 11"
    at.button(key="meeting_exit").click().run()
    assert at.session_state["meeting_present"] is False
    assert at.selectbox(key="meeting_pick").value == "2025-10"
    assert _counter(at) == "2 / 11"


def test_notes_are_saved_into_the_meeting(stored, monkeypatch):
    at = _open(stored, monkeypatch)
    at.button(key="meeting_next").click().run()
    at.button(key="meeting_next").click().run()
    at.text_area(key="meeting_note_2025-10_trend").input("十一月起每周复盘超时投诉").run()
    assert meeting.load(stored, "2025-10")["notes"]["trend"] == "十一月起每周复盘超时投诉"
    at.button(key="meeting_prev").click().run()
    assert at.text_area(key="meeting_note_2025-10_headline").value.startswith("按时办结率未达标")


@pytest.fixture
def demo_db(app_db, tmp_path):
    """A private copy of the shared demo database (this test imports into it)."""
    return Path(shutil.copy(app_db, tmp_path / "demo.duckdb"))


def test_prepared_meeting_keeps_its_numbers_after_an_import(demo_db, monkeypatch):
    at = _open(demo_db, monkeypatch)
    at.selectbox(key="meeting_prepare_month").set_value(DEMO_MONTH)
    at.date_input(key="meeting_prepare_asof").set_value(dt.date(2025, 10, 31))
    next(b for b in at.button if b.label == "计算并冻结数据").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["meeting_current"] == DEMO_MONTH
    at.button(key="meeting_next").click().run()
    shown = {m.label: m.value for m in at.metric}
    as_of = dt.datetime(2025, 10, 31, 23, 59, 59)
    conn = store.open_snapshot(demo_db)
    try:
        before = kpi.kpis(conn, kpi.Period.month(DEMO_MONTH), kpi.Filters(), as_of).iloc[0]
    finally:
        conn.close()
    assert shown["投诉量"] == f"{int(before['received']):,}"
    with store.write_transaction(demo_db, derive=staging.refresh) as conn:
        department = conn.execute("select name_zh from departments limit 1").fetchone()[0]
        insert_rows(
            conn,
            "complaints",
            [
                {
                    "complaint_id": f"NEW-{i}",
                    "received_at": dt.datetime(2025, 10, 15, 10, i),
                    "department": department,
                }
                for i in range(5)
            ],
        )
    conn = store.open_snapshot(demo_db)
    try:
        after = kpi.kpis(conn, kpi.Period.month(DEMO_MONTH), kpi.Filters(), as_of).iloc[0]
    finally:
        conn.close()
    assert after["received"] == before["received"] + 5
    at.run()
    assert {m.label: m.value for m in at.metric} == shown


def test_english_slides(stored, monkeypatch):
    at = _open(stored, monkeypatch, lang="en")
    assert [t.value for t in at.title][-1] == "Complaint review 2025\\-10"
    at.button(key="meeting_next").click().run()
    shown = {m.label: m.value for m in at.metric}
    assert shown["On-time resolution rate"] == "82.5%" and shown["Complaints received"] == "1,234"
