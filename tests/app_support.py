"""Shared helpers for the AppTest page tests (``tests/test_app_*.py``): a small seeded demo
database and an ``AppTest`` of ``dashboard/app.py`` opened on a page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from queries import store as db
from tests import ROOT

APP = ROOT / "dashboard" / "app.py"
DEMO_ROWS = 2000
DEMO_END_MONTH = "2025-10"
TIMEOUT = 120


def build_fixture_db(folder: Path) -> Path:
    """The seeded demo (2,000 complaints, 24 months to 2025-10) in ``folder``."""
    from queries.demo import build_demo

    path = folder / "app_fixture.duckdb"
    build_demo(path, rows=DEMO_ROWS, end_month=DEMO_END_MONTH, exports=False)
    return path


def open_app(page: str | None = None, **query: Any) -> AppTest:
    """Run the app (query parameters as in a shared link) and switch to ``page``
    (``"overview"``, ``"departments"``...). ``COMPLAINTS_DB`` must be set by the caller."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(f"views/{page}.py")
        at.run()
    return at


def snapshot(path: Path):
    """A read-only connection on the fixture database (for expected values)."""
    return db.open_snapshot(path)


def no_exceptions(at: AppTest) -> None:
    """Fail with the message of any exception or error box the page shows."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at: AppTest) -> dict[str, str]:
    """``{label: value}`` of every ``st.metric`` on the page."""
    return {m.label: m.value for m in at.metric}
