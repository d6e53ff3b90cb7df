"""Propose a complete column mapping from a file's header and a sample of its rows.

``suggest(source)`` reads the header and the first ``SAMPLE_ROWS`` rows and decides, per
column, the canonical column it feeds with the evidence (template header, synonym, similar
header, value profile), the date/time format its sample proves (12-hour, 上午/下午,
RFC 2822, Unix, Excel serials, day/month order when a day above 12 shows it), the null
markers seen and unknown coded words. Required columns nobody supplies, unproven day/month
orders and unknown severity words become "YOU MUST CHOOSE" lines. ``to_toml()`` writes the
proposal as a mapping file that loads with ``load_mapping`` (README, section import).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from queries.config import schema, vocab
from queries.importer import headers as hdr
from queries.importer import readers
from queries.importer.errors import ImportRefused

SAMPLE_ROWS = 2000
# Text files: only this many leading bytes are read (cut at the last line break).
SAMPLE_BYTES = 4 << 20
# Values read as "no value" when seen in a column (compared trimmed, case-insensitive).
KNOWN_NULL_MARKERS = (
    "?",
    "-",
    "--",
    "—",
    "N/A",
    "NA",
    "#N/A",
    "NULL",
    "None",
    "nan",
    "Unspecified",
    "Unknown",
    "(blank)",
    "无",
    "暂无",
    "空",
    "/",
)
MUST = "YOU MUST CHOOSE"

# Date parts in the order they are tried; (pattern, day/month order it implies or None).
_DATE_PARTS: tuple[tuple[str, str | None], ...] = (
    ("%Y-%m-%d", None),
    ("%Y/%m/%d", None),
    ("%Y.%m.%d", None),
    ("%Y年%m月%d日", None),
    ("%m/%d/%Y", "monthfirst"),
    ("%d/%m/%Y", "dayfirst"),
    ("%m-%d-%Y", "monthfirst"),
    ("%d-%m-%Y", "dayfirst"),
    ("%d.%m.%Y", "dayfirst"),
    ("%m/%d/%y", "monthfirst"),
    ("%d/%m/%y", "dayfirst"),
    ("%d/%b/%y", None),
    ("%d/%b/%Y", None),
    ("%d-%b-%Y", None),
    ("%d-%b-%y", None),
    ("%b %d, %Y", None),
    ("%d %b %Y", None),
)
_TIME_PARTS = (
    " %H:%M:%S",
    " %H:%M",
    " %H:%M:%S.%f",
    "T%H:%M:%S",
    "T%H:%M",
    " %I:%M:%S %p",
    " %I:%M %p",
    " %p%I:%M:%S",
    " %p%I:%M",
    " %p %I:%M:%S",
    " %p %I:%M",
    "%H:%M:%S",  # 2025年10月3日09:05:07
    "",
)
_ZONED = (
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%dT%H:%M%z",
)
_RFC2822 = (
    "%a, %d %b %Y %H:%M:%S %z",
    "%a, %d %b %Y %H:%M %z",
    "%d %b %Y %H:%M:%S %z",
    "%a %b %d %H:%M:%S %z %Y",
)
# Styles the importer reads without a declared format (values.FAST_FORMATS/TS_FORMATS).
_AUTO = {
    f"{d}{t}"
    for d in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
    for t in (" %H:%M:%S", " %H:%M", " %H:%M:%S.%f", "T%H:%M:%S", "T%H:%M", "%H:%M:%S", "")
}
# Severity words a company usually maps, with the guess shown in the must-choose line.
_SEVERITY_GUESS = {
    "low": "general",
    "normal": "general",
    "medium": "general",
    "minor": "general",
    "moderate": "general",
    "high": "urgent",
    "critical": "major",
    "highest": "major",
    "blocker": "major",
    "severe": "major",
}
_ID_RE = re.compile(r"^[A-Za-z0-9_\-./#]{1,40}$")
_NUM_RE = re.compile(r"^-?\d+(\.\d+)?$")
_DATEISH_RE = re.compile(
    r"^.{0,12}(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(\D|$)"
    r"|\d{1,2}[-/ ][A-Za-z]{3}[-/ ,]+\d{2,4}|[A-Za-z]{3},? \d{1,2}|[A-Za-z]{3} [A-Za-z]{3} \d)"
)
_MAX_DATE_CHARS = 40


@dataclass
class ColumnProposal:
    """What the suggester decided for one source column.

    Attributes:
        position: 1-based column position.
        header: the header (the position as text in a headerless file).
        targets: canonical columns it feeds (empty: not used).
        evidence: why (template header, synonym, similar header, value profile ...).
        formats: declared date/time formats (empty: read automatically or not a date).
        date_order: the day/month order the sample proves, when the format implies one.
        nulls: null markers seen in the sample.
        unknown_words: coded values the vocabulary does not know (sample).
        examples: a few sample values.
    """

    position: int
    header: str
    targets: list[str] = field(default_factory=list)
    evidence: str = ""
    formats: list[str] = field(default_factory=list)
    date_order: str | None = None
    nulls: list[str] = field(default_factory=list)
    unknown_words: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


@dataclass
class Suggestion:
    """A proposed mapping with its evidence and what is left to decide.

    Attributes:
        file: the file name.
        kind: the template proposed.
        header: False when the first row is data (columns by position).
        sample_rows: rows looked at.
        columns: one proposal per source column.
        must_choose: lines the user has to decide (required columns nobody supplies,
            unproven day/month orders, unknown severity words).
        undecided: other things the sample could not settle (guesses to check).
    """

    file: str
    kind: str
    header: bool
    sample_rows: int
    columns: list[ColumnProposal]
    must_choose: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)
    _choices: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def mapping(self) -> hdr.Mapping:
        """The proposal as a ``Mapping`` (what ``to_toml`` writes, without the comments)."""
        cols: dict[str, list[str]] = {}
        formats: dict[str, list[str]] = {}
        nulls: dict[str, list[str]] = {}
        for c in self.columns:
            if not c.targets:
                continue
            cols[c.header] = list(c.targets)
            for t in c.targets:
                if c.formats and _is_dated(self.kind, t):
                    formats[t] = list(c.formats)
                if c.nulls:
                    nulls[t] = list(c.nulls)
        return hdr.Mapping(
            name=_stem(self.file),
            kind=self.kind,
            header=self.header,
            columns=cols,
            formats=formats,
            nulls=nulls,
            auto_match=False,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the proposal, its evidence and the mapping file text."""
        doc = asdict(self)
        doc.pop("_choices", None)
        doc["toml"] = self.to_toml()
        return doc

    def to_toml(self) -> str:
        """The proposal as an annotated mapping file (loads with ``load_mapping``)."""
        m = self.mapping()

        def s(v: str) -> str:
            return json.dumps(v, ensure_ascii=False)

        def arr(vs: list[str]) -> str:
            return "[" + ", ".join(s(v) for v in vs) + "]"

        out = [
            f"# Proposed by `complaints mapping suggest {self.file}` from the header and"
            f" {self.sample_rows} sample rows.",
            f"# Edit the lines marked {MUST}; the rest is decided from the evidence shown.",
            f"name = {s(m.name)}",
            f"kind = {s(self.kind)}",
        ]
        if not self.header:
            out.append("header = false  # the first row is data: columns by position")
        out += ["auto_match = false  # the columns below are the complete list", "", "[columns]"]
        for c in self.columns:
            ex = ", ".join(repr(e) for e in c.examples[:3])
            if c.targets:
                target = s(c.targets[0]) if len(c.targets) == 1 else arr(c.targets)
                out.append(f"{s(c.header)} = {target}  # {c.evidence}; e.g. {ex}")
            else:
                out.append(f"# {s(c.header)} not used ({c.evidence}); e.g. {ex}")
        for col, lines in self._choices.items():
            if col.startswith("required:"):
                out += lines
        constant_lines = [
            line for col, ls in self._choices.items() if col.startswith("constant:") for line in ls
        ]
        if constant_lines:
            out += ["", "[constants]", *constant_lines]
        if m.formats or any(k.startswith("format:") for k in self._choices):
            out += ["", "[formats]"]
            for c in self.columns:
                for t in c.targets:
                    if t in m.formats:
                        why = f"all {c.header!r} sample values parse"
                        if c.date_order:
                            why += f"; {c.date_order} proven by the sample"
                        out.append(f"{s(t)} = {arr(m.formats[t])}  # {why}")
            for col, lines in self._choices.items():
                if col.startswith("format:"):
                    out += lines
        if m.nulls:
            out += ["", "[nulls]  # markers seen in the sample, read as no value"]
            out += [f"{s(k)} = {arr(v)}" for k, v in m.nulls.items()]
        for col, lines in self._choices.items():
            if col.startswith("values:"):
                out += ["", f"[values.{col.split(':', 1)[1]}]", *lines]
        return "\n".join(out) + "\n"


