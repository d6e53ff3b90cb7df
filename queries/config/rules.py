"""The rule configuration (``queries/config/rules.toml``, or the file ``$COMPLAINTS_RULES``
names): time limits, repeat and group rules, accountability deadlines, the scoring table and
the KPI targets, versioned by effective date. Every key is documented in
docs/definitions.md#rule-keys (``RULE_KEYS`` is the list of keys the parser accepts).

A month is judged by the version in force on its first day (``RuleSet.version_for``); a
complaint's response limit and resolution deadline by the version in force at its
``received_at``. ``RuleSet.fingerprint()`` identifies the file content: staging records it in
``meta`` so readers notice when the published derived tables were built with other rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from queries.metrics import LADDER_STAGES, METRICS
from queries.paths import CONFIG_DIR

RULES_FILE = CONFIG_DIR / "rules.toml"
RULES_ENV_VAR = "COMPLAINTS_RULES"  # another rule file (absolute path) instead of RULES_FILE
GRADES = ("general", "urgent", "major")
RESPONSIBILITY_TYPES = ("employee", "management", "institutional")
#: Default minimum n (§5 small samples): every rate/time/per-10k metric, satisfaction lower.
#: ``score``: complaints behind a department's monthly score (biggest movers).
DEFAULT_MIN_N: dict[str, int] = {"rate": 30, "csat_rate": 10, "csat_mean": 10, "score": 10}
_MIN_N_UNITS = ("rate", "hours", "score", "per_10k")  # counts and amounts have no minimum
BEFORE_FIRST_VERSION = ("warn", "refuse")
SCORING_KINDS = ("per_event", "rate_gap", "normalised")
NORMALISED_EVENTS = ("valid", "concealed_major")  # the per_event events a normalised item counts


class RulesError(ValueError):
    """The rule file is missing, unreadable or inconsistent (message names the place)."""


@dataclass(frozen=True)
class ScoringItem:
    """One row of the scoring table (docs/definitions.md#scoring).

    ``per_event``: ``points`` per complaint showing the event (a number, or a mapping
    severity → points), capped at ``cap`` per month (None = no cap).
    ``rate_gap``: ``points_per_pp`` per percentage point by which ``metric`` misses
    ``target`` (``direction`` "below": the rate falls below the target; "above": it exceeds
    it), capped at ``cap``; no deduction when the rate is null.
    ``normalised``: the events of ``event`` (weighted by ``points`` per grade, as per_event)
    per 100 complaints received (``per = "complaints"``), or per 10,000 units of business
    volume (``per = "volume"``, when a volume is loaded for the department and month, else
    per 100 complaints); ``points_per_unit`` per unit above ``target``, capped at ``cap``.
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
    event: str | None = None  # normalised: which per_event events count (e.g. "valid")
    per: str | None = None  # normalised: "complaints" (per 100) | "volume" (per 10,000)
    points_per_unit: float | None = None  # normalised: points per unit above the target

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
    """Accountability parameters (docs/definitions.md#accountability)."""

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


#: Handling-ladder stages (docs/definitions.md#handling-ladder), in ladder order. Each limit
#: runs from the stage's start (receipt; for return visit and record: resolution; for the
#: re-visit: the return visit) to the stage's own timestamp.
STAGES: tuple[str, ...] = tuple(LADDER_STAGES)
STAGE_UNITS = ("hours", "working_days")


@dataclass(frozen=True)
class StageLimit:
    """A stage's time limit: ``limit`` (every grade) or ``grade`` (per grade, wins; a grade
    with neither has no such stage, e.g. the manager contact of major complaints only) in
    ``unit`` "hours" (clock hours) or "working_days" (24:00 of the N-th working day after
    the day the stage starts, on the company calendar; make-up days count)."""

    unit: str
    limit: float | None = None
    grade: dict[str, float] = field(default_factory=dict)

    def for_grade(self, severity: str | None) -> float | None:
        """The limit for a complaint of ``severity`` (null severity: general)."""
        return self.grade.get(severity or "general", self.limit)


#: The seeds' limits (rules.toml names the seed and article of each).
DEFAULT_STAGE_LIMITS: dict[str, StageLimit] = {
    "acknowledge": StageLimit("hours", 1),
    "classify": StageLimit("hours", 24),
    "assign": StageLimit("hours", 24),
    "investigate": StageLimit("hours", 24),
    "manager_contact": StageLimit("hours", None, {"major": 2}),
    "escalate_t1": StageLimit("hours", 0.25),
    "escalate_t2": StageLimit("hours", 0.5),
    "escalate_t3": StageLimit("hours", 1),
    "resolve": StageLimit("hours", 48),
    "return_visit": StageLimit("working_days", 3),
    "revisit": StageLimit("working_days", 3),
    "record": StageLimit("hours", 48),
}


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
    quick_close_days: int = 3  # summaries: share resolved within this many working days
    repeat_window_hours: float = 720.0
    group_min_customers: int = 5
    group_window_hours: float = 24.0
    accountability: Accountability = field(default_factory=Accountability)
    scoring_base: float = 100.0
    scoring_items: tuple[ScoringItem, ...] = ()
    targets: dict[str, Target] = field(default_factory=dict)
    min_n: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_MIN_N))
    stage_limits: dict[str, StageLimit] = field(default_factory=lambda: dict(DEFAULT_STAGE_LIMITS))
    recurring_min_complaints: int = 3  # a root cause is recurring with >= N complaints ...
    recurring_months: int = 3  # ... in the M months ending with the period
    consecutive_unresolved_min: int = 2  # same customer + category unresolved N times in a row

    def min_n_for(self, metric: str) -> int | None:
        """The minimum n below which ``metric`` is a small sample (None: counts/amounts)."""
        if metric in self.min_n:
            return self.min_n[metric]
        mdef = METRICS.get(metric)
        if mdef is None or mdef.unit not in _MIN_N_UNITS:
            return None
        return self.min_n.get("rate", DEFAULT_MIN_N["rate"])

    def small_sample(self, metric: str, n: float | None) -> bool:
        """Whether a value of ``metric`` over ``n`` is a small sample (n below the minimum)."""
        minimum = self.min_n_for(metric)
        return minimum is not None and n is not None and n == n and n < minimum

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


