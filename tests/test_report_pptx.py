"""The PowerPoint handout: agenda, native charts with the pack's exact numbers, native tables,
footer with scope and as-of, East Asian font on every run."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn

from queries import store
from queries.marts import kpi, scoring
from queries.reports import agenda, pptx_report
from tests.meeting_data import DEMO_AS_OF, DEMO_MONTH, build_demo_meeting, sample_pack


def _open(pack: dict, lang: str = "zh") -> Presentation:
    return Presentation(io.BytesIO(pptx_report.render(pack, lang)))


def _charts(slide) -> list:
    return [s.chart for s in slide.shapes if s.has_chart]


def _texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame]


def test_agenda_slides_16_9_with_titles_in_order():
    prs = _open(sample_pack())
    assert len(prs.slides) == len(agenda.AGENDA) == 11
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.001
    titles = [_texts(s)[0] for s in prs.slides]
    assert titles[0] == "2025年10月 投诉分析会"
    assert titles[1] == "核心指标：目标与去年同期"
    assert titles[4] == "最低分部门：扣分原因 — 物流配送部 · 得分 72.5"
    assert titles[6] == "处理环节：时限、升级与根本原因"
    assert titles[10] == "会议决定与行动项"
    en_titles = [_texts(s)[0] for s in _open(sample_pack(), "en").slides]
    assert en_titles[0] == "Complaint review 2025-10"
    assert en_titles[3] == "Department ranking and biggest movers"


def test_trend_charts_are_native_with_exact_values():
    pack = sample_pack()
    trend_slide = _open(pack).slides[agenda.SLIDE_IDS.index("trend")]
    received, rates = _charts(trend_slide)
    assert list(received.plots[0].categories) == [r["month"] for r in pack["trend"]]
    assert list(received.series[0].values) == [float(r["received"]) for r in pack["trend"]]
    names = [s.name for s in rates.series]
    assert names == ["按时办结率", "满意率"]
    assert list(rates.series[0].values) == [r["on_time_resolution_rate"] for r in pack["trend"]]
    assert rates.series[1].values[-1] == 0.8765
    assert rates.value_axis.tick_labels.number_format == "0.0%"


def test_ranking_bar_chart_holds_every_score_and_movers_table():
    pack = sample_pack()
    slide = _open(pack).slides[agenda.SLIDE_IDS.index("ranking")]
    (chart,) = _charts(slide)
    # bar charts are drawn bottom-up: the categories are stored in reverse reading order
    cats = list(chart.plots[0].categories)[::-1]
    values = list(chart.series[0].values)[::-1]
    assert cats == ["客服中心", "华东分公司", "售后服务部", "物流配送部"]
    assert values == [96.5, 91.0, 91.0, 72.5]
    (table,) = [s.table for s in slide.shapes if s.has_table]
    rows = [[table.cell(r, c).text for c in range(4)] for r in range(len(table.rows))]
    assert rows[0] == ["部门", "得分", "较上月", "排名"]
    assert rows[1] == ["物流配送部", "72.5", "-7.5", "4"]  # largest move first
    assert rows[3] == ["客服中心", "96.5", "+1.5", "1"]


def test_worst_department_deductions_chart_and_complaints():
    slide = _open(sample_pack()).slides[agenda.SLIDE_IDS.index("worst")]
    (chart,) = _charts(slide)
    assert list(chart.plots[0].categories)[::-1] == ["有理投诉", "办结及时性", "重复投诉"]
    assert list(chart.series[0].values)[::-1] == [12.0, 7.5, 8.0]  # zero items left out
    (table,) = [s.table for s in slide.shapes if s.has_table]
    assert table.cell(1, 0).text == "C-0009"
    assert table.cell(1, 3).text == "重大"


def test_headline_numbers_footer_font_and_notes():
    prs = _open(sample_pack())
    headline = prs.slides[1]
    text = "\n".join(_texts(headline))
    for expected in ("1,234", "89.1%", "82.5%", "94.1%", "6.3%", "87.6%", "目标 90.0%"):
        assert expected in text
    for number, slide in enumerate(prs.slides, start=1):
        texts = _texts(slide)
        assert any("数据截至 2025-11-02 09:30" in t and "全公司" in t for t in texts), number
        assert f"{number} / 11" in texts
        for shape in slide.shapes:
            if not shape.has_text_frame:
                continue
            for para in shape.text_frame.paragraphs:
                for run in para.runs:
                    ea = run._r.find(qn("a:rPr")).find(qn("a:ea"))
                    assert ea is not None and ea.get("typeface") == "Microsoft YaHei"
    assert "物流配送部两周内提交整改方案" in headline.notes_slide.notes_text_frame.text
    actions = prs.slides[10]
    (table,) = [s.table for s in actions.shapes if s.has_table]
    assert table.cell(1, 0).text == "核心指标：目标与去年同期"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_meeting(tmp_path_factory.mktemp("pptx"))


def test_demo_chart_values_equal_kpi_and_scoring(demo):
    db_path, pack = demo
    prs = _open(pack)
    as_of = dt.datetime.fromisoformat(DEMO_AS_OF)
    conn = store.open_snapshot(db_path)
    try:
        scores = scoring.department_scores(conn, DEMO_MONTH, as_of)
        trend = kpi.trend(
            conn,
            kpi.Period(dt.date(2024, 11, 1), dt.date(2025, 11, 1)),
            kpi.Filters(),
            as_of,
            metrics=agenda.TREND_METRICS,
        )
        card = {c.metric: c for c in kpi.kpi_cards(conn, kpi.Period.month(DEMO_MONTH), as_of=as_of)}
    finally:
        conn.close()
    (chart,) = _charts(prs.slides[agenda.SLIDE_IDS.index("ranking")])
    assert list(chart.series[0].values)[::-1] == [float(s) for s in scores["score"]]
    assert list(chart.plots[0].categories)[::-1] == list(scores["department"])
    received, rates = _charts(prs.slides[agenda.SLIDE_IDS.index("trend")])
    assert list(received.series[0].values) == [float(v) for v in trend["received"]]
    assert list(rates.series[0].values) == pytest.approx(
        [None if v != v else v for v in trend["on_time_resolution_rate"]], abs=0
    )
    text = "\n".join(_texts(prs.slides[1]))
    assert agenda.fmt_value(card["received"].value, "count") in text
    assert agenda.fmt_value(card["on_time_resolution_rate"].value, "rate") in text
