"""The status-first line (queries/marts/status.py): exact sentences from hand-made cards
and department scores."""

from __future__ import annotations

import pandas as pd

from queries.marts.kpi import KpiCard
from queries.marts.status import status_counts, status_line, worst_department


def _card(metric: str, status: str | None) -> KpiCard:
    return KpiCard(metric, 0.5, None, None, 0.9 if status else None, status, 10)


CARDS = [
    _card("on_time_resolution_rate", "red"),
    _card("response_sla_rate", "amber"),
    _card("repeat_rate", "amber"),
    _card("csat_rate", "amber"),
    _card("valid_rate", "amber"),
    _card("resolution_rate", "green"),
    _card("received", None),
]

SCORES = pd.DataFrame(
    [
        {
            "department_id": "D01",
            "department": "上海浦东店",
            "department_en": "Shanghai Pudong",
            "score": 81.5,
            "deductions": {"valid_complaints": 18.5, "resolution_timeliness": 0.0},
        },
        {
            "department_id": "D02",
            "department": "北京朝阳店",
            "department_en": "Beijing Chaoyang",
            "score": 24.4,
            "deductions": {"valid_complaints": 55.6, "resolution_timeliness": 20.0},
        },
        {
            "department_id": "D03",
            "department": "广州天河店",
            "department_en": None,
            "score": 100.0,
            "deductions": {"valid_complaints": 0.0},
        },
    ]
)


def test_counts_only_cards_with_a_status():
    assert status_counts(CARDS) == {"red": 1, "amber": 4, "green": 1}


def test_status_line_zh_and_en_exact():
    # the worst department's biggest deduction is named with its points
    assert status_line(CARDS, SCORES, "本月", "zh") == (
        "本月 1 项未达标、4 项预警；最差：北京朝阳店 24.4 分（有理投诉 −55.6）"
    )
    assert status_line(CARDS, SCORES, "This month", "en") == (
        "This month: 1 off target, 4 on warning; worst: Beijing Chaoyang 24.4 points"
        " (Valid complaints −55.6)"
    )


def test_status_line_whole_points_and_other_item():
    scores = SCORES.copy()
    scores.at[1, "deductions"] = {"valid_complaints": 10.0, "resolution_timeliness": 20.0}
    assert status_line(CARDS, scores, "本月", "zh") == (
        "本月 1 项未达标、4 项预警；最差：北京朝阳店 24.4 分（办结及时性 −20）"
    )


def test_all_green_and_no_deduction():
    cards = [_card("resolution_rate", "green"), _card("csat_rate", "green")]
    only = SCORES[SCORES["department_id"] == "D03"]
    assert status_line(cards, only, "2025年9月", "zh") == (
        "2025年9月 全部 2 项指标达标；最差：广州天河店 100.0 分"
    )
    # no English name in the data: the Chinese name is the data value shown
    assert status_line(cards, only, "Sep 2025", "en") == (
        "Sep 2025: all 2 KPIs on target; worst: 广州天河店 100.0 points"
    )


def test_no_scores_no_targets():
    assert status_line([_card("received", None)], pd.DataFrame(), "本月", "zh") == "本月 未设目标"
    assert worst_department(pd.DataFrame()) is None


def test_worst_ties_break_by_name():
    scores = pd.DataFrame(
        [
            {"department_id": "B", "department": "Zeta", "score": 50.0, "deductions": {}},
            {"department_id": "A", "department": "Alpha", "score": 50.0, "deductions": {}},
        ]
    )
    worst = worst_department(scores)
    assert (worst.department_id, worst.item, worst.points) == ("A", None, 0.0)
