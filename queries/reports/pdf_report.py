"""The meeting handout as PDF (16:9 pages, one per agenda slide) with an embedded Chinese
font (Noto Sans CJK from Debian's ``fonts-noto-cjk``) and charts drawn with fpdf2's own
primitives: no browser, no image export, nothing downloaded."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from fpdf import FPDF

from queries.reports import agenda
from queries.reports.agenda import Chart, SlideView, Stat, Table

#: Where Linux distributions install Noto Sans CJK (regular, bold); SC = index 2 in the .ttc.
FONT_CANDIDATES: tuple[tuple[Path, Path, int], ...] = (
    (
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
        2,
    ),
    (
        Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
        Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
        2,
    ),
    (
        Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
        Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc"),
        2,
    ),
)
FONT_PACKAGE = "fonts-noto-cjk"
W, H = 338.67, 190.5  # mm, 16:9 like the slides (13.333 x 7.5 in)
M = 12.7
INK = (17, 24, 39)
MUTED = (75, 85, 99)
ACCENT = (29, 78, 216)
GRID = (209, 213, 219)
PANEL = (243, 244, 246)
STATUS = {"green": (21, 128, 61), "amber": (180, 83, 9), "red": (185, 28, 28)}
SERIES = [(29, 78, 216), (217, 119, 6), (21, 128, 61)]
PT = 0.3528  # mm per point


class FontMissingError(RuntimeError):
    """No Chinese font for the PDF: the message names the package to install."""


def find_font() -> tuple[Path, Path, int]:
    """(regular, bold, collection index) of the installed Noto Sans CJK font."""
    for regular, bold, index in FONT_CANDIDATES:
        if regular.is_file():
            return regular, bold if bold.is_file() else regular, index
    raise FontMissingError(
        "no Chinese font for the PDF handout: install the Debian package "
        f"{FONT_PACKAGE} (apt-get install {FONT_PACKAGE})"
    )


class _Pdf(FPDF):
    def __init__(self, footer_text: str, lang: str) -> None:
        super().__init__(orientation="L", unit="mm", format=(H, W))
        self.footer_text = footer_text
        self.lang = lang
        self.set_auto_page_break(False)
        self.set_margins(M, M, M)
        regular, bold, index = find_font()
        self.add_font("cjk", "", str(regular), collection_font_number=index)
        self.add_font("cjk", "B", str(bold), collection_font_number=index)

    def fmt(self, value: float | None, unit: str) -> str:
        """A chart value in the handout's language."""
        return agenda.fmt_value(value, unit, self.lang)

    def style(self, size: float, bold: bool = False, color=INK) -> None:
        self.set_font("cjk", "B" if bold else "", size)
        self.set_text_color(*color)

    def text_at(self, x, y, w, h, line, size, bold=False, color=INK, align="L") -> None:
        self.style(size, bold, color)
        self.set_xy(x, y)
        self.cell(w, h, line, align=align)

    def shrink(
        self, line: str, w: float, size: float, smallest: float, bold: bool = False
    ) -> float:
        """The largest font size from ``size`` down to ``smallest`` at which ``line`` fits
        (the font is left set to it, so ``fit`` measures at that size)."""
        while size > smallest:
            self.set_font("cjk", "B" if bold else "", size)
            if self.get_string_width(line) <= w:
                return size
            size -= 1
        self.set_font("cjk", "B" if bold else "", smallest)
        return smallest

    def fit(self, line: str, w: float) -> str:
        """Shorten a line with … until it fits ``w`` at the current font."""
        if self.get_string_width(line) <= w:
            return line
        while line and self.get_string_width(line + "…") > w:
            line = line[:-1]
        return line + "…"


