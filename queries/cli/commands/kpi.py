"""``complaints kpi``: the KPIs of a period (docs/definitions.md#metrics), optionally grouped
and filtered."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from queries import output
from queries import store as db
from queries.cli import CliError
from queries.config import vocab, workcalendar
from queries.marts import kpi
from queries.paths import resolve_db_path

_CODED = {"severity", "channel"}  # filter values given as words are mapped to codes


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "kpi",
        help="KPIs of a period (cohort by received_at), optionally grouped and filtered",
        description=(
            "Print the KPIs of complaints received in [--from, --to). Rows: one, or one per "
            "group with the --by column first; columns: the metric names (defined in "
            "docs/definitions.md#metrics) plus their numerators/denominators n_*."
        ),
    )
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD", help="exclusive")
    p.add_argument(
        "--as-of",
        metavar='"YYYY-MM-DD HH:MM:SS"',
        help="data cut-off (default: latest timestamp in the data)",
    )
    p.add_argument("--by", metavar="DIM", help="group by: " + ", ".join(kpi.DIMENSIONS))
    p.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="DIM=VALUE",
        help="filter (repeatable; several values of one DIM are alternatives): "
        + ", ".join(kpi.FILTER_FIELDS),
    )
    output.add_format_argument(p, default="json")
    p.set_defaults(func=run)


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option} {text!r} is not a date YYYY-MM-DD") from None


def _timestamp(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--as-of {text!r} is not a timestamp YYYY-MM-DD HH:MM:SS") from None


def parse_filters(items: list[str]) -> kpi.Filters:
    """``DIM=VALUE`` items → ``Filters`` (severity/channel words mapped to their codes)."""
    values: dict[str, list[str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in kpi.FILTER_FIELDS or not value.strip():
            raise CliError(
                f"--where {item!r}: expected DIM=VALUE with DIM one of "
                + ", ".join(kpi.FILTER_FIELDS)
            )
        value = value.strip()
        if name in _CODED:
            value = vocab.lookup(name).get(vocab.normalize_word(value), value)
        values.setdefault(name, []).append(value)
    fields: dict[str, Any] = {k: tuple(v) for k, v in values.items()}
    return kpi.Filters(**fields)


def run(args: argparse.Namespace) -> int:
    start = _date(args.date_from, "--from")
    end = _date(args.date_to, "--to")
    if end <= start:
        raise CliError(f"--to {end} must be after --from {start} (--to is exclusive)")
    as_of = _timestamp(args.as_of) if args.as_of else None
    if args.by is not None and args.by not in kpi.DIMENSIONS:
        raise CliError(f"--by {args.by!r}: use one of {', '.join(kpi.DIMENSIONS)}")
    filters = parse_filters(args.where)
    conn = db.open_snapshot(resolve_db_path(args.db))
    try:
        df = kpi.kpis(conn, kpi.Period(start, end), filters, as_of=as_of, by=args.by)
        missing = workcalendar.uncovered_years(conn)
    finally:
        conn.close()
    if missing:
        output.info(workcalendar.warning_text(missing))
    output.emit(df, args.format)
    return 0
