"""Value parsing: timestamps, ambiguous dates, numbers, words, ids (exact expected values)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from queries.importer import import_file
from tests.import_fixtures import write_csv


def _one(tmp_path, header, value, name="t.csv", **kw):
    """Import a 1-row file with the required columns plus one column; return the result
    and the stored row as a dict."""
    path = write_csv(
        tmp_path / name,
        ["投诉编号", "受理时间", "责任部门", header],
        [["X1", value[0], "客服部", value[1]]],
    )
    dbp = tmp_path / "v.duckdb"
    res = import_file(dbp, path, **kw)
    from queries import store

    conn = store.open_snapshot(dbp)
    try:
        df = conn.execute("select * from complaints").df()
    finally:
        conn.close()
    return res, (df.iloc[0].to_dict() if len(df) else None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-03 09:05:07", dt.datetime(2025, 10, 3, 9, 5, 7)),
        ("2025-10-03T09:05", dt.datetime(2025, 10, 3, 9, 5)),
        ("2025/10/3 9:05:07", dt.datetime(2025, 10, 3, 9, 5, 7)),
        ("2025/10/3 9:05", dt.datetime(2025, 10, 3, 9, 5)),
        ("2025年10月3日 09:05", dt.datetime(2025, 10, 3, 9, 5)),
        ("2025年10月3日9时5分", dt.datetime(2025, 10, 3, 9, 5)),
        ("2025年10月3日9时5分7秒", dt.datetime(2025, 10, 3, 9, 5, 7)),
        ("2025-10-03", dt.datetime(2025, 10, 3, 0, 0)),
        ("２０２５－１０－０３　０９：０５", dt.datetime(2025, 10, 3, 9, 5)),
        ("2025.10.03 09:05", dt.datetime(2025, 10, 3, 9, 5)),
        ("  2025-10-03 09:05  ", dt.datetime(2025, 10, 3, 9, 5)),
    ],
)
def test_timestamp_styles_parse_to_exact_values(tmp_path, text, expected):
    res, row = _one(tmp_path, "确认时间", ["2025-10-01", text])
    assert (res.imported, res.rejected) == (1, 0)
    assert row["acknowledged_at"].to_pydatetime() == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("03/04/2025", "ambiguous day/month order"),
        ("13/04/2025", "ambiguous day/month order"),
        ("2025-02-30", "not a recognised date/time"),
        ("yesterday", "not a recognised date/time"),
        ("45933", "a number, not a date"),
        ("2025-10-03T09:05:00+08:00", "time-zone suffix not accepted"),
        ("2025-10-03T01:05:00Z", "time-zone suffix not accepted"),
        ("1800-01-01", "date out of range"),
    ],
)
def test_bad_and_ambiguous_timestamps_are_rejected_with_reason(tmp_path, text, reason):
    res, row = _one(tmp_path, "确认时间", ["2025-10-01", text])
    assert (res.source_rows, res.imported, res.rejected) == (1, 0, 1)
    assert row is None
    import pandas as pd

    rep = pd.read_csv(res.reject_report, encoding="utf-8-sig", dtype=str)
    assert rep.loc[0, "line"] == "2"
    assert rep.loc[0, "column"] == "确认时间"
    assert rep.loc[0, "field"] == "acknowledged_at"
    assert rep.loc[0, "reason"].startswith(reason)


@pytest.mark.parametrize(
    ("order", "expected"),
    [("dayfirst", dt.datetime(2025, 4, 3)), ("monthfirst", dt.datetime(2025, 3, 4))],
)
def test_declared_day_month_order_is_applied(tmp_path, order, expected):
    res, row = _one(tmp_path, "确认时间", ["2025-01-01", "03/04/2025"], date_order=order)
    assert res.imported == 1
    assert row["acknowledged_at"].to_pydatetime() == expected


def test_impossible_date_in_declared_order_is_rejected(tmp_path):
    res, _ = _one(tmp_path, "确认时间", ["2025-10-01", "13/04/2025"], date_order="monthfirst")
    assert res.rejected == 1


def test_zone_suffix_converted_when_mapping_names_a_timezone(tmp_path):
    mapping = {"kind": "complaints", "timezone": "Asia/Shanghai"}
    res, row = _one(tmp_path, "确认时间", ["2025-10-01", "2025-10-03T01:05:00Z"], mapping=mapping)
    assert res.imported == 1
    assert row["acknowledged_at"].to_pydatetime() == dt.datetime(2025, 10, 3, 9, 5)


def test_excel_serial_in_csv_only_when_mapping_says_so(tmp_path):
    mapping = {"kind": "complaints", "excel_serial_dates": True}
    res, row = _one(tmp_path, "确认时间", ["2025-10-01", "45933.5"], mapping=mapping)
    assert res.imported == 1
    assert row["acknowledged_at"].to_pydatetime() == dt.datetime(2025, 10, 3, 12, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,234.50", Decimal("1234.50")), ("¥1234", Decimal("1234")), ("1234元", Decimal("1234"))],
)
def test_amount_spellings(tmp_path, text, expected):
    res, row = _one(tmp_path, "补偿金额", ["2025-10-01", text])
    assert res.imported == 1
    assert Decimal(str(row["compensation_amount"])) == expected


def test_ids_and_phones_stay_exact_text(tmp_path):
    path = write_csv(
        tmp_path / "ids.csv",
        ["投诉编号", "受理时间", "责任部门", "联系电话", "客户编号"],
        [["000123", "2025-10-01", "客服部", "01012345678", "0042"]],
    )
    dbp = tmp_path / "ids.duckdb"
    import_file(dbp, path)
    from queries import store

    conn = store.open_snapshot(dbp)
    row = conn.execute(
        "select complaint_id, customer_phone, customer_id from complaints"
    ).fetchall()
    conn.close()
    assert row == [("000123", "01012345678", "0042")]


@pytest.mark.parametrize(
    ("header", "text", "column", "expected"),
    [
        ("投诉渠道", "微信", "channel", "social"),
        ("投诉渠道", "Phone", "channel", "phone"),
        ("投诉渠道", "火星", "channel", "火星"),
        ("处理状态", "已办结", "status", "resolved"),
        ("投诉等级", "紧急", "severity", "urgent"),
        ("是否有理", "是", "is_valid", True),
        ("是否有理", "No", "is_valid", False),
        ("满意度", "非常满意", "satisfaction", 5),
        ("满意度", "3", "satisfaction", 3),
        ("补偿方式", "优惠券", "compensation_type", "coupon"),
        ("客户姓名", "N/A", "customer_name", None),
        ("客户姓名", "NULL", "customer_name", None),
    ],
)
def test_value_words(tmp_path, header, text, column, expected):
    res, row = _one(tmp_path, header, ["2025-10-01", text])
    assert res.imported == 1
    value = row[column]
    if expected is None:
        assert value is None or value != value  # None or NaN
    else:
        assert value == expected


@pytest.mark.parametrize(
    ("header", "text", "reason"),
    [
        ("投诉等级", "超级", "unknown severity word"),
        ("是否有理", "也许", "unknown boolean word"),
        ("满意度", "7", "unknown satisfaction word"),
        ("升级层级", "4", "out of range"),
        ("升级层级", "二", "not a whole number"),
        ("补偿金额", "很多", "not a number"),
    ],
)
def test_values_that_cannot_be_understood_are_rejected(tmp_path, header, text, reason):
    res, _row = _one(tmp_path, header, ["2025-10-01", text])
    assert (res.imported, res.rejected) == (0, 1)
    import pandas as pd

    rep = pd.read_csv(res.reject_report, encoding="utf-8-sig", dtype=str)
    assert rep.loc[0, "reason"].startswith(reason)


def test_unknown_channel_is_kept_and_warned(tmp_path):
    res, row = _one(tmp_path, "投诉渠道", ["2025-10-01", "信鸽"])
    assert (res.imported, res.rejected, res.warnings) == (1, 0, 1)
    assert row["channel"] == "信鸽"


@pytest.mark.parametrize("text", ["N/A", "NULL", "", "  "])
def test_missing_id_is_a_reject(tmp_path, text):
    path = write_csv(
        tmp_path / "id.csv", ["投诉编号", "受理时间", "责任部门"], [[text, "2025-10-01", "客服部"]]
    )
    res = import_file(tmp_path / "id.duckdb", path)
    assert (res.source_rows, res.rejected, res.imported) == (1, 1, 0)
