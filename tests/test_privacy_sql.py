"""Masking inside the query (``privacy.mask_name_sql`` / ``mask_phone_sql`` /
``masked_projection``, run by ``store.run_shown``) gives exactly the strings of the Python
rules (``mask_name`` / ``mask_phone`` / ``mask_frame``), and an engine call on a viewer's
context never returns an unmasked name, phone or text while the privacy officer's does."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from queries import context, privacy, store
from queries.marts import kpi
from queries.periods import Period
from tests.quality_pages_data import build

NAMES = [
    "张",  # 1 character
    "张三",
    "张三丰",
    "欧阳娜娜",  # compound surname, 4 characters
    "司马相如",
    "诸葛亮",
    "  李四 ",  # padded
    "\u3000王五\u3000",  # ideographic spaces (Python's strip removes them)
    "\t赵六\n",
    "Alice",
    "A",
    "é",  # e + combining accent: 2 code points
    "阿卜杜热合曼·买买提",
    "   ",
    "",
    None,
]
PHONES = [
    "13812341234",
    "138 1234 1234",
    "+86 138-1234-1234",
    "+8613812341234",  # 13 digits: first 3 are the country code
    "0086 13812341234",
    "(010) 8765-4321",  # landline with area code: 11 digits
    "010-87654321",  # 11 digits
    "0571 8888 7777",  # 12 digits
    "87654321",  # 8 digits
    "1234",
    "123",
    "12",
    "无",
    "unknown",
    " 95588 ",
    "１３８１２３４１２３４",  # full-width digits (Python's \d matches them)
    "   ",
    "",
    None,
]


@pytest.fixture(scope="module")
def cur():
    return duckdb.connect().cursor()


def _sql_values(cur, make_sql, values):
    frame = pd.DataFrame({"v": pd.Series(values, dtype=object)})
    cur.register("masking_input", frame)
    try:
        rows = cur.execute(f"select {make_sql('v')} from masking_input").fetchall()
    finally:
        cur.unregister("masking_input")
    return [r[0] for r in rows]


def test_name_in_sql_equals_python(cur):
    got = _sql_values(cur, privacy.mask_name_sql, NAMES)
    assert got == [privacy.mask_name(v) for v in NAMES]
    assert got[:6] == ["张*", "张*", "张**", "欧***", "司***", "诸**"]
    assert got[6:9] == ["李*", "王*", "赵*"]
    assert got[-3:] == ["", "", None]


def test_phone_in_sql_equals_python(cur):
    got = _sql_values(cur, privacy.mask_phone_sql, PHONES)
    assert got == [privacy.mask_phone(v) for v in PHONES]
    assert got[:8] == [
        "138****1234",
        "138****1234",
        "861****1234",
        "861****1234",
        "008****1234",
        "010****4321",
        "010****4321",
        "057****7777",
    ]
    assert got[8:14] == ["******21", "**34", "***", "**", "*", "*******"]
    assert got[14:] == ["***88", "１３８****１２３４", "", "", None]


def test_masked_projection_equals_mask_frame(cur):
    frame = pd.DataFrame(
        {
            "complaint_id": ["C1", "C2", "C3"],
            "customer_name": ["张三丰", None, "李四"],
            "customer_phone": ["+86 138 1234 1234", "010-87654321", None],
            "description": ["张三丰来电 13812341234，邮箱 zsf@example.com", None, "李四投诉"],
            "resolution": ["已回访张三丰", "已处理", None],
        }
    )
    cur.register("masking_rows", frame)
    try:
        got = store.run_shown(cur, "select * from masking_rows", None, "viewer")
    finally:
        cur.unregister("masking_rows")
    expected = privacy.mask_frame(frame, "viewer")
    assert got.astype(object).where(got.notna(), None).to_dict("records") == expected.astype(
        object
    ).where(expected.notna(), None).to_dict("records")
    assert got.loc[0, "description"] == "张**来电 138****1234，邮箱 z***@example.com"
    assert got.loc[0, "resolution"] == "已回访张**"


# --------------------------------------------------------------------------- engine calls

OCTOBER = Period(dt.date(2025, 10, 1), dt.date(2025, 11, 1))


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("privacy_sql") / "company.duckdb")
    conn = duckdb.connect(str(path), read_only=True)
    yield conn
    conn.close()


def _personal(conn) -> tuple[set[str], set[str]]:
    rows = conn.execute(
        "select customer_name, customer_phone from complaints where customer_name is not null"
    ).fetchall()
    return {r[0] for r in rows if len(r[0]) > 1}, {r[1] for r in rows if r[1]}


def _calls(ctx):
    return {
        "complaints_list": kpi.complaints_list(ctx, OCTOBER, limit=500),
        "drill": kpi.drill(ctx, "response_sla_rate", OCTOBER, part="denominator"),
        "dissatisfied": kpi.dissatisfied(ctx, OCTOBER),
        "at_risk": kpi.at_risk(ctx, limit=None),
        "customer": kpi.customer_complaints(ctx, "K1"),
    }


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_a_viewer_never_receives_unmasked_values(company, role):
    names, phones = _personal(company)
    ctx = context.open_context(company.cursor(), role=role)
    seen = 0
    for what, frame in _calls(ctx).items():
        for col in ("customer_name", "customer_phone", "description", "resolution"):
            if col not in frame.columns:
                continue
            for value in frame[col].dropna():
                seen += 1
                assert value not in names and value not in phones, (what, col, value)
                assert not any(p in value for p in phones), (what, col, value)
                assert not any(n in value for n in names), (what, col, value)
    assert seen > 20
    listed = kpi.complaints_list(ctx, OCTOBER).set_index("complaint_id")
    assert listed.loc["C01", "customer_name"] == "张**"
    assert listed.loc["C01", "customer_phone"] == "138****1234"
    assert listed.loc["C01", "description"] == "客服态度差，电话 138****1234"


def test_the_privacy_officer_receives_them_unmasked(company):
    ctx = context.open_context(company.cursor(), role="privacy_officer")
    listed = kpi.complaints_list(ctx, OCTOBER).set_index("complaint_id")
    assert listed.loc["C01", "customer_name"] == "张三丰"
    assert listed.loc["C01", "customer_phone"] == "13812341234"
    assert listed.loc["C01", "description"] == "客服态度差，电话 13812341234"
