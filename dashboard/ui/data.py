"""The app's only data boundary: one cached ``store.Reader`` per database file, one read
context per script run, and cached wrappers around the engine (``queries``). Pages call only
the functions below (never SQL, never pandas business logic).

Caching rules (Streamlit's cache is shared by every user):

* ``reader()``: ``st.cache_resource``, one ``store.Reader`` per database path; it reopens
  when an import publishes a new file.
* ``begin_run()``: once per script run, a cursor on the newest snapshot wrapped in a
  ``context.ReadContext`` (rules loaded once, derived tables made current once, the data's
  as-of found once). Every number on a page comes from that one snapshot.
* every wrapper: ``st.cache_data(ttl=60)`` keyed by the engine function, its arguments
  (Period, Filters, as-of...), the database path, the snapshot ``generation`` (a new import
  changes the key), the fingerprint of the rule file actually loaded (an edit of
  ``$COMPLAINTS_RULES`` changes the key), the viewer's department scope and role (the
  run's context carries the role, so the engine returns complaint rows with names, phones
  and free text masked in the query: ``ReadContext.shown``), so the cache never hands one
  viewer's output to another.
* the filter lists and data coverage (``departments``, ``filter_values``, ``data_months``,
  ``data_totals``): cached once per snapshot (no TTL; the generation is in the key).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.ui import auth
from queries import audit, context, demo, paths, privacy, store
from queries.config import rules as rules_config
from queries.config.rules import RuleSet
from queries.marts import accountability as accountability_mart
from queries.marts import actions as actions_mart
from queries.marts import explain as explain_mart
from queries.marts import kpi, quality, scoring
from queries.marts import summary as summary_mart
from queries.reports import alerts as alerts_report
from queries.reports import meeting as meeting_pack
from queries.staging import page_lists

log = logging.getLogger(__name__)

ROLE_ENV_VAR = auth.ROLE_ENV_VAR
TTL_SECONDS = 60


# --------------------------------------------------------------------------- database


_SERVED: dict[tuple[str, str], Path] = {}


def db_path() -> Path:
    """The database this app serves: ``$COMPLAINTS_DB`` (``complaints serve`` always sets
    it), else the working ``data/complaints.duckdb`` when it exists, else the demo's
    ``data/demo.duckdb``. Decided once per process and setting, so a working database that
    disappears while serving is never replaced by the demo."""
    key = (os.environ.get(paths.DB_ENV_VAR, ""), os.getcwd())
    if key not in _SERVED:
        default = paths.resolve_db_path()
        configured = bool(key[0]) or default.exists()
        _SERVED[key] = default if configured else paths.demo_db()
    return _SERVED[key]


def role() -> str:
    """The viewer's role (``auth.viewer``): the signed-in user's, else local mode's
    ``$COMPLAINTS_ROLE`` / secrets ``role`` / ``viewer``."""
    return auth.viewer().role


@st.cache_resource(show_spinner=False)
def _reader(path: str) -> store.Reader:
    return store.Reader(Path(path))


def reader() -> store.Reader:
    """The process-wide reader of the current database file."""
    return _reader(str(db_path()))


def database_exists() -> bool:
    """Whether the database file exists."""
    return db_path().exists()


def serves_demo_file() -> bool:
    """Whether the served path is the demo's own file (``data/demo.duckdb``)."""
    return db_path() == paths.demo_db()


def ensure_database() -> bool:
    """Make the served database available: an existing file is used (leftovers of a killed
    writer cleaned up); a missing demo file is built; a missing configured database is
    never replaced (the app shows an error page). Returns whether a database is there."""
    path = db_path()
    if path.exists():
        store.cleanup_if_idle(path)
        return True
    if serves_demo_file():
        demo.ensure_demo(path)
    return path.exists()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _is_demo(path: str, gen: int) -> bool:
    return store.is_demo(Path(path))


def is_demo() -> bool:
    """Whether the served database is the demo company's (marked in its ``meta``)."""
    return _is_demo(str(db_path()), generation())


