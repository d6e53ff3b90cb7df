"""The rule configuration (``data/rules.toml``): time limits, repeat and group rules,
accountability deadlines, the scoring table and the KPI targets, versioned by effective date.

A month is judged by the version in force on its first day (``RuleSet.version_for``); a
complaint's response limit and resolution deadline by the version in force at its
``received_at``. ``RuleSet.fingerprint()`` identifies the file content: staging records it in
``meta`` so readers notice when the published derived tables were built with other rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from queries.paths import CONFIG_DIR

RULES_FILE = CONFIG_DIR / "rules.toml"
RULES_ENV_VAR = "COMPLAINTS_RULES"  # another rule file (absolute path) instead of RULES_FILE
GRADES = ("general", "urgent", "major")
RESPONSIBILITY_TYPES = ("employee", "management", "institutional")


class RulesError(ValueError):
    """The rule file is missing, unreadable or inconsistent (message names the place)."""


@dataclass(frozen=True)
class ScoringItem:
    """One row of the §6 scoring table.

    ``per_event``: ``points`` per complaint showing the event (a number, or a mapping
    severity → points), capped at ``cap`` per month (None = no cap).
    ``rate_gap``: ``points_per_pp`` per percentage point by which ``metric`` misses
    ``target`` (``direction`` "below": the rate falls below the target; "above": it exceeds
    it), capped at ``cap``; no deduction when the rate is null.
    """

    id: str
    kind: str
    cap: float | None = None
    points: float | dict[str, float] | None = None
    metric: str | None = None
    target: float | None = None
    direction: str | None = None
    points_per_pp: float | None = None
    description: str = ""

    def points_for(self, severity: str | None) -> float:
        """Points of one event for a complaint of ``severity`` (per_event items)."""
        if isinstance(self.points, dict):
            return float(self.points.get(severity or "general", 0.0))
        return float(self.points or 0.0)

    def rate_gap_deduction(self, rate: float | None) -> float:
        """Deduction of a rate_gap item for a measured ``rate`` (0 when null or on target)."""
        if rate is None or self.target is None:
            return 0.0
        gap_pp = (
            (self.target - rate) * 100 if self.direction == "below" else (rate - self.target) * 100
        )
        points = round(max(0.0, gap_pp) * float(self.points_per_pp or 0.0), 9)
        return min(points, self.cap) if self.cap is not None else points


@dataclass(frozen=True)
class Target:
    """A KPI target with a red/amber/green band.

    direction "higher": value ≥ target green, ≥ amber amber, else red;
    "lower": value ≤ target green, ≤ amber amber, else red.
    ``departments`` maps a department (name_zh or id) to its own (target, amber).
    """

    metric: str
    target: float
    amber: float
    direction: str = "higher"
    departments: dict[str, tuple[float, float]] = field(default_factory=dict)

    def for_department(self, department: str | None = None) -> tuple[float, float]:
        """(target, amber) for a department (or the company when None / not listed)."""
        if department is not None and department in self.departments:
            return self.departments[department]
        return (self.target, self.amber)

    def status(self, value: float | None, department: str | None = None) -> str | None:
        """'green' | 'amber' | 'red' for a value (None when the value is null)."""
        if value is None or value != value:  # None or NaN
            return None
        target, amber = self.for_department(department)
        if self.direction == "higher":
            return "green" if value >= target else "amber" if value >= amber else "red"
        return "green" if value <= target else "amber" if value <= amber else "red"


@dataclass(frozen=True)
class Accountability:
    """§7 accountability parameters."""

    employee_days: int = 15
    management_days: int = 30
    institutional_days: int = 30
    joint_liability_share: float = 0.5
    joint_liability_min_level: int = 2
    publication_days: int = 15
    repeat_after_penalty_days: int = 90

    def due_days(self, responsibility_type: str | None) -> int:
        """Days from investigation end to the decision deadline for a responsibility type
        (unknown types get the employee deadline)."""
        return {
            "management": self.management_days,
            "institutional": self.institutional_days,
        }.get(responsibility_type or "employee", self.employee_days)


@dataclass(frozen=True)
class RuleVersion:
    """One version of the rules, in force on [effective_from, effective_to)."""

    id: str
    effective_from: dt.date
    effective_to: dt.date | None = None  # exclusive; None = open-ended
    description: str = ""
    description_en: str = ""  # shown in English when given (else ``description``)
    response_limit_grade: dict[str, float] = field(
        default_factory=lambda: {"general": 24.0, "urgent": 1.0, "major": 1.0}
    )
    response_limit_channel: dict[str, float] = field(default_factory=lambda: {"social": 12.0})
    resolution_days_grade: dict[str, int] = field(
        default_factory=lambda: {"general": 3, "urgent": 1, "major": 5}
    )
    multi_department_days: int = 7
    repeat_window_hours: float = 720.0
    group_min_customers: int = 5
    group_window_hours: float = 24.0
    accountability: Accountability = field(default_factory=Accountability)
    scoring_base: float = 100.0
    scoring_items: tuple[ScoringItem, ...] = ()
    targets: dict[str, Target] = field(default_factory=dict)

    def response_limit_hours(self, severity: str | None, channel: str | None) -> float | None:
        """First-response limit in clock hours: min(grade limit, channel limit)."""
        limits = [
            self.response_limit_grade.get(severity or "general"),
            self.response_limit_channel.get(channel or ""),
        ]
        present = [v for v in limits if v is not None]
        return min(present) if present else None

    def resolution_days(self, severity: str | None, multi_department: bool | None) -> int:
        """Resolution deadline in working days (the multi-department limit when larger)."""
        days = self.resolution_days_grade.get(severity or "general", 0)
        if multi_department:
            days = max(days, self.multi_department_days)
        return days

    def target(self, metric: str) -> Target | None:
        """The target of a metric, if one is configured."""
        return self.targets.get(metric)

    def scoring_item(self, item_id: str) -> ScoringItem | None:
        """A scoring item by id."""
        return next((i for i in self.scoring_items if i.id == item_id), None)


@dataclass(frozen=True)
class RuleSet:
    """All versions of a rule file, ordered by effective date."""

    versions: tuple[RuleVersion, ...]
    source: str = ""
    content: bytes = b""

    def version_for(self, day: dt.date | dt.datetime) -> RuleVersion:
        """The version in force on ``day`` (the earliest version for days before it)."""
        if isinstance(day, dt.datetime):
            day = day.date()
        chosen = self.versions[0]
        for version in self.versions:
            if version.effective_from <= day:
                chosen = version
        return chosen

    def version_by_id(self, version_id: str) -> RuleVersion:
        """A version by its id (KeyError when unknown)."""
        for version in self.versions:
            if version.id == version_id:
                return version
        raise KeyError(version_id)

    def fingerprint(self) -> str:
        """SHA-256 (first 16 hex digits) of the rule file's content."""
        return hashlib.sha256(self.content).hexdigest()[:16]


