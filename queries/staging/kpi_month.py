"""The monthly KPI mart (``mart_kpi_month``), built at publication for the data's as-of.

The KPI pages' usual questions at the default as-of are answered from a small table instead
of aggregating the month's complaints again (``kpi.kpis`` reads it when a request matches):
one row per receipt month and

==================  ==================================================================
``all``             the company (``kpis(period)``, the trend ``kpis(by="month")``)
``tree``            a department with everything under it (filter on one department,
                    or a viewer scoped to one department subtree); ``dim`` = its id
``department``      each department's own complaints (``kpis(by="department")``)
``department_excl`` the same without complaints verified malicious (the scorecards)
``category``        each complaint category, company-wide (``kpis(by="category")``)
==================  ==================================================================

These rows hold the data's as-of (``as_of`` null). The default page period is the as-of's
month, whose KPI cards also show the previous month and the same month a year ago, each at
its own like-for-like as-of (``periods.comparison``): those two months are stored too, for
the company and each department subtree, with their as-of in ``as_of``.

Every row is ``queries/marts/kpi_summary.sql`` itself over that month (consecutive months
grouped by month in one query, up to ``BATCH_COMPLAINTS`` complaints), with the grain's
group expression swapped into its markers, so a served number is the number the query
gives (medians and P90 are each month's exact quantiles, nothing is re-aggregated). A
publication re-derives only the months its change can reach (``refresh(months=...)``): the
months of the complaints whose derived rows it replaced, of changed business volumes, and
of the complaints with a time between the old and the new as-of (their as-of dependent
facts moved); anything else (rules, calendar, departments, which fields a source supplies,
a new version of the query) rebuilds every month.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd

from queries import store
from queries.limits import Limits
from queries.periods import COMPARISONS, Period, add_months, comparison

TABLE = "mart_kpi_month"
_MONTH = "strftime(c.received_date, '%Y-%m')"
_VMONTH = "strftime(v.month, '%Y-%m')"
_TREE_JOIN = "join stg_department_tree as t on t.department_id = {alias}.department_id"


@functools.cache
def _grains() -> dict[str, dict[str, str | bool]]:
    """Grain -> the kpi_summary marker expressions (allow-list) and its malicious filter."""
    return {
        "department": {
            "dim": f"[{_MONTH}, c.department_name_zh]",
            "vdim": f"[{_VMONTH}, v.department_name_zh]",
            "dimid": "department_id",
        },
        "department_excl": {
            "dim": f"[{_MONTH}, c.department_name_zh]",
            "vdim": f"[{_VMONTH}, v.department_name_zh]",
            "dimid": "department_id",
            "exclude_malicious": True,
        },
        "all": {"dim": f"[{_MONTH}, 'all']", "vdim": f"[{_VMONTH}, 'all']"},
        "tree": {
            "dim": f"[{_MONTH}, t.ancestor_id]",
            "vdim": f"[{_VMONTH}, t.ancestor_id]",
            "dimid": "dim[2]",
            "fanout": _TREE_JOIN.format(alias="c"),
            "vfanout": _TREE_JOIN.format(alias="v"),
        },
        "category": {
            "dim": f"[{_MONTH}, c.category]",
            "vdim": f"[{_VMONTH}, 'all']",
            "vkey": "[a.dim[1], 'all']",
        },
    }


GRAINS: tuple[str, ...] = tuple(_grains())
#: The grains stored for the comparison months (the KPI cards: company or one subtree).
COMPARISON_GRAINS: tuple[str, ...] = ("all", "tree")
_FILTERS = ("department", "category", "channel", "severity", "region", "product", "handler")


def summary_sql(grain: str) -> str:
    """``kpi_summary.sql`` with the grain's expressions in its markers (one row per month and
    value of the grain, column ``dim`` = [month, value])."""
    spec = _grains()[grain]
    sql = store.sql_file("kpi_summary")
    for name, default in (("dim", "'all'"), ("vdim", "'all'"), ("vkey", "a.dim")):
        sql = store.replace_marker(sql, name, default, str(spec.get(name, default)))
    sql = store.replace_marker(sql, "dimid", "null", str(spec.get("dimid", "null::varchar")))
    for name in ("fanout", "vfanout"):
        sql = store.replace_marker(sql, name, "", str(spec.get(name, "")))
    return sql


def _sql(grain: str) -> str:
    return (
        "select $grain::varchar as grain, $view_as_of::timestamp as as_of, k.dim[1] as month,"
        f" k.dim[2] as dim, k.* exclude (dim) from ({summary_sql(grain)}) as k"
    )


@functools.cache
def query_fingerprint() -> str:
    """Digest of the mart's query and grains: a product version that computes a KPI
    differently rebuilds the mart."""
    text = "\0".join(f"{g}\0{_sql(g)}" for g in GRAINS)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def fingerprint_of(staging_fingerprint: str) -> str:
    """What a current mart over the derived tables of ``staging_fingerprint`` records as
    ``kpi_month_fingerprint``: those tables' fingerprint and this product's query."""
    return f"{staging_fingerprint}:{query_fingerprint()}"


def data_as_of(cur: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """The latest timestamp in the complaint data (received/acknowledged/first response/
    resolved/closed/surveyed) that is not after now plus the import tolerance
    (``Limits.future_hours``: such times cannot be true); None when there are no
    complaints. The derived tables must be current (``open_context`` sees to it)."""

    def scalar(name: str, params: dict[str, object]) -> object:
        return cur.execute(store.sql_file(name), params).fetchall()[0][0]

    return data_as_of_with(scalar)


def data_as_of_with(
    scalar: Callable[[str, dict[str, object]], object],
) -> dt.datetime | None:
    """``data_as_of`` on any engine: ``scalar(query name, parameters)`` runs one of the
    queries ``kpi_latest_stamp``/``kpi_default_as_of`` and returns its value. The plain
    maxima come first (from the column statistics, no scan): when none is after the bound
    they are the answer, and only data with such a time costs the filtered scan."""
    latest = dt.datetime.now() + dt.timedelta(hours=Limits.from_env().future_hours)
    top = scalar("kpi_latest_stamp", {})
    if top is None:
        return None
    top = pd.Timestamp(top).to_pydatetime()
    if top <= latest:
        return top
    value = scalar("kpi_default_as_of", {"latest": latest})
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def meta_keys() -> tuple[str, ...]:
    """The ``meta`` keys that describe the mart (``meta_values``)."""
    return ("kpi_month_as_of", "kpi_month_fingerprint", "kpi_month_comparisons")


def _meta(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = conn.execute(
        "select key, value from meta where list_contains($k, key)", {"k": list(meta_keys())}
    ).fetchall()
    return {str(k): str(v) for k, v in rows}


def _months_of(conn: duckdb.DuckDBPyConnection, where: str, params: dict[str, object]) -> set[str]:
    rows = conn.execute(
        f"select distinct strftime(received_date, '%Y-%m') from stg_complaints where {where}",
        params,
    ).fetchall()
    return {str(r[0]) for r in rows if r[0] is not None}


def _moved_as_of(conn: duckdb.DuckDBPyConnection, old: dt.datetime, new: dt.datetime) -> set[str]:
    """Months with a complaint whose as-of dependent facts can differ between the two
    as-ofs: one of the times the cohort compares with the as-of lies between them."""
    lo, hi = min(old, new), max(old, new)
    columns = (
        "received_at",
        "resolved_at",
        "first_response_at",
        "resolution_deadline",
        "response_due_at",
        "group_qualified_at",
        "surveyed_at",
    )
    where = " or ".join(f"{c} between $lo and $hi" for c in columns)
    return _months_of(conn, where, {"lo": lo, "hi": hi})


def _month_start(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


#: Complaints per query when the mart is built: consecutive months are computed together
#: up to this many (one query per grain for a small database; bounded memory for the
#: exact quantiles of a large one).
BATCH_COMPLAINTS = 1_000_000


def _spans(
    conn: duckdb.DuckDBPyConnection, months: list[str], as_of: dt.datetime
) -> list[tuple[dt.date, dt.date]]:
    """``months`` as [start, end) spans of consecutive months of at most
    ``BATCH_COMPLAINTS`` complaints each (a month above it alone)."""
    counts = dict(
        conn.execute(
            "select strftime(received_date, '%Y-%m'), count(*) from stg_complaints"
            " where received_at <= $a group by 1",
            {"a": as_of},
        ).fetchall()
    )
    spans: list[tuple[dt.date, dt.date]] = []
    size = 0
    for month in sorted(months):
        start, n = _month_start(month), int(counts.get(month, 0))
        if spans and spans[-1][1] == start and size + n <= BATCH_COMPLAINTS:
            spans[-1] = (spans[-1][0], add_months(start, 1))
            size += n
        else:
            spans.append((start, add_months(start, 1)))
            size = n
    return spans


def refresh(
    conn: duckdb.DuckDBPyConnection, fingerprint: str, months: set[str] | None = None
) -> int:
    """Build ``mart_kpi_month`` for the data's as-of (read-write connection, after the
    derived tables); ``months``: the receipt months the publication's change can reach
    (``YYYY-MM``; None = all). ``fingerprint``: the derived tables' (``meta``
    ``staging_fingerprint``). Returns the number of months computed."""
    as_of = data_as_of(conn)
    full_fp = fingerprint_of(fingerprint)
    meta = _meta(conn)
    exists = bool(
        conn.execute(
            "select count(*) from duckdb_tables() where database_name = current_database()"
            " and schema_name = 'main' and table_name = $t",
            {"t": TABLE},
        ).fetchall()[0][0]
    )
    old_as_of = meta.get("kpi_month_as_of")
    if not exists or meta.get("kpi_month_fingerprint") != full_fp or not old_as_of:
        months = None
    if as_of is None:
        todo: list[str] = []
    elif months is None:
        todo = sorted(_months_of(conn, "received_at <= $a", {"a": as_of}))
    else:
        months = set(months)
        if old_as_of and dt.datetime.fromisoformat(old_as_of) != as_of:
            months |= _moved_as_of(conn, dt.datetime.fromisoformat(old_as_of), as_of)
        todo = sorted(months)
    if months is None:
        conn.execute(f"drop table if exists {TABLE}")
    else:
        conn.execute(
            f"delete from {TABLE} where as_of is not null or list_contains($m, month)",
            {"m": todo},
        )
    spans = _spans(conn, todo, as_of) if as_of is not None and todo else []
    created = months is not None
    for job in plan(spans, as_of):
        verb = f"insert into {TABLE} by name" if created else f"create table {TABLE} as"
        conn.execute(f"{verb} {_sql(job.grain)}", job.params())
        created = True
    if not created:  # no complaints: an empty mart with the query's columns
        empty = Job("all", dt.date(1, 1, 1), dt.date(1, 1, 1), dt.datetime(1, 1, 1), None)
        conn.execute(f"create table {TABLE} as {_sql('all')}", empty.params())
    write_meta(conn, meta_values(as_of, fingerprint))
    return len(todo)


def meta_values(as_of: dt.datetime | None, fingerprint: str) -> dict[str, str]:
    """The ``meta`` keys that say what a mart built for ``as_of`` over the derived tables
    of ``fingerprint`` holds (``served`` reads them)."""
    views = comparison_views(as_of) if as_of is not None else []
    return {
        "kpi_month_as_of": as_of.isoformat(sep=" ") if as_of is not None else "",
        "kpi_month_fingerprint": fingerprint_of(fingerprint),
        "kpi_month_comparisons": json.dumps([[m, at.isoformat(sep=" ")] for m, at in views]),
    }


def write_meta(conn: duckdb.DuckDBPyConnection, values: dict[str, str]) -> None:
    """Record ``meta_values`` in the database's ``meta``."""
    for key, value in values.items():
        conn.execute(
            "insert or replace into meta (key, value) values ($k, $v)", {"k": key, "v": value}
        )