def _stats(pdf: _Pdf, stats: list[Stat], top: float, height: float) -> None:
    n = len(stats)
    per_row = n if n <= 4 else 3
    rows = math.ceil(n / per_row)
    gap = 6.0
    width = (W - 2 * M - gap * (per_row - 1)) / per_row
    row_h = height / rows
    for i, stat in enumerate(stats):
        x = M + (width + gap) * (i % per_row)
        y = top + row_h * (i // per_row)
        h = row_h - 4
        pdf.set_fill_color(*PANEL)
        color = STATUS.get(stat.status or "")
        pdf.set_draw_color(*(color or GRID))
        pdf.set_line_width(1.0 if color else 0.3)
        pdf.rect(x, y, width, h, style="DF")
        big = 36 if rows == 1 else 30
        block = 18 * PT * 1.3 + big * PT * 1.2 + (13 * PT * 1.4 if stat.detail else 0)
        ty = y + (h - block) / 2
        label_size = pdf.shrink(stat.label, width - 4, 18, 12)  # leaves that font set for fit
        pdf.text_at(
            x,
            ty,
            width,
            18 * PT * 1.3,
            pdf.fit(stat.label, width - 4),
            label_size,
            color=MUTED,
            align="C",
        )
        ty += 18 * PT * 1.3
        pdf.text_at(x, ty, width, big * PT * 1.2, stat.text, big, True, color or INK, align="C")
        ty += big * PT * 1.2
        if stat.detail:
            pdf.style(13, color=MUTED)
            pdf.text_at(
                x,
                ty,
                width,
                13 * PT * 1.4,
                pdf.fit(stat.detail, width - 4),
                13,
                color=MUTED,
                align="C",
            )


def _nice_step(span: float, divisions: int = 4) -> float:
    """A round axis step (1, 2, 2.5 or 5 × 10^k) covering ``span`` in about ``divisions``."""
    raw = span / divisions if span > 0 else 1.0
    exp = 10 ** math.floor(math.log10(raw))
    return next(m * exp for m in (1, 2, 2.5, 5, 10) if m * exp >= raw - 1e-12)


def _nice_max(values: list[float]) -> float:
    top = max(values) if values else 0.0
    if top <= 0:
        return 1.0
    return _nice_step(top) * math.ceil(top / _nice_step(top) - 1e-9)


def _chart(pdf: _Pdf, chart: Chart, x: float, y: float, w: float, h: float) -> None:
    pdf.style(16, True)
    pdf.text_at(x, y, w, 7, pdf.fit(chart.title, w), 16, True)
    y += 9
    h -= 9
    values = [v for _, vals in chart.series for v in vals if v is not None]
    if not chart.categories or not values:
        pdf.text_at(x, y + h / 2 - 4, w, 8, "—", 16, color=MUTED, align="C")
        return
    if chart.kind == "bar":
        _bar(pdf, chart, x, y, w, h, values)
    else:
        _column_or_line(pdf, chart, x, y, w, h, values)


def _bar(pdf: _Pdf, chart: Chart, x, y, w, h, values) -> None:
    vmax = _nice_max(values)
    n = len(chart.categories)
    row = min(12.0, h / n)
    size = max(9.0, min(14.0, row / PT * 0.6))
    pdf.style(size)
    label_w = min(w * 0.45, max(pdf.get_string_width(c) for c in chart.categories) + 4)
    bar_w = w - label_w - 26
    _name, vals = chart.series[0]
    for i, (cat, v) in enumerate(zip(chart.categories, vals, strict=True)):
        ry = y + i * row
        pdf.style(size)
        pdf.text_at(x, ry, label_w - 2, row, pdf.fit(cat, label_w - 3), size, align="R")
        if v is None:
            pdf.text_at(x + label_w + 1, ry, 20, row, "—", size, color=MUTED)
            continue
        length = max(0.0, float(v)) / vmax * bar_w
        pdf.set_fill_color(*SERIES[0])
        pdf.rect(x + label_w, ry + row * 0.18, length, row * 0.64, style="F")
        pdf.text_at(x + label_w + length + 1.5, ry, 24, row, pdf.fmt(v, chart.unit), size)


def _column_or_line(pdf: _Pdf, chart: Chart, x, y, w, h, values) -> None:
    legend_h = 7.0 if len(chart.series) > 1 else 0.0
    axis_w = 20.0
    base_y = y + h - 8 - legend_h
    plot_h = base_y - y - 4
    plot_x, plot_w = x + axis_w, w - axis_w
    if chart.kind == "line":  # zoom on the range so month-to-month change is visible
        step = _nice_step(max(values) - min(values) or abs(max(values)) * 0.1 or 0.1)
        lo = max(0.0, math.floor(min(values) / step) * step)
        hi = math.ceil(max(values) / step - 1e-9) * step
        if hi <= lo:
            hi = lo + step
    else:
        lo, step = min(0.0, min(values)), _nice_step(max(values))
        hi = _nice_max(values)
    span = hi - lo
    ticks = round(span / step)
    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.2)
    for k in range(ticks + 1):
        gy = base_y - plot_h * k / ticks
        pdf.line(plot_x, gy, plot_x + plot_w, gy)
        label = pdf.fmt(lo + step * k, chart.unit)
        pdf.text_at(x, gy - 3, axis_w - 2, 6, label, 9, color=MUTED, align="R")
    n = len(chart.categories)
    slot = plot_w / n
    step = max(1, math.ceil(n / 12))
    for i, cat in enumerate(chart.categories):
        if i % step == 0:
            label = cat[2:] if len(cat) == 7 and cat[4] == "-" else cat
            pdf.text_at(
                plot_x + slot * i, base_y + 1, slot * step, 6, label, 9, color=MUTED, align="C"
            )
    for s, (name, vals) in enumerate(chart.series):
        color = SERIES[s % len(SERIES)]
        pdf.set_fill_color(*color)
        pdf.set_draw_color(*color)
        points = []
        for i, v in enumerate(vals):
            if v is None:
                continue
            cx = plot_x + slot * (i + 0.5)
            vy = base_y - (float(v) - lo) / span * plot_h
            if chart.kind == "column":
                pdf.rect(cx - slot * 0.32, vy, slot * 0.64, base_y - vy, style="F")
            points.append((cx, vy))
        if chart.kind == "line":
            pdf.set_line_width(0.8)
            for (x1, y1), (x2, y2) in itertools.pairwise(points):
                pdf.line(x1, y1, x2, y2)
            for cx, vy in points:
                pdf.ellipse(cx - 1.2, vy - 1.2, 2.4, 2.4, style="F")
        last = next((v for v in reversed(vals) if v is not None), None)
        if points and last is not None:
            lx, ly = points[-1]
            pdf.text_at(
                lx - 20, ly - 7, 22, 5, pdf.fmt(last, chart.unit), 10, True, color, align="R"
            )
        if legend_h:
            lx = plot_x + s * plot_w / len(chart.series)
            pdf.rect(lx, base_y + 8.5, 4, 4, style="F")
            pdf.text_at(lx + 5, base_y + 7.5, plot_w / len(chart.series) - 6, 6, name, 11)