ALERT_KINDS = ("complaint_received", "group_incident", "near_deadline", "action_overdue", "kpi_red")


@dataclass(frozen=True)
class AlertRule:
    """One alert rule of ``[[alerts.rule]]``.

    Kinds: ``complaint_received`` (a complaint of one of ``severities`` received within the
    look-back), ``group_incident`` (a group incident formed within the look-back),
    ``near_deadline`` (an open complaint that has used ``share`` of its working time to the
    resolution deadline and is not yet overdue), ``action_overdue`` (a rectification action
    past its due date and still open), ``kpi_red`` (one of ``metrics`` red against its target
    for a department, or the company, in the month of the as-of).
    """

    id: str
    kind: str
    severities: tuple[str, ...] = ("major",)
    share: float = 0.8
    metrics: tuple[str, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class AlertSettings:
    """``[alerts]``: which events are pushed, and how far back complaints are looked at."""

    lookback_days: int = 3
    rules: tuple[AlertRule, ...] = ()


@dataclass(frozen=True)
class ActionSettings:
    """``[actions]``: rectification actions (整改)."""

    default_due_working_days: int = 10
    effect_window_days: int = 30  # effectiveness: N days before the due date vs N days after


#: Every key path a rule file may hold (``<...>``: any name, e.g. a grade or a metric). The
#: parser rejects any other key, and docs/definitions.md#rule-keys documents each of them.
RULE_KEYS: tuple[str, ...] = (
    "version.id",
    "version.effective_from",
    "version.description",
    "version.description_en",
    "version.response_limit_hours.grade.<grade>",
    "version.response_limit_hours.channel.<channel>",
    "version.resolution_working_days.grade.<grade>",
    "version.resolution_working_days.multi_department",
    "version.resolution_working_days.quick_close",
    "version.repeat.window_hours",
    "version.group.min_customers",
    "version.group.window_hours",
    *(f"version.accountability.{f.name}" for f in dataclasses.fields(Accountability)),
    "version.scoring.base",
    "version.scoring.item.id",
    "version.scoring.item.kind",
    "version.scoring.item.points",
    "version.scoring.item.points.<grade>",
    "version.scoring.item.cap",
    "version.scoring.item.metric",
    "version.scoring.item.target",
    "version.scoring.item.direction",
    "version.scoring.item.points_per_pp",
    "version.scoring.item.description",
    "version.scoring.item.event",
    "version.scoring.item.per",
    "version.scoring.item.points_per_unit",
    "version.stages.<stage>.unit",
    "version.stages.<stage>.limit",
    "version.stages.<stage>.grade.<grade>",
    "version.root_cause.recurring_min_complaints",
    "version.root_cause.recurring_months",
    "version.consecutive_unresolved.min_in_row",
    "version.min_n.rate",
    "version.min_n.score",
    "version.min_n.<metric>",
    "version.targets.<metric>.target",
    "version.targets.<metric>.amber",
    "version.targets.<metric>.direction",
    "version.targets.<metric>.departments.<department>",
    "version.targets.<metric>.departments.<department>.target",
    "version.targets.<metric>.departments.<department>.amber",
    "alerts.lookback_days",
    *(f"alerts.rule.{f.name}" for f in dataclasses.fields(AlertRule)),
    "actions.default_due_working_days",
    "actions.effect_window_days",
    "before_first_version",
)


def _check_keys(table: Any, prefix: str, where: str) -> None:
    """Reject keys of ``table`` (at key path ``prefix``) that ``RULE_KEYS`` does not list."""
    if not isinstance(table, dict):
        raise RulesError(f"{where}: expected a table")
    depth = prefix.count(".") + 1 if prefix else 0
    known = {k.split(".")[depth] for k in RULE_KEYS if k.startswith(f"{prefix}.") or not prefix}
    unknown = sorted(str(k) for k in table if str(k) not in known)
    if unknown:
        raise RulesError(f"{where}: unknown keys {unknown}; known: {sorted(known)}")


@dataclass(frozen=True)
class RuleSet:
    """All versions of a rule file, ordered by effective date."""

    versions: tuple[RuleVersion, ...]
    source: str = ""
    content: bytes = b""
    alerts: AlertSettings = field(default_factory=AlertSettings)
    actions: ActionSettings = field(default_factory=ActionSettings)
    derived_digest: str = ""  # SHA-256 of the [[version]] tables only (see derived_fingerprint)
    before_first_version: str = "warn"  # months before the first version: warn | refuse

    def before_first(self, day: dt.date | dt.datetime) -> str | None:
        """For a month starting before the first version's ``effective_from``: the warning
        (one line) that it is judged by that version anyway; None when in force.

        Raises:
            RulesError: the rule file sets ``before_first_version = "refuse"``.
        """
        if isinstance(day, dt.datetime):
            day = day.date()
        first = self.versions[0]
        if day >= first.effective_from:
            return None
        text = (
            f"{day:%Y-%m} is before the first rule version {first.id} "
            f"(effective_from {first.effective_from}); judged by it anyway"
        )
        if self.before_first_version == "refuse":
            raise RulesError(
                f"{self.source}: {day:%Y-%m} is before the first rule version {first.id} "
                f"(effective_from {first.effective_from}) and before_first_version = "
                '"refuse"'
            )
        return text

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

    def derived_fingerprint(self) -> str:
        """SHA-256 (16 hex digits) of what the derived tables depend on: the ``[[version]]``
        tables, not ``[alerts]``/``[actions]`` (changing an alert must not make every reader
        rebuild the staging tables)."""
        return self.derived_digest or self.fingerprint()


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
    _check_keys(raw, "version.scoring.item", where)
    kind = raw.get("kind")
    if kind not in SCORING_KINDS:
        raise RulesError(f"{where}: kind must be one of {', '.join(SCORING_KINDS)}, got {kind!r}")
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
    elif kind == "normalised":
        for key in ("event", "target", "points_per_unit"):
            if key not in raw:
                raise RulesError(f"{where}: normalised item needs {key}")
        if raw.get("per", "complaints") not in ("complaints", "volume"):
            raise RulesError(f"{where}: per must be complaints or volume")
        if raw["event"] not in NORMALISED_EVENTS:
            raise RulesError(
                f"{where}: event must be one of {', '.join(NORMALISED_EVENTS)}, "
                f"got {raw['event']!r}"
            )
        if points is None:
            points = 1.0
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
        event=raw.get("event") if kind == "normalised" else None,
        per=str(raw.get("per", "complaints")) if kind == "normalised" else None,
        points_per_unit=None
        if raw.get("points_per_unit") is None
        else _num(raw["points_per_unit"], f"{where}.points_per_unit"),
    )


