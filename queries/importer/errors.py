"""Import errors."""

from __future__ import annotations


class ImportRefused(Exception):
    """A file the importer will not take at all (one-line reason for the user)."""
