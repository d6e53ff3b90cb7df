"""``complaints report``: the monthly meeting handout as PowerPoint, PDF or Excel.

Renders a stored meeting (``--meeting ID``) or computes the month's pack from the current
database (``--month YYYY-MM`` or ``--month last``); ``--save`` also stores that pack as a new
meeting for the meeting page. Fit for cron: nothing interactive, exit 0 on success, else a
non-zero code and one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from queries import audit, reports, store
from queries.cli import CliError
from queries.cli.commands.scores import add_as_of_argument, parse_as_of
from queries.output import info
from queries.paths import resolve_db_path
from queries.reports import meeting
from queries.reports.pdf_report import FontMissingError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    p = sub.add_parser(
        "report",
        help="monthly meeting handout as pptx, pdf or xlsx",
        description="Write the monthly review meeting handout (same agenda and numbers as the "
        "meeting page).",
    )
    p.add_argument("--month", help="YYYY-MM, or 'last' for the month before today")
    p.add_argument("--format", choices=reports.FORMATS, required=True, help="file format")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default zh)")
    add_as_of_argument(p)
    p.add_argument("--meeting", help="render this stored meeting (e.g. 2025-10 or 2025-10-v2)")
    p.add_argument(
        "--save", action="store_true", help="also store the computed pack as a new meeting"
    )
    p.add_argument("-o", "--output", required=True, help="output file")
    p.set_defaults(func=run)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp creates 0600; a handout gets the usual permissions (0666 less the umask)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    """Build the pack (or load the meeting), render it and write ``-o``."""
    db_path = resolve_db_path(args.db)
    try:
        if args.meeting:
            if args.as_of or args.save:
                raise CliError("--meeting renders a stored meeting: drop --as-of/--save", code=2)
            pack = meeting.load(db_path, args.meeting)
            if args.month and meeting.resolve_month(args.month) != pack["month"]:
                raise CliError(
                    f"meeting {args.meeting} is for {pack['month']}, not {args.month}", code=2
                )
        else:
            if not args.month:
                raise CliError("give --month YYYY-MM (or last) or --meeting ID", code=2)
            month = meeting.resolve_month(args.month)
            as_of = parse_as_of(args.as_of)
            if args.save:
                pack = meeting.prepare(db_path, month, as_of)
                info(f"stored meeting {pack['meeting_id']}")
            else:
                conn = store.open_snapshot(db_path)
                try:
                    pack = meeting.build_pack(conn, month, as_of)
                finally:
                    conn.close()
        data = reports.render(pack, args.format, args.lang)
    except meeting.MeetingError as exc:
        raise CliError(str(exc)) from None
    except FontMissingError as exc:
        raise CliError(str(exc)) from None
    out = Path(args.output)
    try:
        _write_atomic(out, data)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    audit.record(
        db_path,
        "export",
        scope=(pack.get("scope") or {}).get("en"),
        detail={"file": str(out), "format": args.format, "meeting": pack["meeting_id"]},
    )
    info(
        f"wrote {out} ({args.format}, {len(data):,} bytes, "
        f"month {pack['month']}, as of {pack['as_of']})"
    )
    return 0