def _stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-\u4e00-\u9fff]+", "_", Path(name).stem).strip("_") or "mapping"


def _is_dated(kind: str, col: str) -> bool:
    return any(
        c.name == col and (c.sql_type in ("TIMESTAMP", "DATE") or c.name == "month")
        for c in schema.TEMPLATES[kind]
    )


def _sample(name: str, data: bytes, sheet: str | None, encoding: str | None) -> readers.RawTable:
    """The first non-empty row as header plus up to ``SAMPLE_ROWS`` rows after it."""

    def first_row(row: list[str]) -> bool:
        return sum(1 for cell in row if cell.strip()) >= 1

    if readers.is_excel(name):
        return readers.read_excel(data, first_row, sheet=sheet, limit=SAMPLE_ROWS)
    if len(data) > SAMPLE_BYTES:
        cut = data.rfind(b"\n", 0, SAMPLE_BYTES)
        data = data[: cut + 1] if cut > 0 else data[:SAMPLE_BYTES]
    return readers.read_text(data, first_row, encoding=encoding, limit=SAMPLE_ROWS)


def _parse_one(value: str, fmt: str) -> dt.datetime | None:
    text = value
    if "%p" in fmt:
        text = text.replace("上午", "AM").replace("下午", "PM")
    if "%z" in fmt:
        text = re.sub(r"(\s*)(Z|UTC|GMT)$", r"\1+00:00", text)
    try:
        return dt.datetime.strptime(text, fmt)
    except ValueError:
        return None


