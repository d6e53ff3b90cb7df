"""``complaints export --parquet DIR``: the database's canonical tables as Parquet files
(the input of ``complaints spark build``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from queries import output
from queries.paths import resolve_db_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` sub-command."""
    p = sub.add_parser(
        "export",
        help="write the database's canonical tables as Parquet files (for a data lake / Spark)",
    )
    p.add_argument(
        "--parquet",
        required=True,
        metavar="DIR",
        help="folder for <table>.parquet, one file per canonical table",
    )
    output.add_format_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export and print the rows written per table."""
    from queries.spark import lake

    path = resolve_db_path(args.db)
    out = Path(args.parquet).expanduser().resolve()
    counts = lake.export_parquet(path, out)
    output.info(f"exported {len(counts)} tables of {path} to {out}")
    output.emit([{"table": t, "rows": n} for t, n in counts.items()], args.format)
    return 0
