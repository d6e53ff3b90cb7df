"""``complaints explain``: everything derived from one complaint (deadlines, outcomes,
timeline, the score items it feeds, its penalty records)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

import pandas as pd

from queries import store
from queries.cli import CliError
from queries.cli.commands.scores import (
    add_as_of_argument,
    parse_as_of,
    warn_uncovered_calendar,
)
from queries.marts import explain
from queries.output import add_format_argument, emit
from queries.paths import resolve_db_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="explain one complaint: deadlines, outcomes, timeline, score items, penalties",
    )
    p.add_argument("complaint_id", help="the complaint's id, exactly as stored")
    p.add_argument(
        "--show-personal-data",
        action="store_true",
        help="show the complainant's name and phone unmasked (for privacy officers only)",
    )
    add_as_of_argument(p)
    add_format_argument(p, default="json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    as_of = parse_as_of(args.as_of)
    with store.open_snapshot(resolve_db_path(args.db)) as conn:
        try:
            result = explain.explain(conn, args.complaint_id, as_of)
        except explain.UnknownComplaintError as exc:
            raise CliError(str(exc)) from exc
        warn_uncovered_calendar(conn)
    if not args.show_personal_data:
        result = explain.mask_personal(result)
    emit(result if args.format == "json" else _long(result), args.format)
    return 0


def _long(result: dict[str, Any]) -> pd.DataFrame:
    """Table/CSV form: one row per (section, item, key, value)."""
    rows: list[tuple[str, str, str, Any]] = [
        ("complaint", "", "complaint_id", result["complaint_id"]),
        ("complaint", "", "as_of", result["as_of"]),
    ]
    for section in ("rules_version", "fields", "facts"):
        rows += [(section, "", key, value) for key, value in result[section].items()]
    lists = (
        ("timeline", "event"),
        ("ladder", "stage"),
        ("score_items", "item"),
        ("penalties", "penalty_id"),
    )
    for section, name in lists:
        for entry in result[section]:
            rows += [(section, entry[name], k, v) for k, v in entry.items() if k != name]
    frame = pd.DataFrame(rows, columns=["section", "item", "key", "value"])
    frame["value"] = [
        "" if v is None else v.isoformat(sep=" ") if isinstance(v, dt.datetime) else str(v)
        for v in frame["value"]
    ]
    return frame
