"""The audit trail: who did what, when, with what outcome (sign-ins, imports, exports and
downloads with their row count and scope, unmasked personal-data views, rule changes with a
diff, meeting freezes, note and action changes).

Where rows go (no writer lock for a page view):

* ``record(db_path, ...)`` appends one row to a small SQLite side file beside the database
  (``<db>.audit.sqlite``, WAL mode, safe for many processes at once). A page view, a
  download or a sign-in costs one short SQLite insert, never the DuckDB writer lock.
* Every publication (``store.write_transaction``) moves the pending side rows into the
  database's ``audit_log`` table (migration 004) inside the same atomic publication, and
  deletes them from the side file only after the new file is in place; a crash in between
  leaves them in both, and the copy is skipped by ``audit_id`` next time.
* ``insert(conn, ...)`` writes straight into ``audit_log`` from inside a write transaction
  (imports, rule changes: they publish anyway).
* ``read(db_path, ...)`` returns the published rows plus the pending ones, newest first
  (``complaints audit`` and the Audit page).

Who: the ``who`` argument, else the identity set for this thread of work (``acting_as``:
the signed-in user in the app), else the OS user (the CLI).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import getpass
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

ACTIONS = (
    "sign_in",
    "sign_in_refused",
    "import",
    "export",
    "download",
    "unmasked_view",
    "rule_change",
    "meeting_freeze",
    "note_change",
    "action_change",
)
COLUMNS = ("audit_id", "occurred_at", "who", "action", "outcome", "scope", "rows", "detail")
_actor: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_actor", default=None)
_SIDE_SCHEMA = (
    "create table if not exists pending (audit_id text primary key, occurred_at text not null, "
    "who text not null, action text not null, outcome text not null, scope text, "
    "rows integer, detail text)"
)


def side_path(db_path: Path) -> Path:
    """The side file of pending audit rows for the database ``db_path``."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".audit.sqlite")


def os_user() -> str:
    """The operating-system user (the CLI's identity)."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return str(os.getuid())


@contextlib.contextmanager
def acting_as(who: str | None) -> Iterator[None]:
    """Attribute the rows recorded inside the block to ``who`` (the signed-in user)."""
    token = _actor.set(who)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> str:
    """Who rows recorded now are attributed to."""
    return _actor.get() or os_user()


def _row(
    action: str,
    who: str | None,
    outcome: str,
    scope: str | None,
    rows: int | None,
    detail: Any,
) -> tuple[Any, ...]:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; use one of {', '.join(ACTIONS)}")
    text = (
        detail
        if isinstance(detail, str) or detail is None
        else json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)
    )
    at = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
    return (uuid.uuid4().hex, at, who or current_actor(), action, outcome, scope, rows, text)


def _side(db_path: Path) -> sqlite3.Connection:
    path = side_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30)
    conn.execute("pragma journal_mode=wal")
    conn.execute(_SIDE_SCHEMA)
    return conn


def record(
    db_path: Path,
    action: str,
    *,
    who: str | None = None,
    outcome: str = "ok",
    scope: str | None = None,
    rows: int | None = None,
    detail: Any = None,
) -> str:
    """Append one audit row to the side file (no writer lock); returns its id."""
    row = _row(action, who, outcome, scope, rows, detail)
    conn = _side(db_path)
    try:
        with conn:
            conn.execute("insert into pending values (?, ?, ?, ?, ?, ?, ?, ?)", row)
    finally:
        conn.close()
    return row[0]


def insert(
    conn: duckdb.DuckDBPyConnection,
    action: str,
    *,
    who: str | None = None,
    outcome: str = "ok",
    scope: str | None = None,
    rows: int | None = None,
    detail: Any = None,
) -> str:
    """Write one audit row into ``audit_log`` of a read-write (write-transaction)
    connection; returns its id."""
    row = _row(action, who, outcome, scope, rows, detail)
    conn.execute(
        "insert into audit_log values ($audit_id, $occurred_at::timestamp, $who, $action, "
        "$outcome, $scope, $rows, $detail)",
        dict(zip(COLUMNS, row, strict=True)),
    )
    return row[0]


def _pending(db_path: Path) -> list[tuple[Any, ...]]:
    if not side_path(db_path).exists():
        return []
    conn = _side(db_path)
    try:
        return conn.execute(
            f"select {', '.join(COLUMNS)} from pending order by occurred_at"
        ).fetchall()
    finally:
        conn.close()


def move_pending(conn: duckdb.DuckDBPyConnection, db_path: Path) -> list[str]:
    """Copy the side file's pending rows into ``audit_log`` of the write transaction's
    connection (rows already there are skipped); returns the ids copied."""
    pending = _pending(db_path)
    if not pending:
        return []
    frame = pd.DataFrame(pending, columns=list(COLUMNS))
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    frame["rows"] = frame["rows"].astype("Int64")
    conn.register("_audit_pending", frame)
    try:
        conn.execute(
            "insert into audit_log select p.* from _audit_pending as p "
            "where p.audit_id not in (select audit_id from audit_log)"
        )
    finally:
        conn.unregister("_audit_pending")
    return [r[0] for r in pending]


def forget_pending(db_path: Path, ids: Sequence[str]) -> None:
    """Delete rows now published from the side file."""
    if not ids:
        return
    conn = _side(db_path)
    try:
        with conn:
            conn.executemany("delete from pending where audit_id = ?", [(i,) for i in ids])
    finally:
        conn.close()


def read(
    db_path: Path,
    conn: duckdb.DuckDBPyConnection | None = None,
    since: dt.datetime | None = None,
    who: str | None = None,
) -> pd.DataFrame:
    """The audit trail, newest first: the published ``audit_log`` (read through ``conn``,
    a snapshot of ``db_path``, when given) plus the side file's pending rows."""
    frames = [pd.DataFrame(_pending(db_path), columns=list(COLUMNS))]
    if conn is not None:
        # a database published before migration 004 has no audit_log yet
        with contextlib.suppress(duckdb.CatalogException):
            frames.append(conn.execute(f"select {', '.join(COLUMNS)} from audit_log").df())
    frame = (
        pd.concat([f for f in frames if len(f)], ignore_index=True)
        if any(len(f) for f in frames)
        else frames[0]
    )
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    frame = frame.drop_duplicates("audit_id")
    if since is not None:
        frame = frame[frame["occurred_at"] >= pd.Timestamp(since)]
    if who:
        frame = frame[frame["who"] == who]
    return frame.sort_values(["occurred_at", "audit_id"], ascending=[False, True]).reset_index(
        drop=True
    )
