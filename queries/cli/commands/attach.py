"""``complaints attach --marts PATH``: serve the derived tables a Spark build wrote (the
dashboard and ``kpi``/``scores``/``accountability`` read them, never rebuilding them from the
raw history)."""

from __future__ import annotations

import argparse
from pathlib import Path

from queries import output
from queries.cli import CliError
from queries.paths import resolve_db_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``attach`` sub-command."""
    p = sub.add_parser(
        "attach",
        help="serve the derived tables of `complaints spark build` (publishes --db)",
    )
    p.add_argument(
        "--marts",
        required=True,
        metavar="PATH",
        help="the --out folder of `complaints spark build` (local or mounted)",
    )
    output.add_format_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Publish the serving database and print the rows loaded per table."""
    from queries.config import rules, workcalendar
    from queries.errors import MartsOutOfDateError
    from queries.spark import lake

    path = resolve_db_path(args.db)
    marts = Path(args.marts).expanduser().resolve()
    try:
        rule_set = rules.load_rules()
        workcalendar.load_overrides()
        counts = lake.attach(marts, path, rule_set)
    except (rules.RulesError, workcalendar.CalendarError, MartsOutOfDateError) as exc:
        raise CliError(str(exc)) from None
    except (FileNotFoundError, FileExistsError) as exc:
        raise CliError(str(exc)) from None
    output.info(f"{path} now serves the Spark build {marts}")
    output.emit([{"table": t, "rows": n} for t, n in counts.items()], args.format)
    return 0
