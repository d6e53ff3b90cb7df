"""The meeting handout as PowerPoint (16:9): the meeting agenda, charts as native (editable)
PowerPoint charts, tables as native tables, the scope and as-of in every slide's footer, and
an East Asian font set on every text run so Chinese renders in PowerPoint on any Windows."""

from __future__ import annotations

import io

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from queries.reports import agenda
from queries.reports.agenda import Chart, SlideView, Stat, Table

FONT = "Microsoft YaHei"
INK = RGBColor(0x11, 0x18, 0x27)
MUTED = RGBColor(0x4B, 0x55, 0x63)
ACCENT = RGBColor(0x1D, 0x4E, 0xD8)
STATUS = {
    "green": RGBColor(0x15, 0x80, 0x3D),
    "amber": RGBColor(0xB4, 0x53, 0x09),
    "red": RGBColor(0xB9, 0x1C, 0x1C),
}
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
_CHART_TYPES = {
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "line": XL_CHART_TYPE.LINE_MARKERS,
}
_NUMBER_FORMATS = {"rate": "0.0%", "count": "#,##0", "points": "0.0", "cny": "#,##0"}


def _set_font(run_or_font_parent, size: float, bold: bool = False, color=INK) -> None:
    """Font size/colour plus Latin and East Asian typefaces on one run."""
    font = run_or_font_parent.font
    font.size = Pt(size)
    font.bold = bold
    font.name = FONT
    font.color.rgb = color
    rpr = run_or_font_parent._r.get_or_add_rPr()
    _add_east_asian(rpr)


def _add_east_asian(rpr) -> None:
    for tag in ("a:ea", "a:cs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = etree.SubElement(rpr, qn(tag))
            latin = rpr.find(qn("a:latin"))
            if latin is not None:
                latin.addnext(el) if tag == "a:ea" else rpr.find(qn("a:ea")).addnext(el)
        el.set("typeface", FONT)


def _fit_size(line: str, width_pt: float, largest: float, smallest: float) -> float:
    """A font size at which ``line`` fits on one line of ``width_pt`` points (CJK glyphs are
    1 em wide, others about 0.55 em)."""
    ems = sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in line) or 1.0
    return max(smallest, min(largest, int(width_pt / ems)))


def _text(slide, left, top, width, height, lines, size, bold=False, color=INK, align=None):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        if align is not None:
            para.alignment = align
        run = para.add_run()
        run.text = line
        _set_font(run, size, bold, color)
    return box