def _candidate_formats() -> list[tuple[str, str | None]]:
    out = [(f"{d}{t}", order) for d, order in _DATE_PARTS for t in _TIME_PARTS]
    out += [(f, None) for f in _ZONED]
    return out


_CANDIDATES = _candidate_formats()


@dataclass
class DateFormat:
    """The date/time formats a sample proves.

    Attributes:
        formats: patterns (or one named format) reading every value; empty when the
            importer reads them without a declaration (ISO, Chinese) or nothing fits.
        date_order: the day/month order the formats imply (None: none or not proven).
        note: a short description (``ambiguous ...`` when the order is not proven).
        monthfirst / dayfirst: both readings when the order is ambiguous.
    """

    formats: list[str]
    date_order: str | None
    note: str
    monthfirst: list[str] = field(default_factory=list)
    dayfirst: list[str] = field(default_factory=list)


def detect_format(values: list[str]) -> DateFormat:
    """The date/time formats that read every value of a sample (see ``DateFormat``)."""
    f = _detect(values)
    return f if isinstance(f, DateFormat) else DateFormat(*f)


def _detect(values: list[str]) -> DateFormat | tuple[list[str], str | None, str]:
    vals = list(dict.fromkeys(v.strip() for v in values if v.strip()))[:500]
    if not vals:
        return [], None, "no values in the sample"
    if all(_NUM_RE.match(v) for v in vals):
        nums = [float(v) for v in vals]
        if all(v.isdigit() and len(v) in (9, 10) for v in vals) and min(nums) >= 1e8:
            return ["unix_s"], None, "Unix seconds"
        if all(v.isdigit() and len(v) in (12, 13) for v in vals) and min(nums) >= 1e11:
            return ["unix_ms"], None, "Unix milliseconds"
        if all(20000 <= n <= 80000 for n in nums):
            return ["excel_serial"], None, "Excel serial day numbers"
        return [], None, "numbers, not dates"
    if all(any(_parse_one(v, f) for f in _RFC2822) for v in vals):
        return ["rfc2822"], None, "RFC 2822 date-times"
    head = vals[:20]
    live = [(f, o) for f, o in _CANDIDATES if any(_parse_one(v, f) for v in head)]
    if not live:
        return [], None, "not dates"
    # per date part (family): which of its patterns read which values
    families: dict[tuple[str, str | None], list[tuple[str, int]]] = {}
    for f, order in live:
        part = "zoned" if "%z" in f else next(d for d, _ in _DATE_PARTS if f.startswith(d))
        hits = sum(1 for v in vals if _parse_one(v, f))
        if hits:
            families.setdefault((part, order), []).append((f, hits))
    complete = []
    for (part, order), pats in families.items():
        pats.sort(key=lambda p: -p[1])
        chosen: list[str] = []
        left = list(vals)
        for f, _hits in pats:
            rest = [v for v in left if not _parse_one(v, f)]
            if len(rest) < len(left):
                chosen.append(f)
                left = rest
            if not left:
                break
        if not left:
            complete.append((part, order, chosen))
    if not complete:
        return [], None, "dates in more than one style; declare formats by hand"
    by_order = {o: c for _p, o, c in reversed(complete)}
    part, order, chosen = complete[0]
    if {"dayfirst", "monthfirst"} <= set(by_order):
        return DateFormat(
            [],
            None,
            "ambiguous day/month order (no day above 12 in the sample)",
            by_order["monthfirst"],
            by_order["dayfirst"],
        )
    if all(f in _AUTO for f in chosen) and order is None:
        return [], None, "read automatically (" + " / ".join(chosen) + ")"
    return chosen, order, " or ".join(chosen)


