"""Department scores for performance assessment (docs/definitions.md#scoring).

Model: each department starts every month at the rule version's ``scoring_base`` (100) and
loses points per scoring item of the version in force on the month's first day.

* Population: the complaints the department received in the month (``received_at`` in
  [first day, next first day) and ≤ as-of), leaving out complaints verified as malicious.
* Own complaints only: a parent department is scored on the complaints assigned to it
  directly, not rolled up from its children (a rolled-up score would charge the same
  complaint twice and let a big child department sink its parent's score).
* ``per_event`` items: points per complaint showing the event (``valid_complaints``:
  ``is_valid`` true, points by grade, an ungraded complaint counts as general;
  ``concealed_major``: a major complaint flagged ``concealed``), capped per month.
* ``rate_gap`` items: points per percentage point by which the metric misses its target,
  capped; no deduction when the rate is null. The rates come from ``kpi.kpis`` (the one
  definition of every metric) on the scoring population. The optional
  ``complaint_rate_per_10k`` item is not a fraction: its gap is counted in complaints per
  10,000 units, so ``points_per_pp`` reads "points per complaint per 10,000 units".
* Rounding: each item's deduction is rounded to 2 decimals (half up) after the float noise
  of ``(target - rate) * 100`` is removed (``ScoringItem.rate_gap_deduction`` rounds to 9
  decimals), so on-time resolution 82.5 % against 90 % deducts exactly 7.5.
  ``score = max(0, base - Σ deductions)``, also rounded to 2 decimals.
* ``normalised`` items: the events of a per_event kind (weighted by grade points) per 100
  complaints received, or per 10,000 units of business volume where one is loaded
  (``per = "volume"``); points per unit above the target, capped. A department with many
  complaints is then judged by its share of valid ones, not their number.
* Not measured: an item whose metric's inputs the department's source did not supply
  (``kpi.measurement``: no reply times, no resolution times, no survey, no validity
  verdicts...) deducts nothing and is listed in ``unscored`` ("not scored: no data"), never
  scored as 0 % or the full cap.
* Main deduction: the item whose deduction exceeds the company median of that item (over the
  departments scored that month) the most: what sets the department apart, not what every
  department hits. ``capped`` lists the items that reached their cap.
* Rank: highest score first, ties share the best rank (1, 2, 2, 4).
* Roll-ups: a quarter's (or year's) score is the mean of the department's monthly scores
  over the months of the period that have started by the as-of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
import pandas as pd

from queries import context
from queries.config.rules import RuleSet, RuleVersion, ScoringItem
from queries.marts import kpi
from queries.metrics import LADDER_METRICS, LADDER_STAGES
from queries.periods import add_months, months_of, parse_month
from queries.store import run_query, sql_file

# per_event item id -> event code understood by score_event_complaints.sql and the column
# prefix in score_events.sql (beside this file).
PER_EVENT_EVENTS: dict[str, str] = {
    "valid_complaints": "valid",
    "concealed_major": "concealed_major",
}
GRADES = ("general", "urgent", "major")

# rate_gap metric -> which drill part holds the complaints that pull the rate off target
# ("missed": denominator rows not in the numerator; "numerator": the numerator rows).
RATE_GAP_COMPLAINTS: dict[str, str] = {
    "response_sla_rate": "missed",
    "on_time_resolution_rate": "missed",
    "csat_rate": "missed",
    "repeat_rate": "numerator",
    "complaint_rate_per_10k": "numerator",
    # handling-ladder stages: the stages done late, skipped or overdue
    **{f"stage_{stage}_on_time_rate": "missed" for stage in LADDER_STAGES},
}


def round_points(value: float) -> float:
    """Round points to 2 decimals, half up (2.345 → 2.35), exact for decimal inputs."""
    return float(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    parse_month(month)  # a clear error for a malformed month
    period = kpi.Period.month(month)
    return dt.datetime.combine(period.start, dt.time()), dt.datetime.combine(period.end, dt.time())


def prepare(
    conn: context.Source, as_of: dt.datetime | None
) -> tuple[context.ReadContext, dt.datetime]:
    """The read context of ``conn`` and the as-of: the given one, else the latest timestamp
    in the data (``now`` for an empty database)."""
    ctx = context.of(conn)
    return ctx, ctx.as_of(as_of)


def _event_code(item: ScoringItem) -> str | None:
    """The event a per_event or normalised item counts (``PER_EVENT_EVENTS`` codes)."""
    return item.event if item.kind == "normalised" else PER_EVENT_EVENTS.get(item.id)


# per_event / normalised event -> the metric whose inputs must be supplied to score it
# (valid complaints need validity verdicts; concealment is a flag: always scored)
EVENT_METRIC: dict[str, str] = {"valid": "valid_rate"}
NOT_SCORED = "not scored: no data"


def _event_points(item: ScoringItem, events: dict[str, Any]) -> tuple[float, int]:
    """Raw points (before the cap) and the number of complaints behind a per_event item."""
    event = _event_code(item)
    if event is None:
        raise ValueError(
            f"scoring item {item.id!r}: unknown per_event item (known: {sorted(PER_EVENT_EVENTS)})"
        )
    if event == "valid":
        counts = {g: int(events.get(f"valid_{g}", 0) or 0) for g in GRADES}
        ungraded = int(events.get("valid_ungraded", 0) or 0)
        raw = sum(n * item.points_for(g) for g, n in counts.items())
        raw += ungraded * item.points_for(None)
        return raw, sum(counts.values()) + ungraded
    n = int(events.get(event, 0) or 0)
    return n * item.points_for("major"), n


def _rate_gap(item: ScoringItem, value: float | None) -> float:
    """A rate_gap item's deduction (before rounding) for a measured value."""
    if value is None or pd.isna(value):
        return 0.0
    assert item.metric is not None
    if kpi.METRICS[item.metric].unit == "rate":
        return item.rate_gap_deduction(float(value))
    # Not a fraction (complaint_rate_per_10k): the gap is counted in the metric's own unit.
    assert item.target is not None
    gap = item.target - value if item.direction == "below" else value - item.target
    points = round(max(0.0, gap) * float(item.points_per_pp or 0.0), 9)
    return min(points, item.cap) if item.cap is not None else points