def _stats(slide, stats: list[Stat], top, height) -> None:
    n = len(stats)
    per_row = n if n <= 4 else 3
    rows = (n + per_row - 1) // per_row
    gap = Inches(0.25)
    width = (WIDTH - 2 * MARGIN - gap * (per_row - 1)) // per_row
    row_h = height // rows
    for i, stat in enumerate(stats):
        left = MARGIN + (width + gap) * (i % per_row)
        y = top + row_h * (i // per_row)
        card = slide.shapes.add_shape(1, left, y, width, row_h - Inches(0.15))
        card.fill.solid()
        card.fill.fore_color.rgb = RGBColor(0xF3, 0xF4, 0xF6)
        card.line.color.rgb = STATUS.get(stat.status or "", RGBColor(0xD1, 0xD5, 0xDB))
        card.line.width = Pt(3 if stat.status else 1)
        frame = card.text_frame
        frame.word_wrap = True
        parts = [
            (stat.label, 18, False, MUTED),
            (stat.text, 40, True, STATUS.get(stat.status or "", INK)),
        ]
        if stat.detail:
            parts.append((stat.detail, 14, False, MUTED))
        for j, (line, size, bold, color) in enumerate(parts):
            para = frame.paragraphs[0] if j == 0 else frame.add_paragraph()
            para.alignment = PP_ALIGN.CENTER
            run = para.add_run()
            run.text = line
            _set_font(run, size, bold, color)


def _chart(slide, chart: Chart, left, top, width, height) -> None:
    data = CategoryChartData(number_format=_NUMBER_FORMATS.get(chart.unit, "0.00"))
    categories = chart.categories
    if chart.kind == "bar":  # PowerPoint draws bar categories bottom-up: keep reading order
        categories = list(reversed(categories))
    data.categories = categories
    for name, values in chart.series:
        vals = list(reversed(values)) if chart.kind == "bar" else list(values)
        data.add_series(name, [None if v is None else float(v) for v in vals])
    frame = slide.shapes.add_chart(_CHART_TYPES[chart.kind], left, top, width, height, data)
    ch = frame.chart
    ch.has_title = True
    ch.chart_title.text_frame.text = chart.title
    for para in ch.chart_title.text_frame.paragraphs:
        for run in para.runs:
            _set_font(run, 18, True)
    ch.font.size = Pt(14)
    ch.font.name = FONT
    _add_east_asian(ch._chartSpace.get_or_add_txPr().find(".//" + qn("a:defRPr")))
    ch.has_legend = len(chart.series) > 1
    if ch.has_legend:
        ch.legend.position = XL_LEGEND_POSITION.BOTTOM
        ch.legend.include_in_layout = False
    plot = ch.plots[0]
    plot.has_data_labels = len(chart.categories) <= 16 and chart.kind != "line"
    if plot.has_data_labels:
        plot.data_labels.number_format = _NUMBER_FORMATS.get(chart.unit, "0.00")
        plot.data_labels.number_format_is_linked = False
        plot.data_labels.font.size = Pt(12)
    ch.value_axis.tick_labels.number_format = _NUMBER_FORMATS.get(chart.unit, "0.00")
    ch.value_axis.tick_labels.number_format_is_linked = False
    ch.value_axis.has_major_gridlines = False
    palette = (ACCENT, RGBColor(0xD9, 0x77, 0x06), RGBColor(0x15, 0x80, 0x3D))
    if chart.kind == "line":
        for i, series in enumerate(plot.series):
            series.smooth = False
            series.format.line.color.rgb = palette[i % len(palette)]
            series.format.line.width = Pt(3)
    else:
        plot.gap_width = 60
        for i, series in enumerate(plot.series):
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = palette[i % len(palette)]


def _table(slide, table: Table, left, top, width, height) -> None:
    _text(slide, left, top, width, Inches(0.45), [table.title], 18, True)
    rows = table.rows or [["—"] * len(table.columns)]
    n_rows = len(rows) + 1
    row_h = min(Inches(0.5), (height - Inches(0.5)) // n_rows)
    shape = slide.shapes.add_table(
        n_rows, len(table.columns), left, top + Inches(0.5), width, row_h * n_rows
    )
    tbl = shape.table
    for c, name in enumerate(table.columns):
        cell = tbl.cell(0, c)
        cell.text = ""
        run = cell.text_frame.paragraphs[0].add_run()
        run.text = name
        _set_font(run, 14, True, RGBColor(0xFF, 0xFF, 0xFF))
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            cell = tbl.cell(r, c)
            cell.text = ""
            cell.text_frame.word_wrap = True
            run = cell.text_frame.paragraphs[0].add_run()
            run.text = value
            _set_font(run, 14)


def _slide(prs, view: SlideView, footer: str, lang: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    content_top = Inches(1.35)
    content_bottom = HEIGHT - Inches(0.7)
    if view.id == "title":
        _text(slide, MARGIN, Inches(2.0), WIDTH - 2 * MARGIN, Inches(1.3), [view.title], 48, True)
        _text(
            slide,
            MARGIN,
            Inches(3.3),
            WIDTH - 2 * MARGIN,
            Inches(0.7),
            [view.subtitle],
            28,
            color=ACCENT,
        )
        _text(
            slide, MARGIN, Inches(4.3), WIDTH - 2 * MARGIN, Inches(1.8), view.lines, 20, color=MUTED
        )
    else:
        title = view.title + (f" — {view.subtitle}" if view.subtitle else "")
        size = _fit_size(title, (WIDTH - 2 * MARGIN) / 12700, 32, 20)
        _text(slide, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.9), [title], size, True)
        top: int = content_top
        if view.stats:
            stats_h = Inches(1.9) if (view.charts or view.table) else Inches(4.6)
            _stats(slide, view.stats, top, stats_h)
            top += stats_h + Inches(0.1)
        if view.notes.strip() and view.id != "actions":
            content_bottom -= Inches(0.6)
        avail = content_bottom - top
        full = WIDTH - 2 * MARGIN
        if view.charts and view.table is not None:
            cw = Emu(int(full * 0.55))
            _chart(slide, view.charts[0], MARGIN, top, cw, avail)
            _table(
                slide, view.table, MARGIN + cw + Inches(0.3), top, full - cw - Inches(0.3), avail
            )
        elif len(view.charts) == 2:
            half = (full - Inches(0.3)) // 2
            _chart(slide, view.charts[0], MARGIN, top, half, avail)
            _chart(slide, view.charts[1], MARGIN + half + Inches(0.3), top, half, avail)
        elif view.charts:
            _chart(slide, view.charts[0], MARGIN, top, full, avail)
        elif view.table is not None:
            _table(slide, view.table, MARGIN, top, full, avail)
        if view.lines:
            _text(slide, MARGIN, top + Inches(0.6), full, Inches(1), view.lines, 24, color=MUTED)
        if view.notes.strip() and view.id != "actions":
            label = agenda.text("notes", lang)
            _text(
                slide,
                MARGIN,
                content_bottom + Inches(0.05),
                full,
                Inches(0.55),
                [f"{label}: {view.notes.strip()}"],
                14,
                color=ACCENT,
            )
    _text(
        slide,
        MARGIN,
        HEIGHT - Inches(0.5),
        WIDTH - 2 * MARGIN - Inches(1.2),
        Inches(0.4),
        [footer],
        11,
        color=MUTED,
    )
    _text(
        slide,
        WIDTH - MARGIN - Inches(1.2),
        HEIGHT - Inches(0.5),
        Inches(1.2),
        Inches(0.4),
        [f"{view.number} / {view.total}"],
        11,
        color=MUTED,
        align=PP_ALIGN.RIGHT,
    )
    if view.notes.strip():
        slide.notes_slide.notes_text_frame.text = view.notes.strip()


def render(pack: dict, lang: str = "zh") -> bytes:
    """The meeting pack as a 16:9 PowerPoint file (bytes)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    footer = agenda.footer(pack, lang)
    views = agenda.slide_views(pack, lang)
    for view in views:
        _slide(prs, view, footer, lang)
    prs.core_properties.title = views[0].title
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
