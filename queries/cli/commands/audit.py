"""``complaints audit``: the audit trail (sign-ins, imports, exports, unmasked views, rule
changes, meeting freezes, note and action changes), newest first."""

from __future__ import annotations

import argparse
import datetime as dt

from queries import audit, output, store
from queries.cli import CliError
from queries.paths import resolve_db_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="the audit trail: who did what, when, with what outcome",
        description=(
            "Print the audit trail newest first: the rows published in the database plus "
            "those still pending in the side file <db>.audit.sqlite. Columns: audit_id, "
            "occurred_at, who, action, outcome, scope, rows, detail."
        ),
    )
    p.add_argument("--since", metavar="YYYY-MM-DD[ HH:MM:SS]", help="only rows from then on")
    p.add_argument("--who", metavar="IDENTITY", help="only rows of this user")
    p.add_argument("--action", choices=audit.ACTIONS, help="only rows of this action")
    output.add_format_argument(p, default="table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    since = None
    if args.since:
        try:
            since = dt.datetime.fromisoformat(args.since)
        except ValueError:
            raise CliError(f"--since {args.since!r} is not a date YYYY-MM-DD[ HH:MM:SS]") from None
    path = resolve_db_path(args.db)
    conn = store.open_snapshot(path)
    try:
        frame = audit.read(path, conn, since=since, who=args.who)
    finally:
        conn.close()
    if args.action:
        frame = frame[frame["action"] == args.action].reset_index(drop=True)
    output.emit(frame, args.format)
    return 0