def _check_items(version: RuleVersion) -> None:
    for item in version.scoring_items:
        if item.kind == "rate_gap" and item.metric not in kpi.METRICS:
            raise ValueError(f"scoring item {item.id!r}: unknown metric {item.metric!r}")
        if item.kind == "normalised" and item.event not in PER_EVENT_EVENTS.values():
            raise ValueError(f"scoring item {item.id!r}: unknown event {item.event!r}")
        if item.kind == "per_event" and item.id not in PER_EVENT_EVENTS:
            raise ValueError(
                f"scoring item {item.id!r}: unknown per_event item "
                f"(known: {sorted(PER_EVENT_EVENTS)})"
            )


def _population_filters(department: tuple[str, ...] = ()) -> kpi.Filters:
    return kpi.Filters(department=department, exclude_malicious=True)


def _uses_ladder(version: RuleVersion) -> bool:
    """Whether a scoring item of ``version`` rates a handling-ladder metric (the ``kpis``
    columns that cost most of the query)."""
    return any(item.metric in LADDER_METRICS for item in version.scoring_items)


def _month_rates(
    ctx: context.ReadContext, month: str, as_of: dt.datetime, ladder: bool
) -> dict[str, dict[str, Any]]:
    """Rates of the scoring population per department name (``kpis(by="department")``
    groups by the complaint's own department, ``department_name_zh``); ``ladder``: with the
    handling-ladder columns (``_uses_ladder`` of the month's version)."""
    period = kpi.Period.month(month)
    frame = kpi.kpis(ctx, period, _population_filters(), as_of, by="department", ladder=ladder)
    return {str(row["department"]): row for row in frame.to_dict(orient="records")}


def _months_rates(
    ctx: context.ReadContext, months: list[str], as_of: dt.datetime
) -> dict[str, dict[str, dict[str, Any]]]:
    """``_month_rates`` of several months from one grouped query
    (``kpi.kpis_by_month_department``): month -> department name -> rates."""
    if not months:
        return {}
    if any(_uses_ladder(v) for v in ctx.rules.versions):
        # the grouped query has no handling-ladder columns: a ladder item needs each month's
        # full kpis
        return {m: _month_rates(ctx, m, as_of, ladder=True) for m in months}
    first = parse_month(min(months))
    last = parse_month(max(months))
    period = kpi.Period(first, add_months(last, 1))
    frame = kpi.kpis_by_month_department(ctx, period, _population_filters(), as_of)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in frame.to_dict(orient="records"):
        month = str(row.pop("month"))
        out.setdefault(month, {})[str(row["department"])] = row
    return out


