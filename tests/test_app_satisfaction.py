"""AppTest of the Satisfaction page against the hand-written company in
``tests/quality_pages_data.py`` (October 2025)."""

from __future__ import annotations

import pytest

from tests.app_support import database, frames, no_errors, run_page
from tests.quality_pages_data import build


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("satisfaction") / "company.duckdb")
    with database(path):
        yield path


def test_cards_show_csat_with_survey_coverage_beside(fixture_db):
    at = run_page("satisfaction")
    no_errors(at)
    assert at.title[0].value == "满意度"
    cards = {m.label: m.value for m in at.metric}
    # surveyed C01(1) C02(2) C03(5) C04(3) G1(2): 1 satisfied of 5, mean 2.6; 5 of 10 resolved
    assert cards == {"满意率": "20.0%", "满意度均分": "2.6", "回访率": "50.0%"}


def test_by_department_table_counts_surveys(fixture_db):
    at = run_page("satisfaction")
    table = frames(at)[0]
    assert list(table.columns[:4]) == ["责任部门", "满意率", "满意的回访", "已回访的投诉"]
    rows = table[
        ["责任部门", "满意率", "满意的回访", "已回访的投诉", "不满意的回访"]
    ].values.tolist()
    assert rows == [["售后服务部", pytest.approx(1 / 3), 1, 3, 1], ["客服中心", 0.0, 0, 2, 2]]


def test_dissatisfied_list_is_exactly_the_dissatisfied_answers_masked(fixture_db):
    at = run_page("satisfaction")
    listed = frames(at)[1]
    assert sorted(listed["投诉编号"]) == ["C01", "C02", "G1"]
    by_id = listed.set_index("投诉编号")
    assert by_id.loc["C01", "客户姓名"] == "张**"
    assert by_id.loc["C01", "联系电话"] == "138****1234"
    assert by_id.loc["G1", "客户姓名"] == "周**"
    assert by_id.loc["G1", "联系电话"] == "137****5671"
    assert sorted(by_id["满意度"]) == [1, 2, 2]


def test_clicked_department_narrows_the_dissatisfied_list(fixture_db):
    at = run_page("satisfaction", session={"csat_group": "客服中心"})
    no_errors(at)
    assert at.subheader[-1].value == "不满意投诉（需跟进）: 客服中心"
    assert sorted(frames(at)[1]["投诉编号"]) == ["C01", "C02"]


def test_privacy_officer_sees_names_and_phones(tmp_path):
    path = build(tmp_path / "company.duckdb")
    with database(path, role="privacy_officer"):
        at = run_page("satisfaction")
    by_id = frames(at)[1].set_index("投诉编号")
    assert by_id.loc["C01", "客户姓名"] == "张三丰"
    assert by_id.loc["C01", "联系电话"] == "13812341234"


def test_english_switches_labels(fixture_db):
    at = run_page("satisfaction", lang="en")
    no_errors(at)
    assert at.title[0].value == "Satisfaction"
    assert [m.label for m in at.metric] == [
        "Satisfied",
        "Satisfaction, mean (1-5)",
        "Survey coverage",
    ]
    assert list(frames(at)[0].columns[:2]) == ["Department", "Satisfied"]
    assert at.subheader[-1].value == "Dissatisfied complaints to follow up"
    assert {"Complaint id", "Customer name", "Customer phone"} <= set(frames(at)[1].columns)
