"""Page runs as a whole: a page file imports without rendering (its constants are usable),
a KPI page run checks the derived tables' currency and loads the rules exactly once, and an
edit of the rule file named by ``$COMPLAINTS_RULES`` shows up on the next run, in the rule
table and in the numbers alike."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from queries import context, i18n, staging
from queries.config import rules
from queries.marts import kpi, scoring
from queries.paths import CONFIG_DIR
from tests.app_support import metrics, no_errors, open_app, run_page, snapshot

SCORE_MONTH = "2025-09"
VALID_POINTS = "points = { general = 1, urgent = 2, major = 5 }"
GENERAL_RESPONSE = "grade = { general = 24, urgent = 1, major = 1 }"


def _page_imports() -> None:
    """AppTest script: import every page module afresh (as a test would, for constants)."""
    import importlib
    import sys

    from dashboard.ui.navigation import PAGES

    for stem, _title, _section in PAGES:
        sys.modules.pop(f"dashboard.views.{stem}", None)
        importlib.import_module(f"dashboard.views.{stem}")


def test_page_modules_import_without_rendering():
    at = AppTest.from_function(_page_imports, default_timeout=120).run()
    no_errors(at)
    assert len(at.main.children) == 0  # a page that ran main() would have drawn its title
    assert len(at.sidebar.children) == 0
    from dashboard.views import overview, time_limits

    assert overview.AT_RISK_DEPARTMENTS == 5
    assert time_limits.DUE_DAYS == {"next_working_day": 1, "3_days": 3}


@pytest.fixture
def own_db(app_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the shared demo database: a new path, so no cache entry of another
    test answers for it."""
    path = Path(shutil.copy(app_db, tmp_path / "own.duckdb"))
    monkeypatch.setenv("COMPLAINTS_DB", str(path))
    monkeypatch.setenv("COMPLAINTS_ROLE", "viewer")
    return path


def _count(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Count the calls of ``module.name`` (the call still happens)."""
    calls: list[int] = []
    real: Callable[..., Any] = getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


@pytest.mark.parametrize("page", ["overview", "departments"])
def test_a_kpi_page_run_checks_staging_currency_once(own_db, monkeypatch, page):
    checks = _count(monkeypatch, staging, "ensure_current")
    loads = _count(monkeypatch, rules, "load_rules")
    context_loads = _count(monkeypatch, context, "load_rules")  # imported by name there
    at = run_page(page)
    no_errors(at)
    assert len(at.metric) + len(at.dataframe) > 0  # it drew figures (engine, cold cache)
    assert len(checks) == 1
    assert len(loads) + len(context_loads) == 1


def test_a_run_through_the_router_checks_once_per_run(own_db, monkeypatch):
    checks = _count(monkeypatch, staging, "ensure_current")
    at = open_app()  # the app shell and the overview page: one script run
    no_errors(at)
    assert len(checks) == 1
    at.switch_page("views/departments.py").run()
    no_errors(at)
    assert len(checks) == 2


def _valid_points_rule(at: AppTest) -> str:
    table = next(d.value for d in at.dataframe if "扣分标准" in d.value.columns)
    row = table[table["扣分项"] == i18n.item_label("valid_complaints", "zh")]
    return str(row["扣分标准"].iloc[0])


def _shown_scores(at: AppTest) -> list[float]:
    monthly = next(d.value for d in at.dataframe if "得分变化" in d.value.columns)
    return list(monthly["得分"])


def _engine(path: Path) -> tuple[list[float], str]:
    """Scores of the month and the overview's response-SLA card, as the engine computes
    them under the rule file in force now."""
    conn = snapshot(path)
    try:
        ctx = context.open_context(conn)
        scores = list(scoring.department_scores(ctx, SCORE_MONTH)["score"])
        month = kpi.Period.month(SCORE_MONTH)  # the sidebar period (last month) carries over
        sla = kpi.kpis(ctx, month, kpi.Filters(), ctx.as_of())["response_sla_rate"].iloc[0]
    finally:
        conn.close()
    return scores, i18n.fmt_metric("response_sla_rate", sla, "zh")


def test_an_edit_of_complaints_rules_shows_on_the_next_run(own_db, tmp_path, monkeypatch):
    rule_file = tmp_path / "rules.toml"
    text = (CONFIG_DIR / "rules.toml").read_text(encoding="utf-8")
    assert text.count(VALID_POINTS) == 1 and text.count(GENERAL_RESPONSE) == 1
    rule_file.write_text(text, encoding="utf-8")
    monkeypatch.setenv(rules.RULES_ENV_VAR, str(rule_file))
    sla_label = i18n.metric_name("response_sla_rate", "zh")

    at = open_app("scores", period="last_month")  # the sidebar period sets the month (09)
    no_errors(at)
    before_scores, before_sla = _engine(own_db)
    assert _valid_points_rule(at) == "一般 1.0 / 紧急 2.0 / 重大 5.0"
    assert _shown_scores(at) == before_scores

    # a valid general complaint now costs 3 points; general complaints must be answered in 2 h
    edited = text.replace(VALID_POINTS, "points = { general = 3, urgent = 2, major = 5 }")
    edited = edited.replace(GENERAL_RESPONSE, "grade = { general = 2, urgent = 1, major = 1 }")
    rule_file.write_text(edited, encoding="utf-8")
    after_scores, after_sla = _engine(own_db)
    assert after_scores != before_scores and after_sla != before_sla  # the edit matters

    at.run()  # the same session, the next run (as a user's next click)
    no_errors(at)
    assert _valid_points_rule(at) == "一般 3.0 / 紧急 2.0 / 重大 5.0"
    assert _shown_scores(at) == after_scores
    at.switch_page("views/overview.py").run()
    no_errors(at)
    assert metrics(at)[sla_label] == after_sla