def _profile_vocab(kind: str, vals: list[str]) -> str | None:
    """The coded column whose vocabulary knows at least 80% of the distinct values."""
    distinct = {vocab.normalize_word(v) for v in vals if v.strip()}
    if not distinct or len(distinct) > 30:
        return None
    best = None
    for col, (vkind, _strict) in schema.CODED_COLUMNS[kind].items():
        if vkind == "satisfaction":
            continue
        known = vocab.lookup(vkind)
        share = sum(1 for d in distinct if d in known) / len(distinct)
        if share >= 0.8 and (best is None or share > best[1]):
            best = (col, share)
    return best[0] if best else None


def _values_fit(kind: str, col: str, vals: list[str]) -> bool:
    """A header match on a column that keeps unknown words (status, channel ...) holds only
    when at least half of the distinct sample values are vocabulary words."""
    coded = schema.CODED_COLUMNS[kind].get(col)
    if not coded or coded[1]:
        return True
    known = vocab.lookup(coded[0])
    markers = {m.upper() for m in KNOWN_NULL_MARKERS}
    distinct = {
        vocab.normalize_word(v) for v in vals if v.strip() and v.strip().upper() not in markers
    }
    return not distinct or sum(1 for d in distinct if d in known) >= len(distinct) / 2


def _nulls_in(vals: list[str], kind: str, targets: list[str]) -> list[str]:
    """Known null markers present in a column (not those its vocabulary reads as a word)."""
    seen = {v.strip() for v in vals}
    words: set[str] = set()
    for t in targets:
        vkind = schema.CODED_COLUMNS[kind].get(t, (None, False))[0]
        if vkind is None and schema.is_coded(kind, t):
            vkind = "boolean"
        if vkind:
            words |= set(vocab.lookup(vkind))
    folded = {m.upper(): m for m in KNOWN_NULL_MARKERS}
    out = []
    for v in sorted(seen):
        if v.upper() in folded and vocab.normalize_word(v) not in words:
            out.append(v)
    return out


def _header_match(header: str, table: dict[str, tuple[str, int]]) -> tuple[str, str] | None:
    """(canonical column, evidence) from the template/synonym tables, else a similar or a
    contained synonym."""
    f = hdr.fold(header)
    if not f:
        return None
    if f in table:
        col, prio = table[f]
        return col, "template header" if prio == 0 else f"synonym {header!r}"
    close = difflib.get_close_matches(f, list(table), n=1, cutoff=0.88)
    if close:
        return table[close[0]][0], f"similar to synonym {close[0]!r}"
    inside = [k for k in table if len(k) >= 4 and k in f and len(k) >= 0.75 * len(f)]
    if inside:
        k = max(inside, key=len)
        return table[k][0], f"header contains {k!r}"
    return None


