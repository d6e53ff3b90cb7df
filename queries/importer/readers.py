"""Reading export files: strict decoding, CSV dialect and header-row detection, XLSX/XLS
cells through python-calamine. Everything comes out as text plus the physical source line
of each record, so the value parser sees one shape whatever the file format."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import charset_normalizer
import pyarrow as pa
import pyarrow.compute as pc

from queries.importer.errors import ImportRefused

# Candidates tried in order when there is no BOM and no --encoding (strict decoding only).
TEXT_ENCODINGS = ("utf-8", "gb18030")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS = (",", "\t", ";", "|")
HEADER_SCAN_ROWS = 20
CHUNK_ROWS = 100_000
# Files at least this long (characters) try Arrow's CSV reader first (see _fast_read).
FAST_PATH_MIN_CHARS = 1_000_000
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")

csv.field_size_limit(1 << 30)


@dataclass
class RawTable:
    """A file's records as text: header names, data columns and their source lines.

    ``columns`` holds one arrow string column per header position (``c0``, ``c1`` ...)
    plus ``line`` (int64); ``pre_rejects`` are records refused while reading (wrong number
    of fields, NUL bytes) as ``(line, column, raw value, reason)``.
    """

    headers: list[str]
    header_line: int
    table: pa.Table
    source_rows: int
    pre_rejects: list[tuple[int, str, str, str]] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)
    blank_rows: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None


def is_excel(filename: str) -> bool:
    """Whether a file name is a spreadsheet calamine reads (xlsx, xls, ...)."""
    return filename.lower().endswith(EXCEL_SUFFIXES)


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text file strictly: the given encoding, else a BOM, else UTF-8, else GB18030.

    Returns:
        ``(text, encoding used)``.

    Raises:
        ImportRefused: nothing decodes the bytes exactly (the message names what was tried).
    """
    if encoding:
        try:
            text = data.decode(encoding, errors="strict")
        except (UnicodeDecodeError, LookupError) as exc:
            raise ImportRefused(f"cannot decode as {encoding}: {exc}") from None
        return text.removeprefix("\ufeff"), encoding
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name, errors="strict").removeprefix("\ufeff"), name
            except UnicodeDecodeError as exc:
                raise ImportRefused(f"byte-order mark says {name} but {exc}") from None
    if data[:4096].count(b"\x00") > len(data[:4096]) // 4 and len(data) >= 4:
        raise ImportRefused(
            "looks like UTF-16 without a byte-order mark; pass --encoding utf-16-le or utf-16-be"
        )
    for name in TEXT_ENCODINGS:
        try:
            return data.decode(name, errors="strict"), name
        except UnicodeDecodeError:
            continue
    guess = charset_normalizer.from_bytes(data[:65536]).best()
    hint = f"; charset-normalizer guesses {guess.encoding}" if guess is not None else ""
    raise ImportRefused(
        f"not decodable as {', '.join(TEXT_ENCODINGS)} (strict){hint}; pass --encoding"
    )