def _not_measured(metric: str | None, rates: dict[str, Any]) -> bool:
    """Whether the department's cohort has complaints but none with ``metric``'s inputs."""
    if metric is None or not rates:
        return False
    received = rates.get("n_received")
    if received is None or pd.isna(received) or int(received) == 0:
        return False
    return metric in kpi.measurement(rates)[1]


def _normalised_row(item: ScoringItem, events: dict[str, Any], rates: dict[str, Any]) -> dict:
    """A normalised item: weighted events per 100 complaints (or per 10,000 volume)."""
    raw, n = _event_points(item, events)
    received = int(events.get("n_complaints", 0) or 0)
    volume = rates.get("n_volume")
    if item.per == "volume" and volume is not None and not pd.isna(volume) and volume > 0:
        measured, unit = raw / float(volume) * 10000, "per 10,000 volume"
    elif received > 0:
        measured, unit = raw / received * 100, "per 100 complaints"
    else:
        measured, unit = None, "per 100 complaints"
    gap = 0.0 if measured is None else max(0.0, measured - float(item.target or 0.0))
    points = round(gap * float(item.points_per_unit or 0.0), 9)
    deduction = min(points, item.cap) if item.cap is not None else points
    return {
        "item": item.id,
        "kind": item.kind,
        "metric": None,
        "measured": None if measured is None else round(measured, 6),
        "target": item.target,
        "direction": "above",
        "points_rule": f"{item.points_per_unit:g} per point {unit} above {item.target:g}",
        "cap": item.cap,
        "raw_points": round_points(points),
        "deduction": round_points(deduction),
        "n_complaints": n,
    }


def _item_rows(
    version: RuleVersion, events: dict[str, Any], rates: dict[str, Any]
) -> list[dict[str, Any]]:
    """One dict per scoring item: measured value, rule, raw points and capped deduction,
    ``scored`` (False: not measured, deducts nothing), ``note`` and ``cap_reached``."""
    rows: list[dict[str, Any]] = []
    for item in version.scoring_items:
        code = _event_code(item)
        metric = item.metric if item.kind == "rate_gap" else EVENT_METRIC.get(code or "")
        if _not_measured(metric, rates):
            rows.append(
                {
                    "item": item.id,
                    "kind": item.kind,
                    "metric": item.metric,
                    "measured": None,
                    "target": item.target,
                    "direction": item.direction,
                    "points_rule": "",
                    "cap": item.cap,
                    "raw_points": None,
                    "deduction": 0.0,
                    "n_complaints": None,
                    "scored": False,
                    "note": NOT_SCORED,
                    "cap_reached": False,
                }
            )
            continue
        if item.kind == "normalised":
            rows.append(_normalised_row(item, events, rates))
        elif item.kind == "per_event":
            raw, n = _event_points(item, events)
            deduction = min(raw, item.cap) if item.cap is not None else raw
            if isinstance(item.points, dict):
                rule = ", ".join(f"{g} {item.points_for(g):g}" for g in item.points)
                rule = f"per complaint: {rule}"
            else:
                rule = f"{item.points_for('major'):g} per complaint"
            rows.append(
                {
                    "item": item.id,
                    "kind": item.kind,
                    "metric": None,
                    "measured": float(n),
                    "target": None,
                    "direction": None,
                    "points_rule": rule,
                    "cap": item.cap,
                    "raw_points": round_points(raw),
                    "deduction": round_points(deduction),
                    "n_complaints": n,
                }
            )
        else:
            assert item.metric is not None
            value = rates.get(item.metric)
            if value is not None and pd.isna(value):
                value = None
            denom = rates.get(kpi.METRICS[item.metric].denominator)
            unit = "pp" if kpi.METRICS[item.metric].unit == "rate" else "unit"
            rows.append(
                {
                    "item": item.id,
                    "kind": item.kind,
                    "metric": item.metric,
                    "measured": None if value is None else float(value),
                    "target": item.target,
                    "direction": item.direction,
                    "points_rule": f"{item.points_per_pp:g} per {unit} {item.direction} "
                    f"{item.target:g}",
                    "cap": item.cap,
                    "raw_points": None,
                    "deduction": round_points(_rate_gap(item, value)),
                    "n_complaints": None if denom is None or pd.isna(denom) else int(denom),
                }
            )
        row = rows[-1]
        row["scored"], row["note"] = True, ""
        row["cap_reached"] = item.cap is not None and row["deduction"] >= item.cap > 0
    return rows