@dataclass(frozen=True)
class Snapshot:
    """This script run's read context and what identifies its published state."""

    ctx: context.ReadContext
    generation: int
    db_key: str
    rules_key: str
    scope_key: tuple[str, ...] | None = None


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=20)
def _data_as_of(db_key: str, gen: int, rules_key: str, _cur: Any) -> dt.datetime | None:
    """``context.data_as_of`` once per snapshot and rule file (not on every script run: it
    reads every timestamp of the history); the TTL bounds how long a time that was in the
    future stays left out."""
    return context.data_as_of(_cur)


def begin_run() -> Snapshot:
    """Take this script run's snapshot and build its read context, restricted to the
    viewer's department scope (``auth.viewer``). Called once per run by the app (pages call
    it lazily when run alone)."""
    rdr = reader()
    rule_set = rules_config.load_rules()
    key = (str(rdr.db_path), rdr.generation, rule_set.fingerprint())
    viewer = auth.viewer()
    ctx = context.open_context(
        rdr.cursor(),
        rules=rule_set,
        scope=viewer.departments,
        find_as_of=lambda cur: _data_as_of(*key, _cur=cur),
        role=viewer.role,
    )
    snap = Snapshot(ctx, rdr.generation, str(rdr.db_path), key[2], ctx.scope)
    st.session_state["_snapshot"] = snap
    return snap


def _snapshot() -> Snapshot:
    snap = st.session_state.get("_snapshot")
    if (
        not isinstance(snap, Snapshot)
        or snap.db_key != str(db_path())
        or snap.ctx.scope_roots != (auth.viewer().departments or ())
        or snap.ctx.role != role()
    ):
        snap = begin_run()
    return snap


def generation() -> int:
    """The snapshot generation this run reads (part of every cache key)."""
    return _snapshot().generation


# --------------------------------------------------------------------------- cached calls


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def _cached_call(
    fn_key: str,
    db_key: str,
    gen: int,
    rules_key: str,
    scope_key: tuple[str, ...] | None,
    role_key: str,
    pii: bool,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    _fn: Callable[..., Any],
    _ctx: context.ReadContext,
) -> Any:
    result = _fn(_ctx, *args, **dict(kwargs))
    if pii and _fn is explain_mart.explain and not privacy.can_see_personal_data(role_key):
        result = explain_mart.mask_personal(result)  # one record, masked here
    return result


