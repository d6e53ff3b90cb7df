"""``complaints actions``: rectification actions (整改) — add, list, update, history, check."""

from __future__ import annotations

import argparse
import datetime as dt

from queries import output, store
from queries.cli import CliError
from queries.cli.commands.scores import add_as_of_argument, parse_as_of
from queries.config import rules
from queries.marts import actions
from queries.paths import resolve_db_path
from queries.reports import meeting


def _due(text: str) -> dt.date | int:
    """``--due``: a date YYYY-MM-DD or a number of working days."""
    if text.isdigit():
        return int(text)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a date YYYY-MM-DD nor a number of working days"
        ) from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "actions",
        help="rectification actions (整改): add, list, update, history, effectiveness check",
        description="Actions decided at the monthly review (or from a department or a "
        "complaint): owner, due date, evidence, verification. Changes are recorded with who "
        "(--user, default the operating-system user) and when.",
    )
    what = p.add_subparsers(dest="actions_command", metavar="ACTION", required=True)

    a = what.add_parser("add", help="create an action")
    a.add_argument("--title", required=True, help="what is to be done")
    a.add_argument("--owner", required=True)
    a.add_argument(
        "--due", type=_due, help="YYYY-MM-DD or N working days (default: rules [actions])"
    )
    a.add_argument("--department")
    a.add_argument("--category")
    a.add_argument("--complaint", action="append", default=[], help="complaint id (repeatable)")
    a.add_argument("--score-item", help="scoring item id (rules.toml)")
    a.add_argument("--metric", help="metric of the effectiveness check (default: received)")
    a.add_argument(
        "--meeting", help="meeting id that decided it (2026-01): recorded in the meeting too"
    )
    a.add_argument(
        "--slide", default="actions", help="agenda slide it was decided on (with --meeting)"
    )
    a.add_argument(
        "--source", choices=actions.SOURCES, default="manual", help="(meeting with --meeting)"
    )
    a.add_argument("--user", help="who records it (default: the operating-system user)")
    output.add_format_argument(a)
    a.set_defaults(func=add)

    ls = what.add_parser("list", help="actions with their state (overdue first)")
    ls.add_argument("--state", choices=actions.STATES)
    ls.add_argument("--department")
    ls.add_argument("--meeting", help="meeting id or month")
    ls.add_argument("--today", type=_date, help="day overdue is judged on (default: today)")
    output.add_format_argument(ls)
    ls.set_defaults(func=list_)

    u = what.add_parser("update", help="record progress: evidence, done, verified, reopen...")
    u.add_argument("action_id")
    u.add_argument("--status", choices=actions.STATUSES)
    u.add_argument("--evidence")
    u.add_argument("--owner")
    u.add_argument("--title")
    u.add_argument("--due", type=_date, help="new due date YYYY-MM-DD")
    u.add_argument("--result", choices=actions.RESULTS, help="verification result")
    u.add_argument("--note", help="verification note")
    u.add_argument("--user", help="who changes it (default: the operating-system user)")
    output.add_format_argument(u)
    u.set_defaults(func=update)

    h = what.add_parser("history", help="who changed what when")
    h.add_argument("action_id")
    output.add_format_argument(h)
    h.set_defaults(func=history)

    c = what.add_parser("check", help="effectiveness: the metric before vs after the due date")
    c.add_argument("action_id")
    add_as_of_argument(c)
    output.add_format_argument(c, default="json")
    c.set_defaults(func=check)


def add(args: argparse.Namespace) -> int:
    """Create an action and print its id."""
    try:
        settings = rules.load_rules().actions
        fields = dict(
            title=args.title,
            owner=args.owner,
            due=args.due,
            department=args.department,
            category=args.category,
            complaint_ids=args.complaint,
            score_item=args.score_item,
            metric=args.metric,
            user=args.user,
            default_due_working_days=settings.default_due_working_days,
        )
        db_path = resolve_db_path(args.db)
        if args.meeting:
            action_id = meeting.add_action(db_path, args.meeting, args.slide, **fields)
        else:
            action_id = actions.create(db_path, source=args.source, **fields)
    except (actions.ActionError, meeting.MeetingError, rules.RulesError) as exc:
        raise CliError(str(exc)) from None
    output.info(f"action {action_id} created")
    output.emit([{"action_id": action_id}], args.format)
    return 0


def list_(args: argparse.Namespace) -> int:
    """Print the actions."""
    conn = store.open_snapshot(resolve_db_path(args.db))
    try:
        df = actions.list_actions(conn, args.today, args.state, args.department, args.meeting)
    finally:
        conn.close()
    output.emit(df, args.format)
    return 0


def update(args: argparse.Namespace) -> int:
    """Change an action; prints what changed."""
    changes = {
        "status": args.status,
        "evidence": args.evidence,
        "owner": args.owner,
        "title": args.title,
        "due_date": args.due,
        "verification_result": args.result,
        "verification_note": args.note,
    }
    try:
        changed = actions.update(
            resolve_db_path(args.db), args.action_id, user=args.user, **changes
        )
    except actions.ActionError as exc:
        raise CliError(str(exc)) from None
    rows = [{"field": k, "old": old, "new": new} for k, (old, new) in changed.items()]
    output.info(f"action {args.action_id}: {len(rows)} field(s) changed")
    output.emit(rows, args.format)
    return 0


def history(args: argparse.Namespace) -> int:
    """Print an action's change history."""
    conn = store.open_snapshot(resolve_db_path(args.db))
    try:
        df = actions.history(conn, args.action_id)
    finally:
        conn.close()
    if df.empty:
        raise CliError(f"no action {args.action_id!r}")
    output.emit(df, args.format)
    return 0


def check(args: argparse.Namespace) -> int:
    """Print the effectiveness check of an action."""
    conn = store.open_snapshot(resolve_db_path(args.db))
    try:
        result = actions.effectiveness(conn, args.action_id, parse_as_of(args.as_of))
    except actions.ActionError as exc:
        raise CliError(str(exc)) from None
    finally:
        conn.close()
    output.emit(result, args.format)
    return 0