def _main_deductions(rows: list[dict[str, Any]], item_ids: list[str]) -> None:
    """Set ``main_deduction`` / ``main_deduction_excess`` on each department row: the item
    whose deduction exceeds that item's company median (over the rows) the most; None when
    no item is above its median."""
    medians = {
        i: float(pd.Series([r["deductions"][i] for r in rows]).median()) if rows else 0.0
        for i in item_ids
    }
    for r in rows:
        excess = {i: round_points(r["deductions"][i] - medians[i]) for i in item_ids}
        best = max(item_ids, key=lambda i: (excess[i], r["deductions"][i]), default=None)
        if best is None or excess[best] <= 0:
            r["main_deduction"], r["main_deduction_excess"] = None, None
        else:
            r["main_deduction"], r["main_deduction_excess"] = best, excess[best]


def department_scores(
    conn: context.Source,
    month: str,
    as_of: dt.datetime | None = None,
    rules: RuleSet | None = None,
) -> pd.DataFrame:
    """Scores of every department for one month (docs/definitions.md#scoring), ranked.

    Args:
        conn: a connection or cursor on a published database.
        month: ``YYYY-MM``.
        as_of: data cut-off (default: ``kpi.default_as_of``).
        rules: the rule set (default: the read context's, ``rules.load_rules()``).

    Returns:
        One row per department: month, department_id, department (name_zh), department_en,
        score, rank, deductions (dict item → points), ``ded_<item>`` per item,
        rules_version, rules_effective_from, rules_effective_to, n_complaints, unscored (items
        not scored: no data), capped (items at their cap), main_deduction (the item furthest
        above its company median) and main_deduction_excess (points above it); ordered by
        rank, then department.
    """
    ctx, as_of = prepare(conn, as_of)
    return _department_scores(ctx, month, as_of, rules, None)


