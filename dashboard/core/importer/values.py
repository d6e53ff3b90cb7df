"""Value parsing in one DuckDB pass: timestamps, numbers, booleans and coded words.

Every canonical column gets a typed value and, when the text cannot be understood, a
reason. Rules (README, section import):

* required text columns (ids, department, person): empty or ``NA``/``N/A``/``NULL`` is a
  reject; other text columns store those spellings as NULL; text is trimmed, never retyped.
* timestamps: ISO, slash, dot and Chinese styles, with or without seconds, date-only →
  00:00. ``03/04/2025``-style dates need a declared order; zone suffixes need a mapping
  ``timezone`` (converted to naive local time), else they are rejected. Excel serial
  numbers only when the mapping says ``excel_serial_dates = true``.
* severity, responsibility type, booleans, satisfaction: an unknown word is a reject (the
  deadline and scoring rules depend on them). channel, status, compensation type,
  measure, appeal status: an unknown word is stored as given and reported as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from dashboard.core import schema, vocab
from dashboard.core.importer.headers import ColumnPlan, Mapping, fold

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
CODED: dict[str, dict[str, tuple[str, bool]]] = {
    "complaints": {
        "severity": ("severity", True),
        "channel": ("channel", False),
        "status": ("status", False),
        "compensation_type": ("compensation_type", False),
        "satisfaction": ("satisfaction", True),
    },
    "penalties": {
        "responsibility_type": ("responsibility_type", True),
        "measure": ("measure", False),
        "appeal_status": ("appeal_status", False),
    },
    "departments": {},
    "volumes": {},
}
RANGES = {"escalation_level": (1, 3), "volume": (0, None)}

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
        _d,
    ]
_CN = []
for _sp in (" ", ""):
    _CN += [
        f"%Y年%m月%d日{_sp}%H:%M:%S",
        f"%Y年%m月%d日{_sp}%H:%M",
        f"%Y年%m月%d日{_sp}%H时%M分%S秒",
        f"%Y年%m月%d日{_sp}%H时%M分",
        f"%Y年%m月%d日{_sp}%H时",
    ]
TS_FORMATS = (*_YMD, *_CN, "%Y年%m月%d日")
MONTH_FORMATS = ("%Y-%m", "%Y/%m", "%Y.%m", "%Y年%m月")


def _order_formats(first: str, second: str) -> tuple[str, ...]:
    out = []
    for sep in ("/", "-", "."):
        d = f"{first}{sep}{second}{sep}%Y"
        out += [f"{d} %H:%M:%S", f"{d} %H:%M", d]
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
_FULLWIDTH = ("０１２３４５６７８９：／－．　", "0123456789:/-. ")
_WS = " \t\r\n\u3000\u00a0"


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
    """

    rows: pa.Table
    rejects: list[tuple[int, str, str, str]]
    warnings: list[tuple[int, str, str, str]]
    rejected_rows: int
    superseded: int


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


