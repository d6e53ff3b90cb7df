"""The status-first summary of a period in words (the overview's first line, the meeting's
opening slide): how many KPIs are off target or on warning, and the worst department with
its biggest deduction, e.g.
``本月 1 项未达标、4 项预警；最差：北京朝阳店 24.4 分（办结及时性 −20）``.

Pure functions over what the pages already hold (the KPI cards and the month's department
scores); no query of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from queries import i18n

PARETO_SHARE = 0.8  # the Pareto page's "vital few" cut


@dataclass(frozen=True)
class Worst:
    """The lowest-scoring department of a month and its biggest deduction."""

    department_id: str
    name: str
    score: float
    item: str | None
    points: float


def status_counts(cards: Sequence[Any]) -> dict[str, int]:
    """``{"red": n, "amber": n, "green": n}`` over cards with a target status."""
    counts = {"red": 0, "amber": 0, "green": 0}
    for card in cards:
        if card.status in counts:
            counts[card.status] += 1
    return counts


def worst_department(scores: pd.DataFrame, lang: str = i18n.DEFAULT_LANG) -> Worst | None:
    """The department with the lowest score (ties: the first by name) and its largest
    deduction item; None when no department was scored. Names in ``lang`` where known."""
    if scores is None or scores.empty:
        return None
    row = scores.sort_values(["score", "department"], kind="stable").iloc[0]
    name = str(row["department"])
    en = row.get("department_en")
    if lang == "en" and isinstance(en, str) and en:
        name = en
    item, points = biggest_deduction(row.get("deductions"))
    return Worst(str(row["department_id"]), name, float(row["score"]), item, points)


def biggest_deduction(deductions: Any) -> tuple[str | None, float]:
    """``(item, points)`` of the largest deduction in a ``{item: points}`` dict;
    ``(None, 0.0)`` when nothing was deducted."""
    if not isinstance(deductions, dict) or not deductions:
        return None, 0.0
    top, value = max(deductions.items(), key=lambda kv: kv[1] or 0)
    return (str(top), float(value)) if value else (None, 0.0)


def status_line(
    cards: Sequence[Any],
    scores: pd.DataFrame,
    when: str,
    lang: str = i18n.DEFAULT_LANG,
) -> str:
    """One sentence: ``{when} 1 项未达标、4 项预警；最差：{部门} 24.4 分（办结及时性 −20）``.

    ``cards``: objects with ``status`` (``kpi.KpiCard``); ``scores``: the month's
    ``scoring.department_scores``; ``when``: the period in words (``本月``, ``2025年9月``).
    With nothing off target or on warning it says all targeted KPIs are on target.
    """
    counts = status_counts(cards)
    targeted = sum(counts.values())
    if counts["red"] or counts["amber"]:
        red, amber = counts["red"], counts["amber"]
        head = i18n.t("status_line_counts", lang, when=when, red=red, amber=amber)
    elif targeted:
        head = i18n.t("status_line_all_green", lang, when=when, n=targeted)
    else:
        head = i18n.t("status_line_no_targets", lang, when=when)
    worst = worst_department(scores, lang)
    if worst is None:
        return head
    tail = i18n.t(
        "status_line_worst", lang, name=worst.name, score=i18n.fmt_number(worst.score, 1, lang)
    )
    if worst.item is not None:
        tail += i18n.t(
            "status_line_item",
            lang,
            item=i18n.item_label(worst.item, lang),
            points=_points(worst.points),
        )
    return head + i18n.t("status_line_sep", lang) + tail


def _points(value: float) -> str:
    """A deduction as ``20`` or ``7.5`` (no trailing ``.0``)."""
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def pareto(frame: pd.DataFrame, dimension: str = "category") -> pd.DataFrame:
    """Groups by ``received`` (largest first, ties by name) with ``cum_share`` (the running
    share of all received) and ``vital`` (inside the first 80%: the groups up to and
    including the one that crosses 80%)."""
    rows = frame.dropna(subset=[dimension])
    rows = rows[rows["received"] > 0].sort_values(
        ["received", dimension], ascending=[False, True], kind="stable"
    )
    total = rows["received"].sum()
    cum = rows["received"].cumsum() / total if total else rows["received"] * 0.0
    before = cum - rows["received"] / total if total else cum
    return rows.assign(cum_share=cum, vital=before < PARETO_SHARE).reset_index(drop=True)