@dataclass(frozen=True)
class Job:
    """One query of a mart build: ``grain`` over the receipt months [start, end) at
    ``as_of``; ``view_as_of`` is set for a comparison month (stored in column ``as_of``)."""

    grain: str
    start: dt.date
    end: dt.date
    as_of: dt.datetime
    view_as_of: dt.datetime | None

    def params(self) -> dict[str, object]:
        """The query's parameters (no KPI filter: the mart holds unfiltered rows)."""
        return {
            **{f"f_{name}": [] for name in _FILTERS},
            "grain": self.grain,
            "start": self.start,
            "end": self.end,
            "as_of": self.as_of,
            "view_as_of": self.view_as_of,
            "exclude_malicious": bool(_grains()[self.grain].get("exclude_malicious")),
        }


def plan(spans: list[tuple[dt.date, dt.date]], as_of: dt.datetime | None) -> list[Job]:
    """The queries that build the mart at ``as_of``: every grain over each span of receipt
    months, and the ``COMPARISON_GRAINS`` over each comparison month at its own as-of."""
    if as_of is None:
        return []
    jobs = [Job(grain, start, end, as_of, None) for grain in GRAINS for start, end in spans]
    for month, view_at in comparison_views(as_of):
        start = _month_start(month)
        jobs += [
            Job(grain, start, add_months(start, 1), view_at, view_at) for grain in COMPARISON_GRAINS
        ]
    return jobs


