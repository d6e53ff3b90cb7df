"""Monthly review meetings: one frozen pack of numbers per meeting.

A meeting is prepared for a month at an as-of: every number of the agenda is computed once
through the KPI, scoring and accountability functions and stored as a JSON document
``<db dir>/meetings/<meeting_id>.json`` (written atomically: temp file + ``os.replace``).
The meeting page and the handouts render from that document only, so the same meeting shows
the same numbers next week even after new imports replaced or added complaint records.
Notes per slide are saved into the same document.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from queries import audit, context, output, privacy, store
from queries.output import records
from queries.periods import months_back
from queries.reports import agenda

PACK_FORMAT = 1
MEETINGS_DIRNAME = "meetings"
_ID_RE = re.compile(r"^(\d{4}-(0[1-9]|1[0-2]))(-v([2-9]|[1-9]\d+))?$")
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: Complaint columns a pack may keep (never names, phones or free text).
_COMPLAINT_KEEP = (
    "complaint_id",
    "item",
    "department",
    "department_en",
    "category",
    "severity",
    "channel",
    "received_at",
    "resolution_deadline",
    "working_hours_left",
    "hours_left",
)
_GROUP_KEEP = (
    "group_incident_id",
    "department",
    "department_en",
    "category",
    "first_received_at",
    "last_received_at",
    "n_customers",
    "n_complaints",
)
_PENALTY_KEEP = (
    "penalty_id",
    "complaint_id",
    "department",
    "department_en",
    "responsibility_type",
    "measure",
    "fine_amount",
    "joint_fine",
    "investigation_end",
    "accountability_due",
    "decided_at",
    "days_overdue",
    "appeal_status",
)


class MeetingError(ValueError):
    """A meeting cannot be prepared, found or saved (the message says why)."""


# --------------------------------------------------------------------------- ids, months


def resolve_month(value: str, today: dt.date | None = None) -> str:
    """``YYYY-MM`` as given, or ``last`` → the month before ``today`` (cron use)."""
    if value == "last":
        today = today or dt.date.today()
        first = today.replace(day=1) - dt.timedelta(days=1)
        return first.strftime("%Y-%m")
    if not _MONTH_RE.match(value):
        raise MeetingError(f"month must be YYYY-MM or 'last', got {value!r}")
    return value


def meetings_dir(db_path: Path) -> Path:
    """The folder holding the meetings of a database: ``<db dir>/meetings``."""
    return Path(db_path).resolve().parent / MEETINGS_DIRNAME


def meeting_path(db_path: Path, meeting_id: str) -> Path:
    """The JSON file of a meeting (the id is validated: ``2025-10`` or ``2025-10-v2``)."""
    if not _ID_RE.match(meeting_id):
        raise MeetingError(f"meeting id must look like 2025-10 or 2025-10-v2, got {meeting_id!r}")
    return meetings_dir(db_path) / f"{meeting_id}.json"


def list_meetings(db_path: Path) -> list[dict[str, Any]]:
    """Stored meetings, newest month first: id, month, as_of, prepared_at, scope_ids."""
    found = []
    folder = meetings_dir(db_path)
    if not folder.is_dir():
        return []
    for path in folder.glob("*.json"):
        if not _ID_RE.match(path.stem):
            continue
        try:
            pack = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        found.append(
            {
                "meeting_id": path.stem,
                "month": pack.get("month"),
                "as_of": pack.get("as_of"),
                "prepared_at": pack.get("prepared_at"),
                # the department ids the pack was computed for; None = the company
                "scope_ids": (pack.get("scope") or {}).get("ids"),
            }
        )
    return sorted(found, key=lambda m: (m["month"] or "", _version(m["meeting_id"])), reverse=True)


def _version(meeting_id: str) -> int:
    m = _ID_RE.match(meeting_id)
    return int(m.group(4)) if m and m.group(4) else 1


def next_meeting_id(db_path: Path, month: str) -> str:
    """The id for a new meeting of ``month``: ``2025-10``, then ``2025-10-v2``, ..."""
    taken = {m["meeting_id"] for m in list_meetings(db_path)}
    if month not in taken:
        return month
    n = 2
    while f"{month}-v{n}" in taken:
        n += 1
    return f"{month}-v{n}"


# --------------------------------------------------------------------------- building


def _rows(
    df: pd.DataFrame, keep: tuple[str, ...], english: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The kept columns of complaint/penalty rows, masked, with the department's English name
    (looked up by its Chinese name) next to it."""
    if df is None or df.empty:
        return []
    df = privacy.mask_frame(df)
    if "department" not in df.columns and "department_name_zh" in df.columns:
        df = df.rename(columns={"department_name_zh": "department"})
    if english is not None and "department" in df.columns and "department_en" not in df.columns:
        df = df.assign(department_en=df["department"].map(english))
    return records(df[[c for c in keep if c in df.columns]])