def _table(pdf: _Pdf, table: Table, x: float, y: float, w: float, h: float) -> None:
    pdf.text_at(x, y, w, 7, table.title, 16, True)
    rows = table.rows or [["—"] * len(table.columns)]
    if not table.columns:
        return
    widths = _col_widths(pdf, table, w)
    row_h = min(10.0, (h - 9) / (len(rows) + 1))
    size = max(9.0, min(13.0, row_h / PT * 0.55))
    ty = y + 9
    pdf.set_fill_color(*INK)
    pdf.rect(x, ty, w, row_h, style="F")
    cx = x
    for col, cw in zip(table.columns, widths, strict=True):
        pdf.style(size, True)
        pdf.text_at(cx + 1.5, ty, cw - 3, row_h, pdf.fit(col, cw - 3), size, True, (255, 255, 255))
        cx += cw
    for r, row in enumerate(rows):
        ty += row_h
        if r % 2:
            pdf.set_fill_color(*PANEL)
            pdf.rect(x, ty, w, row_h, style="F")
        cx = x
        for value, cw in zip(row, widths, strict=True):
            pdf.style(size)
            pdf.text_at(cx + 1.5, ty, cw - 3, row_h, pdf.fit(value, cw - 3), size)
            cx += cw


def _col_widths(pdf: _Pdf, table: Table, w: float) -> list[float]:
    pdf.style(12)
    need = [
        max([pdf.get_string_width(c) for c in [col, *(r[i] for r in table.rows)]] + [8.0]) + 4
        for i, col in enumerate(table.columns)
    ]
    total = sum(need)
    return [w * n / total for n in need]


