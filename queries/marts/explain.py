"""Explain one complaint: its record, the facts derived from it, its timeline, the score
items it feeds and its penalty records (docs/definitions.md#metrics, #scoring, #accountability).

Everything is stated as of the as-of: timestamps after it do not exist yet (they are shown
as ``null`` in the timeline with ``after_as_of`` true, and the facts ignore them). The
canonical fields are returned raw, including the complainant's ``customer_name`` and
``customer_phone``: callers mask them (``mask_personal``) unless the viewer may see them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from queries import context, privacy
from queries.config.rules import RuleSet
from queries.config.schema import COMPLAINT_COLUMNS
from queries.marts import accountability, kpi, scoring
from queries.periods import parse_month
from queries.store import run_query

#: The timeline's steps: (step, zh label, timestamp column, deadline column).
TIMELINE_STEPS: tuple[tuple[str, str, str, str | None], ...] = (
    ("received", "接收", "received_at", None),
    ("acknowledged", "确认", "acknowledged_at", None),
    ("first_response", "首次响应", "first_response_at", "response_due_at"),
    ("resolved", "办结", "resolved_at", "resolution_deadline"),
    ("surveyed", "回访", "surveyed_at", None),
    ("closed", "结案", "closed_at", None),
)


class UnknownComplaintError(LookupError):
    """No complaint with that id (or not received by the as-of)."""


def _value(v: Any) -> Any:
    """A plain Python value (NaN/NaT → None, numpy scalars → Python)."""
    if v is None:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError):
            v = v.item()
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def _hours(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 3600, 4)


def _working_clock(conn: duckdb.DuckDBPyConnection, at: dt.datetime) -> float | None:
    """Working seconds at ``at`` on staging's calendar clock (None outside its range)."""
    rows = run_query(conn, "explain_working_clock", {"at": at})
    return None if rows.empty else _value(rows["work_s"].iloc[0])


def _late_working_h(
    conn: duckdb.DuckDBPyConnection, row: dict[str, Any], until: dt.datetime
) -> float | None:
    """Working hours from the resolution deadline to ``until`` (staging's calendar clock)."""
    clock = _working_clock(conn, until)
    deadline_s = row.get("deadline_work_s")
    if clock is None or deadline_s is None:
        return None
    return round((clock - deadline_s) / 3600, 4)


def _existing(ts: dt.datetime | None, as_of: dt.datetime) -> dt.datetime | None:
    """A timestamp if it exists by the as-of, else None."""
    return ts if ts is not None and ts <= as_of else None


def explain(
    conn: context.Source,
    complaint_id: str,
    as_of: dt.datetime | None = None,
    rules: RuleSet | None = None,
) -> dict[str, Any]:
    """Everything the product derives from one complaint.

    Args:
        conn: a connection or cursor on a published database.
        complaint_id: the complaint's id, exactly as stored.
        as_of: data cut-off (default ``kpi.default_as_of``).
        rules: the rule set (default: the read context's, ``rules.load_rules()``).

    Returns:
        A dict with ``complaint_id``, ``as_of``, ``rules_version`` (id, effective dates),
        ``fields`` (canonical columns, raw), ``facts`` (deadlines and outcomes: response
        limit/due/status, resolution deadline and the rule that made it, on time or late by
        hours and working hours, repeat, group incident, satisfaction class, malicious
        exclusion), ``timeline`` (list of {event, zh, at, after_as_of, deadline, met}),
        ``ladder`` (the handling-ladder stages: {stage, started_at, unit, limit_value,
        due_at, done_at, duration_h, state}),
        ``score_items`` (list of {month, department, item, kind, role, points,
        item_deduction, reason, ...}) and ``penalties`` (the complaint's ledger rows).

    Raises:
        UnknownComplaintError: no such complaint, or it was received after the as-of.
    """
    ctx, as_of = scoring.prepare(conn, as_of)
    rules = rules or ctx.rules
    conn = ctx.cur
    rows = run_query(conn, "explain_complaint", {"complaint_id": complaint_id})
    if rows.empty:
        raise UnknownComplaintError(f"no complaint with id {complaint_id!r}")
    row = {k: _value(v) for k, v in rows.iloc[0].to_dict().items()}
    if row["received_at"] > as_of:
        raise UnknownComplaintError(
            f"complaint {complaint_id!r} was received {row['received_at']}, after the as-of {as_of}"
        )
    version = rules.version_for(row["received_at"])
    fields = {c.name: row.get(c.name) for c in COMPLAINT_COLUMNS}
    facts = _facts(conn, row, as_of, version)
    return {
        "complaint_id": complaint_id,
        "as_of": as_of,
        "rules_version": {
            "id": row.get("rules_version") or version.id,
            "effective_from": version.effective_from,
            "effective_to": version.effective_to,
        },
        "fields": fields,
        "facts": facts,
        "timeline": _timeline(row, as_of),
        "ladder": _ladder(conn, complaint_id, as_of),
        "score_items": _score_items(ctx, row, as_of, rules),
        "penalties": _penalties(ctx, row, as_of),
    }