def _target(metric: str, raw: dict[str, Any], where: str) -> Target:
    _check_keys(raw, "version.targets.<metric>", where)
    direction = raw.get("direction", "higher")
    if direction not in ("higher", "lower"):
        raise RulesError(f"{where}: direction must be higher or lower")
    target = _num(raw.get("target"), f"{where}.target")
    amber = _num(raw.get("amber", target), f"{where}.amber")
    departments: dict[str, tuple[float, float]] = {}
    for dept, value in (raw.get("departments") or {}).items():
        if isinstance(value, dict):
            _check_keys(value, "version.targets.<metric>.departments.<department>", where)
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
    _check_keys(raw, "version", where)
    resp = raw.get("response_limit_hours", {})
    res = raw.get("resolution_working_days", {})
    rep = raw.get("repeat", {})
    grp = raw.get("group", {})
    acc = raw.get("accountability", {})
    sco = raw.get("scoring", {})
    rc = raw.get("root_cause", {})
    cu = raw.get("consecutive_unresolved", {})
    for section, table in (
        ("root_cause", rc),
        ("consecutive_unresolved", cu),
        ("response_limit_hours", resp),
        ("resolution_working_days", res),
        ("repeat", rep),
        ("group", grp),
        ("accountability", acc),
        ("scoring", sco),
    ):
        _check_keys(table, f"version.{section}", f"{where}.{section}")
    acc_defaults = Accountability()
    accountability = Accountability(
        **{
            name: type(getattr(acc_defaults, name))(
                _num(acc.get(name, getattr(acc_defaults, name)), f"{where}.accountability.{name}")
            )
            for name in acc_defaults.__dataclass_fields__
        }
    )
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
        quick_close_days=_int(
            res.get("quick_close", defaults.quick_close_days),
            f"{where}.resolution_working_days.quick_close",
            1,
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
        min_n=_min_n(raw.get("min_n", {}), f"{where}.min_n"),
        stage_limits=_stages(raw.get("stages", {}), f"{where}.stages"),
        recurring_min_complaints=_int(
            rc.get("recurring_min_complaints", defaults.recurring_min_complaints),
            f"{where}.root_cause.recurring_min_complaints",
            1,
        ),
        recurring_months=_int(
            rc.get("recurring_months", defaults.recurring_months),
            f"{where}.root_cause.recurring_months",
            1,
        ),
        consecutive_unresolved_min=_int(
            cu.get("min_in_row", defaults.consecutive_unresolved_min),
            f"{where}.consecutive_unresolved.min_in_row",
            2,
        ),
    )