def _department_scores(
    ctx: context.ReadContext,
    month: str,
    as_of: dt.datetime,
    rules: RuleSet | None,
    rates: dict[str, dict[str, Any]] | None,
) -> pd.DataFrame:
    """``department_scores`` with the month's rates per department already computed
    (``rates``, from ``_months_rates``) or, None, computed here."""
    (rules or ctx.rules).before_first(parse_month(month))  # raises when the rules refuse
    version = (rules or ctx.rules).version_for(parse_month(month))
    _check_items(version)
    start, end = _month_bounds(month)
    params = {"start": start, "end": end, "as_of": as_of}
    depts = run_query(ctx.cur, "score_departments", params)
    events = {
        r["department_id"]: r for r in run_query(ctx.cur, "score_events", params).to_dict("records")
    }
    if rates is None:
        rates = _month_rates(ctx, month, as_of, _uses_ladder(version)) if start <= as_of else {}
    item_ids = [i.id for i in version.scoring_items]
    rows = []
    for dept in depts.to_dict(orient="records"):
        ev = events.get(dept["department_id"], {})
        items = _item_rows(version, ev, rates.get(dept["department"], {}))
        deductions = {r["item"]: r["deduction"] for r in items}
        unscored = [r["item"] for r in items if not r["scored"]]
        capped = [r["item"] for r in items if r["cap_reached"]]
        total = sum(deductions.values())
        row = {
            "month": month,
            "department_id": dept["department_id"],
            "department": dept["department"],
            "department_en": dept["department_en"],
            "score": round_points(max(0.0, version.scoring_base - total)),
            "rank": 0,
            "deductions": deductions,
            **{f"ded_{i}": deductions[i] for i in item_ids},
            "rules_version": version.id,
            "rules_effective_from": version.effective_from,
            "rules_effective_to": version.effective_to,
            "n_complaints": int(ev.get("n_complaints", 0) or 0),
            "unscored": unscored,
            "capped": capped,
        }
        rows.append(row)
    _main_deductions(rows, item_ids)
    columns = [
        "month",
        "department_id",
        "department",
        "department_en",
        "score",
        "rank",
        "deductions",
        *[f"ded_{i}" for i in item_ids],
        "rules_version",
        "rules_effective_from",
        "rules_effective_to",
        "n_complaints",
        "unscored",
        "capped",
        "main_deduction",
        "main_deduction_excess",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return _ranked(frame)


def previous_scores(
    conn: context.Source,
    month: str,
    as_of: dt.datetime | None = None,
    rules: RuleSet | None = None,
) -> pd.DataFrame:
    """``department_scores`` of the month before ``month`` at the same maturity (the as-of
    of ``periods.comparison``: e.g. October at 10-31 23:59:52 → September at 09-30
    23:59:52), for score changes and movers."""
    ctx, as_of = prepare(conn, as_of)
    ref = kpi.comparisons(kpi.Period.month(month), as_of)["previous"]
    return department_scores(ctx, ref.period.start.strftime("%Y-%m"), ref.as_of, rules)


def rules_warnings(
    conn: context.Source, months: Iterable[str | None], rules: RuleSet | None = None
) -> list[str]:
    """One line per month (``YYYY-MM``, or a ``YYYY-MM-DD`` day) judged by the first rule
    version although it starts before that version's ``effective_from`` (§6 "a month is
    scored by the version in force on its first day"): shown on the CLI's stderr and pages.

    Raises:
        RulesError: the rule file refuses such months (``before_first_version = "refuse"``).
    """
    rule_set = rules or context.of(conn).rules
    out: list[str] = []
    for month in sorted({m for m in months if m}):
        day = dt.date.fromisoformat(month) if len(month) == 10 else parse_month(month)
        text = rule_set.before_first(day)
        if text and text not in out:
            out.append(text)
    return out


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """Rank by score (highest first, ties share the best rank) and sort."""
    if frame.empty:
        return frame
    frame = frame.copy()
    frame["rank"] = frame["score"].rank(method="min", ascending=False).astype("int64")
    return frame.sort_values(["rank", "department"], kind="stable").reset_index(drop=True)


def _resolve_department(
    conn: duckdb.DuckDBPyConnection, month: str, department: str, as_of: dt.datetime
) -> dict[str, Any]:
    """The score_departments row of a department given by id, name_zh or name_en (or the
    exported name of an unresolved department); ValueError when unknown."""
    start, end = _month_bounds(month)
    depts = run_query(conn, "score_departments", {"start": start, "end": end, "as_of": as_of})
    for column in ("department_id", "department", "department_en"):
        hit = depts[depts[column] == department]
        if not hit.empty:
            return hit.iloc[0].to_dict()
    raise ValueError(f"unknown department {department!r} for {month}")


def score_items(
    conn: context.Source,
    month: str,
    department: str,
    as_of: dt.datetime | None = None,
    rules: RuleSet | None = None,
) -> pd.DataFrame:
    """Every scoring item of one department and month with what was measured.

    Returns:
        One row per item of the rule version: item, kind, metric, measured (the rate, or the
        number of complaints for per_event items), target, direction, points_rule, cap,
        raw_points (per_event, before the cap), deduction, n_complaints (per_event: the
        complaints behind it; rate_gap: the rate's denominator), scored (False: not
        measured, nothing deducted), note ("not scored: no data"), cap_reached,
        rules_version.
    """
    ctx, as_of = prepare(conn, as_of)
    version = (rules or ctx.rules).version_for(parse_month(month))
    _check_items(version)
    dept = _resolve_department(ctx.cur, month, department, as_of)
    start, end = _month_bounds(month)
    params = {"start": start, "end": end, "as_of": as_of}
    events = run_query(ctx.cur, "score_events", params)
    ev = events[events["department_id"] == dept["department_id"]].to_dict("records")
    rates = _month_rates(ctx, month, as_of, _uses_ladder(version)) if start <= as_of else {}
    rows = _item_rows(version, ev[0] if ev else {}, rates.get(dept["department"], {}))
    frame = pd.DataFrame(rows)
    frame["rules_version"] = version.id
    return frame


def score_complaints(
    conn: context.Source,
    month: str,
    department: str,
    item: str,
    as_of: dt.datetime | None = None,
    rules: RuleSet | None = None,
) -> pd.DataFrame:
    """The complaints behind one scoring item of a department and month.

    per_event items: the complaints showing the event (valid ones, concealed major ones),
    with ``points`` each. rate_gap items: the complaints that pull the rate off target:
    response_timeliness → late responses (in the response_sla_rate denominator, not in its
    numerator), resolution_timeliness → late resolutions (on-time denominator rows that
    missed), satisfaction → surveyed and not satisfied (dissatisfied and neutral answers,
    ``satisfaction_class`` tells which), repeat_complaints → the repeats. Only the
    department's own complaints, never personal data columns.
    """
    ctx, as_of = prepare(conn, as_of)
    version = (rules or ctx.rules).version_for(parse_month(month))
    spec = version.scoring_item(item)
    if spec is None:
        raise ValueError(f"rule version {version.id} has no scoring item {item!r}")
    dept = _resolve_department(ctx.cur, month, department, as_of)
    start, end = _month_bounds(month)
    if spec.kind in ("per_event", "normalised"):
        event = _event_code(spec)
        if event is None:
            raise ValueError(f"scoring item {item!r}: unknown per_event item")
        rows = ctx.shown(
            sql_file("score_event_complaints"),
            {
                "start": start,
                "end": end,
                "as_of": as_of,
                "department_id": dept["department_id"],
                "event": event,
            },
        )
        rows["points"] = [
            spec.points_for(s if isinstance(s, str) else None) for s in rows["severity"]
        ]
        return rows
    part = RATE_GAP_COMPLAINTS.get(spec.metric or "")
    if part is None:
        raise ValueError(f"scoring item {item!r}: no complaint list for metric {spec.metric!r}")
    return _drill_own(ctx, spec.metric or "", month, dept, as_of, part)


def _drill_own(
    ctx: context.ReadContext,
    metric: str,
    month: str,
    dept: dict[str, Any],
    as_of: dt.datetime,
    part: str,
) -> pd.DataFrame:
    """Rows of ``kpi.drill`` for the department's own complaints (scoring population).

    part "numerator" / "denominator" as in ``kpi.drill``; "missed": denominator rows that are
    not in the numerator."""
    period = kpi.Period.month(month)
    # The kpi department filter includes child departments: the own rows only, in SQL.
    filters = _population_filters((dept["department_id"],))
    own = str(dept["department_id"])
    rows = kpi.drill(ctx, metric, period, filters, as_of, part=part, department_only=own)
    personal = [c for c in ("customer_name", "customer_phone") if c in rows.columns]
    return rows.drop(columns=personal).reset_index(drop=True)


def score_history(
    conn: context.Source,
    months: list[str],
    as_of: dt.datetime | None = None,
    rules: RuleSet | None = None,
) -> pd.DataFrame:
    """``department_scores`` for several months stacked (long form, one row per month and
    department, ``month`` first), for trends and waterfalls."""
    ctx, as_of = prepare(conn, as_of)
    rates = _months_rates(ctx, months, as_of)
    frames = [_department_scores(ctx, m, as_of, rules, rates.get(m, {})) for m in months]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["month", "department_id", "department", "score", "rank"])
    return pd.concat(frames, ignore_index=True)


