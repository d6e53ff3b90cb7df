"""The Excel handout: one sheet per table with the pack's exact values, formula-like text
neutralised, personal data masked."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from queries import store
from queries.marts import kpi, scoring
from queries.reports import xlsx_report
from tests.meeting_data import DEMO_AS_OF, DEMO_MONTH, build_demo_meeting, sample_pack


def _book(pack: dict, lang: str = "zh") -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx_report.render(pack, lang)))


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def test_sheet_names_in_both_languages():
    assert _book(sample_pack()).sheetnames == [zh for zh, _ in xlsx_report.SHEETS.values()]
    assert _book(sample_pack(), "en").sheetnames == [en for _, en in xlsx_report.SHEETS.values()]


def test_kpi_sheet_holds_exact_values_targets_and_status():
    rows = _rows(_book(sample_pack())["核心指标"])
    assert rows[0] == (
        "指标代码",
        "指标",
        "本月",
        "显示值",
        "上期",
        "去年同期",
        "目标",
        "状态",
        "分母 n",
    )
    by_metric = {r[0]: r for r in rows[1:]}
    assert by_metric["received"][2:6] == (1234, "1,234", 1180, 1010)
    assert by_metric["resolution_rate"][2] == pytest.approx(1100 / 1234, rel=1e-15)
    on_time = by_metric["on_time_resolution_rate"]
    assert on_time[2] == 0.825 and on_time[6] == 0.9 and on_time[7] == "✖ 未达标"


def test_scores_sheet_has_item_deductions_and_about_sheet_the_as_of():
    book = _book(sample_pack())
    scores = _rows(book["部门评分"])
    assert "扣分: 有理投诉" in scores[0]
    col = scores[0].index("得分")
    assert [r[col] for r in scores[1:]] == [96.5, 91, 91, 72.5]
    about = dict(_rows(book["说明"])[1:])
    assert about["数据截至"] == "2025-11-02 09:30:00" and about["会议"] == "2025-10"
    notes = _rows(book["会议记录"])
    assert notes[1] == (
        "核心指标：目标与去年同期",
        "按时办结率未达标，物流配送部两周内提交整改方案",
    )


def test_formulas_neutralised_and_personal_data_masked():
    pack = sample_pack()
    pack["at_risk"][0]["department"] = '=HYPERLINK("http://x","y")'
    pack["at_risk"][0]["customer_name"] = "张三丰"
    pack["at_risk"][0]["customer_phone"] = "13812341234"
    pack["notes"]["actions"] = "+1 立即整改"
    book = _book(pack)
    rows = _rows(book["风险队列"])
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["责任部门"] == '\'=HYPERLINK("http://x","y")'
    assert first["客户姓名"] == "张**"
    assert first["联系电话"] == "138****1234"
    assert _rows(book["会议记录"])[2][1] == "'+1 立即整改"
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_meeting(tmp_path_factory.mktemp("xlsx"))


def test_demo_workbook_equals_kpis_and_scores(demo):
    db_path, pack = demo
    as_of = dt.datetime.fromisoformat(DEMO_AS_OF)
    conn = store.open_snapshot(db_path)
    try:
        row = kpi.kpis(conn, kpi.Period.month(DEMO_MONTH), kpi.Filters(), as_of).iloc[0]
        scores = scoring.department_scores(conn, DEMO_MONTH, as_of)
    finally:
        conn.close()
    book = _book(pack, "en")
    kpis = {r[0]: r[2] for r in _rows(book["KPIs"])[1:]}
    for metric in ("received", "resolved", "on_time_resolution_rate", "csat_rate", "repeat_rate"):
        expected = row[metric]
        # xlsxwriter stores numbers with 16 significant digits (%.16G)
        assert kpis[metric] == (
            None if expected != expected else pytest.approx(expected, rel=1e-15)
        )
    sheet = _rows(book["Department scores"])
    dept, score = sheet[0].index("Department"), sheet[0].index("Score")
    assert [(r[dept], r[score]) for r in sheet[1:]] == list(
        zip(scores["department"], scores["score"], strict=True)
    )
