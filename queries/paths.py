"""Where the project's files live, and which database a command uses."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERIES_DIR = ROOT / "queries"
MIGRATIONS_DIR = QUERIES_DIR / "migrations"
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "complaints.duckdb"
DB_ENV_VAR = "COMPLAINTS_DB"


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
    return DEFAULT_DB
