"""Half-year and period summaries per business unit (the regulator/headquarters view modelled
on the UK FCA's half-yearly complaints return): opened, closed, upheld rate, share closed
within the quick-close limit and within the resolution limit, compensation paid by type,
complaints per 10,000 business volume and the repeat rate, with their definitions.

Every figure is a column of ``kpi.kpis`` for the same period, as-of and grouping: the
summary renames and selects, it computes nothing of its own (so it equals ``complaints kpi``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from queries import context
from queries.marts import kpi
from queries.metrics import LADDER_METRICS, METRICS
from queries.periods import Period

#: ``--by``: the unit of a summary row (None: the whole company only).
UNITS: tuple[str, ...] = ("department", "category")
TOTAL = "all"


@dataclass(frozen=True)
class SummaryColumn:
    """One column of the summary: its name, the ``kpi.kpis`` column it shows, unit, labels."""

    name: str
    source: str
    unit: str  # count | rate | cny | per_10k
    zh: str
    en: str
    definition_zh: str
    definition_en: str


def _from_metric(name: str, source: str, zh: str | None = None, en: str | None = None):
    m = METRICS[source]
    return SummaryColumn(
        name, source, m.unit, zh or m.zh, en or m.en, m.definition_zh, m.definition_en
    )


_COMP_ZH = {"money": "现金", "service": "服务", "product": "产品", "coupon": "代金券"}

COLUMNS: tuple[SummaryColumn, ...] = (
    _from_metric("opened", "received", "受理投诉", "Complaints opened"),
    _from_metric("closed", "resolved", "办结投诉", "Complaints closed"),
    _from_metric("upheld_rate", "valid_rate", "有理（成立）率", "Upheld rate"),
    SummaryColumn(
        "closed_quickly_rate",
        "quick_close_rate",
        "rate",
        "快速办结占比",
        "Closed within the quick-close limit",
        "已办结投诉中，在受理日后第 N 个工作日24:00前办结的占比（N = 规则 quick_close，默认3）",
        "Of the complaints resolved by the as-of, the share resolved by 24:00 of the N-th "
        "working day after the day of receipt (N = rules quick_close, default 3)",
    ),
    _from_metric("closed_in_limit_rate", "on_time_resolution_rate"),
    *(
        SummaryColumn(
            f"compensation_n_{t}",
            f"compensation_n_{t}",
            "count",
            f"补偿件数（{_COMP_ZH[t]}）",
            f"Compensations ({t})",
            f"补偿方式为{_COMP_ZH[t]}的投诉数",
            f"Complaints compensated by {t}",
        )
        for t in kpi.COMPENSATION_TYPES
    ),
    *(
        SummaryColumn(
            f"compensation_cny_{t}",
            f"compensation_cny_{t}",
            "cny",
            f"补偿金额（{_COMP_ZH[t]}，元）",
            f"Compensation paid ({t}, CNY)",
            f"补偿方式为{_COMP_ZH[t]}的补偿金额合计",
            f"Sum of compensation_amount of complaints compensated by {t}",
        )
        for t in kpi.COMPENSATION_TYPES
    ),
    _from_metric("compensation_total", "compensation_total"),
    _from_metric("complaints_per_10k", "complaint_rate_per_10k"),
    _from_metric("repeat_rate", "repeat_rate"),
)


def period_summary(
    conn: context.Source,
    period: Period,
    by: str | None = None,
    as_of: dt.datetime | None = None,
) -> pd.DataFrame:
    """The summary of ``period``: a company row (``unit`` = ``all``) and, with ``by``, one
    row per department or category. Columns: ``unit`` then ``COLUMNS`` in order."""
    if by is not None and by not in UNITS:
        raise kpi.KpiError(f"summary by {by!r}: use one of {', '.join(UNITS)}")
    ctx = context.of(conn)
    as_of = ctx.as_of(as_of)
    names = {c.source: c.name for c in COLUMNS}
    ladder = any(source in LADDER_METRICS for source in names)  # the costly part of kpis
    total = kpi.kpis(ctx, period, kpi.Filters(), as_of, ladder=ladder)[list(names)]
    frames = [total.assign(unit=TOTAL)]
    if by is not None:
        rows = kpi.kpis(ctx, period, kpi.Filters(), as_of, by=by, ladder=ladder)
        frames.append(rows.rename(columns={by: "unit"})[["unit", *names]])
    df = pd.concat(frames, ignore_index=True).rename(columns=names)
    return df[["unit", *[c.name for c in COLUMNS]]]


def definitions(lang: str = "zh") -> pd.DataFrame:
    """The definition of every summary column in ``zh`` or ``en``: column, name, definition."""
    zh = lang == "zh"
    return pd.DataFrame(
        [
            {
                "column": c.name,
                "name": c.zh if zh else c.en,
                "definition": c.definition_zh if zh else c.definition_en,
            }
            for c in COLUMNS
        ]
    )
