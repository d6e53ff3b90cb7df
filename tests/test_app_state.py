"""The shell's Streamlit-free pieces: periods from the sidebar choice, the URL parameters
written for a view, the department hierarchy in the filter, and i18n formatting."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.ui import state
from queries import i18n
from queries.marts.kpi import Period


def test_periods_are_relative_to_the_as_of_day():
    day = dt.date(2025, 10, 15)
    assert state.period_for("month", day) == Period(dt.date(2025, 10, 1), dt.date(2025, 11, 1))
    assert state.period_for("last_month", day) == Period(dt.date(2025, 9, 1), dt.date(2025, 10, 1))
    assert state.period_for("quarter", day) == Period(dt.date(2025, 10, 1), dt.date(2026, 1, 1))
    assert state.period_for("ytd", day) == Period(dt.date(2025, 1, 1), dt.date(2025, 10, 16))
    # custom: inclusive end, given in either order
    assert state.period_for("custom", day, dt.date(2025, 3, 31), dt.date(2025, 3, 1)) == Period(
        dt.date(2025, 3, 1), dt.date(2025, 4, 1)
    )
    # January: last month is December of the year before
    assert state.period_for("last_month", dt.date(2025, 1, 3)) == Period(
        dt.date(2024, 12, 1), dt.date(2025, 1, 1)
    )


def test_url_params_leave_out_defaults_and_keep_the_rest():
    values = {
        "lang": "zh",
        "period": "quarter",
        "from": dt.date(2025, 1, 1),
        "asof": dt.date(2025, 10, 31),
        "dept": ["D01", "D02"],
        "cat": [],
        "ch": ["phone"],
        "dept_view": "D03",
    }
    page = [state.UrlParam("dept_view", None), state.UrlParam("due", "all")]
    assert state.url_params(values, page, asof_default=dt.date(2025, 10, 31)) == {
        "period": "quarter",
        "dept": ["D01", "D02"],
        "ch": ["phone"],
        "dept_view": "D03",
    }
    custom = {"period": "custom", "from": dt.date(2025, 1, 1), "to": dt.date(2025, 1, 31)}
    custom |= {"asof": dt.date(2025, 6, 30), "lang": "en"}
    assert state.url_params(custom, asof_default=dt.date(2025, 10, 31)) == {
        "lang": "en",
        "period": "custom",
        "from": "2025-01-01",
        "to": "2025-01-31",
        "asof": "2025-06-30",
    }


def test_department_options_follow_the_hierarchy():
    frame = pd.DataFrame(
        {
            "department_id": ["B", "A", "A1", "A2", "X"],
            "name_zh": ["乙部", "甲部", "甲一", "甲二", "未建档"],
            "name_en": ["Dept B", "Dept A", "A one", None, None],
            "parent_id": [None, None, "A", "A", "missing"],
        }
    )
    assert state.department_options(frame, "zh") == {
        "A": "甲部",
        "A1": "　└ 甲一",
        "A2": "　└ 甲二",
        "B": "乙部",
        "X": "未建档",
    }
    # English names where present, Chinese otherwise
    assert state.department_options(frame, "en")["A2"] == "　└ 甲二"
    assert state.department_options(frame, "en")["A1"] == "　└ A one"


def test_i18n_formats():
    assert i18n.fmt_int(12345) == "12,345"
    assert i18n.fmt_pct(0.875) == "87.5%"
    assert i18n.fmt_pct(None) == "—"
    assert i18n.fmt_month("2025-10", "zh") == "2025年10月"
    assert i18n.fmt_month(dt.date(2025, 10, 1), "en") == "Oct 2025"
    assert i18n.fmt_date(dt.date(2025, 10, 15), "zh") == "2025年10月15日"
    assert i18n.fmt_date(dt.date(2025, 10, 15), "en") == "15 Oct 2025"
    assert i18n.fmt_hours(3.25, "zh") == "3.2 小时"
    assert i18n.fmt_hours(3.26, "en") == "3.3 h"
    assert i18n.fmt_delta(0.9, 0.875, "rate", "zh") == "+2.5 个百分点"
    assert i18n.fmt_delta(10, 12, "count", "en") == "-2"
    assert i18n.fmt_period(dt.date(2025, 10, 1), dt.date(2025, 11, 1), "en") == "Oct 2025"
    assert (
        i18n.fmt_period(dt.date(2025, 10, 1), dt.date(2025, 10, 16), "zh")
        == "2025年10月1日 – 2025年10月15日"
    )
    assert i18n.status_label("red", "zh") == "✖ 未达标"
    assert i18n.status_label("green", "en") == "✔ On target"


def test_labels_exist_in_both_languages():
    for key, (zh, en) in i18n.LABELS.items():
        assert zh and en, key
    assert i18n.metric_name("on_time_resolution_rate", "zh") == "按时办结率"
    assert i18n.column_label("customer_name", "zh") == "客户姓名"
    assert i18n.column_label("customer_name", "en") == "Customer name"
    assert i18n.column_label("ded_valid_complaints", "en") == "Valid complaints (Deduction)"