def _stages(raw: Any, where: str) -> dict[str, StageLimit]:
    """``[version.stages.<stage>]``: each stage's limit (stages not given keep the default)."""
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: expected a table of stages")
    out = dict(DEFAULT_STAGE_LIMITS)
    for stage, table in raw.items():
        here = f"{where}.{stage}"
        if stage not in STAGES:
            raise RulesError(f"{here}: unknown stage; use one of {', '.join(STAGES)}")
        _check_keys(table, "version.stages.<stage>", here)
        unit = table.get("unit", out[stage].unit)
        if unit not in STAGE_UNITS:
            raise RulesError(f"{here}.unit: use hours or working_days, got {unit!r}")
        limit = None if table.get("limit") is None else _num(table["limit"], f"{here}.limit")
        grade = _num_map(table.get("grade", {}), f"{here}.grade")
        bad = sorted(set(grade) - set(GRADES))
        if bad:
            raise RulesError(f"{here}.grade: unknown grades {bad}")
        values = [v for v in (limit, *grade.values()) if v is not None]
        if not values:
            raise RulesError(f"{here}: give limit or grade")
        if any(v <= 0 for v in values) or (
            unit == "working_days" and any(v != int(v) for v in values)
        ):
            raise RulesError(f"{here}: limits must be > 0 (whole numbers for working_days)")
        out[str(stage)] = StageLimit(str(unit), limit, grade)
    return out


