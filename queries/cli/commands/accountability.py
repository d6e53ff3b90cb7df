"""``complaints accountability``: accountability and penalty metrics
(docs/definitions.md#accountability)."""

from __future__ import annotations

import argparse
import datetime as dt

from queries import store
from queries.cli import CliError
from queries.cli.commands.kpi import parse_filters
from queries.cli.commands.scores import add_as_of_argument, parse_as_of
from queries.marts import accountability, kpi
from queries.output import add_format_argument, emit
from queries.paths import resolve_db_path


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date like 2025-10-01, got {text!r}") from exc


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "accountability",
        help="accountability metrics of the complaints received in a period",
        description="Accountability for the complaints received in [--from, --to): "
        "coverage, penalties, fines, joint fines, on-time decisions, overdue, open appeals, "
        "repeats after a penalty.",
    )
    p.add_argument("--from", dest="start", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument(
        "--to", dest="end", type=_date, required=True, metavar="YYYY-MM-DD", help="exclusive"
    )
    p.add_argument("--by", choices=accountability.BY_DIMENSIONS, help="one row per value")
    p.add_argument(
        "--list",
        choices=accountability.LIST_KINDS,
        help="print the records behind the figures instead (complainants' personal data "
        "is never included)",
    )
    p.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="DIM=VALUE",
        help="filter on the complaints, as in `complaints kpi` (repeatable): "
        + ", ".join(kpi.FILTER_FIELDS),
    )
    add_as_of_argument(p)
    add_format_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.end <= args.start:
        raise CliError(f"--to {args.end} must be after --from {args.start} (--to is exclusive)")
    if args.by and args.list:
        raise CliError("--by and --list cannot be combined")
    period = kpi.Period(args.start, args.end)
    as_of = parse_as_of(args.as_of)
    filters = parse_filters(args.where)
    with store.open_snapshot(resolve_db_path(args.db)) as conn:
        if args.list:
            frame = accountability.accountability_list(conn, args.list, period, filters, as_of)
        else:
            frame = accountability.accountability(conn, period, filters, as_of, by=args.by)
    emit(frame, args.format)
    return 0
