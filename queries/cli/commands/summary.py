"""``complaints summary``: the half-year / quarter / year summary per business unit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from queries import exports, output, store
from queries.cli import CliError
from queries.cli.commands.report import _write_atomic
from queries.cli.commands.scores import add_as_of_argument, parse_as_of, warn_uncovered_calendar
from queries.marts import summary
from queries.paths import resolve_db_path
from queries.periods import parse_period

FORMATS = ("csv", "xlsx", "pdf", "json", "table")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "summary",
        help="period summary per unit: opened, closed, upheld, closed quickly/in limit, "
        "compensation, per 10,000, repeats",
        description="The summary regulators and group headquarters ask for, per department or "
        "category, for a half year (2026H1), quarter (2026Q3), year (2026) or month "
        "(2026-03). Every figure equals `complaints kpi` over the same period; the "
        "definitions are printed with it (stderr for csv/json/table, a sheet or page for "
        "xlsx/pdf).",
    )
    p.add_argument("--period", required=True, help="2026H1 | 2026Q3 | 2026 | 2026-03")
    p.add_argument("--by", choices=summary.UNITS, help="one row per unit (plus the total)")
    add_as_of_argument(p)
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="xlsx/pdf labels")
    p.add_argument(
        "--output", help="file to write (xlsx/pdf default: summary-<period>[-<by>].<ext>)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute the summary and write it in the chosen format."""
    try:
        period = parse_period(args.period)
    except ValueError as exc:
        raise CliError(str(exc), code=2) from None
    conn = store.open_snapshot(resolve_db_path(args.db))
    try:
        df = summary.period_summary(conn, period, args.by, parse_as_of(args.as_of))
        warn_uncovered_calendar(conn)
    finally:
        conn.close()
    defs = summary.definitions(args.lang)
    label = args.period.strip().upper()
    if args.format in ("xlsx", "pdf"):
        name = f"summary-{label}{'-' + args.by if args.by else ''}.{args.format}"
        path = Path(args.output or name)
        if args.format == "xlsx":
            data = exports.to_xlsx_bytes({"summary": df, "definitions": defs})
        else:
            from queries.reports import summary_pdf

            title = f"投诉情况汇总 {label}" if args.lang == "zh" else f"Complaints summary {label}"
            subtitle = f"{period.start} – {period.end} (end exclusive)"
            data = summary_pdf.render(df, title, subtitle, args.lang)
        _write_atomic(path, data)
        output.info(f"summary written to {path}")
        return 0
    for _, d in defs.iterrows():
        output.info(f"{d['column']}: {d['definition']}")
    if args.format == "csv" and args.output:
        _write_atomic(Path(args.output), exports.to_csv_bytes(df))
        output.info(f"summary written to {args.output}")
    elif args.format == "csv":
        sys.stdout.buffer.write(exports.to_csv_bytes(df))
    else:
        output.emit(df, args.format)
    return 0
