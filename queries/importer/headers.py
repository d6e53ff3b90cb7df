"""Header matching (template names, Chinese headers, synonyms) and saved column mappings.

Headers match when they are equal after folding: NFKC (full-width → half-width), lower
case, whitespace and underscores removed. Candidates for a canonical column are its English
name, its Chinese template header and the synonyms in ``queries/config/synonyms.toml``.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import tomllib
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from queries.config import schema
from queries.importer.errors import ImportRefused, MissingColumns
from queries.paths import CONFIG_DIR, SHIPPED_MAPPINGS_DIR, work_dir

SYNONYMS_FILE = CONFIG_DIR / "synonyms.toml"
DATE_ORDERS = ("dayfirst", "monthfirst")
_NAME_RE = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$")


def fold(text: str) -> str:
    """Fold a header for matching: NFKC, lower case, no whitespace or underscores."""
    folded = unicodedata.normalize("NFKC", str(text)).lower().replace("\ufeff", "")
    return "".join(folded.split()).replace("_", "")


TOP_KEYS = (
    "name",
    "kind",
    "header",
    "columns",
    "optional_headers",
    "constants",
    "values",
    "formats",
    "null_markers",
    "nulls",
    "date_order",
    "timezone",
    "source_timezone",
    "excel_serial_dates",
    "auto_match",
    "note",
)
# Named formats a mapping may declare for a date/time column besides strftime patterns.
NAMED_FORMATS = ("iso", "rfc2822", "unix_s", "unix_ms", "excel_serial")
# The company's zone when a mapping converts zoned values but names no ``timezone``.
COMPANY_TIMEZONE = "Asia/Shanghai"


def nearest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, else ``""`` (difflib)."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _str_list(value: object, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ImportRefused(f"{where}: expected a text or a list of texts, got {value!r}")


def check_formats(formats: list[str], where: str) -> None:
    """Refuse a declared date/time format that is neither a named one nor a strftime
    pattern; zoned (``%z``) and naive patterns cannot be mixed in one column."""
    for f in formats:
        if f in NAMED_FORMATS:
            if len(formats) > 1:
                raise ImportRefused(f"{where}: named format {f!r} must be the only one")
            continue
        if "%" not in f:
            raise ImportRefused(
                f"{where}: {f!r} is not a strftime pattern (e.g. '%m/%d/%Y %I:%M %p') nor one of "
                + ", ".join(NAMED_FORMATS)
                + nearest(f, NAMED_FORMATS)
            )
    zoned = {"%z" in f for f in formats if f not in NAMED_FORMATS}
    if len(zoned) > 1:
        raise ImportRefused(f"{where}: patterns with and without %z cannot be mixed")


def check_zone(zone: object, where: str) -> str:
    """An IANA zone name known to ``zoneinfo`` (else the error names the nearest one)."""
    if not isinstance(zone, str):
        raise ImportRefused(f"{where}: expected a time zone name, got {zone!r}")
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImportRefused(
            f"{where}: unknown time zone {zone!r}" + nearest(zone, _zone_names())
        ) from None
    return zone


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


@dataclass
class Mapping:
    """A saved column mapping (``data/mappings/<name>.toml``; README, section import).

    Attributes:
        name: the mapping's name (file stem).
        kind: the template it maps to (``complaints`` ...), or None to detect.
        header: False for a headerless file: ``columns`` keys are 1-based positions.
        columns: source header (or position) → canonical columns ("" = ignore the column).
        optional_headers: mapped headers that may be absent from a file (other mapped
            headers must be present).
        constants: canonical column → a value used for every row.
        values: coded canonical column → source value → code or word.
        formats: date/time column → strftime patterns (``%p`` reads AM/PM and 上午/下午) or
            one named format (``iso``, ``rfc2822``, ``unix_s``, ``unix_ms``,
            ``excel_serial``).
        null_markers: source values read as empty in every optional column.
        nulls: canonical column → more null markers for that column.
        date_order: ``dayfirst`` / ``monthfirst`` for ``03/04/2025``-style dates.
        timezone: the company's IANA zone: zoned values (``+0800``, ``Z``, Unix times) are
            converted to it (None: zoned values are rejected unless a declared format or
            ``source_timezone`` needs it; then Asia/Shanghai).
        source_timezone: IANA zone of the source's naive timestamps (converted to
            ``timezone``, DST-correct); None: they are company time already.
        excel_serial_dates: read plain numbers in date columns as Excel serial days.
        auto_match: also match the remaining headers against the template and synonyms.
        note: free text (e.g. what the source's clock is).
    """

    name: str = ""
    kind: str | None = None
    header: bool = True
    columns: dict[str, list[str]] = field(default_factory=dict)
    optional_headers: list[str] = field(default_factory=list)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    formats: dict[str, list[str]] = field(default_factory=dict)
    null_markers: list[str] = field(default_factory=list)
    nulls: dict[str, list[str]] = field(default_factory=dict)
    date_order: str | None = None
    timezone: str | None = None
    source_timezone: str | None = None
    excel_serial_dates: bool = False
    auto_match: bool = True
    note: str = ""

    @classmethod
    def from_dict(cls, doc: dict, name: str = "") -> Mapping:
        """Build a mapping from the TOML document's shape, validating every key: an unknown
        key, a non-canonical column, a value map on a column that is not coded or a bad
        format/zone is refused with the nearest valid word."""
        where = f"mapping {name or doc.get('name') or '(custom)'}"
        for key in doc:
            if key not in TOP_KEYS:
                raise ImportRefused(f"{where}: unknown key {key!r}" + nearest(key, TOP_KEYS))
        kind = doc.get("kind")
        if kind is not None and kind not in schema.TEMPLATES:
            raise ImportRefused(
                f"{where}: unknown kind {kind!r}" + nearest(str(kind), list(schema.TEMPLATES))
            )
        columns: dict[str, list[str]] = {}
        for src, target in (doc.get("columns") or {}).items():
            targets = _str_list(target, f"{where}: columns.{src!r}")
            columns[str(src)] = [t for t in targets if t]
        date_order = doc.get("date_order")
        if date_order not in (None, *DATE_ORDERS):
            raise ImportRefused(
                f"{where}: date_order must be dayfirst or monthfirst, got {date_order!r}"
                + nearest(str(date_order), DATE_ORDERS)
            )
        for key in ("timezone", "source_timezone"):
            if doc.get(key) is not None:
                check_zone(doc[key], f"{where}: {key}")
        header = doc.get("header", True)
        if not isinstance(header, bool):
            raise ImportRefused(f"{where}: header must be true or false, got {header!r}")
        m = cls(
            name=str(doc.get("name") or name),
            kind=kind,
            header=header,
            columns=columns,
            optional_headers=_str_list(doc.get("optional_headers", []), f"{where}: optional"),
            constants={str(k): str(v) for k, v in (doc.get("constants") or {}).items()},
            values={
                str(c): {str(k): str(v) for k, v in (vm or {}).items()}
                for c, vm in (doc.get("values") or {}).items()
            },
            formats={
                str(c): _str_list(f, f"{where}: formats.{c}")
                for c, f in (doc.get("formats") or {}).items()
            },
            null_markers=_str_list(doc.get("null_markers", []), f"{where}: null_markers"),
            nulls={
                str(c): _str_list(v, f"{where}: nulls.{c}")
                for c, v in (doc.get("nulls") or {}).items()
            },
            date_order=date_order,
            timezone=doc.get("timezone"),
            source_timezone=doc.get("source_timezone"),
            excel_serial_dates=bool(doc.get("excel_serial_dates", False)),
            auto_match=bool(doc.get("auto_match", True)),
            note=str(doc.get("note", "")),
        )
        m.validate()
        return m

    def validate(self) -> None:
        """Refuse targets that are not canonical columns of the mapping's kind, value maps on
        columns that are not coded, formats on columns that are not dates, bad positions."""
        where = f"mapping {self.name or '(custom)'}"
        kinds = [self.kind] if self.kind else list(schema.TEMPLATES)
        allowed = sorted({c for k in kinds for c in schema.column_names(k)})
        sections: list[tuple[str, list[str]]] = [
            (f"columns.{src!r}", ts) for src, ts in self.columns.items()
        ]
        sections += [
            ("constants", list(self.constants)),
            ("values", list(self.values)),
            ("formats", list(self.formats)),
            ("nulls", list(self.nulls)),
        ]
        for section, used in sections:
            for t in used:
                if t not in allowed:
                    raise ImportRefused(
                        f"{where}: {section}: {t!r} is not a canonical column" + nearest(t, allowed)
                    )
        for col in self.values:
            if not any(schema.is_coded(k, col) for k in kinds if col in schema.column_names(k)):
                coded = sorted(
                    {c for k in kinds for c in schema.column_names(k) if schema.is_coded(k, c)}
                )
                raise ImportRefused(
                    f"{where}: values.{col}: {col} is not a coded column, so it takes no value"
                    f" map (coded columns: {', '.join(coded)})"
                )
        dated = {
            c.name
            for k in kinds
            for c in schema.TEMPLATES[k]
            if c.sql_type in ("TIMESTAMP", "DATE") or c.name == "month"
        }
        for col, fmts in self.formats.items():
            if col not in dated:
                raise ImportRefused(
                    f"{where}: formats.{col}: {col} is not a date/time column"
                    + nearest(col, sorted(dated))
                )
            check_formats(fmts, f"{where}: formats.{col}")
        if not self.header:
            for src in self.columns:
                if not (src.isdigit() and int(src) >= 1):
                    raise ImportRefused(
                        f"{where}: header = false, so columns are positions 1, 2, ...; got {src!r}"
                    )

    def to_toml(self) -> str:
        """The mapping as readable TOML."""

        def s(v: str) -> str:
            return json.dumps(v, ensure_ascii=False)

        def arr(vs: list[str]) -> str:
            return "[" + ", ".join(s(v) for v in vs) + "]"

        lines = [f"# Column mapping {s(self.name)} (see README, section import)."]
        lines.append(f"name = {s(self.name)}")
        if self.kind:
            lines.append(f"kind = {s(self.kind)}")
        if not self.header:
            lines.append("header = false")
        if self.date_order:
            lines.append(f"date_order = {s(self.date_order)}")
        if self.timezone:
            lines.append(f"timezone = {s(self.timezone)}")
        if self.source_timezone:
            lines.append(f"source_timezone = {s(self.source_timezone)}")
        lines.append(f"excel_serial_dates = {'true' if self.excel_serial_dates else 'false'}")
        lines.append(f"auto_match = {'true' if self.auto_match else 'false'}")
        if self.null_markers:
            lines.append(f"null_markers = {arr(self.null_markers)}")
        if self.optional_headers:
            lines.append(f"optional_headers = {arr(self.optional_headers)}")
        if self.note:
            lines.append(f"note = {s(self.note)}")
        lines += ["", "[columns]"]
        for src, targets in self.columns.items():
            if len(targets) == 1:
                value = s(targets[0])
            elif targets:
                value = arr(targets)
            else:
                value = '""'  # an ignored column
            lines.append(f"{s(src)} = {value}")
        if self.constants:
            lines += ["", "[constants]"]
            lines += [f"{s(k)} = {s(v)}" for k, v in self.constants.items()]
        if self.formats:
            lines += ["", "[formats]"]
            lines += [
                f"{s(k)} = {s(v[0]) if len(v) == 1 else arr(v)}" for k, v in self.formats.items()
            ]
        if self.nulls:
            lines += ["", "[nulls]"]
            lines += [f"{s(k)} = {arr(v)}" for k, v in self.nulls.items()]
        for col, vm in self.values.items():
            lines += ["", f"[values.{col}]"]
            lines += [f"{s(k)} = {s(v)}" for k, v in vm.items()]
        return "\n".join(lines) + "\n"

    def null_words(self, column: str) -> list[str]:
        """The null markers of one canonical column (global ones, then its own)."""
        return [*self.null_markers, *self.nulls.get(column, [])]

    def company_zone(self) -> str:
        """The zone converted values land in (``timezone``, else Asia/Shanghai)."""
        return self.timezone or COMPANY_TIMEZONE


def check_mapped_headers(headers: list[str], mapping: Mapping | None) -> None:
    """Refuse a mapping naming a source column that the file does not have (a position past
    the last column in a headerless file), naming the nearest header found."""
    if mapping is None:
        return
    found = {fold(h) for h in headers}
    optional = {fold(h) for h in mapping.optional_headers}
    for src in mapping.columns:
        if fold(src) in found or fold(src) in optional:
            continue
        if not mapping.header:
            raise ImportRefused(
                f"mapping {mapping.name or '(custom)'}: column position {src} is past the"
                f" file's last column ({len(headers)})"
            )
        raise ImportRefused(
            f"mapping {mapping.name or '(custom)'}: mapped header {src!r} is not in the file"
            + nearest(src, headers)
            + f"; headers found: {', '.join(headers)}"
        )


def load_mapping(ref: str | Path | Mapping | dict | None) -> Mapping | None:
    """A mapping from a name (a saved ``data/mappings/<name>.toml``, else a shipped one), a
    path, a dict or itself."""
    if ref is None or isinstance(ref, Mapping):
        return ref
    if isinstance(ref, dict):
        return Mapping.from_dict(ref)
    text = str(ref)
    path = Path(text)
    if not (text.endswith(".toml") or path.is_file()):
        if not _NAME_RE.match(text):
            raise ImportRefused(f"invalid mapping name {text!r}")
        path = user_mappings_dir() / f"{text}.toml"
        if not path.is_file():
            path = SHIPPED_MAPPINGS_DIR / f"{text}.toml"
    if not path.is_file():
        raise ImportRefused(f"no mapping file {path}")
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ImportRefused(f"mapping {path}: {exc}") from None
    return Mapping.from_dict(doc, name=path.stem)


def user_mappings_dir() -> Path:
    """Where saved mappings go: ``data/mappings`` under the current directory."""
    return work_dir() / "mappings"


def mapping_names() -> list[str]:
    """Names of the saved and the shipped mappings, sorted."""
    found = {p.stem for d in (user_mappings_dir(), SHIPPED_MAPPINGS_DIR) for p in d.glob("*.toml")}
    return sorted(found)


def save_mapping(name: str, mapping: Mapping | dict, directory: Path | None = None) -> Path:
    """Save a mapping as ``<directory or data/mappings>/<name>.toml`` and return the path.
    A shipped mapping's name is refused: it would shadow the shipped file."""
    if not _NAME_RE.match(name):
        raise ImportRefused(f"invalid mapping name {name!r} (letters, digits, _ and - only)")
    if directory is None and (SHIPPED_MAPPINGS_DIR / f"{name}.toml").is_file():
        raise ImportRefused(f"mapping name {name!r} is a shipped mapping; choose another name")
    m = mapping if isinstance(mapping, Mapping) else Mapping.from_dict(mapping, name)
    m.name = name
    m.validate()
    target_dir = directory or user_mappings_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    path = target_dir / f"{name}.toml"
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(m.to_toml(), encoding="utf-8")
    tmp.replace(path)
    return path


def synonyms(path: Path | None = None) -> dict[str, dict[str, list[str]]]:
    """``kind -> canonical column -> synonyms`` from ``data/synonyms.toml``."""
    path = path or SYNONYMS_FILE
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        doc = tomllib.load(fh)
    return {k: {c: [str(w) for w in ws] for c, ws in v.items()} for k, v in doc.items()}


def candidates(kind: str) -> dict[str, tuple[str, int]]:
    """``folded header -> (canonical column, priority)``: 0 template name/zh, 1 synonym.
    Re-read when ``data/synonyms.toml`` changes."""
    stamp = SYNONYMS_FILE.stat().st_mtime_ns if SYNONYMS_FILE.is_file() else 0
    return _candidates(kind, stamp)


@functools.lru_cache(maxsize=16)
def _candidates(kind: str, stamp: int) -> dict[str, tuple[str, int]]:
    table: dict[str, tuple[str, int]] = {}
    for col, words in synonyms().get(kind, {}).items():
        for w in words:
            table.setdefault(fold(w), (col, 1))
    for c in schema.TEMPLATES[kind]:
        table[fold(c.name)] = (c.name, 0)
        table[fold(c.zh)] = (c.name, 0)
    return table


@dataclass
class ColumnPlan:
    """How a file's columns feed the canonical ones.

    Attributes:
        kind: the template.
        targets: canonical column → source column position.
        constants: canonical column → constant value from the mapping.
        extra: source headers not used (listed in the report).
        notes: explanations (duplicate headers, conflicts).
    """

    kind: str
    targets: dict[str, int]
    constants: dict[str, str]
    extra: list[str]
    notes: list[str]

    @property
    def missing(self) -> list[str]:
        """Required canonical columns with neither a source column nor a constant."""
        have = set(self.targets) | set(self.constants)
        return [c.name for c in schema.TEMPLATES[self.kind] if c.required and c.name not in have]


def plan_columns(headers: list[str], kind: str, mapping: Mapping | None) -> ColumnPlan:
    """Match a header row to a template.

    Rules: mapping entries first, then (if ``auto_match``) template names/Chinese headers,
    then synonyms. A canonical column takes the first source column that claims it; a
    header repeated in the file is matched at its first position, later copies are listed
    as extra columns (``name (2)``).
    """
    targets: dict[str, int] = {}
    used: set[int] = set()
    notes: list[str] = []
    folded = [fold(h) for h in headers]
    first_pos: dict[str, int] = {}
    duplicates: set[int] = set()
    for i, f in enumerate(folded):
        if f in first_pos:
            duplicates.add(i)
            notes.append(
                f"header {headers[i]!r} repeated at column {i + 1}: the first one "
                f"(column {first_pos[f] + 1}) is used"
            )
        else:
            first_pos[f] = i
    constants = dict(mapping.constants) if mapping else {}
    if mapping:
        ignored = set()
        for src, cols in mapping.columns.items():
            pos = first_pos.get(fold(src))
            if pos is None:
                continue
            if not cols:
                ignored.add(pos)
            for col in cols:
                if col not in targets:
                    targets[col] = pos
            used.add(pos)
        used |= ignored
    if mapping is None or mapping.auto_match:
        table = candidates(kind)
        claims = sorted(
            (table[f][1], i, table[f][0])
            for i, f in enumerate(folded)
            if f in table and i not in used and i not in duplicates
        )
        for _prio, i, col in claims:
            if col in targets or col in constants:
                notes.append(f"column {headers[i]!r} also matches {col}; ignored")
                continue
            targets[col] = i
            used.add(i)
    for col in list(constants):
        if col in targets:
            del constants[col]
    extra = []
    for i, h in enumerate(headers):
        if i in used or i in set(targets.values()):
            continue
        label = h if h.strip() else f"(unnamed column {i + 1})"
        if i in duplicates:
            label = f"{h} ({sum(1 for j in range(i + 1) if folded[j] == folded[i])})"
        extra.append(label)
    return ColumnPlan(kind=kind, targets=targets, constants=constants, extra=extra, notes=notes)


def detect_kind(headers: list[str], mapping: Mapping | None) -> str | None:
    """The one template whose required columns this header row has (None if none).

    Raises:
        ImportRefused: several templates fit equally well.
    """
    if mapping and mapping.kind:
        return mapping.kind if not plan_columns(headers, mapping.kind, mapping).missing else None
    fits = []
    for kind in schema.TEMPLATES:
        p = plan_columns(headers, kind, mapping)
        if not p.missing:
            fits.append((len(p.targets), kind))
    if not fits:
        return None
    fits.sort(reverse=True)
    if len(fits) > 1 and fits[0][0] == fits[1][0]:
        raise ImportRefused(
            f"the headers fit several templates ({', '.join(k for _, k in fits)}); pass --kind"
        )
    return fits[0][1]


class HeaderTest:
    """Callable used by the readers: does this row look like the header row?"""

    def __init__(self, kind: str | None, mapping: Mapping | None) -> None:
        self.kind = kind or (mapping.kind if mapping else None)
        self.mapping = mapping

    def __call__(self, row: list[str]) -> bool:
        if self.kind:
            return not plan_columns(row, self.kind, self.mapping).missing
        try:
            return detect_kind(row, self.mapping) is not None
        except ImportRefused:
            return True  # a header row; the pipeline reports the ambiguity

    def explain(self, row: list[str]) -> MissingColumns:
        """Why the first row is not an acceptable header: the kind it fits best (most
        matched columns; on a tie the first template: complaints), the headers found
        and what is missing (the refusal)."""
        kinds = [self.kind] if self.kind else list(schema.TEMPLATES)
        best = min(
            (plan_columns(row, k, self.mapping) for k in kinds),
            key=lambda p: (-len(p.targets), kinds.index(p.kind)),
        )
        found = ", ".join(repr(h) for h in row if h.strip()) or "(none)"
        text = (
            f"tried kind {best.kind}: missing required columns "
            + ", ".join(f"{c} ({_zh(best.kind, c)})" for c in best.missing)
            + f"; headers found: {found}"
        )
        return MissingColumns(best.kind, list(row), best.missing, text)


def _zh(kind: str, col: str) -> str:
    return next(c.zh for c in schema.TEMPLATES[kind] if c.name == col)
