"""A hand-written meeting pack (the stored JSON shape of ``queries.reports.meeting``) for the
renderer tests: every number is chosen here, so the tests know exactly what to expect."""

from __future__ import annotations

import copy
from typing import Any

_METRICS = {
    "received": ("投诉量", "Complaints received", "count", "lower"),
    "resolved": ("已办结", "Resolved", "count", None),
    "resolution_rate": ("办结率", "Resolution rate", "rate", "higher"),
    "on_time_resolution_rate": ("按时办结率", "On-time resolution rate", "rate", "higher"),
    "response_sla_rate": ("及时响应率", "Response within limit", "rate", "higher"),
    "backlog_open": ("未办结", "Open", "count", "lower"),
    "overdue_open": ("超期未办结", "Open and overdue", "count", "lower"),
    "repeat_rate": ("重复投诉率", "Repeat rate", "rate", "lower"),
    "group_incidents": ("群体投诉", "Group incidents", "count", "lower"),
    "escalation_rate": ("升级率", "Escalation rate", "rate", "lower"),
    "csat_rate": ("满意率", "Satisfied", "rate", "higher"),
    "csat_mean": ("满意度均分", "Satisfaction, mean (1-5)", "score", "higher"),
    "survey_coverage": ("回访率", "Survey coverage", "rate", "higher"),
}

_KPIS = {
    "received": 1234,
    "resolved": 1100,
    "resolution_rate": 1100 / 1234,
    "on_time_resolution_rate": 0.825,
    "response_sla_rate": 0.9412,
    "backlog_open": 134,
    "overdue_open": 17,
    "repeat_rate": 0.0631,
    "group_incidents": 2,
    "escalation_rate": 0.051,
    "csat_rate": 0.8765,
    "csat_mean": 4.12,
    "survey_coverage": 0.6,
}

_PREVIOUS = {"received": 1180, "on_time_resolution_rate": 0.8}
_YEAR_AGO = {
    "received": 1010,
    "resolution_rate": 0.9,
    "on_time_resolution_rate": 0.861,
    "response_sla_rate": 0.93,
    "repeat_rate": 0.05,
    "csat_rate": 0.85,
}
_TARGETS = {
    "on_time_resolution_rate": (0.9, "red"),
    "response_sla_rate": (0.95, "amber"),
    "repeat_rate": (0.05, "red"),
    "csat_rate": (0.85, "green"),
}

SCORES = [
    ("D01", "客服中心", "Call centre", 96.5, 1),
    ("D02", "华东分公司", "East China branch", 91.0, 2),
    ("D03", "售后服务部", "After-sales", 91.0, 2),
    ("D04", "物流配送部", "Logistics", 72.5, 4),
]
SCORES_PREVIOUS = {"客服中心": 95.0, "华东分公司": 93.5, "售后服务部": 91.0, "物流配送部": 80.0}