def _page(pdf: _Pdf, view: SlideView, lang: str) -> None:
    pdf.add_page()
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, W, 2.5, style="F")
    bottom = H - 14
    if view.id == "title":
        pdf.text_at(M, 55, W - 2 * M, 20, view.title, 44, True)
        pdf.text_at(M, 80, W - 2 * M, 12, view.subtitle, 26, color=ACCENT)
        for i, line in enumerate(view.lines):
            pdf.text_at(M, 100 + i * 10, W - 2 * M, 9, line, 18, color=MUTED)
    else:
        title = view.title + (f" — {view.subtitle}" if view.subtitle else "")
        size = pdf.shrink(title, W - 2 * M, 30, 20, bold=True)  # leaves that font set for fit
        pdf.text_at(M, 8, W - 2 * M, 16, pdf.fit(title, W - 2 * M), size, True)
        top = 30.0
        if view.notes.strip() and view.id != "actions":
            bottom -= 12
        if view.stats:
            stats_h = 44.0 if (view.charts or view.table) else bottom - top
            _stats(pdf, view.stats, top, stats_h)
            top += stats_h + 3
        full = W - 2 * M
        avail = bottom - top
        if view.charts and view.table is not None:
            cw = full * (0.42 if len(view.table.columns) >= 4 else 0.55)
            _chart(pdf, view.charts[0], M, top, cw, avail)
            _table(pdf, view.table, M + cw + 8, top, full - cw - 8, avail)
        elif len(view.charts) == 2:
            half = (full - 8) / 2
            _chart(pdf, view.charts[0], M, top, half, avail)
            _chart(pdf, view.charts[1], M + half + 8, top, half, avail)
        elif view.charts:
            _chart(pdf, view.charts[0], M, top, full, avail)
        elif view.table is not None and view.table.rows:
            _table(pdf, view.table, M, top, full, avail)
        for i, line in enumerate(view.lines):
            pdf.text_at(M, top + 12 + i * 11, full, 10, line, 20, color=MUTED)
        if view.notes.strip() and view.id != "actions":
            pdf.style(13, color=ACCENT)
            pdf.set_xy(M, bottom + 1)
            label = agenda.text("notes", lang)
            pdf.multi_cell(full, 5.5, f"{label}: {view.notes.strip()}", max_line_height=5.5)
    pdf.style(10)
    pdf.text_at(
        M, H - 10, W - 2 * M - 30, 6, pdf.fit(pdf.footer_text, W - 2 * M - 32), 10, color=MUTED
    )
    pdf.text_at(
        W - M - 30, H - 10, 30, 6, f"{view.number} / {view.total}", 10, color=MUTED, align="R"
    )


def render(pack: dict, lang: str = "zh") -> bytes:
    """The meeting pack as a PDF handout (bytes), one 16:9 page per agenda slide."""
    pdf = _Pdf(agenda.footer(pack, lang), lang)
    views = agenda.slide_views(pack, lang)
    pdf.set_title(views[0].title)
    pdf.set_creator("complaint-kpi-dashboard")
    for view in views:
        _page(pdf, view, lang)
    return bytes(pdf.output())
