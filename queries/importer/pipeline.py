"""Import orchestration: read and parse a file (before taking the writer lock), then upsert
it, write the import log and publish in one short ``store.write_transaction``.

Row accounting: every data row of the file is exactly one of imported (new key), updated
(key existed, some imported column changed), unchanged (key existed, identical),
superseded (a later row of the same file has the same key: the last row wins) or rejected
(reasons in the reject report). ``source_rows`` is their sum, checked before publishing.
Blank rows (every field empty) are not data rows; lines above the header are skipped and
reported. A file that would import nothing while rows were rejected, or that rejects more
than ``max_reject_rate`` of its rows, is not published (``outcome='failed'``,
``failed_on_rejects``; only the import log gains a row).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shlex
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from queries import audit, staging, store
from queries.config import schema
from queries.importer import headers as hdr
from queries.importer import plausible, readers, report, values
from queries.importer.errors import ImportRefused, MissingColumns
from queries.limits import lift_process_memory_cap

Source = str | Path | tuple[str, bytes]
# A file rejecting a larger share of its rows is not published (``--max-reject-rate``).
DEFAULT_MAX_REJECT_RATE = 0.5


@dataclass
class ImportResult:
    """What happened to one file (the CLI prints this as JSON)."""

    file: str
    kind: str | None = None
    mapping: str | None = None
    source_rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    superseded: int = 0
    warnings: int = 0
    extra_columns: list[str] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)
    blank_rows: int = 0
    reject_report: str | None = None
    sha256: str = ""
    already_imported: bool = False
    outcome: str = "ok"
    message: str = ""
    import_id: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_line: int | None = None
    notes: list[str] = field(default_factory=list)
    latest_rejected_ids: int = 0
    top_reject_reasons: list[dict[str, Any]] = field(default_factory=list)
    failed_on_rejects: bool = False
    # False when every row equalled the published one: nothing was written or republished
    published: bool = True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass
class Preview:
    """A first look at a file for the Data page's mapping editor."""

    filename: str
    kind: str | None
    encoding: str | None
    delimiter: str | None
    sheets: list[str]
    sheet: str | None
    header_line: int | None
    skipped_lines: list[int]
    headers: list[str]
    proposed: dict[str, str | None]
    unmatched: list[str]
    missing: list[str]
    rows: pd.DataFrame
    parsed: pd.DataFrame
    problems: pd.DataFrame
    error: str | None = None


@dataclass
class _Prepared:
    raw: readers.RawTable
    plan: hdr.ColumnPlan
    parsed: values.Parsed
    problems: list[tuple[int, str, str, str, str, str]]
    rejected: int
    top_reasons: list[dict[str, Any]]


def _load(source: Source) -> tuple[str, bytes]:
    if isinstance(source, tuple):
        return source[0], source[1]
    path = Path(source)
    try:
        return str(path), path.read_bytes()
    except OSError as exc:
        raise ImportRefused(f"cannot read {path}: {exc.strerror}") from None


def _options(mapping: hdr.Mapping | None, date_order: str | None) -> values.Options:
    return values.Options(
        date_order=date_order or (mapping.date_order if mapping else None),
        timezone=mapping.timezone if mapping else None,
        excel_serial_dates=bool(mapping and mapping.excel_serial_dates),
    )


def _read(
    name: str,
    data: bytes,
    kind: str | None,
    mapping: hdr.Mapping | None,
    sheet: str | None,
    encoding: str | None,
    limit: int | None = None,
    header_test: Callable[[list[str]], bool] | None = None,
) -> tuple[readers.RawTable, str, hdr.ColumnPlan]:
    if kind is not None and kind not in schema.TEMPLATES:
        raise ImportRefused(f"unknown kind {kind!r}")
    test = header_test or hdr.HeaderTest(kind, mapping)
    header = mapping.header if mapping else True
    try:
        if readers.is_excel(name):
            raw = readers.read_excel(data, test, sheet=sheet, limit=limit, header=header)
        else:
            raw = readers.read_text(data, test, encoding=encoding, limit=limit, header=header)
        hdr.check_mapped_headers(raw.headers, mapping)
        kind = kind or (mapping.kind if mapping else None) or hdr.detect_kind(raw.headers, mapping)
        if kind is None:
            raise hdr.HeaderTest(None, mapping).explain(raw.headers)
        plan = hdr.plan_columns(raw.headers, kind, mapping)
        if plan.missing:
            raise hdr.HeaderTest(kind, mapping).explain(raw.headers)
    except MissingColumns as exc:
        raise ImportRefused(_next_step(exc, name, sheet, mapping)) from None
    return raw, kind, plan