def _records(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    """Yield ``(first line, last line, fields)`` for every CSV record (RFC 4180 quoting)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start = 1
    for rec in reader:
        end = reader.line_num
        yield start, end, rec
        start = end + 1


def _head_records(text: str, delimiter: str, n: int) -> list[tuple[int, list[str]]]:
    out = []
    for start, _end, rec in _records(text, delimiter):
        out.append((start, rec))
        if len(out) >= n:
            break
    return out


def _delimiter_order(text: str) -> list[str]:
    sample = text[:65536]
    order = list(DELIMITERS)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        order.remove(sniffed)
        order.insert(0, sniffed)
    except csv.Error:
        pass
    return order


HeaderTest = Callable[[list[str]], bool]


def _cell_text(value: object) -> str:
    """One spreadsheet cell as text: dates ISO, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _find_header(
    rows: list[tuple[int, list[str]]], header_test: HeaderTest
) -> tuple[int, list[str]] | None:
    for idx, (_line, rec) in enumerate(rows):
        if rec and header_test(rec):
            return idx, rec
    return None


class _Builder:
    """Collects records into chunked arrow columns (bounded Python-object memory)."""

    def __init__(self, headers: list[str]) -> None:
        self.width = len(headers)
        self.headers = headers
        self.batches: list[pa.RecordBatch] = []
        self.rows: list[list[str]] = []
        self.lines: list[int] = []
        self.pre_rejects: list[tuple[int, str, str, str]] = []
        self.source_rows = 0
        self.blank_rows = 0
        self.names = [f"c{i}" for i in range(self.width)]

    def add(self, line: int, end: int, rec: list[str]) -> None:
        if not rec or not any(rec):
            self.blank_rows += 1
            return
        self.source_rows += 1
        if len(rec) != self.width:
            extra = f" (record spans lines {line}-{end})" if end > line else ""
            self.pre_rejects.append(
                (line, "(row)", rec[0], f"expected {self.width} fields, found {len(rec)}{extra}")
            )
            return
        self.rows.append(rec)
        self.lines.append(line)
        if len(self.rows) >= CHUNK_ROWS:
            self.flush()

    def add_checked(self, line: int, end: int, rec: list[str]) -> None:
        """Like ``add`` but refuses records holding NUL characters (never stripped)."""
        for i, value in enumerate(rec):
            if "\x00" in value:
                if not any(rec):
                    break
                self.source_rows += 1
                col = self.headers[i] if i < self.width else f"(field {i + 1})"
                self.pre_rejects.append(
                    (line, col, value.replace("\x00", "\\x00"), "NUL byte in field")
                )
                return
        self.add(line, end, rec)

    def flush(self) -> None:
        if not self.rows:
            return
        cols = list(zip(*self.rows, strict=True)) if self.width else []
        arrays = [pa.array(self.lines, pa.int64())]
        arrays += [pa.array(c, pa.string()) for c in cols]
        self.batches.append(pa.RecordBatch.from_arrays(arrays, ["line", *self.names]))
        self.rows, self.lines = [], []

    def table(self) -> pa.Table:
        self.flush()
        schema = pa.schema([("line", pa.int64())] + [(n, pa.string()) for n in self.names])
        return pa.Table.from_batches(self.batches, schema=schema)


def read_text(
    data: bytes,
    header_test: HeaderTest,
    *,
    encoding: str | None = None,
    limit: int | None = None,
    header: bool = True,
) -> RawTable:
    """Read a CSV/TSV/TXT file: decode, pick the delimiter and the header row (the first of
    the first 20 records that ``header_test`` accepts), then every record after it.
    ``header=False``: every record is data; the columns are named ``1``, ``2``, ...

    Raises:
        ImportRefused: undecodable, empty, or no header row with the required columns.
    """
    text, used = decode(data, encoding)
    if not text.strip():
        raise ImportRefused("the file is empty")
    found: tuple[str, list[tuple[int, list[str]]], tuple[int, list[str]]] | None = None
    order = _delimiter_order(text)
    if not header:
        first = _head_records(text, order[0], 1)
        width = len(first[0][1]) if first else 0
        found = (order[0], [(0, [])], (0, [str(i + 1) for i in range(width)]))
    for delim in order if found is None else ():
        head = _head_records(text, delim, HEADER_SCAN_ROWS)
        hit = _find_header(head, header_test)
        if hit is not None:
            found = (delim, head, hit)
            break
    if found is None:
        raise _missing_columns(text, order[0], header_test)
    delim, head, (idx, headers) = found
    header_line = head[idx][0]  # 0: headerless
    if any("\x00" in h for h in headers):
        raise ImportRefused(f"NUL byte in the header row (line {header_line})")
    has_nul = "\x00" in text
    if limit is None and not has_nul and len(text) >= FAST_PATH_MIN_CHARS:
        fast = _fast_read(text, delim, header_line, headers)
        if fast is not None:
            table, blank = fast
            return RawTable(
                headers=headers,
                header_line=header_line,
                table=table,
                source_rows=table.num_rows,
                skipped_lines=list(range(1, header_line)),
                blank_rows=blank,
                encoding=used,
                delimiter=delim,
            )
    builder = _Builder(headers)
    add = builder.add_checked if has_nul else builder.add
    for start, end, rec in _records(text, delim):
        if start <= header_line:
            continue
        add(start, end, rec)
        if limit is not None and builder.source_rows >= limit:
            break
    return RawTable(
        headers=headers,
        header_line=header_line,
        table=builder.table(),
        source_rows=builder.source_rows,
        pre_rejects=builder.pre_rejects,
        skipped_lines=list(range(1, header_line)),
        blank_rows=builder.blank_rows,
        encoding=used,
        delimiter=delim,
    )


def _fast_read(
    text: str, delim: str, header_line: int, headers: list[str]
) -> tuple[pa.Table, int] | None:
    """Parse a clean CSV with Arrow's multi-threaded reader (same RFC 4180 rules).

    Returns None, so the caller falls back to the record-by-record reader, as soon as
    anything is irregular (a record with the wrong number of fields, a blank line, a quoting
    error): those need per-record line numbers and reasons.
    Line numbers are rebuilt from the line breaks inside each record's fields.
    """
    import numpy as np
    import pyarrow.csv as pacsv

    buf = io.StringIO(text, newline="")
    offset = 0
    for _ in range(header_line - 1):
        offset += len(buf.readline())
    names = [f"c{i}" for i in range(len(headers))]
    invalid: list[object] = []

    def on_invalid(row: object) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(text[offset:].encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=int(header_line > 0)),
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if invalid:
        return None
    body = text[offset:]
    breaks = body.count("\n") + body.count("\r") - body.count("\r\n")
    trailing = body.endswith(("\n", "\r"))
    if breaks - (1 if trailing else 0) == table.num_rows:  # no line breaks inside fields
        lines = np.arange(header_line + 1, header_line + 1 + table.num_rows, dtype=np.int64)
    else:
        extra = np.zeros(table.num_rows, dtype=np.int64)
        for name in names:
            col = table.column(name)
            inner = pc.subtract(
                pc.add(pc.count_substring(col, "\n"), pc.count_substring(col, "\r")),
                pc.count_substring(col, "\r\n"),
            )
            extra += inner.to_numpy(zero_copy_only=False)
        lines = header_line + 1 + np.concatenate(([0], np.cumsum(1 + extra)[:-1]))
    table = table.add_column(0, "line", pa.array(lines, pa.int64()))
    # blank lines and rows of empty fields are not data rows (as in the record reader)
    empty = pc.equal(pc.utf8_length(table.column("c0")), 0)
    if pc.any(empty).as_py():
        for name in names[1:]:
            empty = pc.and_(empty, pc.equal(pc.utf8_length(table.column(name)), 0))
        blank = pc.sum(empty).as_py() or 0
        if blank:
            table = table.filter(pc.invert(empty))
        return table, int(blank)
    return table, 0


def _missing_columns(text: str, delim: str, header_test: HeaderTest) -> ImportRefused:
    head = _head_records(text, delim, HEADER_SCAN_ROWS)
    first = next((rec for _, rec in head if rec), [])
    explain = getattr(header_test, "explain", None)
    if explain is not None:
        return explain(first)
    return ImportRefused("no header row with the required columns in the first 20 rows")


def sheet_names(data: bytes) -> list[str]:
    """The sheet names of a workbook."""
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)
    except Exception as exc:
        raise ImportRefused(f"not a readable workbook: {exc}") from None