_DATE_HINTS = (
    (("target", "due", "deadline", "期限", "时限", "截止"), "extended_deadline"),
    (("respon", "首次", "响应", "初次"), "first_response_at"),
    (("resol", "solv", "完成", "办结", "解决", "答复", "回复"), "resolved_at"),
    (("clos", "结案", "关闭", "归档"), "closed_at"),
    (("sent", "ack", "签收", "派单", "转办", "确认"), "acknowledged_at"),
    (("survey", "回访"), "surveyed_at"),
    (("open", "creat", "receiv", "submit", "受理", "创建", "登记", "来电", "留言"), "received_at"),
)


_UNIT_WORDS = ("company", "group", "team", "unit", "dept", "office", "单位", "部门", "机构", "科室")


def _date_hint(header: str) -> str | None:
    """The date column a header's words point to (``TARGET_DT`` → extended_deadline)."""
    f = hdr.fold(header)
    for words, col in _DATE_HINTS:
        if any(w in f for w in words):
            return col
    return None


def _looks_like_data(row: list[str], kind: str) -> bool:
    """A first row made of values rather than names (dates, numbers, no known header)."""
    table = hdr.candidates(kind)
    if any(hdr.fold(c) in table for c in row):
        return False
    valued = sum(1 for c in row if _NUM_RE.match(c.strip()) or _DATEISH_RE.search(c))
    return valued >= 1


def _best_kind(headers: list[str]) -> str:
    scores = []
    for i, k in enumerate(schema.TEMPLATES):
        table = hdr.candidates(k)
        scores.append((-sum(1 for h in headers if hdr.fold(h) in table), i, k))
    return min(scores)[2]


