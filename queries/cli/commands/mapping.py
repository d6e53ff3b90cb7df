"""``complaints mapping suggest FILE``: propose a mapping file from a file's header and a
sample of its rows (README, section import)."""

from __future__ import annotations

import argparse
from pathlib import Path

from queries import output
from queries.cli import CliError
from queries.config.schema import TEMPLATES
from queries.importer.errors import ImportRefused
from queries.importer.suggest import suggest


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``mapping`` command with its ``suggest`` sub-command."""
    p = sub.add_parser("mapping", help="column mappings: propose one from a file")
    msub = p.add_subparsers(dest="mapping_command", metavar="SUBCOMMAND", required=True)
    s = msub.add_parser(
        "suggest",
        help="read a file's header and a sample and propose a complete mapping file",
    )
    s.add_argument("file", metavar="FILE")
    s.add_argument("--kind", choices=list(TEMPLATES), help="template (default: from headers)")
    s.add_argument("--sheet", help="worksheet of an Excel file (default: the first)")
    s.add_argument("--encoding", help="text encoding (default: BOM, else UTF-8, else GB18030)")
    s.add_argument("-o", "--output", metavar="PATH", help="write the mapping file here")
    s.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table: the mapping file (stdout unless -o) and a summary on stderr; json: one"
        " document with the proposal, its evidence and the mapping text",
    )
    s.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Propose the mapping; exit 0 even when lines are left to choose (they are listed)."""
    try:
        sugg = suggest(args.file, kind=args.kind, sheet=args.sheet, encoding=args.encoding)
    except ImportRefused as exc:
        raise CliError(f"{args.file}: {exc}") from None
    text = sugg.to_toml()
    if args.output:
        out = Path(args.output)
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror}") from None
    if args.format == "json":
        output.emit(sugg.to_dict(), "json")
    else:
        if not args.output:
            print(text, end="")
        rows = [
            {
                "column": c.position,
                "header": c.header,
                "maps_to": ", ".join(c.targets) or "-",
                "evidence": c.evidence,
                "nulls": " ".join(c.nulls),
            }
            for c in sugg.columns
        ]
        output.info(f"{sugg.file}: kind {sugg.kind}, {sugg.sample_rows} sample rows")
        if args.output:
            output.emit(rows, "table")
            output.info(f"mapping written to {args.output}")
    for line in sugg.must_choose:
        output.info(f"you must choose: {line}")
    for line in sugg.undecided:
        output.info(f"check: {line}")
    if args.output:
        hint = f"complaints import {args.file} --mapping {args.output}"
        output.info(f"next: edit the lines marked 'YOU MUST CHOOSE' (if any), then: {hint}")
    return 0
