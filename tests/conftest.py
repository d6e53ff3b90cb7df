"""Shared fixtures: tiny hand-written databases built through the real publishing path."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from queries import staging, store

Rows = Iterable[Mapping[str, Any]]


def insert_rows(conn, table: str, rows: Rows) -> None:
    """Insert dict rows into ``table`` (columns named by the dict keys, values bound)."""
    for row in rows:
        cols = list(row)
        placeholders = ", ".join(f"${c}" for c in cols)
        conn.execute(f"insert into {table} ({', '.join(cols)}) values ({placeholders})", dict(row))


def build_db(
    path: Path,
    complaints: Rows = (),
    penalties: Rows = (),
    departments: Rows = (),
    volumes: Rows = (),
) -> Path:
    """Create a database file at ``path`` holding exactly the given rows."""
    with store.write_transaction(path, fresh=True, derive=staging.refresh) as conn:
        insert_rows(conn, "departments", departments)
        insert_rows(conn, "complaints", complaints)
        insert_rows(conn, "penalties", penalties)
        insert_rows(conn, "business_volumes", volumes)
    return path


@pytest.fixture
def make_db(tmp_path: Path) -> Callable[..., Path]:
    """``make_db(complaints=[...], penalties=[...], departments=[...], volumes=[...])``
    builds a fresh database in the test's temporary folder and returns its path."""
    counter = {"n": 0}

    def _make(**tables: Rows) -> Path:
        counter["n"] += 1
        return build_db(tmp_path / f"fixture{counter['n']}.duckdb", **tables)

    return _make


@pytest.fixture(scope="session")
def app_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded demo database the page tests share, built once per session
    (``tests/app_support.py``). Read only: a test that writes works on a copy."""
    from tests.app_support import build_fixture_db

    return build_fixture_db(tmp_path_factory.mktemp("app_db"))


@pytest.fixture
def use_app_db(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the shared demo database as a viewer."""
    monkeypatch.setenv("COMPLAINTS_DB", str(app_db))
    monkeypatch.setenv("COMPLAINTS_ROLE", "viewer")
    return app_db


def serve_on(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """Make the app under AppTest believe its server listens on ``address``
    (``server.address``), whatever config file the current folder has."""
    import streamlit as st

    original = st.get_option
    monkeypatch.setattr(
        st, "get_option", lambda key: address if key == "server.address" else original(key)
    )


def as_loopback_client(monkeypatch: pytest.MonkeyPatch, address: str = "localhost") -> None:
    """Make AppTest's visitor one on this machine, of a server on ``address``: Streamlit
    reports no IP address for loopback clients, while AppTest's own client context is a
    mock, which ``auth.can_write`` rightly refuses. For page tests that write."""
    from streamlit.runtime.context import ContextProxy

    monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: None))
    serve_on(monkeypatch, address)


@pytest.fixture
def loopback_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """``as_loopback_client`` as a fixture (a server on ``localhost``)."""
    as_loopback_client(monkeypatch)
