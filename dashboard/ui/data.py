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
  ``$COMPLAINTS_RULES`` changes the key) and, for anything that returns complaint rows, the
  viewer's role: those are masked with ``privacy.mask_frame`` inside the cached function, so
  the cache never hands one role's output to another.
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

from queries import context, demo, paths, privacy, store
from queries.config.rules import RuleSet
from queries.marts import accountability as accountability_mart
from queries.marts import explain as explain_mart
from queries.marts import kpi, quality, scoring

log = logging.getLogger(__name__)

ROLE_ENV_VAR = "COMPLAINTS_ROLE"
TTL_SECONDS = 60


# --------------------------------------------------------------------------- database


_SERVED: dict[tuple[str, str], Path] = {}
LOOPBACK_ADDRESSES = frozenset({"localhost", "127.0.0.1", "::1"})


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
    """The viewer's role: ``$COMPLAINTS_ROLE``, else ``role`` in ``.streamlit/secrets.toml``,
    else ``viewer``. Unknown roles fall back to ``viewer`` (the most restricted)."""
    value = os.environ.get(ROLE_ENV_VAR)
    if not value:
        try:
            value = st.secrets.get("role")
        except Exception:  # no secrets file at all: Streamlit raises, the default applies
            value = None
    value = str(value or "viewer").strip()
    return value if value in privacy.ROLES else "viewer"


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


def can_write() -> bool:
    """Whether this visitor may change data (import, save a mapping, write meeting notes):
    only in local mode, i.e. the server listens on a loopback address (``server.address``)
    and the visitor connects over loopback (``st.context.ip_address`` is None then).
    The sign-in work (issue 14) replaces this with a role check."""
    address = str(st.get_option("server.address") or "").strip().strip("[]")
    if address not in LOOPBACK_ADDRESSES and not address.startswith("127."):
        return False
    return st.context.ip_address is None


def app_user() -> str:
    """Who the app's writes are recorded under: the operating-system user running the
    local app (the only one who can write until sign-in exists)."""
    return store.os_user()


@dataclass(frozen=True)
class Snapshot:
    """This script run's read context and what identifies its published state."""

    ctx: context.ReadContext
    generation: int
    db_key: str
    rules_key: str


def begin_run() -> Snapshot:
    """Take this script run's snapshot and build its read context. Called once per run by
    the app (pages call it lazily when run alone)."""
    rdr = reader()
    ctx = context.open_context(rdr.cursor())
    snap = Snapshot(ctx, rdr.generation, str(rdr.db_path), ctx.rules.fingerprint())
    st.session_state["_snapshot"] = snap
    return snap


def _snapshot() -> Snapshot:
    snap = st.session_state.get("_snapshot")
    if not isinstance(snap, Snapshot) or snap.db_key != str(db_path()):
        snap = begin_run()
    return snap


def generation() -> int:
    """The snapshot generation this run reads (part of every cache key)."""
    return _snapshot().generation


# --------------------------------------------------------------------------- cached calls


def _mask(value: Any, role_: str) -> Any:
    if isinstance(value, pd.DataFrame):
        return privacy.mask_frame(value, role_)
    if isinstance(value, dict):
        return {k: _mask(v, role_) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, role_) for v in value]
    return value


def _mask_result(fn: Callable[..., Any], value: Any, role_: str) -> Any:
    if privacy.can_see_personal_data(role_):
        return value
    if fn is explain_mart.explain and isinstance(value, dict):
        return explain_mart.mask_personal(value)
    return _mask(value, role_)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def _cached_call(
    fn_key: str,
    db_key: str,
    gen: int,
    rules_key: str,
    role_key: str | None,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    _fn: Callable[..., Any],
    _ctx: context.ReadContext,
) -> Any:
    result = _fn(_ctx, *args, **dict(kwargs))
    if role_key is not None:
        result = _mask_result(_fn, result, role_key)
    return result