def read_excel(
    data: bytes,
    header_test: HeaderTest,
    *,
    sheet: str | None = None,
    limit: int | None = None,
    header: bool = True,
) -> RawTable:
    """Read one sheet (default: the first) of an XLSX/XLS workbook through calamine.
    Date cells arrive as real dates (1900 and 1904 systems are handled by calamine) and are
    passed on as ISO text; line numbers are the sheet's row numbers."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
    except Exception as exc:
        raise ImportRefused(f"not a readable workbook: {exc}") from None
    if not names:
        raise ImportRefused("the workbook has no sheets")
    chosen = sheet or names[0]
    if chosen not in names:
        raise ImportRefused(f"no sheet named {chosen!r} (sheets: {', '.join(names)})")
    ws = wb.get_sheet_by_name(chosen)
    rows = ws.to_python(skip_empty_area=False, nrows=None)
    if not rows:
        raise ImportRefused(f"sheet {chosen!r} is empty")
    head = [(i + 1, [_cell_text(v) for v in r]) for i, r in enumerate(rows[:HEADER_SCAN_ROWS])]
    if header:
        hit = _find_header(head, header_test)
    else:  # headerless: positions as names, every row is data
        width = max((len(r) for r in rows[:HEADER_SCAN_ROWS]), default=0)
        hit = (-1, [str(i + 1) for i in range(width)])
    if hit is None:
        first = next((rec for _, rec in head if any(rec)), [])
        explain = getattr(header_test, "explain", None)
        raise explain(first) if explain else ImportRefused("no header row found")
    idx, headers = hit
    if any("\x00" in h for h in headers):
        raise ImportRefused(f"NUL byte in the header row (row {idx + 1})")
    while headers and headers[-1] == "":
        headers = headers[:-1]
    width = len(headers)

    def build(checked: bool) -> _Builder:
        builder = _Builder(headers)
        add = builder.add_checked if checked else builder.add
        for i in range(idx + 1, len(rows)):
            rec = [v if type(v) is str else _cell_text(v) for v in rows[i]]
            if len(rec) > width:
                if any(rec[width:]):
                    builder.source_rows += 1
                    builder.pre_rejects.append(
                        (i + 1, "(row)", rec[0], "values in columns without a header")
                    )
                    continue
                rec = rec[:width]
            elif len(rec) < width:
                rec += [""] * (width - len(rec))
            add(i + 1, i + 1, rec)
            if limit is not None and builder.source_rows >= limit:
                break
        return builder

    builder = build(checked=False)
    table = builder.table()
    if any(pc.any(pc.match_substring(col, "\x00")).as_py() for col in table.columns[1:]):
        builder = build(checked=True)  # rare: rows with NUL characters are rejected
        table = builder.table()
    return RawTable(
        headers=headers,
        header_line=idx + 1,
        table=table,
        source_rows=builder.source_rows,
        pre_rejects=builder.pre_rejects,
        skipped_lines=list(range(1, idx + 1)),
        blank_rows=builder.blank_rows,
        sheets=names,
        sheet=chosen,
    )
