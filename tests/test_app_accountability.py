"""AppTest of the Accountability page against the hand-written company in
``tests/quality_pages_data.py`` (October 2025, as-of 2025-10-30 18:00)."""

from __future__ import annotations

import pytest

from tests.app_support import database, frames, no_errors, run_page
from tests.quality_pages_data import build


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("accountability") / "company.duckdb")
    with database(path):
        yield path


@pytest.fixture(scope="module")
def page(fixture_db):
    return run_page("accountability")


def test_figures_of_section_7(page):
    no_errors(page)
    assert page.title[0].value == "责任追究"
    figures = {m.label: m.value for m in page.metric}
    assert figures == {
        "追责覆盖率": "50.0%",  # C01 C02 of the valid C01 C02 C07 G1
        "处罚人次": "3",
        "罚款合计（含连带）": "¥450",  # 200 + 100 fines, 100 + 50 derived joint fines
        "连带罚款": "¥150",
        "按时追责率": "50.0%",  # P1 decided on time, P3 past due undecided
        "超期未追责": "1",
        "申诉中": "1",
        "处罚后复发": "1",  # C07 nine days after P1 was executed
    }


def test_by_department_table(page):
    table = frames(page)[0]
    first = table.iloc[0]
    assert first["责任部门"] == "客服中心"
    assert first["处罚人次"] == 3
    assert first["罚款合计（含连带）"] == 450
    assert first["按时追责率"] == "50.0%"
    assert first["追责覆盖率"] == "66.7%"


def _ids(frame, column="追责编号"):
    return list(frame[column])


def test_lists_behind_the_figures(page):
    ledger, overdue, appealed, without_record, repeat_after = frames(page)[1:6]
    assert sorted(_ids(ledger)) == ["P1", "P2", "P3"]
    by_id = ledger.set_index("追责编号")
    assert by_id.loc["P1", "连带罚款"] == 100
    assert by_id.loc["P1", "连带罚款来源"] == "按规则计算"
    assert by_id.loc["P3", "连带罚款"] == 50
    assert by_id.loc["P1", "处理措施"] == "罚款"
    assert by_id.loc["P2", "申诉状态"] == "申诉中"
    assert _ids(overdue) == ["P3"]
    assert _ids(appealed) == ["P2"]
    assert sorted(_ids(without_record, "投诉编号")) == ["C07", "G1"]
    assert _ids(repeat_after) == ["P1"]
    assert list(repeat_after["复发投诉"]) == ["C07"]
    # no complainant data in the without-record list for the default role
    assert "客户姓名" not in without_record.columns
    assert "联系电话" not in without_record.columns


def test_group_by_person(fixture_db):
    at = run_page("accountability", session={"acct_by": "person"})
    no_errors(at)
    table = frames(at)[0]
    assert table.columns[0] == "责任人"
    assert sorted(zip(table["责任人"], table["处罚人次"], strict=True)) == [
        ("小张", 1),
        ("小王", 1),
        ("老李", 1),
    ]


def test_english_labels(fixture_db):
    at = run_page("accountability", lang="en")
    no_errors(at)
    assert at.title[0].value == "Accountability"
    assert [m.label for m in at.metric][:3] == [
        "Accountability coverage",
        "Penalties",
        "Fines total (incl. joint)",
    ]
    assert [t.label for t in at.tabs] == [
        "Penalty ledger",
        "Overdue",
        "Appeals",
        "Valid without accountability",
        "Repeat after penalty",
    ]