def _with_english(rows: list[dict[str, Any]], english: dict[str, str]) -> list[dict[str, Any]]:
    """Rows keyed by ``department`` (name_zh) with ``department_en`` added after it."""
    out = []
    for row in rows:
        items = list(row.items())
        out.append(dict([items[0], ("department_en", english.get(row["department"])), *items[1:]]))
    return out


def _one(df: pd.DataFrame) -> dict[str, Any]:
    rows = records(df)
    return rows[0] if rows else {}


def _actions_review(ctx: context.ReadContext, month: str, today: dt.date) -> dict[str, Any]:
    """The opening of the meeting: what last month's review decided and where it stands on
    ``today`` (counts per state and the actions not yet done), plus every overdue action."""
    from queries.marts import actions

    previous = months_back(month, 1)
    rows = actions.list_actions(ctx, today, meeting_id=previous)
    overdue_all = actions.list_actions(ctx, today, state="overdue")
    keep = ["action_id", "title", "department", "owner", "due_date", "state", "days_overdue"]
    return {
        "month": previous,
        "today": today.isoformat(),
        "counts": actions.state_counts(ctx, today, meeting_id=previous),
        "open": records(rows[rows["state"].isin(["open", "overdue"])][keep]),
        "overdue_total": len(overdue_all),
    }


