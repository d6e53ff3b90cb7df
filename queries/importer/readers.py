"""Reading export files: strict decoding, CSV dialect and header-row detection, XLSX/XLS
cells through python-calamine. Everything comes out as text plus the physical source line
of each record, so the value parser sees one shape whatever the file format."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import charset_normalizer
import pyarrow as pa
import pyarrow.compute as pc

from queries.importer.errors import ImportRefused
from queries.limits import Limits

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


# a cell or row reference in worksheet XML: ``r="XFD1048576"`` (cell) or ``r="12"`` (row)
_REF = re.compile(rb'\sr="([A-Z]{0,4})([0-9]{1,9})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z0-9:$]+)"')
_HOSTILE_XML = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL = re.compile(r"\$?([A-Z]{1,4})\$?([0-9]{1,9})")
_SCAN_CHUNK = 1 << 20
_RATIO_MIN_BYTES = 1 << 20


def _column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _check_extent(part: str, rows: int, cols: int, limits: Limits, what: str) -> None:
    if rows > limits.max_rows:
        raise ImportRefused(
            f"{part}: {what} reaches row {rows:,}, above the limit of {limits.max_rows:,} rows"
        )
    if cols > limits.max_columns:
        raise ImportRefused(
            f"{part}: {what} reaches column {cols:,}, above the limit of"
            f" {limits.max_columns:,} columns"
        )
    if rows * cols > limits.max_cells:
        raise ImportRefused(
            f"{part}: {what} spans {rows:,} rows x {cols:,} columns, above the limit of"
            f" {limits.max_cells:,} cells"
        )


def _scan_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> None:
    """Stream one worksheet part: refuse a declared ``<dimension>`` or any cell reference
    beyond the caps, and DTD/entity declarations, without building the sheet."""
    max_row = max_col = 0
    tail = b""
    first = True
    with zf.open(info) as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            buf = tail + chunk
            if first:
                first = False
                dim = _DIMENSION.search(buf[:65536])
                if dim is not None:
                    last = dim.group(1).decode().split(":")[-1]
                    m = _CELL.fullmatch(last)
                    if m is not None:
                        rows, cols = int(m.group(2)), _column_number(m.group(1))
                        _check_extent(
                            info.filename,
                            rows,
                            cols,
                            limits,
                            f"declared area {dim.group(1).decode()}",
                        )
            if _HOSTILE_XML.search(buf):
                raise ImportRefused(
                    f"{info.filename}: DTD or entity declarations in the XML; a spreadsheet"
                    " program never writes them (hostile or damaged file)"
                )
            for ref in _REF.finditer(buf):
                letters, row = ref.group(1), int(ref.group(2))
                if row > max_row:
                    max_row = row
                if letters:
                    col = _column_number(letters)
                    if col > max_col:
                        max_col = col
            if max_row > limits.max_rows or max_col > limits.max_columns:
                break
            tail = buf[-32:]  # a reference cut by the chunk boundary is matched next time
    _check_extent(info.filename, max_row, max_col or 1, limits, "a cell reference")


def check_workbook(data: bytes, limits: Limits | None = None) -> None:
    """Check a zipped workbook (XLSX/XLSM/XLSB/ODS) before any reader builds it: total
    uncompressed size, the compression ratio of each large part, DTD/entity declarations in
    XML parts, and for XLSX the declared dimension and every cell reference of each sheet
    against the row/column/cell caps. Old binary ``.xls`` files (at most 65,536 x 256) pass.

    Raises:
        ImportRefused: one line naming the part and the limit exceeded.
    """
    limits = limits or Limits.from_env()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused(f"not a readable workbook: {exc}") from None
    with zf:
        total = sum(i.file_size for i in infos)
        if total > limits.max_uncompressed_mb * 2**20:
            raise ImportRefused(
                f"the workbook unpacks to {total / 2**20:,.0f} MiB, above the limit of"
                f" {limits.max_uncompressed_mb:,} MiB"
            )
        for info in infos:
            if info.file_size > _RATIO_MIN_BYTES:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.max_ratio:
                    raise ImportRefused(
                        f"{info.filename}: compressed {ratio:,.0f}:1, above the limit of"
                        f" {limits.max_ratio}:1 (a zip bomb or a damaged file)"
                    )
        try:
            for info in infos:
                name = info.filename
                if not name.endswith((".xml", ".rels", ".vml")):
                    continue
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    _scan_sheet(zf, info, limits)
                else:
                    with zf.open(info) as fh:
                        head = fh.read(65536)
                    if _HOSTILE_XML.search(head):
                        raise ImportRefused(
                            f"{name}: DTD or entity declarations in the XML; a spreadsheet"
                            " program never writes them (hostile or damaged file)"
                        )
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise ImportRefused(f"not a readable workbook: {exc}") from None


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


_CELL_TAG = re.compile(rb"<(?:\w+:)?c\s([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]{1,4})([0-9]{1,9})"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def error_cells(data: bytes, sheet: str) -> dict[int, list[tuple[int, str]]]:
    """Excel error cells (``#REF!``, ``#N/A``, ``#DIV/0!``...) of one XLSX sheet as
    ``{row number: [(0-based column, error text), ...]}`` (calamine reads them as empty).
    Empty for other formats. Call after ``check_workbook``."""
    import xml.etree.ElementTree as ET

    if not zipfile.is_zipfile(io.BytesIO(data)):
        return {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return {}
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target", "") for r in rels}
        part = None
        for el in book.iter():
            if el.tag.endswith("}sheet") and el.get("name") == sheet:
                part = target.get(el.get(f"{{{_RELS_NS}}}id"), "")
        if not part:
            return {}
        part = part.lstrip("/") if part.startswith("/") else f"xl/{part}"
        if part not in names:
            return {}
        xml = zf.read(part)
    found: dict[int, list[tuple[int, str]]] = {}
    if b't="e"' not in xml:
        return found
    for m in _CELL_TAG.finditer(xml):
        attrs = m.group(1)
        if b't="e"' not in attrs:
            continue
        ref = _ATTR_R.search(attrs)
        value = _VALUE.search(m.group(2) or b"")
        if ref is None:
            continue
        text = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
        found.setdefault(int(ref.group(2)), []).append((_column_number(ref.group(1)) - 1, text))
    return found


def sheet_names(data: bytes) -> list[str]:
    """The sheet names of a workbook."""
    from python_calamine import CalamineWorkbook

    check_workbook(data)
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
    passed on as ISO text; line numbers are the sheet's row numbers. The workbook is
    checked against the limits (``check_workbook``) before calamine reads it."""
    from python_calamine import CalamineWorkbook

    check_workbook(data)
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
    errors = error_cells(data, chosen)

    def build(checked: bool) -> _Builder:
        builder = _Builder(headers)
        add = builder.add_checked if checked else builder.add
        for i in range(idx + 1, len(rows)):
            bad = [(c, e) for c, e in errors.get(i + 1, ()) if c < width]
            if bad:
                builder.source_rows += 1
                col, err = bad[0]
                builder.pre_rejects.append(
                    (i + 1, headers[col], err, f"Excel error cell {err} (fix it in the workbook)")
                )
                continue
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
