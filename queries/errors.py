"""Errors every layer may raise and the CLI maps to exit codes (kept free of heavy imports,
so the CLI can name them without loading the database engine)."""

from __future__ import annotations


class DatabaseBusyError(RuntimeError):
    """Another writer holds the database lock (CLI exit code 3)."""


class DatabaseMissingError(FileNotFoundError):
    """The database file does not exist yet (CLI exit code 4)."""


class MartsOutOfDateError(RuntimeError):
    """The database serves derived tables built on Spark (``complaints attach --marts``)
    with other rules or calendar than the current ones: rebuild them on Spark."""


class ImportRefused(Exception):
    """A file the importer will not take at all (one-line reason for the user); also a bad
    import limit in the environment (``queries.limits``)."""
