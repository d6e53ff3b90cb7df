"""``complaints import FILE...``: import complaint-system exports (README, section import)."""

from __future__ import annotations

import argparse

from queries import output
from queries.cli import CliError
from queries.cli.commands.alerts import after_publication
from queries.config.schema import TEMPLATES
from queries.importer import import_files
from queries.importer.errors import ImportRefused
from queries.importer.pipeline import DEFAULT_MAX_REJECT_RATE
from queries.paths import resolve_db_path

# Exit code when a file was not published because of its rejects (nothing imported while
# rows were rejected, or more than --max-reject-rate rejected).
EXIT_REJECTED = 5

SUMMARY_COLUMNS = (
    "file",
    "kind",
    "source_rows",
    "imported",
    "updated",
    "unchanged",
    "superseded",
    "rejected",
    "warnings",
    "outcome",
    "already_imported",
    "reject_report",
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``import`` sub-command."""
    p = sub.add_parser(
        "import",
        help="import CSV/TSV/TXT/XLSX/XLS exports (complaints, penalties, departments, volumes)",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--kind", choices=list(TEMPLATES), help="template (default: from headers)")
    p.add_argument("--mapping", help="saved mapping: a name in data/mappings or a .toml path")
    p.add_argument("--sheet", help="worksheet of an Excel file (default: the first)")
    p.add_argument("--encoding", help="text encoding (default: BOM, else UTF-8, else GB18030)")
    order = p.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst",
        dest="date_order",
        action="store_const",
        const="dayfirst",
        help="read 03/04/2025 as 3 April",
    )
    order.add_argument(
        "--monthfirst",
        dest="date_order",
        action="store_const",
        const="monthfirst",
        help="read 03/04/2025 as 4 March",
    )
    p.add_argument("--user", help="user name for the import log (default: the OS user)")
    p.add_argument(
        "--into-demo",
        action="store_true",
        help="allow importing into the demo database (refused without it)",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for another writer before giving up (exit 3)",
    )
    p.add_argument(
        "--max-reject-rate",
        type=float,
        default=DEFAULT_MAX_REJECT_RATE,
        metavar="R",
        help=f"refuse to publish a file rejecting more than this share of its rows"
        f" (default {DEFAULT_MAX_REJECT_RATE}; exit {EXIT_REJECTED})",
    )
    output.add_format_argument(p, default="table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Import every file; exit 1 when any file was refused or failed (one line each), 5 when
    a file was not published because of its rejects (and none failed otherwise)."""
    if args.format == "csv":
        raise CliError("--format csv is not available for import; use json or table", code=2)
    if not 0 <= args.max_reject_rate <= 1:
        raise CliError("--max-reject-rate must be between 0 and 1", code=2)
    db_path = resolve_db_path(args.db)

    def progress(fraction: float, name: str) -> None:
        if name:
            output.info(f"importing {name} ...")

    try:
        results = import_files(
            db_path,
            args.files,
            kind=args.kind,
            mapping=args.mapping,
            sheet=args.sheet,
            encoding=args.encoding,
            date_order=args.date_order,
            user=args.user,
            into_demo=args.into_demo,
            progress=progress,
            wait_seconds=args.wait,
            max_reject_rate=args.max_reject_rate,
        )
    except ImportRefused as exc:  # a bad --mapping refuses every file
        raise CliError(str(exc)) from None
    docs = [r.to_dict() for r in results]
    if args.format == "json":
        output.emit(docs[0] if len(docs) == 1 else docs, "json")
    else:
        output.emit([{k: d[k] for k in SUMMARY_COLUMNS} for d in docs], "table")
    if any(r.outcome == "ok" and r.published for r in results):
        after_publication(db_path)
    failed = on_rejects = 0
    for r in results:
        if r.already_imported:
            output.info(f"{r.file}: this exact file (sha256 {r.sha256[:12]}…) was imported before")
        if r.extra_columns and r.outcome == "ok":
            output.info(f"{r.file}: extra columns ignored: {', '.join(r.extra_columns)}")
        if r.latest_rejected_ids:
            output.info(
                f"{r.file}: {r.latest_rejected_ids} ids rejected as a whole: their latest row"
                " was rejected"
            )
        if r.top_reject_reasons and args.format != "json":
            output.info(f"{r.file}: top reject reasons:")
            for t in r.top_reject_reasons:
                example = f" (e.g. {t['example']!r})" if t["example"] else ""
                output.info(f"  {t['count']:>7}  {t['field']}: {t['reason']}{example}")
        if r.outcome != "ok":
            if r.failed_on_rejects:
                on_rejects += 1
            else:
                failed += 1
            output.info(f"complaints import: {r.file}: {r.outcome}: {r.message}")
    if failed:
        return 1
    return EXIT_REJECTED if on_rejects else 0
