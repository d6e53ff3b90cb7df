"""The pages' filter lists and data coverage, stored at publication.

Every page's sidebar and period picker read the department list, the category and region
values and the complaints per month (``queries/marts/ui/*.sql``). Each is a scan of the
whole ``complaints`` table (≈ 1 s at 10M complaints), so every publication stores their
result (``mart_ui_*``) and a page reads a few hundred rows. A viewer scoped to some
departments runs the query on the scoped tables instead (the stored lists are the
company's), as does a database published before the lists existed.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from queries import store

#: query (``queries/marts/<name>.sql``) -> (stored table, the query's row order)
LISTS: dict[str, tuple[str, str]] = {
    "ui/departments": ("mart_ui_departments", "department_id"),
    "ui/filter_values": ("mart_ui_filter_values", "dimension, n desc, value"),
    "ui/data_months": ("mart_ui_data_months", "month"),
}


def refresh(conn: duckdb.DuckDBPyConnection) -> None:
    """Store every list from the canonical tables (read-write connection)."""
    for name, (table, _order) in LISTS.items():
        conn.execute(f"create or replace table {table} as {store.sql_file(name)}")


def read(cur: duckdb.DuckDBPyConnection, name: str, scoped: bool) -> pd.DataFrame:
    """The rows of the page query ``name``: the stored ones for a list of ``LISTS``, else
    (another query, a ``scoped`` viewer, a database without them) the query itself."""
    if name in LISTS and not scoped:
        table, order = LISTS[name]
        try:
            return cur.execute(f"select * from {table} order by {order}").df()
        except duckdb.CatalogException:
            pass
    return store.run_query(cur, name)
