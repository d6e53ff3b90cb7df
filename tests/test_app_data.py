"""AppTest of the Data page: what is loaded, the last imports with their rejects and the
data-quality warnings, on the hand-written company plus a few broken records."""

from __future__ import annotations

import pytest

from dashboard.core import db
from tests.conftest import insert_rows
from tests.quality_pages_data import COMPLAINTS, _c, build, database, frames, no_errors, run_page

BROKEN = [
    # closed without a resolution time
    _c("Q1", "2025-09-02 09:00:00", "客服中心", "其他", "K91", status="closed"),
    # resolved before received
    _c("Q2", "2025-09-03 09:00:00", "客服中心", "其他", "K92", resolved_at="2025-09-01 09:00:00"),
    # first response before received, and a survey without a resolution
    _c(
        "Q3",
        "2025-09-04 09:00:00",
        "售后服务部",
        "其他",
        "K93",
        first_response_at="2025-09-04 08:00:00",
        satisfaction=4,
    ),
    # a year the holiday calendar does not cover
    _c(
        "Q4",
        "2003-06-02 09:00:00",
        "售后服务部",
        "其他",
        "K94",
        resolved_at="2003-06-03 09:00:00",
    ),
]
IMPORTS = [
    {
        "import_id": "I1",
        "file_name": "投诉导出_9月.csv",
        "kind": "complaints",
        "source_rows": 120,
        "imported": 117,
        "updated": 0,
        "unchanged": 0,
        "superseded": 0,
        "rejected": 3,
        "reject_report": "data/rejects/I1.csv",
        "started_at": "2025-10-01 08:00:00",
        "finished_at": "2025-10-01 08:00:05",
        "outcome": "ok",
    },
    {
        "import_id": "I2",
        "file_name": "追责记录.xlsx",
        "kind": "penalties",
        "source_rows": 3,
        "imported": 3,
        "updated": 0,
        "unchanged": 0,
        "superseded": 0,
        "rejected": 0,
        "started_at": "2025-10-31 08:00:00",
        "finished_at": "2025-10-31 08:00:02",
        "outcome": "ok",
    },
]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("data") / "company.duckdb", [*COMPLAINTS, *BROKEN])
    with db.write_transaction(path) as conn:
        insert_rows(conn, "import_log", IMPORTS)
    with database(path):
        yield path


@pytest.fixture(scope="module")
def page(fixture_db):
    return run_page("data")


def test_what_is_loaded(page):
    no_errors(page)
    assert page.title[0].value == "数据"
    figures = {m.label: m.value for m in page.metric}
    assert figures == {
        "投诉总数": f"{len(COMPLAINTS) + len(BROKEN)}",
        "部门数": "2",
        "追责记录": "3",
        "数据截止": "2025年10月30日",
    }
    caption = next(c.value for c in page.caption if c.value.startswith("受理日期范围"))
    assert caption.startswith("受理日期范围: 2003年6月2日 – 2025年10月30日")
    assert "最近导入: 2025年10月31日 08:00" in caption


def test_data_quality_warnings(page):
    texts = [w.value for w in page.warning]
    assert texts == [
        "以下年份不在节假日日历覆盖范围内，按仅周末休息计算工作日： 2003",
        "**已结案但无办结时间**: 1 件投诉 · 示例: Q1",
        "**办结时间早于受理时间**: 1 件投诉 · 示例: Q2",
        "**首次响应时间早于受理时间**: 1 件投诉 · 示例: Q3",
        "**有满意度/回访但未办结**: 1 件投诉 · 示例: Q3",
    ]


def test_import_panel_is_on_the_page(page):
    assert [s.value for s in page.subheader] == ["数据质量提示", "最近导入", "导入数据"]
    assert len(page.get("file_uploader")) == 1


def test_last_imports_with_reject_counts(page):
    log = frames(page)[0]
    assert list(log["文件"]) == ["追责记录.xlsx", "投诉导出_9月.csv"]
    assert list(log["拒绝"]) == [0, 3]
    assert list(log["源文件行数"]) == [3, 120]
    assert list(log["类型"]) == ["责任追究记录", "投诉记录"]
    assert list(log["结果"]) == ["成功", "成功"]
    assert any("以上导入共拒绝 3 行" in c.value for c in page.caption)


def test_english(fixture_db):
    at = run_page("data", lang="en")
    no_errors(at)
    assert at.title[0].value == "Data"
    assert [s.value for s in at.subheader][:2] == ["Data-quality warnings", "Last imports"]
    assert at.warning[1].value == (
        "**Closed without a resolution time**: 1 complaint(s) · Examples: Q1"
    )
    log = frames(at)[0]
    assert list(log.columns[:4]) == ["Finished", "File", "Kind", "Outcome"]
    assert list(log["Kind"]) == ["Penalty records", "Complaints"]


def test_clean_database_says_so(tmp_path):
    path = build(tmp_path / "clean.duckdb")
    with database(path):
        at = run_page("data")
    no_errors(at)
    assert not at.warning
    assert at.success[0].value == "未发现数据质量问题"
    assert at.info[0].value == "尚无导入记录"
