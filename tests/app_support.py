"""The one harness of the AppTest page tests (``tests/test_app_*.py``): run a page file of
``dashboard/views/`` directly (``run_page``) or the whole app through its router
(``open_app``, for the shell: sidebar filters, URL, navigation), point the app at a
database (``database``), and read what the page shows. The seeded demo database shared by
the page tests is the session fixture ``app_db`` (``tests/conftest.py``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from queries import store
from tests import ROOT

APP = ROOT / "dashboard" / "app.py"
PAGES = ROOT / "dashboard" / "views"
DEMO_ROWS = 2000
DEMO_END_MONTH = "2025-10"
TIMEOUT = 120


def build_fixture_db(folder: Path) -> Path:
    """The seeded demo (2,000 complaints, 24 months to 2025-10) in ``folder``."""
    from queries.demo import build_demo

    path = folder / "app_fixture.duckdb"
    build_demo(path, rows=DEMO_ROWS, end_month=DEMO_END_MONTH, exports=False)
    return path


@contextmanager
def database(path: Path, role: str | None = None) -> Iterator[Path]:
    """Point the app at ``path`` (``$COMPLAINTS_DB``) and optionally a role (for
    module-scoped fixtures, where ``monkeypatch`` is not available)."""
    saved = {k: os.environ.get(k) for k in ("COMPLAINTS_DB", "COMPLAINTS_ROLE")}
    os.environ["COMPLAINTS_DB"] = str(path)
    if role is None:
        os.environ.pop("COMPLAINTS_ROLE", None)
    else:
        os.environ["COMPLAINTS_ROLE"] = role
    try:
        yield path
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_page(
    page: str,
    lang: str = "zh",
    query: dict[str, Any] | None = None,
    session: dict[str, Any] | None = None,
) -> AppTest:
    """Run ``dashboard/views/<page>.py`` on its own (the database from ``$COMPLAINTS_DB``):
    ``query`` as in a shared link, ``session`` as widget values already chosen (the
    sidebar's shared filters, e.g. ``{"asof": date}``, are session values here)."""
    at = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    for key, value in (session or {}).items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def open_app(page: str | None = None, **query: Any) -> AppTest:
    """Run the app through its router (query parameters as in a shared link) and switch to
    ``page`` (``"overview"``, ``"departments"``...). ``COMPLAINTS_DB`` must be set."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(f"views/{page}.py")
        at.run()
    return at


def deferred_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """The download payloads pages build on click (``ui.download`` given a function), by
    file name, as registered during the runs that follow; call one to build its file as the
    click would (the test runtime drops them when its run ends)."""
    made: dict[str, Callable[[], Any]] = {}
    register = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        made[file_name or coordinates] = data_callable
        return register(self, data_callable, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return made


def snapshot(path: Path):
    """A read-only connection on the fixture database (for expected values)."""
    return store.open_snapshot(path)


def no_errors(at: AppTest) -> None:
    """Fail with the message of any exception or error box the page shows."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at: AppTest) -> dict[str, str]:
    """``{label: value}`` of every ``st.metric`` on the page."""
    return {m.label: m.value for m in at.metric}


def frames(at: AppTest) -> list:
    """Every DataFrame shown on the page, in order."""
    return [d.value for d in at.dataframe]
