"""The PDF handout: one 16:9 page per agenda slide, Chinese text with an embedded CJK font,
the key numbers extractable in both languages; pages rendered to PNG for people to look at
(``test-artifacts/report-pages/``)."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from queries import store
from queries.marts import kpi
from queries.reports import pdf_report
from tests import ROOT
from tests.meeting_data import DEMO_AS_OF, DEMO_MONTH, build_demo_meeting, sample_pack

PAGES_DIR = ROOT / "test-artifacts" / "report-pages"


def _pages_text(data: bytes) -> list[str]:
    """Text of each page with whitespace and NULs removed: pypdf 7 decodes fpdf2's CID font
    ToUnicode map as UTF-16 units (a NUL before each character) and spaces out glyph runs;
    poppler's pdftotext reads the same pages cleanly."""
    return [
        "".join(p.extract_text().replace("\x00", "").split())
        for p in PdfReader(io.BytesIO(data)).pages
    ]


def _render_pngs(data: bytes, name: str) -> list[Path]:
    """Render the pages with poppler's pdftoppm into test-artifacts/report-pages/."""
    if shutil.which("pdftoppm") is None:
        if os.environ.get("COMPLAINTS_REQUIRE_BROWSER") == "1":
            pytest.fail("pdftoppm missing (apt-get install poppler-utils)")
        pytest.skip("pdftoppm missing (apt-get install poppler-utils)")
    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    for old in PAGES_DIR.glob(f"{name}-*.png"):
        old.unlink()
    pdf = PAGES_DIR / f"{name}.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(PAGES_DIR / name)], check=True)
    return sorted(PAGES_DIR.glob(f"{name}-*.png"))


def test_zh_pages_carry_titles_numbers_footer_and_embedded_font():
    data = pdf_report.render(sample_pack(), "zh")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 11
    box = reader.pages[0].mediabox
    assert abs(float(box.width) / float(box.height) - 16 / 9) < 0.001
    fonts = {
        str(f["/BaseFont"])
        for page in reader.pages
        for f in page["/Resources"]["/Font"].values()
        if "/BaseFont" in f.get_object()
    }
    assert any("NotoSansCJK" in f for f in fonts), fonts
    font = next(iter(reader.pages[0]["/Resources"]["/Font"].values())).get_object()
    descendant = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    assert any(k in descendant for k in ("/FontFile2", "/FontFile3")), "font not embedded"
    pages = _pages_text(data)
    assert "2025年10月投诉分析会" in pages[0]
    assert "核心指标：目标与去年同期" in pages[1]
    for expected in ("投诉量", "1,234", "按时办结率", "82.5%", "目标90.0%", "去年同期86.1%"):
        assert expected in pages[1], expected
    assert "按时办结率未达标，物流配送部两周内提交整改方案" in pages[1]  # the slide's notes
    assert "物流配送部" in pages[4] and "72.5" in pages[4] and "C-0009" in pages[4]
    assert "交付延迟2025-10-0809:12" in pages[7]  # the group incident next to the repeats
    assert "罚款金额¥4,500" in pages[9] and "P-77" in pages[9] and "超期3天" not in pages[9]
    assert "已作出决定8" in pages[9] and "按时追责率75.0%" in pages[9]
    for number, text in enumerate(pages, start=1):
        assert "数据截至2025-11-0209:30" in text and "范围:全公司" in text
        assert f"{number}/11" in text
    pngs = _render_pngs(data, "sample-zh")
    assert len(pngs) == 11 and all(p.stat().st_size > 2000 for p in pngs)


def test_en_pages_use_english_names():
    data = pdf_report.render(sample_pack(), "en")
    pages = _pages_text(data)
    assert "Complaintreview2025-10" in pages[0]
    assert "On-timeresolutionrate" in pages[1] and "82.5%" in pages[1] and "target90.0%" in pages[1]
    assert "Logistics" in pages[4]
    assert "Dataasof2025-11-0209:30" in pages[5]
    assert len(_render_pngs(data, "sample-en")) == 11


def test_missing_font_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(
        pdf_report, "FONT_CANDIDATES", ((tmp_path / "a.ttc", tmp_path / "b.ttc", 2),)
    )
    with pytest.raises(pdf_report.FontMissingError, match="fonts-noto-cjk"):
        pdf_report.render(sample_pack(), "zh")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_meeting(tmp_path_factory.mktemp("pdf"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_pdf_numbers_equal_kpis(demo, lang):
    db_path, pack = demo
    as_of = dt.datetime.fromisoformat(DEMO_AS_OF)
    conn = store.open_snapshot(db_path)
    try:
        row = kpi.kpis(conn, kpi.Period.month(DEMO_MONTH), kpi.Filters(), as_of).iloc[0]
    finally:
        conn.close()
    data = pdf_report.render(pack, lang)
    pages = _pages_text(data)
    received = f"{int(row['received']):,}"
    on_time = f"{row['on_time_resolution_rate'] * 100:.1f}%"
    csat = f"{row['csat_rate'] * 100:.1f}%"
    assert received in pages[1] and on_time in pages[1] and csat in pages[1]
    assert on_time in pages[5] and csat in pages[8]
    assert len(_render_pngs(data, f"demo-{lang}")) == 11
