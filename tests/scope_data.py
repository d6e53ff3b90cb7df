"""A small company with a department tree, for the scope and sign-in tests.

总部 HQ ── 华东区 EAST ── 华东一部 EAST1
        └─ 华西区 WEST
Complaints: 3 in EAST1, 2 in EAST, 4 in WEST (March 2026), each with a customer name and phone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tests.conftest import build_db
from tests.kpi_rows import row

DEPARTMENTS = [
    dict(department_id="HQ", name_zh="总部", name_en="Head office", parent_id=None),
    dict(department_id="EAST", name_zh="华东区", name_en="East", parent_id="HQ"),
    dict(department_id="EAST1", name_zh="华东一部", name_en="East 1", parent_id="EAST"),
    dict(department_id="WEST", name_zh="华西区", name_en="West", parent_id="HQ"),
]
COUNTS = {"EAST1": 3, "EAST": 2, "WEST": 4}
NAMES = {"EAST1": "华东一部", "EAST": "华东区", "WEST": "华西区"}


def complaints() -> list[dict[str, Any]]:
    """The complaint rows: ids E1-1.., E-1.., W-1.."""
    rows = []
    for dept, n in COUNTS.items():
        prefix = {"EAST1": "E1", "EAST": "E", "WEST": "W"}[dept]
        for i in range(1, n + 1):
            rows.append(
                row(
                    f"{prefix}-{i}",
                    dt.datetime(2026, 3, i + 1, 10, 0),
                    department=NAMES[dept],
                    customer_name=f"{prefix}客户{i}号",
                    customer_phone=f"1380000{i:04d}",
                    resolved_at=dt.datetime(2026, 3, i + 2, 10, 0) if i % 2 else None,
                )
            )
    return rows


def build(path: Path) -> Path:
    """Build the database at ``path``."""
    return build_db(path, complaints=complaints(), departments=DEPARTMENTS)