def comparison_views(as_of: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """(month, as-of) of the like-for-like comparisons the KPI cards show beside the
    default period, the as-of's month: the previous month and the same month a year ago."""
    month = as_of.date().replace(day=1)
    period = Period(month, add_months(month, 1))
    out = []
    for name in COMPARISONS:
        ref = comparison(period, as_of, name)
        out.append((ref.period.start.strftime("%Y-%m"), ref.as_of))
    return out


@dataclass(frozen=True)
class Served:
    """What the published mart can answer: every month at ``as_of`` (the data's as-of),
    and the ``comparisons`` (month, as-of) for the ``COMPARISON_GRAINS``."""

    as_of: dt.datetime
    comparisons: frozenset[tuple[str, dt.datetime]]


def served(conn: duckdb.DuckDBPyConnection, fingerprint: str | None) -> Served | None:
    """What the published mart holds, when it is current for the derived tables of
    ``fingerprint`` (the published ``staging_fingerprint``) and this product's query;
    None when it cannot be used."""
    try:
        meta = _meta(conn)
    except duckdb.CatalogException:
        return None
    if not fingerprint or meta.get("kpi_month_fingerprint") != fingerprint_of(fingerprint):
        return None
    value = meta.get("kpi_month_as_of")
    if not value:
        return None
    views = json.loads(meta.get("kpi_month_comparisons") or "[]")
    return Served(
        as_of=dt.datetime.fromisoformat(value),
        comparisons=frozenset((m, dt.datetime.fromisoformat(at)) for m, at in views),
    )