def build_pack(
    conn: context.Source,
    month: str,
    as_of: dt.datetime | None = None,
    meeting_id: str | None = None,
    today: dt.date | None = None,
    department: str | None = None,
) -> dict[str, Any]:
    """Compute every number of the meeting agenda for ``month`` at ``as_of`` (default: the
    latest timestamp in the data) as a JSON-ready document. Company-wide, or scoped to one
    ``department`` (id or name; its children included): then the KPIs, trend and lists are
    that department's, the "worst" slide shows its own deductions, the ranking stays the
    company's (its place among the others) and the scope is printed on every slide.

    Args:
        conn: a read-only snapshot connection.
        month: ``YYYY-MM``.
        as_of: the data cut-off; nothing after it exists.
        meeting_id: stored in the document (default: the month).
        today: the day last month's actions are judged on (default: today).
    """
    from queries.marts import accountability, kpi, scoring

    ctx = context.of(conn)
    month = resolve_month(month)
    period = kpi.Period.month(month)
    if as_of is None:
        as_of = ctx.data_as_of
        if as_of is None:
            raise MeetingError("the database holds no complaints yet")
    if pd.Timestamp(as_of) < pd.Timestamp(period.start):
        raise MeetingError(
            f"as-of {pd.Timestamp(as_of):%Y-%m-%d %H:%M} is before {month}: "
            "no data for that month yet (import it first)"
        )
    filters = kpi.Filters(department=(department,) if department else ())
    version = ctx.rules.version_for(period.start)

    cards = kpi.kpi_cards(ctx, period, filters, as_of)
    trend_start = kpi.Period.month(months_back(month, 11)).start
    trend = kpi.trend(
        ctx,
        kpi.Period(trend_start, period.end),
        filters,
        as_of,
        grain="month",
        metrics=agenda.TREND_METRICS,
    )
    scores = scoring.department_scores(ctx, month, as_of)
    scores_prev = scoring.previous_scores(ctx, month, as_of)  # at the same maturity
    english = dict(zip(scores["department"], scores["department_en"], strict=True))
    worst: dict[str, Any] = {}
    department_scope: dict[str, Any] | None = None
    # the lowest-scoring department with enough complaints (small samples are never "worst")
    candidates = scores[scores["n_complaints"] >= (version.min_n_for("score") or 0)]
    if department:  # a meeting on one department: its own deductions, whatever its size
        mask = (scores["department_id"].astype(str) == department) | (
            scores["department"] == department
        )
        candidates = scores[mask | (scores["department_en"] == department)]
        if candidates.empty:
            raise MeetingError(f"department {department!r} has no score in {month}")
        row = candidates.iloc[0]
        department_scope = {
            "department_id": str(row["department_id"]),
            "zh": str(row["department"]),
            "en": row.get("department_en") or None,
        }
    if not candidates.empty:
        low = candidates.sort_values(["score", "department"], ascending=[True, True]).iloc[0]
        items = scoring.score_items(ctx, month, low["department"], as_of)
        complaints = []
        for item in items.sort_values("deduction", ascending=False).itertuples():
            if not item.deduction or item.deduction <= 0:
                continue
            behind = scoring.score_complaints(ctx, month, low["department"], item.item, as_of)
            behind = behind.head(5).assign(item=item.item)
            complaints.extend(_rows(behind, _COMPLAINT_KEEP, english))
        worst = {
            "department": low["department"],
            "department_en": low.get("department_en"),
            "score": float(low["score"]),
            "rank": int(low["rank"]),
            "items": records(items),
            "complaints": complaints,
        }
    score_cols = [c for c in scores.columns if c != "deductions"]
    pack: dict[str, Any] = {
        "format": PACK_FORMAT,
        "meeting_id": meeting_id or month,
        "month": month,
        "as_of": pd.Timestamp(as_of).isoformat(sep=" "),
        "prepared_at": dt.datetime.now().replace(microsecond=0).isoformat(sep=" "),
        "filters": {f: list(getattr(filters, f)) for f in kpi.FILTER_FIELDS},
        "department_scope": department_scope,
        "rules_version": {
            "id": version.id,
            "effective_from": version.effective_from.isoformat(),
            "effective_to": version.effective_to.isoformat() if version.effective_to else None,
        },
        "metrics": {
            name: {"zh": m.zh, "en": m.en, "unit": m.unit, "better": m.better}
            for name, m in kpi.METRICS.items()
        },
        "kpis": _one(kpi.kpis(ctx, period, filters, as_of)),
        "cards": [
            {
                "metric": c.metric,
                "value": c.value,
                "previous": c.previous,
                "year_ago": c.year_ago,
                "target": c.target,
                "status": c.status,
                "n": c.n,
                "previous_as_of": c.previous_ref.as_of if c.previous_ref else None,
                "year_ago_as_of": c.year_ago_ref.as_of if c.year_ago_ref else None,
                "coverage": c.coverage,
                "not_measured": c.not_measured,
                "small_sample": c.small_sample,
                "min_n": c.min_n,
            }
            for c in cards
        ],
        "min_n_score": version.min_n_for("score"),
        "trend": records(trend),
        "by_department": _with_english(
            records(kpi.kpis(ctx, period, filters, as_of, by="department")), english
        ),
        "by_category": records(kpi.kpis(ctx, period, filters, as_of, by="category")),
        "scores": records(scores[score_cols]),
        "scores_previous": records(
            scores_prev[[c for c in ("department", "score", "rank") if c in scores_prev]]
        ),
        "worst": worst,
        "root_causes": records(kpi.root_causes(ctx, period, filters, as_of)),
        "group_incidents": _rows(
            kpi.group_incidents(ctx, period, filters, as_of), _GROUP_KEEP, english
        ),
        "at_risk": _rows(kpi.at_risk(ctx, as_of, filters, limit=200), _COMPLAINT_KEEP, english),
        "accountability": _one(accountability.accountability(ctx, period, filters, as_of)),
        "accountability_overdue": _rows(
            accountability.accountability_list(ctx, "overdue", period, filters, as_of),
            _PENALTY_KEEP,
            english,
        ),
        "accountability_appealed": _rows(
            accountability.accountability_list(ctx, "appealed", period, filters, as_of),
            _PENALTY_KEEP,
            english,
        ),
        "actions_review": _actions_review(ctx, month, today or dt.date.today()),
        "decisions": [],
        "notes": {},
        # whose view this is: the viewer's department scope, printed on every slide/page
        "scope": {
            "ids": list(ctx.scope) if ctx.scope is not None else None,
            "zh": context.scope_text(ctx, "zh"),
            "en": context.scope_text(ctx, "en"),
        },
    }
    # JSON round trip: the stored document and the one in memory are the same numbers.
    # NaN → null, NumPy scalars → numbers, timestamps → ISO text (output's JSON rules); the
    # round trip makes the document in memory identical to the stored one.
    return json.loads(json.dumps(output._plain(pack), ensure_ascii=False, allow_nan=False))


# --------------------------------------------------------------------------- storing


