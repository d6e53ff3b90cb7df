"""Data-quality checks (queries/marts/data_quality.sql, queries/marts/quality.py)."""

from __future__ import annotations

import pytest

from queries import staging, store
from queries.marts import quality

DEPTS = [{"department_id": "D1", "name_zh": "客服中心", "name_en": "Call centre"}]


def _c(cid: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "complaint_id": cid,
        "received_at": "2025-03-03 10:00:00",
        "department": "客服中心",
        "category": "服务态度",
        "severity": "general",
    }
    row.update(kw)
    return row


ROWS = [
    _c("OK1", first_response_at="2025-03-03 11:00", resolved_at="2025-03-04 10:00"),
    _c("OK2", resolved_at="2025-03-04 10:00", satisfaction=5, surveyed_at="2025-03-05 10:00"),
    # closed (status or closed_at) without resolved_at
    _c("Q03", status="closed"),
    _c("Q01", closed_at="2025-03-05 10:00"),
    # resolved before received
    _c("Q02", resolved_at="2025-03-02 09:00"),
    # first response before received
    _c("Q04", first_response_at="2025-03-03 09:59", resolved_at="2025-03-04 10:00"),
    # satisfaction without resolution (score only, survey date only)
    _c("Q05", satisfaction=2),
    _c("Q06", surveyed_at="2025-03-06 10:00"),
]


@pytest.fixture
def conn(make_db):
    path = make_db(complaints=ROWS, departments=DEPTS)
    c = store.open_snapshot(path)
    yield c
    c.close()


def test_record_checks_count_and_list_each_failure(conn):
    df = quality.record_checks(conn, max_examples=5)
    got = {r.check: (r.count, list(r.example_ids)) for r in df.itertuples(index=False)}
    assert got == {
        "closed_without_resolution": (2, ["Q01", "Q03"]),
        "resolved_before_received": (1, ["Q02"]),
        "first_response_before_received": (1, ["Q04"]),
        "satisfaction_without_resolution": (2, ["Q05", "Q06"]),
    }
    assert list(df["check"]) == [c for c in quality.CHECKS if c != "calendar_uncovered"]


def test_record_checks_limit_examples_but_not_counts(conn):
    df = quality.record_checks(conn, max_examples=1)
    row = df[df["check"] == "closed_without_resolution"].iloc[0]
    assert row["count"] == 2
    assert list(row["example_ids"]) == ["Q01"]


def test_clean_data_reports_zero_for_every_check(make_db):
    path = make_db(complaints=ROWS[:2], departments=DEPTS)
    with store.open_snapshot(path) as c:
        df = quality.record_checks(c)
    assert df["count"].tolist() == [0, 0, 0, 0]
    assert all(len(x) == 0 for x in df["example_ids"])


def test_every_check_has_both_labels():
    for check, (zh, en) in quality.CHECKS.items():
        assert zh and en and zh != en, check


def test_recent_imports_newest_first_with_reject_counts(tmp_path):
    from tests.conftest import build_db, insert_rows

    path = build_db(tmp_path / "imports.duckdb", complaints=ROWS[:1], departments=DEPTS)
    log = [
        {
            "import_id": f"I{n}",
            "file_name": f"export{n}.csv",
            "kind": "complaints",
            "source_rows": 10 * n,
            "imported": 10 * n - n,
            "rejected": n,
            "started_at": f"2025-03-0{n} 09:00:00",
            "finished_at": f"2025-03-0{n} 09:01:00",
            "outcome": "ok",
        }
        for n in (1, 3, 2)
    ]
    with store.write_transaction(path, derive=staging.refresh) as conn:
        insert_rows(conn, "import_log", log)
    with store.open_snapshot(path) as c:
        df = quality.recent_imports(c, limit=2)
    assert df["file_name"].tolist() == ["export3.csv", "export2.csv"]
    assert df["rejected"].tolist() == [3, 2]
    assert df["source_rows"].tolist() == [30, 20]


def test_data_warnings_list_uncovered_years_first_then_failing_checks(make_db):
    from queries.config import workcalendar

    late = max(workcalendar.covered_years()) + 3
    rows = [*ROWS, _c("LATE1", received_at=f"{late}-03-03 10:00:00")]
    path = make_db(complaints=rows, departments=DEPTS)
    with store.open_snapshot(path) as c:
        warnings = quality.data_warnings(c, max_examples=1)
    assert [(w.check, w.count, w.examples) for w in warnings] == [
        ("calendar_uncovered", 1, (str(late),)),
        ("closed_without_resolution", 2, ("Q01",)),
        ("resolved_before_received", 1, ("Q02",)),
        ("first_response_before_received", 1, ("Q04",)),
        ("satisfaction_without_resolution", 2, ("Q05",)),
    ]
    assert warnings[1].label("en") == "Closed without a resolution time"
    assert warnings[1].label("zh") == "已结案但无办结时间"


def test_data_warnings_empty_for_clean_covered_data(make_db):
    path = make_db(complaints=ROWS[:2], departments=DEPTS)
    with store.open_snapshot(path) as c:
        assert quality.data_warnings(c) == []