def _min_n(raw: Any, where: str) -> dict[str, int]:
    """``[version.min_n]``: ``rate`` (every rate/time metric) and per-metric minimum n."""
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: expected a table like {{ rate = 30, csat_rate = 10 }}")
    out = dict(DEFAULT_MIN_N)
    for key, value in raw.items():
        if key not in ("rate", "score") and key not in METRICS:
            raise RulesError(f"{where}.{key}: unknown metric (use rate, score or a metric name)")
        number = _num(value, f"{where}.{key}")
        if number < 0 or number != int(number):
            raise RulesError(f"{where}.{key}: expected a whole number ≥ 0, got {value!r}")
        out[str(key)] = int(number)
    return out


def _int(value: Any, where: str, minimum: int) -> int:
    number = _num(value, where)
    if number != int(number) or number < minimum:
        raise RulesError(f"{where}: expected a whole number ≥ {minimum}, got {value!r}")
    return int(number)


def _alert_rule(raw: Any, where: str) -> AlertRule:
    _check_keys(raw, "alerts.rule", where)
    kind = raw.get("kind")
    if kind not in ALERT_KINDS:
        raise RulesError(f"{where}.kind: use one of {', '.join(ALERT_KINDS)}, got {kind!r}")
    if not isinstance(raw.get("id"), str) or not raw["id"]:
        raise RulesError(f"{where}.id: a name is required")
    severities = tuple(str(s) for s in raw.get("severities", ("major",)))
    bad = [s for s in severities if s not in GRADES]
    if bad:
        raise RulesError(f"{where}.severities: unknown grades {bad}")
    share = _num(raw.get("share", 0.8), f"{where}.share")
    if not 0 < share < 1:
        raise RulesError(f"{where}.share: expected a fraction between 0 and 1, got {share}")
    metrics = tuple(str(m) for m in raw.get("metrics", ()))
    if kind == "kpi_red" and not metrics:
        raise RulesError(f"{where}.metrics: a kpi_red rule needs the metrics to watch")
    unknown_metrics = [m for m in metrics if m not in METRICS]
    if unknown_metrics:
        raise RulesError(f"{where}.metrics: unknown metrics {unknown_metrics}")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RulesError(f"{where}.enabled: expected true or false")
    return AlertRule(str(raw["id"]), kind, severities, share, metrics, enabled)


def _alerts(raw: Any, source: str) -> AlertSettings:
    _check_keys(raw, "alerts", f"{source}: alerts")
    rules = tuple(
        _alert_rule(r, f"{source}: alerts.rule[{i}]") for i, r in enumerate(raw.get("rule", []))
    )
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise RulesError(f"{source}: alerts.rule: duplicate ids {ids}")
    return AlertSettings(
        lookback_days=_int(raw.get("lookback_days", 3), f"{source}: alerts.lookback_days", 1),
        rules=rules,
    )


def _actions(raw: Any, source: str) -> ActionSettings:
    _check_keys(raw, "actions", f"{source}: actions")
    return ActionSettings(
        default_due_working_days=_int(
            raw.get("default_due_working_days", 10),
            f"{source}: actions.default_due_working_days",
            1,
        ),
        effect_window_days=_int(
            raw.get("effect_window_days", 30), f"{source}: actions.effect_window_days", 1
        ),
    )


def parse_rules(content: bytes, source: str = "<string>") -> RuleSet:
    """Parse rule-file content (TOML bytes) into a ``RuleSet``."""
    try:
        doc = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{source}: not valid TOML: {exc}") from exc
    _check_keys(doc, "", source)
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
    before = doc.get("before_first_version", "warn")
    if before not in BEFORE_FIRST_VERSION:
        raise RulesError(f"{source}: before_first_version must be warn or refuse, got {before!r}")
    return RuleSet(
        tuple(versions),
        source=source,
        content=content,
        before_first_version=before,
        alerts=_alerts(doc.get("alerts", {}), source),
        actions=_actions(doc.get("actions", {}), source),
        derived_digest=hashlib.sha256(
            json.dumps(
                {k: v for k, v in doc.items() if k not in ("alerts", "actions")},
                sort_keys=True,
                default=str,
                ensure_ascii=False,
            ).encode("utf-8")
        ).hexdigest()[:16],
    )


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
