"""The app's only data boundary: one cached ``db.Reader`` per database file and cached
wrappers around the KPI core. Pages call only the functions below (never SQL, never pandas
business logic).

Caching rules (Streamlit's cache is shared by every user):

* ``reader()``: ``st.cache_resource``, one ``db.Reader`` per database path; it reopens when
  an import publishes a new file. ``staging.ensure_current`` (when the KPI core provides
  it) runs on every freshly opened snapshot.
* every wrapper: ``st.cache_data(ttl=60)`` keyed by the function, its arguments (Period,
  Filters, as-of...), the database path, the reader's snapshot ``generation`` (a new
  import changes the key, so new data shows on the next interaction, at the latest
  within a minute) and the ROLE for anything that returns complaint rows: those are
  masked with ``privacy.mask_frame`` inside the cached function, so the cache never hands
  one role's output to another.
* one script run uses one snapshot cursor (``begin_run``), so every number on a page comes
  from the same published state.

Wrappers (all keyword-compatible with the core functions, minus ``conn``):
``default_as_of()``, ``kpis(period, filters, as_of, by=None)``,
``kpi_cards(period, filters, as_of)``, ``trend(period, filters, as_of, grain, metrics)``,
``drill(metric, period, filters, as_of, part)``, ``at_risk(as_of, filters, limit)``,
``complaints_list(period, filters, as_of, search, limit)``,
``department_scores(month, as_of)``, ``score_items(month, department, as_of)``,
``score_complaints(month, department, item, as_of)``, ``score_rollup(year, quarter, as_of)``,
``score_history(months, as_of)``, ``accountability(period, filters, as_of, by)``,
``accountability_list(kind, period, filters, as_of)``, ``explain(complaint_id, as_of)``,
``data_warnings()``, ``rules()`` (the RuleSet), plus ``departments()``,
``filter_values()``, ``data_months()``, ``data_totals()`` for the filters and the
"data loaded" block, and the generic ``cached(name, *args, pii=False, **kwargs)`` for any
other core function ``"module.function"`` (e.g. ``cached("kpi.kpis", ...)``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboard.core import db, paths, privacy

log = logging.getLogger(__name__)

ROLE_ENV_VAR = "COMPLAINTS_ROLE"
TTL_SECONDS = 60

# Core functions that return complaint rows (personal data): masked per role.
PII_FUNCTIONS = frozenset(
    {
        "kpi.drill",
        "kpi.at_risk",
        "kpi.complaints_list",
        "scoring.score_complaints",
        "accountability.accountability_list",
        "explain.explain",
    }
)


class CoreFunctionMissing(RuntimeError):
    """The KPI core does not provide the requested function (yet)."""


# --------------------------------------------------------------------------- database


def db_path() -> Path:
    """The database file: ``$COMPLAINTS_DB`` or ``data/complaints.duckdb``."""
    return paths.resolve_db_path()


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


def _on_open_hooks() -> list[Callable[[duckdb.DuckDBPyConnection], None]]:
    try:
        from dashboard.core import staging
    except ImportError:
        return []
    hook = getattr(staging, "ensure_current", None)
    return [hook] if callable(hook) else []


@st.cache_resource(show_spinner=False)
def _reader(path: str) -> db.Reader:
    return db.Reader(Path(path), on_open=_on_open_hooks())


def reader() -> db.Reader:
    """The process-wide reader of the current database file."""
    return _reader(str(db_path()))


def database_exists() -> bool:
    """Whether the database file exists."""
    return db_path().exists()


def ensure_database() -> bool:
    """Build the demo database when no database exists (the app "starts with the demo
    database when no other database exists"). Returns whether a database is available."""
    path = db_path()
    if path.exists():
        db.cleanup_if_idle(path)
        return True
    try:
        demo = importlib.import_module("dashboard.core.demo")
    except ImportError:
        return False
    ensure = getattr(demo, "ensure_demo", None)
    if ensure is None:
        return False
    ensure(path)
    return path.exists()


def begin_run() -> tuple[duckdb.DuckDBPyConnection, int]:
    """Take this script run's snapshot: a cursor on the newest publication and its
    generation. Called once per run by the app (pages call it lazily when run alone)."""
    rdr = reader()
    cur = rdr.cursor()
    st.session_state["_snapshot"] = (cur, rdr.generation, str(rdr.db_path))
    return cur, rdr.generation


def _snapshot() -> tuple[duckdb.DuckDBPyConnection, int, str]:
    snap = st.session_state.get("_snapshot")
    if snap is None or snap[2] != str(db_path()):
        begin_run()
        snap = st.session_state["_snapshot"]
    return snap


def generation() -> int:
    """The snapshot generation this run reads (part of every cache key)."""
    return _snapshot()[1]


# --------------------------------------------------------------------------- cached calls


def _resolve(name: str) -> Callable[..., Any]:
    module_name, _, func_name = name.partition(".")
    try:
        module = importlib.import_module(f"dashboard.core.{module_name}")
    except ImportError as exc:
        raise CoreFunctionMissing(f"dashboard.core.{module_name} is not available") from exc
    func = getattr(module, func_name, None)
    if func is None:
        raise CoreFunctionMissing(f"dashboard.core.{name} is not available")
    return func


def _mask(value: Any, role_: str) -> Any:
    if isinstance(value, pd.DataFrame):
        return privacy.mask_frame(value, role_)
    if isinstance(value, dict):
        return {k: _mask(v, role_) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, role_) for v in value]
    return value