def _next_step(
    exc: MissingColumns, name: str, sheet: str | None, mapping: hdr.Mapping | None
) -> str:
    """The refusal for missing required columns plus the command that proposes a mapping."""
    if mapping is not None:
        return f"{exc}; map them in the mapping (columns or constants)"
    cmd = ["complaints", "mapping", "suggest", shlex.quote(Path(name).name)]
    if exc.kind != "complaints":
        cmd += ["--kind", exc.kind]
    if sheet:
        cmd += ["--sheet", shlex.quote(sheet)]
    stem = re.sub(r"[^A-Za-z0-9_\-]+", "_", Path(name).stem).strip("_") or "mapping"
    cmd += ["-o", f"{stem}.toml"]
    return (
        f"{exc}. Next: {' '.join(cmd)}  (then: complaints import {shlex.quote(Path(name).name)}"
        f" --mapping {stem}.toml)"
    )


def _prepare(
    name: str,
    data: bytes,
    kind: str | None,
    mapping: hdr.Mapping | None,
    sheet: str | None,
    encoding: str | None,
    date_order: str | None,
    limit: int | None = None,
) -> _Prepared:
    raw, kind, plan = _read(name, data, kind, mapping, sheet, encoding, limit)
    parsed = values.parse(raw.table, plan, _options(mapping, date_order), mapping)
    parsed = plausible.check(parsed, plan.kind, readers.Limits.from_env())
    by_pos: dict[int | None, str] = {pos: col for col, pos in plan.targets.items()}
    header_of = {col: raw.headers[pos] for col, pos in plan.targets.items()}
    problems = []
    for line, column, value, reason in raw.pre_rejects:
        pos = raw.headers.index(column) if column in raw.headers else None
        if pos is None and by_pos.get(0):  # a row-level reject quotes the row's first cell:
            value = report.mask_value(by_pos[0], value)  # mask it by that column's identity
        problems.append((line, column, by_pos.get(pos, "(row)"), value, reason, "rejected"))
    for line, col, value, reason in parsed.rejects:
        problems.append((line, header_of.get(col, "(constant)"), col, value, reason, "rejected"))
    top = top_reasons(problems)
    problems[len(raw.pre_rejects) :] = [
        (ln, column, col, value, _with_value(col, value, why), lv)
        for ln, column, col, value, why, lv in problems[len(raw.pre_rejects) :]
    ]
    for line, col, value, reason in parsed.warnings:
        problems.append((line, header_of.get(col, "(constant)"), col, value, reason, "warning"))
    rejected = len(raw.pre_rejects) + parsed.rejected_rows
    return _Prepared(raw, plan, parsed, problems, rejected, top)


TOP_REASONS = 5


def top_reasons(
    problems: list[tuple[int, str, str, str, str, str]], n: int = TOP_REASONS
) -> list[dict[str, Any]]:
    """The ``n`` most frequent reject reasons as ``{field, reason, count, example}`` (the
    example value masked like the report)."""
    counts: dict[tuple[str, str], list] = {}
    for _ln, _column, col, value, why, level in problems:
        if level != "rejected":
            continue
        entry = counts.setdefault((col, why), [0, value])
        entry[0] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))[:n]
    return [
        {"field": col, "reason": why, "count": cnt, "example": report.mask_value(col, ex)}
        for (col, why), (cnt, ex) in ranked
    ]


def _with_value(col: str, value: str, why: str) -> str:
    """A value's reject reason naming the value seen (masked like the report's value)."""
    if not value or why.startswith(("missing", "latest row rejected")):
        return why
    return f"{why}; value seen: {report.mask_value(col, value)!r}"


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(data).hexdigest()


