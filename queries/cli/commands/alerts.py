"""``complaints alerts``: evaluate the alert rules and push what is new (``run``, for cron),
or show the delivery log (``log``)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from queries import output, store
from queries.cli import CliError
from queries.cli.commands.scores import add_as_of_argument, parse_as_of
from queries.paths import resolve_db_path
from queries.reports import alerts


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "alerts",
        help="push alerts (major/group complaints, time limits, overdue actions, red KPIs)",
        description="Evaluate the [alerts] rules of the rule file on the published database and "
        "send every alert not sent before to the channels of the channel file "
        f"(${alerts.CONFIG_ENV_VAR}, else {alerts.CONFIG_NAME} next to the database). "
        "Imports and rebuilds run this too when the channel file exists.",
    )
    what = p.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    r = what.add_parser("run", help="evaluate and send (each alert once per channel)")
    add_as_of_argument(r)
    r.add_argument("--today", metavar="YYYY-MM-DD", help="day actions are judged overdue on")
    r.add_argument("--config", help="channel file (default: see above)")
    r.add_argument("--dry-run", action="store_true", help="list what would be sent; send nothing")
    output.add_format_argument(r)
    r.set_defaults(func=run)
    log = what.add_parser("log", help="the newest deliveries (masked texts as sent)")
    log.add_argument("--limit", type=int, default=50)
    output.add_format_argument(log)
    log.set_defaults(func=show_log)


def _today(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--today {text!r} is not a date YYYY-MM-DD", code=2) from None


def _report(result: alerts.RunResult) -> None:
    output.info(
        f"alerts: {result.raised} raised, {len(result.sent)} sent, "
        f"{result.skipped} sent before, {len(result.failed)} failed "
        f"({result.channels} channels)"
    )
    for key, channel, error in result.failed:
        output.info(f"alerts: {key} → {channel}: {error}")


def run(args: argparse.Namespace) -> int:
    """Evaluate and send; exit 1 when a delivery failed (it is retried by the next run)."""
    db_path = resolve_db_path(args.db)
    try:
        path = Path(args.config) if args.config else alerts.config_path(db_path)
        config = alerts.load_config(path)
    except alerts.AlertConfigError as exc:
        raise CliError(str(exc)) from None
    result = alerts.run(
        db_path, config, parse_as_of(args.as_of), _today(args.today), dry_run=args.dry_run
    )
    _report(result)
    rows = [{"alert_key": k, "channel": c, "outcome": "sent"} for k, c in result.sent]
    rows += [{"alert_key": k, "channel": c, "outcome": f"failed: {e}"} for k, c, e in result.failed]
    output.emit(rows, args.format)
    return 1 if result.failed else 0


def show_log(args: argparse.Namespace) -> int:
    """Print the newest deliveries."""
    conn = store.open_snapshot(resolve_db_path(args.db))
    try:
        df = alerts.alert_log(conn, args.limit)
    finally:
        conn.close()
    output.emit(df, args.format)
    return 0


def after_publication(db_path: Path) -> None:
    """Run the alerts after an import or rebuild when a channel file exists; a problem is
    reported on stderr and never fails the publication that already happened."""
    try:
        result = alerts.run_if_configured(db_path)
    except alerts.AlertConfigError as exc:
        output.info(f"alerts not sent: {exc}")
        return
    if result is not None:
        _report(result)