def score_rollup(
    conn: context.Source,
    year: int,
    quarter: int | None = None,
    as_of: dt.datetime | None = None,
    rules: RuleSet | None = None,
) -> pd.DataFrame:
    """Quarter (or year, ``quarter=None``) scores: the mean of each department's monthly
    scores over the months of the period that started by the as-of, ranked.

    Returns:
        period (``2025-Q3`` / ``2025``), department_id, department, department_en, score,
        rank, n_months, months (list), min_score, max_score, deductions (dict item → mean
        monthly points), rules_versions (list of the versions used).
    """
    ctx, as_of = prepare(conn, as_of)
    months = [m for m in months_of(year, quarter) if parse_month(m) <= as_of.date()]
    history = score_history(ctx, months, as_of, rules)
    label = f"{year:04d}" if quarter is None else f"{year:04d}-Q{quarter}"
    columns = [
        "period",
        "department_id",
        "department",
        "department_en",
        "score",
        "rank",
        "n_months",
        "months",
        "min_score",
        "max_score",
        "deductions",
        "rules_versions",
    ]
    if history.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for _key, group in history.groupby("department_id", sort=True):
        first = group.iloc[0]
        items: dict[str, float] = {}
        for ded in group["deductions"]:
            for item, points in ded.items():
                items[item] = items.get(item, 0.0) + points
        n = len(group)
        rows.append(
            {
                "period": label,
                "department_id": first["department_id"],
                "department": first["department"],
                "department_en": first["department_en"],
                "score": round_points(sum(group["score"]) / n),
                "rank": 0,
                "n_months": n,
                "months": list(group["month"]),
                "min_score": float(group["score"].min()),
                "max_score": float(group["score"].max()),
                "deductions": {k: round_points(v / n) for k, v in items.items()},
                "rules_versions": sorted(set(group["rules_version"])),
            }
        )
    return _ranked(pd.DataFrame(rows, columns=columns))
