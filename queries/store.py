"""The shared DuckDB database: schema migrations, crash-safe publishing, read-only viewers.

DuckDB lets one process open a file read-write *or* many processes read-only, never both.
So nobody ever writes the serving file in place:

* A writer (import, demo, meeting notes) takes an exclusive lock file, copies the serving
  file to a private staging file, changes the copy, checkpoints and closes it, fsyncs it and
  atomically ``os.replace``-s it over the serving file. A process killed at any moment leaves
  either the old file (plus a staging leftover, removed by the next writer or app start) or
  the new one: never a mixture.
* Readers attach the file read-only inside an in-memory DuckDB (so several versions can be
  open in one process, which a plain ``duckdb.connect(path)`` does not allow) with external
  access disabled, and reopen when the file's identity changes. A reader that is mid-query
  keeps its own open inode: it finishes on the snapshot it started with.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from duckdb import sqltypes
from duckdb.func import FunctionNullHandling

from queries import audit, privacy
from queries.errors import DatabaseBusyError, DatabaseMissingError
from queries.paths import FRAGMENTS_DIR, MIGRATIONS_DIR, SQL_DIRS

CATALOG = "cdb"
_log = logging.getLogger(__name__)
_STAGING_MARK = ".staging-"


# --------------------------------------------------------------------------- resources

WRITER_MEMORY_ENV = "COMPLAINTS_WRITER_MEMORY"
READER_MEMORY_ENV = "COMPLAINTS_READER_MEMORY"
THREADS_ENV = "COMPLAINTS_THREADS"
READER_TEMP_ENV = "COMPLAINTS_READER_TEMP"
COMPACT_FREE_ENV = "COMPLAINTS_COMPACT_FREE"
#: A publication whose file has more than this share of free blocks after its checkpoint
#: publishes a compacted copy instead (``$COMPLAINTS_COMPACT_FREE``, a percentage).
DEFAULT_COMPACT_FREE = 15.0
#: Defaults: a writer may use half the machine's memory, each reader 2 GiB; DuckDB spills
#: beyond that to its temp directory instead of growing (its own default is 80% of RAM for
#: every process, which several readers and a writer together exceed).
DEFAULT_WRITER_MEMORY = "50%"
DEFAULT_READER_MEMORY = "2GiB"


@dataclass(frozen=True)
class Resources:
    """DuckDB settings of one kind of connection."""

    memory_limit: str  # e.g. "12288MiB"
    threads: int
    temp_directory: str

    def config(self) -> dict[str, str | bool | int | float | list[str]]:
        """The ``duckdb.connect(config=...)`` entries."""
        return {
            "memory_limit": self.memory_limit,
            "threads": self.threads,
            "temp_directory": self.temp_directory,
        }


def _memory(text: str, name: str) -> str:
    """``"50%"`` of the physical memory, or a size such as ``"2GiB"``/``"512MiB"``, in MiB."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(%|MiB|GiB|MB|GB)\s*", text, re.IGNORECASE)
    if not m:
        raise ValueError(f"${name}: {text!r} is not a size like 50% or 2GiB or 512MiB")
    value, unit = float(m.group(1)), m.group(2).lower()
    if unit == "%":
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        mib = total * value / 100 / 2**20
    else:
        mib = value * {"mib": 1, "mb": 1e6 / 2**20, "gib": 1024, "gb": 1e9 / 2**20}[unit]
    return f"{max(64, int(mib))}MiB"


def _threads() -> int:
    text = os.environ.get(THREADS_ENV, "").strip()
    if not text:
        return os.cpu_count() or 1
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"${THREADS_ENV}: {text!r} is not a positive whole number")
    return int(text)


def writer_resources(spill: Path) -> Resources:
    """Memory, threads and spill folder of a writer (``$COMPLAINTS_WRITER_MEMORY``,
    ``$COMPLAINTS_THREADS``); it spills next to its staging copy."""
    memory = os.environ.get(WRITER_MEMORY_ENV) or DEFAULT_WRITER_MEMORY
    return Resources(_memory(memory, WRITER_MEMORY_ENV), _threads(), str(spill))


