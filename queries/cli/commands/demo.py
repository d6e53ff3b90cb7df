"""``complaints demo``: build the demo company's database and its export files."""

from __future__ import annotations

import argparse

from queries import demo, output, paths, store
from queries.cli import CliError
from queries.paths import resolve_db_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` sub-command."""
    p = sub.add_parser(
        "demo",
        help="build the demo database (华信电器, seeded and deterministic) and export files",
    )
    p.add_argument("--rows", type=int, default=demo.DEFAULT_ROWS, help="number of complaints")
    p.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="random seed")
    p.add_argument("--months", type=int, default=demo.DEFAULT_MONTHS, help="months of data")
    p.add_argument(
        "--end-month",
        help="last month of data, YYYY-MM (default: the last complete month before today)",
    )
    p.add_argument(
        "--export-dir", help="where the template files go (default: <db folder>/demo_exports)"
    )
    p.add_argument("--no-exports", action="store_true", help="do not write export files")
    output.add_format_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the demo into its own file (``--db``, default ``data/demo.duckdb``, never the
    working database) and print its summary."""
    path = resolve_db_path(args.db) if args.db else paths.demo_db()
    if path.exists() and not store.is_demo(path):
        raise CliError(
            f"{path} holds real data, not the demo; the demo goes to its own file"
            f" (default {paths.demo_db()})"
        )
    try:
        end_month = demo.parse_end_month(args.end_month) if args.end_month else None
        summary = demo.build_demo(
            path,
            rows=args.rows,
            seed=args.seed,
            months=args.months,
            end_month=end_month,
            export_dir=args.export_dir,
            exports=not args.no_exports,
            progress=output.info,
        )
    except ValueError as exc:
        raise CliError(str(exc), code=2) from None
    output.info(f"demo database ready: {path} ({summary.complaints:,} complaints)")
    data = summary.to_dict()
    if args.format == "json":
        output.emit(data, "json")
    else:
        rows = [{"item": k, "value": v} for k, v in data.items() if k != "export_files"]
        rows += [{"item": "export_file", "value": f} for f in summary.export_files]
        output.emit(rows, args.format)
    return 0
