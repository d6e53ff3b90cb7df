"""Hostile workbooks built at test time (never stored): a tiny file claiming the last cell
of a sheet, zip bombs, DTD/entity attacks. Each builder returns the file's bytes."""

from __future__ import annotations

import io
import zipfile

HEADERS = ("投诉编号", "受理时间", "责任部门")

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def sheet_xml(
    rows: list[tuple[int, list[tuple[str, str]]]],
    *,
    dimension: str | None = "A1:C2",
    prolog: bytes = b"",
    padding: int = 0,
) -> bytes:
    """A worksheet part: ``rows`` as ``(row number, [(cell ref, text), ...])``; ``padding``
    spaces of filler (compresses about 1000:1) before ``</sheetData>``."""
    body = b"".join(
        f'<row r="{n}">'.encode() + b"".join(_cell(ref, text) for ref, text in cells) + b"</row>"
        for n, cells in rows
    )
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        + prolog
        + b'<worksheet xmlns="'
        + SHEET_NS
        + b'">'
        + dim
        + b"<sheetData>"
        + body
        + b" " * padding
        + b"</sheetData></worksheet>"
    )


def xlsx(sheet: bytes) -> bytes:
    """A minimal XLSX package around one worksheet part (deflated)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()


def header_row() -> tuple[int, list[tuple[str, str]]]:
    """Row 1: the three required complaint headers."""
    return 1, [(f"{c}1", h) for c, h in zip("ABC", HEADERS, strict=True)]


def good_rows() -> list[tuple[int, list[tuple[str, str]]]]:
    """Header plus one valid complaint."""
    return [header_row(), (2, [("A2", "H1"), ("B2", "2025-10-01 09:00"), ("C2", "客服部")])]


def far_cell_openpyxl() -> bytes:
    """The reported attack: an Excel-written workbook (openpyxl) with the headers, one
    complaint and one cell at XFD1048576 (the sheet's last cell); about 5 KB."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(HEADERS))
    ws.append(["H1", "2025-10-01 09:00", "客服部"])
    ws["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def far_cell_lying_dimension(ref: str = "XFD1048576") -> bytes:
    """A far cell while the declared dimension says A1:C2 (a hand-made lie)."""
    return xlsx(
        sheet_xml([*good_rows(), (int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), [(ref, "x")])])
    )


def zip_bomb(mib: int = 64) -> bytes:
    """A valid sheet padded with ``mib`` MiB of spaces: a few tens of KB on disk."""
    return xlsx(sheet_xml(good_rows(), padding=mib * 2**20))


def billion_laughs() -> bytes:
    """A sheet whose DTD defines nested entities (exponential expansion if resolved)."""
    levels = [b'<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        levels.append(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">'.encode())
    prolog = b"<!DOCTYPE worksheet [" + b"".join(levels) + b"]>"
    rows = [header_row(), (2, [("A2", "&lol9;"), ("B2", "2025-10-01"), ("C2", "客服部")])]
    return xlsx(sheet_xml(rows, prolog=prolog))


def xxe() -> bytes:
    """A sheet whose DTD pulls in a local file as an external entity."""
    prolog = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    rows = [header_row(), (2, [("A2", "&xxe;"), ("B2", "2025-10-01"), ("C2", "客服部")])]
    return xlsx(sheet_xml(rows, prolog=prolog))