def _audit_unmasked(fn_key: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Record an unmasked personal-data view once per session and call."""
    seen = st.session_state.setdefault("_unmasked_seen", set())
    what = f"{fn_key}{args!r}{sorted(kwargs.items())!r}"
    if what in seen:
        return
    seen.add(what)
    audit.record(
        db_path(),
        "unmasked_view",
        who=auth.viewer().identity,
        scope=auth.audit_scope(),
        detail={"call": fn_key, "args": [str(a) for a in args]},
    )


def cached(fn: Callable[..., Any], *args: Any, pii: bool = False, **kwargs: Any) -> Any:
    """Call the engine function ``fn`` (whose first parameter takes the read context) on
    this run's context through the cache. The key holds the viewer's department scope and
    role, so one viewer's result is never served to another. ``pii=True``: functions that
    return complaint rows (masked for the role by the engine, in the query, through the
    context's role; ``explain``'s one record here); an unmasked result (the
    ``privacy_officer``) is recorded in the audit trail."""
    snap = _snapshot()
    role_key = role()
    fn_key = f"{fn.__module__}.{fn.__qualname__}"
    if pii and privacy.can_see_personal_data(role_key):
        _audit_unmasked(fn_key, args, kwargs)
    return _cached_call(
        fn_key,
        snap.db_key,
        snap.generation,
        snap.rules_key,
        snap.scope_key,
        role_key,
        pii,
        args,
        tuple(sorted(kwargs.items())),
        fn,
        snap.ctx,
    )


# No TTL: the filter lists and data coverage read only the published snapshot, whose
# generation is in the key, so they are computed once per snapshot (not every minute).
@st.cache_data(show_spinner=False, max_entries=200)
def _query(
    name: str,
    db_key: str,
    gen: int,
    rules_key: str,
    scope_key: tuple[str, ...] | None,
    _ctx: context.ReadContext,
) -> pd.DataFrame:
    return page_lists.read(_ctx.cur, name, scoped=_ctx.scope is not None)


def _ui_query(name: str) -> pd.DataFrame:
    snap = _snapshot()
    return _query(name, snap.db_key, snap.generation, snap.rules_key, snap.scope_key, snap.ctx)


def scope_label(lang: str) -> str:
    """The viewer's scope in words ("范围：全公司" / "范围：华东区（含下级部门）")."""
    return context.scope_text(_snapshot().ctx, lang)


def scoped() -> tuple[str, ...] | None:
    """The department ids of the viewer's scope; None for the whole company."""
    return _snapshot().ctx.scope


def same_scope(department_ids: Sequence[str] | None) -> bool:
    """Whether something computed for ``department_ids`` (None = the company) was computed
    for exactly the viewer's scope (stored meeting packs)."""
    scope = _snapshot().ctx.scope
    return (scope is None and department_ids is None) or (
        scope is not None and department_ids is not None and tuple(department_ids) == scope
    )


def audit_trail(since: dt.datetime | None = None, who: str | None = None) -> pd.DataFrame:
    """The audit trail (published and pending rows), newest first; not cached."""
    return audit.read(db_path(), reader().cursor(), since=since, who=who)


# --------------------------------------------------------------------------- wrappers


def default_as_of() -> dt.datetime | None:
    """The latest timestamp in the data (None without complaints)."""
    return _snapshot().ctx.data_as_of


def kpis(
    period: Any,
    filters: Any,
    as_of: dt.datetime | None,
    by: str | None = None,
    ladder: bool = False,
):
    """``kpi.kpis`` (one row, or one per ``by`` group); the handling-ladder columns only with
    ``ladder=True`` (the Handling ladder page: they are most of the query cost)."""
    return cached(kpi.kpis, period, filters, as_of=as_of, by=by, ladder=ladder)


def kpi_cards(period: Any, filters: Any, as_of: dt.datetime | None) -> list[Any]:
    """``kpi.kpi_cards`` of the headline metrics (no page shows a handling-ladder card; the
    Handling ladder page reads ``kpis``)."""
    return cached(kpi.kpi_cards, period, filters, as_of=as_of, ladder=False)


def trend(
    period: Any,
    filters: Any,
    as_of: dt.datetime | None,
    grain: str = "month",
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """``kpi.trend`` per month/week (Monday-first)/day."""
    kw: dict[str, Any] = {"as_of": as_of, "grain": grain}
    if metrics is not None:
        kw["metrics"] = tuple(metrics)
    return cached(kpi.trend, period, filters, **kw)


def drill(
    metric: str,
    period: Any,
    filters: Any,
    as_of: dt.datetime | None,
    part: str = "numerator",
    limit: int | None = None,
    offset: int = 0,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """``kpi.drill``: the complaints behind a number (``limit``/``offset``: one page of
    them, selected and paged in SQL; ``columns``: only those), masked for the role (only
    the rows returned are masked)."""
    kw: dict[str, Any] = {"as_of": as_of, "part": part, "limit": limit, "offset": offset}
    if columns is not None:
        kw["columns"] = tuple(columns)
    return cached(kpi.drill, metric, period, filters, pii=True, **kw)


def drill_count(
    metric: str, period: Any, filters: Any, as_of: dt.datetime | None, part: str = "numerator"
) -> int:
    """``kpi.drill_count``: how many complaints are behind a number (a paged list's total)."""
    return cached(kpi.drill_count, metric, period, filters, as_of=as_of, part=part)


def hours_distribution(
    metric: str, column: str, period: Any, filters: Any, as_of: dt.datetime | None
) -> dict[str, Any]:
    """``kpi.hours_distribution``: histogram bins, n and percentiles of an hour column over
    a number's denominator rows (aggregated in SQL)."""
    return cached(kpi.hours_distribution, metric, column, period, filters, as_of=as_of)


def backlog_ages(
    as_of: dt.datetime | None, filters: Any, bounds_days: Sequence[float]
) -> list[int]:
    """``kpi.backlog_ages``: open complaints counted per age bucket (in SQL)."""
    return cached(kpi.backlog_ages, as_of=as_of, filters=filters, bounds_days=tuple(bounds_days))


def at_risk(
    as_of: dt.datetime | None,
    filters: Any,
    limit: int | None = 200,
    due_before: dt.datetime | None = None,
) -> pd.DataFrame:
    """``kpi.at_risk``: open complaints by working hours left (``limit=None``: all;
    ``due_before``: deadline at or before it), masked for the role."""
    return cached(
        kpi.at_risk, as_of=as_of, filters=filters, limit=limit, due_before=due_before, pii=True
    )


def complaints_list(
    period: Any,
    filters: Any,
    as_of: dt.datetime | None,
    search: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> pd.DataFrame:
    """``kpi.complaints_list`` (one page: ``limit``/``offset``), masked for the role; for a
    role without the right to personal data the search runs over the masked text."""
    return cached(
        kpi.complaints_list,
        period,
        filters,
        as_of=as_of,
        search=search,
        limit=limit,
        offset=offset,
        pii=True,
    )


def complaints_count(
    period: Any, filters: Any, as_of: dt.datetime | None, search: str | None = None
) -> int:
    """``kpi.complaints_count``: the complaints the list holds (its total)."""
    return cached(kpi.complaints_count, period, filters, as_of=as_of, search=search)


def department_scores(month: str, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """``scoring.department_scores`` for a month ``YYYY-MM``."""
    return cached(scoring.department_scores, month, as_of=as_of)


def previous_scores(month: str, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """``scoring.previous_scores``: the month before, at the same maturity."""
    return cached(scoring.previous_scores, month, as_of=as_of)


def rules_warnings(month: str) -> list[str]:
    """``scoring.rules_warnings`` for one month (``YYYY-MM``): judged by a rule version that
    was not yet in force."""
    return cached(scoring.rules_warnings, (month,))


def score_items(month: str, department: str, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """``scoring.score_items``: one department's item deductions."""
    return cached(scoring.score_items, month, department, as_of=as_of)


def score_complaints(
    month: str, department: str, item: str, as_of: dt.datetime | None = None
) -> pd.DataFrame:
    """``scoring.score_complaints``: the complaints behind an item, masked for the role."""
    return cached(scoring.score_complaints, month, department, item, as_of=as_of, pii=True)


def score_rollup(
    year: int, quarter: int | None = None, as_of: dt.datetime | None = None
) -> pd.DataFrame:
    """``scoring.score_rollup`` (quarter or year means of the monthly scores)."""
    return cached(scoring.score_rollup, year, quarter, as_of=as_of)


def score_history(months: Sequence[str], as_of: dt.datetime | None = None) -> pd.DataFrame:
    """``scoring.score_history`` over the given months."""
    return cached(scoring.score_history, list(months), as_of=as_of)


def accountability(
    period: Any, filters: Any, as_of: dt.datetime | None, by: str | None = None
) -> pd.DataFrame:
    """``accountability.accountability`` (accountability metrics)."""
    return cached(accountability_mart.accountability, period, filters, as_of=as_of, by=by)


def accountability_list(
    kind: str,
    period: Any,
    filters: Any,
    as_of: dt.datetime | None,
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """``accountability.accountability_list`` (one page with ``limit``/``offset``, paged
    in SQL), masked for the role."""
    return cached(
        accountability_mart.accountability_list,
        kind,
        period,
        filters,
        as_of=as_of,
        limit=limit,
        offset=offset,
        pii=True,
    )


def accountability_count(kind: str, period: Any, filters: Any, as_of: dt.datetime | None) -> int:
    """``accountability.accountability_count``: the records of a list (its total)."""
    return cached(accountability_mart.accountability_count, kind, period, filters, as_of=as_of)


def explain(complaint_id: str, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """``explain.explain`` for one complaint, masked for the role."""
    return cached(explain_mart.explain, complaint_id, as_of=as_of, pii=True)


def ladder_summary(period: Any, filters: Any, as_of: dt.datetime | None) -> pd.DataFrame:
    """``kpi.ladder_summary``: one row per handling-ladder stage."""
    return cached(kpi.ladder_summary, period, filters, as_of=as_of)


def ladder_rows(
    period: Any,
    filters: Any,
    as_of: dt.datetime | None,
    stage: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """``kpi.ladder_rows``: the cohort's stages (one stage, or all) with their state
    (``limit``/``offset``: one page, paged in SQL)."""
    return cached(
        kpi.ladder_rows,
        period,
        filters,
        as_of=as_of,
        stage=stage,
        limit=limit,
        offset=offset,
        pii=True,
    )


def ladder_rows_count(
    period: Any, filters: Any, as_of: dt.datetime | None, stage: str | None = None
) -> int:
    """``kpi.ladder_rows_count``: the rows of ``ladder_rows`` (a paged list's total)."""
    return cached(kpi.ladder_rows_count, period, filters, as_of=as_of, stage=stage)


def root_causes(period: Any, filters: Any, as_of: dt.datetime | None) -> pd.DataFrame:
    """``kpi.root_causes``: the root-cause Pareto with recurring / one-off."""
    return cached(kpi.root_causes, period, filters, as_of=as_of)


def data_warnings() -> list[Any]:
    """``quality.data_warnings`` (record checks and calendar coverage)."""
    return cached(quality.data_warnings)


def rules() -> RuleSet:
    """The rule set this run reads (the file actually loaded: ``$COMPLAINTS_RULES`` or the
    shipped one), the same one the numbers on the page were computed with."""
    return _snapshot().ctx.rules


def departments() -> pd.DataFrame:
    """Departments for the filter: department_id, name_zh, name_en, parent_id."""
    return _ui_query("ui/departments")


def filter_values() -> pd.DataFrame:
    """Category and region values for the filters: dimension, value, n."""
    return _ui_query("ui/filter_values")


def data_months() -> pd.DataFrame:
    """Complaints loaded per month: month, complaints, departments, first/last received."""
    return _ui_query("ui/data_months")


def data_totals() -> dict[str, Any]:
    """One-row summary of what is loaded (complaints, penalties, departments, date range,
    last import)."""
    frame = _ui_query("ui/data_totals")
    return frame.iloc[0].to_dict() if len(frame) else {}


def recent_imports(limit: int = 20) -> pd.DataFrame:
    """``quality.recent_imports``: the latest imports with row and reject counts."""
    return cached(quality.recent_imports, limit=limit)


def dissatisfied(
    period: Any,
    filters: Any,
    as_of: dt.datetime | None,
    limit: int | None = None,
    offset: int = 0,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """``kpi.dissatisfied``: surveyed complaints with a dissatisfied answer (one page of
    them with ``limit``/``offset``, only ``columns``), masked for the role."""
    kw: dict[str, Any] = {"as_of": as_of, "limit": limit, "offset": offset}
    if columns is not None:
        kw["columns"] = tuple(columns)
    return cached(kpi.dissatisfied, period, filters, pii=True, **kw)


def customer_complaints(customer_id: str, as_of: dt.datetime | None) -> pd.DataFrame:
    """``kpi.customer_complaints``: one customer's complaints by the as-of, masked."""
    return cached(kpi.customer_complaints, customer_id, as_of=as_of, pii=True)


def group_incidents(period: Any, filters: Any, as_of: dt.datetime | None) -> pd.DataFrame:
    """``kpi.group_incidents`` counted for the cohort."""
    return cached(kpi.group_incidents, period, filters, as_of=as_of)


def group_incident_complaints(incident_id: str, as_of: dt.datetime | None) -> pd.DataFrame:
    """``kpi.group_incident_complaints``: one incident's member complaints, masked."""
    return cached(kpi.group_incident_complaints, incident_id, as_of=as_of, pii=True)


# --------------------------------------------------------------------------- rectification,
# alerts, period summary (writes go through the engine; the next run reads the new snapshot)


def current_user() -> str:
    """Who records a change: the signed-in identity, else (local mode) the operating-system
    user of the app."""
    viewer = auth.viewer()
    return viewer.identity if viewer.signed_in else audit.os_user()


def _require_write() -> None:
    if not auth.can_write():
        raise PermissionError("your role may not change rectification actions")


def actions_list(
    today: dt.date,
    state: str | None = None,
    department: str | None = None,
    meeting_id: str | None = None,
) -> pd.DataFrame:
    """``actions.list_actions``: actions with their state on ``today`` (staff names and
    the action text only: actions hold no complainant data)."""
    return cached(actions_mart.list_actions, today, state, department, meeting_id)


def action_history(action_id: str) -> pd.DataFrame:
    """``actions.history``: who changed what when."""
    return cached(actions_mart.history, action_id)


def action_effectiveness(action_id: str, as_of: dt.datetime | None) -> dict[str, Any]:
    """``actions.effectiveness``: the linked metric before vs after the due date."""
    return cached(actions_mart.effectiveness, action_id, as_of=as_of)


def action_counts(today: dt.date) -> dict[str, int]:
    """``actions.state_counts``: actions per state (open, overdue, done, verified)."""
    return cached(actions_mart.state_counts, today)


def create_action(**fields: Any) -> str:
    """``actions.create`` on this app's database (or ``meeting.add_action`` when
    ``meeting_id`` and ``slide_id`` are given), for a role that may write, audited; returns
    the new id."""
    _require_write()
    settings = rules().actions
    slide_id = fields.pop("slide_id", None)
    if fields.get("meeting_id") and slide_id:
        meeting_id = fields.pop("meeting_id")
        fields.pop("source", None)
        action_id = meeting_pack.add_action(
            db_path(),
            meeting_id,
            slide_id,
            default_due_working_days=settings.default_due_working_days,
            **fields,
        )
    else:
        action_id = actions_mart.create(
            db_path(), default_due_working_days=settings.default_due_working_days, **fields
        )
    audit.record(
        db_path(),
        "action_change",
        who=fields.get("user"),
        detail={"action": action_id, "created": True},
    )
    return action_id


def update_action(action_id: str, user: str, **changes: Any) -> dict[str, tuple[Any, Any]]:
    """``actions.update`` on this app's database (a role that may write), audited; returns
    what changed."""
    _require_write()
    changed = actions_mart.update(db_path(), action_id, user=user, **changes)
    if changed:
        audit.record(
            db_path(),
            "action_change",
            who=user,
            detail={"action": action_id, "changes": {k: list(v) for k, v in changed.items()}},
        )
    return changed


def alert_log(limit: int = 100) -> pd.DataFrame:
    """``alerts.alert_log``: the newest deliveries (texts are masked when sent)."""
    return cached(alerts_report.alert_log, limit=limit)


def period_summary(period: Any, by: str | None, as_of: dt.datetime | None) -> pd.DataFrame:
    """``summary.period_summary``: the figures of a half year / quarter / year per unit."""
    return cached(summary_mart.period_summary, period, by, as_of=as_of)


def summary_columns() -> tuple[Any, ...]:
    """``summary.COLUMNS``: name, unit and zh/en labels of each summary figure."""
    return summary_mart.COLUMNS


def summary_definitions(lang: str) -> pd.DataFrame:
    """``summary.definitions``: column, name and definition of each summary figure."""
    return summary_mart.definitions(lang)
