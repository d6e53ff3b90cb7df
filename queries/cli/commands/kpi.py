"""``complaints kpi``: the KPIs of a period (docs/definitions.md#metrics), optionally grouped
and filtered."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

import pandas as pd

from queries import context, output, store
from queries.cli import CliError
from queries.config import vocab, workcalendar
from queries.marts import kpi
from queries.paths import resolve_db_path
from queries.periods import COMPARISONS

_CODED = {"severity", "channel"}  # filter values given as words are mapped to codes


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "kpi",
        help="KPIs of a period (cohort by received_at), optionally grouped and filtered",
        description=(
            "Print the KPIs of complaints received in [--from, --to). Rows: one, or one per "
            "group with the --by column first; columns: the metric names (defined in "
            "docs/definitions.md#metrics) plus their numerators/denominators n_*."
        ),
    )
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD", help="exclusive")
    p.add_argument(
        "--as-of",
        metavar='"YYYY-MM-DD HH:MM:SS"',
        help="data cut-off (default: latest timestamp in the data)",
    )
    p.add_argument("--by", metavar="DIM", help="group by: " + ", ".join(kpi.DIMENSIONS))
    p.add_argument(
        "--compare",
        metavar="previous,last_year",
        help="also print the like-for-like comparisons (previous calendar period of the same "
        "kind, same period last year), each at the same maturity: one row per comparison "
        "with its from/to/as_of",
    )
    p.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="DIM=VALUE",
        help="filter (repeatable; several values of one DIM are alternatives): "
        + ", ".join(kpi.FILTER_FIELDS),
    )
    p.add_argument(
        "--ladder",
        action="store_true",
        help="also print the handling-ladder metrics (stage_<stage>_*, escalation compliance, "
        "time shares ...; docs/definitions.md#handling-ladder): their queries cost several "
        "times the others",
    )
    output.add_format_argument(p, default="json")
    p.set_defaults(func=run)


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option} {text!r} is not a date YYYY-MM-DD") from None


def _timestamp(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--as-of {text!r} is not a timestamp YYYY-MM-DD HH:MM:SS") from None


def parse_filters(items: list[str]) -> kpi.Filters:
    """``DIM=VALUE`` items → ``Filters`` (severity/channel words mapped to their codes)."""
    values: dict[str, list[str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in kpi.FILTER_FIELDS or not value.strip():
            raise CliError(
                f"--where {item!r}: expected DIM=VALUE with DIM one of "
                + ", ".join(kpi.FILTER_FIELDS)
            )
        value = value.strip()
        if name in _CODED:
            value = vocab.lookup(name).get(vocab.normalize_word(value), value)
        values.setdefault(name, []).append(value)
    fields: dict[str, Any] = {k: tuple(v) for k, v in values.items()}
    return kpi.Filters(**fields)


def run(args: argparse.Namespace) -> int:
    start = _date(args.date_from, "--from")
    end = _date(args.date_to, "--to")
    if end <= start:
        raise CliError(f"--to {end} must be after --from {start} (--to is exclusive)")
    as_of = _timestamp(args.as_of) if args.as_of else None
    if args.by is not None and args.by not in kpi.DIMENSIONS:
        raise CliError(f"--by {args.by!r}: use one of {', '.join(kpi.DIMENSIONS)}")
    filters = parse_filters(args.where)
    compare = _comparisons(args.compare)
    period = kpi.Period(start, end)
    conn = store.open_snapshot(resolve_db_path(args.db))
    try:
        ctx = context.of(conn)
        as_of = ctx.as_of(as_of)
        rows = [("current", period, as_of)]
        refs = kpi.comparisons(period, as_of)
        rows += [(name, refs[name].period, refs[name].as_of) for name in compare]
        frames = [
            _annotated(
                ctx, name, p, a, kpi.kpis(ctx, p, filters, as_of=a, by=args.by, ladder=args.ladder)
            )
            for name, p, a in rows
        ]
        missing = workcalendar.uncovered_years(conn)
        warning = ctx.rules.before_first(period.start)
    finally:
        conn.close()
    if missing:
        output.info(workcalendar.warning_text(missing))
    if warning:
        output.info(f"warning: {warning}")
    df = pd.concat(frames, ignore_index=True) if compare else frames[0]
    if not compare:
        df = df.drop(columns=["comparison", "from", "to", "as_of"])
    output.emit(df, args.format)
    return 0


def _comparisons(text: str | None) -> list[str]:
    if not text:
        return []
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in COMPARISONS]
    if unknown or not names:
        raise CliError(f"--compare {text!r}: use one or more of {','.join(COMPARISONS)}")
    return names


def _annotated(
    ctx: context.ReadContext,
    name: str,
    period: kpi.Period,
    as_of: dt.datetime,
    df: pd.DataFrame,
) -> pd.DataFrame:
    """The kpis rows with what was measured (``not_measured`` list, ``coverage`` object, the
    ``small_sample`` metrics below their minimum n) and, first, the comparison's name,
    from/to (to exclusive) and as-of."""
    version = ctx.rules.version_for(period.start)
    not_measured, cover, small = [], [], []
    for _, row in df.iterrows():
        cov, missing = kpi.measurement(row)
        not_measured.append(missing)
        cover.append(cov)
        small.append(
            [
                m
                for m, mdef in kpi.METRICS.items()
                if not pd.isna(row.get(m))
                and mdef.denominator in row.index
                and version.small_sample(m, row.get(mdef.denominator))
            ]
        )
    out = df.copy()
    out["not_measured"], out["coverage"], out["small_sample"] = not_measured, cover, small
    head = pd.DataFrame(
        {"comparison": name, "from": period.start, "to": period.end, "as_of": as_of},
        index=out.index,
    )
    return pd.concat([head, out], axis=1)
