"""Accountability and penalties (docs/definitions.md#accountability).

The period is the complaints' ``received_at`` (as for the KPIs) with the same ``kpi.Filters``: a
penalty record belongs to the period of its complaint. Decision deadlines
(``accountability_due``) and joint-liability fines (``joint_fine``: the record's, else the
rule's share of the fine when the complaint reached the rule's escalation level) come from
staging (``stg_penalties``); what depends on the as-of is computed here: a decision or an
execution dated after the as-of does not exist yet.

Definitions fixed here (and in docs/definitions.md#accountability):

* ``accountability_on_time_rate``: records with a known due date that were decided by the
  as-of or whose due date has passed (due < as-of date): decided on or before the due date
  / those. A decision on the due date is on time; a record becomes overdue the day after.
* ``accountability_coverage`` leaves out complaints verified as malicious; penalty counts
  and fines count every record of the cohort.
* ``repeat_after_penalty`` counts penalty *records* executed by the as-of that were followed,
  on day 1 to ``repeat_after_penalty_days`` (90) after ``executed_at``, by at least one
  valid, not malicious complaint received by the as-of in the record's responsible
  department and the penalised complaint's category (a penalty that did not stop the
  problem). The list ``repeat_after_penalty`` shows each (record, recurring complaint) pair.
* Due dates, joint fines, the publication window and the repeat window (days) come from the
  rule version staging assigned to each record (in force at its complaint's receipt).
* Persons in penalty records are employees (not complainants) and are not masked;
  complainants' names and phones appear in no list unless ``personal=True``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from queries import context
from queries.marts import kpi
from queries.marts.scoring import prepare
from queries.store import run_query, sql_file

#: Allow-list for ``by`` (the group column of ``accountability``).
BY_DIMENSIONS: tuple[str, ...] = ("measure", "cause", "responsibility_type", "person", "department")
#: The accountability metric columns of ``accountability`` in order.
METRIC_COLUMNS: tuple[str, ...] = (
    "accountability_coverage",
    "penalties",
    "fines_total",
    "joint_fine",
    "accountability_on_time_rate",
    "accountability_overdue",
    "appeals_open",
    "repeat_after_penalty",
)
LIST_KINDS: tuple[str, ...] = (
    "ledger",
    "overdue",
    "appealed",
    "without_record",
    "repeat_after_penalty",
)


def _cohort_params(
    period: kpi.Period,
    filters: kpi.Filters,
    as_of: dt.datetime,
) -> dict[str, Any]:
    """Period, as-of and the KPI filters: the acct queries apply them in SQL through the
    same cohort_filters fragment as the KPI cohort (the one definition of a filter)."""
    return {
        "start": dt.datetime.combine(period.start, dt.time()),
        "end": dt.datetime.combine(period.end, dt.time()),
        "as_of": as_of,
        **kpi.filter_params(filters),
    }


def accountability(
    conn: context.Source,
    period: kpi.Period,
    filters: kpi.Filters | None = None,
    as_of: dt.datetime | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """The accountability metrics for the complaints received in ``period``.

    Args:
        conn: a connection or cursor on a published database.
        period: cohort by the complaints' ``received_at``.
        filters: the KPI filters, applied to the complaints (None: no filter).
        as_of: data cut-off (default ``kpi.default_as_of``).
        by: None (one row) or one of ``BY_DIMENSIONS`` (one row per value, that column
            first; ``department`` = the record's responsible department, coverage by the
            complaint's department; coverage is null for the other dimensions).

    Returns:
        The metric columns of ``METRIC_COLUMNS`` plus n_valid, n_valid_with_record,
        n_on_time, n_decided_on_time, n_decided, n_executed, fines.
    """
    if by is not None and by not in BY_DIMENSIONS:
        raise ValueError(f"by must be one of {', '.join(BY_DIMENSIONS)}, got {by!r}")
    ctx, as_of = prepare(conn, as_of)
    params = _cohort_params(period, filters or kpi.Filters(), as_of)
    params["by"] = by or "none"
    frame = run_query(ctx.cur, "acct_summary", params)
    if by is None:
        return frame.drop(columns=["group_key"]).reset_index(drop=True)
    return frame.rename(columns={"group_key": by}).reset_index(drop=True)


def accountability_list(
    conn: context.Source,
    kind: str,
    period: kpi.Period,
    filters: kpi.Filters | None = None,
    as_of: dt.datetime | None = None,
    personal: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """The records behind the accountability figures (``limit``/``offset``: one page of
    them, paged in SQL; ``accountability_count`` gives the total).

    Args:
        kind: ``ledger`` (every penalty record with due date, joint fine and its source,
            on-time/overdue flags), ``overdue``, ``appealed`` (appeal status other than
            none), ``without_record`` (valid, not malicious complaints without any penalty
            record), ``repeat_after_penalty`` (record × recurring complaint pairs).
        personal: include complainants' customer_name/customer_phone (``without_record``
            only; callers must mask them unless the viewer's role allows them).
    """
    ctx, as_of = prepare(conn, as_of)
    sql, params = _list_sql(kind, period, filters or kpi.Filters(), as_of, personal)
    page = {"limit": None if limit is None else int(limit), "offset": int(offset)}
    if kind == "repeat_after_penalty":  # pages itself: pairs only the records on the page
        params.update(page)
    elif limit is not None or offset:
        sql = f"select * from ({sql}) as r limit $limit offset $offset"
        params.update(page)
    frame = ctx.shown(sql, params)
    if kind == "without_record" and not personal:
        frame = frame.drop(columns=["customer_name", "customer_phone"])
    return frame


def accountability_count(
    conn: context.Source,
    kind: str,
    period: kpi.Period,
    filters: kpi.Filters | None = None,
    as_of: dt.datetime | None = None,
) -> int:
    """How many records ``accountability_list`` returns without a limit."""
    ctx, as_of = prepare(conn, as_of)
    sql, params = _list_sql(kind, period, filters or kpi.Filters(), as_of, False)
    if kind == "repeat_after_penalty":  # counted per record, never paired
        del params["limit"], params["offset"]
        sql = sql_file("acct_repeat_after_penalty_count")
        return int(ctx.cur.execute(sql, params).fetchall()[0][0])
    return int(ctx.cur.execute(f"select count(*) from ({sql}) as r", params).fetchall()[0][0])


def _list_sql(
    kind: str, period: kpi.Period, filters: kpi.Filters, as_of: dt.datetime, personal: bool
) -> tuple[str, dict[str, Any]]:
    if kind not in LIST_KINDS:
        raise ValueError(f"kind must be one of {', '.join(LIST_KINDS)}, got {kind!r}")
    params = _cohort_params(period, filters, as_of)
    if kind in ("ledger", "overdue", "appealed"):
        params["kind"] = kind
        return sql_file("acct_ledger"), params
    if kind == "without_record":
        params["personal"] = personal
        return sql_file("acct_without_record"), params
    params.update(limit=None, offset=0)  # the whole list unless accountability_list pages it
    return sql_file("acct_repeat_after_penalty"), params
