"""Rectification actions (整改): what the monthly review decided, tracked to verification.

An action links what is to be done to a department, a complaint category, complaints or a
scoring item, has an owner and a due date (a date, or N working days on the company
calendar), and moves open → done (with evidence) → verified (effective or not); a done action
can be reopened. Every change is recorded in ``action_history`` (who, when, field, old and
new value). "Overdue" is not stored: an open action due before today is overdue when read.

Writes are publications of the shared database (``store.write_transaction`` with
``derive=None``: no derived ``stg_*`` table reads the actions, so nothing is rebuilt). They
are serialised by the writer lock, so ids are assigned without races, and a viewer sees an
action as soon as the new file is published. The copy of the database a publication makes
costs a fraction of a second on the demo database; actions change at meeting pace.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from queries import audit, context, store
from queries.config import workcalendar
from queries.metrics import METRICS
from queries.periods import Period

STATUSES: tuple[str, ...] = ("open", "done", "verified")
STATES: tuple[str, ...] = ("open", "overdue", "done", "verified")
SOURCES: tuple[str, ...] = ("meeting", "department", "complaint", "manual")
RESULTS: tuple[str, ...] = ("effective", "not_effective")
_EDITABLE: tuple[str, ...] = (
    "title",
    "owner",
    "due_date",
    "evidence",
    "status",
    "verification_result",
    "verification_note",
)


class ActionError(ValueError):
    """An action cannot be created or changed (the message says why)."""


# --------------------------------------------------------------------------- writing


def due_date_for(created: dt.date, due: dt.date | int | None, default_working_days: int) -> dt.date:
    """The due date: ``due`` when a date, else the ``due``-th (default
    ``default_working_days``-th) working day after ``created`` on the company calendar."""
    if isinstance(due, dt.date):
        return due
    days = default_working_days if due is None else int(due)
    if days < 1:
        raise ActionError(f"due in working days must be at least 1, got {days}")
    return workcalendar.add_working_days(created, days)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _history(conn, action_id: str, when: dt.datetime, user: str, field: str, old, new) -> None:
    conn.execute(
        "insert into action_history values ($a, $t, $u, $f, $o, $n)",
        {"a": action_id, "t": when, "u": user, "f": field, "o": _text(old), "n": _text(new)},
    )


def create(
    db_path: Path,
    *,
    title: str,
    owner: str,
    due: dt.date | int | None = None,
    department: str | None = None,
    category: str | None = None,
    complaint_ids: tuple[str, ...] | list[str] = (),
    score_item: str | None = None,
    metric: str | None = None,
    meeting_id: str | None = None,
    source: str = "manual",
    user: str | None = None,
    now: dt.datetime | None = None,
    default_due_working_days: int = 10,
) -> str:
    """Create an action and publish it; returns its id (``A0001``...).

    Args:
        db_path: the database file.
        title: what is to be done.
        owner: who is responsible (a name).
        due: a date, or N working days after today; None: ``default_due_working_days``.
        department, category, complaint_ids, score_item: what it is about.
        metric: the metric the effectiveness check compares (default: complaints received).
        meeting_id: the meeting that decided it.
        source: meeting | department | complaint | manual.
        user: who creates it (default: the operating-system user).
        now: the creation time (default: now).
    """
    title, owner = (title or "").strip(), (owner or "").strip()
    if not title:
        raise ActionError("an action needs a description of what is to be done")
    if not owner:
        raise ActionError("an action needs an owner")
    if source not in SOURCES:
        raise ActionError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    if metric is not None and metric not in METRICS:
        raise ActionError(f"unknown metric {metric!r}")
    if not (department or category or complaint_ids or score_item or meeting_id):
        raise ActionError("link the action to a department, category, complaint or score item")
    now = (now or dt.datetime.now()).replace(microsecond=0)
    user = (user or "").strip() or audit.os_user()
    due_date = due_date_for(now.date(), due, default_due_working_days)
    with store.write_transaction(db_path, derive=None) as conn:
        n = conn.execute(
            "select coalesce(max(try_cast(substr(action_id, 2) as integer)), 0) from actions"
        ).fetchall()[0][0]
        action_id = f"A{n + 1:04d}"
        conn.execute(
            "insert into actions (action_id, title, department, category, complaint_ids,"
            " score_item, metric, meeting_id, source, owner, due_date, status, created_at,"
            " created_by) values ($id, $title, $dept, $cat, $cids, $item, $metric, $meeting,"
            " $source, $owner, $due, 'open', $now, $user)",
            {
                "id": action_id,
                "title": title,
                "dept": department or None,
                "cat": category or None,
                "cids": [str(c) for c in complaint_ids] or None,
                "item": score_item or None,
                "metric": metric,
                "meeting": meeting_id,
                "source": source,
                "owner": owner,
                "due": due_date,
                "now": now,
                "user": user,
            },
        )
        _history(conn, action_id, now, user, "created", None, title)
    return action_id


def update(
    db_path: Path,
    action_id: str,
    *,
    user: str | None = None,
    now: dt.datetime | None = None,
    **changes: Any,
) -> dict[str, tuple[Any, Any]]:
    """Change an action and publish; returns ``{field: (old, new)}`` of what changed.

    Fields: title, owner, due_date (a date), evidence, status, verification_result,
    verification_note. Status rules: ``done`` needs evidence; ``verified`` needs a done action
    and a verification_result (effective | not_effective); ``open`` reopens a done action.
    Every changed field is written to ``action_history`` with the user and time.
    """
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ActionError(f"cannot change {sorted(unknown)}; fields: {', '.join(_EDITABLE)}")
    now = (now or dt.datetime.now()).replace(microsecond=0)
    user = (user or "").strip() or audit.os_user()
    with store.write_transaction(db_path, derive=None) as conn:
        df = conn.execute("select * from actions where action_id = $a", {"a": action_id}).df()
        if df.empty:
            raise ActionError(f"no action {action_id!r}")
        row = df.iloc[0].to_dict()
        new = {k: v for k, v in changes.items() if v is not None}
        for key in ("title", "owner", "evidence", "verification_note"):
            if key in new:
                new[key] = str(new[key]).strip()
        if "title" in new and not new["title"]:
            raise ActionError("the description cannot be empty")
        if "owner" in new and not new["owner"]:
            raise ActionError("the owner cannot be empty")
        status = new.get("status", row["status"])
        if status not in STATUSES:
            raise ActionError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        if new.get("verification_result") not in (None, *RESULTS):
            raise ActionError(
                f"verification result must be one of {', '.join(RESULTS)}, "
                f"got {new['verification_result']!r}"
            )
        evidence = new.get("evidence", row["evidence"])
        if status == "done" and row["status"] != "done" and not (evidence or "").strip():
            raise ActionError(f"{action_id}: record the evidence before marking it done")
        if status == "verified" and row["status"] != "verified":
            if row["status"] != "done" and new.get("status") == "verified":
                raise ActionError(f"{action_id}: only a done action can be verified")
            if not new.get("verification_result"):
                raise ActionError(f"{action_id}: give the verification result to verify it")
            new["verified_at"] = now.date()
            new["verified_by"] = user
        if status == "done" and row["status"] == "open":
            new["completed_at"] = now
        if status == "open" and row["status"] != "open":
            new.update(completed_at=None, verification_result=None, verified_at=None)
        changed: dict[str, tuple[Any, Any]] = {}
        for key, value in new.items():
            old = row.get(key)
            old = None if old is None or (not isinstance(old, list) and pd.isna(old)) else old
            if isinstance(old, pd.Timestamp):
                old = old.to_pydatetime()
            if key == "due_date" and isinstance(old, dt.datetime):
                old = old.date()
            if old == value:
                continue
            changed[key] = (old, value)
        for key, (old, value) in changed.items():
            # the column name comes from the fixed field list above, never from input
            sql = f"update actions set {key} = $v where action_id = $a"
            conn.execute(sql, {"v": value, "a": action_id})
            _history(conn, action_id, now, user, key, old, value)
    return changed


# --------------------------------------------------------------------------- reading


def _has_actions(cur) -> bool:
    """Whether the snapshot has the actions table (databases published before migration
    003 get it at their next publication)."""
    try:
        cur.execute("select 1 from actions limit 0").fetchall()
    except duckdb.CatalogException:
        return False
    return True


def list_actions(
    conn: context.Source,
    today: dt.date | None = None,
    state: str | None = None,
    department: str | None = None,
    meeting_id: str | None = None,
) -> pd.DataFrame:
    """Actions with their ``state`` on ``today`` (default: today), overdue first, then by due
    date; filtered by state, department and meeting (a month matches all its meetings)."""
    if state is not None and state not in STATES:
        raise ActionError(f"state must be one of {', '.join(STATES)}, got {state!r}")
    cur = conn.cur if isinstance(conn, context.ReadContext) else conn
    params = {
        "today": today or dt.date.today(),
        "state": state,
        "department": department,
        "meeting_id": meeting_id,
    }
    if not _has_actions(cur):
        return _empty()
    return store.run_query(cur, "actions_list", params)


_COLUMNS = (
    "action_id", "title", "department", "category", "complaint_ids", "score_item", "metric",
    "meeting_id", "source", "owner", "due_date", "status", "state", "days_overdue", "evidence",
    "completed_at", "verification_result", "verification_note", "verified_at", "verified_by",
    "created_at", "created_by",
)  # fmt: skip


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(_COLUMNS))


def history(conn: context.Source, action_id: str) -> pd.DataFrame:
    """The change history of one action, oldest first: changed_at, changed_by, field,
    old_value, new_value."""
    cur = conn.cur if isinstance(conn, context.ReadContext) else conn
    if not _has_actions(cur):
        return pd.DataFrame(columns=["changed_at", "changed_by", "field", "old_value", "new_value"])
    return store.run_sql(
        cur,
        "select changed_at, changed_by, field, old_value, new_value from action_history"
        " where action_id = $a order by changed_at, rowid",
        {"a": action_id},
    )


def state_counts(
    conn: context.Source, today: dt.date | None = None, meeting_id: str | None = None
) -> dict[str, int]:
    """Number of actions per state (open, overdue, done, verified; all keys present), of one
    meeting (or month) or of all."""
    df = list_actions(conn, today, meeting_id=meeting_id)
    counts = df["state"].value_counts().to_dict() if not df.empty else {}
    return {s: int(counts.get(s, 0)) for s in STATES}


def overdue_count(conn: context.Source, today: dt.date | None = None) -> int:
    """Number of open actions past their due date."""
    return state_counts(conn, today)["overdue"]


# --------------------------------------------------------------------------- effectiveness


def effectiveness(
    conn: context.Source,
    action_id: str,
    as_of: dt.datetime | None = None,
    window_days: int | None = None,
) -> dict[str, Any]:
    """Compare the action's metric for its department/category in the ``window_days`` before
    the due date with the same number of days from the due date on (like for like: equal
    lengths, same filters, same as-of).

    Returns:
        metric, before, after, change (after − before), better ("higher"/"lower"), improved
        (True/False; None when a value is missing or the after-window is not over by the
        as-of), complete, before_period and after_period (``start..end``, end exclusive).
    """
    from queries.marts import kpi

    ctx = context.of(conn)
    df = list_actions(ctx, meeting_id=None)
    row = df[df["action_id"] == action_id]
    if row.empty:
        raise ActionError(f"no action {action_id!r}")
    action = row.iloc[0]
    days = window_days or ctx.rules.actions.effect_window_days
    due = pd.Timestamp(action["due_date"]).date()
    before = Period(due - dt.timedelta(days=days), due)
    after = Period(due, due + dt.timedelta(days=days))
    metric = action["metric"] if isinstance(action["metric"], str) else "received"
    filters = kpi.Filters(
        department=(action["department"],) if isinstance(action["department"], str) else (),
        category=(action["category"],) if isinstance(action["category"], str) else (),
    )
    as_of = ctx.as_of(as_of)
    value_before = kpi.kpis(ctx, before, filters, as_of).iloc[0][metric]
    value_after = kpi.kpis(ctx, after, filters, as_of).iloc[0][metric]
    vb = None if pd.isna(value_before) else float(value_before)
    va = None if pd.isna(value_after) else float(value_after)
    complete = pd.Timestamp(as_of) >= pd.Timestamp(after.end)
    better = METRICS[metric].better or "lower"
    improved = None
    if complete and vb is not None and va is not None:
        improved = va < vb if better == "lower" else va > vb
    return {
        "action_id": action_id,
        "metric": metric,
        "before": vb,
        "after": va,
        "change": None if vb is None or va is None else va - vb,
        "better": better,
        "improved": improved,
        "complete": bool(complete),
        "before_period": f"{before.start}..{before.end}",
        "after_period": f"{after.start}..{after.end}",
    }
