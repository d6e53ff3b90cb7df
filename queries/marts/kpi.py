"""KPI engine (docs/definitions.md#metrics): every KPI number the pages, reports and CLI show.

All functions read only the staging layer (``stg_complaints`` and friends, see
``staging.py``) through the SQL files in ``queries/``; Python only chooses allow-listed
identifiers (the group-by expression) and binds values as ``$name`` parameters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from queries import context, privacy, store
from queries.config import rules
from queries.metrics import METRIC_COLUMNS, METRICS, MetricDef, coverage
from queries.periods import COMPARISONS, Comparison, Period, add_months, comparison
from queries.staging import kpi_month

# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """Filters on the cohort; each a tuple of allowed values, empty = no filter.
    ``department`` takes department_id, name_zh or name_en and includes child departments."""

    department: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    product: tuple[str, ...] = ()
    handler: tuple[str, ...] = ()
    # leave out complaints verified malicious (docs/definitions.md#scoring)
    exclude_malicious: bool = False


FILTER_FIELDS: tuple[str, ...] = (
    "department",
    "category",
    "channel",
    "severity",
    "region",
    "product",
    "handler",
)

# --------------------------------------------------------------------------- dimensions

# Allow-list: dimension -> SQL expression over stg_complaints (alias c). Never user text.
DIMENSION_SQL: dict[str, str] = {
    "department": "c.department_name_zh",
    "parent_department": "c.parent_department_name_zh",
    "category": "c.category",
    "channel": "c.channel",
    "severity": "c.severity",
    "region": "c.region",
    "product": "c.product",
    "handler": "c.handler",
    "month": "strftime(c.received_date, '%Y-%m')",
    "week": "strftime(date_trunc('week', c.received_date), '%Y-%m-%d')",  # ISO, Monday
    "day": "strftime(c.received_date, '%Y-%m-%d')",
    "escalation_level": "c.escalation_level::varchar",
    "compensation_type": "c.compensation_type",
}
# The id next to a name-valued group (returned as an extra column; over the cohort's rows).
DIMENSION_ID_SQL: dict[str, tuple[str, str]] = {
    "department": ("department_id", "department_id"),
    "parent_department": (
        "parent_department_id",
        "coalesce(parent_department_id, department_id)",
    ),
}
DIMENSIONS: tuple[str, ...] = tuple(DIMENSION_SQL)

COMPENSATION_TYPES: tuple[str, ...] = ("money", "service", "product", "coupon")


@dataclass(frozen=True)
class KpiCard:
    """One KPI card: the value, like-for-like comparisons (each with its period and as-of),
    target status, denominator n, coverage and small-sample flag, and a sparkline.

    ``status`` is None when the value is null, not measured or a small sample. ``coverage``
    is the share of the cohort whose source supplied the metric's inputs (None: the metric
    needs none); ``not_measured``: none did, the value is null for that reason."""

    metric: str
    value: float | None
    previous: float | None
    year_ago: float | None
    target: float | None
    status: str | None
    n: int | None
    sparkline: list[tuple[str, float | None]] = field(default_factory=list)
    definition: MetricDef | None = None
    previous_ref: Comparison | None = None
    year_ago_ref: Comparison | None = None
    coverage: float | None = None
    not_measured: bool = False
    min_n: int | None = None
    small_sample: bool = False


# --------------------------------------------------------------------------- API

# Volumes are monthly per department: the group key a volume belongs to, per dimension
# (dimensions without one compare each group with the whole scope's volume; week and day
# get no rate).
_VOLUME_DIM_SQL: dict[str | None, tuple[str, str]] = {
    None: ("'all'", "a.dim"),
    "department": ("v.department_name_zh", "a.dim"),
    "parent_department": ("v.parent_department_name_zh", "a.dim"),
    "month": ("strftime(v.month, '%Y-%m')", "a.dim"),
    "week": ("'all'", "null"),
    "day": ("'all'", "null"),
}

# metric -> (numerator flag, denominator flag) over kpi_cohort.sql's columns (allow-list).
DRILL_FLAGS: dict[str, tuple[str, str]] = {
    "received": ("true", "true"),
    "resolved": ("is_resolved", "true"),
    "resolution_rate": ("is_resolved", "m_resolution"),
    "on_time_resolution_rate": ("on_time_num", "on_time_den"),
    "first_response_median_h": ("has_response", "has_response"),
    "first_response_mean_h": ("has_response", "has_response"),
    "first_response_p90_h": ("has_response", "has_response"),
    "response_sla_rate": ("sla_num", "sla_den"),
    "resolution_median_h": ("is_resolved", "is_resolved"),
    "resolution_p90_h": ("is_resolved", "is_resolved"),
    "backlog_open": ("is_open", "m_resolution"),
    "overdue_open": ("is_overdue", "is_open"),
    "repeat_rate": ("is_repeat", "m_repeat"),
    "group_incidents": ("in_group_incident", "true"),
    "valid_rate": ("coalesce(is_valid, false)", "is_valid is not null"),
    "csat_rate": ("is_surveyed and satisfaction >= 4", "is_surveyed"),
    "csat_mean": ("is_surveyed", "is_surveyed"),
    "survey_coverage": ("is_surveyed and is_resolved", "is_resolved and m_survey"),
    "escalation_rate": ("is_escalated", "m_escalation"),
    "compensation_total": ("has_compensation", "true"),
    "complaint_rate_per_10k": ("with_volume", "with_volume"),
}

#: The rows behind ``n_dissatisfied`` (kpi_summary.sql's definition).
DISSATISFIED_FLAG = "is_surveyed and satisfaction <= 2"
# kpi_ladder_stages columns -> the kpis() column per stage (docs/definitions.md#handling-ladder)
LADDER_STAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("on_time_rate", "stage_{stage}_on_time_rate"),
    ("median_h", "stage_{stage}_median_h"),
    ("p90_h", "stage_{stage}_p90_h"),
    ("n_supplied", "n_measured_stage_{stage}"),
)
# counts: null when no complaint of the cohort had the stage measured
LADDER_STAGE_COUNTS: tuple[tuple[str, str], ...] = (
    ("n_on_time_num", "n_stage_{stage}_on_time_num"),
    ("n_on_time", "n_stage_{stage}"),
    ("n_done", "n_stage_{stage}_done"),
)

# stage metric -> its stage (drill-through via ladder_rows)
LADDER_DRILL: dict[str, str] = {
    col.format(stage=stage): stage
    for stage in rules.STAGES
    for _src, col in LADDER_STAGE_COLUMNS[:3]
}

# ladder metrics without a complaint list (the page lists their stage rows instead)
LADDER_NO_DRILL: tuple[str, ...] = (
    "escalation_compliance_rate",
    "escalation_skipped",
    "return_visit_resolved_rate",
    "revisit_done_rate",
    "revisit_resolved_rate",
    "consecutive_unresolved",
    "malicious_share",
    "recurring_root_cause_share",
    "time_share_receive",
    "time_share_classify",
    "time_share_investigate",
    "time_share_resolve",
    "time_share_follow_up",
)

_COUNT_COLUMNS_ZERO = ("received", "resolved", "backlog_open", "overdue_open", "group_incidents")


class KpiError(ValueError):
    """A bad argument (unknown dimension, metric, grain...)."""


def filter_params(filters: Filters) -> dict[str, Any]:
    """The ``$f_<dimension>`` and ``$exclude_malicious`` parameters of ``filters`` (the
    cohort_filters fragment's)."""
    params: dict[str, Any] = {
        f"f_{name}": [str(v) for v in getattr(filters, name)] for name in FILTER_FIELDS
    }
    params["exclude_malicious"] = bool(filters.exclude_malicious)
    return params


def _check_dimension(by: str | None) -> None:
    if by is not None and by not in DIMENSION_SQL:
        raise KpiError(f"unknown dimension {by!r}; use one of {', '.join(DIMENSIONS)}")


def default_as_of(conn: context.Source) -> dt.datetime | None:
    """The latest timestamp in the complaint data (received/acknowledged/first response/
    resolved/closed/surveyed); None when there are no complaints."""
    return context.of(conn).data_as_of


def kpis(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
    by: str | None = None,
    ladder: bool = True,
) -> pd.DataFrame:
    """The metrics for the cohort: one row, or one per group with the ``by`` column first
    (definitions: docs/definitions.md#metrics). ``ladder=False`` leaves out the
    handling-ladder columns (docs/definitions.md#handling-ladder) for callers that need
    none of them (their queries are the larger part of the cost).

    Columns: the metric names (``METRIC_COLUMNS``), then the numerators/denominators
    ``n_*``, compensation counts ``compensation_n_<type>`` and amounts
    ``compensation_cny_<type>``, ``quick_close_rate`` (resolved within the rules'
    ``quick_close`` working days / resolved; for period summaries) and working-time variants
    ``*_working_h`` (hours counted on working days only), and the ``n_measured_*`` counts of
    complaints whose source supplied each metric's inputs (``METRICS[m].measured``;
    ``measurement(row)`` gives coverage and the not-measured metrics). Rates are fractions,
    null when the denominator is 0; a metric none of whose inputs were supplied is null
    (counts included). ``as_of`` defaults to ``default_as_of``.
    """
    _check_dimension(by)
    ctx = context.of(conn)
    conn, as_of = ctx.cur, ctx.as_of(as_of)
    key = ("kpis", period, filters, as_of, by, ladder)
    if key not in ctx.memo:
        ctx.memo[key] = _kpis(ctx, period, filters, as_of, by, ladder)
    return ctx.memo[key].copy()


def _kpis(
    ctx: context.ReadContext,
    period: Period,
    filters: Filters,
    as_of: dt.datetime,
    by: str | None,
    ladder: bool,
) -> pd.DataFrame:
    sql = store.sql_file("kpi_summary")
    sql = store.replace_marker(sql, "dim", "'all'", DIMENSION_SQL[by] if by else "'all'")
    vdim, vkey = _VOLUME_DIM_SQL.get(by, ("'all'", "'all'"))
    sql = store.replace_marker(sql, "vdim", "'all'", vdim)
    sql = store.replace_marker(sql, "vkey", "a.dim", vkey)
    id_name, id_expr = DIMENSION_ID_SQL.get(by or "", ("dim_id", "null"))
    sql = store.replace_marker(sql, "dimid", "null", id_expr)
    params = {"start": period.start, "end": period.end, "as_of": as_of, **filter_params(filters)}
    served = _from_mart(ctx, period, filters, as_of, by)
    df = _plain_numbers(served if served is not None else ctx.cur.execute(sql, params).df())
    if ladder:
        df = _with_ladder(ctx, df, period, params, by)
    if by is None:
        if df.empty:
            df = _empty_row(df)
        df = df.drop(columns=["dim", "dim_id"])
    elif by in DIMENSION_ID_SQL:
        df = df.rename(columns={"dim": by, "dim_id": id_name})
    else:
        df = df.rename(columns={"dim": by}).drop(columns=["dim_id"])
    return df


def kpis_by_month_department(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
) -> pd.DataFrame:
    """``kpis(by="department")`` of every calendar month of ``period`` in one grouped query
    (the monthly scorecards' rates in one pass): columns month (``YYYY-MM``), department,
    department_id, then the ``kpis`` columns; each month's rows equal
    ``kpis(Period.month(m), filters, as_of, by="department")`` (``period`` must start on a
    month's first day and end on one)."""
    ctx = context.of(conn)
    as_of = ctx.as_of(as_of)
    key = ("kpis_by_month_department", period, filters, as_of)
    if key not in ctx.memo:
        sql = store.sql_file("kpi_summary")
        month = "strftime(c.received_date, '%Y-%m')"
        sql = store.replace_marker(sql, "dim", "'all'", f"[{month}, c.department_name_zh]")
        sql = store.replace_marker(
            sql, "vdim", "'all'", "[strftime(v.month, '%Y-%m'), v.department_name_zh]"
        )
        sql = store.replace_marker(sql, "vkey", "a.dim", "a.dim")
        sql = store.replace_marker(sql, "dimid", "null", "department_id")
        params = {
            "start": period.start,
            "end": period.end,
            "as_of": as_of,
            **filter_params(filters),
        }
        served = _from_mart(ctx, period, filters, as_of, "department", months=True)
        if served is not None:
            df = _plain_numbers(served)
            df.insert(1, "department", df.pop("dim"))
        else:
            df = _plain_numbers(ctx.cur.execute(sql, params).df())
            dims = list(df.pop("dim"))
            df.insert(0, "month", [str(d[0]) for d in dims])
            df.insert(1, "department", [d[1] for d in dims])
        df = df.rename(columns={"dim_id": "department_id"})
        ctx.memo[key] = df.sort_values(["month"], kind="stable").reset_index(drop=True)
    return ctx.memo[key].copy()


def _months_of(period: Period) -> list[str] | None:
    """The calendar months of a period made of whole months, else None."""
    if period.start.day != 1 or period.end.day != 1 or period.end <= period.start:
        return None
    out, month = [], dt.date(period.start.year, period.start.month, 1)
    while month < period.end:
        out.append(month.strftime("%Y-%m"))
        month = add_months(month, 1)
    return out


def _department_set(ctx: context.ReadContext, filters: Filters) -> tuple[str, ...] | None:
    """The department ids a request covers (the filter's subtrees within the viewer's scope;
    None = the whole company), as the cohort's dept_scope fragment resolves them."""
    if not filters.department:
        return ctx.scope
    return context.resolve_scope(ctx.cur, filters.department)


def _subtree_root(ctx: context.ReadContext, ids: tuple[str, ...]) -> str | None:
    """The department whose subtree is exactly ``ids``, if there is one."""
    rows = ctx.cur.execute(
        "select ancestor_id from stg_department_tree where list_contains($ids, ancestor_id)"
        " group by ancestor_id having count(*) = len($ids)"
        " and bool_and(list_contains($ids, department_id))",
        {"ids": list(ids)},
    ).fetchall()
    return str(rows[0][0]) if len(rows) == 1 else None


def _from_mart(
    ctx: context.ReadContext,
    period: Period,
    filters: Filters,
    as_of: dt.datetime,
    by: str | None,
    months: bool = False,
) -> pd.DataFrame | None:
    """kpi_summary's rows for the request from the monthly KPI mart (``staging.kpi_month``,
    the same query per month, built at publication), or None when the mart cannot answer
    it exactly: another as-of, not whole months (several only by month, or with
    ``months``: one row per month and department, column ``month`` first), a filter other
    than department and malicious, or a grouping other than month, department, category."""
    month_list = _months_of(period)
    if ctx.mart is None or month_list is None:
        return None
    view: dt.datetime | None = None  # null: the rows at the data's as-of
    if as_of != ctx.mart.as_of:
        if by is not None or months or (month_list[0], as_of) not in ctx.mart.comparisons:
            return None
        view = as_of
    if by not in (None, "month", "department", "category"):
        return None
    if len(month_list) > 1 and by != "month" and not months:
        return None
    if any(getattr(filters, name) for name in FILTER_FIELDS if name != "department"):
        return None
    ids = _department_set(ctx, filters)
    key: str | None = None
    if by == "department":
        grain = "department_excl" if filters.exclude_malicious else "department"
    elif filters.exclude_malicious or (by == "category" and ids is not None):
        return None
    elif by == "category":
        grain = "category"
    elif ids is None:
        grain, key = "all", "all"
    else:
        grain, key = "tree", _subtree_root(ctx, ids) if ids else None
        if key is None:
            return None
    if view is not None and grain not in kpi_month.COMPARISON_GRAINS:
        return None
    where = "grain = $grain and list_contains($months, month)"
    where += " and as_of is null" if view is None else " and as_of = $view"
    params: dict[str, Any] = {"grain": grain, "months": month_list}
    if view is not None:
        params["view"] = view
    if key is not None:
        where += " and dim = $key"
        params["key"] = key
    if by == "department" and ids is not None:
        where += " and list_contains($ids, dim_id)"
        params["ids"] = list(ids)
    df = ctx.cur.execute(
        f"select * exclude (grain, as_of) from {kpi_month.TABLE} where {where}"
        " order by month, dim nulls last",
        params,
    ).df()
    month_col = df.pop("month")
    if months:
        df.insert(0, "month", month_col)
    elif by == "month":
        df["dim"] = month_col
    elif by is None:
        df["dim"] = "all"
    if key is not None:
        df["dim_id"] = None
    return df.reset_index(drop=True)


def _with_ladder(
    ctx: context.ReadContext,
    df: pd.DataFrame,
    period: Period,
    params: dict[str, Any],
    by: str | None,
) -> pd.DataFrame:
    """``df`` (kpi_summary rows by ``dim``) with the handling-ladder columns joined on
    (docs/definitions.md#handling-ladder): ``stage_<stage>_*`` from kpi_ladder_stages and
    the other ladder metrics from kpi_ladder."""
    dim_expr = DIMENSION_SQL[by] if by else "'all'"
    ladder_params = {**params, **_ladder_rule_params(ctx, period)}
    stage_sql = store.replace_marker(store.sql_file("kpi_ladder_stages"), "dim", "'all'", dim_expr)
    long = ctx.cur.execute(stage_sql, params).df()
    dims = df["dim"] if "dim" in df.columns else pd.Series([], dtype=object)
    index = pd.Index(dims, name="dim")
    piv = long.set_index(["dim", "stage"]).unstack("stage") if not long.empty else None
    columns: dict[str, Any] = {"dim": dims.to_numpy()}
    for stage in rules.STAGES:

        def pick(src: str, stage: str = stage) -> pd.Series:
            if piv is None or (src, stage) not in piv.columns:
                return pd.Series(float("nan"), index=index)
            return piv[(src, stage)].reindex(index)

        for src, col in LADDER_STAGE_COLUMNS:
            columns[col.format(stage=stage)] = pick(src).to_numpy(dtype="float64")
        measured = columns[f"n_measured_stage_{stage}"] > 0
        for src, col in LADDER_STAGE_COUNTS:
            counts = pick(src).to_numpy(dtype="float64")
            columns[col.format(stage=stage)] = counts.copy()
            columns[col.format(stage=stage)][~measured] = float("nan")
    wide = pd.DataFrame(columns)
    for col in wide.columns:
        if col.startswith("n_") and wide[col].notna().all():
            wide[col] = wide[col].astype("int64")
    other_sql = store.replace_marker(store.sql_file("kpi_ladder"), "dim", "'all'", dim_expr)
    other = _plain_numbers(ctx.cur.execute(other_sql, ladder_params).df())
    out = df.merge(wide, on="dim", how="left") if "dim" in wide.columns else df
    out = out.merge(other, on="dim", how="left")
    # the metric columns first (kpis() contract), then the n_* and other columns
    first = ["dim", *METRIC_COLUMNS]
    return _plain_numbers(out[[*first, *[c for c in out.columns if c not in first]]])


def _ladder_rule_params(ctx: context.ReadContext, period: Period) -> dict[str, Any]:
    """``$rc_start``, ``$rc_min``, ``$cu_min``: the recurring-root-cause window (the rule's
    recurring_months whole months ending with the period's last month) and minimums, from
    the rule version in force on the period's first day."""
    version = ctx.rules.version_for(period.start)
    end_month = dt.date(period.end.year, period.end.month, 1)
    if period.end.day != 1:
        end_month = add_months(end_month, 1)
    return {
        "rc_start": add_months(end_month, -version.recurring_months),
        "rc_min": version.recurring_min_complaints,
        "cu_min": version.consecutive_unresolved_min,
    }


def _plain_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Nullable integer columns (a count that is null when not measured) as int64 when
    complete, else float64 with NaN, so rows mix no pd.NA into the float metrics."""
    for col in df.columns:
        if isinstance(df[col].dtype, pd.Int64Dtype | pd.Int32Dtype):
            has_na = bool(df[col].isna().any())
            df[col] = df[col].astype("float64" if has_na else "int64")
    return df


def _empty_row(df: pd.DataFrame) -> pd.DataFrame:
    row: dict[str, Any] = {}
    for col in df.columns:
        zero = col in _COUNT_COLUMNS_ZERO or col == "compensation_total"
        zero = zero or (col.startswith(("n_", "compensation_n_")) and col != "n_volume")
        row[col] = 0 if zero else None
    row["dim"] = "all"
    return pd.DataFrame([row], columns=df.columns)


def _value(row: pd.Series | None, col: str) -> float | None:
    if row is None or col not in row.index:
        return None
    v = row[col]
    return None if pd.isna(v) else float(v)


def kpi_cards(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
    ladder: bool = True,
) -> list[KpiCard]:
    """KPI cards with previous period, year-ago value, target status and a sparkline.

    Targets come from the rule version in force on the period's first day; with exactly one
    department in the filter that department's target is used. ``ladder=False``: no cards
    for the handling-ladder metrics (no page shows one; their queries are most of the cost).
    """
    ctx = context.of(conn)
    conn, as_of = ctx.cur, ctx.as_of(as_of)
    now = kpis(ctx, period, filters, as_of, ladder=ladder).iloc[0]
    refs = comparisons(period, as_of)
    prev = kpis(ctx, refs["previous"].period, filters, refs["previous"].as_of, ladder=ladder)
    ago = kpis(ctx, refs["last_year"].period, filters, refs["last_year"].as_of, ladder=ladder)
    prev, ago = prev.iloc[0], ago.iloc[0]
    cov, missing = coverage(now.to_dict())
    last_month = add_months(dt.date(period.end.year, period.end.month, 1), 0)
    if period.end.day == 1:
        last_month = add_months(last_month, -1)
    spark_period = Period(add_months(last_month, -11), add_months(last_month, 1))
    # sparklines of the headline metrics; the handling-ladder cards carry none (no page
    # draws them, and their 12 monthly ladder queries would double the cards' cost)
    spark_metrics = tuple(m for m in METRIC_COLUMNS if m not in LADDER_DRILL)
    spark_metrics = tuple(m for m in spark_metrics if m not in LADDER_NO_DRILL)
    spark = trend(ctx, spark_period, filters, as_of, grain="month", metrics=spark_metrics)
    version = ctx.rules.version_for(period.start)
    department = filters.department[0] if len(filters.department) == 1 else None
    cards = []
    for name, mdef in METRICS.items():
        if not ladder and (name in LADDER_DRILL or name in LADDER_NO_DRILL):
            continue
        value = _value(now, name)
        target_def = version.target(name)
        target = target_def.for_department(department)[0] if target_def else None
        n = _value(now, mdef.denominator) if mdef.denominator in now.index else None
        small = value is not None and version.small_sample(name, n)
        status = target_def.status(value, department) if target_def and not small else None
        cards.append(
            KpiCard(
                metric=name,
                value=value,
                previous=_value(prev, name),
                year_ago=_value(ago, name),
                target=target,
                status=status,
                n=None if n is None else int(n),
                sparkline=[(str(r["month"]), _value(r, name)) for _, r in spark.iterrows()]
                if name in spark.columns
                else [],
                definition=mdef,
                previous_ref=refs["previous"],
                year_ago_ref=refs["last_year"],
                coverage=cov.get(name),
                not_measured=name in missing,
                min_n=version.min_n_for(name),
                small_sample=small,
            )
        )
    return cards


def comparisons(period: Period, as_of: dt.datetime) -> dict[str, Comparison]:
    """The like-for-like comparisons of a period seen at ``as_of`` (``periods.comparison``):
    ``previous`` and ``last_year``, each with its own period and as-of."""
    return {name: comparison(period, as_of, name) for name in COMPARISONS}


def measurement(row: pd.Series | dict[str, Any]) -> tuple[dict[str, float], list[str]]:
    """(coverage per metric, not-measured metric names) of one ``kpis`` row."""
    data = row.to_dict() if isinstance(row, pd.Series) else dict(row)
    return coverage({k: (None if _isna(v) else v) for k, v in data.items()})


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def trend(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
    grain: str = "month",
    metrics: tuple[str, ...] = METRIC_COLUMNS,
) -> pd.DataFrame:
    """Metrics per month/week/day of the period (column ``grain`` first, every bucket of the
    period present; buckets without complaints have received 0 and null rates)."""
    if grain not in ("month", "week", "day"):
        raise KpiError(f"grain must be month, week or day, not {grain!r}")
    unknown = [m for m in metrics if m not in METRICS and not m.startswith("n_")]
    if unknown:
        raise KpiError(f"unknown metrics {unknown}")
    needs_ladder = any(m in LADDER_DRILL or m in LADDER_NO_DRILL for m in metrics)
    df = kpis(conn, period, filters, as_of, by=grain, ladder=needs_ladder)
    buckets = _buckets(period, grain)
    full = pd.DataFrame({grain: buckets}).merge(df, on=grain, how="left")
    empty = full["received"].isna() if "received" in full.columns else None
    for col in _COUNT_COLUMNS_ZERO:
        if col in full.columns and empty is not None:
            full.loc[empty, col] = 0  # no complaints: 0; not measured stays null
            if full[col].notna().all():
                full[col] = full[col].astype("int64")
    return full[[grain, *[m for m in metrics if m in full.columns]]]


def _buckets(period: Period, grain: str) -> list[str]:
    if grain == "month":
        out, d = [], dt.date(period.start.year, period.start.month, 1)
        while d < period.end:
            out.append(d.strftime("%Y-%m"))
            d = add_months(d, 1)
        return out
    if grain == "week":
        d = period.start - dt.timedelta(days=period.start.weekday())
        out = []
        while d < period.end:
            out.append(d.isoformat())
            d += dt.timedelta(days=7)
        return out
    return [(period.start + dt.timedelta(days=i)).isoformat() for i in range(period.days)]


def drill(
    conn: context.Source,
    metric: str,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
    part: str = "numerator",
    limit: int | None = None,
    offset: int = 0,
    columns: Sequence[str] | None = None,
    department_only: str | None = None,
) -> pd.DataFrame:
    """The complaints behind a number: the rows of its numerator or denominator (for counts
    and hours the rows counted or measured; ``missed``: the denominator rows outside the
    numerator), newest first. ``limit``/``offset`` page the rows in SQL (``drill_count``
    gives the total); ``columns`` selects only those cohort columns (names of
    ``kpi_cohort.sql``'s output); ``department_only``: only the complaints of that
    department itself (not of its sub-departments), filtered in SQL."""
    stage = LADDER_DRILL.get(metric)
    if stage is not None:
        rows = _ladder_drill(
            conn,
            metric,
            stage,
            part,
            period,
            filters,
            as_of,
            limit,
            offset,
            department_only=department_only,
        )
        return rows if columns is None else rows[[c for c in columns if c in rows.columns]]
    ctx = context.of(conn)
    sql, params = _drill_sql(metric, part, period, filters, ctx.as_of(as_of), department_only)
    return _cohort_page(ctx, sql, params, limit, offset, columns)


def _cohort_page(
    ctx: context.ReadContext,
    sql: str,
    params: dict[str, Any],
    limit: int | None,
    offset: int,
    columns: Sequence[str] | None,
) -> pd.DataFrame:
    """The rows of a cohort query: one page (``limit``/``offset`` in SQL) of the
    allow-listed ``columns``, or of every column but ``dim``."""
    if columns is not None:
        sql = f"select {_select_list(columns)} from ({sql}) as r"
    params.update(limit=None if limit is None else int(limit), offset=int(offset))
    rows = ctx.shown(sql, params)
    return rows if columns is not None else rows.drop(columns=["dim"])


def _ladder_drill(
    conn: context.Source,
    metric: str,
    stage: str,
    part: str,
    period: Period,
    filters: Filters,
    as_of: dt.datetime | None,
    limit: int | None = None,
    offset: int = 0,
    count: bool = False,
    department_only: str | None = None,
) -> pd.DataFrame:
    """The stage rows behind a handling-ladder stage metric (``ladder_rows`` filtered to its
    numerator, denominator or ``missed`` rows; durations: the stages done), filtered and
    paged (``limit``/``offset``) in SQL, optionally of one department itself; ``count``:
    one row ``n``, how many there are."""
    flag = "on_time_num" if metric.endswith("_on_time_rate") else "is_done"
    flags = {
        "numerator": flag,
        "denominator": "on_time_den",
        "missed": f"on_time_den and not {flag}",
    }
    if part not in flags:
        raise KpiError("part must be numerator, denominator or missed")
    where = flags[part]
    if metric.endswith(("_median_h", "_p90_h")):
        where += " and is_done"
    ctx, params = _ladder_rows_params(conn, period, filters, as_of, stage)
    own: dict[str, Any] = {}
    if department_only is not None:
        where += " and department_id = $own_department"
        own["own_department"] = str(department_only)
    if count:
        outer = f"select count(*) as n from shown where {where}"
        return ctx.shown(store.sql_file("kpi_ladder_rows"), params, outer, own)
    outer = (
        f"select * from shown where {where} "
        "order by received_at desc, complaint_id, stage_order limit $page offset $skip"
    )
    page = {"page": None if limit is None else int(limit), "skip": int(offset), **own}
    return ctx.shown(store.sql_file("kpi_ladder_rows"), params, outer, page)


def _drill_sql(
    metric: str,
    part: str,
    period: Period,
    filters: Filters,
    as_of: dt.datetime,
    department_only: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """The cohort query of a number's numerator, denominator or ``missed`` (denominator
    outside the numerator) rows, optionally of one department itself, and its parameters
    (``$limit``/``$offset`` unset: all rows)."""
    if metric not in DRILL_FLAGS:
        raise KpiError(f"unknown metric {metric!r}")
    numerator, denominator = DRILL_FLAGS[metric]
    flags = {
        "numerator": numerator,
        "denominator": denominator,
        "missed": f"({denominator}) and not coalesce(({numerator}), false)",
    }
    if part not in flags:
        raise KpiError("part must be numerator, denominator or missed")
    flag = flags[part]
    if department_only is not None:
        flag = f"({flag}) and department_id = $own_department"
    sql, params = _flagged_sql(flag, period, filters, as_of)
    if department_only is not None:
        params["own_department"] = str(department_only)
    return sql, params


def _flagged_sql(
    flag: str, period: Period, filters: Filters, as_of: dt.datetime
) -> tuple[str, dict[str, Any]]:
    """The cohort query keeping the rows where the allow-listed ``flag`` holds."""
    params = {
        "start": period.start,
        "end": period.end,
        "as_of": as_of,
        "search": None,
        "limit": None,
        "offset": 0,
        **filter_params(filters),
    }
    return store.replace_marker(store.sql_file("kpi_cohort"), "part", "true", flag), params


#: Columns a caller may select from the cohort rows (allow-list: never user text).
COHORT_COLUMN = re.compile(r"[a-z][a-z0-9_]*")


def _select_list(columns: Sequence[str]) -> str:
    bad = [c for c in columns if not COHORT_COLUMN.fullmatch(str(c))]
    if bad or not columns:
        raise KpiError(f"bad column names {bad or list(columns)}")
    return ", ".join(f"r.{c}" for c in columns)


def drill_count(
    conn: context.Source,
    metric: str,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
    part: str = "numerator",
) -> int:
    """How many complaints ``drill`` returns without a limit (the total of a paged list)."""
    stage = LADDER_DRILL.get(metric)
    if stage is not None:
        found = _ladder_drill(conn, metric, stage, part, period, filters, as_of, count=True)
        return int(found["n"].iloc[0])
    ctx = context.of(conn)
    sql, params = _drill_sql(metric, part, period, filters, ctx.as_of(as_of))
    sql = f"select count(*) from ({sql}) as r"
    return int(ctx.cur.execute(sql, params).fetchall()[0][0])


#: Hour columns of the cohort rows ``hours_distribution`` may summarise.
HOUR_COLUMNS: tuple[str, ...] = ("first_response_h", "resolution_h")


def hours_distribution(
    conn: context.Source,
    metric: str,
    column: str,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
    part: str = "denominator",
    bins: int = 40,
) -> dict[str, Any]:
    """The distribution of an hour column over a number's rows, aggregated in SQL: ``n``
    (rows with a value), ``p50``/``p90``/``p99`` (exact, linear interpolation as pandas'
    ``quantile``), and ``bins`` equal-width bins from the minimum to the 99th percentile
    (values above it counted in the last bin) as ``edges`` (bins + 1) and ``counts``."""
    if column not in HOUR_COLUMNS:
        raise KpiError(f"column must be one of {', '.join(HOUR_COLUMNS)}")
    ctx = context.of(conn)
    sql, params = _drill_sql(metric, part, period, filters, ctx.as_of(as_of))
    stats = ctx.cur.execute(
        f"select count(r.{column}), quantile_cont(r.{column}, [0.5, 0.9, 0.99]), "
        f"min(r.{column}) from ({sql}) as r where r.{column} is not null",
        params,
    ).fetchall()[0]
    n, quantiles, low = int(stats[0]), stats[1], stats[2]
    out: dict[str, Any] = {"n": n, "p50": None, "p90": None, "p99": None}
    out.update(edges=[], counts=[])
    if not n:
        return out
    p50, p90, cap = (float(q) for q in quantiles)
    low = float(low)
    width = (cap - low) / bins if cap > low else 1.0
    counted = ctx.cur.execute(
        f"select least(greatest(floor((least(r.{column}, $cap) - $low) / $width), 0), "
        f"$bins - 1)::integer as b, count(*) from ({sql}) as r "
        f"where r.{column} is not null group by b",
        {**params, "cap": cap, "low": low, "width": width, "bins": bins},
    ).fetchall()
    counts = [0] * bins
    for b, c in counted:
        counts[int(b)] = int(c)
    out.update(p50=p50, p90=p90, p99=cap, counts=counts)
    out["edges"] = [low + width * i for i in range(bins + 1)]
    return out


def at_risk(
    conn: context.Source,
    as_of: dt.datetime | None = None,
    filters: Filters = Filters(),
    limit: int | None = 200,
    due_before: dt.datetime | None = None,
) -> pd.DataFrame:
    """Open complaints by working hours left to the resolution deadline: overdue first (most
    overdue first), then the soonest due. ``working_hours_left`` is negative when overdue;
    ``due_before`` keeps those with a deadline at or before it; ``limit=None``: all."""
    ctx = context.of(conn)
    conn, as_of = ctx.cur, ctx.as_of(as_of)
    params = {
        "as_of": as_of,
        "limit": None if limit is None else int(limit),
        "due_before": due_before,
        **filter_params(filters),
    }
    return ctx.shown(store.sql_file("kpi_at_risk"), params)


def backlog_ages(
    conn: context.Source,
    as_of: dt.datetime | None = None,
    filters: Filters = Filters(),
    bounds_days: Sequence[float] = (1, 3, 7, 30),
) -> list[int]:
    """The open complaints of ``at_risk`` counted by age at the as-of (days since receipt)
    in the buckets [0, b1), [b1, b2), ..., [b_last, ∞) of ``bounds_days``, counted in SQL."""
    ctx = context.of(conn)
    as_of = ctx.as_of(as_of)
    params = {"as_of": as_of, "limit": None, "due_before": None, **filter_params(filters)}
    params["bounds"] = [float(b) for b in bounds_days]
    sql = (
        "select len(list_filter($bounds::double[], lambda b: b <= "
        "(epoch_us($as_of::timestamp) - epoch_us(r.received_at)) / 86400e6)) as bucket, "
        f"count(*) from ({store.sql_file('kpi_at_risk')}) as r group by bucket"
    )
    counts = [0] * (len(params["bounds"]) + 1)
    for bucket, n in ctx.cur.execute(sql, params).fetchall():
        counts[int(bucket)] = int(n)
    return counts


# the list search of kpi_cohort.sql, over the rows as a viewer sees them (``shown``)
_MASKED_SEARCH = " or ".join(
    f"contains(lower(coalesce(shown.{col}::varchar, '')), lower($needle::varchar))"
    for col in ("complaint_id", "description", "handler", "customer_id")
)
_COHORT_ORDER = "order by received_at desc, complaint_id"


def _masked_search(ctx: context.ReadContext, search: str | None) -> bool:
    """Whether a list search must run over masked text (a viewer without the right to
    personal data: the search runs in SQL over the masked rows, ``_MASKED_SEARCH``)."""
    return bool(search) and ctx.role is not None and not privacy.can_see_personal_data(ctx.role)


def complaints_list(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
    search: str | None = None,
    limit: int | None = 1000,
    offset: int = 0,
) -> pd.DataFrame:
    """Complaint records of the cohort (canonical + derived columns + as-of facts), newest
    first, as the context's viewer may see them (``ReadContext.shown``: masked in the query
    for a role without the right to personal data); ``search`` matches a substring of
    complaint_id, description, handler or customer_id (case-insensitive). For such a role
    ``search`` runs over the text as that role sees it, so a search cannot confirm a hidden
    phone number or name."""
    ctx = context.of(conn)
    as_of = ctx.as_of(as_of)
    masked = _masked_search(ctx, search)
    params = {
        "start": period.start,
        "end": period.end,
        "as_of": as_of,
        "search": None if masked else search or None,
        "limit": None if limit is None or masked else int(limit),
        "offset": 0 if masked else int(offset),
        **filter_params(filters),
    }
    if not masked:
        return ctx.shown(store.sql_file("kpi_cohort"), params).drop(columns=["dim"])
    outer = f"select * from shown where {_MASKED_SEARCH} {_COHORT_ORDER} limit $page offset $skip"
    page = {"needle": str(search), "page": limit, "skip": int(offset)}
    return ctx.shown(store.sql_file("kpi_cohort"), params, outer, page).drop(columns=["dim"])


def complaints_count(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
    search: str | None = None,
) -> int:
    """How many complaints ``complaints_list`` returns without a limit (counted in SQL; a
    search over masked text counts the rows that search keeps)."""
    ctx = context.of(conn)
    as_of = ctx.as_of(as_of)
    masked = _masked_search(ctx, search)
    params = {
        "start": period.start,
        "end": period.end,
        "as_of": as_of,
        "search": None if masked else search or None,
        "limit": None,
        "offset": 0,
        **filter_params(filters),
    }
    if masked:
        outer = f"select count(*) as n from shown where {_MASKED_SEARCH}"
        found = ctx.shown(store.sql_file("kpi_cohort"), params, outer, {"needle": str(search)})
        return int(found["n"].iloc[0])
    sql = f"select count(*) from ({store.sql_file('kpi_cohort')}) as r"
    return int(ctx.cur.execute(sql, params).fetchall()[0][0])


# --------------------------------------------------------------------------- repeat chains, groups
# (the Repeats page: docs/definitions.md#repeat-complaints, #group-complaints)


def customer_complaints(
    conn: context.Source, customer_id: str, as_of: dt.datetime | None = None
) -> pd.DataFrame:
    """Every complaint of one customer received by the as-of, oldest first (a repeat chain
    may start before any period); unmasked: mask before showing."""
    ctx = context.of(conn)
    conn, as_of = ctx.cur, ctx.as_of(as_of)
    params = {"customer_id": str(customer_id), "as_of": as_of}
    return ctx.shown(store.sql_file("kpi_customer_complaints"), params)


def group_incidents(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
) -> pd.DataFrame:
    """The group incidents counted by ``kpis(...)["group_incidents"]`` (those with a
    complaint of the cohort, qualified by the as-of), one row each: department, category,
    first/last received, qualified_at, n_complaints, n_customers."""
    ctx = context.of(conn)
    conn, as_of = ctx.cur, ctx.as_of(as_of)
    sql, params = _drill_sql("group_incidents", "numerator", period, filters, as_of)
    found = conn.execute(
        f"select distinct r.group_incident_id::varchar from ({sql}) as r "
        "where r.group_incident_id is not null order by 1",
        params,
    ).fetchall()
    ids = [r[0] for r in found]
    return store.run_query(conn, "kpi_group_incidents", {"ids": ids, "as_of": as_of})


def group_incident_complaints(
    conn: context.Source, group_incident_id: str, as_of: dt.datetime | None = None
) -> pd.DataFrame:
    """The member complaints of one group incident received by the as-of, oldest first;
    unmasked: mask before showing."""
    ctx = context.of(conn)
    conn, as_of = ctx.cur, ctx.as_of(as_of)
    params = {"group_incident_id": str(group_incident_id), "as_of": as_of}
    return ctx.shown(store.sql_file("kpi_group_incident_complaints"), params)


def dissatisfied(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The complaints behind ``kpis()["n_dissatisfied"]``: surveyed by the as-of with a
    dissatisfied answer (1-2), newest first (``limit``/``offset``/``columns`` as in
    ``drill``); unmasked: mask before showing."""
    ctx = context.of(conn)
    sql, params = _flagged_sql(DISSATISFIED_FLAG, period, filters, ctx.as_of(as_of))
    return _cohort_page(ctx, sql, params, limit, offset, columns)


