"""``complaints info``: what the database holds (read-only)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from queries import context, output, store
from queries.paths import resolve_db_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``info`` sub-command."""
    p = sub.add_parser(
        "info",
        help="database path, schema version, row counts, date range, as-of, last import",
    )
    output.add_format_argument(p)
    p.set_defaults(func=run)


def database_info(path: Any) -> dict[str, Any]:
    """Describe the database at ``path`` from one read-only snapshot.

    Raises:
        store.DatabaseMissingError: no database file.
    """
    conn = store.open_snapshot(path)
    try:
        facts = store.run_query(conn, "db_info").iloc[0]
        cur = conn.cursor()  # table_counts leaves results open: keep them off ``conn``
        cur.execute(f"use {store.CATALOG}")
        counts = store.table_counts(cur)
        cur.close()
        last = store.run_query(conn, "recent_imports", {"limit": 1})
        meta = dict(conn.execute("select key, value from meta order by key").fetchall())
        as_of = context.of(conn).data_as_of if counts["complaints"] else None
    finally:
        conn.close()
    last_import = None
    if not last.empty:
        row = output.records(last)[0]
        last_import = {
            k: row[k]
            for k in ("file_name", "kind", "finished_at", "outcome", "imported", "rejected")
        }
    demo = None
    if "demo_seed" in meta:
        demo = {k.removeprefix("demo_"): v for k, v in meta.items() if k.startswith("demo_")}
    return output._plain(
        {
            "database": str(path),
            "resources": {
                "writer": asdict(store.writer_resources(Path(f"{path}.staging-<pid>.tmp"))),
                "reader": asdict(store.reader_resources()),
                "compact_free_percent": round(store.compact_free_share() * 100, 2),
            },
            "schema_version": facts["schema_version"],
            "tables": counts,
            "received_from": facts["received_from"],
            "received_to": facts["received_to"],
            "as_of": as_of,
            "months_covered": facts["months_covered"],
            "departments": facts["departments"],
            "departments_with_complaints": facts["departments_with_complaints"],
            "last_import": last_import,
            "demo": demo,
        }
    )


def _rows(info: dict[str, Any]) -> list[dict[str, Any]]:
    """The nested info flattened to ``item``/``value`` rows for csv and table output."""
    rows: list[dict[str, Any]] = []
    for key, value in info.items():
        if isinstance(value, dict):
            rows.extend({"item": f"{key}.{k}", "value": v} for k, v in value.items())
        else:
            rows.append({"item": key, "value": "" if value is None else value})
    return rows


def run(args: argparse.Namespace) -> int:
    """Print the database description."""
    info = database_info(resolve_db_path(args.db))
    if args.format == "json":
        output.emit(info, "json")
    else:
        output.emit(_rows(info), args.format)
    return 0
