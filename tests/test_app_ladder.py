"""AppTest of the Handling ladder page (issue 16) against a hand-written company: October
2025, as-of 2025-10-31 12:00 (the latest timestamp)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.app_support import database, frames, no_errors, run_page
from tests.conftest import build_db
from tests.kpi_rows import row

T = dt.datetime
DEPARTMENTS = [
    {"department_id": "D1", "name_zh": "客服中心", "name_en": "Call centre"},
    {"department_id": "D2", "name_zh": "售后服务部", "name_en": "After-sales"},
]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    r = T(2025, 10, 13, 9)
    complaints = [
        # classify within 24 h: L1 (2 h) on time, L2 (30 h) late; L3 has none, overdue
        row("L1", r, classified_at=T(2025, 10, 13, 11), root_cause="product_defect",
            is_malicious=False, escalated_t2_at=T(2025, 10, 13, 9, 20)),
        row("L2", r, classified_at=T(2025, 10, 14, 15), root_cause="product_defect",
            is_malicious=True),
        row("L3", r, department="售后服务部", root_cause="supplier", is_malicious=False,
            resolved_at=T(2025, 10, 31, 12)),
    ]  # fmt: skip
    path = build_db(
        tmp_path_factory.mktemp("ladder") / "company.duckdb",
        complaints=complaints,
        departments=DEPARTMENTS,
    )
    with database(path):
        yield path


def test_stage_table_shows_each_stage_with_its_n(fixture_db):
    at = run_page("ladder")
    no_errors(at)
    assert at.title[0].value == "处理环节"
    stages = frames(at)[0].set_index("环节")
    assert stages.loc["分类分级", "按时率"] == pytest.approx(1 / 3)
    assert stages.loc["分类分级", "n"] == 3
    assert stages.loc["分类分级", "时限（一般）"] == 24
    assert stages.loc["升级至主管", "n"] == 1  # L1 went straight to the manager: skipped


def test_stage_rows_drill_to_the_complaints_with_their_state(fixture_db):
    at = run_page("ladder", session={"ladder_stage": "classify"})
    no_errors(at)
    rows = frames(at)[1].set_index("投诉编号")
    assert rows["状态"].to_dict() == {"L1": "按时", "L2": "超时完成", "L3": "已超时未完成"}


def test_malicious_share_skipped_tier_and_pareto(fixture_db):
    at = run_page("ladder")
    numbers = {m.label: m.value for m in at.metric}
    assert numbers["恶意投诉占比"] == "33.3%"
    assert numbers["跳级升级数"] == "1"
    pareto = frames(at)[-1]  # the default stage (acknowledge) is not measured here: no rows
    assert pareto[["根本原因", "n", "反复性"]].values.tolist() == [
        ["产品缺陷", 2, "否"],
        ["供应商问题", 1, "否"],
    ]


def test_english_labels(fixture_db):
    at = run_page("ladder", lang="en")
    no_errors(at)
    assert at.title[0].value == "Handling ladder"
    assert "Classify" in set(frames(at)[0]["Stage"])
    assert at.subheader[-1].value == "Root-cause Pareto"


def test_explorer_shows_the_complaints_stages_against_their_limits(fixture_db):
    at = run_page("explorer", query={"complaint": "L2"})
    no_errors(at)
    ladder = next(f for f in frames(at) if "环节" in f.columns and "到期时间" in f.columns)
    rows = ladder.set_index("环节")
    assert rows.loc["分类分级", "状态"] == "超时完成"  # 30 h against 24 h
    assert rows.loc["分类分级", "时限"] == 24
    assert rows.loc["解决答复", "状态"] == "已超时未完成"  # due 10-15 09:00, never resolved