def _mask_result(name: str, value: Any, role_: str) -> Any:
    if privacy.can_see_personal_data(role_):
        return value
    if name == "explain.explain" and isinstance(value, dict):
        return _resolve("explain.mask_personal")(value)
    return _mask(value, role_)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def _cached_call(
    name: str,
    db_key: str,
    gen: int,
    role_key: str | None,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    _cur: duckdb.DuckDBPyConnection,
) -> Any:
    result = _resolve(name)(_cur, *args, **dict(kwargs))
    if role_key is not None:
        result = _mask_result(name, result, role_key)
    return result


def cached(name: str, *args: Any, pii: bool | None = None, **kwargs: Any) -> Any:
    """Call the core function ``"module.function"`` (e.g. ``"kpi.kpis"``) on this run's
    snapshot through the cache. ``pii`` (default: whether ``name`` is in ``PII_FUNCTIONS``)
    masks the output for the current role and adds the role to the cache key."""
    cur, gen, key = _snapshot()
    if pii is None:
        pii = name in PII_FUNCTIONS
    role_key = role() if pii else None
    return _cached_call(name, key, gen, role_key, args, tuple(sorted(kwargs.items())), cur)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=200)
def _query(name: str, db_key: str, gen: int, _cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return db.run_query(_cur, name)


def _ui_query(name: str) -> pd.DataFrame:
    cur, gen, key = _snapshot()
    return _query(name, key, gen, cur)


# --------------------------------------------------------------------------- wrappers


def default_as_of() -> dt.datetime | None:
    """The latest timestamp in the data (None without complaints)."""
    return cached("kpi.default_as_of")


def kpis(period: Any, filters: Any, as_of: dt.datetime | None, by: str | None = None):
    """``kpi.kpis`` (one row, or one per ``by`` group)."""
    return cached("kpi.kpis", period, filters, as_of=as_of, by=by)


def kpi_cards(period: Any, filters: Any, as_of: dt.datetime | None) -> list[Any]:
    """``kpi.kpi_cards``."""
    return cached("kpi.kpi_cards", period, filters, as_of=as_of)


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
    return cached("kpi.trend", period, filters, **kw)


def drill(
    metric: str, period: Any, filters: Any, as_of: dt.datetime | None, part: str = "numerator"
) -> pd.DataFrame:
    """``kpi.drill``: the complaints behind a number, masked for the role."""
    return cached("kpi.drill", metric, period, filters, as_of=as_of, part=part)


def at_risk(
    as_of: dt.datetime | None,
    filters: Any,
    limit: int | None = 200,
    due_before: dt.datetime | None = None,
) -> pd.DataFrame:
    """``kpi.at_risk``: open complaints by working hours left (``limit=None``: all;
    ``due_before``: deadline at or before it), masked for the role."""
    return cached("kpi.at_risk", as_of=as_of, filters=filters, limit=limit, due_before=due_before)


def complaints_list(
    period: Any,
    filters: Any,
    as_of: dt.datetime | None,
    search: str | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """``kpi.complaints_list``, masked for the role."""
    return cached("kpi.complaints_list", period, filters, as_of=as_of, search=search, limit=limit)


def department_scores(month: str, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """``scoring.department_scores`` for a month ``YYYY-MM``."""
    return cached("scoring.department_scores", month, as_of=as_of)


def score_items(month: str, department: str, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """``scoring.score_items``: one department's item deductions."""
    return cached("scoring.score_items", month, department, as_of=as_of)


def score_complaints(
    month: str, department: str, item: str, as_of: dt.datetime | None = None
) -> pd.DataFrame:
    """``scoring.score_complaints``: the complaints behind an item, masked for the role."""
    return cached("scoring.score_complaints", month, department, item, as_of=as_of)


def score_rollup(
    year: int, quarter: int | None = None, as_of: dt.datetime | None = None
) -> pd.DataFrame:
    """``scoring.score_rollup`` (quarter or year means of the monthly scores)."""
    return cached("scoring.score_rollup", year, quarter, as_of=as_of)


def score_history(months: Sequence[str], as_of: dt.datetime | None = None) -> pd.DataFrame:
    """``scoring.score_history`` over the given months."""
    return cached("scoring.score_history", list(months), as_of=as_of)


def accountability(
    period: Any, filters: Any, as_of: dt.datetime | None, by: str | None = None
) -> pd.DataFrame:
    """``accountability.accountability`` (§7 metrics)."""
    return cached("accountability.accountability", period, filters, as_of=as_of, by=by)


def accountability_list(
    kind: str, period: Any, filters: Any, as_of: dt.datetime | None
) -> pd.DataFrame:
    """``accountability.accountability_list``, masked for the role."""
    return cached("accountability.accountability_list", kind, period, filters, as_of=as_of)


def explain(complaint_id: str, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """``explain.explain`` for one complaint, masked for the role."""
    return cached("explain.explain", complaint_id, as_of=as_of)


def data_warnings() -> list[Any]:
    """``quality.data_warnings`` (record checks and calendar coverage)."""
    return cached("quality.data_warnings")


@st.cache_resource(show_spinner=False)
def _rules_cached(fingerprint_key: float) -> Any:
    from dashboard.core import rules as rules_mod

    return rules_mod.load_rules()


def rules() -> Any:
    """The rule configuration (``rules.load_rules()``), reloaded when the file changes."""
    from dashboard.core import rules as rules_mod

    path = Path(getattr(rules_mod, "RULES_FILE", paths.DATA_DIR / "rules.toml"))
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _rules_cached(mtime)


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


# --------------------------------------------------------------------------- quality pages
# (appended by the quality-pages engineer: repeats, satisfaction, accountability, explorer,
# data)


def recent_imports(limit: int = 20) -> pd.DataFrame:
    """``quality.recent_imports``: the latest imports with row and reject counts."""
    return cached("quality.recent_imports", limit=limit)
