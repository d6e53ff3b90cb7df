"""Values that cannot be true never reach a KPI: far-future and ancient receipts rejected
with a reason (configurable), timestamps before the receipt dropped with a warning,
negative money rejected, Excel error cells rejected with the error named."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from queries import context, store
from queries.importer import import_file
from tests.import_fixtures import csv_text

HEADERS = ["投诉编号", "受理时间", "责任部门", "首次响应时间", "办结时间", "补偿金额"]
GOOD = [
    ["A1", "2025-10-01 09:00", "客服部", "2025-10-01 10:00", "2025-10-03 09:00", "100"],
    ["A2", "2025-10-20 09:00", "客服部", "", "", ""],
]


def _report(res) -> list[tuple]:
    frame = pd.read_csv(res.reject_report, dtype=str, keep_default_na=False)
    return list(frame[["line", "field", "value", "reason", "level"]].itertuples(index=False))


def _as_of(dbp):
    conn = store.open_snapshot(dbp)
    try:
        return context.data_as_of(conn), conn.execute(
            "select complaint_id, first_response_at, resolved_at, compensation_amount"
            " from complaints order by 1"
        ).fetchall()
    finally:
        conn.close()


def test_the_2199_complaint_is_rejected_and_the_as_of_stays(tmp_path):
    dbp = tmp_path / "c.duckdb"
    import_file(dbp, ("good.csv", csv_text(HEADERS, GOOD).encode()))
    before = _as_of(dbp)
    assert before[0] == dt.datetime(2025, 10, 20, 9)
    bad = [["Z1", "2199-01-01 08:00", "客服部", "", "", ""]]
    res = import_file(dbp, ("future.csv", csv_text(HEADERS, bad).encode()))
    assert (res.source_rows, res.imported, res.rejected) == (1, 0, 1)
    assert _report(res) == [
        (
            "2",
            "received_at",
            "2199-01-01 08:00:00",
            "receipt time 2199-01-01 08:00:00 is after the import time plus 24 h"
            " (COMPLAINTS_IMPORT_FUTURE_HOURS); value seen: '2199-01-01 08:00:00'",
            "rejected",
        )
    ]
    assert _as_of(dbp) == before


def test_tolerance_and_earliest_year_are_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLAINTS_IMPORT_EARLIEST_YEAR", "2020")
    monkeypatch.setenv("COMPLAINTS_IMPORT_FUTURE_HOURS", "1")
    tomorrow = (dt.datetime.now() + dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    rows = [
        ["Y1", "2019-12-31 23:59", "客服部", "", "", ""],
        ["Y2", tomorrow, "客服部", "", "", ""],
        ["Y3", "2020-01-01 00:00", "客服部", "", "", ""],
    ]
    # 2 of 3 rows rejected is above the default --max-reject-rate: allow it here
    res = import_file(
        tmp_path / "c.duckdb", ("t.csv", csv_text(HEADERS, rows).encode()), max_reject_rate=1.0
    )
    assert (res.imported, res.rejected) == (1, 2)
    reasons = [r[3] for r in _report(res)]
    assert reasons == [
        "receipt time 2019-12-31 23:59:00 is before 2020-01-01 (COMPLAINTS_IMPORT_EARLIEST_YEAR);"
        " value seen: '2019-12-31 23:59:00'",
        f"receipt time {tomorrow}:00 is after the import time plus 1 h"
        f" (COMPLAINTS_IMPORT_FUTURE_HOURS); value seen: '{tomorrow}:00'",
    ]


def test_times_before_receipt_drop_the_field_and_warn(tmp_path):
    rows = [["B1", "2025-10-10 09:00", "客服部", "2025-10-04 09:00", "2025-10-01 12:00", ""]]
    dbp = tmp_path / "c.duckdb"
    res = import_file(dbp, ("b.csv", csv_text(HEADERS, rows).encode()))
    assert (res.imported, res.rejected, res.warnings) == (1, 0, 2)
    assert sorted(_report(res)) == [
        (
            "2",
            "first_response_at",
            "2025-10-04 09:00:00",
            "first_response_at is before the receipt time 2025-10-10 09:00:00; field not imported",
            "warning",
        ),
        (
            "2",
            "resolved_at",
            "2025-10-01 12:00:00",
            "resolved_at is before the receipt time 2025-10-10 09:00:00; field not imported",
            "warning",
        ),
    ]
    assert _as_of(dbp)[1] == [("B1", None, None, None)]


def test_negative_money_is_rejected(tmp_path):
    rows = [*GOOD, ["N1", "2025-10-05 09:00", "客服部", "", "", "-500"]]
    res = import_file(tmp_path / "c.duckdb", ("n.csv", csv_text(HEADERS, rows).encode()))
    assert (res.imported, res.rejected) == (2, 1)
    ((line, field, _value, reason, level),) = _report(res)
    assert (line, field, reason, level) == (
        "4",
        "compensation_amount",
        "negative amount -500.00 in compensation_amount; value seen: '-500.00'",
        "rejected",
    )


@pytest.mark.parametrize("error", ["#REF!", "#N/A", "#DIV/0!", "#VALUE!"])
def test_excel_error_cells_are_rejected_with_the_error_named(tmp_path, error):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS[:5])
    ws.append(["E1", "2025-10-01 09:00", "客服部", "2025-10-01 10:00", "2025-10-02 09:00"])
    ws.append(["E2", "2025-10-01 09:00", "客服部", "2025-10-01 10:00", "x"])
    ws["E3"].value, ws["E3"].data_type = error, "e"
    buf = io.BytesIO()
    wb.save(buf)
    res = import_file(tmp_path / "c.duckdb", ("e.xlsx", buf.getvalue()))
    assert (res.source_rows, res.imported, res.rejected) == (2, 1, 1)
    frame = pd.read_csv(res.reject_report, dtype=str, keep_default_na=False)
    assert frame[["line", "column", "value", "reason"]].values.tolist() == [
        ["3", "办结时间", error, f"Excel error cell {error} (fix it in the workbook)"]
    ]


def test_the_default_as_of_ignores_times_that_cannot_be_true(make_db, monkeypatch):
    """Rows stored before the import checks existed (or written another way)."""
    path = make_db(
        complaints=[
            {"complaint_id": "K1", "received_at": "2025-10-20 09:00:00", "department": "客服部"},
            {"complaint_id": "K2", "received_at": "2199-01-01 00:00:00", "department": "客服部"},
            {
                "complaint_id": "K3",
                "received_at": "2025-10-05 09:00:00",
                "department": "客服部",
                "resolved_at": "2199-02-01 00:00:00",
            },
        ]
    )
    conn = store.open_snapshot(path)
    try:
        assert context.data_as_of(conn) == dt.datetime(2025, 10, 20, 9)
        monkeypatch.setenv("COMPLAINTS_IMPORT_FUTURE_HOURS", str(24 * 365 * 200))
        assert context.data_as_of(conn) == dt.datetime(2199, 2, 1)
    finally:
        conn.close()