def _log(conn, result: ImportResult, size: int, started: dt.datetime, user: str) -> None:
    conn.execute(
        "insert into import_log values ($id, $file, $size, $sha, $kind, $mapping, $source,"
        " $imported, $updated, $unchanged, $superseded, $rejected, $report, $user, $started,"
        " localtimestamp, $outcome, $message)",
        {
            "id": result.import_id,
            "file": Path(result.file).name,
            "size": size,
            "sha": result.sha256,
            "kind": result.kind or "unknown",
            "mapping": result.mapping,
            "source": result.source_rows,
            "imported": result.imported,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "superseded": result.superseded,
            "rejected": result.rejected,
            "report": result.reject_report,
            "user": user,
            "started": started,
            "outcome": result.outcome,
            "message": result.message,
        },
    )
    audit.insert(
        conn,
        "import",
        who=user,
        outcome=result.outcome,
        rows=result.imported + result.updated,
        detail={"file": Path(result.file).name, "kind": result.kind, "message": result.message},
    )


def _changed_rows(kind: str, cols: Sequence[str]) -> str:
    """SQL of the registered ``incoming`` rows that are new (``is_new``) or differ from the
    stored row in an imported column (unchanged rows are left out)."""
    table = values.TABLES[kind]
    keys = values.KEYS[kind]
    on = " and ".join(f"e.{k} = i.{k}" for k in keys)
    differs = " or ".join(f"e.{c} is distinct from i.{c}" for c in cols if c not in keys)
    return (
        f"select i.*, e.{keys[0]} is null as is_new from incoming i left join {table} e on {on}"
        f" where e.{keys[0]} is null or ({differs or 'false'})"
    )


def _upsert(conn, kind: str, rows: pa.Table) -> tuple[int, int, int, list[str]]:
    """Write the parsed rows that are new or changed (unchanged rows cost no write);
    return (imported, updated, unchanged, the keys written: first key column)."""
    table = values.TABLES[kind]
    key = values.KEYS[kind][0]
    cols = [c for c in rows.column_names if c != "line"]
    conn.register("incoming", rows)
    try:
        conn.execute(f"create or replace temp table _import_changed as {_changed_rows(kind, cols)}")
    finally:
        conn.unregister("incoming")
    try:
        imported, updated = conn.execute(
            "select count(*) filter (where is_new), count(*) filter (where not is_new)"
            " from _import_changed"
        ).fetchall()[0]
        names = ", ".join(cols)
        conn.execute(
            f"insert or replace into {table} ({names}) select {names} from _import_changed"
        )
        written = [r[0] for r in conn.execute(f"select {key} from _import_changed").fetchall()]
    finally:
        conn.execute("drop table temp._import_changed")
    total = rows.num_rows
    return int(imported), int(updated), int(total - imported - updated), written


def _nothing_to_publish(
    db_path: Path, result: ImportResult, rows: pa.Table, kind: str, supplied: Sequence[str]
) -> bool:
    """Whether every row equals the published one (and the supplied-fields record would not
    change), read from a read-only snapshot of the serving file before any write: then the
    import publishes nothing. Sets ``already_imported``. False when it cannot tell (no
    database yet, an older schema)."""
    if not db_path.exists():
        return False
    conn = store.open_snapshot(db_path)
    try:
        cols = [c for c in rows.column_names if c != "line"]
        conn.register("incoming", rows)
        changed = conn.execute(f"select count(*) from ({_changed_rows(kind, cols)})").fetchall()[0][
            0
        ]
        if changed:
            return False
        if kind == "complaints":
            known = _supplied_known(conn, rows)
            if known != _supplied_values(rows, supplied, known):
                return False
        result.already_imported = bool(
            conn.execute(
                "select count(*) from import_log where sha256 = $s and outcome = 'ok'",
                {"s": result.sha256},
            ).fetchall()[0][0]
        )
        return True
    except duckdb.Error:
        return False
    finally:
        conn.close()


