"""A small hand-written company for the quality-page tests (repeats, satisfaction,
accountability, explorer, data, security); the pages run through ``tests/app_support.py``.

October 2025 (the default period: the as-of is the latest timestamp, 2025-10-30 18:00):

* 12 complaints received: C01 C02 C03 C04 C05 C07 C09 and the group G1-G5.
* Repeats: customer K1 (张三丰, 13812341234) complained about 服务态度 on 09-20 (C00),
  10-06 (C01) and 10-10 (C02): C01 and C02 are repeats → repeat rate 2 / 12.
* Group incident: G1-G5, five customers, 售后服务部 / 交付延迟, within 4 hours.
* Surveys: C01 (1), C02 (2), C03 (5), C04 (3), G1 (2) → csat 1 / 5 = 20%, mean 2.6;
  resolved C01-C04, C07, G1-G5 → survey coverage 5 / 10. Dissatisfied: C01, C02, G1.
* Penalties: P1 (C01, fine 200, decided on time, executed 10-16), P2 (C02, appeal
  pending, not due), P3 (C01, fine 100, due 10-24, not decided → overdue). C01 reached
  tier 2, so joint fines are derived: 100 + 50. Valid complaints: C01 C02 C07 G1; without a
  record: C07, G1. C07 (客服中心 / 服务态度, valid, 10-25) follows P1's execution → one
  repeat after penalty.
* C05's description carries an XSS payload, C03's resolution a formula payload.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import build_db

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
FORMULA = '=HYPERLINK("http://evil.example","点我")'

DEPARTMENTS = [
    {"department_id": "D1", "name_zh": "客服中心", "name_en": "Call centre"},
    {"department_id": "D2", "name_zh": "售后服务部", "name_en": "After-sales"},
]


def _c(cid: str, received: str, dept: str, category: str, customer: str, **kw: Any) -> dict:
    row: dict[str, Any] = {
        "complaint_id": cid,
        "received_at": received,
        "department": dept,
        "category": category,
        "customer_id": customer,
        "channel": "phone",
        "severity": "general",
        "escalation_level": 1,
    }
    row.update(kw)
    return row


def payload_rows(
    payloads: tuple[str, ...] | list[str], prefix: str, *, in_category: bool = False
) -> list[dict]:
    """The company plus one valid, resolved, dissatisfied October complaint per payload,
    whose every free-text field (customer name, handler, region, product, description,
    resolution; with ``in_category`` also the category, and the first row's department)
    carries the payload: for formula, XSS and PII checks."""
    rows = [dict(r) for r in COMPLAINTS]
    for i, payload in enumerate(payloads):
        day = f"2025-10-2{i % 8}"
        rows.append(
            _c(
                f"{prefix}{i}",
                f"{day} 10:00:00",
                payload if in_category and i == 0 else "客服中心",
                payload if in_category else "服务态度",
                f"K{prefix}{i}",
                customer_name=payload,
                customer_phone="13912345678",
                handler=payload,
                region=payload,
                product=payload,
                description=payload,
                resolution=payload,
                is_valid=True,
                first_response_at=f"{day} 11:00:00",
                resolved_at=f"{day} 12:00:00",
                satisfaction=1,
                surveyed_at=f"{day} 13:00:00",
            )
        )
    return rows


COMPLAINTS = [
    _c(
        "C00",
        "2025-09-20 09:00:00",
        "客服中心",
        "服务态度",
        "K1",
        customer_name="张三丰",
        customer_phone="13812341234",
        first_response_at="2025-09-20 10:00:00",
        resolved_at="2025-09-22 09:00:00",
    ),
    _c(
        "C01",
        "2025-10-06 09:00:00",
        "客服中心",
        "服务态度",
        "K1",
        customer_name="张三丰",
        customer_phone="13812341234",
        is_valid=True,
        escalation_level=2,
        handler="小王",
        description="客服态度差，电话 13812341234",
        first_response_at="2025-10-06 10:00:00",
        resolved_at="2025-10-07 09:00:00",
        satisfaction=1,
        surveyed_at="2025-10-08 09:00:00",
    ),
    _c(
        "C02",
        "2025-10-10 09:00:00",
        "客服中心",
        "服务态度",
        "K1",
        customer_name="张三丰",
        customer_phone="13812341234",
        is_valid=True,
        first_response_at="2025-10-10 09:30:00",
        resolved_at="2025-10-11 09:00:00",
        satisfaction=2,
        surveyed_at="2025-10-12 09:00:00",
    ),
    _c(
        "C03",
        "2025-10-13 09:00:00",
        "售后服务部",
        "产品质量",
        "K2",
        customer_name="李四",
        customer_phone="13900001111",
        is_valid=False,
        first_response_at="2025-10-13 12:00:00",
        resolved_at="2025-10-14 09:00:00",
        satisfaction=5,
        surveyed_at="2025-10-15 09:00:00",
        resolution=FORMULA,
    ),
    _c(
        "C04",
        "2025-10-14 09:00:00",
        "售后服务部",
        "产品质量",
        "K3",
        customer_name="王五",
        customer_phone="13700002222",
        channel="email",
        first_response_at="2025-10-14 10:00:00",
        resolved_at="2025-10-15 09:00:00",
        satisfaction=3,
        surveyed_at="2025-10-16 09:00:00",
    ),
    _c(
        "C05",
        "2025-10-16 09:00:00",
        "客服中心",
        "价格/收费",
        "K4",
        customer_name="赵六",
        customer_phone="13600003333",
        description=XSS,
    ),
    _c(
        "C07",
        "2025-10-25 10:00:00",
        "客服中心",
        "服务态度",
        "K5",
        customer_name="钱七",
        customer_phone="13500004444",
        is_valid=True,
        first_response_at="2025-10-25 11:00:00",
        resolved_at="2025-10-27 10:00:00",
    ),
    _c("C09", "2025-10-30 18:00:00", "售后服务部", "其他", "K6", customer_name="孙八"),
    *[
        _c(
            f"G{i}",
            f"2025-10-20 {8 + i:02d}:00:00",
            "售后服务部",
            "交付延迟",
            f"K1{i}",
            customer_name=f"周{i}号",
            customer_phone=f"1371234567{i}",
            is_valid=i == 1,
            first_response_at=f"2025-10-20 {9 + i:02d}:00:00",
            resolved_at="2025-10-21 18:00:00",
            satisfaction=2 if i == 1 else None,
            surveyed_at="2025-10-22 09:00:00" if i == 1 else None,
        )
        for i in range(1, 6)
    ],
]

PENALTIES = [
    {
        "penalty_id": "P1",
        "complaint_id": "C01",
        "person": "小王",
        "department": "客服中心",
        "responsibility_type": "employee",
        "cause": "服务态度恶劣",
        "measure": "fine",
        "fine_amount": 200,
        "investigation_end": "2025-10-08",
        "decided_at": "2025-10-15",
        "executed_at": "2025-10-16",
        "appeal_status": "none",
    },
    {
        "penalty_id": "P2",
        "complaint_id": "C02",
        "person": "老李",
        "department": "客服中心",
        "responsibility_type": "management",
        "cause": "工作失误",
        "measure": "written_warning",
        "investigation_end": "2025-10-12",
        "appeal_status": "pending",
    },
    {
        "penalty_id": "P3",
        "complaint_id": "C01",
        "person": "小张",
        "department": "客服中心",
        "responsibility_type": "employee",
        "cause": "工作失误",
        "measure": "fine",
        "fine_amount": 100,
        "investigation_end": "2025-10-09",
    },
]


def build(path: Path, complaints: list[dict] | None = None) -> Path:
    """Build the fixture database at ``path``."""
    return build_db(
        path,
        complaints=COMPLAINTS if complaints is None else complaints,
        penalties=PENALTIES,
        departments=DEPARTMENTS,
    )
