"""Header matching (template names, Chinese headers, synonyms) and saved column mappings.

Headers match when they are equal after folding: NFKC (full-width → half-width), lower
case, whitespace and underscores removed. Candidates for a canonical column are its English
name, its Chinese template header and the synonyms in ``queries/config/synonyms.toml``.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from queries.config import schema
from queries.importer.errors import ImportRefused
from queries.paths import CONFIG_DIR, SHIPPED_MAPPINGS_DIR, work_dir

SYNONYMS_FILE = CONFIG_DIR / "synonyms.toml"
DATE_ORDERS = ("dayfirst", "monthfirst")
_NAME_RE = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$")


def fold(text: str) -> str:
    """Fold a header for matching: NFKC, lower case, no whitespace or underscores."""
    folded = unicodedata.normalize("NFKC", str(text)).lower().replace("\ufeff", "")
    return "".join(folded.split()).replace("_", "")


@dataclass
class Mapping:
    """A saved column mapping (``data/mappings/<name>.toml``).

    Attributes:
        name: the mapping's name (file stem).
        kind: the template it maps to (``complaints`` ...), or None to detect.
        columns: source header → canonical column names ("" = ignore the column).
        constants: canonical column → a value used for every row.
        values: canonical column → source value → code or word.
        date_order: ``dayfirst`` / ``monthfirst`` for ``03/04/2025``-style dates.
        timezone: IANA zone into which timestamps with a zone suffix are converted
            (None: such values are rejected).
        excel_serial_dates: read plain numbers in date columns as Excel serial days.
        auto_match: also match the remaining headers against the template and synonyms.
        note: free text (e.g. what the source's clock is).
    """

    name: str = ""
    kind: str | None = None
    columns: dict[str, list[str]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_order: str | None = None
    timezone: str | None = None
    excel_serial_dates: bool = False
    auto_match: bool = True
    note: str = ""

    @classmethod
    def from_dict(cls, doc: dict, name: str = "") -> Mapping:
        """Build a mapping from the TOML document's shape (validating column names)."""
        kind = doc.get("kind")
        if kind is not None and kind not in schema.TEMPLATES:
            raise ImportRefused(f"mapping {name}: unknown kind {kind!r}")
        columns: dict[str, list[str]] = {}
        for src, target in (doc.get("columns") or {}).items():
            targets = [target] if isinstance(target, str) else list(target)
            columns[str(src)] = [t for t in targets if t]
        date_order = doc.get("date_order")
        if date_order not in (None, *DATE_ORDERS):
            raise ImportRefused(f"mapping {name}: date_order must be dayfirst or monthfirst")
        m = cls(
            name=str(doc.get("name") or name),
            kind=kind,
            columns=columns,
            constants={str(k): str(v) for k, v in (doc.get("constants") or {}).items()},
            values={
                str(c): {str(k): str(v) for k, v in (vm or {}).items()}
                for c, vm in (doc.get("values") or {}).items()
            },
            date_order=date_order,
            timezone=doc.get("timezone"),
            excel_serial_dates=bool(doc.get("excel_serial_dates", False)),
            auto_match=bool(doc.get("auto_match", True)),
            note=str(doc.get("note", "")),
        )
        m.validate()
        return m

    def validate(self) -> None:
        """Refuse targets that are not canonical columns of the mapping's kind."""
        kinds = [self.kind] if self.kind else list(schema.TEMPLATES)
        allowed = {c for k in kinds for c in schema.column_names(k)}
        used = [t for ts in self.columns.values() for t in ts]
        used += list(self.constants) + list(self.values)
        bad = sorted({t for t in used if t not in allowed})
        if bad:
            raise ImportRefused(f"mapping {self.name}: not canonical columns: {', '.join(bad)}")

    def to_toml(self) -> str:
        """The mapping as readable TOML."""

        def s(v: str) -> str:
            return json.dumps(v, ensure_ascii=False)

        lines = [f"# Column mapping {s(self.name)} (see README, section import)."]
        lines.append(f"name = {s(self.name)}")
        if self.kind:
            lines.append(f"kind = {s(self.kind)}")
        if self.date_order:
            lines.append(f"date_order = {s(self.date_order)}")
        if self.timezone:
            lines.append(f"timezone = {s(self.timezone)}")
        lines.append(f"excel_serial_dates = {'true' if self.excel_serial_dates else 'false'}")
        lines.append(f"auto_match = {'true' if self.auto_match else 'false'}")
        if self.note:
            lines.append(f"note = {s(self.note)}")
        lines += ["", "[columns]"]
        for src, targets in self.columns.items():
            if len(targets) == 1:
                value = s(targets[0])
            elif targets:
                value = "[" + ", ".join(s(t) for t in targets) + "]"
            else:
                value = '""'  # an ignored column
            lines.append(f"{s(src)} = {value}")
        if self.constants:
            lines += ["", "[constants]"]
            lines += [f"{s(k)} = {s(v)}" for k, v in self.constants.items()]
        for col, vm in self.values.items():
            lines += ["", f"[values.{col}]"]
            lines += [f"{s(k)} = {s(v)}" for k, v in vm.items()]
        return "\n".join(lines) + "\n"


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

    def explain(self, row: list[str]) -> str:
        """Why the first row is not an acceptable header (the refusal message)."""
        kinds = [self.kind] if self.kind else list(schema.TEMPLATES)
        best = min(
            (plan_columns(row, k, self.mapping) for k in kinds), key=lambda p: len(p.missing)
        )
        return f"missing required columns for {best.kind}: " + ", ".join(
            f"{c} ({_zh(best.kind, c)})" for c in best.missing
        )


def _zh(kind: str, col: str) -> str:
    return next(c.zh for c in schema.TEMPLATES[kind] if c.name == col)