def sample_pack(meeting_id: str = "2025-10") -> dict[str, Any]:
    """A complete pack for October 2025 (fresh copy on every call)."""
    cards = []
    for metric, value in _KPIS.items():
        target, status = _TARGETS.get(metric, (None, None))
        cards.append(
            {
                "metric": metric,
                "value": value,
                "previous": _PREVIOUS.get(metric),
                "year_ago": _YEAR_AGO.get(metric),
                "target": target,
                "status": status,
                "n": 1234,
            }
        )
    months = [f"2024-{m:02d}" for m in range(11, 13)] + [f"2025-{m:02d}" for m in range(1, 11)]
    trend = [
        {
            "month": m,
            "received": 1000 + 20 * i,
            "on_time_resolution_rate": 0.80 + 0.005 * i,
            "csat_rate": 0.84 + 0.003 * i,
        }
        for i, m in enumerate(months)
    ]
    trend[-1].update(received=1234, on_time_resolution_rate=0.825, csat_rate=0.8765)
    pack = {
        "format": 1,
        "meeting_id": meeting_id,
        "month": "2025-10",
        "as_of": "2025-11-02 09:30:00",
        "prepared_at": "2025-11-03 08:00:00",
        "filters": {"department": [], "category": []},
        "rules_version": {"id": "2024-01", "effective_from": "2024-01-01", "effective_to": None},
        "metrics": {
            k: {"zh": zh, "en": en, "unit": unit, "better": better}
            for k, (zh, en, unit, better) in _METRICS.items()
        },
        "kpis": dict(_KPIS),
        "cards": cards,
        "trend": trend,
        "by_department": [
            {"department": "客服中心", "department_en": "Call centre", "csat_rate": 0.91},
            {"department": "物流配送部", "department_en": "Logistics", "csat_rate": 0.7},
            {"department": "华东分公司", "department_en": "East China branch", "csat_rate": None},
        ],
        "by_category": [
            {"category": "产品质量", "repeat_rate": 0.08},
            {"category": "服务态度", "repeat_rate": 0.031},
            {"category": "交付延迟", "repeat_rate": 0.12},
        ],
        "scores": [
            {
                "department_id": did,
                "department": zh,
                "department_en": en,
                "score": score,
                "rank": rank,
                "ded_valid_complaints": round(100 - score, 1),
                "rules_version": "2024-01",
                "n_complaints": 100 + rank,
            }
            for did, zh, en, score, rank in SCORES
        ],
        "scores_previous": [
            {"department": k, "score": v, "rank": 0} for k, v in SCORES_PREVIOUS.items()
        ],
        "worst": {
            "department": "物流配送部",
            "department_en": "Logistics",
            "score": 72.5,
            "rank": 4,
            "items": [
                {"item": "valid_complaints", "deduction": 12.0},
                {"item": "resolution_timeliness", "deduction": 7.5},
                {"item": "repeat_complaints", "deduction": 8.0},
                {"item": "satisfaction", "deduction": 0.0},
            ],
            "complaints": [
                {
                    "complaint_id": "C-0009",
                    "item": "valid_complaints",
                    "category": "交付延迟",
                    "severity": "major",
                },
                {
                    "complaint_id": "C-0012",
                    "item": "resolution_timeliness",
                    "category": "产品质量",
                    "severity": "general",
                },
            ],
        },
        "group_incidents": [
            {
                "group_incident_id": "G-1",
                "department": "物流配送部",
                "department_en": "Logistics",
                "category": "交付延迟",
                "first_received_at": "2025-10-08 09:12:00",
                "n_customers": 7,
                "n_complaints": 9,
            }
        ],
        "at_risk": [
            {
                "complaint_id": "C-1001",
                "department": "物流配送部",
                "department_en": "Logistics",
                "severity": "urgent",
                "working_hours_left": -5.25,
            },
            {
                "complaint_id": "C-1002",
                "department": "客服中心",
                "department_en": "Call centre",
                "severity": "general",
                "working_hours_left": 3.5,
            },
        ],
        "accountability": {
            "penalties": 9,
            "n_decided": 8,
            "fines_total": 4500.0,
            "accountability_overdue": 3,
            "appeals_open": 1,
            "accountability_on_time_rate": 0.75,
        },
        "accountability_overdue": [
            {
                "penalty_id": "P-77",
                "department": "物流配送部",
                "department_en": "Logistics",
                "responsibility_type": "management",
                "accountability_due": "2025-10-20",
            }
        ],
        "accountability_appealed": [],
        "notes": {"headline": "按时办结率未达标，物流配送部两周内提交整改方案"},
    }
    return copy.deepcopy(pack)


DEMO_MONTH = "2025-10"
DEMO_AS_OF = "2025-10-31 18:00:00"


def build_demo_meeting(folder) -> tuple[Any, dict[str, Any]]:
    """The seeded small demo (3,000 complaints to 2025-10) in ``folder`` and the meeting of
    October 2025 prepared on it at a fixed as-of; returns (db path, pack)."""
    import datetime as dt

    from queries.demo import build_demo
    from queries.reports import meeting

    path = folder / "demo.duckdb"
    build_demo(path, rows=3000, end_month=DEMO_MONTH, exports=False)
    pack = meeting.prepare(path, DEMO_MONTH, dt.datetime.fromisoformat(DEMO_AS_OF))
    return path, pack
