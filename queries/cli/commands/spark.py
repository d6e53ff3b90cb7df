"""``complaints spark build``: the derived tables built on Apache Spark from canonical
tables in Parquet or a catalog, written as Parquet partitioned by month (also runs under
``spark-submit``: without ``--master`` the session keeps spark-submit's master)."""

from __future__ import annotations

import argparse
from pathlib import Path

from queries import output
from queries.cli import CliError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``spark`` sub-command and its ``build`` action."""
    p = sub.add_parser(
        "spark",
        help="build the derived tables on Apache Spark from a data lake (needs the spark extra)",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    b = actions.add_parser(
        "build",
        help="read canonical tables, write the derived tables as Parquet (by month)",
    )
    b.add_argument(
        "--source",
        required=True,
        metavar="PATH|DATABASE",
        help="folder (or hdfs://, s3a:// URL) of <table>.parquet from `complaints export "
        "--parquet`, or a Spark catalog database holding the tables complaints, penalties, "
        "departments, business_volumes (and meta)",
    )
    b.add_argument("--out", required=True, metavar="PATH", help="folder or URL to write to")
    b.add_argument(
        "--master",
        metavar="URL",
        help="Spark master, e.g. local[4], yarn, spark://host:7077 (default: spark-submit's, "
        "else local[*])",
    )
    b.add_argument(
        "--rules",
        metavar="FILE",
        help="rule file to build with (default: $COMPLAINTS_RULES, else the shipped rules)",
    )
    output.add_format_argument(b)
    b.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the build and print the rows written per table."""
    import queries.spark as spark_build
    from queries.config import rules, workcalendar

    try:
        rule_set = rules.load_rules(Path(args.rules)) if args.rules else rules.load_rules()
        workcalendar.load_overrides()
    except (rules.RulesError, workcalendar.CalendarError) as exc:
        raise CliError(str(exc)) from None
    out = args.out if "://" in args.out else str(Path(args.out).expanduser().resolve())
    source = args.source
    if "/" in source and "://" not in source:
        source = str(Path(source).expanduser().resolve())
    try:
        result = spark_build.build(
            source, out, master=args.master, rule_set=rule_set, progress=output.info
        )
    except (spark_build.SparkUnavailableError, FileNotFoundError) as exc:
        raise CliError(str(exc)) from None
    output.info(
        f"built the derived tables on Spark into {result.out} in {result.seconds:.0f} s"
        f" (rules {result.rules_versions}); serve them with `complaints attach --marts {out}`"
    )
    output.emit([{"table": t, "rows": n} for t, n in result.counts.items()], args.format)
    return 0
