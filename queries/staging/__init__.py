"""Derived staging tables (docs/definitions.md#metrics, #deadlines): refreshed on every publication.

``refresh(conn)`` (called by ``store.write_transaction`` before publishing) rebuilds, from the
canonical tables, the rule configuration and the company calendar:

==========================  ===========================================================
``stg_rules``               one row per rule version (``stg_rules_grade``/``_channel``)
``stg_department_map``      department text in the data → department id, names, parent
``stg_department_tree``     ancestor → descendant pairs (filters include child departments)
``stg_volumes``             business volume per department and month
``stg_supplied``            per department: which input fields the source supplied
``stg_calendar``            one row per day: working day, covered, working-day sequence
``stg_group_members``       complaint → group incident (``stg_group_incidents``: incidents)
``stg_complaints``          one row per complaint: canonical + derived columns
``stg_stages``              one row per complaint x handling-ladder stage: limit, due, done
``stg_penalties``           penalty records + department, complaint facts, accountability deadlines
==========================  ===========================================================

Each derived table is a ``select`` in ``queries/<table>.sql`` wrapped here in
``create or replace table``. An import passes ``refresh(conn, changes=Changes(...))``: the
small tables are still rebuilt, but the tables of ``INCREMENTAL_KEYS`` are updated by
deleting and re-inserting only the keys the changed rows can affect, computed by the SAME
``select`` run against temporary tables that shadow its inputs (``complaints``,
``penalties``, ``stg_group_triggers``, ``stg_group_members``) with the affected rows and
the context they need (see ``_Incremental``); every other table is rebuilt in full. A
changed rule file or calendar, a changed department mapping, an earlier first day or a
missing derived table makes it a full rebuild. The fingerprints of the rule file and the
calendar are stored in ``meta``; ``ensure_current(conn)`` lets a read-only reader whose
rules differ from the published ones rebuild the derived tables in its own memory (never
silently stale).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import threading
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from queries import audit, store
from queries.config import rules, workcalendar
from queries.errors import MartsOutOfDateError
from queries.staging import kpi_month, page_lists

#: Columns of ``stg_complaints`` added to the canonical ``complaints`` columns.
STG_COMPLAINTS_DERIVED: tuple[str, ...] = (
    "department_id",  # resolved department (id; the raw text when not in `departments`)
    "department_name_zh",
    "department_name_en",
    "parent_department_id",  # parent in `departments` (null for top level)
    "parent_department_name_zh",  # parent's name, or own name for top level (roll-up key)
    "received_date",  # date
    "rules_version",  # version in force at received_at
    "response_limit_h",  # double, clock hours; min(grade, channel)
    "resolution_days",  # int, working days of the deadline rule
    "resolution_deadline",  # timestamp (24:00 of the N-th working day, or extended_deadline)
    "calendar_covered",  # bool: statutory calendar known for the receipt and deadline days
    "received_work_s",  # working seconds on the calendar's clock at receipt (see stg_calendar)
    "deadline_work_s",  # working seconds at the resolution deadline
    "response_due_at",  # timestamp = received_at + limit
    "first_response_h",  # double, exact hours; null without response
    "responded_within_limit",  # bool, null if no response
    "resolution_h",  # double, exact hours; null if unresolved
    "resolved_by_deadline",  # bool, null if unresolved
    "resolved_quickly",  # bool: resolved by 24:00 of the quick_close-th working day; null if open
    "resolution_working_h",  # double, hours counted on working days only
    "first_response_working_h",  # double
    "is_repeat",  # bool
    "repeat_of_complaint_id",  # varchar
    "group_incident_id",  # varchar, null when not part of a group incident
    "group_qualified_at",  # timestamp: when the incident reached the minimum of customers
    "satisfaction_class",  # 'satisfied' | 'neutral' | 'dissatisfied' | null
    "is_excluded",  # bool: verified malicious (excluded from deductions and penalties)
    "is_void",  # bool: status withdrawn/duplicate/cancelled (out of every KPI cohort)
    "closed_without_resolution",  # bool: closed by status/closed_at, no resolved_at
)

#: Derived tables in build order (each but the rule and calendar-day tables from queries/).
STAGING_TABLES: tuple[str, ...] = (
    "stg_rules",
    "stg_rules_grade",
    "stg_rules_channel",
    "stg_rules_stages",
    "stg_department_map",
    "stg_department_tree",
    "stg_volumes",
    "stg_supplied",
    "stg_calendar_days",
    "stg_calendar",
    "stg_group_triggers",
    "stg_group_members",
    "stg_group_incidents",
    "stg_complaints",
    "stg_stages",
    "stg_penalties",
)

#: Derived tables an incremental refresh updates by key (delete + re-insert of the affected
#: keys); any derived table not named here is rebuilt in full on every publication.
INCREMENTAL_KEYS: dict[str, tuple[str, ...]] = {
    "stg_group_triggers": ("complaint_id",),
    "stg_group_members": ("complaint_id",),
    "stg_group_incidents": ("group_incident_id",),
    "stg_complaints": ("complaint_id",),
    "stg_stages": ("complaint_id",),
    "stg_penalties": ("penalty_id",),
}


@dataclass
class Changes:
    """What a publication changed in the canonical tables, for ``refresh(changes=...)``.

    ``complaints``/``penalties``: keys of the rows inserted or updated (their old values are
    read from the published derived tables). ``full``: the change can affect every row (a
    departments import), so rebuild everything.
    """

    complaints: set[str] = field(default_factory=set)
    penalties: set[str] = field(default_factory=set)
    full: bool = False


# Where a rebuild writes: the published file (writer), or a reader's own memory.
_TARGETS = {"default": "", "memory": "memory.main.", "temp": "temp.main."}
_CALENDAR_MARGIN_BEFORE = dt.timedelta(days=31)
_CALENDAR_MARGIN_AFTER = dt.timedelta(days=400)
_lock = threading.Lock()
#: ``meta`` key of a database serving derived tables built on Spark (``complaints attach``):
#: they are never rebuilt here from the raw history.
MARTS_KEY = "marts_source"


def current_fingerprint(rule_set: rules.RuleSet | None = None) -> str:
    """Fingerprint of what the derived tables depend on besides the data: the rules, the
    calendar and the staging SQL (a new version of the product that derives a table
    differently, e.g. with a new column, rebuilds the derived tables instead of reading
    stale ones)."""
    rule_set = rule_set or rules.load_rules()
    calendar = workcalendar.overrides_fingerprint()
    return f"{rule_set.derived_fingerprint()}:{calendar}:{_sql_fingerprint()}"


@functools.cache
def _sql_fingerprint() -> str:
    """Digest of the staging SQL (every derived table's select, includes expanded)."""
    digest = hashlib.sha256()
    for name in STAGING_TABLES:
        try:
            text = store.sql_file(name)
        except KeyError:  # built from a frame (rules, calendar days), not from SQL
            continue
        digest.update(f"{name}\0{text}\0".encode())
    return digest.hexdigest()[:12]


def rule_frames(rule_set: rules.RuleSet) -> dict[str, pd.DataFrame]:
    """The rule tables ``stg_rules``, ``stg_rules_grade``, ``stg_rules_channel`` and
    ``stg_rules_stages`` (also passed to the Spark build as they are)."""
    versions, grades, channels, stages = [], [], [], []
    for i, v in enumerate(rule_set.versions):
        acc = v.accountability
        versions.append(
            {
                "rules_version": v.id,
                "effective_from": v.effective_from,
                "effective_to": v.effective_to,
                # the first version also judges anything before its date
                "valid_from": dt.datetime(1900, 1, 1)
                if i == 0
                else dt.datetime.combine(v.effective_from, dt.time()),
                "multi_department_days": v.multi_department_days,
                "quick_close_days": v.quick_close_days,
                "repeat_window_h": float(v.repeat_window_hours),
                "group_min_customers": v.group_min_customers,
                "group_window_h": float(v.group_window_hours),
                "acc_employee_days": acc.employee_days,
                "acc_management_days": acc.management_days,
                "acc_institutional_days": acc.institutional_days,
                "joint_liability_share": float(acc.joint_liability_share),
                "joint_liability_min_level": acc.joint_liability_min_level,
                "publication_days": acc.publication_days,
                "repeat_after_penalty_days": acc.repeat_after_penalty_days,
                "scoring_base": float(v.scoring_base),
            }
        )
        for sev in sorted(set(v.response_limit_grade) | set(v.resolution_days_grade)):
            grades.append(
                {
                    "rules_version": v.id,
                    "severity": sev,
                    "response_limit_h": v.response_limit_grade.get(sev),
                    "resolution_days": v.resolution_days_grade.get(sev),
                }
            )
        for ch, hours in v.response_limit_channel.items():
            channels.append({"rules_version": v.id, "channel": ch, "response_limit_h": hours})
        for order, stage in enumerate(rules.STAGES, start=1):
            limit = v.stage_limits[stage]
            for sev in rules.GRADES:
                value = limit.for_grade(sev)
                if value is not None:
                    stages.append(
                        {
                            "rules_version": v.id,
                            "stage": stage,
                            "stage_order": order,
                            "severity": sev,
                            "unit": limit.unit,
                            "limit_value": float(value),
                        }
                    )
    return {
        "stg_rules": pd.DataFrame(versions),
        "stg_rules_grade": pd.DataFrame(
            grades, columns=["rules_version", "severity", "response_limit_h", "resolution_days"]
        ).astype({"response_limit_h": "float64", "resolution_days": "Int64"}),
        "stg_rules_channel": pd.DataFrame(
            channels, columns=["rules_version", "channel", "response_limit_h"]
        ).astype({"response_limit_h": "float64"}),
        "stg_rules_stages": pd.DataFrame(
            stages,
            columns=["rules_version", "stage", "stage_order", "severity", "unit", "limit_value"],
        ).astype({"stage_order": "int64", "limit_value": "float64"}),
    }


def calendar_span(lo: dt.date | None, hi: dt.date | None) -> tuple[dt.date, dt.date]:
    """The calendar's first and last day from the data's first and last date
    (``calendar_range.sql``), with margins for deadlines and as-of times."""
    today = dt.date.today()
    lo = lo or today
    hi = max(hi or today, lo)
    return lo - _CALENDAR_MARGIN_BEFORE, hi + _CALENDAR_MARGIN_AFTER


def _calendar_range(conn: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date]:
    """Every complaint and penalty date, with margins for deadlines and as-of times."""
    lo, hi = conn.execute(store.sql_file("calendar_range")).fetchall()[0]
    return calendar_span(lo, hi)


def group_rule_pairs(rule_set: rules.RuleSet) -> list[tuple[float, int]]:
    """The distinct (group window hours, minimum customers) pairs of the rule versions:
    ``stg_group_triggers`` runs once per pair."""
    pairs = {(v.group_window_hours, v.group_min_customers) for v in rule_set.versions}
    return [(float(h), int(m)) for h, m in sorted(pairs)]


def _create_from_frame(
    conn: duckdb.DuckDBPyConnection, prefix: str, name: str, frame: pd.DataFrame
) -> None:
    view = f"_stg_frame_{name}"
    conn.register(view, frame)
    try:
        conn.execute(f"create or replace table {prefix}{name} as select * from {view}")
    finally:
        conn.unregister(view)


def _create_from_sql(
    conn: duckdb.DuckDBPyConnection,
    prefix: str,
    name: str,
    params: dict[str, object] | None = None,
) -> None:
    conn.execute(f"create or replace table {prefix}{name} as {store.sql_file(name)}", params or {})


def _build(
    conn: duckdb.DuckDBPyConnection,
    rule_set: rules.RuleSet,
    target: str = "default",
    plan: _Incremental | None = None,
) -> str:
    """Build the derived tables into ``target``; returns "incremental" when ``plan`` held,
    else "full"."""
    prefix = _TARGETS[target]
    for name, frame in rule_frames(rule_set).items():
        _create_from_frame(conn, prefix, name, frame)
    for name in ("stg_department_map", "stg_department_tree", "stg_volumes", "stg_supplied"):
        _create_from_sql(conn, prefix, name)
    start, end = _calendar_range(conn)
    days = workcalendar.calendar_frame(start, end).rename(columns={"date": "cal_date"})
    _create_from_frame(conn, prefix, "stg_calendar_days", days)
    _create_from_sql(conn, prefix, "stg_calendar")
    if plan is not None and not plan.holds(conn, start):
        plan = None
        if target == "default":
            _release(conn, tuple(INCREMENTAL_KEYS))
    if plan is None:
        _group_triggers(conn, f"{prefix}stg_group_triggers", rule_set, create=True)
    else:
        plan.update(conn, "stg_group_triggers", rule_set)
    for name in (
        "stg_group_members",
        "stg_group_incidents",
        "stg_complaints",
        "stg_stages",
        "stg_penalties",
    ):
        if plan is not None and name in INCREMENTAL_KEYS:
            plan.update(conn, name, rule_set)
        else:
            _create_from_sql(conn, prefix, name)
    return "full" if plan is None else "incremental"


def _group_triggers(
    conn: duckdb.DuckDBPyConnection, table: str, rule_set: rules.RuleSet, *, create: bool
) -> None:
    """Fill ``table`` from stg_group_triggers.sql, run once per distinct (window, minimum)
    pair of the rule versions (created by the first run when ``create``, else appended)."""
    sql = store.sql_file("stg_group_triggers")
    for i, (hours, minimum) in enumerate(group_rule_pairs(rule_set)):
        params = {"window_hours": hours, "min_customers": minimum}
        verb = "create or replace table {} as" if create and i == 0 else "insert into {}"
        conn.execute(f"{verb.format(table)} {sql}", params)


#: The ``complaints`` columns stg_group_triggers/_members/_incidents.sql read.
_GROUP_INPUTS = ("complaint_id", "received_at", "customer_id", "category", "department")


def _within(spans: str, column: str = "trigger_at") -> str:
    """`` semi join`` of ``t`` (department_id, category, ``column``) with the time spans of
    the temp table ``spans`` (department_id, category, lo, hi; bounds included)."""
    return (
        f" semi join {spans} as r on r.department_id = t.department_id"
        f" and r.category = t.category and t.{column} between r.lo and r.hi"
    )


class _Incremental:
    """Updates the keyed derived tables for the rows of one ``Changes``.

    Every step runs the table's own ``select`` (``queries/staging/stg_*.sql``) in the writer
    connection with TEMP tables named like its inputs, which DuckDB resolves before the
    database's own tables: the shadow holds the affected rows plus every row their derived
    columns read, so the select returns exactly the rows a full rebuild would for them.
    The published tables are addressed through the database's catalog name.

    Affected rows (old values from the published derived tables, new from the canonical):
    group incidents: the triggers of a changed complaint's (department, category) received
    within the longest group window after its old or new receipt, recomputed from the rows
    one window earlier on; then every complaint of the dirty spans: the recomputed spans
    merged with the windows [window_start, trigger_at] of the recomputed triggers and the
    spans of the old incidents that overlap or touch them (a chain of windows of any
    length: whole incidents, old and new);
    repeats: complaints of the same customer and category received within the longest
    repeat window of the rules (``stg_rules.repeat_window_h``) after a changed complaint's
    old or new receipt; complaints whose group membership changed; handling-ladder stages
    of those complaints and of every complaint of a department whose supplied fields
    (``stg_supplied``) changed; penalties changed or of a changed complaint.
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection, changes: Changes) -> None:
        name = conn.execute("select current_database()").fetchall()[0][0]
        self.db = '"' + str(name).replace('"', '""') + '".main.'
        self.penalties = sorted(changes.penalties)
        d = self.db
        conn.execute(
            "create or replace temp table _inc_keys as"
            " select distinct unnest($k::varchar[]) as complaint_id",
            {"k": sorted(changes.complaints)},
        )
        conn.execute(
            "create or replace temp table _inc_old as select complaint_id, customer_id,"
            f" category, received_at, department_id from {d}stg_complaints"
            " where complaint_id in (select complaint_id from _inc_keys)"
        )
        conn.execute(f"create or replace temp table _inc_old_map as from {d}stg_department_map")
        conn.execute(f"create or replace temp table _inc_old_supplied as from {d}stg_supplied")
        conn.execute(f"create or replace temp table _inc_old_volumes as from {d}stg_volumes")
        self.first_day = conn.execute(f"select min(cal_date) from {d}stg_calendar").fetchall()[0][0]

    def holds(self, conn: duckdb.DuckDBPyConnection, first_day: dt.date) -> bool:
        """Whether the rows outside the affected keys are unchanged by the rebuilt small
        tables: same first calendar day (working seconds count from it), no department
        text mapped differently than before."""
        if first_day != self.first_day:
            return False
        remapped = conn.execute(
            f"select count(*) from (from _inc_old_map except from {self.db}stg_department_map)"
            f" as o semi join {self.db}stg_department_map as n using (raw_department)"
        ).fetchall()[0][0]
        return not remapped

    def update(self, conn: duckdb.DuckDBPyConnection, name: str, rule_set: rules.RuleSet) -> None:
        """Bring the keyed derived table ``name`` up to date (tables in build order)."""
        getattr(self, "_" + name)(conn, rule_set)

    def _shadow(self, conn: duckdb.DuckDBPyConnection, name: str, select: str) -> None:
        """Create the TEMP table ``name`` from ``select``."""
        conn.execute(f"create or replace temp table {name} as {select}")

    def _stg_group_triggers(self, conn: duckdb.DuckDBPyConnection, rule_set: rules.RuleSet) -> None:
        """Recompute the triggers received within the longest group window after a changed
        row's old or new receipt (the only ones whose trailing window holds it), from the
        rows of [that span's start - window, its end]; then mark the dirty spans the
        members step recomputes (``_inc_dirty``)."""
        d = self.db
        window: dict[str, object] = {"w": self.group_window_h(conn)}
        span = "to_seconds($w * 3600)"
        # each changed row's old and new place (department, category, receipt); the spans
        # [receipt, receipt + window] of one partition merged where they overlap
        conn.execute(
            f"""
            create or replace temp table _inc_ranges as
            with anchors as (
                select department_id, category, received_at from _inc_old
                union
                select m.department_id, c.category, c.received_at
                from {d}complaints as c
                join {d}stg_department_map as m on m.raw_department = c.department
                where c.complaint_id in (select complaint_id from _inc_keys)
            ),
            ordered as (
                select *, max(received_at) over (
                    partition by department_id, category order by received_at
                    rows between unbounded preceding and 1 preceding
                ) as prev
                from anchors
                where category is not null and received_at is not null
            ),
            grouped as (
                select *, sum(case when prev is null or received_at > prev + {span}
                    then 1 else 0 end) over (
                    partition by department_id, category order by received_at
                    rows unbounded preceding
                ) as grp
                from ordered
            )
            select department_id, category, min(received_at) as lo,
                max(received_at) + {span} as hi
            from grouped group by department_id, category, grp
            """,
            window,
        )
        # only the columns the group selects read (a select reading another one fails
        # loudly here, never silently): copying the wide rows cost more than the windows
        self._shadow_complaints(conn, "_inc_ranges", f"r.lo - {span}", window)
        self._shadow(conn, "_inc_trig_all", f"from {d}stg_group_triggers limit 0")
        _group_triggers(conn, "_inc_trig_all", rule_set, create=False)
        conn.execute("drop table temp.complaints")
        self._shadow(conn, "_inc_triggers", "from _inc_trig_all as t" + _within("_inc_ranges"))
        # a trigger chains its window [window_start, trigger_at] to the next one: the
        # recomputed spans, the windows of the recomputed triggers and the spans of the old
        # incidents (each holds its triggers' windows: from its first member less the
        # longest window to its last member, itself a trigger), merged where they overlap or
        # touch; a merged span holding a recomputed one is dirty (its incidents may change),
        # every other one holds only unchanged triggers and complaints (whole incidents)
        conn.execute(
            f"""
            create or replace temp table _inc_dirty as
            with parts as (select distinct department_id, category from _inc_ranges),
            spans as (
                select department_id, category, lo, hi, 1 as dirty from _inc_ranges
                union all
                -- an old incident covers its windows: [first member - window, last]
                select g.department_id, g.category, g.first_received_at - {span},
                    g.last_received_at, 0
                from {d}stg_group_incidents as g
                semi join parts as p
                    on p.department_id = g.department_id and p.category = g.category
                union all
                select department_id, category, window_start, trigger_at, 0 from _inc_triggers
            ),
            ordered as (
                select *, max(hi) over (
                    partition by department_id, category order by lo, hi
                    rows between unbounded preceding and 1 preceding
                ) as prev_hi
                from spans
            ),
            merged as (
                select *, sum(case when prev_hi is null or lo > prev_hi then 1 else 0 end)
                    over (
                        partition by department_id, category order by lo, hi
                        rows unbounded preceding
                    ) as grp
                from ordered
            )
            select department_id, category, min(lo) as lo, max(hi) as hi
            from merged group by department_id, category, grp
            having max(dirty) = 1
            """,
            window,
        )
        self._shadow(
            conn,
            "_inc_trig_old",
            f"select complaint_id from {d}stg_group_triggers as t"
            + _within("_inc_ranges")
            + " union select complaint_id from _inc_keys",
        )
        self._replace(
            conn,
            "stg_group_triggers",
            "_inc_triggers",
            "complaint_id in (select complaint_id from _inc_trig_old)",
        )

    def group_window_h(self, conn: duckdb.DuckDBPyConnection) -> float:
        """The longest group window of the rule versions, in hours."""
        hours = conn.execute(f"select max(group_window_h) from {self.db}stg_rules").fetchall()
        return float(hours[0][0] or 0)

    def _shadow_complaints(
        self,
        conn: duckdb.DuckDBPyConnection,
        spans: str,
        lo: str,
        params: dict[str, object] | None = None,
    ) -> None:
        """TEMP ``complaints``: the group columns of the complaints received within a span
        of ``spans`` (department_id, category, lo, hi) of their department and category,
        the span starting at the expression ``lo`` (of ``r``)."""
        d = self.db
        conn.execute(
            "create or replace temp table complaints as"
            f" select {', '.join('c.' + col for col in _GROUP_INPUTS)} from {d}complaints as c"
            f" join {d}stg_department_map as m on m.raw_department = c.department"
            f" semi join {spans} as r on r.department_id = m.department_id"
            f" and r.category = c.category and c.received_at between {lo} and r.hi",
            params or {},
        )

    def _replace(self, conn: duckdb.DuckDBPyConnection, table: str, rows: str, where: str) -> None:
        """Delete the published rows of ``table`` matching ``where`` and insert ``rows`` (a
        temp table)."""
        conn.execute(f"delete from {self.db}{table} where {where}")
        conn.execute(f"insert into {self.db}{table} by name from {rows}")

    def _stg_group_members(self, conn: duckdb.DuckDBPyConnection, _rules: rules.RuleSet) -> None:
        """Recompute the members of the dirty spans (whole incidents) from their complaints
        and the (now published) triggers within them."""
        d = self.db
        self._shadow(
            conn, "stg_group_triggers", f"from {d}stg_group_triggers as t" + _within("_inc_dirty")
        )
        self._shadow_complaints(conn, "_inc_dirty", "r.lo")
        self._shadow(conn, "_inc_members", store.sql_file("stg_group_members"))
        conn.execute("drop table temp.stg_group_triggers")
        # the old members of every complaint in a dirty span: unchanged complaints are
        # where they were, changed ones are among the keys
        self._shadow(
            conn,
            "_inc_old_members",
            f"from {d}stg_group_members where complaint_id in"
            " (select complaint_id from complaints union select complaint_id from _inc_keys)",
        )
        self._shadow(
            conn,
            "_inc_regrouped",
            "select complaint_id from (from _inc_old_members except from _inc_members)"
            " union select complaint_id from (from _inc_members except from _inc_old_members)",
        )
        self._replace(
            conn,
            "stg_group_members",
            "_inc_members",
            "complaint_id in (select complaint_id from _inc_old_members)",
        )

    def _stg_group_incidents(self, conn: duckdb.DuckDBPyConnection, _rules: rules.RuleSet) -> None:
        """Replace the incidents of the dirty spans (an old incident lies wholly inside or
        wholly outside them)."""
        self._shadow(conn, "stg_group_members", "from _inc_members")
        self._shadow(conn, "_inc_incidents", store.sql_file("stg_group_incidents"))
        conn.execute("drop table temp.stg_group_members")
        conn.execute("drop table temp.complaints")
        self._replace(
            conn,
            "stg_group_incidents",
            "_inc_incidents",
            "group_incident_id in (select group_incident_id from _inc_old_members)",
        )

    def _stg_complaints(self, conn: duckdb.DuckDBPyConnection, _rules: rules.RuleSet) -> None:
        d = self.db
        window_h = conn.execute(f"select max(repeat_window_h) from {d}stg_rules").fetchall()[0][0]
        conn.execute(
            f"""
            create or replace temp table _inc_affected as
            with anchors as (
                select customer_id, category, received_at from _inc_old
                union all
                select customer_id, category, received_at from {d}complaints
                where complaint_id in (select complaint_id from _inc_keys)
            )
            select complaint_id from _inc_keys
            union
            select c.complaint_id
            from {d}complaints as c
            join anchors as a
                on a.customer_id = c.customer_id
                and a.category = c.category
                and c.received_at between a.received_at
                    and a.received_at + to_seconds($window_h * 3600)
            union
            select complaint_id from _inc_regrouped
            """,
            {"window_h": float(window_h or 0)},
        )
        # the affected complaints and every complaint of their customer and category (the
        # repeat link looks back over the customer's whole history)
        self._shadow(
            conn,
            "complaints",
            f"""
            with touched as (
                select complaint_id, customer_id, category from {d}complaints
                where complaint_id in (select complaint_id from _inc_affected)
            )
            select c.* from {d}complaints as c
            where c.complaint_id in (select complaint_id from touched)
                or (c.customer_id, c.category) in (
                    select (customer_id, category) from touched
                    where customer_id is not null and category is not null
                )
            """,
        )
        self._shadow(
            conn,
            "_inc_rows",
            f"select * from ({store.sql_file('stg_complaints')}) as s"
            " where s.complaint_id in (select complaint_id from _inc_affected)",
        )
        conn.execute("drop table temp.complaints")
        # the receipt months of the replaced rows, old and new (the monthly KPI mart's)
        conn.execute(
            "create or replace temp table _inc_months as"
            " select distinct strftime(received_date, '%Y-%m') as month from _inc_rows"
            f" union select distinct strftime(received_date, '%Y-%m') from {d}stg_complaints"
            " where complaint_id in (select complaint_id from _inc_affected)"
        )
        self._replace(
            conn,
            "stg_complaints",
            "_inc_rows",
            "complaint_id in (select complaint_id from _inc_affected)",
        )

    def _stg_stages(self, conn: duckdb.DuckDBPyConnection, _rules: rules.RuleSet) -> None:
        d = self.db
        # a complaint's stages read only its own derived row, the rules, the calendar and
        # which fields its department's source supplied (every stage's "measured")
        conn.execute(
            f"""
            create or replace temp table _inc_stage_keys as
            select complaint_id from _inc_affected
            union
            select complaint_id from {d}stg_complaints
            where department_id in (
                select department_id from (
                    (from _inc_old_supplied except from {d}stg_supplied)
                    union all
                    (from {d}stg_supplied except from _inc_old_supplied)
                )
            )
            """
        )
        self._shadow(
            conn,
            "stg_complaints",
            f"from {d}stg_complaints"
            " where complaint_id in (select complaint_id from _inc_stage_keys)",
        )
        self._shadow(conn, "_inc_stages", store.sql_file("stg_stages"))
        conn.execute("drop table temp.stg_complaints")
        self._replace(
            conn,
            "stg_stages",
            "_inc_stages",
            "complaint_id in (select complaint_id from _inc_stage_keys)",
        )

    def _stg_penalties(self, conn: duckdb.DuckDBPyConnection, _rules: rules.RuleSet) -> None:
        d = self.db
        conn.execute(
            f"create or replace temp table penalties as from {d}penalties"
            " where list_contains($p, penalty_id)"
            " or complaint_id in (select complaint_id from _inc_keys)",
            {"p": self.penalties},
        )
        self._shadow(conn, "_inc_penalties", store.sql_file("stg_penalties"))
        self._replace(
            conn,
            "stg_penalties",
            "_inc_penalties",
            "penalty_id in (select penalty_id from temp.penalties)",
        )
        conn.execute("drop table temp.penalties")

    def mart_months(self, conn: duckdb.DuckDBPyConnection) -> set[str] | None:
        """The receipt months of the monthly KPI mart this change can reach (after the
        update): those of the replaced complaint rows and of changed business volumes;
        None (every month) when a department's supplied fields changed."""
        d = self.db
        supplied = conn.execute(
            "select count(*) from ("
            f"(from _inc_old_supplied except from {d}stg_supplied)"
            f" union all (from {d}stg_supplied except from _inc_old_supplied))"
        ).fetchall()[0][0]
        if supplied:
            return None
        rows = conn.execute(
            "select month from _inc_months union select strftime(month, '%Y-%m') from ("
            f"(from _inc_old_volumes except from {d}stg_volumes)"
            f" union all (from {d}stg_volumes except from _inc_old_volumes))"
        ).fetchall()
        return {str(r[0]) for r in rows if r[0] is not None}

    @staticmethod
    def drop(conn: duckdb.DuckDBPyConnection) -> None:
        """Drop every temp table of an incremental refresh."""
        names = conn.execute(
            "select table_name from duckdb_tables() where database_name = 'temp'"
        ).fetchall()
        shadows = {
            "complaints",
            "penalties",
            "stg_group_triggers",
            "stg_group_members",
            "stg_complaints",
        }
        for (name,) in names:
            if name.startswith("_inc_") or name in shadows:
                conn.execute(f'drop table if exists temp."{name}"')


def refresh(
    conn: duckdb.DuckDBPyConnection,
    rule_set: rules.RuleSet | None = None,
    *,
    changes: Changes | None = None,
) -> str:
    """Rebuild the derived tables from the canonical ones (read-write connection) and record
    the configuration fingerprint in ``meta``; returns "full" or "incremental" (also
    recorded in ``meta`` as ``staging_refresh_mode``).

    Args:
        changes: the canonical rows this publication changed: only what they can affect is
            re-derived (``_Incremental``); None, or a change a partial update cannot follow
            (rules, calendar, department mapping, first day, a missing table), rebuilds all.
    """
    rule_set = rule_set or rules.load_rules()
    plan = _incremental_plan(conn, rule_set, changes)
    # the tables need no insertion order (readers sort explicitly); keeping it
    # costs memory that made the 10M build run out of it
    keep_order = conn.execute("select current_setting('preserve_insertion_order')").fetchall()
    conn.execute("set preserve_insertion_order = false")
    try:
        _release(conn, tuple(t for t in STAGING_TABLES if not plan or t not in INCREMENTAL_KEYS))
        mode = _build(conn, rule_set, "default", plan)
        months = plan.mart_months(conn) if plan is not None and mode == "incremental" else None
        kpi_month.refresh(conn, current_fingerprint(rule_set), months)
        page_lists.refresh(conn)
    finally:
        conn.execute(f"set preserve_insertion_order = {bool(keep_order[0][0])}")
        if plan is not None:
            _Incremental.drop(conn)
    _audit_rule_change(conn, rule_set)
    values = {
        "rules_content": rule_set.content.decode("utf-8", "replace"),
        "staging_fingerprint": current_fingerprint(rule_set),
        "rules_fingerprint": rule_set.fingerprint(),
        "rules_versions": ",".join(v.id for v in rule_set.versions),
        "staging_refreshed_at": dt.datetime.now().isoformat(sep=" ", timespec="seconds"),
        "staging_refresh_mode": mode,
    }
    for key, value in values.items():
        conn.execute(
            "insert or replace into meta (key, value) values ($k, $v)", {"k": key, "v": value}
        )
    return mode


def _release(conn: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> None:
    """Drop the published derived tables about to be rebuilt and checkpoint, so their
    blocks are free for the new ones: a rebuild then reuses the space instead of growing
    the file by the tables' size on every publication (the writer's private copy only)."""
    for name in names:
        conn.execute(f"drop table if exists {name}")
    conn.execute("checkpoint")


def _incremental_plan(
    conn: duckdb.DuckDBPyConnection, rule_set: rules.RuleSet, changes: Changes | None
) -> _Incremental | None:
    """An incremental update for ``changes``, or None when everything must be rebuilt."""
    if changes is None or changes.full:
        return None
    present = {
        r[0]
        for r in conn.execute(
            "select table_name from duckdb_tables()"
            " where database_name = current_database() and schema_name = 'main'"
        ).fetchall()
    }
    if not set(STAGING_TABLES) <= present or "meta" not in present:
        return None
    if published_fingerprint(conn) != current_fingerprint(rule_set):
        return None
    return _Incremental(conn, changes)


def _audit_rule_change(conn: duckdb.DuckDBPyConnection, rule_set: rules.RuleSet) -> None:
    """Record a ``rule_change`` audit row (with a unified diff of the rule file) when this
    publication runs with other rules than the previous one."""
    old = dict(
        conn.execute(
            "select key, value from meta where key in ('rules_fingerprint', 'rules_content')"
        ).fetchall()
    )
    before = old.get("rules_fingerprint")
    after = rule_set.fingerprint()
    if before is None or before == after:
        return
    diff = "".join(
        difflib.unified_diff(
            (old.get("rules_content") or "").splitlines(keepends=True),
            rule_set.content.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=f"rules {before}",
            tofile=f"rules {after} ({rule_set.source})",
        )
    )
    audit.insert(
        conn,
        "rule_change",
        detail={"from": before, "to": after, "file": rule_set.source, "diff": diff},
    )


def _published(conn: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """A ``meta`` value of the published database (a snapshot's or a plain connection's)."""
    try:
        row = conn.execute(
            f"select value from {store.CATALOG}.main.meta where key = $k", {"k": key}
        ).fetchall()
    except duckdb.CatalogException:
        row = conn.execute("select value from meta where key = $k", {"k": key}).fetchall()
    return row[0][0] if row else None


def published_fingerprint(conn: duckdb.DuckDBPyConnection) -> str | None:
    """The configuration fingerprint recorded when the derived tables were published."""
    return _published(conn, "staging_fingerprint")


def _catalogs(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in conn.execute("select database_name from duckdb_databases()").fetchall()}


def ensure_current(conn: duckdb.DuckDBPyConnection, rule_set: rules.RuleSet | None = None) -> bool:
    """Make the derived tables this connection sees match the current rule file and calendar.

    When the published fingerprint equals the current one nothing happens (returns False).
    Otherwise the derived tables are rebuilt from the snapshot into the connection's own
    in-memory catalog (``memory``, shared by all cursors of the snapshot; built once per
    configuration) and the cursor's ``search_path`` is set to ``memory.main, cdb.main`` so
    the rebuilt tables shadow the published ones (returns True). DuckDB TEMP tables are not
    used because they are private to one cursor. Call at the start of every read of the
    staging layer (the KPI functions do); ``complaints rebuild`` republishes for everyone.
    """
    rule_set = rule_set or rules.load_rules()
    want = current_fingerprint(rule_set)
    if published_fingerprint(conn) == want:
        return False
    marts = _published(conn, MARTS_KEY)
    if marts:
        raise MartsOutOfDateError(
            f"the derived tables come from the Spark build {marts}, made with other rules"
            f" or calendar than the current ones ({want}); rebuild them on Spark"
            " (`complaints spark build --rules FILE ...`) and attach the new build"
        )
    catalogs = _catalogs(conn)
    if store.CATALOG in catalogs and "memory" in catalogs:
        target, path = "memory", f"memory.main,{store.CATALOG}.main"
    else:  # a plain connection to a file: private temp tables shadow the file's tables
        target, path = "temp", None
    with _lock:
        built = None
        if target == "memory":
            try:
                built = conn.execute(
                    "select value from memory.main.stg_meta where key = 'staging_fingerprint'"
                ).fetchall()
            except duckdb.CatalogException:
                built = None
        if path:
            conn.execute(f"set search_path = '{path}'")
        if not built or built[0][0] != want:
            _build(conn, rule_set, target)
            prefix = _TARGETS[target]
            conn.execute(f"create or replace table {prefix}stg_meta (key varchar, value varchar)")
            conn.execute(
                f"insert into {prefix}stg_meta values ('staging_fingerprint', $v)", {"v": want}
            )
    return True