def suggest(
    source: str | Path | bytes,
    filename: str | None = None,
    *,
    kind: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
) -> Suggestion:
    """Propose a mapping for a file (see the module docstring).

    Raises:
        ImportRefused: the file cannot be read at all (undecodable, empty, no such sheet).
    """
    if isinstance(source, bytes):
        name, data = filename or "upload.csv", source
    else:
        name = filename or str(source)
        try:  # a text file's sample is its first SAMPLE_BYTES; a workbook is read whole
            with Path(source).open("rb") as fh:
                data = fh.read() if readers.is_excel(name) else fh.read(SAMPLE_BYTES + 1)
        except OSError as exc:
            raise ImportRefused(f"cannot read {source}: {exc.strerror}") from None
    if kind is not None and kind not in schema.TEMPLATES:
        raise ImportRefused(f"unknown kind {kind!r}" + hdr.nearest(kind, list(schema.TEMPLATES)))
    raw = _sample(name, data, sheet, encoding)
    first = list(raw.headers)
    kind = kind or _best_kind(first)
    headerless = _looks_like_data(first, kind)
    columns = [list(raw.table.column(f"c{i}").to_pylist()) for i in range(len(first))]
    if headerless:
        columns = [[first[i], *col] for i, col in enumerate(columns)]
        names = [str(i + 1) for i in range(len(first))]
    else:
        names = first
    sugg = Suggestion(
        file=Path(name).name,
        kind=kind,
        header=not headerless,
        sample_rows=raw.table.num_rows + int(headerless),
        columns=[],
    )
    table = hdr.candidates(kind)
    taken: dict[str, int] = {}
    props = []
    for i, h in enumerate(names):
        vals = [v for v in columns[i] if v is not None]
        p = ColumnProposal(
            position=i + 1,
            header=h,
            examples=list(dict.fromkeys(v for v in vals if v.strip()))[:3],
        )
        hit = None if headerless else _header_match(h, table)
        if hit and not _values_fit(kind, hit[0], vals):
            p.evidence = f"header looks like {hit[0]} but the values are not {hit[0]} words"
            hit = None
        if hit and hit[0] not in taken:
            p.targets, p.evidence = [hit[0]], hit[1]
            taken[hit[0]] = i
        elif hit:
            p.evidence = f"also looks like {hit[0]}, already fed by column {taken[hit[0]] + 1}"
        props.append(p)
    # value profiles for the columns the headers did not place
    sample_vals = [[v for v in col if v is not None] for col in columns]
    markers_upper = {m.upper() for m in KNOWN_NULL_MARKERS}

    def clean(i: int) -> list[str]:
        return [v for v in sample_vals[i] if v.strip() and v.strip().upper() not in markers_upper]

    dated_cols = [c.name for c in schema.TEMPLATES[kind] if _is_dated(kind, c.name)]
    free = [p for p in props if not p.targets]
    date_free = []
    for p in free:
        vals = clean(p.position - 1)
        dateish = sum(1 for v in vals if len(v) <= _MAX_DATE_CHARS and _DATEISH_RE.search(v))
        if vals and dateish >= 0.9 * len(vals):
            date_free.append(p)
    unhinted = []
    for p in date_free:  # a header word says which date it is
        col = _date_hint(p.header) if not headerless else None
        if col in dated_cols and col not in taken:
            p.targets, p.evidence = [col], f"value profile: dates; header suggests {col}"
            taken[col] = p.position - 1
            sugg.undecided.append(f"column {p.header!r} holds dates: proposed as {col}; check")
        else:
            unhinted.append(p)
    order = ("received_at", "resolved_at") if headerless else ("received_at",)
    for p, col in zip(unhinted, [c for c in order if c not in taken], strict=False):
        if col not in dated_cols:
            continue
        p.targets, p.evidence = [col], "value profile: dates"
        taken[col] = p.position - 1
        if col != "received_at":
            sugg.undecided.append(
                f"column {p.header!r} holds dates: proposed as {col} (the second date column);"
                " check, it may be first_response_at or closed_at"
            )
    for p in unhinted:
        if not p.targets:
            sugg.undecided.append(
                f"column {p.header!r} holds dates but no header word says which: not used"
            )
    for p in free:
        if p.targets:
            continue
        vals = clean(p.position - 1)
        col = _profile_vocab(kind, vals)
        if col and col not in taken:
            p.targets, p.evidence = [col], f"value profile: {col} words"
            taken[col] = p.position - 1
    key = schema.TEMPLATES[kind][0].name
    if key not in taken:
        for p in free:
            vals = clean(p.position - 1)
            if (
                not p.targets
                and vals
                and len(set(vals)) == len(vals)
                and all(_ID_RE.match(v) for v in vals)
                and not all(_DATEISH_RE.search(v) for v in vals)
            ):
                p.targets, p.evidence = [key], "value profile: unique id-like values"
                taken[key] = p.position - 1
                sugg.undecided.append(f"{key} guessed from column {p.header!r} (unique values)")
                break
    if kind == "complaints" and "department" not in taken:
        hinted = [
            p
            for p in free
            if any(
                w in hdr.fold(p.header) and len(hdr.fold(p.header)) <= len(w) + 6
                for w in _UNIT_WORDS
            )
        ]
        for p in hinted + [p for p in free if p not in hinted]:
            vals = clean(p.position - 1)
            distinct = set(vals)
            if (
                not p.targets
                and vals
                and len(vals) >= max(4, 0.8 * len(sample_vals[p.position - 1]))
                and 1 < len(distinct) <= max(2, len(vals) // 3)
                and all(len(v) <= 40 and not _DATEISH_RE.search(v) for v in distinct)
                and not all(_NUM_RE.match(v) for v in distinct)
            ):
                p.targets, p.evidence = ["department"], "value profile: a few repeated names"
                taken["department"] = p.position - 1
                sugg.undecided.append(
                    f"department guessed from column {p.header!r} ({len(distinct)} distinct"
                    " names): check that it is the accountable unit"
                )
                break
    for p in props:
        if not p.targets and not p.evidence:
            p.evidence = "no canonical column matches"
    if kind == "complaints" and "closed_at" in taken and "resolved_at" not in taken:
        h = names[taken["closed_at"]]
        sugg.undecided.append(
            f"no resolved_at column: resolution KPIs stay empty; if closing {h!r} means resolving,"
            f' map it as "{h}" = ["resolved_at", "closed_at"]'
        )
    _formats_and_words(sugg, props, sample_vals, clean)
    sugg.columns = props
    _required(sugg, props, taken)
    return sugg


def _formats_and_words(sugg, props, sample_vals, clean) -> None:
    kind = sugg.kind
    for p in props:
        i = p.position - 1
        p.nulls = _nulls_in(sample_vals[i], kind, p.targets)
        for t in p.targets:
            if _is_dated(kind, t):
                found = detect_format(clean(i))
                fmts, order, note = found.formats, found.date_order, found.note
                month, day = found.monthfirst, found.dayfirst
                if note.startswith("ambiguous"):
                    sugg.must_choose.append(
                        f"{t}: day/month order of column {p.header!r} (no day above 12 in"
                        " the sample)"
                    )
                    sugg._choices[f"format:{t}"] = [
                        f"# {MUST} {t}: the sample does not prove the day/month order",
                        f"# {json.dumps(t)} = {json.dumps(month)}  # month first (03/04 = 4 March)",
                        f"# {json.dumps(t)} = {json.dumps(day)}  # day first (03/04 = 3 April)",
                    ]
                    p.evidence += "; dates with unproven day/month order"
                elif fmts:
                    p.formats, p.date_order = fmts, order
                    p.evidence += f"; format {note}"
                elif note in ("not dates", "numbers, not dates") or note.startswith("dates in"):
                    sugg.undecided.append(
                        f"column {p.header!r} → {t}: {note}; declare [formats] by hand"
                    )
                else:
                    p.evidence += f"; {note}"
                break
        for t in p.targets:
            vk = schema.CODED_COLUMNS[kind].get(t)
            if not vk:
                continue
            known = vocab.lookup(vk[0])
            unknown = sorted(
                {
                    v.strip()
                    for v in clean(i)
                    if vocab.normalize_word(v) not in known and v.strip() not in p.nulls
                }
            )[:30]
            p.unknown_words = unknown
            if not unknown:
                continue
            codes = list(vocab.VOCAB[vk[0]])
            lines = []
            for w in unknown:
                guess = _SEVERITY_GUESS.get(vocab.normalize_word(w)) if t == "severity" else None
                if vk[1]:  # strict: rows with this word would be rejected
                    lines.append(
                        f"# {json.dumps(w, ensure_ascii=False)} = {json.dumps(guess or codes[0])}"
                        f"  # {MUST}: one of {' | '.join(codes)}"
                    )
                else:
                    lines.append(
                        f'# {json.dumps(w, ensure_ascii=False)} = ""  # kept as given unless'
                        f" mapped to one of {' | '.join(codes)}"
                    )
            if vk[1]:
                sugg.must_choose.append(
                    f"{t}: words {', '.join(repr(w) for w in unknown)} of column {p.header!r}"
                    " (rows with an unknown severity word are rejected)"
                )
            else:
                sugg.undecided.append(
                    f"{t}: words {', '.join(repr(w) for w in unknown)} of column"
                    f" {p.header!r} are kept as given unless mapped"
                )
            sugg._choices[f"values:{t}"] = lines
            break


def _required(sugg: Suggestion, props: list[ColumnProposal], taken: dict[str, int]) -> None:
    kind = sugg.kind
    unused = [p.header for p in props if not p.targets]
    for c in schema.TEMPLATES[kind]:
        if not c.required or c.name in taken:
            continue
        cands = ", ".join(repr(h) for h in unused[:8]) or "none left"
        sugg.must_choose.append(
            f"{c.name} ({c.zh}): no column supplies it; map one of {cands} or set a constant"
        )
        sugg._choices[f"required:{c.name}"] = [
            f"# {MUST} {c.name} ({c.zh}): no column supplies it. Map a column, e.g.",
            f'# "<header>" = "{c.name}"    (unused columns: {cands})',
        ]
        example = "客服部" if c.name == "department" else "..."
        sugg._choices[f"constant:{c.name}"] = [
            f"# {MUST} {c.name}: or one value for every row:",
            f'# {c.name} = "{example}"',
        ]
