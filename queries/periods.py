"""One home for period and month arithmetic: ``Period`` ([start, end) on ``received_at``),
month strings ``YYYY-MM``, quarters and month offsets, and the like-for-like comparisons
(``comparison``): which period a KPI is compared with and at which as-of."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    """[start, end) on ``received_at`` (end exclusive)."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"period end {self.end} must be after start {self.start}")

    @property
    def days(self) -> int:
        """Length in days."""
        return (self.end - self.start).days

    @property
    def kind(self) -> str:
        """``month``, ``quarter``, ``half`` (year) or ``year`` for a whole calendar period,
        else ``range``."""
        if self.start.day == 1:
            if self.end == add_months(self.start, 1):
                return "month"
            if self.start == quarter_start(self.start) and self.end == add_months(self.start, 3):
                return "quarter"
            if self.start.month in (1, 7) and self.end == add_months(self.start, 6):
                return "half"
            if self.start.month == 1 and self.end == add_months(self.start, 12):
                return "year"
        return "range"

    def previous(self) -> Period:
        """The previous calendar period of the same kind (month → previous month, quarter →
        previous quarter, half → previous half, year → previous year); any other range: the
        equal span before."""
        months = {"month": 1, "quarter": 3, "half": 6, "year": 12}.get(self.kind)
        if months is None:
            return Period(self.start - dt.timedelta(days=self.days), self.start)
        return Period(add_months(self.start, -months), self.start)

    def year_ago(self) -> Period:
        """The same dates one year earlier (29 February → 28 February)."""
        return Period(year_back(self.start), year_back(self.end))

    @classmethod
    def month(cls, ym: str) -> Period:
        """The calendar month ``"YYYY-MM"``."""
        start = dt.datetime.strptime(ym, "%Y-%m").date()
        return cls(start, add_months(start, 1))

    def label(self) -> str:
        """``2025-10`` for a calendar month, else ``2025-10-01..2025-10-15`` (end exclusive)."""
        if self.start.day == 1 and self.end == add_months(self.start, 1):
            return self.start.strftime("%Y-%m")
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def year_back(d: dt.date) -> dt.date:
    """The same date one year earlier (29 February → 28 February)."""
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def add_months(d: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after ``d``'s month."""
    m = d.month - 1 + n
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def parse_month(month: str) -> dt.date:
    """The first day of ``YYYY-MM`` (ValueError when malformed)."""
    try:
        return dt.datetime.strptime(month, "%Y-%m").date()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"month must look like 2025-10, got {month!r}") from exc


def months_back(month: str, n: int) -> str:
    """The month ``n`` months before ``YYYY-MM`` (negative ``n``: after), as ``YYYY-MM``."""
    return add_months(parse_month(month), -n).strftime("%Y-%m")


def months_of(year: int, quarter: int | None) -> list[str]:
    """The months ``YYYY-MM`` of a quarter (1-4), or of the whole year (``quarter=None``)."""
    if quarter is None:
        return [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, got {quarter!r}")
    return [f"{year:04d}-{m:02d}" for m in range(3 * quarter - 2, 3 * quarter + 1)]


def quarter_start(d: dt.date) -> dt.date:
    """The first day of ``d``'s quarter."""
    return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def trailing_months(period: Period, months: int = 12) -> Period:
    """The ``months`` calendar months ending with the period's last month (for trends)."""
    last = (period.end - dt.timedelta(days=1)).replace(day=1)
    return Period(add_months(last, -(months - 1)), add_months(last, 1))


#: The comparisons a KPI is shown with, in order: previous period, same period last year.
COMPARISONS: tuple[str, ...] = ("previous", "last_year")


@dataclass(frozen=True)
class Comparison:
    """A comparison period evaluated at its own as-of (same maturity as the current one)."""

    name: str  # 'previous' | 'last_year'
    period: Period
    as_of: dt.datetime


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time())


def comparison(period: Period, as_of: dt.datetime, name: str) -> Comparison:
    """The like-for-like comparison ``name`` of ``period`` seen at ``as_of``.

    The comparison period is ``period.previous()`` (``previous``) or ``period.year_ago()``
    (``last_year``). Same maturity: when the as-of is at or after the period's end, the
    comparison's as-of is its own end plus the same offset; when the as-of falls inside the
    period (period to date), the comparison covers the same elapsed span of its own period,
    and where that span would reach its end (a shorter period), it stops the same time
    before its own end (October to 2026-10-31 23:59:52 → September to 2026-09-30 23:59:52).
    """
    if name not in COMPARISONS:
        raise ValueError(f"unknown comparison {name!r}; use one of {', '.join(COMPARISONS)}")
    other = period.previous() if name == "previous" else period.year_ago()
    start, end = _midnight(period.start), _midnight(period.end)
    o_start, o_end = _midnight(other.start), _midnight(other.end)
    if as_of >= end:
        return Comparison(name, other, o_end + (as_of - end))
    elapsed = max(as_of - start, dt.timedelta(0))
    if o_start + elapsed < o_end:
        return Comparison(name, other, o_start + elapsed)
    return Comparison(name, other, o_end - (end - as_of))


_PERIOD_FORMS = "YYYY, YYYYH1/H2, YYYYQ1-Q4 or YYYY-MM (e.g. 2026H1, 2026Q3, 2026)"


def parse_period(text: str) -> Period:
    """A reporting period: ``2026`` (year), ``2026H1``/``2026H2`` (half year), ``2026Q3``
    (quarter; ``2026-Q3`` and ``2026-H1`` also read) or ``2026-03`` (month)."""
    value = (text or "").strip().upper().replace("-H", "H").replace("-Q", "Q")
    try:
        if len(value) == 4 and value.isdigit():
            start = dt.date(int(value), 1, 1)
            return Period(start, dt.date(start.year + 1, 1, 1))
        if len(value) == 6 and value[:4].isdigit() and value[4] in "HQ" and value[5].isdigit():
            year, part = int(value[:4]), int(value[5])
            months = 6 if value[4] == "H" else 3
            if not 1 <= part <= 12 // months:
                raise ValueError
            start = dt.date(year, (part - 1) * months + 1, 1)
            return Period(start, add_months(start, months))
        if len(value) == 7 and value[4] == "-":
            return Period.month(parse_month(value).strftime("%Y-%m"))
    except ValueError:
        pass
    raise ValueError(f"period must look like {_PERIOD_FORMS}, got {text!r}")
