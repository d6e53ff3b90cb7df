"""The period summary as a PDF: one landscape A4 table (units as rows, the figures as
columns) followed by the definitions, in Chinese or English, with the embedded CJK font of
the meeting handout (``pdf_report.find_font``)."""

from __future__ import annotations

import pandas as pd
from fpdf import FPDF

from queries import i18n
from queries.marts import summary
from queries.reports.pdf_report import find_font


def _cell(value: object, unit: str, lang: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return i18n.MISSING
    return i18n.fmt_value(value, unit, lang)


def render(df: pd.DataFrame, title: str, subtitle: str, lang: str = "zh") -> bytes:
    """The summary table ``df`` (``summary.period_summary``) as PDF bytes."""
    regular, bold, index = find_font()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font("cjk", "", str(regular), collection_font_number=index)
    pdf.add_font("cjk", "B", str(bold), collection_font_number=index)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("cjk", "B", 14)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "", 8)
    pdf.cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT")
    columns = {c.name: c for c in summary.COLUMNS}
    shown = [c for c in df.columns if c == "unit" or c in columns]
    headers = [
        ("单位" if lang == "zh" else "Unit")
        if c == "unit"
        else (columns[c].zh if lang == "zh" else columns[c].en)
        for c in shown
    ]
    total = "合计" if lang == "zh" else "Total"
    rows = [
        [
            (total if r["unit"] == summary.TOTAL else str(r["unit"]))
            if c == "unit"
            else _cell(r[c], columns[c].unit, lang)
            for c in shown
        ]
        for _, r in df.iterrows()
    ]
    pdf.set_font("cjk", "", 6)
    with pdf.table(
        col_widths=[3] + [2] * (len(shown) - 1),
        text_align=["LEFT"] + ["RIGHT"] * (len(shown) - 1),
        line_height=3.6,
    ) as table:
        head = table.row()
        for h in headers:
            head.cell(h)
        for values in rows:
            line = table.row()
            for v in values:
                line.cell(v)
    pdf.ln(4)
    pdf.set_font("cjk", "B", 10)
    pdf.cell(0, 7, "口径说明" if lang == "zh" else "Definitions", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "", 7)
    for _, d in summary.definitions(lang).iterrows():
        pdf.multi_cell(0, 4, f"{d['name']}: {d['definition']}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
