"""Derived staging tables (domain brief §5): refreshed on every publication.

Owned by the KPI engine; ``refresh`` is called by ``db.write_transaction``.
"""

from __future__ import annotations

import duckdb


def refresh(conn: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the derived tables from the canonical ones (read-write connection)."""
    # Filled in by the KPI engine (issue 4).
    return None