def reader_resources() -> Resources:
    """Memory, threads and spill folder of each reader snapshot (``$COMPLAINTS_READER_MEMORY``,
    ``$COMPLAINTS_THREADS``; the spill folder is this process's own under
    ``$COMPLAINTS_READER_TEMP``, default a folder in the system's temp directory)."""
    memory = os.environ.get(READER_MEMORY_ENV) or DEFAULT_READER_MEMORY
    base = os.environ.get(READER_TEMP_ENV) or str(
        Path(tempfile.gettempdir()) / "complaints-duckdb-spill"
    )
    return Resources(_memory(memory, READER_MEMORY_ENV), _threads(), reader_spill(base))


#: The lock file that marks a reader spill folder's owner as alive (``reader_spill``).
SPILL_OWNER = ".owner.lock"
_spill_owners: dict[str, tuple[str, int]] = {}
_spill_guard = threading.Lock()


def reader_spill(base: str) -> str:
    """This process's own reader spill folder under ``base``, made on first use and marked
    by a lock file the process holds while it lives. Folders under ``base`` whose lock is
    free are removed first: their process ended without DuckDB removing its spill files
    (killed, out of memory), and nothing else ever would (they once filled a disk)."""
    with _spill_guard:
        known = _spill_owners.get(base)
        if known is not None and Path(known[0]).is_dir():
            return known[0]
        root = Path(base)
        root.mkdir(parents=True, exist_ok=True)
        for folder in sorted(root.iterdir()):
            if folder.is_dir() and not folder.is_symlink() and (folder / SPILL_OWNER).exists():
                _remove_if_ownerless(folder)
        own = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))
        # lock first under another name: a cleaner only looks at SPILL_OWNER, and finds it
        # locked from the moment it exists
        fresh = own / (SPILL_OWNER + ".new")
        fd = os.open(fresh, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        fresh.rename(own / SPILL_OWNER)
        if known is not None:
            os.close(known[1])
        _spill_owners[base] = (str(own), fd)  # held, never closed: the lock lives with us
        return str(own)


def _remove_if_ownerless(folder: Path) -> None:
    try:
        fd = os.open(folder / SPILL_OWNER, os.O_RDWR)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # its process lives
        os.close(fd)
        return
    try:
        if _remove_tree(folder):
            _log.info("removed the spill folder %s of a reader that has ended", folder)
    finally:
        os.close(fd)


def compact_free_share() -> float:
    """The free-block share above which a publication compacts (``$COMPLAINTS_COMPACT_FREE``,
    a percentage 0-100; 100 never compacts), as a fraction."""
    text = os.environ.get(COMPACT_FREE_ENV, "").strip()
    if not text:
        return DEFAULT_COMPACT_FREE / 100
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise ValueError(f"${COMPACT_FREE_ENV}: {text!r} is not a percentage from 0 to 100")
    return value / 100


def free_share(conn: duckdb.DuckDBPyConnection) -> float:
    """The share of free blocks in the file of ``conn``'s current database
    (``pragma database_size``; checkpoint first)."""
    total, free = conn.execute(
        "select total_blocks, free_blocks from pragma_database_size()"
        " where database_name = current_database()"
    ).fetchall()[0]
    return free / total if total else 0.0


def _compact(conn: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Copy every object of ``conn``'s current database into the new file ``target``
    (``copy from database``), so only live blocks are written."""
    source = conn.execute("select current_database()").fetchall()[0][0]
    conn.execute(f"attach '{_sql_literal(str(target))}' as _compact")
    try:
        conn.execute(f'copy from database "{source}" to _compact')
        conn.execute("checkpoint _compact")
    finally:
        conn.execute("detach _compact")


# --------------------------------------------------------------------------- migrations


def migrations() -> list[tuple[int, Path]]:
    """Return ``(version, file)`` for every migration in ``queries/migrations``, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = re.match(r"(\d+)_", path.name)
        if m:
            found.append((int(m.group(1)), path))
    return found


SCHEMA_VERSION: int = max(v for v, _ in migrations())


def apply_migrations(conn: duckdb.DuckDBPyConnection) -> int:
    """Bring a read-write connection's schema up to ``SCHEMA_VERSION``.

    Returns:
        The schema version after migrating.
    """
    conn.execute(
        "create table if not exists schema_version ("
        "version integer primary key, applied_at timestamp not null)"
    )
    current = conn.execute("select coalesce(max(version), 0) from schema_version").fetchall()[0][0]
    for version, path in migrations():
        if version > current:
            conn.execute(path.read_text(encoding="utf-8"))
            conn.execute("insert into schema_version values ($v, localtimestamp)", {"v": version})
            current = version
    return current


# --------------------------------------------------------------------------- writing


def _lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextlib.contextmanager
def writer_lock(db_path: Path, wait_seconds: float = 60.0) -> Iterator[None]:
    """Hold the database's exclusive writer lock (``<db>.lock``, an OS file lock that dies
    with its process). Waits up to ``wait_seconds``, then raises ``DatabaseBusyError``
    naming the holder."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = _lock_path(db_path)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                    raise DatabaseBusyError(
                        f"{db_path}: another import or update is running ({holder or 'unknown'});"
                        " try again when it has finished"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        since = time.strftime("%Y-%m-%d %H:%M:%S")
        os.pwrite(fd, f"pid {os.getpid()}, user {audit.os_user()}, since {since}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def cleanup_leftovers(db_path: Path) -> list[Path]:
    """Remove staging files left by a killed writer. Only call while holding the writer lock
    (``write_transaction`` does) or via ``cleanup_if_idle``.

    Returns:
        The files (and spill directories) removed.
    """
    removed = []
    for leftover in db_path.parent.glob(db_path.name + _STAGING_MARK + "*"):
        if leftover.is_dir() and not leftover.is_symlink():  # a writer's spill directory
            if _remove_tree(leftover):
                removed.append(leftover)
        else:
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def _remove_tree(path: Path) -> bool:
    """Remove a spill directory; a failure is logged (with the path), never silent."""
    if not path.exists():
        return False
    try:
        shutil.rmtree(path)
    except OSError as exc:
        _log.warning("could not remove %s: %s", path, exc)
        return False
    return True


def cleanup_if_idle(db_path: Path) -> list[Path]:
    """Remove a killed writer's leftovers if no writer is running now (called at app start)."""
    try:
        with writer_lock(db_path, wait_seconds=0):
            return cleanup_leftovers(db_path)
    except DatabaseBusyError:
        return []


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def write_transaction(
    db_path: Path,
    *,
    derive: Callable[[duckdb.DuckDBPyConnection], object] | None,
    wait_seconds: float = 60.0,
    fresh: bool = False,
    before_publish: Callable[[], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Change the database as one atomic, crash-safe publication.

    Yields a read-write connection to a private copy with the schema migrated. When the
    block ends without an exception the derived tables are refreshed, the copy is
    checkpointed, closed, fsynced and atomically moved over ``db_path``; on an exception the
    copy is deleted and ``db_path`` is untouched. When the checkpointed copy holds more
    than ``compact_free_share()`` free blocks (rows deleted and rewritten by incremental
    publications), a compacted copy (``copy from database``) is published instead. The
    store knows nothing of the derived tables: the writer passes the function that
    rebuilds them (``staging.refresh``). The
    audit rows pending in the side file are moved into ``audit_log`` by every publication
    (``audit.move_pending``).

    Args:
        db_path: the serving database file (created if missing).
        wait_seconds: how long to wait for another writer before ``DatabaseBusyError``.
        derive: run on the copy before publishing to rebuild the derived tables
            (``staging.refresh``), or None when the change cannot affect them.
        fresh: start from an empty database instead of a copy of the current one.
        before_publish: called after the copy is closed and just before it replaces the
            serving file (tests use it to simulate a crash at that moment).
    """
    db_path = Path(db_path)
    with writer_lock(db_path, wait_seconds=wait_seconds):
        cleanup_leftovers(db_path)
        staging = db_path.with_name(
            f"{db_path.name}{_STAGING_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        )
        spill = staging.with_name(staging.name + ".tmp")
        compacted = staging.with_name(staging.name + ".compact")
        try:
            if db_path.exists() and not fresh:
                shutil.copyfile(db_path, staging)
            # spill files (large sorts, joins, windows) go next to the staging file, never
            # into a shared default; removed below, or by ``cleanup_leftovers`` if killed
            conn = duckdb.connect(str(staging), config=writer_resources(spill).config())
            try:
                apply_migrations(conn)
                yield conn
                audited = audit.move_pending(conn, db_path)
                if derive is not None:
                    derive(conn)
                conn.execute("checkpoint")
                # deleted and rewritten rows leave free blocks that a copy of the file keeps:
                # past the threshold, publish a copy holding only the live ones
                if free_share(conn) > compact_free_share():
                    _compact(conn, compacted)
            finally:
                conn.close()
            if compacted.exists():
                os.replace(compacted, staging)
            wal = staging.with_name(staging.name + ".wal")
            if wal.exists():
                raise RuntimeError(
                    f"{staging}: write-ahead log left after checkpoint; not published"
                )
            with open(staging, "rb+") as fh:
                os.fsync(fh.fileno())
            if before_publish is not None:
                before_publish()
            os.replace(staging, db_path)
            _fsync_dir(db_path.parent)
            audit.forget_pending(db_path, audited)
        finally:
            staging.unlink(missing_ok=True)
            staging.with_name(staging.name + ".wal").unlink(missing_ok=True)
            compacted.unlink(missing_ok=True)
            compacted.with_name(compacted.name + ".wal").unlink(missing_ok=True)
            _remove_tree(spill)


# --------------------------------------------------------------------------- reading


def _identity(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def open_snapshot(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open one read-only snapshot of the database: an in-memory DuckDB with the file
    attached read-only as the default catalog, external access disabled and locked."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise DatabaseMissingError(f"{db_path}: no database yet (run `complaints demo` or import)")
    conn = duckdb.connect(":memory:", config=reader_resources().config())
    conn.execute(f"attach '{_sql_literal(str(db_path))}' as {CATALOG} (read_only)")
    conn.execute(f"use {CATALOG}")
    conn.execute("set enable_external_access = false")
    conn.execute("set lock_configuration = true")
    return conn


def is_demo(db_path: Path) -> bool:
    """Whether the database file is the demo company's (``meta`` holds ``demo_seed``);
    False when there is no file yet."""
    db_path = Path(db_path)
    if not db_path.exists():
        return False
    conn = open_snapshot(db_path)
    try:
        found = conn.execute(
            "select count(*) from duckdb_tables() where table_name = 'meta'"
        ).fetchall()[0][0]
        if not found:
            return False
        return bool(
            conn.execute("select count(*) from meta where key = 'demo_seed'").fetchall()[0][0]
        )
    finally:
        conn.close()


def _sql_literal(text: str) -> str:
    return text.replace("'", "''")


class Reader:
    """A process-wide read-only view of a database file that follows new publications.

    ``cursor()`` hands out a cursor (safe to use from one thread) on the newest snapshot,
    reopening when the file was replaced (checked at most every ``recheck_seconds``).
    ``on_open`` callbacks run on every freshly opened snapshot connection (for example to
    derive temporary tables when the rule configuration changed since publication).
    """

    def __init__(
        self,
        db_path: Path,
        recheck_seconds: float = 1.0,
        on_open: list[Callable[[duckdb.DuckDBPyConnection], None]] | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.recheck_seconds = recheck_seconds
        self.on_open = list(on_open or [])
        self._lock = threading.Lock()
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int, int] | None = None
        self._checked = 0.0
        self.generation = 0

    def _refresh(self) -> None:
        now = time.monotonic()
        if self._conn is not None and now - self._checked < self.recheck_seconds:
            return
        self._checked = now
        ident = _identity(self.db_path) if self.db_path.exists() else None
        if ident is None and self._conn is None:
            raise DatabaseMissingError(f"{self.db_path}: no database yet")
        if ident is not None and ident != self._identity:
            conn = open_snapshot(self.db_path)
            for hook in self.on_open:
                hook(conn)
            # The old connection is not closed here: cursors still running on it keep
            # their snapshot and it is released when the last of them is gone.
            self._conn, self._identity = conn, ident
            self.generation += 1

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the newest published snapshot, with the database as default catalog."""
        with self._lock:
            self._refresh()
            assert self._conn is not None
            cur = self._conn.cursor()
        cur.execute(f"use {CATALOG}")
        return cur

    def close(self) -> None:
        """Close the current snapshot connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._identity = None, None


# --------------------------------------------------------------------------- queries


_INCLUDE = re.compile(r"^-- include: ([a-z0-9_]+)$", re.MULTILINE)


def expand_includes(text: str, origin: str) -> str:
    """``text`` with every line ``-- include: NAME`` replaced by
    ``queries/marts/fragments/NAME.sql`` (itself expanded: a fragment may include others);
    ``origin`` names the file in the error for a missing fragment."""

    def fragment(match: re.Match[str]) -> str:
        part = FRAGMENTS_DIR / f"{match.group(1)}.sql"
        if not part.is_file():
            raise KeyError(f"{origin}.sql includes a missing fragment {part.name}")
        return expand_includes(part.read_text(encoding="utf-8"), origin)

    return _INCLUDE.sub(fragment, text)


def replace_marker(sql: str, name: str, default: str, expr: str) -> str:
    """``sql`` with its marked expression ``/*name*/ default /*name*/`` replaced by ``expr``
    (an allow-listed SQL expression, never user text)."""
    marker = f"/*{name}*/ {default} /*{name}*/"
    if marker not in sql:
        raise RuntimeError(f"query lacks the marker {marker}")
    return sql.replace(marker, expr)


def sql_file(name: str) -> str:
    """The text of the query ``name`` (file stem; ``ui/x`` for a subfolder), found in the
    layer folders ``queries/staging`` and ``queries/marts``, with its includes expanded
    (``expand_includes``): shared common table expressions and filter blocks are written
    once."""
    path = next((d / f"{name}.sql" for d in SQL_DIRS if (d / f"{name}.sql").is_file()), None)
    if path is None:
        raise KeyError(f"no query file {name}.sql")
    return expand_includes(path.read_text(encoding="utf-8"), name)


def run_sql(
    conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Run SQL with ``$name`` parameters bound (never pasted in) and return a DataFrame."""
    return conn.execute(sql, params or {}).df()


def run_query(
    conn: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Run ``queries/<name>.sql`` with ``$name`` parameters and return a DataFrame."""
    return run_sql(conn, sql_file(name), params)


def run_shown(
    conn: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict[str, Any] | None,
    role: str | None,
    outer: str | None = None,
    outer_params: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Run SQL returning rows to show to a viewer of ``role``: unless the role may see
    personal data, names, phones and free text are masked inside the query
    (``privacy.masked_projection``), so unmasked values never leave DuckDB. ``role=None``:
    a caller that masks what it shows itself (CLI, reports); the rows come unmasked.
    ``outer``: SQL over the rows as shown, named ``shown`` (e.g. a search over the masked
    text, a count, a page), with its own ``outer_params``."""
    params = params or {}
    rel = conn.sql(sql, params=params)  # binds only: the columns
    projection = None
    if role is not None and not privacy.can_see_personal_data(role):
        projection = privacy.masked_projection(rel.columns)
    if projection is None and outer is None:
        return rel.df()
    if projection is not None:
        with contextlib.suppress(duckdb.CatalogException, duckdb.NotImplementedException):
            conn.create_function(  # once per cursor (a second time raises)
                privacy.MASK_TEXT_SQL_FUNCTION,
                privacy.mask_text_for,
                [sqltypes.VARCHAR, sqltypes.VARCHAR],
                sqltypes.VARCHAR,
                null_handling=FunctionNullHandling.SPECIAL,
            )
    select = "*" if projection is None else ", ".join(projection)
    shown = f"with shown as (select {select} from ({sql}) as q) "
    query = shown + (outer or "select * from shown")
    return conn.execute(query, {**params, **(outer_params or {})}).df()


def table_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of the canonical tables."""
    # fetchall, not fetchone: an unfinished result would block later calls on the connection
    return {
        t: conn.execute(f"select count(*) from {t}").fetchall()[0][0]
        for t in ("complaints", "penalties", "departments", "business_volumes", "import_log")
    }
