"""The company calendar: mainland China statutory holidays and make-up working days (调休)
from the ``chinese_calendar`` library, plus company overrides from
``queries/config/calendar_overrides.toml`` (or ``$COMPLAINTS_CALENDAR``); see
docs/definitions.md#working-day-calendar.

For a year the library does not cover the calendar falls back to weekends only, and says so:
``covered(d)`` is False, ``uncovered_years`` lists such years for warnings, and staging
carries ``calendar_covered`` per complaint. Overrides always apply (also in uncovered years).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import tomllib
from collections.abc import Iterable
from pathlib import Path

import chinese_calendar
import duckdb
import pandas as pd
from chinese_calendar import constants as _cc_constants

from queries.paths import CONFIG_DIR

OVERRIDES_FILE = CONFIG_DIR / "calendar_overrides.toml"
OVERRIDES_ENV_VAR = "COMPLAINTS_CALENDAR"  # another overrides file instead of OVERRIDES_FILE


def overrides_path(path: str | Path | None = None) -> Path:
    """The overrides file in use: ``path``, else ``$COMPLAINTS_CALENDAR``, else the default."""
    if path is not None:
        return Path(path)
    return Path(os.environ.get(OVERRIDES_ENV_VAR) or OVERRIDES_FILE)


class CalendarError(ValueError):
    """The overrides file is unreadable or invalid."""


@functools.lru_cache(maxsize=8)
def _overrides_cached(path: str, mtime_ns: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CalendarError(f"{p}: cannot read calendar overrides: {exc}") from exc

    def dates(key: str) -> frozenset[dt.date]:
        values = doc.get(key, [])
        out = set()
        for v in values:
            if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
                raise CalendarError(f"{p}: {key} must hold dates like 2025-05-06, got {v!r}")
            out.add(v)
        return frozenset(out)

    off, work = dates("days_off"), dates("working_days")
    both = off & work
    if both:
        raise CalendarError(f"{p}: dates both off and working: {sorted(both)}")
    return off, work


def load_overrides(path: str | Path | None = None) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(extra days off, extra working days) from the overrides file (empty if it is missing)."""
    p = overrides_path(path)
    if not p.exists():
        return frozenset(), frozenset()
    return _overrides_cached(str(p), p.stat().st_mtime_ns)


def overrides_fingerprint(path: str | Path | None = None) -> str:
    """Hash of the overrides file content and the library's coverage (for staging's meta)."""
    p = overrides_path(path)
    content = p.read_bytes() if p.exists() else b""
    years = covered_years()
    tag = f"{chinese_calendar.__name__}:{years.start}-{years.stop}".encode()
    return hashlib.sha256(content + b"\0" + tag).hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def covered_years() -> range:
    """Years the statutory calendar library covers (e.g. ``range(2004, 2027)``)."""
    years = {d.year for d in _cc_constants.holidays} | {d.year for d in _cc_constants.workdays}
    return range(min(years), max(years) + 1)


def covered(d: dt.date) -> bool:
    """Whether the statutory calendar is known for ``d``."""
    return d.year in covered_years()


def is_working_day(d: dt.date, overrides_path: str | Path | None = None) -> bool:
    """Whether ``d`` is a working day of the company (override > statutory > weekend rule)."""
    off, work = load_overrides(overrides_path)
    if d in off:
        return False
    if d in work:
        return True
    if covered(d):
        return bool(chinese_calendar.is_workday(d))
    return d.weekday() < 5


def add_working_days(d: dt.date, n: int, overrides_path: str | Path | None = None) -> dt.date:
    """The ``n``-th working day after ``d`` (``d`` itself does not count; ``n`` ≥ 1), the way
    resolution deadlines count working days."""
    if n < 1:
        raise ValueError(f"working days must be at least 1, got {n}")
    day = d
    while n > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, overrides_path):
            n -= 1
    return day


def working_hours_between(
    start: dt.datetime, end: dt.datetime, overrides_path: str | Path | None = None
) -> float:
    """Signed hours from ``start`` to ``end`` counted on working days only (the definition
    staging uses for ``*_working_h``; negative when ``end`` is before ``start``)."""
    if end < start:
        return -working_hours_between(end, start, overrides_path)
    total = 0.0
    day = start.date()
    while day <= end.date():
        if is_working_day(day, overrides_path):
            midnight = dt.datetime.combine(day, dt.time())
            lo = max(start, midnight)
            hi = min(end, midnight + dt.timedelta(days=1))
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return total / 3600


def calendar_frame(
    start: dt.date, end: dt.date, overrides_path: str | Path | None = None
) -> pd.DataFrame:
    """One row per day in [start, end] with ``date``, ``is_working``, ``covered``."""
    days = pd.date_range(start, end, freq="D").date
    return pd.DataFrame(
        {
            "date": days,
            "is_working": [is_working_day(d, overrides_path) for d in days],
            "covered": [covered(d) for d in days],
        }
    )


def years_not_covered(dates: Iterable[dt.date]) -> list[int]:
    """The years among ``dates`` the statutory calendar does not cover."""
    years = covered_years()
    return sorted({d.year for d in dates if d is not None and d.year not in years})


def uncovered_years(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Years of the data (receipt dates and resolution deadlines in ``stg_complaints``) that
    the statutory calendar does not cover: weekends-only fallback is used there.
    The data's first and last days are found first (plain minima and maxima, which DuckDB
    answers from the column statistics): when the calendar covers every year between them,
    nothing else is read; else each uncovered year between them is looked up by a range
    (zone maps skip the row groups outside it) until one row is found."""
    years = covered_years()
    low, high = conn.execute(
        """
        select
            year(least(min(received_date), min(resolution_deadline) - interval 1 second)),
            year(greatest(max(received_date), max(resolution_deadline) - interval 1 second))
        from stg_complaints
        """
    ).fetchall()[0]
    if low is None:
        return []
    found = []
    for year in range(int(low), int(high) + 1):
        if year in years:
            continue
        start, end = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
        # a deadline counts in the year of its last second (deadline - 1 s)
        second = dt.timedelta(seconds=1)
        hit = conn.execute(
            """
            select exists (
                select 1 from stg_complaints
                where received_date >= $start::date and received_date < $end::date
            ) or exists (
                select 1 from stg_complaints
                where resolution_deadline >= $d_start and resolution_deadline < $d_end
            )
            """,
            {"start": start, "end": end, "d_start": start + second, "d_end": end + second},
        ).fetchall()[0][0]
        if hit:
            found.append(year)
    return found


def warning_text(years: list[int]) -> str:
    """The warning shown when data falls in years the statutory calendar does not cover."""
    ys = ", ".join(str(y) for y in years)
    return (
        f"warning: the holiday calendar does not cover {ys}; working days there are "
        "weekdays only (update the chinesecalendar package or list the days in the calendar "
        "overrides file, $COMPLAINTS_CALENDAR)"
    )
