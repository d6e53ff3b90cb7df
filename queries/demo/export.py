"""The demo's export files in the import templates, as a company's complaint system would give
them: Chinese headers, Chinese value words, GB18030 CSV (and XLSX for the complaints).

The text comes from the database just written (DuckDB ``COPY``), so the files hold
exactly the published records. Vocabulary words are bound as list parameters.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import xlsxwriter

from queries import exports
from queries.config import schema, vocab
from queries.demo.generate import LADDER_COLUMNS, NO_LADDER_DEPARTMENTS

CSV_ENCODING = "gb18030"
XLSX_MAX_ROWS = 200_000  # larger demos skip the workbook (Excel's limit is 1,048,576 rows)
TS_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"

NORTH_FILE = "complaints_north.csv"

# template -> column -> vocabulary kind whose first (Chinese) word is written
_CODED: dict[str, dict[str, str]] = {
    "complaints": {
        "channel": "channel",
        "severity": "severity",
        "status": "status",
        "compensation_type": "compensation_type",
        "return_visit_outcome": "visit_outcome",
        "revisit_outcome": "visit_outcome",
        "root_cause": "root_cause",
    },
    "penalties": {
        "responsibility_type": "responsibility_type",
        "measure": "measure",
        "appeal_status": "appeal_status",
    },  # a penalty's status is free text (no code set): written as stored
}

# file name -> (template, table, key column for the row order)
FILES: dict[str, tuple[str, str, str]] = {
    "complaints.csv": ("complaints", "complaints", "complaint_id"),
    # the stores of 华北分公司 run another system: its export has no handling-ladder columns
    NORTH_FILE: ("complaints", "complaints", "complaint_id"),
    "penalties.csv": ("penalties", "penalties", "penalty_id"),
    "departments.csv": ("departments", "departments", "department_id"),
    "volumes.csv": ("volumes", "business_volumes", "department, month"),
}


def _quote(identifier: str) -> str:
    """A quoted SQL identifier (headers come from ``schema``, never from users)."""
    return '"' + identifier.replace('"', '""') + '"'


def template_query(
    template: str, table: str, order_by: str, north: bool | None = None
) -> tuple[str, dict[str, object]]:
    """SQL (with its parameters) that renders ``table`` in the template's Chinese form.
    Complaints: ``north=False`` the rows of every department but NO_LADDER_DEPARTMENTS,
    ``north=True`` theirs without the handling-ladder columns (their source has none)."""
    words = {
        "yes": vocab.VOCAB["boolean"]["true"][0],
        "no": vocab.VOCAB["boolean"]["false"][0],
        "sat_words": [vocab.VOCAB["satisfaction"][str(i)][0] for i in range(1, 6)],
        "ts_format": TS_FORMAT,
        "date_format": DATE_FORMAT,
    }
    params: dict[str, object] = {}
    parts = []
    for col in schema.TEMPLATES[template]:
        if north and col.name in LADDER_COLUMNS:
            continue
        name = _quote(col.name)
        if col.name in _CODED.get(template, {}):
            kind = _CODED[template][col.name]
            params[f"{kind}_codes"] = list(vocab.VOCAB[kind])
            params[f"{kind}_words"] = [w[0] for w in vocab.VOCAB[kind].values()]
            expr = f"${kind}_words[list_position(${kind}_codes, {name})]"
        elif col.name == "satisfaction":
            params["sat_words"] = words["sat_words"]
            expr = f"$sat_words[{name}]"
        elif col.sql_type == "BOOLEAN":
            params.update(yes=words["yes"], no=words["no"])
            expr = f"case when {name} then $yes when not {name} then $no end"
        elif col.sql_type == "TIMESTAMP":
            params["ts_format"] = TS_FORMAT
            expr = f"strftime({name}, $ts_format)"
        elif col.sql_type == "DATE":
            params["date_format"] = DATE_FORMAT
            expr = f"strftime({name}, $date_format)"
        else:
            expr = f"{name}::varchar"
        parts.append(f"{expr} as {_quote(col.zh)}")
    where = ""
    if north is not None:
        params["north"] = list(NO_LADDER_DEPARTMENTS)
        where = f" where {'' if north else 'not '}list_contains($north, department)"
    sql = f"select {', '.join(parts)} from {table}{where} order by {order_by}"
    return sql, params


def _transcode(src: Path, dst: Path, encoding: str) -> None:
    """Re-encode a UTF-8 file in 16 MiB blocks (strict: an unencodable character fails)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    encoder = codecs.getincrementalencoder(encoding)("strict")
    with src.open("rb") as fin, dst.open("wb") as fout:
        while block := fin.read(16 << 20):
            fout.write(encoder.encode(decoder.decode(block)))
        fout.write(encoder.encode(decoder.decode(b"", final=True), final=True))


def write_exports(
    conn: duckdb.DuckDBPyConnection,
    export_dir: Path,
    *,
    xlsx: bool = True,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Path], str | None]:
    """Write the template files of the current database into ``export_dir``.

    Files are written under temporary names and renamed at the end by the caller through
    ``publish``; here they get a ``.tmp`` suffix.

    Returns:
        The temporary files written and, when the workbook was skipped, why.
    """
    export_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    skipped: str | None = None
    for file_name, (template, table, order_by) in FILES.items():
        north = None if template != "complaints" else file_name == NORTH_FILE
        sql, params = template_query(template, table, order_by, north)
        utf8 = export_dir / f".{file_name}.utf8.tmp"
        target = export_dir / f"{file_name}.tmp"
        try:
            params["path"] = str(utf8)
            conn.execute(f"copy ({sql}) to $path (header, delimiter ',', quote '\"')", params)
            _transcode(utf8, target, CSV_ENCODING)
        finally:
            utf8.unlink(missing_ok=True)
        written.append(target)
        if progress:
            progress(f"  {file_name}: written")
    if xlsx:
        n = conn.execute("select count(*) from complaints").fetchall()[0][0]
        if n > XLSX_MAX_ROWS:
            skipped = (
                f"complaints.xlsx skipped: {n:,} rows is more than the demo writes to a "
                f"workbook ({XLSX_MAX_ROWS:,}); use complaints.csv"
            )
        else:
            target = export_dir / "complaints.xlsx.tmp"
            _write_xlsx(conn, target)
            written.append(target)
            if progress:
                progress("  complaints.xlsx: written")
    return written, skipped


def _write_xlsx(conn: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Stream the complaints template into a one-sheet workbook (xlsxwriter in constant
    memory mode: twice as fast as going through a DataFrame). Text stays text: no
    formulas, URLs or numbers are inferred, and formula-like cells are neutralised."""
    sql, params = template_query("complaints", "complaints", "complaint_id", north=False)
    cur = conn.execute(sql, params)
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    book = xlsxwriter.Workbook(str(target), options)
    try:
        sheet = book.add_worksheet("投诉记录")
        sheet.write_row(0, 0, [d[0] for d in cur.description])
        r = 1
        while batch := cur.fetchmany(10_000):
            for row in batch:
                sheet.write_row(r, 0, [exports.neutralise_cell(v) for v in row])
                r += 1
    finally:
        book.close()


def publish(temp_files: list[Path]) -> list[Path]:
    """Rename the ``.tmp`` files to their final names (after the database was published)."""
    final = []
    for tmp in temp_files:
        dst = tmp.with_name(tmp.name.removesuffix(".tmp"))
        os.replace(tmp, dst)
        final.append(dst)
    return final


def discard(temp_files: list[Path]) -> None:
    """Remove temporary export files (the database was not published)."""
    for tmp in temp_files:
        tmp.unlink(missing_ok=True)
