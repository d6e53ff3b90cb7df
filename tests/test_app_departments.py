"""AppTest: the departments page (scorecard ranking and one department's view)."""

from __future__ import annotations

from pathlib import Path

import pytest

from queries.marts import scoring
from tests.app_support import build_fixture_db, no_exceptions, open_app, snapshot

MONTH = "2025-10"


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_db(tmp_path_factory.mktemp("app_departments"))


@pytest.fixture(autouse=True)
def _use_fixture_db(fixture_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLAINTS_DB", str(fixture_db))
    monkeypatch.setenv("COMPLAINTS_ROLE", "viewer")


def _scores(path: Path, month: str = MONTH):
    conn = snapshot(path)
    try:
        return scoring.department_scores(conn, month)
    finally:
        conn.close()


def test_scorecard_ranking_equals_department_scores(fixture_db: Path):
    at = open_app("departments")
    no_exceptions(at)
    assert "考核月份: 2025年10月" in [c.value for c in at.caption]
    expected = _scores(fixture_db)
    previous = _scores(fixture_db, "2025-09").set_index("department_id")["score"]
    table = next(d.value for d in at.dataframe if "得分变化" in d.value.columns)
    assert list(table["责任部门"]) == list(expected["department"])
    assert list(table["得分"]) == list(expected["score"])
    assert list(table["排名"]) == list(expected["rank"])
    ids, scores = expected["department_id"], expected["score"]
    change = [s - previous[d] for d, s in zip(ids, scores, strict=True)]
    assert list(table["得分变化"].round(6)) == [round(c, 6) for c in change]


def test_department_view_from_the_link(fixture_db: Path):
    expected = _scores(fixture_db)
    worst = expected.iloc[-1]
    at = open_app("departments", dept_view=str(worst["department_id"]))
    no_exceptions(at)
    assert at.selectbox(key="dept_view").value == worst["department_id"]
    assert at.header[0].value.endswith(worst["department"].replace("(", "\\("))
    conn = snapshot(fixture_db)
    try:
        items = scoring.score_items(conn, MONTH, str(worst["department_id"]))
    finally:
        conn.close()
    item_table = next(d.value for d in at.dataframe if "扣分项" in d.value.columns)
    assert list(item_table["扣分"]) == list(items["deduction"])
    assert sum(items["deduction"]) == pytest.approx(100 - worst["score"])


def test_department_view_in_english(fixture_db: Path):
    first = _scores(fixture_db).iloc[0]
    at = open_app("departments", lang="en", dept_view=str(first["department_id"]))
    no_exceptions(at)
    assert at.title[0].value == "Departments"
    assert at.header[0].value.startswith("Department view: ")


def test_score_month_follows_the_sidebar_period(fixture_db: Path):
    """One period control: "上月" moves the ranking, waterfall and deductions to September."""
    worst = _scores(fixture_db, "2025-09").iloc[-1]
    at = open_app("departments", period="last_month", dept_view=str(worst["department_id"]))
    no_exceptions(at)
    assert sorted(s.key for s in at.selectbox) == ["dept_view", "period"]
    assert "考核月份: 2025年9月" in [c.value for c in at.caption]
    table = next(d.value for d in at.dataframe if "得分变化" in d.value.columns)
    assert list(table["得分"]) == list(_scores(fixture_db, "2025-09")["score"])
    conn = snapshot(fixture_db)
    try:
        items = scoring.score_items(conn, "2025-09", str(worst["department_id"]))
    finally:
        conn.close()
    item_table = next(d.value for d in at.dataframe if "扣分项" in d.value.columns)
    assert list(item_table["扣分"]) == list(items["deduction"])
