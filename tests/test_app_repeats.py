"""AppTest of the Repeats and groups page against the hand-written company in
``tests/quality_pages_data.py`` (October 2025)."""

from __future__ import annotations

import pytest

from tests.app_support import database, frames, no_errors, run_page
from tests.quality_pages_data import build


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("repeats") / "company.duckdb")
    with database(path):
        yield path


@pytest.fixture(scope="module")
def page(fixture_db):
    return run_page("repeats")


def test_cards(page):
    no_errors(page)
    assert page.title[0].value == "重复与群体投诉"
    cards = {m.label: m.value for m in page.metric}
    # C01 and C02 repeat C00/C01 (same customer and category within 30 days): 2 of 12
    assert cards == {"重复投诉率": "16.7%", "群体投诉": "1", "投诉量": "12"}


def test_by_department(page):
    table = frames(page)[0]
    assert list(table.columns) == ["责任部门", "重复投诉率", "重复投诉", "投诉量", "群体投诉"]
    rows = table.values.tolist()
    assert rows[0][:4] == ["客服中心", 0.5, 2, 4]
    assert rows[1][:4] == ["售后服务部", 0.0, 0, 8]


def test_by_category_and_drill_to_the_repeats(fixture_db):
    at = run_page("repeats", session={"repeats_by": "category", "repeats_group": "服务态度"})
    no_errors(at)
    table = frames(at)[0]
    assert table.columns[0] == "投诉类别"
    assert table.iloc[0]["投诉类别"] == "服务态度"
    assert table.iloc[0]["重复投诉"] == 2
    drill = frames(at)[1]
    assert sorted(drill["投诉编号"]) == ["C01", "C02"]
    assert set(drill["客户姓名"]) == {"张**"}


def test_repeat_list_is_masked_and_links_to_the_earlier_complaint(page):
    repeats = frames(page)[1]
    assert list(repeats["投诉编号"]) == ["C02", "C01"]
    assert list(repeats["重复于投诉"]) == ["C01", "C00"]
    assert set(repeats["客户姓名"]) == {"张**"}
    assert set(repeats["联系电话"]) == {"138****1234"}


def test_customer_chain_reaches_before_the_period(fixture_db):
    at = run_page("repeats", session={"repeats_customer": "K1"})
    no_errors(at)
    assert "客户 K1 的投诉" in [s.value for s in at.subheader]
    chain = frames(at)[2]
    assert list(chain["投诉编号"]) == ["C00", "C01", "C02"]
    assert set(chain["客户姓名"]) == {"张**"}


def test_group_incident_and_its_complaints(fixture_db):
    at = run_page("repeats", session={"repeats_incident": "G-G1"})
    no_errors(at)
    incidents = frames(at)[2]
    assert list(incidents["群体投诉事件"]) == ["G-G1"]
    assert list(incidents["客户数"]) == [5]
    members = frames(at)[3]
    assert sorted(members["投诉编号"]) == ["G1", "G2", "G3", "G4", "G5"]
    assert "周**" in set(members["客户姓名"])


def test_english(fixture_db):
    at = run_page("repeats", lang="en")
    no_errors(at)
    assert at.title[0].value == "Repeats & groups"
    assert [m.label for m in at.metric] == ["Repeat rate", "Group incidents", "Complaints received"]
    assert frames(at)[0].columns[0] == "Department"