def import_file(
    db_path: Path,
    source: Source,
    *,
    kind: str | None = None,
    mapping: str | Path | hdr.Mapping | dict | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    date_order: str | None = None,
    user: str | None = None,
    wait_seconds: float = 60.0,
    max_reject_rate: float = DEFAULT_MAX_REJECT_RATE,
    into_demo: bool = False,
) -> ImportResult:
    """Import one file into the database in this process (see the module docstring for
    the accounting; ``worker.import_files`` runs it in a bounded worker process).

    A refused file (undecodable, missing required columns ...) returns a result with
    ``outcome='refused'`` and is logged. A demo database is refused (and left untouched)
    unless ``into_demo``. A file that would import nothing while rows were rejected, or
    whose rejected share of source rows exceeds ``max_reject_rate``, is not published:
    ``outcome='failed'``, ``failed_on_rejects=True`` (only the import log gains a row).
    ``DatabaseBusyError`` propagates.
    """
    db_path = Path(db_path)
    started = dt.datetime.now().replace(microsecond=0)
    import_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    user = user or audit.current_actor()
    name, data = _load(source)
    result = ImportResult(file=name, sha256=sha256_of(data), import_id=import_id)
    if not into_demo and store.is_demo(db_path):
        result.outcome = "refused"
        result.message = (
            f"{db_path} is the demo database (示例数据); import into your own database"
            " (--db FILE), or pass --into-demo to add to the demo"
        )
        return result
    try:
        m = hdr.load_mapping(mapping)
        result.mapping = (m.name or "(custom)") if m else None
        prep = _prepare(name, data, kind, m, sheet, encoding, date_order)
    except ImportRefused as exc:
        result.outcome, result.message = "refused", str(exc)
        log_only(db_path, result, len(data), started, user, wait_seconds)
        return result
    raw, plan, parsed = prep.raw, prep.plan, prep.parsed
    result.kind = plan.kind
    result.source_rows = raw.source_rows
    result.rejected = prep.rejected
    result.superseded = parsed.superseded
    result.warnings = len(parsed.warnings)
    result.extra_columns = plan.extra
    result.skipped_lines = raw.skipped_lines
    result.blank_rows = raw.blank_rows
    result.encoding, result.delimiter, result.sheet = raw.encoding, raw.delimiter, raw.sheet
    result.header_line = raw.header_line
    result.notes = plan.notes
    result.latest_rejected_ids = parsed.latest_rejected_ids
    result.top_reject_reasons = prep.top_reasons
    if prep.problems:
        path = db_path.parent / "rejects" / f"{import_id}.csv"
        report.write(path, report.frame(Path(name).name, prep.problems))
        result.reject_report = str(path)
    supplied = sorted({*plan.targets, *plan.constants})
    refusal = _reject_refusal(result, parsed.rows.num_rows, max_reject_rate)
    if refusal:
        result.outcome, result.message, result.failed_on_rejects = "failed", refusal, True
        log_only(db_path, result, len(data), started, user, wait_seconds)
        return result
    if _nothing_to_publish(db_path, result, parsed.rows, plan.kind, supplied):
        result.unchanged = parsed.rows.num_rows
        result.published = False
        result.message = _summary(result)
        audit.record(
            db_path,
            "import",
            who=user,
            outcome="ok",
            rows=0,
            detail={"file": Path(name).name, "kind": plan.kind, "message": result.message},
        )
        return result
    try:
        _publish(
            db_path,
            result,
            parsed.rows,
            plan.kind,
            len(data),
            started,
            user,
            wait_seconds,
            supplied,
        )
    except (duckdb.Error, AssertionError) as exc:  # nothing was published
        result.imported = result.updated = result.unchanged = 0
        result.outcome, result.message = "failed", f"{type(exc).__name__}: {exc}".splitlines()[0]
        log_only(db_path, result, len(data), started, user, wait_seconds)
    return result


