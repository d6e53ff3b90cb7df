"""Meeting handouts: the shared slide agenda (``agenda``) and its renderers to PowerPoint
(``pptx_report``), PDF (``pdf_report``) and Excel (``xlsx_report``).

Every renderer draws from a stored meeting pack (``queries.reports.meeting``), never from the
database, so a handout always shows the numbers of the meeting screen.
"""

from __future__ import annotations

FORMATS: tuple[str, ...] = ("pptx", "pdf", "xlsx")
MEDIA_TYPES: dict[str, str] = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(pack: dict, fmt: str, lang: str = "zh") -> bytes:
    """Render a meeting pack as ``pptx``, ``pdf`` or ``xlsx`` bytes in ``zh`` or ``en``."""
    if fmt == "pptx":
        from queries.reports import pptx_report

        return pptx_report.render(pack, lang)
    if fmt == "pdf":
        from queries.reports import pdf_report

        return pdf_report.render(pack, lang)
    if fmt == "xlsx":
        from queries.reports import xlsx_report

        return xlsx_report.render(pack, lang)
    raise ValueError(f"unknown report format {fmt!r} (choose {', '.join(FORMATS)})")
