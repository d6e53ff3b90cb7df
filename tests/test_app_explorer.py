"""AppTest of the Complaint explorer against the hand-written company in
``tests/quality_pages_data.py`` (October 2025): the list under the shared filters, search,
exports of what is on screen, and the detail opened by a click or by ``?complaint=<id>``."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import openpyxl
import pytest

from queries import exports
from tests.app_support import (
    database,
    deferred_downloads,
    frames,
    no_errors,
    open_app,
    run_page,
)
from tests.quality_pages_data import FORMULA, build

OCTOBER = ["C09", "C07", "G5", "G4", "G3", "G2", "G1", "C05", "C04", "C03", "C02", "C01"]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("explorer") / "company.duckdb")
    with database(path):
        yield path


@pytest.fixture
def captured(monkeypatch):
    """The bytes of the files the download buttons build on click, by format (``fetch``:
    click them all)."""
    out: dict[str, bytes] = {}
    deferred = deferred_downloads(monkeypatch)
    to_csv, to_xlsx = exports.to_csv_bytes, exports.to_xlsx_bytes

    def csv_bytes(df):
        out["csv"] = to_csv(df)
        return out["csv"]

    def xlsx_bytes(sheets):
        out["xlsx"] = to_xlsx(sheets)
        return out["xlsx"]

    monkeypatch.setattr(exports, "to_csv_bytes", csv_bytes)
    monkeypatch.setattr(exports, "to_xlsx_bytes", xlsx_bytes)

    def fetch() -> dict[str, bytes]:
        for build_file in deferred.values():
            build_file()
        return out

    return SimpleNamespace(built=out, fetch=fetch)


def test_list_shows_the_periods_complaints_newest_first_masked(fixture_db):
    at = run_page("explorer")
    no_errors(at)
    assert at.title[0].value == "投诉明细"
    listed = frames(at)[0]
    assert list(listed["投诉编号"]) == OCTOBER
    by_id = listed.set_index("投诉编号")
    assert by_id.loc["C01", "客户姓名"] == "张**"
    assert by_id.loc["C01", "联系电话"] == "138****1234"
    assert by_id.loc["C01", "投诉内容"] == "客服态度差，电话 138****1234"
    assert by_id.loc["C01", "重复投诉"] == "是"
    assert by_id.loc["G3", "群体投诉事件"] == "G-G1"
    assert [b.label for b in at.get("download_button")] == ["下载 CSV", "下载 Excel"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("小王", ["C01"]),  # handler
        ("c0", ["C09", "C07", "C05", "C04", "C03", "C02", "C01"]),  # id, case-insensitive
        ("K1", ["G5", "G4", "G3", "G2", "G1", "C02", "C01"]),  # customer ids K1, K11-K15
        ("no such text", []),
    ],
)
def test_search(fixture_db, search, expected):
    at = run_page("explorer", session={"q": search})
    no_errors(at)
    if expected:
        assert list(frames(at)[0]["投诉编号"]) == expected
    else:
        assert not frames(at)
        assert at.info[0].value.startswith("**所选范围内没有投诉数据**")


def test_exports_are_what_is_on_screen_masked_and_neutralised(fixture_db, captured):
    at = run_page("explorer")
    shown = frames(at)[0]
    assert captured.built == {}  # the files are built on click, not on every run
    files = captured.fetch()
    raw = files["csv"]
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(shown.columns)
    assert [r[0] for r in rows[1:]] == OCTOBER
    text = raw.decode("utf-8-sig")
    assert "13812341234" not in text and "张三丰" not in text
    assert "138****1234" in text
    c03 = dict(zip(rows[0], rows[1 + OCTOBER.index("C03")], strict=True))
    assert c03["处理结果"] == "'" + FORMULA
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == list(shown.columns)
    assert [r[0] for r in values[1:]] == OCTOBER
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    cells = {c for row in values for c in row if isinstance(c, str)}
    assert "'" + FORMULA in cells
    assert not any("13812341234" in c or "张三丰" in c for c in cells)


def _detail_tables(at):
    """(record, facts, timeline, score items) frames of an open detail (drawn first, above
    the list)."""
    return frames(at)[0:4]


def test_detail_from_url_parameter(fixture_db):
    at = run_page("explorer", query={"complaint": "C01"})
    no_errors(at)
    assert at.subheader[0].value == "投诉详情 · C01"
    record, facts, timeline, items = _detail_tables(at)
    fields = dict(zip(record["字段"], record["值"], strict=True))
    assert fields["投诉编号"] == "C01"
    assert fields["客户姓名"] == "张**"
    assert fields["联系电话"] == "138****1234"
    assert fields["投诉渠道"] == "电话"
    derived = dict(zip(facts["项目"], facts["值"], strict=True))
    assert derived["重复投诉"] == "是"
    assert derived["重复于投诉"] == "C00"
    assert derived["响应情况"] == "在时限内"
    assert derived["办结情况"] == "按时办结"
    steps = dict(zip(timeline["环节"], timeline["时间"], strict=True))
    assert steps["接收"] == "2025年10月6日 09:00"
    assert steps["办结"] == "2025年10月7日 09:00"
    assert steps["结案"] == "—"
    assert "有理投诉" in set(items["扣分项"])
    penalties = frames(at)[4]
    assert "投诉编号" in frames(at)[-1].columns  # the list comes after the detail
    assert sorted(penalties["追责编号"]) == ["P1", "P3"]
    assert at.query_params["complaint"] == "C01"


def test_detail_by_clicking_a_row(fixture_db):
    at = run_page("explorer")
    assert len(frames(at)) == 1  # no detail yet
    at.session_state["explorer_rows"] = {"selection": {"rows": [10], "columns": [], "cells": []}}
    at.run()
    no_errors(at)
    assert at.subheader[0].value == "投诉详情 · C02"
    # the clicked complaint is shown first, above the list
    record = frames(at)[0]
    assert dict(zip(record["字段"], record["值"], strict=True))["投诉编号"] == "C02"
    # the shell (app.py, not run here) writes this page key to the URL
    assert at.session_state["complaint"] == "C02"


def test_unknown_complaint_is_a_warning_not_an_error(fixture_db):
    at = run_page("explorer", query={"complaint": "NOPE"})
    no_errors(at)
    assert at.warning[0].value == "找不到投诉 NOPE（或其受理时间晚于数据截止时间）"


def test_privacy_officer_sees_personal_data_in_list_and_detail(tmp_path):
    path = build(tmp_path / "company.duckdb")
    with database(path, role="privacy_officer"):
        at = run_page("explorer", query={"complaint": "C01"})
    listed = frames(at)[-1].set_index("投诉编号")
    assert listed.loc["C01", "客户姓名"] == "张三丰"
    fields = dict(zip(frames(at)[0]["字段"], frames(at)[0]["值"], strict=True))
    assert fields["联系电话"] == "13812341234"


def test_english_labels(fixture_db):
    at = run_page("explorer", lang="en", query={"complaint": "C01"})
    no_errors(at)
    assert at.title[0].value == "Complaint explorer"
    assert at.subheader[0].value == "Complaint detail · C01"
    facts = frames(at)[1]
    derived = dict(zip(facts["Fact"], facts["Value"], strict=True))
    assert derived["Repeat"] == "Yes"
    assert derived["Resolution"] == "On time"
    listed = frames(at)[-1]
    assert len(listed) > 0
    assert set(listed["Department"]) <= {"Call centre", "After-sales"}


def test_link_through_the_app_router_opens_the_detail(fixture_db):
    at = open_app("explorer", complaint="C01")
    no_errors(at)
    assert at.subheader[0].value == "投诉详情 · C01"
    assert at.query_params["complaint"] == "C01"
