"""Value parsing in one DuckDB pass: timestamps, numbers, booleans and coded words.

Every canonical column gets a typed value and, when the text cannot be understood, a
reason. Rules (README, section import):

* required text columns (ids, department, person): empty or ``NA``/``N/A``/``NULL`` is a
  reject; other text columns store those spellings as NULL; text is trimmed, never retyped.
* timestamps: ISO, slash, dot and Chinese styles, with or without seconds, date-only →
  00:00. ``03/04/2025``-style dates need a declared order; zone suffixes need a mapping
  ``timezone`` (converted to naive local time), else they are rejected. Excel serial
  numbers only when the mapping says ``excel_serial_dates = true``.
* a mapping's ``[formats]`` replace the automatic styles for a column (strftime patterns
  with ``%p`` for AM/PM and 上午/下午, or rfc2822 / unix_s / unix_ms / excel_serial / iso);
  zoned values go to the mapping's company zone, ``source_timezone`` converts naive ones;
  its null markers (global and per column) read as NULL in optional columns.
* the latest row of a key decides: when it is rejected, the key's earlier rows are too.
* severity, responsibility type, booleans, satisfaction: an unknown word is a reject (the
  deadline and scoring rules depend on them). channel, status, compensation type,
  measure, appeal status: an unknown word is stored as given and reported as a warning.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from queries.config import schema, vocab
from queries.importer.headers import NAMED_FORMATS, ColumnPlan, Mapping, fold

NULL_WORDS = ("NA", "N/A", "NULL", "#N/A")
KEYS: dict[str, tuple[str, ...]] = {
    "complaints": ("complaint_id",),
    "penalties": ("penalty_id",),
    "departments": ("department_id",),
    "volumes": ("department", "month"),
}
TABLES = {
    "complaints": "complaints",
    "penalties": "penalties",
    "departments": "departments",
    "volumes": "business_volumes",
}
# column -> (vocabulary kind, unknown word is a reject)
CODED = schema.CODED_COLUMNS
CLOSED_WITHOUT_RESOLUTION = (
    "status says closed but there is no resolution time (data-quality warning;"
    " never counted overdue)"
)
RANGES = {"escalation_level": (1, 3), "volume": (0, None)}

# Fast path: fold the common styles (ISO, slash, Chinese 年月日时分秒, full-width digits)
# onto "Y-M-D H:M:S" with one translate() and try a few formats; values that fail go through
# the full list below (dots, ambiguous order, zones, serials) and the reasons.
_FOLD_FROM = "年月/T日时点分０１２３４５６７８９：／－　秒"
_FOLD_TO = "---  :::" + "0123456789" + ":-- "
FAST_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H",
)
_YMD = []
for _sep in ("-", "/", "."):
    _d = f"%Y{_sep}%m{_sep}%d"
    _YMD += [
        f"{_d} %H:%M:%S",
        f"{_d} %H:%M:%S.%f",
        f"{_d} %H:%M",
        f"{_d}T%H:%M:%S",
        f"{_d}T%H:%M:%S.%f",
        f"{_d}T%H:%M",
        f"{_d} %I:%M:%S %p",
        f"{_d} %I:%M %p",
        _d,
    ]
TS_FORMATS = tuple(_YMD)
MONTH_FORMATS = ("%Y-%m", "%Y/%m", "%Y.%m", "%Y年%m月")


def _order_formats(first: str, second: str) -> tuple[str, ...]:
    out = []
    for sep in ("/", "-", "."):
        d = f"{first}{sep}{second}{sep}%Y"
        out += [f"{d} %H:%M:%S", f"{d} %H:%M", f"{d} %I:%M:%S %p", f"{d} %I:%M %p", d]
    return tuple(out)


DAYFIRST_FORMATS = _order_formats("%d", "%m")
MONTHFIRST_FORMATS = _order_formats("%m", "%d")
TZ_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M%z",
)
_AMBIG_RE = r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}(\D|$)"
_TZ_RE = r"\d:\d{2}(:\d{2}(\.\d+)?)?\s*([zZ]|[+\-]\d{2}(:?\d{2})?|UTC|GMT)$"
_SERIAL_RE = r"^\d{2,6}(\.\d+)?$"
# Named formats (mapping ``[formats]``): RFC 2822 and the Twitter-style variant with the zone
# before the year; a trailing GMT/UTC/UT/Z is read as +0000.
RFC2822_FORMATS = (
    "%a, %d %b %Y %H:%M:%S %z",
    "%a, %d %b %Y %H:%M %z",
    "%d %b %Y %H:%M:%S %z",
    "%a %b %d %H:%M:%S %z %Y",
)
# 上午/下午 before the time (2024/3/5 下午3:04) → the time then AM/PM (auto-detected styles)
_ZH_AMPM = (("上午", "AM"), ("下午", "PM"))


def _lit(text: str) -> str:
    """A SQL string literal of a constant of this module (never user text)."""
    return "'" + text.replace("'", "''") + "'"


def _list(formats: tuple[str, ...]) -> str:
    return "[" + ", ".join(_lit(f) for f in formats) + "]"


@dataclass
class Options:
    """Parsing options from the command line or the mapping."""

    date_order: str | None = None
    timezone: str | None = None
    excel_serial_dates: bool = False


@dataclass
class Parsed:
    """The outcome of value parsing for one file.

    Attributes:
        rows: accepted rows, last row per key only, typed canonical columns + ``line``.
        rejects: ``(line, canonical column, raw value, reason)`` per problem.
        warnings: ``(line, canonical column, raw value, message)`` for kept unknown words.
        rejected_rows: distinct source rows rejected here.
        superseded: accepted rows replaced by a later row of the same key.
        latest_rejected_ids: ids whose latest row was rejected (their earlier rows are
            rejected with "latest row rejected", never used instead).
    """

    rows: pa.Table
    rejects: list[tuple[int, str, str, str]]
    warnings: list[tuple[int, str, str, str]]
    rejected_rows: int
    superseded: int
    latest_rejected_ids: int = 0


def _classify(kind: str, col: schema.Column) -> str:
    if col.name in CODED[kind] or col.sql_type == "BOOLEAN":
        return "vocab"
    if col.name == "month":
        return "month"
    if col.sql_type in ("TIMESTAMP", "DATE"):
        return "ts"
    if col.sql_type.startswith("DECIMAL"):
        return "dec"
    if col.sql_type in ("SMALLINT", "BIGINT", "INTEGER"):
        return "int"
    return "text"


def _fast_ts(v: str) -> str:
    """SQL: the common timestamp styles parsed in one cheap step (NULL otherwise)."""
    folded = f"rtrim(translate({v}, {_lit(_FOLD_FROM)}, {_lit(_FOLD_TO)}), ': ')"
    # ISO first without folding (coalesce evaluates the rest only where it is NULL)
    iso = f"try_strptime({v}, {_list(FAST_FORMATS[:3])})"
    return f"coalesce({iso}, try_strptime({folded}, {_list(FAST_FORMATS)}))"


def _slow_ts(v: str, opts: Options, month: bool) -> tuple[str, str]:
    """SQL for values the fast step missed: the parsed value and the failure reason.
    In the reason, ``__P`` stands for the final parsed value."""
    formats = (*MONTH_FORMATS, *TS_FORMATS) if month else TS_FORMATS
    for zh, en in _ZH_AMPM:
        v = f"regexp_replace({v}, '\\s*{zh}\\s*(\\d{{1,2}}:\\d{{2}}(:\\d{{2}})?)', ' \\1 {en}')"
    declared = {"dayfirst": DAYFIRST_FORMATS, "monthfirst": MONTHFIRST_FORMATS}.get(
        opts.date_order or ""
    )
    tz_part = "null"
    if opts.timezone:
        zclean = f"regexp_replace({v}, '\\s*([zZ]|UTC|GMT)$', '+00:00')"
        zclean = f"regexp_replace({zclean}, '\\s+([+\\-]\\d{{2}}:?\\d{{2}})$', '\\1')"
        tz_part = f"timezone($tz, try_strptime({zclean}, {_list(TZ_FORMATS)}))"
    ambig_part = f"try_strptime({v}, {_list(declared)})" if declared else "null"
    serial_part = "null"
    if opts.excel_serial_dates:
        serial_part = (
            f"case when try_cast({v} as double) >= 61 then timestamp '1899-12-30'"
            f" + to_microseconds(cast(round(try_cast({v} as double) * 86400) as bigint)"
            f" * 1000000) end"
        )
    is_tz = f"regexp_matches({v}, {_lit(_TZ_RE)})"
    is_ambig = f"regexp_matches({v}, {_lit(_AMBIG_RE)})"
    is_serial = f"regexp_matches({v}, {_lit(_SERIAL_RE)})"
    parsed = (
        f"case when {is_tz} then {tz_part} when {is_ambig} then {ambig_part}"
        f" when {is_serial} then {serial_part} else try_strptime({v}, {_list(formats)}) end"
    )
    ambig_reason = (
        "not a valid date in the declared day/month order"
        if declared
        else "ambiguous day/month order: declare --dayfirst or --monthfirst"
        " (or date_order in the mapping)"
    )
    reason = (
        f"case when {v} is null then null"
        f" when __P is null and {is_tz} then "
        + _lit(
            "time-zone suffix not accepted: timestamps are naive local time"
            " (set timezone in the mapping to convert)"
        )
        + f" when __P is null and {is_ambig} then {_lit(ambig_reason)}"
        + f" when __P is null and {is_serial} then "
        + _lit("a number, not a date (Excel serials only with excel_serial_dates in the mapping)")
        + " when __P is null then 'not a recognised date/time'"
        + " when year(__P) not between 1900 and 2200 then 'date out of range'"
        + " end"
    )
    return parsed, reason


def _declared_ts(
    v: str, col: str, formats: list[str], params: dict[str, object]
) -> tuple[str, str, bool]:
    """SQL for a column with declared formats (mapping ``[formats]``): the parsed value, the
    failure reason (``__P`` = the parsed value) and whether the value was zoned (converted
    to ``$ctz``, the company zone). Patterns are bound as parameters."""
    named = formats[0] if formats[0] in NAMED_FORMATS else None
    zoned = False
    if named == "iso":
        parsed, desc = _fast_ts(v), "ISO (2025-10-03 09:05:07)"
    elif named == "rfc2822":
        vv = f"regexp_replace({v}, '\\s*(GMT|UTC|UT|Z)$', ' +0000')"
        parsed = f"timezone($ctz, try_strptime({vv}, {_list(RFC2822_FORMATS)}))"
        desc, zoned = "RFC 2822 (Tue, 31 Oct 2017 22:10:47 +0000)", True
    elif named in ("unix_s", "unix_ms"):
        scale = 1000.0 if named == "unix_ms" else 1.0
        num = f"try_cast({v} as double)"
        parsed = (
            f"case when {num} between -1e11 * {scale} and 1e11 * {scale}"
            f" then timezone($ctz, to_timestamp({num} / {scale})) end"
        )
        desc = "Unix time in " + ("milliseconds" if scale > 1 else "seconds")
        zoned = True
    elif named == "excel_serial":
        num = f"try_cast({v} as double)"
        parsed = (
            f"case when {num} >= 1 then timestamp '1899-12-30'"
            f" + to_microseconds(cast(round({num} * 86400) as bigint) * 1000000) end"
        )
        desc = "Excel serial day number"
    else:
        params[f"fmt_{col}"] = list(formats)
        vv = v
        if any("%p" in f for f in formats):
            vv = f"replace(replace({v}, '上午', 'AM'), '下午', 'PM')"
        parsed = f"try_strptime({vv}, $fmt_{col})"
        zoned = any("%z" in f for f in formats)
        if zoned:  # Z / UTC / GMT read as +00:00 (DuckDB's %z wants digits)
            vv = f"regexp_replace({vv}, '(\\s*)(Z|UTC|GMT)$', '\\1+00:00')"
            parsed = f"timezone($ctz, try_strptime({vv}, $fmt_{col}))"
        desc = " or ".join(formats)
    params[f"fd_{col}"] = f"expected {desc}"
    reason = (
        f"case when {v} is null then null"
        f" when __P is null then 'not a date/time in the declared format: ' || $fd_{col}"
        " when year(__P) not between 1900 and 2200 then 'date out of range' end"
    )
    return parsed, reason, zoned


def vocab_table(kind: str, column: str, values: list[str], mapping: Mapping | None) -> pa.Table:
    """``raw -> code`` for the distinct raw words of a coded column (None: not understood).
    A mapping's ``[values.<column>]`` entries are applied first; their targets may be codes
    or vocabulary words."""
    words = vocab.lookup(kind)
    overrides = {fold(k): v for k, v in (mapping.values.get(column, {}) if mapping else {}).items()}
    codes = []
    for raw in values:
        target = overrides.get(fold(raw), raw)
        codes.append(words.get(vocab.normalize_word(target)))
    return pa.table({"raw": pa.array(values, pa.string()), "code": pa.array(codes, pa.string())})


def parse(
    raw: pa.Table,
    plan: ColumnPlan,
    opts: Options,
    mapping: Mapping | None = None,
) -> Parsed:
    """Parse the text columns of ``raw`` (``line``, ``c0``...) into typed canonical columns.

    Args:
        raw: the reader's table.
        plan: which source column feeds which canonical column.
        opts: date order, time zone, Excel serials.
        mapping: for value maps.
    """
    kind = plan.kind
    cols = [c for c in schema.TEMPLATES[kind] if c.name in plan.targets or c.name in plan.constants]
    con = duckdb.connect(":memory:")
    try:
        # stage t (vectorised in Arrow): x_ the raw text (constants repeated), v_ trimmed,
        # empty → NULL, and in optional columns the NULL spellings → NULL
        n_rows = raw.num_rows
        t_cols: dict[str, pa.Array | pa.ChunkedArray] = {"line": raw.column("line")}
        src_cols = {"line": raw.column("line")}
        params: dict[str, object] = {}
        for c in cols:
            markers = [*NULL_WORDS, *(mapping.null_words(c.name) if mapping else [])]
            params[f"nw_{c.name}"] = [m.strip().upper() for m in markers]
            null_words = pa.array(params[f"nw_{c.name}"], pa.string())
            if c.name in plan.targets:
                x = raw.column(f"c{plan.targets[c.name]}")
                src_cols[f"x_{c.name}"] = x
            else:
                x = pa.array([plan.constants[c.name]] * n_rows, pa.string())
                params[f"k_{c.name}"] = plan.constants[c.name]
            v = pc.utf8_trim_whitespace(x)
            drop = pc.equal(pc.utf8_length(v), 0)
            if not c.required:
                drop = pc.or_(drop, pc.is_in(pc.utf8_upper(v), value_set=null_words))
            t_cols[f"x_{c.name}"] = x
            t_cols[f"v_{c.name}"] = pc.if_else(drop, pa.scalar(None, pa.string()), v)
        con.register("src", pa.table(src_cols))
        con.register("t", pa.table(t_cols))
        if opts.timezone:
            params["tz"] = opts.timezone
        if mapping is not None:
            params["ctz"] = mapping.company_zone()
        # stage n1: typed values (vocabulary joins, fast timestamps, then the slow path)
        typed, reasons, warns, joins = ["t.line"], [], [], []
        shift: list[str] = []
        for c in cols:
            v = f"t.v_{c.name}"
            cls = _classify(kind, c)
            reason = "null"
            if c.required:
                reason = (
                    f"case when {v} is null then 'missing required value'"
                    f" when list_contains($nw_{c.name}, upper({v}))"
                    f" then 'missing value (' || {v} || ')' end"
                )
            warn = "null"
            if cls == "text":
                typed.append(f"{v} as {c.name}")
            elif cls in ("ts", "month"):
                declared = mapping.formats.get(c.name) if mapping else None
                if declared:
                    parsed, why, zoned = _declared_ts(v, c.name, declared, params)
                    is_zoned = "true" if zoned else "false"
                else:
                    slow, why = _slow_ts(v, opts, month=cls == "month")
                    fast = _fast_ts(v) if cls == "ts" else "null"
                    parsed = f"coalesce({fast}, case when {v} is not null then {slow} end)"
                    is_zoned = f"coalesce(regexp_matches({v}, {_lit(_TZ_RE)}), false)"
                if mapping is not None and mapping.source_timezone and c.sql_type == "TIMESTAMP":
                    shift.append(c.name)  # naive values: converted below through zoneinfo
                    typed.append(f"{is_zoned} as z_{c.name}")
                if cls == "month":
                    conv = f"cast(date_trunc('month', {parsed}) as date)"
                elif c.sql_type == "DATE":
                    conv = f"cast({parsed} as date)"
                else:
                    conv = f"cast({parsed} as timestamp)"
                typed.append(f"{conv} as {c.name}")
                reason = _coalesce(
                    reason, why.replace("__P", f"n1.{c.name}").replace("t.v_", "n1.v_")
                )
            elif cls == "dec":
                num = f"regexp_replace({v}, '[,，¥￥元\\s]|RMB|CNY', '', 'g')"
                typed.append(f"try_cast({num} as {c.sql_type}) as {c.name}")
                reason = _coalesce(
                    reason,
                    f"case when n1.v_{c.name} is not null and n1.{c.name} is null"
                    " then 'not a number' end",
                )
            elif cls == "int":
                typed.append(f"try_cast(replace({v}, ',', '') as {c.sql_type}) as {c.name}")
                lo, hi = RANGES.get(c.name, (None, None))
                out = f"n1.{c.name}"
                bad = (
                    " or ".join(
                        ([f"{out} < {int(lo)}"] if lo is not None else [])
                        + ([f"{out} > {int(hi)}"] if hi is not None else [])
                    )
                    or "false"
                )
                rng = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
                reason = _coalesce(
                    reason,
                    f"case when n1.v_{c.name} is not null and {out} is null"
                    f" then 'not a whole number' when {bad}"
                    f" then {_lit(f'out of range (must be {rng})')} end",
                )
            else:  # vocabulary
                vkind, strict = CODED[kind].get(c.name, ("boolean", True))
                if c.name in plan.targets:
                    distinct = [
                        r[0]
                        for r in con.execute(
                            f"select distinct x_{c.name} from src where x_{c.name} is not null"
                        ).fetchall()
                    ]
                else:
                    distinct = [plan.constants[c.name]]
                con.register(f"m_{c.name}", vocab_table(vkind, c.name, distinct, mapping))
                joins.append(f"left join m_{c.name} on m_{c.name}.raw = t.x_{c.name}")
                code = f"m_{c.name}.code"
                typed.append(f"{code} as code_{c.name}")
                if c.sql_type in ("BOOLEAN", "SMALLINT", "BIGINT"):
                    typed.append(f"cast({code} as {c.sql_type}) as {c.name}")
                elif strict:
                    typed.append(f"{code} as {c.name}")
                else:
                    typed.append(f"coalesce({code}, {v}) as {c.name}")
                miss = f"n1.v_{c.name} is not null and n1.code_{c.name} is null"
                if strict:
                    reason = _coalesce(
                        reason, f"case when {miss} then {_lit(f'unknown {vkind} word')} end"
                    )
                else:
                    unknown = _lit(f"unknown {vkind} word, stored as given")
                    warn = f"case when {miss} then {unknown} end"
            if cls != "text" or c.required:  # the reasons read the text
                typed.append(f"{v} as v_{c.name}")
            reasons.append(reason.replace("t.v_", "n1.v_"))
            warns.append(warn)
        body = ["n1.*"]
        body += [f"{r} as r_{c.name}" for r, c in zip(reasons, cols, strict=True)]
        body += [f"{w} as w_{c.name}" for w, c in zip(warns, cols, strict=True)]
        ok = " and ".join([f"r_{c.name} is null" for c in cols] or ["true"])
        keep = ["line", *(c.name for c in cols)]
        keep += [f"{p}_{c.name}" for c in cols for p in ("r", "w")]
        # Two statements: typed values, then reasons, each stored once (in one
        # statement DuckDB inlines expressions into every reference and repeats the work).
        con.execute(
            f"create temp table n1 as select {', '.join(typed)} from t {' '.join(joins)}",
            _bind(f"{typed}", params),
        )
        if mapping is not None and mapping.source_timezone:
            for name in shift:
                _to_company_zone(con, name, mapping.source_timezone, mapping.company_zone())
        con.execute(
            f"create temp table n as with n0 as (select {', '.join(body)} from n1)"
            f" select {', '.join(keep)}, {ok} as ok from n0",
            _bind(f"{body}", params),
        )
        con.execute("drop table n1")
        any_problem = " or ".join(f"{p}_{c.name} is not null" for c in cols for p in ("r", "w"))
        con.execute(
            "create temp table bad as select n.*, "
            + ", ".join(f"{_raw(c.name, plan)} as raw_{c.name}" for c in cols)
            + f" from n join src using (line) where {any_problem or 'false'}",
            _bind(" ".join(_raw(c.name, plan) for c in cols), params),
        )
        problems = " union all ".join(
            f"select line, {_lit(c.name)} as col, raw_{c.name} as raw,"
            f" {p}_{c.name} as why, {_lit(p)} as level from bad where {p}_{c.name} is not null"
            for c in cols
            for p in ("r", "w")
        )
        found = con.execute(f"{problems} order by 1, 2").fetchall() if cols else []
        rejects = [(ln, col, raw or "", why) for ln, col, raw, why, lv in found if lv == "r"]
        warnings = [(ln, col, raw or "", why) for ln, col, raw, why, lv in found if lv == "w"]
        keys = ", ".join(KEYS[kind])
        names = ", ".join(["line", *(c.name for c in cols)])
        # the latest row of an id decides: when it is rejected, the id's earlier accepted rows
        # are rejected too (never fall back to an older row of an event log)
        has_key = " and ".join(f"{k} is not null" for k in KEYS[kind])
        if all(k in {c.name for c in cols} for k in KEYS[kind]):
            late = con.execute(
                f"with last as (select {keys}, max(line) as last_line from n where {has_key}"
                f" group by {keys}), bad as (select l.* from last as l join n"
                f" on n.line = l.last_line and not n.ok)"
                f" select n.line, cast(n.{KEYS[kind][0]} as varchar), bad.last_line"
                f" from n join bad using ({keys}) where n.ok order by n.line"
            ).fetchall()
        else:
            late = []
        latest_rejected_ids = len({last for _ln, _k, last in late})
        if late:
            con.execute(
                "update n set ok = false where list_contains($lines, line)",
                {"lines": [ln for ln, _k, _last in late]},
            )
            rejects += [
                (ln, KEYS[kind][0], key, f"latest row rejected (line {last} of this id)")
                for ln, key, last in late
            ]
            rejects.sort(key=lambda r: (r[0], r[1]))
        if kind == "complaints" and {"status", "resolved_at"} <= set(plan.targets):
            warnings += [
                (ln, "status", raw or "", CLOSED_WITHOUT_RESOLUTION)
                for ln, raw in con.execute(
                    "select n.line, src.x_status from n join src using (line) where n.ok"
                    " and n.status in ('resolved', 'closed') and n.resolved_at is null"
                ).fetchall()
            ]
            warnings.sort(key=lambda r: (r[0], r[1]))
        rejected_rows, accepted, distinct_keys = con.execute(
            f"select count(*) filter (where not ok), count(*) filter (where ok),"
            f" count(distinct ({keys})) filter (where ok) from n"
        ).fetchall()[0]
        superseded = accepted - distinct_keys
        if superseded:  # the last row of a key wins
            rows = con.sql(
                f"select {names} from n where ok and line in"
                f" (select max(line) from n where ok group by {keys})"
            ).to_arrow_table()
        else:
            rows = con.sql(f"select {names} from n where ok").to_arrow_table()
    finally:
        con.close()
    return Parsed(rows, rejects, warnings, int(rejected_rows), int(superseded), latest_rejected_ids)


def _to_company_zone(
    con: duckdb.DuckDBPyConnection, name: str, source_zone: str, company_zone: str
) -> None:
    """Convert the naive values of one column of ``n1`` from the mapping's source zone to
    the company zone through ``zoneinfo`` (DST-correct; a wall time repeated at the autumn
    change is read as its first occurrence, fold 0)."""
    src = zoneinfo.ZoneInfo(source_zone)
    dst = zoneinfo.ZoneInfo(company_zone)
    naive = [
        r[0]
        for r in con.execute(
            f"select distinct {name} from n1 where {name} is not null and not z_{name}"
        ).fetchall()
    ]
    if not naive:
        return
    shifted = [t.replace(tzinfo=src).astimezone(dst).replace(tzinfo=None) for t in naive]
    con.register(
        "zone_map",
        pa.table(
            {
                "naive": pa.array(naive, pa.timestamp("us")),
                "local": pa.array(shifted, pa.timestamp("us")),
            }
        ),
    )
    try:
        con.execute(
            f"update n1 set {name} = zone_map.local from zone_map"
            f" where n1.{name} = zone_map.naive and not n1.z_{name}"
        )
    finally:
        con.unregister("zone_map")


def _bind(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The parameters a statement uses (DuckDB refuses unused ones)."""
    used = set(re.findall(r"\$(\w+)", sql))
    return {k: v for k, v in params.items() if k in used}


def _raw(name: str, plan: ColumnPlan) -> str:
    return f"x_{name}" if name in plan.targets else f"$k_{name}"


def _coalesce(a: str, b: str) -> str:
    if a == "null":
        return b
    return f"coalesce({a}, {b})"
