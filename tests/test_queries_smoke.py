"""Smoke test: every top-level ``queries/*.sql`` runs on a small fixture database.

Parameters are discovered from the SQL text (``$name``). Sample values come from
``SAMPLE_VALUES`` by name; a query file can give its own with a header line
``-- example: name = <Python literal>`` (e.g. ``-- example: f_category = ['产品质量']``),
which wins. A parameter with neither makes the test fail with a message saying so.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from queries import store
from queries.paths import SQL_DIRS

from .conftest import build_db

T = dt.datetime
PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
EXAMPLE = re.compile(r"^--\s*example:\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$", re.M)

SAMPLE_VALUES: dict[str, object] = {
    "start": T(2025, 10, 1),
    "end": T(2025, 11, 1),
    "as_of": T(2025, 10, 31, 23, 59, 59),
    "f_department": [],
    "f_category": [],
    "f_channel": [],
    "f_severity": [],
    "f_region": [],
    "f_product": [],
    "f_handler": [],
    "search": None,
    "limit": 50,
    "due_before": None,
    "exclude_malicious": False,
    "window_hours": 24.0,
    "min_customers": 5,
    "complaint_id": "C1",
    "complaint_ids": ["C1", "C2"],
    "use_ids": False,
    "department_id": "D1",
    "department": "客服中心",
    "kind": "ledger",
    "event": "valid",
    "by": "none",
    "personal": False,
    "max_examples": 3,
    "month": "2025-10",
    "year": 2025,
    "quarter": 4,
}


def query_files() -> list[Path]:
    """Every query file of the layer folders (migrations and subfolders excluded)."""
    return sorted(p for d in SQL_DIRS for p in d.glob("*.sql"))


def params_for(path: Path) -> dict[str, object]:
    """Sample parameter values for a query file (header examples win over the defaults)."""
    text = store.sql_file(path.stem)
    examples = {name: ast.literal_eval(value) for name, value in EXAMPLE.findall(text)}
    names = sorted(set(PARAM.findall(_strip_comments(text))))
    missing = [n for n in names if n not in examples and n not in SAMPLE_VALUES]
    assert not missing, (
        f"{path.name}: no sample value for ${', $'.join(missing)}; "
        "add a header line `-- example: name = <Python literal>`"
    )
    return {n: examples.get(n, SAMPLE_VALUES.get(n)) for n in names}


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> Path:
    """A few rows touching every table and most derived facts."""
    start = T(2025, 10, 13, 9)
    complaints = [
        dict(complaint_id=f"C{i}", received_at=start + dt.timedelta(hours=3 * i),
             department="客服中心" if i % 2 else "售后部", category="产品质量",
             severity=("general", "urgent", "major")[i % 3], channel="social",
             customer_id=f"K{i % 6}", handler="张三", is_valid=i % 2 == 0, satisfaction=1 + i % 5,
             resolved_at=start + dt.timedelta(days=1 + i) if i < 5 else None,
             first_response_at=start + dt.timedelta(hours=1 + i), escalation_level=1 + i % 3,
             compensation_type="money" if i == 1 else None,
             compensation_amount=50 if i == 1 else None, concealed=i == 2,
             is_malicious=i == 7, description=f"描述{i}", region="华东", product="手机")
        for i in range(8)
    ]  # fmt: skip
    complaints.append(
        dict(complaint_id="C9", received_at=T(2025, 10, 20, 9), department="客服中心",
             category="产品质量", customer_id="K1", parent_complaint_id="C1")
    )  # fmt: skip
    complaints += [  # a group incident: 5 customers within 4 hours
        dict(complaint_id=f"G{i}", received_at=T(2025, 10, 21, 9 + i), department="售后部",
             category="交付延迟", customer_id=f"GK{i}")
        for i in range(5)
    ]  # fmt: skip
    penalties = [
        dict(penalty_id="P1", complaint_id="C0", person="王五", department="售后部",
             responsibility_type="employee", cause="工作失误", measure="fine", fine_amount=200,
             investigation_end=dt.date(2025, 10, 20), decided_at=dt.date(2025, 10, 25),
             executed_at=dt.date(2025, 10, 26), publicized_from=dt.date(2025, 10, 27),
             appeal_status="pending", status="executed"),
        dict(penalty_id="P2", complaint_id="C2", person="赵六", department="D1",
             responsibility_type="management", measure="written_warning",
             investigation_end=dt.date(2025, 10, 20), appeal_status="none"),
    ]  # fmt: skip
    departments = [
        dict(department_id="D1", name_zh="客服中心", name_en="Service Center", head="李总"),
        dict(department_id="D2", name_zh="售后部", name_en="After-sales", parent_id="D1"),
    ]
    volumes = [
        dict(department="客服中心", month=dt.date(2025, 10, 1), volume=10000),
        dict(department="售后部", month=dt.date(2025, 10, 1), volume=5000),
    ]
    path = tmp_path_factory.mktemp("smoke") / "smoke.duckdb"
    return build_db(path, complaints, penalties, departments, volumes)


def test_there_are_query_files():
    names = {p.stem for p in query_files()}
    assert {"stg_complaints", "kpi_summary", "kpi_cohort", "kpi_at_risk"} <= names


@pytest.mark.parametrize("path", query_files(), ids=lambda p: p.name)
def test_query_has_a_header_documenting_its_parameters(path: Path):
    text = store.sql_file(path.stem)
    header = "\n".join(line for line in text.splitlines() if line.startswith("--"))
    assert text.startswith("--"), f"{path.name}: starts without a header comment"
    undocumented = [n for n in set(PARAM.findall(_strip_comments(text))) if f"${n}" not in header]
    assert not undocumented, f"{path.name}: header does not mention ${', $'.join(undocumented)}"


@pytest.mark.parametrize("path", query_files(), ids=lambda p: p.name)
def test_query_runs_on_the_fixture_database(fixture_db: Path, path: Path):
    conn = store.open_snapshot(fixture_db)
    try:
        df = store.run_query(conn, path.stem, params_for(path))
    finally:
        conn.close()
    assert len(df.columns) > 0
    if path.stem.startswith(("stg_", "kpi_summary", "kpi_default")):
        assert len(df) > 0, f"{path.name} returned no rows on the fixture database"
