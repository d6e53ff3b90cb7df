"""AppTest: the departments page (scorecard ranking and one department's view)."""

from __future__ import annotations

from pathlib import Path

import pytest

from queries.marts import scoring
from tests.app_support import no_errors, open_app, run_page, snapshot

MONTH = "2025-10"


pytestmark = pytest.mark.usefixtures("use_app_db")


def _scores(path: Path, month: str = MONTH):
    conn = snapshot(path)
    try:
        return scoring.department_scores(conn, month)
    finally:
        conn.close()


def test_scorecard_ranking_equals_department_scores(app_db: Path):
    at = open_app("departments")
    no_errors(at)
    assert "考核月份: 2025年10月" in [c.value for c in at.caption]
    expected = _scores(app_db)
    # the previous month at the same maturity (issue 11), not September at October's as-of
    conn = snapshot(app_db)
    try:
        previous = scoring.previous_scores(conn, MONTH).set_index("department_id")["score"]
    finally:
        conn.close()
    table = next(d.value for d in at.dataframe if "得分变化" in d.value.columns)
    assert list(table["责任部门"]) == list(expected["department"])
    assert list(table["得分"]) == list(expected["score"])
    assert list(table["排名"]) == list(expected["rank"])
    ids, scores = expected["department_id"], expected["score"]
    change = [s - previous[d] for d, s in zip(ids, scores, strict=True)]
    assert list(table["得分变化"].round(6)) == [round(c, 6) for c in change]


def test_department_view_from_the_link(app_db: Path):
    expected = _scores(app_db)
    worst = expected.iloc[-1]
    at = run_page("departments", query={"dept_view": str(worst["department_id"])})
    no_errors(at)
    assert at.selectbox(key="dept_view").value == worst["department_id"]
    assert at.header[0].value.endswith(worst["department"].replace("(", "\\("))
    conn = snapshot(app_db)
    try:
        items = scoring.score_items(conn, MONTH, str(worst["department_id"]))
    finally:
        conn.close()
    item_table = next(d.value for d in at.dataframe if "扣分项" in d.value.columns)
    assert list(item_table["扣分"]) == list(items["deduction"])
    assert sum(items["deduction"]) == pytest.approx(100 - worst["score"])


def test_department_view_in_english(app_db: Path):
    first = _scores(app_db).iloc[0]
    at = run_page("departments", lang="en", query={"dept_view": str(first["department_id"])})
    no_errors(at)
    assert at.title[0].value == "Departments"
    assert at.header[0].value.startswith("Department view: ")


def test_score_month_follows_the_sidebar_period(app_db: Path):
    """One period control: "上月" moves the ranking, waterfall and deductions to September."""
    worst = _scores(app_db, "2025-09").iloc[-1]
    at = open_app("departments", period="last_month", dept_view=str(worst["department_id"]))
    no_errors(at)
    # the only period control is the sidebar's (the action form's metric picker is no period)
    controls = sorted(s.key for s in at.selectbox if not s.key.startswith("dept_act_"))
    assert controls == ["dept_view", "period"]
    assert "考核月份: 2025年9月" in [c.value for c in at.caption]
    table = next(d.value for d in at.dataframe if "得分变化" in d.value.columns)
    assert list(table["得分"]) == list(_scores(app_db, "2025-09")["score"])
    conn = snapshot(app_db)
    try:
        items = scoring.score_items(conn, "2025-09", str(worst["department_id"]))
    finally:
        conn.close()
    item_table = next(d.value for d in at.dataframe if "扣分项" in d.value.columns)
    assert list(item_table["扣分"]) == list(items["deduction"])
