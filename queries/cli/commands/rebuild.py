"""``complaints rebuild``: republish the derived tables (after changing the rules or the
calendar overrides)."""

from __future__ import annotations

import argparse

from queries import output, staging, store
from queries.cli import CliError
from queries.cli.commands.alerts import after_publication
from queries.config import rules, workcalendar
from queries.paths import resolve_db_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rebuild",
        help="recompute deadlines, repeats, group incidents... with the current rule file",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = resolve_db_path(args.db)
    if not path.exists():
        raise store.DatabaseMissingError(
            f"{path}: no database yet (run `complaints demo` or import)"
        )
    try:
        rule_set = rules.load_rules()
        workcalendar.load_overrides()
    except (rules.RulesError, workcalendar.CalendarError) as exc:
        raise CliError(str(exc)) from None
    with store.write_transaction(path, derive=staging.refresh) as conn:
        before = staging.published_fingerprint(conn)
    after = staging.current_fingerprint(rule_set)
    versions = ", ".join(v.id for v in rule_set.versions)
    output.info(
        f"rebuilt derived tables of {path} with rules {versions} "
        f"(fingerprint {before or 'none'} -> {after})"
    )
    after_publication(path)
    return 0