def _reject_refusal(result: ImportResult, accepted: int, max_rate: float) -> str:
    """Why a parsed file must not be published ("" when it may): nothing accepted while
    rows were rejected, or more than ``max_rate`` of the source rows rejected."""
    if not result.rejected:
        return ""
    top = result.top_reject_reasons[0] if result.top_reject_reasons else None
    most = f"; most frequent: {top['field']}: {top['reason']} ({top['count']})" if top else ""
    if accepted == 0:
        return (
            f"nothing imported: all {result.rejected} of {result.source_rows} rows rejected"
            f"{most}; see {result.reject_report}"
        )
    rate = result.rejected / max(result.source_rows, 1)
    if rate > max_rate:
        return (
            f"not published: {result.rejected} of {result.source_rows} rows rejected"
            f" ({rate:.0%} > --max-reject-rate {max_rate:g}){most}; see {result.reject_report}"
        )
    return ""


def log_only(
    db_path: Path,
    result: ImportResult,
    size: int,
    started: dt.datetime,
    user: str,
    wait_seconds: float = 60.0,
) -> None:
    """Record an import that published nothing (refused or failed) in ``import_log``."""
    with store.write_transaction(
        db_path, wait_seconds=wait_seconds, derive=_derive(staging.Changes())
    ) as conn:
        _log(conn, result, size, started, user)


def _derive(changes: staging.Changes) -> Callable[[duckdb.DuckDBPyConnection], str]:
    """The publication's derive step: re-derive only what ``changes`` (filled in by the
    writer before the step runs) can affect (``staging.refresh``)."""
    return lambda conn: staging.refresh(conn, changes=changes)


def _publish(
    db_path: Path,
    result: ImportResult,
    rows: pa.Table,
    kind: str,
    size: int,
    started: dt.datetime,
    user: str,
    wait_seconds: float,
    supplied: Sequence[str] = (),
) -> None:
    """Upsert, check the accounting, log, record the supplied fields and publish (the only
    part under the lock)."""
    name = result.file
    changes = staging.Changes(full=kind == "departments")
    lift_process_memory_cap()  # the file is read; the writer has its own memory limit
    with store.write_transaction(
        db_path, wait_seconds=wait_seconds, derive=_derive(changes)
    ) as conn:
        result.already_imported = bool(
            conn.execute(
                "select count(*) from import_log where sha256 = $s and outcome = 'ok'",
                {"s": result.sha256},
            ).fetchall()[0][0]
        )
        result.imported, result.updated, result.unchanged, written = _upsert(conn, kind, rows)
        if kind == "complaints":
            changes.complaints.update(written)
        elif kind == "penalties":
            changes.penalties.update(written)
        accounted = (
            result.imported
            + result.updated
            + result.unchanged
            + result.superseded
            + result.rejected
        )
        if accounted != result.source_rows:
            raise AssertionError(
                f"{name}: row accounting broken: {accounted} accounted, "
                f"{result.source_rows} source rows"
            )
        result.message = _summary(result)
        _log(conn, result, size, started, user)
        if kind == "complaints":
            _record_supplied(conn, rows, supplied)


#: meta key prefix: ``supplied:<department as exported>`` → the canonical complaint columns
#: its imports supplied (comma-separated union); read by staging (stg_supplied.sql).
SUPPLIED_KEY = "supplied:"


def _record_supplied(conn, rows: pa.Table, supplied: Sequence[str]) -> None:
    """Record, per department in the file, which canonical columns the file supplied (the
    union over its imports), so a metric needing a column the source never had is "not
    measured" there rather than 0 (domain brief §5)."""
    known = _supplied_known(conn, rows)
    for key, value in _supplied_values(rows, supplied, known).items():
        if known.get(key) != value:
            conn.execute("insert or replace into meta values ($k, $v)", {"k": key, "v": value})


def _supplied_known(conn, rows: pa.Table) -> dict[str, str]:
    """The recorded ``supplied:<department>`` values of the file's departments."""
    keys = [SUPPLIED_KEY + d for d in _departments(rows)]
    return dict(
        conn.execute(
            "select key, value from meta where list_contains($k, key)", {"k": keys}
        ).fetchall()
    )


def _departments(rows: pa.Table) -> list[str]:
    if "department" not in rows.column_names or not rows.num_rows:
        return []
    return sorted({str(d) for d in rows.column("department").to_pylist() if d})


