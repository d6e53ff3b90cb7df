"""AppTest: the Rectification page (counts, list, a new action recorded with the typed name),
the overdue line on the Overview, and the Summary page (figures equal the KPI engine)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from queries import i18n
from queries.marts import actions, kpi
from queries.periods import parse_period
from queries.reports import meeting
from tests.app_support import build_fixture_db, metrics, no_errors, open_app, snapshot

TODAY = dt.date.today()  # the pages judge overdue on the real today


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_fixture_db(tmp_path_factory.mktemp("app_rectification"))
    created = dt.datetime(2025, 11, 3, 9)
    actions.create(
        path, title="客服回访话术整改", owner="王经理", due=TODAY - dt.timedelta(days=3),
        department="客服中心", source="department", user="质量部", now=created,
    )  # fmt: skip
    done = actions.create(
        path, title="物流时效复盘", owner="赵主管", due=TODAY + dt.timedelta(days=30),
        department="物流配送部", source="manual", user="质量部", now=created,
    )  # fmt: skip
    actions.update(path, done, evidence="复盘报告已归档", status="done", user="赵主管")
    actions.update(path, done, status="verified", verification_result="effective", user="质量部")
    return path


@pytest.fixture(autouse=True)
def _use_fixture_db(fixture_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLAINTS_DB", str(fixture_db))
    monkeypatch.setenv("COMPLAINTS_ROLE", "viewer")


def test_the_overview_shows_the_overdue_actions_line():
    at = open_app()
    no_errors(at)
    assert ":red[**整改超期 1 项**]" in [m.value for m in at.markdown]


def test_the_rectification_page_counts_and_lists_the_actions():
    at = open_app("rectification")
    no_errors(at)
    assert at.title[0].value == "整改跟踪"
    shown = metrics(at)
    assert {k: shown[k] for k in ("进行中", "超期", "已完成", "已验证")} == {
        "进行中": "0",
        "超期": "1",
        "已完成": "0",
        "已验证": "1",
    }
    table = at.dataframe[0].value
    assert list(table["编号"]) == ["A0001", "A0002"]
    assert list(table["状态"]) == ["超期", "已验证"]


def test_a_new_action_is_created_with_the_typed_name(
    fixture_db: Path, tmp_path: Path, loopback_client: None
):
    at = open_app("rectification")
    at.text_area(key="act_new_form_title").input("重复投诉专项治理")
    at.text_input(key="act_new_form_owner").input("钱主管")
    at.text_input(key="act_new_form_dept").input("售后服务部")
    at.text_input(key="act_new_form_user").input("李主任")
    next(b for b in at.button if b.label == "创建").click()
    at.run()
    no_errors(at)
    assert "已创建整改行动 A0003" in [s.value for s in at.success]
    conn = snapshot(fixture_db)
    try:
        row = actions.list_actions(conn, TODAY).set_index("action_id").loc["A0003"]
        history = actions.history(conn, "A0003")
    finally:
        conn.close()
    assert (row["title"], row["owner"], row["department"], row["created_by"]) == (
        "重复投诉专项治理",
        "钱主管",
        "售后服务部",
        "李主任",
    )
    assert history["changed_by"].tolist() == ["李主任"]


def test_the_summary_page_shows_the_engines_figures(fixture_db: Path):
    at = open_app("summary")
    no_errors(at)
    assert at.text_input(key="sum_period").value == "2025H1"  # as-of 2025-10: last half year
    table = at.dataframe[0].value
    conn = snapshot(fixture_db)
    try:
        period = parse_period("2025H1")
        total = kpi.kpis(conn, period).iloc[0]
        by = kpi.kpis(conn, period, by="department").set_index("department")
    finally:
        conn.close()
    rows = table.set_index("单位")
    assert rows.loc["合计", "受理投诉"] == i18n.fmt_value(total["received"], "count", "zh")
    assert rows.loc["合计", "按时办结率"] == i18n.fmt_value(
        total["on_time_resolution_rate"], "rate", "zh"
    )
    for dept, r in by.iterrows():
        assert rows.loc[dept, "重复投诉率"] == i18n.fmt_value(r["repeat_rate"], "rate", "zh")
    assert len(rows) == len(by) + 1


def test_a_meeting_slide_decides_an_action_recorded_in_the_meeting(
    fixture_db: Path, loopback_client: None
):
    meeting.prepare(fixture_db, "2025-10", today=TODAY)
    at = open_app("meeting")
    no_errors(at)
    form = "meeting_act_2025-10_title"
    at.text_area(key=f"{form}_title").input("十月复盘：超期工单清零")
    at.text_input(key=f"{form}_owner").input("孙经理")
    at.text_input(key=f"{form}_dept").input("客服中心")
    at.text_input(key=f"{form}_user").input("李主任")
    next(b for b in at.button if b.label == "创建").click()
    at.run()
    no_errors(at)
    created = [s.value for s in at.success if s.value.startswith("已创建整改行动")]
    assert len(created) == 1
    action_id = created[0].removeprefix("已创建整改行动 ")
    pack = meeting.load(fixture_db, "2025-10")
    assert [(d["action_id"], d["slide"], d["owner"]) for d in pack["decisions"]] == [
        (action_id, "title", "孙经理")
    ]
    conn = snapshot(fixture_db)
    try:
        row = actions.list_actions(conn, TODAY).set_index("action_id").loc[action_id]
    finally:
        conn.close()
    assert (row["source"], row["meeting_id"], row["created_by"]) == ("meeting", "2025-10", "李主任")
