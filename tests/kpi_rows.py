"""A hand-written complaint row for the KPI, staging and scoring tests."""

from __future__ import annotations

import datetime as dt
from typing import Any


def row(cid: str, received: dt.datetime, **kw: Any) -> dict[str, Any]:
    """A complaint of 客服中心 (general, phone, 产品质量, customer ``cust-<id>``) received at
    ``received``; keyword arguments override or add columns."""
    base = dict(
        complaint_id=cid,
        received_at=received,
        department="客服中心",
        category="产品质量",
        severity="general",
        channel="phone",
        customer_id=f"cust-{cid}",
    )
    return {**base, **kw}