def _supplied_values(
    rows: pa.Table, supplied: Sequence[str], known: dict[str, str]
) -> dict[str, str]:
    """``supplied:<department>`` → the union of ``supplied`` and the recorded fields."""
    out = {}
    for d in _departments(rows):
        key = SUPPLIED_KEY + d
        fields = set(supplied) | {f for f in (known.get(key) or "").split(",") if f}
        out[key] = ",".join(sorted(fields))
    return out


def _summary(r: ImportResult) -> str:
    parts = [
        f"{r.source_rows} rows: {r.imported} new, {r.updated} changed, "
        f"{r.unchanged} unchanged, {r.superseded} superseded, {r.rejected} rejected"
    ]
    if not r.published:
        parts.append("nothing changed: not republished")
    if r.already_imported:
        parts.append("this exact file was imported before")
    return "; ".join(parts)


def preview(
    source: str | Path | bytes,
    filename: str | None = None,
    *,
    kind: str | None = None,
    mapping: str | Path | hdr.Mapping | dict | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    date_order: str | None = None,
    n: int = 20,
) -> Preview:
    """Read the first ``n`` rows of a file and propose a mapping, without touching a
    database. When no header row has the required columns, the first row is taken as the
    header so the user can map the columns by hand (``error`` says what is missing)."""
    if isinstance(source, bytes):
        name, data = filename or "upload.csv", source
    else:
        name, data = _load(source)
        name = filename or name
    m = hdr.load_mapping(mapping)
    error = None
    try:
        raw, kind_found, plan = _read(name, data, kind, m, sheet, encoding, limit=n)
    except ImportRefused as exc:
        error = str(exc)
        try:
            raw, kind_found, plan = _read_loose(name, data, kind, m, sheet, encoding, n)
        except ImportRefused as exc2:
            return Preview(
                name,
                kind,
                None,
                None,
                [],
                None,
                None,
                [],
                [],
                {},
                [],
                [],
                pd.DataFrame(),
                pd.DataFrame(),
                pd.DataFrame(),
                error=str(exc2),
            )
    sheets = raw.sheets or ([] if not readers.is_excel(name) else readers.sheet_names(data))
    proposed: dict[str, str | None] = {h: None for h in raw.headers}
    for col, pos in plan.targets.items():
        proposed[raw.headers[pos]] = col
    rows = raw.table.to_pandas()
    rows.columns = ["line", *raw.headers]
    parsed = pd.DataFrame()
    problems = pd.DataFrame()
    if not plan.missing:
        p = values.parse(raw.table, plan, _options(m, date_order), m)
        p = plausible.check(p, plan.kind, readers.Limits.from_env())
        parsed = p.rows.to_pandas()
        header_of = {col: raw.headers[pos] for col, pos in plan.targets.items()}
        problems = report.frame(
            name,
            [(ln, header_of.get(c, c), c, v, why, "rejected") for ln, c, v, why in p.rejects]
            + [(ln, header_of.get(c, c), c, v, why, "warning") for ln, c, v, why in p.warnings],
        )
    return Preview(
        filename=name,
        kind=kind_found,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        sheets=sheets,
        sheet=raw.sheet,
        header_line=raw.header_line,
        skipped_lines=raw.skipped_lines,
        headers=raw.headers,
        proposed=proposed,
        unmatched=plan.extra,
        missing=plan.missing,
        rows=rows,
        parsed=parsed,
        problems=problems,
        error=error,
    )


def _read_loose(name, data, kind, mapping, sheet, encoding, n):
    """Read with the first non-empty row as header (for the mapping editor)."""

    def first_row(row: list[str]) -> bool:
        return any(cell.strip() for cell in row)

    if readers.is_excel(name):
        raw = readers.read_excel(data, first_row, sheet=sheet, limit=n)
    else:
        raw = readers.read_text(data, first_row, encoding=encoding, limit=n)
    kinds = [kind] if kind else list(schema.TEMPLATES)
    plan = min(
        (hdr.plan_columns(raw.headers, k, mapping) for k in kinds), key=lambda p: len(p.missing)
    )
    return raw, plan.kind, plan