def _ts_expr(v: str, opts: Options, month: bool = False) -> tuple[str, str]:
    """SQL for the parsed timestamp of text ``v`` and for the reason when it fails."""
    clean = f"translate({v}, {_lit(_FULLWIDTH[0])}, {_lit(_FULLWIDTH[1])})"
    formats = (*MONTH_FORMATS, *TS_FORMATS) if month else TS_FORMATS
    declared = {"dayfirst": DAYFIRST_FORMATS, "monthfirst": MONTHFIRST_FORMATS}.get(
        opts.date_order or ""
    )
    tz_part = "null"
    if opts.timezone:
        zclean = f"regexp_replace({clean}, '\\s*([zZ]|UTC|GMT)$', '+00:00')"
        tz_part = f"timezone($tz, try_strptime({zclean}, {_list(TZ_FORMATS)}))"
    ambig_part = f"try_strptime({clean}, {_list(declared)})" if declared else "null"
    serial_part = "null"
    if opts.excel_serial_dates:
        serial_part = (
            f"case when try_cast({clean} as double) >= 61 then timestamp '1899-12-30'"
            f" + to_microseconds(cast(round(try_cast({clean} as double) * 86400) as bigint)"
            f" * 1000000) end"
        )
    parsed = (
        f"case when {v} is null then null"
        f" when regexp_matches({clean}, {_lit(_TZ_RE)}) then {tz_part}"
        f" when regexp_matches({clean}, {_lit(_AMBIG_RE)}) then {ambig_part}"
        f" when regexp_matches({clean}, {_lit(_SERIAL_RE)}) then {serial_part}"
        f" else try_strptime({clean}, {_list(formats)}) end"
    )
    reason = (
        f"case when {v} is null then null"
        f" when regexp_matches({clean}, {_lit(_TZ_RE)}) and {tz_part} is null then "
        + _lit(
            "time-zone suffix not accepted: timestamps are naive local time "
            "(set timezone in the mapping to convert)"
        )
        + f" when regexp_matches({clean}, {_lit(_AMBIG_RE)}) and {ambig_part} is null then "
        + (
            _lit("not a valid date in the declared day/month order")
            if declared
            else _lit(
                "ambiguous day/month order: declare --dayfirst or --monthfirst "
                "(or date_order in the mapping)"
            )
        )
        + f" when regexp_matches({clean}, {_lit(_SERIAL_RE)}) and {serial_part} is null then "
        + _lit(
            "a number, not a date (Excel serial dates only with excel_serial_dates in the mapping)"
        )
        + " when __P is null then 'not a recognised date/time'"
        + " when year(__P) not between 1900 and 2200 then 'date out of range'"
        + " end"
    )
    return parsed, reason


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
        src_cols = {"line": raw.column("line")}
        for c in cols:
            if c.name in plan.targets:
                src_cols[f"x_{c.name}"] = raw.column(f"c{plan.targets[c.name]}")
        con.register("src", pa.table(src_cols))
        params: dict[str, object] = {}
        if opts.timezone:
            params["tz"] = opts.timezone
        select = ["line"]
        for c in cols:
            if c.name in plan.targets:
                x = f"x_{c.name}"
            else:
                x = f"$k_{c.name}"
                params[f"k_{c.name}"] = plan.constants[c.name]
            select.append(f"nullif(trim({x}, {_lit(_WS)}), '') as v_{c.name}")
        con.execute(f"create temp table t as select {', '.join(select)} from src", params)
        typed, reasons, warns, joins = ["t.line"], [], [], []
        for c in cols:
            v = f"t.v_{c.name}"
            cls = _classify(kind, c)
            nullword = f"upper({v}) in ({', '.join(_lit(w) for w in NULL_WORDS)})"
            if c.required:
                reasons.append(
                    f"case when {v} is null then 'missing required value'"
                    f" when {nullword} then 'missing value (' || {v} || ')' end"
                )
                vv = v
            else:
                vv = f"(case when {nullword} then null else {v} end)"
                reasons.append("null")
            if cls == "text":
                typed.append(f"{vv} as {c.name}")
            elif cls in ("ts", "month"):
                parsed, reason = _ts_expr(vv, opts, month=cls == "month")
                if c.sql_type == "DATE":
                    conv = f"cast(date_trunc('month', {parsed}) as date)" if cls == "month" else (
                        f"cast({parsed} as date)"
                    )
                else:
                    conv = f"cast({parsed} as timestamp)"
                typed.append(f"{conv} as {c.name}")
                reasons[-1] = _coalesce(reasons[-1], reason.replace("__P", f"({parsed})"))
            elif cls == "dec":
                num = f"regexp_replace({vv}, '[,，¥￥元\\s]|RMB|CNY', '', 'g')"
                typed.append(f"try_cast({num} as {c.sql_type}) as {c.name}")
                reasons[-1] = _coalesce(
                    reasons[-1],
                    f"case when {vv} is not null and try_cast({num} as {c.sql_type}) is null"
                    " then 'not a number' end",
                )
            elif cls == "int":
                num = f"try_cast(replace({vv}, ',', '') as {c.sql_type})"
                lo, hi = RANGES.get(c.name, (None, None))
                cond = []
                if lo is not None:
                    cond.append(f"{num} < {int(lo)}")
                if hi is not None:
                    cond.append(f"{num} > {int(hi)}")
                bad = " or ".join(cond) or "false"
                rng = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
                typed.append(f"{num} as {c.name}")
                reasons[-1] = _coalesce(
                    reasons[-1],
                    f"case when {vv} is not null and {num} is null then 'not a whole number'"
                    f" when {bad} then {_lit(f'out of range (must be {rng})')} end",
                )
            else:  # vocab
                vkind, strict = CODED[kind].get(c.name, ("boolean", True))
                distinct = [
                    r[0]
                    for r in con.execute(
                        f"select distinct {vv} from t where {vv} is not null"
                    ).fetchall()
                ]
                con.register(f"m_{c.name}", vocab_table(vkind, c.name, distinct, mapping))
                joins.append(f"left join m_{c.name} on m_{c.name}.raw = {vv}")
                code = f"m_{c.name}.code"
                if c.sql_type == "BOOLEAN":
                    typed.append(f"cast({code} as boolean) as {c.name}")
                elif c.sql_type in ("SMALLINT", "BIGINT"):
                    typed.append(f"cast({code} as {c.sql_type}) as {c.name}")
                elif strict:
                    typed.append(f"{code} as {c.name}")
                else:
                    typed.append(f"coalesce({code}, {vv}) as {c.name}")
                miss = f"{vv} is not null and {code} is null"
                if strict:
                    reasons[-1] = _coalesce(
                        reasons[-1], f"case when {miss} then {_lit(f'unknown {vkind} word')} end"
                    )
                    warns.append("null")
                else:
                    warns.append(
                        f"case when {miss} then {_lit(f'unknown {vkind} word, stored as given')}"
                        " end"
                    )
                continue
            warns.append("null")
        body = [*typed]
        body += [f"{r} as r_{c.name}" for r, c in zip(reasons, cols, strict=True)]
        body += [f"{w} as w_{c.name}" for w, c in zip(warns, cols, strict=True)]
        con.execute(
            f"create temp table n as select {', '.join(body)}, "
            + " and ".join([f"r_{c.name} is null" for c in cols] or ["true"])
            + f" as ok from t {' '.join(joins)}",
            params,
        )
        problems = " union all ".join(
            f"select n.line, {_lit(c.name)} as col, t.v_{c.name} as raw, n.{p}_{c.name} as why,"
            f" {_lit(p)} as level from n join t using (line) where n.{p}_{c.name} is not null"
            for c in cols
            for p in ("r", "w")
        )
        found = con.execute(f"{problems} order by 1, 2").fetchall() if cols else []
        rejects = [(ln, col, raw or "", why) for ln, col, raw, why, lv in found if lv == "r"]
        warnings = [(ln, col, raw or "", why) for ln, col, raw, why, lv in found if lv == "w"]
        keys = ", ".join(KEYS[kind])
        names = ", ".join(["line", *(c.name for c in cols)])
        rejected_rows = con.execute("select count(*) from n where not ok").fetchall()[0][0]
        con.execute(
            f"create temp table w as select {names},"
            f" row_number() over (partition by {keys} order by line desc) as rn"
            " from n where ok"
        )
        superseded = con.execute("select count(*) from w where rn > 1").fetchall()[0][0]
        rows = con.sql(f"select {names} from w where rn = 1 order by line").to_arrow_table()
    finally:
        con.close()
    return Parsed(rows, rejects, warnings, int(rejected_rows), int(superseded))


def _coalesce(a: str, b: str) -> str:
    if a == "null":
        return b
    return f"coalesce({a}, {b})"
