"""Importing complaint-system exports (CSV/TSV/TXT, XLSX/XLS) into the database.

``preview`` → look at a file and the proposed column mapping; ``save_mapping`` → keep a
mapping under ``data/mappings``; ``import_files`` → import, each file one publication in a
worker process with bounded memory and time (``Limits``); ``import_file`` is one file in the
calling process (the worker's body).
"""

from __future__ import annotations

from queries.importer.errors import ImportRefused
from queries.importer.headers import Mapping, load_mapping, save_mapping
from queries.importer.pipeline import ImportResult, Preview, import_file
from queries.importer.worker import import_files, preview
from queries.limits import Limits

__all__ = [
    "ImportRefused",
    "ImportResult",
    "Limits",
    "Mapping",
    "Preview",
    "import_file",
    "import_files",
    "load_mapping",
    "preview",
    "save_mapping",
]