# --------------------------------------------------------------------------- handling ladder
# (the Handling ladder page: docs/definitions.md#handling-ladder)


def ladder_rows(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
    stage: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """The cohort's measured handling-ladder stages, one row per complaint and stage (all
    stages, or ``stage``), newest complaint first: started, due, done (by the as-of),
    duration, limit and ``state`` (on_time / late / skipped / overdue / open);
    ``limit``/``offset``: one page of them, paged in SQL (``ladder_rows_count``: the
    total)."""
    ctx, params = _ladder_rows_params(conn, period, filters, as_of, stage)
    outer = (
        "select * from shown order by received_at desc, complaint_id, stage_order "
        "limit $page offset $skip"
    )
    page = {"page": None if limit is None else int(limit), "skip": int(offset)}
    return ctx.shown(store.sql_file("kpi_ladder_rows"), params, outer, page)


def ladder_rows_count(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
    stage: str | None = None,
) -> int:
    """How many rows ``ladder_rows`` returns without a limit (counted in SQL)."""
    ctx, params = _ladder_rows_params(conn, period, filters, as_of, stage)
    sql = f"select count(*) from ({store.sql_file('kpi_ladder_rows')}) as r"
    return int(ctx.cur.execute(sql, params).fetchall()[0][0])


def _ladder_rows_params(
    conn: context.Source,
    period: Period,
    filters: Filters,
    as_of: dt.datetime | None,
    stage: str | None,
) -> tuple[context.ReadContext, dict[str, Any]]:
    if stage is not None and stage not in rules.STAGES:
        raise KpiError(f"unknown stage {stage!r}; use one of {', '.join(rules.STAGES)}")
    ctx = context.of(conn)
    params = {
        "start": period.start,
        "end": period.end,
        "as_of": ctx.as_of(as_of),
        "stage": stage,
        **filter_params(filters),
    }
    return ctx, params


def root_causes(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
) -> pd.DataFrame:
    """The root-cause Pareto of the cohort: root_cause, n, share, cumulative_share, n_window
    (complaints in the rule's recurring window) and recurring (n_window ≥ the rule's
    recurring_min_complaints), most frequent first."""
    ctx = context.of(conn)
    cur, as_of = ctx.cur, ctx.as_of(as_of)
    params = {
        "start": period.start,
        "end": period.end,
        "as_of": as_of,
        **filter_params(filters),
        **{k: v for k, v in _ladder_rule_params(ctx, period).items() if k != "cu_min"},
    }
    return store.run_query(cur, "kpi_root_causes", params)


#: The seeds' benchmark of the stage time shares (004 第5页: 接收30%, 分类25%, 调查20%,
#: 解决15%, 回访10%), shown beside the measured shares.
TIME_SHARE_BENCHMARK: dict[str, float] = {
    "receive": 0.30,
    "classify": 0.25,
    "investigate": 0.20,
    "resolve": 0.15,
    "follow_up": 0.10,
}


def ladder_summary(
    conn: context.Source,
    period: Period,
    filters: Filters = Filters(),
    as_of: dt.datetime | None = None,
) -> pd.DataFrame:
    """One row per handling-ladder stage (ladder order): its limit (unit and value per grade
    of the rule version in force on the period's first day), on_time_rate with n (its
    on-time base), median_h and p90_h with n_done, coverage (share of the cohort whose
    source supplied the stage's timestamp) and not_measured."""
    ctx = context.of(conn)
    row = kpis(ctx, period, filters, as_of).iloc[0]
    version = ctx.rules.version_for(period.start)
    received = float(row["n_received"] or 0)
    out = []
    for stage in rules.STAGES:
        limit = version.stage_limits[stage]
        limits = {g: limit.for_grade(g) for g in rules.GRADES}
        measured = _value(row, f"n_measured_stage_{stage}") or 0.0
        out.append(
            {
                "stage": stage,
                "unit": limit.unit,
                "limit_general": limits["general"],
                "limit_urgent": limits["urgent"],
                "limit_major": limits["major"],
                "on_time_rate": _value(row, f"stage_{stage}_on_time_rate"),
                "n": _value(row, f"n_stage_{stage}"),
                "median_h": _value(row, f"stage_{stage}_median_h"),
                "p90_h": _value(row, f"stage_{stage}_p90_h"),
                "n_done": _value(row, f"n_stage_{stage}_done"),
                "coverage": measured / received if received else None,
                "not_measured": bool(received) and measured == 0,
            }
        )
    return pd.DataFrame(out)
