"""Import resource limits (README, section "Import limits"), read from the environment.

Kept outside the importer package so readers (``context.data_as_of`` uses
``future_hours``) do not load the file readers and parsers.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from typing import Any

from queries.errors import ImportRefused


@dataclass(frozen=True)
class Limits:
    """Resource limits of one import (README, section "Import limits"); each is read from
    its ``COMPLAINTS_IMPORT_*`` environment variable, else the default below."""

    memory_mb: int = 4096  # memory cap (RLIMIT_DATA) of the import worker process
    seconds: float = 900.0  # time budget of one file (the worker is killed after it)
    max_rows: int = 1_048_576  # highest row number a worksheet may use (Excel's own limit)
    max_columns: int = 1_024  # highest column number a worksheet may use
    max_cells: int = 20_000_000  # rows x columns of a worksheet's used area
    max_uncompressed_mb: int = 1_024  # total uncompressed size of a workbook's parts
    max_ratio: int = 200  # uncompressed/compressed size of any part above 1 MiB
    future_hours: float = 24.0  # a receipt time may be this far after the import time
    earliest_year: int = 2000  # a receipt time before 1 January of this year is rejected

    @classmethod
    def from_env(cls) -> Limits:
        """The limits with every ``COMPLAINTS_IMPORT_*`` variable applied.

        Raises:
            ImportRefused: a variable is set to something that is not a positive number.
        """
        values: dict[str, Any] = {}
        for name, var in LIMIT_ENV.items():
            text = os.environ.get(var, "").strip()
            if not text:
                continue
            kind = float if name in ("seconds", "future_hours") else int
            try:
                value = kind(text)
            except ValueError:
                value = 0
            if value <= 0:
                raise ImportRefused(f"{var}={text!r}: expected a positive number")
            values[name] = value
        return cls(**values)


LIMIT_ENV = {
    "memory_mb": "COMPLAINTS_IMPORT_MEMORY_MB",
    "seconds": "COMPLAINTS_IMPORT_SECONDS",
    "max_rows": "COMPLAINTS_IMPORT_MAX_ROWS",
    "max_columns": "COMPLAINTS_IMPORT_MAX_COLUMNS",
    "max_cells": "COMPLAINTS_IMPORT_MAX_CELLS",
    "max_uncompressed_mb": "COMPLAINTS_IMPORT_MAX_UNCOMPRESSED_MB",
    "max_ratio": "COMPLAINTS_IMPORT_MAX_RATIO",
    "future_hours": "COMPLAINTS_IMPORT_FUTURE_HOURS",
    "earliest_year": "COMPLAINTS_IMPORT_EARLIEST_YEAR",
}


#: The soft RLIMIT_DATA of this process before ``cap_process_memory`` (empty: not capped).
_UNCAPPED: list[int] = []


def cap_process_memory(memory_mb: int) -> None:
    """Cap this process's data segment (``RLIMIT_DATA``: heap and private anonymous
    mappings) at ``memory_mb``: the import worker's guard while it reads an untrusted file
    (a reader building a huge sheet fails with a memory error instead of exhausting the
    server). The hard limit is left as it is, so ``lift_process_memory_cap`` can undo it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    _UNCAPPED.append(soft)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def lift_process_memory_cap() -> None:
    """Give the process back the data limit it had before ``cap_process_memory`` (nothing
    when not capped): the publication after the file was read runs a DuckDB writer bounded
    by its own ``memory_limit`` (``$COMPLAINTS_WRITER_MEMORY``, spilling to disk), which at
    10M complaints needs more than the reader's cap."""
    if _UNCAPPED:
        soft = _UNCAPPED.pop(0)
        _UNCAPPED.clear()
        resource.setrlimit(
            resource.RLIMIT_DATA, (soft, resource.getrlimit(resource.RLIMIT_DATA)[1])
        )
