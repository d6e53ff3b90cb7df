"""Small export files for the importer tests, written by the tests themselves."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import duckdb

from queries import store

ZH_HEADERS = ["投诉编号", "受理时间", "责任部门", "投诉渠道", "投诉等级", "联系电话", "客户姓名"]
RECORDS = [
    ["00123", "2025-10-03 09:05:07", "客服部", "电话", "一般", "01012345678", "张三"],
    ["00124", "2025/10/3 9:05", "零售部", "微信", "紧急", "13812341234", "李四"],
    ["A-7", "2025年10月3日9时5分", "客服部", "在线", "重大", "", "王五"],
]


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[str]], delimiter: str = ",") -> str:
    """CSV text with CRLF line ends (RFC 4180)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(headers)
    w.writerows(rows)
    return buf.getvalue()


def write_csv(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """Write a CSV file in an encoding (``utf-8-sig`` for a BOM, ``utf-16`` with BOM)."""
    path.write_bytes(csv_text(headers, rows, delimiter).encode(encoding))
    return path


def write_xlsx(
    path: Path, headers: Sequence[str], rows: Sequence[Sequence[object]], **opts
) -> Path:
    """Write an XLSX file; values are written as their Python types (str stays text)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), opts)
    ws = wb.add_worksheet("投诉")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, list(headers))
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if hasattr(value, "year"):
                ws.write_datetime(r, c, value, date_fmt)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            elif value is None:
                continue
            else:
                ws.write(r, c, value)
    wb.close()
    return path


def table_text(db_path: Path, table: str = "complaints", order: str = "complaint_id") -> str:
    """All rows of a table as text, ordered (for exact comparisons)."""
    conn = store.open_snapshot(db_path)
    try:
        rows = conn.execute(f"select * from {table} order by {order}").fetchall()
    finally:
        conn.close()
    return "\n".join(repr(r) for r in rows)


def checksum(db_path: Path, table: str = "complaints", order: str = "complaint_id") -> str:
    """MD5 of a table's rows (read through a private read-only connection)."""
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        return conn.execute(
            f"select coalesce(md5(string_agg(cast(t as varchar), chr(10) order by {order})), '')"
            f" from {table} t"
        ).fetchall()[0][0]
    finally:
        conn.close()