def _facts(
    conn: duckdb.DuckDBPyConnection, row: dict[str, Any], as_of: dt.datetime, version: Any
) -> dict[str, Any]:
    """Deadlines and outcomes of the complaint as of the as-of."""
    first_response = _existing(row.get("first_response_at"), as_of)
    resolved = _existing(row.get("resolved_at"), as_of)
    due = row.get("response_due_at")
    deadline = row.get("resolution_deadline")
    if first_response is not None:
        response_status = "within_limit" if due is None or first_response <= due else "late"
    elif due is not None and due < as_of:
        response_status = "no_response_past_limit"
    else:
        response_status = "awaiting_response"
    if row.get("extended_deadline") is not None:
        rule = "extension"
    elif row.get("multi_department") and version.multi_department_days > (
        version.resolution_days_grade.get(row.get("severity") or "general", 0)
    ):
        rule = "multi_department"
    else:
        rule = "grade"
    late_h = late_wh = None
    if resolved is not None:
        resolution_status = "on_time" if deadline is None or resolved <= deadline else "late"
        if deadline is not None and resolved > deadline:
            late_h, late_wh = _hours(resolved - deadline), _late_working_h(conn, row, resolved)
    elif deadline is not None and deadline < as_of:
        resolution_status = "open_overdue"
        late_h, late_wh = _hours(as_of - deadline), _late_working_h(conn, row, as_of)
    else:
        resolution_status = "open"
    # Surveyed as kpi counts it: an answer with surveyed_at by the as-of, or without
    # surveyed_at once resolved.
    surveyed = row.get("satisfaction") is not None and (
        _existing(row.get("surveyed_at"), as_of) is not None
        or (row.get("surveyed_at") is None and resolved is not None)
    )
    group = None
    if row.get("group_incident_id") is not None:
        found = run_query(
            conn, "explain_group_incident", {"group_incident_id": row["group_incident_id"]}
        )
        if not found.empty:
            group = {k: _value(v) for k, v in found.iloc[0].to_dict().items()}
    return {
        "department_id": row.get("department_id"),
        "department": row.get("department_name_zh") or row.get("department"),
        "department_en": row.get("department_name_en"),
        "parent_department_id": row.get("parent_department_id"),
        "response_limit_h": row.get("response_limit_h"),
        "response_due_at": due,
        "first_response_h": _hours(first_response - row["received_at"])
        if first_response is not None
        else None,
        "responded_within_limit": None
        if first_response is None
        else response_status == "within_limit",
        "response_status": response_status,
        "resolution_deadline": deadline,
        "resolution_rule": rule,
        "resolution_days": row.get("resolution_days"),
        "resolution_h": _hours(resolved - row["received_at"]) if resolved is not None else None,
        "resolution_status": resolution_status,
        "resolved_by_deadline": None if resolved is None else resolution_status == "on_time",
        "late_by_h": late_h,
        "late_by_working_h": late_wh,
        "is_repeat": bool(row.get("is_repeat")),
        "repeat_of_complaint_id": row.get("repeat_of_complaint_id"),
        "group_incident_id": row.get("group_incident_id"),
        "group_incident": group,
        "satisfaction_class": row.get("satisfaction_class") if surveyed else None,
        "is_excluded": bool(row.get("is_excluded")),
        "excluded_reason": "verified malicious: left out of scores and penalties"
        if row.get("is_excluded")
        else None,
        "escalation_level": row.get("escalation_level"),
        "calendar_covered": row.get("calendar_covered"),
    }


def _ladder(
    conn: duckdb.DuckDBPyConnection, complaint_id: str, as_of: dt.datetime
) -> list[dict[str, Any]]:
    """The complaint's handling-ladder stages against their limits (explain_ladder.sql)."""
    rows = run_query(conn, "explain_ladder", {"complaint_id": complaint_id, "as_of": as_of})
    return [{k: _value(v) for k, v in r.items()} for r in rows.to_dict("records")]


def _timeline(row: dict[str, Any], as_of: dt.datetime) -> list[dict[str, Any]]:
    """received → acknowledged → first response → resolved → surveyed → closed."""
    steps = []
    for step, zh, column, deadline_column in TIMELINE_STEPS:
        stored = row.get(column)
        at = _existing(stored, as_of)
        deadline = row.get(deadline_column) if deadline_column else None
        steps.append(
            {
                "event": step,
                "zh": zh,
                "at": at,
                "after_as_of": stored is not None and at is None,
                "deadline": deadline,
                "met": None if deadline is None or at is None else at <= deadline,
            }
        )
    return steps


