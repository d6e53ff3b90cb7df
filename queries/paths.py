"""Where the engine's own files live (shipped inside the package) and which database a
command uses (the working folder ``data/`` under the current directory, or ``--db`` /
``$COMPLAINTS_DB``)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CONFIG_DIR = PACKAGE_DIR / "config"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
#: Folders whose ``.sql`` files are loaded by name (``store.sql_file``), in layer order.
SQL_DIRS = (PACKAGE_DIR / "staging", PACKAGE_DIR / "marts")
FRAGMENTS_DIR = PACKAGE_DIR / "marts" / "fragments"
SHIPPED_MAPPINGS_DIR = CONFIG_DIR / "mappings"
DB_ENV_VAR = "COMPLAINTS_DB"
WORK_DIR_NAME = "data"


def work_dir() -> Path:
    """The working folder ``data/`` under the current directory (database, saved mappings,
    meetings, reject reports); it need not exist yet."""
    return Path.cwd() / WORK_DIR_NAME


def default_db() -> Path:
    """The database used when neither ``--db`` nor ``$COMPLAINTS_DB`` is given."""
    return work_dir() / "complaints.duckdb"


def demo_db() -> Path:
    """The demo company's database, kept apart from the working one: ``data/demo.duckdb``."""
    return work_dir() / "demo.duckdb"


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """Return the database path: ``--db`` first, then ``$COMPLAINTS_DB``, then the default.

    Args:
        cli_value: the value of ``--db`` if one was given.

    Returns:
        An absolute path (the file need not exist yet).
    """
    if cli_value:
        return Path(cli_value).expanduser().resolve()
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    return default_db()
