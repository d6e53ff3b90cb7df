"""The ``complaints`` command.

Every sub-command lives in ``queries/cli/commands/<name>.py`` with ``register(subparsers)``
that adds its parser and sets ``func``. Commands that print data accept
``--format json|csv|table``: with ``json`` stdout carries only the JSON document, messages
go to stderr. Exit codes: 0 success, 1 a failure with a one-line reason on stderr,
2 a usage error, 3 the database is busy (another writer), 4 no database yet, 5 an import
not published because of its rejects (all rows rejected, or more than --max-reject-rate).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

import duckdb

from queries.errors import DatabaseBusyError, DatabaseMissingError, MartsOutOfDateError
from queries.output import one_line, terminal_safe

# Order = order in --help.
COMMANDS = (
    "demo",
    "info",
    "serve",
    "import_",
    "mapping",
    "kpi",
    "scores",
    "accountability",
    "explain",
    "report",
    "rebuild",
    "actions",
    "alerts",
    "summary",
    "audit",
    "export",
    "spark",
    "attach",
)


class CliError(Exception):
    """A failure to report as one line on stderr with exit code 1 (or ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _chosen(argv: Sequence[str]) -> str | None:
    """The command module named on the command line (before parsing), if any."""
    rest = list(argv)
    while rest:
        token = rest.pop(0)
        if token == "--db":
            rest = rest[1:]
        elif not token.startswith("-"):
            return next((m for m in COMMANDS if m.rstrip("_") == token), None)
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered, or only the module ``only``:
    a command imports just what it needs (the others' libraries, e.g. the PDF renderer,
    stay unloaded)."""
    parser = argparse.ArgumentParser(
        prog="complaints",
        description="Complaint-handling KPI dashboard: demo data, import, KPIs, scores, reports.",
    )
    parser.add_argument(
        "--db",
        help="database file (default: $COMPLAINTS_DB, else data/complaints.duckdb)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"queries.cli.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``complaints`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_chosen(argv))
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except CliError as exc:
        print(terminal_safe(f"complaints {args.command}: {exc}"), file=sys.stderr)
        return exc.code
    except DatabaseBusyError as exc:
        print(terminal_safe(f"complaints {args.command}: {exc}"), file=sys.stderr)
        return 3
    except MartsOutOfDateError as exc:  # a reader of Spark-built tables under other rules
        print(terminal_safe(f"complaints {args.command}: {exc}"), file=sys.stderr)
        return 1
    except DatabaseMissingError as exc:
        print(terminal_safe(f"complaints {args.command}: {exc}"), file=sys.stderr)
        return 4
    except (duckdb.Error, OSError) as exc:  # damaged database, disk full, read-only folder
        print(f"complaints {args.command}: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"complaints {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
