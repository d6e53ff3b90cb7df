"""``complaints scores``: department scores for a month, quarter or year
(docs/definitions.md#scoring)."""

from __future__ import annotations

import argparse
import datetime as dt
import re

import duckdb
import pandas as pd

from queries import context, store
from queries.cli import CliError
from queries.config import workcalendar
from queries.marts import scoring
from queries.output import add_format_argument, emit, info
from queries.paths import resolve_db_path
from queries.periods import months_of

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_as_of(text: str | None) -> dt.datetime | None:
    """``--as-of`` as the ``kpi`` command reads it (ISO date-time; a bare date = 00:00 of it)."""
    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"--as-of {text!r} is not a timestamp YYYY-MM-DD HH:MM:SS") from None


def warn_uncovered_calendar(conn: duckdb.DuckDBPyConnection) -> None:
    """Say on stderr when data falls in years the holiday calendar does not cover."""
    missing = workcalendar.uncovered_years(conn)
    if missing:
        info(workcalendar.warning_text(missing))


def add_as_of_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--as-of`` (data cut-off; default: the latest timestamp in the data)."""
    parser.add_argument(
        "--as-of",
        metavar='"YYYY-MM-DD HH:MM:SS"',
        help="data cut-off: nothing after it exists (default: the latest timestamp in the data)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scores",
        help="department scores (base minus deductions) for a month, quarter or year",
        description="Department scores: each department starts at the rule version's "
        "base and loses points per scoring item; ranked, ties share a rank.",
    )
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--month", help="YYYY-MM")
    when.add_argument("--quarter", help="YYYY-Qn: mean of the monthly scores")
    when.add_argument("--year", type=int, help="YYYY: mean of the monthly scores")
    add_as_of_argument(p)
    add_format_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    as_of = parse_as_of(args.as_of)
    with store.open_snapshot(resolve_db_path(args.db)) as conn:
        ctx = context.open_context(conn)  # one context: rules, derived tables, as-of once
        try:
            if args.month:
                frame = scoring.department_scores(ctx, args.month, as_of)
                flat = [c for c in frame.columns if c.startswith("ded_")]
            else:
                if args.quarter:
                    m = _QUARTER.match(args.quarter)
                    if not m:
                        raise CliError(f"--quarter must look like 2025-Q3, got {args.quarter!r}")
                    year, quarter = int(m.group(1)), int(m.group(2))
                else:
                    year, quarter = args.year, None
                frame = scoring.score_rollup(ctx, year, quarter, as_of)
                flat = []
            months = [args.month] if args.month else months_of(year, quarter)
            warnings = scoring.rules_warnings(ctx, months)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        warn_uncovered_calendar(ctx.cur)
        for text in warnings:
            info(f"warning: {text}")
    if args.format == "json":
        emit(frame.drop(columns=flat), "json")
    else:
        emit(_flat(frame), args.format)
    return 0


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Table/CSV form: the deductions dict spread into ``ded_<item>`` columns, lists joined."""
    out = frame.copy()
    if "deductions" in out.columns:
        if not any(c.startswith("ded_") for c in out.columns):
            items = pd.DataFrame(list(out["deductions"]), index=out.index).add_prefix("ded_")
            out = pd.concat([out, items], axis=1)
        out = out.drop(columns=["deductions"])
    for col in ("months", "rules_versions", "unscored", "capped"):
        if col in out.columns:
            out[col] = [" ".join(v) for v in out[col]]
    return out