@contextlib.contextmanager
def _meeting_lock(db_path: Path) -> Iterator[None]:
    folder = meetings_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _write_atomic(path: Path, pack: dict[str, Any]) -> None:
    data = json.dumps(pack, ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(db_path: Path, pack: dict[str, Any]) -> Path:
    """Store a pack as ``<db dir>/meetings/<meeting_id>.json`` (atomic replace)."""
    path = meeting_path(db_path, pack["meeting_id"])
    with _meeting_lock(db_path):
        _write_atomic(path, pack)
    return path


def load(db_path: Path, meeting_id: str) -> dict[str, Any]:
    """Read a stored meeting pack."""
    path = meeting_path(db_path, meeting_id)
    try:
        pack = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MeetingError(f"no meeting {meeting_id!r} in {path.parent}") from None
    except json.JSONDecodeError as exc:
        raise MeetingError(f"{path}: not a meeting document ({exc})") from None
    if pack.get("format") != PACK_FORMAT:
        raise MeetingError(f"{path}: unknown meeting format {pack.get('format')!r}")
    return pack


def prepare(
    db_path: Path,
    month: str,
    as_of: dt.datetime | None = None,
    meeting_id: str | None = None,
    replace: bool = False,
    today: dt.date | None = None,
    scope: Sequence[str] | None = None,
    who: str | None = None,
    department: str | None = None,
) -> dict[str, Any]:
    """Compute and store a new meeting for ``month`` from the current published database,
    for the department subtrees ``scope`` (None: the company); ``who`` (default: the OS
    user) is recorded in the audit trail.

    Args:
        db_path: the database file; the meeting goes to ``<db dir>/meetings``.
        month: ``YYYY-MM`` or ``last``.
        as_of: the data cut-off (default: the latest timestamp in the data).
        meeting_id: default: the next free id of the month (``2025-10``, ``2025-10-v2``...).
        replace: allow overwriting an existing meeting of that id.
        today: the day last month's actions are judged on (default: today).
        department: scope the meeting to one department (default: the company).
    """
    month = resolve_month(month)
    meeting_id = meeting_id or next_meeting_id(db_path, month)
    path = meeting_path(db_path, meeting_id)
    if not meeting_id.startswith(month):
        raise MeetingError(f"meeting id {meeting_id!r} does not belong to month {month}")
    if path.exists() and not replace:
        raise MeetingError(f"meeting {meeting_id} exists already; choose another id")
    conn = store.open_snapshot(db_path)
    try:
        pack = build_pack(
            context.open_context(conn, scope=scope),
            month,
            as_of,
            meeting_id,
            today,
            department=department,
        )
    finally:
        conn.close()
    save(db_path, pack)
    audit.record(
        db_path,
        "meeting_freeze",
        who=who,
        scope=pack["scope"]["en"],
        detail={"meeting": meeting_id},
    )
    return pack


def set_note(
    db_path: Path, meeting_id: str, slide_id: str, note: str, who: str | None = None
) -> dict[str, Any]:
    """Save the notes/decisions of one slide into the meeting's document, recording who
    wrote them and when in ``note_authors`` and in the audit trail (``who`` default: the OS
    user); returns the pack."""
    if slide_id not in agenda.SLIDE_IDS:
        raise MeetingError(f"unknown slide {slide_id!r}")
    path = meeting_path(db_path, meeting_id)
    with _meeting_lock(db_path):
        pack = load(db_path, meeting_id)
        notes = dict(pack.get("notes") or {})
        authors = dict(pack.get("note_authors") or {})
        if note.strip():
            notes[slide_id] = note
            authors[slide_id] = {
                "author": who or audit.os_user(),
                "at": dt.datetime.now().replace(microsecond=0).isoformat(sep=" "),
            }
        else:
            notes.pop(slide_id, None)
            authors.pop(slide_id, None)
        before = (pack.get("notes") or {}).get(slide_id, "")
        pack["notes"] = notes
        pack["note_authors"] = authors
        _write_atomic(path, pack)
    audit.record(
        db_path,
        "note_change",
        who=who,
        detail={"meeting": meeting_id, "slide": slide_id, "before": before, "after": note},
    )
    return pack


def add_action(
    db_path: Path,
    meeting_id: str,
    slide_id: str,
    *,
    title: str,
    owner: str,
    due: dt.date | int | None = None,
    department: str | None = None,
    category: str | None = None,
    complaint_ids: tuple[str, ...] | list[str] = (),
    score_item: str | None = None,
    metric: str | None = None,
    user: str | None = None,
    now: dt.datetime | None = None,
    default_due_working_days: int = 10,
) -> str:
    """Decide a rectification action at a meeting: create it (``actions.create``, source
    meeting) and record the decision in the meeting's document (the decisions slide and
    the handouts list it). Returns the action id."""
    from queries.marts import actions

    if slide_id not in agenda.SLIDE_IDS:
        raise MeetingError(f"unknown slide {slide_id!r}")
    load(db_path, meeting_id)  # the meeting must exist
    action_id = actions.create(
        db_path,
        title=title,
        owner=owner,
        due=due,
        department=department,
        category=category,
        complaint_ids=complaint_ids,
        score_item=score_item,
        metric=metric,
        meeting_id=meeting_id,
        source="meeting",
        user=user,
        now=now,
        default_due_working_days=default_due_working_days,
    )
    snapshot = store.open_snapshot(db_path)
    try:
        row = actions.list_actions(snapshot, meeting_id=meeting_id)
    finally:
        snapshot.close()
    row = row[row["action_id"] == action_id].iloc[0]
    with _meeting_lock(db_path):
        pack = load(db_path, meeting_id)
        pack.setdefault("decisions", []).append(
            {
                "action_id": action_id,
                "slide": slide_id,
                "title": str(row["title"]),
                "department": row["department"] if isinstance(row["department"], str) else None,
                "owner": str(row["owner"]),
                "due_date": pd.Timestamp(row["due_date"]).date().isoformat(),
            }
        )
        _write_atomic(meeting_path(db_path, meeting_id), pack)
    return action_id