# --------------------------------------------------------------------------- parsing


def _num(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RulesError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _num_map(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise RulesError(f"{where}: expected a table of numbers")
    return {str(k): _num(v, f"{where}.{k}") for k, v in value.items()}


def _item(raw: dict[str, Any], where: str) -> ScoringItem:
    kind = raw.get("kind")
    if kind not in ("per_event", "rate_gap"):
        raise RulesError(f"{where}: kind must be per_event or rate_gap, got {kind!r}")
    if "id" not in raw:
        raise RulesError(f"{where}: id missing")
    cap = raw.get("cap")
    points = raw.get("points")
    if isinstance(points, dict):
        points = _num_map(points, f"{where}.points")
    elif points is not None:
        points = _num(points, f"{where}.points")
    direction = raw.get("direction")
    if kind == "rate_gap":
        for key in ("metric", "target", "points_per_pp"):
            if key not in raw:
                raise RulesError(f"{where}: rate_gap item needs {key}")
        if direction not in ("below", "above"):
            raise RulesError(f"{where}: direction must be below or above")
    elif points is None:
        raise RulesError(f"{where}: per_event item needs points")
    return ScoringItem(
        id=str(raw["id"]),
        kind=kind,
        cap=None if cap is None else _num(cap, f"{where}.cap"),
        points=points,
        metric=raw.get("metric"),
        target=None if raw.get("target") is None else _num(raw["target"], f"{where}.target"),
        direction=direction,
        points_per_pp=None
        if raw.get("points_per_pp") is None
        else _num(raw["points_per_pp"], f"{where}.points_per_pp"),
        description=str(raw.get("description", "")),
    )


def _target(metric: str, raw: dict[str, Any], where: str) -> Target:
    direction = raw.get("direction", "higher")
    if direction not in ("higher", "lower"):
        raise RulesError(f"{where}: direction must be higher or lower")
    target = _num(raw.get("target"), f"{where}.target")
    amber = _num(raw.get("amber", target), f"{where}.amber")
    departments: dict[str, tuple[float, float]] = {}
    for dept, value in (raw.get("departments") or {}).items():
        if isinstance(value, dict):
            t = _num(value.get("target"), f"{where}.departments.{dept}.target")
            a = _num(value.get("amber", t + (amber - target)), f"{where}.departments.{dept}")
        else:
            t = _num(value, f"{where}.departments.{dept}")
            a = t + (amber - target)
        departments[str(dept)] = (t, a)
    return Target(metric, target, amber, direction, departments)


def _version(raw: dict[str, Any], index: int) -> RuleVersion:
    where = f"version[{index}]"
    if "id" not in raw or "effective_from" not in raw:
        raise RulesError(f"{where}: id and effective_from are required")
    eff = raw["effective_from"]
    if isinstance(eff, dt.datetime):
        eff = eff.date()
    if not isinstance(eff, dt.date):
        raise RulesError(f"{where}.effective_from: expected a date like 2024-01-01")
    defaults = RuleVersion(id="", effective_from=eff)
    resp = raw.get("response_limit_hours", {})
    res = raw.get("resolution_working_days", {})
    rep = raw.get("repeat", {})
    grp = raw.get("group", {})
    acc = raw.get("accountability", {})
    sco = raw.get("scoring", {})
    acc_defaults = Accountability()
    accountability = Accountability(
        **{
            name: type(getattr(acc_defaults, name))(
                _num(acc.get(name, getattr(acc_defaults, name)), f"{where}.accountability.{name}")
            )
            for name in acc_defaults.__dataclass_fields__
        }
    )
    unknown = set(acc) - set(acc_defaults.__dataclass_fields__)
    if unknown:
        raise RulesError(f"{where}.accountability: unknown keys {sorted(unknown)}")
    return RuleVersion(
        id=str(raw["id"]),
        effective_from=eff,
        description=str(raw.get("description", "")),
        description_en=str(raw.get("description_en", "")),
        response_limit_grade=_num_map(
            resp.get("grade", defaults.response_limit_grade), f"{where}.response_limit_hours.grade"
        ),
        response_limit_channel=_num_map(
            resp.get("channel", defaults.response_limit_channel),
            f"{where}.response_limit_hours.channel",
        ),
        resolution_days_grade={
            k: int(v)
            for k, v in _num_map(
                res.get("grade", defaults.resolution_days_grade),
                f"{where}.resolution_working_days.grade",
            ).items()
        },
        multi_department_days=int(
            _num(
                res.get("multi_department", defaults.multi_department_days),
                f"{where}.resolution_working_days.multi_department",
            )
        ),
        repeat_window_hours=_num(
            rep.get("window_hours", defaults.repeat_window_hours), f"{where}.repeat.window_hours"
        ),
        group_min_customers=int(
            _num(
                grp.get("min_customers", defaults.group_min_customers),
                f"{where}.group.min_customers",
            )
        ),
        group_window_hours=_num(
            grp.get("window_hours", defaults.group_window_hours), f"{where}.group.window_hours"
        ),
        accountability=accountability,
        scoring_base=_num(sco.get("base", 100), f"{where}.scoring.base"),
        scoring_items=tuple(
            _item(item, f"{where}.scoring.item[{i}]") for i, item in enumerate(sco.get("item", []))
        ),
        targets={
            str(m): _target(str(m), t, f"{where}.targets.{m}")
            for m, t in raw.get("targets", {}).items()
        },
    )


def parse_rules(content: bytes, source: str = "<string>") -> RuleSet:
    """Parse rule-file content (TOML bytes) into a ``RuleSet``."""
    try:
        doc = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{source}: not valid TOML: {exc}") from exc
    raw_versions = doc.get("version")
    if not raw_versions:
        raise RulesError(f"{source}: no [[version]] defined")
    parsed = sorted(
        (_version(raw, i) for i, raw in enumerate(raw_versions)), key=lambda v: v.effective_from
    )
    ids = [v.id for v in parsed]
    if len(set(ids)) != len(ids):
        raise RulesError(f"{source}: duplicate version ids {ids}")
    dates = [v.effective_from for v in parsed]
    if len(set(dates)) != len(dates):
        raise RulesError(f"{source}: two versions share an effective_from date")
    versions = [
        dataclasses.replace(
            v, effective_to=parsed[i + 1].effective_from if i + 1 < len(parsed) else None
        )
        for i, v in enumerate(parsed)
    ]
    return RuleSet(tuple(versions), source=source, content=content)


def rules_file() -> Path:
    """The rule file in force: ``$COMPLAINTS_RULES``, else the shipped ``rules.toml``."""
    return Path(os.environ.get(RULES_ENV_VAR) or RULES_FILE)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load the rule file (default: ``$COMPLAINTS_RULES``, else the shipped ``rules.toml``).

    Raises:
        RulesError: the file is missing or invalid (the message says where).
    """
    path = rules_file() if path is None else Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rule file: {exc}") from exc
    return parse_rules(content, source=str(path))