def _score_items(
    conn: context.ReadContext, row: dict[str, Any], as_of: dt.datetime, rules: RuleSet
) -> list[dict[str, Any]]:
    """The scoring items of the complaint's department and month and the complaint's part in each.

    per_event items: ``points`` = the points this complaint adds (before the item's cap;
    ``capped`` says whether the department's item total hit the cap). rate_gap items:
    ``points`` is null (the rate's gap is charged to the department as a whole); ``role``
    says whether the complaint counts in the rate's numerator and/or denominator and
    ``pulls_off_target`` whether it moves the rate the wrong way."""
    if row.get("is_excluded"):
        return []
    month = row["received_at"].strftime("%Y-%m")
    department = row.get("department_name_zh") or row.get("department")
    version = rules.version_for(parse_month(month))
    items = scoring.score_items(conn, month, row["department_id"], as_of, rules)
    by_item = {r["item"]: r for r in items.to_dict(orient="records")}
    out = []
    for spec in version.scoring_items:
        summary = by_item[spec.id]
        entry: dict[str, Any] = {
            "month": month,
            "department": department,
            "item": spec.id,
            "kind": spec.kind,
            "item_deduction": summary["deduction"],
        }
        if spec.kind == "per_event":
            shows = _shows_event(spec.id, row)
            points = spec.points_for(row.get("severity")) if shows else 0.0
            capped = spec.cap is not None and (summary["raw_points"] or 0) > spec.cap
            if shows:
                reason = (
                    f"{spec.id}: {row.get('severity') or 'ungraded'} complaint, {points:g} "
                    f"points; {department} {month} item total {summary['deduction']:g}"
                    + (f" (capped at {spec.cap:g})" if capped else "")
                )
            else:
                reason = f"{spec.id}: this complaint does not show the event"
            entry.update({"role": "counts" if shows else "not counted", "points": points})
            entry.update({"capped": capped, "reason": reason})
        else:
            metric = spec.metric or ""
            in_num, in_den = _rate_membership(conn, metric, month, row, as_of)
            if not in_den:
                role = "not in the rate"
            elif in_num:
                role = "numerator and denominator"
            else:
                role = "denominator only"
            # "missed" rates (on time, within limit, satisfied) fall with denominator-only
            # rows; "numerator" rates (repeats) rise with numerator rows.
            bad_in_numerator = scoring.RATE_GAP_COMPLAINTS.get(metric) == "numerator"
            pulls = in_den and in_num == bad_in_numerator
            measured = summary["measured"]
            shown = "null" if measured is None else f"{measured:.4g}"
            reason = (
                f"{spec.id}: counts in {metric} as {role}"
                + (" (moves it off target)" if pulls else "")
                + f"; {department} {month}: {shown} vs target {spec.target:g} "
                f"({spec.direction}), {summary['deduction']:g} points"
            )
            entry.update(
                {
                    "metric": metric,
                    "measured": measured,
                    "target": spec.target,
                    "role": role,
                    "points": None,
                    "pulls_off_target": pulls,
                    "reason": reason,
                }
            )
        out.append(entry)
    return out


def _shows_event(item_id: str, row: dict[str, Any]) -> bool:
    event = scoring.PER_EVENT_EVENTS.get(item_id)
    if event == "valid":
        return bool(row.get("is_valid"))
    if event == "concealed_major":
        return bool(row.get("concealed")) and row.get("severity") == "major"
    return False


def _rate_membership(
    conn: context.ReadContext,
    metric: str,
    month: str,
    row: dict[str, Any],
    as_of: dt.datetime,
) -> tuple[bool, bool]:
    """(in the numerator, in the denominator) of a rate for the department-month,
    according to ``kpi.drill`` (the one definition)."""
    period = kpi.Period.month(month)
    filters = kpi.Filters(department=(row["department_id"],), exclude_malicious=True)
    cid = row["complaint_id"]
    numerator = kpi.drill(conn, metric, period, filters, as_of, part="numerator")
    denominator = kpi.drill(conn, metric, period, filters, as_of, part="denominator")
    return bool((numerator["complaint_id"] == cid).any()), bool(
        (denominator["complaint_id"] == cid).any()
    )


def _penalties(
    conn: context.ReadContext, row: dict[str, Any], as_of: dt.datetime
) -> list[dict[str, Any]]:
    """The complaint's penalty records as in the accountability ledger."""
    day = row["received_at"].date()
    period = kpi.Period(day, day + dt.timedelta(days=1))
    ledger = accountability.accountability_list(conn, "ledger", period, as_of=as_of)
    mine = ledger[ledger["complaint_id"] == row["complaint_id"]]
    return [{k: _value(v) for k, v in r.items()} for r in mine.to_dict(orient="records")]


def mask_personal(result: dict[str, Any]) -> dict[str, Any]:
    """A copy of an ``explain`` result with the complainant's name and phone masked (and
    phone numbers in the free text)."""
    fields = dict(result["fields"])
    fields["customer_name"] = privacy.mask_name(fields.get("customer_name"))
    fields["customer_phone"] = privacy.mask_phone(fields.get("customer_phone"))
    for column in ("description", "resolution"):
        fields[column] = privacy.mask_text(fields.get(column))
    return {**result, "fields": fields}