def cached(fn: Callable[..., Any], *args: Any, pii: bool = False, **kwargs: Any) -> Any:
    """Call the engine function ``fn`` (whose first parameter takes the read context) on
    this run's context through the cache. ``pii=True`` (functions that return complaint
    rows) masks the output for the viewer's role and adds the role to the cache key."""
    snap = _snapshot()
    role_key = role() if pii else None
    fn_key = f"{fn.__module__}.{fn.__qualname__}"
    return _cached_call(
        fn_key,
        snap.db_key,
        snap.generation,
        snap.rules_key,
        role_key,
        args,
        tuple(sorted(kwargs.items())),
        fn,
        snap.ctx,
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=200)
def _query(
    name: str, db_key: str, gen: int, rules_key: str, _ctx: context.ReadContext
) -> pd.DataFrame:
    return store.run_query(_ctx.cur, name)


def _ui_query(name: str) -> pd.DataFrame:
    snap = _snapshot()
    return _query(name, snap.db_key, snap.generation, snap.rules_key, snap.ctx)


# --------------------------------------------------------------------------- wrappers


def default_as_of() -> dt.datetime | None:
    """The latest timestamp in the data (None without complaints)."""
    return _snapshot().ctx.data_as_of


def kpis(period: Any, filters: Any, as_of: dt.datetime | None, by: str | None = None):
    """``kpi.kpis`` (one row, or one per ``by`` group)."""
    return cached(kpi.kpis, period, filters, as_of=as_of, by=by)


def kpi_cards(period: Any, filters: Any, as_of: dt.datetime | None) -> list[Any]:
    """``kpi.kpi_cards``."""
    return cached(kpi.kpi_cards, period, filters, as_of=as_of)


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
    metric: str, period: Any, filters: Any, as_of: dt.datetime | None, part: str = "numerator"
) -> pd.DataFrame:
    """``kpi.drill``: the complaints behind a number, masked for the role."""
    return cached(kpi.drill, metric, period, filters, as_of=as_of, part=part, pii=True)


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
) -> pd.DataFrame:
    """``kpi.complaints_list``, masked for the role; for a role without the right to
    personal data the search runs over the masked text."""
    return cached(
        kpi.complaints_list,
        period,
        filters,
        as_of=as_of,
        search=search,
        limit=limit,
        masked_for=role(),
        pii=True,
    )


def department_scores(month: str, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """``scoring.department_scores`` for a month ``YYYY-MM``."""
    return cached(scoring.department_scores, month, as_of=as_of)


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
    """``accountability.accountability`` (§7 metrics)."""
    return cached(accountability_mart.accountability, period, filters, as_of=as_of, by=by)


def accountability_list(
    kind: str, period: Any, filters: Any, as_of: dt.datetime | None
) -> pd.DataFrame:
    """``accountability.accountability_list``, masked for the role."""
    return cached(
        accountability_mart.accountability_list, kind, period, filters, as_of=as_of, pii=True
    )


def explain(complaint_id: str, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """``explain.explain`` for one complaint, masked for the role."""
    return cached(explain_mart.explain, complaint_id, as_of=as_of, pii=True)


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


def dissatisfied(period: Any, filters: Any, as_of: dt.datetime | None) -> pd.DataFrame:
    """``kpi.dissatisfied``: surveyed complaints with a dissatisfied answer, masked."""
    return cached(kpi.dissatisfied, period, filters, as_of=as_of, pii=True)


def customer_complaints(customer_id: str, as_of: dt.datetime | None) -> pd.DataFrame:
    """``kpi.customer_complaints``: one customer's complaints by the as-of, masked."""
    return cached(kpi.customer_complaints, customer_id, as_of=as_of, pii=True)


def group_incidents(period: Any, filters: Any, as_of: dt.datetime | None) -> pd.DataFrame:
    """``kpi.group_incidents`` counted for the cohort."""
    return cached(kpi.group_incidents, period, filters, as_of=as_of)


def group_incident_complaints(incident_id: str, as_of: dt.datetime | None) -> pd.DataFrame:
    """``kpi.group_incident_complaints``: one incident's member complaints, masked."""
    return cached(kpi.group_incident_complaints, incident_id, as_of=as_of, pii=True)
