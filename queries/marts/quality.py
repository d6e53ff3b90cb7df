"""Data-quality warnings on the loaded data (shown on the Data page and usable by the CLI).

Record-level checks run ``queries/data_quality.sql``; calendar coverage comes from
``workcalendar.uncovered_years`` (years of data the holiday calendar does not know, where
deadlines fall back to weekends only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from queries import context, store
from queries.config import schema

# check -> (zh, en) label. Order = display order. The record checks are defined in
# queries/data_quality.sql; ``calendar_uncovered`` is added from the work calendar.
CHECKS: dict[str, tuple[str, str]] = {
    "calendar_uncovered": (
        "工作日历未覆盖的年份（按仅周末休息计算时限）",
        "Years not covered by the working-day calendar (deadlines use weekends only)",
    ),
    "closed_without_resolution": (
        "已结案但无办结时间",
        "Closed without a resolution time",
    ),
    "resolved_before_received": (
        "办结时间早于受理时间",
        "Resolved before received",
    ),
    "first_response_before_received": (
        "首次响应时间早于受理时间",
        "First response before received",
    ),
    "satisfaction_without_resolution": (
        "有满意度/回访但未办结",
        "Satisfaction or survey without a resolution",
    ),
}


@dataclass(frozen=True)
class DataWarning:
    """One failing data-quality check.

    Attributes:
        check: a key of ``CHECKS``.
        count: complaints failing it (for ``calendar_uncovered``: the number of years).
        examples: up to a few complaint ids (for ``calendar_uncovered``: the years).
    """

    check: str
    count: int
    examples: tuple[str, ...]

    def label(self, lang: str = "zh") -> str:
        """The check's label in ``zh`` or ``en``."""
        zh, en = CHECKS[self.check]
        return en if lang == "en" else zh


def record_checks(conn: context.Source, max_examples: int = 5) -> pd.DataFrame:
    """Run the record-level checks of ``queries/data_quality.sql``.

    Args:
        conn: a snapshot connection.
        max_examples: how many failing complaint ids to return per check.

    Returns:
        One row per check (all checks, count 0 when clean): ``check``, ``count``,
        ``example_ids`` (list of complaint ids, sorted).
    """
    cur = context.of(conn).cur
    return store.run_query(cur, "data_quality", {"max_examples": int(max_examples)})


def data_warnings(conn: context.Source, max_examples: int = 5) -> list[DataWarning]:
    """Every failing check, calendar coverage first, in ``CHECKS`` order.

    Args:
        conn: a snapshot connection.
        max_examples: how many example complaint ids to keep per check.

    Returns:
        One ``DataWarning`` per check with a count above 0 (empty list: no warnings).
    """
    from queries.config import workcalendar  # imported late: the calendar loads its overrides

    found: list[DataWarning] = []
    ctx = context.of(conn)
    years = sorted(workcalendar.uncovered_years(ctx.cur))
    if years:
        found.append(DataWarning("calendar_uncovered", len(years), tuple(str(y) for y in years)))
    for row in record_checks(ctx, max_examples).itertuples(index=False):
        if int(row.count) > 0:
            found.append(DataWarning(row.check, int(row.count), tuple(row.example_ids)))
    return found


def recent_imports(conn: context.Source, limit: int = 20) -> pd.DataFrame:
    """The latest imports with their row counts and rejects (``queries/recent_imports.sql``).

    Args:
        conn: a snapshot connection.
        limit: how many imports to return, newest first.

    Returns:
        One row per import: file_name, kind, finished_at, outcome, source_rows, imported,
        updated, unchanged, superseded, rejected, reject_report, user_name, message...
    """
    return store.run_query(context.of(conn).cur, "recent_imports", {"limit": int(limit)})


def void_complaints(conn: context.Source, start: dt.date, end: dt.date) -> dict[str, int]:
    """Complaints received in ``[start, end)`` whose status voids them (withdrawn,
    duplicate, cancelled): ``status -> count``, every void status present (0 when none).
    They are in no KPI denominator and not in the backlog."""
    cur = context.of(conn).cur
    df = store.run_query(cur, "void_complaints", {"start": start, "end": end})
    found = {str(r.status): int(r.count) for r in df.itertuples(index=False)}
    return {s: found.get(s, 0) for s in schema.VOID_STATUSES}
