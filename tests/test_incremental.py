"""Incremental publication: an import re-derives only what its rows can affect, and the
derived tables then equal a full rebuild, table by table, row for row; an unchanged file
publishes nothing."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import duckdb
import pytest

from queries import staging, store
from queries.importer.pipeline import import_file
from queries.marts import kpi
from queries.staging import kpi_month
from tests.import_fixtures import checksum, write_csv

T = dt.datetime
HEADERS = [
    "complaint_id",
    "received_at",
    "department",
    "category",
    "customer_id",
    "severity",
    "status",
    "first_response_at",
    "resolved_at",
    "parent_complaint_id",
    "escalation_level",
]
PENALTY_HEADERS = [
    "penalty_id",
    "complaint_id",
    "person",
    "department",
    "responsibility_type",
    "fine_amount",
    "investigation_end",
]
DEPARTMENTS = ["客服部", "零售部", "信用卡部"]
CATEGORIES = ["服务态度", "收费"]
STATUSES = ["", "", "", "resolved", "withdrawn", "duplicate"]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def complaint(cid: str, at: dt.datetime, **kw: object) -> list[str]:
    """One complaint row of HEADERS (defaults: 客服部, 服务态度, customer C1)."""
    values = {
        "complaint_id": cid,
        "received_at": at,
        "department": "客服部",
        "category": "服务态度",
        "customer_id": "C1",
        "severity": "general",
        **kw,
    }
    return [_text(values.get(h)) for h in HEADERS]


#: Every derived table, the monthly KPI mart last.
DERIVED = (*staging.STAGING_TABLES, kpi_month.TABLE)


def _digits(row: tuple) -> tuple:
    """A mart row with floats to 12 significant digits: a mean's last binary digits follow
    the order the rows are summed in, which a partial update may change."""
    return tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in row)


def stg_tables(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every derived table's rows (and the monthly KPI mart's), sorted (NULLs first)."""
    out = {
        t: conn.execute(f"select * from {t} order by all nulls first").fetchall()
        for t in staging.STAGING_TABLES
    }
    mart = conn.execute(f"select * from {kpi_month.TABLE} order by all nulls first").fetchall()
    out[kpi_month.TABLE] = [_digits(r) for r in mart]
    return out


def assert_equals_full_rebuild(dbp: Path, tmp: Path) -> None:
    """The published derived tables equal a full ``staging.refresh`` of the same canonical
    tables, for every derived table."""
    conn = store.open_snapshot(dbp)
    try:
        published = stg_tables(conn)
    finally:
        conn.close()
    copy = tmp / "full.duckdb"
    shutil.copyfile(dbp, copy)
    conn = duckdb.connect(str(copy))
    try:
        staging.refresh(conn)
        full = stg_tables(conn)
    finally:
        conn.close()
        copy.unlink()
    for table in DERIVED:
        assert published[table] == full[table], table


@pytest.fixture
def refreshes(monkeypatch):
    """Records each publication's derive step (``staging.refresh`` with the changes): whether
    it was incremental or full (the tests' own full rebuilds are not recorded)."""
    calls: list[str] = []
    real = staging.refresh

    def refresh(conn, rule_set=None, *, changes=None):
        mode = real(conn, rule_set, changes=changes)
        if changes is not None:
            calls.append(mode)
        return mode

    monkeypatch.setattr(staging, "refresh", refresh)
    return calls


def _import(dbp: Path, tmp: Path, name: str, rows: list[list[str]], headers=HEADERS):
    res = import_file(dbp, write_csv(tmp / name, headers, rows))
    assert res.outcome == "ok", res.message
    return res


def test_unchanged_file_publishes_nothing_and_says_so(tmp_path, refreshes):
    dbp = tmp_path / "u.duckdb"
    rows = [complaint(f"K{i}", T(2025, 3, 3, 9 + i)) for i in range(4)]
    first = _import(dbp, tmp_path, "a.csv", rows)
    assert (first.imported, first.updated, first.unchanged, first.published) == (4, 0, 0, True)
    before = dbp.stat()
    again = _import(dbp, tmp_path, "a.csv", rows)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 4)
    assert (again.published, again.already_imported) == (False, True)
    assert again.message.startswith("4 rows: 0 new, 0 changed, 4 unchanged")
    assert "not republished" in again.message
    after = dbp.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert refreshes == ["full"]  # the first import built everything; the second nothing


def test_partly_changed_file_writes_only_changed_rows(tmp_path, refreshes):
    dbp = tmp_path / "p.duckdb"
    rows = [complaint(f"K{i}", T(2025, 3, 3, 9 + i)) for i in range(4)]
    _import(dbp, tmp_path, "a.csv", rows)
    rows[1] = complaint("K1", T(2025, 3, 3, 10), status="resolved", resolved_at=T(2025, 3, 4))
    rows.append(complaint("K9", T(2025, 3, 5)))
    res = _import(dbp, tmp_path, "b.csv", rows)
    assert (res.imported, res.updated, res.unchanged, res.published) == (1, 1, 3, True)
    assert refreshes == ["full", "incremental"]
    assert_equals_full_rebuild(dbp, tmp_path)


def test_repeat_window_straddling_the_imported_rows(tmp_path, refreshes):
    """A customer's complaints before, between and after the imported ones: the later
    complaints' repeat links follow the new and the moved rows."""
    dbp = tmp_path / "r.duckdb"
    _import(
        dbp,
        tmp_path,
        "a.csv",
        [
            complaint("R1", T(2025, 1, 1, 9)),
            complaint("R3", T(2025, 1, 25, 9)),  # 24 days after R1: a repeat of R1
            complaint("R4", T(2025, 3, 10, 9)),  # 44 days after R3: not a repeat
            complaint("O1", T(2025, 1, 26, 9), customer_id="C2"),
            complaint("O0", T(2024, 12, 2, 9), customer_id="C3"),  # the first day
        ],
    )
    # R2 lands between R1 and R3 (R3 now repeats R2); R1 moves to February, after R3
    res = _import(
        dbp,
        tmp_path,
        "b.csv",
        [complaint("R2", T(2025, 1, 10, 9)), complaint("R1", T(2025, 2, 20, 9))],
    )
    assert (res.imported, res.updated) == (1, 1)
    assert refreshes == ["full", "incremental"]
    conn = store.open_snapshot(dbp)
    got = conn.execute(
        "select complaint_id, is_repeat, repeat_of_complaint_id from stg_complaints order by 1"
    ).fetchall()
    conn.close()
    assert got == [
        ("O0", False, None),
        ("O1", False, None),
        ("R1", True, "R3"),  # 26 days after R3
        ("R2", False, None),
        ("R3", True, "R2"),
        ("R4", True, "R1"),  # 18 days after R1's new date
    ]
    assert_equals_full_rebuild(dbp, tmp_path)


def test_group_incident_gains_a_member(tmp_path, refreshes):
    """Five customers of 零售部/收费 within 24 h form an incident; a sixth complaint inside
    the window joins it, and a complaint moved into the window from another department
    joins it too."""
    dbp = tmp_path / "g.duckdb"
    at = T(2025, 4, 1, 8)
    rows = [
        complaint(
            f"G{i}",
            at + dt.timedelta(hours=i),
            department="零售部",
            category="收费",
            customer_id=f"C{i}",
        )
        for i in range(5)
    ]
    rows.append(
        complaint(
            "X1", at + dt.timedelta(hours=2), department="客服部", category="收费", customer_id="C7"
        )
    )
    _import(dbp, tmp_path, "a.csv", rows)
    conn = store.open_snapshot(dbp)
    assert conn.execute(
        "select group_incident_id, n_complaints, n_customers from stg_group_incidents"
    ).fetchall() == [("G-G0", 5, 5)]
    conn.close()
    _import(
        dbp,
        tmp_path,
        "b.csv",
        [
            complaint(
                "G5",
                at + dt.timedelta(hours=6),
                department="零售部",
                category="收费",
                customer_id="C9",
            ),
            complaint(
                "X1",
                at + dt.timedelta(hours=2),
                department="零售部",
                category="收费",
                customer_id="C7",
            ),
        ],
    )
    assert refreshes == ["full", "incremental"]
    conn = store.open_snapshot(dbp)
    assert conn.execute(
        "select group_incident_id, n_complaints, n_customers, department_id"
        " from stg_group_incidents"
    ).fetchall() == [("G-G0", 7, 7, "零售部")]
    members = conn.execute(
        "select complaint_id from stg_complaints where group_incident_id = 'G-G0' order by 1"
    ).fetchall()
    conn.close()
    assert [m[0] for m in members] == ["G0", "G1", "G2", "G3", "G4", "G5", "X1"]
    assert_equals_full_rebuild(dbp, tmp_path)


def test_penalty_on_a_changed_complaint(tmp_path, refreshes):
    """A penalty's complaint facts (escalation level → joint fine) follow the complaint."""
    dbp = tmp_path / "pen.duckdb"
    _import(dbp, tmp_path, "a.csv", [complaint("P1", T(2025, 5, 6, 9), escalation_level=1)])
    _import(
        dbp,
        tmp_path,
        "p.csv",
        [["PN1", "P1", "张三", "客服部", "employee", "1000", "2025-05-20"]],
        PENALTY_HEADERS,
    )
    _import(dbp, tmp_path, "b.csv", [complaint("P1", T(2025, 5, 6, 9), escalation_level=3)])
    assert refreshes == ["full", "incremental", "incremental"]
    conn = store.open_snapshot(dbp)
    got = conn.execute(
        "select penalty_id, complaint_escalation_level, joint_fine, joint_fine_derived"
        " from stg_penalties"
    ).fetchall()
    conn.close()
    assert got[0][:2] == ("PN1", 3)
    assert got[0][3] is True
    assert_equals_full_rebuild(dbp, tmp_path)


def _random_row(rng: random.Random, cid: str, start: dt.datetime) -> list[str]:
    burst = rng.random() < 0.5  # half in one busy day of 零售部/收费: group incidents form
    minutes = rng.randrange(0, 60 * 20, 7) if burst else rng.randrange(0, 60 * 24 * 70, 7)
    at = start + dt.timedelta(days=5 * burst, minutes=minutes)
    responded = at + dt.timedelta(hours=rng.choice([1, 5, 30])) if rng.random() < 0.7 else None
    resolved = at + dt.timedelta(days=rng.choice([1, 3, 9])) if rng.random() < 0.5 else None
    return complaint(
        cid,
        at,
        department="零售部" if burst else rng.choice(DEPARTMENTS),
        category="收费" if burst else rng.choice(CATEGORIES),
        customer_id=f"C{rng.randrange(7)}",
        severity=rng.choice(["general", "urgent", "major"]),
        status=rng.choice(STATUSES),
        first_response_at=responded,
        resolved_at=resolved,
        parent_complaint_id=f"R{rng.randrange(5)}" if rng.random() < 0.1 else None,
        escalation_level=rng.choice([None, 1, 2, 3]),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_imports_updates_and_voids_equal_a_full_rebuild(tmp_path, refreshes, seed):
    """A seeded random sequence of imports of new complaints, updates (time, customer,
    department, category moved), voids (status withdrawn/duplicate) and penalties: after
    every step each derived table equals a full rebuild."""
    rng = random.Random(seed)
    dbp = tmp_path / "rand.duckdb"
    start = T(2025, 2, 3)
    # the earliest complaint, never changed: the calendar's first day stays put (an earlier
    # first day shifts every working-time count: a full rebuild, tested separately)
    _import(dbp, tmp_path, "first.csv", [complaint("FIRST", start - dt.timedelta(days=1))])
    known: dict[str, list[str]] = {}
    penalties = 0
    for step in range(8):
        rows = []
        for _ in range(rng.randint(3, 12)):  # new complaints, clustered so groups form
            cid = f"R{len(known)}"
            known[cid] = _random_row(rng, cid, start)
            rows.append(known[cid])
        for cid in rng.sample(sorted(known), min(len(known), rng.randint(0, 6))):
            row = _random_row(rng, cid, start)
            keep = rng.random()
            if keep < 0.3:  # a void only
                row = [*known[cid]]
                row[HEADERS.index("status")] = rng.choice(["withdrawn", "duplicate"])
            elif keep < 0.5:  # the same time, another customer or department
                row[HEADERS.index("received_at")] = known[cid][HEADERS.index("received_at")]
            known[cid] = row
            rows.append(row)
        rng.shuffle(rows)
        _import(dbp, tmp_path, f"s{step}.csv", rows)
        if step % 3 == 1:
            pens = []
            for cid in rng.sample(sorted(known), 2):
                pens.append(
                    [
                        f"PN{penalties}",
                        cid,
                        "李四",
                        rng.choice(DEPARTMENTS),
                        "employee",
                        "500",
                        "2025-04-01",
                    ]
                )
                penalties += 1
            _import(dbp, tmp_path, f"p{step}.csv", pens, PENALTY_HEADERS)
        assert_equals_full_rebuild(dbp, tmp_path)
    assert refreshes == ["full"] + ["incremental"] * (len(refreshes) - 1)
    conn = store.open_snapshot(dbp)
    n_groups, n_repeats = conn.execute(
        "select (select count(*) from stg_group_incidents),"
        " (select count(*) from stg_complaints where is_repeat)"
    ).fetchall()[0]
    conn.close()
    assert n_groups > 0 and n_repeats > 0  # the sequence exercised both windows


def test_an_earlier_first_day_rebuilds_in_full(tmp_path, refreshes):
    dbp = tmp_path / "e.duckdb"
    _import(dbp, tmp_path, "a.csv", [complaint("E1", T(2025, 6, 2, 9))])
    _import(dbp, tmp_path, "b.csv", [complaint("E2", T(2025, 6, 9, 9))])
    _import(dbp, tmp_path, "c.csv", [complaint("E0", T(2025, 5, 2, 9))])
    assert refreshes == ["full", "incremental", "full"]
    assert_equals_full_rebuild(dbp, tmp_path)


def test_a_departments_import_rebuilds_in_full(tmp_path, refreshes):
    dbp = tmp_path / "d.duckdb"
    _import(dbp, tmp_path, "a.csv", [complaint("D1", T(2025, 6, 2, 9), department="CS")])
    _import(
        dbp,
        tmp_path,
        "dep.csv",
        [["CS", "客服部", "Customer service", ""]],
        ["department_id", "name_zh", "name_en", "parent_id"],
    )
    assert refreshes == ["full", "full"]
    conn = store.open_snapshot(dbp)
    assert conn.execute("select department_name_zh from stg_complaints").fetchall() == [("客服部",)]
    conn.close()
    assert checksum(dbp, "stg_complaints", "complaint_id")
    assert_equals_full_rebuild(dbp, tmp_path)


# --- the time-bounded group step: rows at its bounds, chains, moves, deletions ----------


def _g(cid: str, at: dt.datetime, customer: str, **kw: str) -> list[str]:
    """A complaint of 零售部/收费 (unless overridden) by ``customer``."""
    return complaint(
        cid, at, **{"department": "零售部", "category": "收费", "customer_id": customer, **kw}
    )


def _incidents(dbp: Path) -> list[tuple]:
    conn = store.open_snapshot(dbp)
    try:
        return conn.execute(
            "select group_incident_id, n_complaints, n_customers, department_id, category"
            " from stg_group_incidents order by 1"
        ).fetchall()
    finally:
        conn.close()


def _incident_of(dbp: Path, cid: str) -> str | None:
    conn = store.open_snapshot(dbp)
    try:
        return conn.execute(
            "select group_incident_id from stg_complaints where complaint_id = $c", {"c": cid}
        ).fetchall()[0][0]
    finally:
        conn.close()


# the calendar's first day, never moved (an earlier one is a full rebuild)
_ANCHOR = complaint("Z0", T(2025, 3, 1, 9), department="客服部", customer_id="Z")


def test_group_rows_at_exactly_the_window_distance(tmp_path, refreshes):
    """The window [t - 24 h, t] includes both ends: a row moved to exactly 24 h before a
    later row completes its five customers (the recomputed span's far end), moved 1 s
    further it does not; a new row exactly 24 h after an unchanged one counts it (the
    recomputation's context reaches exactly one window back)."""
    dbp = tmp_path / "b.duckdb"
    t0 = T(2025, 4, 1, 8)
    hour, sec = dt.timedelta(hours=1), dt.timedelta(seconds=1)
    base = [_g(f"A{i}", t0 + i * hour, f"C{i}") for i in range(1, 5)]
    a5 = _g("A5", t0 + 25 * hour + sec, "C5")  # A2..A5 within 24 h: four customers
    _import(dbp, tmp_path, "a.csv", [_ANCHOR, *base, a5])
    assert _incidents(dbp) == []
    # A1 to t0 + 1 h + 1 s: exactly 24 h before A5
    _import(dbp, tmp_path, "b.csv", [_g("A1", t0 + hour + sec, "C1")])
    assert _incidents(dbp) == [("G-A1", 5, 5, "零售部", "收费")]
    assert_equals_full_rebuild(dbp, tmp_path)
    # 1 s earlier: 24 h + 1 s before A5, out of its window
    _import(dbp, tmp_path, "c.csv", [_g("A1", t0 + hour, "C1")])
    assert _incidents(dbp) == []
    assert_equals_full_rebuild(dbp, tmp_path)
    # A0 exactly 24 h after the unchanged A1: A1..A4 + A0 are five customers; A5 then
    # chains on (A2..A5 + A0) and joins the same incident
    _import(dbp, tmp_path, "d.csv", [_g("A0", t0 + 25 * hour, "C6")])
    assert _incidents(dbp) == [("G-A1", 6, 6, "零售部", "收费")]
    assert _incident_of(dbp, "A5") == "G-A1"
    assert_equals_full_rebuild(dbp, tmp_path)
    assert refreshes == ["full", "incremental", "incremental", "incremental"]


def test_a_chain_of_windows_longer_than_one_window(tmp_path, refreshes):
    """30 complaints 4 h apart by 6 customers in turn chain into one incident of 116 h
    (from the 5th complaint on each is a trigger). Moving the middle day's six to another
    category splits it: the second half becomes its own incident, renamed up to 48 h after
    the moved rows; moving them back rejoins it; a new earliest member renames all 31."""
    dbp = tmp_path / "c.duckdb"
    t0 = T(2025, 4, 7, 8)
    four = dt.timedelta(hours=4)
    rows = [_g(f"K{i:02d}", t0 + i * four, f"C{i % 6}") for i in range(30)]
    _import(dbp, tmp_path, "a.csv", [_ANCHOR, *rows])
    assert _incidents(dbp) == [("G-K00", 30, 6, "零售部", "收费")]
    middle = rows[12:18]
    moved = [[*r] for r in middle]
    for r in moved:
        r[HEADERS.index("category")] = "服务态度"
    _import(dbp, tmp_path, "b.csv", moved)
    # K11 at +44 h, K18 at +72 h: K18..K22 reach five customers at +88 h (window from
    # +64 h, after K11): a new incident from K18
    assert _incidents(dbp) == [
        ("G-K00", 12, 6, "零售部", "收费"),
        ("G-K12", 6, 6, "零售部", "服务态度"),
        ("G-K18", 12, 6, "零售部", "收费"),
    ]
    assert _incident_of(dbp, "K29") == "G-K18"
    assert_equals_full_rebuild(dbp, tmp_path)
    _import(dbp, tmp_path, "c.csv", middle)
    assert _incidents(dbp) == [("G-K00", 30, 6, "零售部", "收费")]
    assert _incident_of(dbp, "K29") == "G-K00"
    assert_equals_full_rebuild(dbp, tmp_path)
    # 8 h before K00, by a 7th customer: K03's window now holds five customers and starts
    # the incident 12 h before K00; K29 (124 h later) is renamed
    _import(dbp, tmp_path, "d.csv", [_g("KA0", t0 - 2 * four, "C9")])
    assert _incidents(dbp) == [("G-KA0", 31, 7, "零售部", "收费")]
    assert _incident_of(dbp, "K29") == "G-KA0"
    assert_equals_full_rebuild(dbp, tmp_path)
    assert refreshes == ["full", "incremental", "incremental", "incremental"]


def test_the_trigger_moves_to_another_department_or_is_deleted(tmp_path, refreshes):
    """D4, the only trigger of a five-customer incident in 零售部, moves to 信用卡部: the old
    incident is gone and one forms there with four customers already in its window. The
    same trigger deleted from the canonical table (refresh with its key) leaves no
    incident, as a full rebuild does."""
    dbp = tmp_path / "t.duckdb"
    t0 = T(2025, 5, 5, 8)
    hour = dt.timedelta(hours=1)
    rows = [_g(f"D{i}", t0 + i * hour, f"C{i}") for i in range(5)]
    others = [_g(f"E{i}", t0 + (i + 0.5) * hour, f"C1{i}", department="信用卡部") for i in range(4)]
    _import(dbp, tmp_path, "a.csv", [_ANCHOR, *rows, *others])
    assert _incidents(dbp) == [("G-D0", 5, 5, "零售部", "收费")]
    shutil.copyfile(dbp, tmp_path / "before.duckdb")
    _import(dbp, tmp_path, "b.csv", [_g("D4", t0 + 4 * hour, "C4", department="信用卡部")])
    assert _incidents(dbp) == [("G-E0", 5, 5, "信用卡部", "收费")]
    assert _incident_of(dbp, "D0") is None
    assert_equals_full_rebuild(dbp, tmp_path)
    assert refreshes == ["full", "incremental"]

    def derived_after_delete(name: str, changes: staging.Changes | None) -> dict:
        path = tmp_path / name
        shutil.copyfile(tmp_path / "before.duckdb", path)
        conn = duckdb.connect(str(path))
        try:
            conn.execute("delete from complaints where complaint_id = 'D4'")
            mode = staging.refresh(conn, changes=changes)
            assert mode == ("full" if changes is None else "incremental")
            return stg_tables(conn)
        finally:
            conn.close()

    incremental = derived_after_delete("inc.duckdb", staging.Changes(complaints={"D4"}))
    full = derived_after_delete("full.duckdb", None)
    assert incremental["stg_group_incidents"] == []
    assert incremental["stg_group_members"] == []
    for table in DERIVED:
        assert incremental[table] == full[table], table


def test_a_newly_supplied_stage_column_measures_the_departments_earlier_stages(tmp_path, refreshes):
    """客服部's first file has no acknowledgement column, so its acknowledge stage is not
    measured; a later file of 客服部 with the column makes every 客服部 complaint's stage
    measured (stg_supplied: the union of the department's files), incrementally, and 零售部's
    stays not measured."""
    dbp = tmp_path / "s.duckdb"
    first = [
        complaint("S1", T(2025, 6, 2, 9)),
        complaint("S2", T(2025, 6, 3, 9)),
        complaint("R1", T(2025, 6, 3, 10), department="零售部"),
    ]
    _import(dbp, tmp_path, "a.csv", first)
    later = [*complaint("S3", T(2025, 6, 4, 9)), "2025-06-04 10:00:00"]
    _import(dbp, tmp_path, "b.csv", [later], [*HEADERS, "acknowledged_at"])
    assert refreshes == ["full", "incremental"]
    conn = store.open_snapshot(dbp)
    measured = conn.execute(
        "select complaint_id, measured, done_at from stg_stages"
        " where stage = 'acknowledge' order by complaint_id"
    ).fetchall()
    conn.close()
    assert measured == [
        ("R1", False, None),
        ("S1", True, None),
        ("S2", True, None),
        ("S3", True, T(2025, 6, 4, 10)),
    ]
    assert_equals_full_rebuild(dbp, tmp_path)


def test_a_new_version_of_the_staging_sql_rebuilds_in_full(tmp_path, refreshes, monkeypatch):
    """A database published by a version whose staging SQL differed (here: ``stg_stages``
    without ``received_at``, as before that column existed) is never read or updated as if
    current: a reader rebuilds the derived tables in its own memory, and the next import
    rebuilds them in full."""
    dbp = tmp_path / "v.duckdb"
    current = staging._sql_fingerprint
    monkeypatch.setattr(staging, "_sql_fingerprint", lambda: "older")
    _import(dbp, tmp_path, "a.csv", [complaint("V1", T(2025, 6, 2, 9))])
    monkeypatch.setattr(staging, "_sql_fingerprint", current)
    conn = duckdb.connect(str(dbp))
    conn.execute("alter table stg_stages drop column received_at")
    conn.close()
    reader = store.open_snapshot(dbp)
    try:
        row = kpi.kpis(reader, kpi.Period.month("2025-06"), ladder=True).iloc[0]
        assert (row["received"], row["n_measured_stage_acknowledge"]) == (1, 0)
    finally:
        reader.close()
    _import(dbp, tmp_path, "b.csv", [complaint("V2", T(2025, 6, 3, 9))])
    assert refreshes == ["full", "full"]
    conn = store.open_snapshot(dbp)
    received = conn.execute(
        "select distinct complaint_id, received_at from stg_stages order by 1"
    ).fetchall()
    conn.close()
    assert received == [("V1", T(2025, 6, 2, 9)), ("V2", T(2025, 6, 3, 9))]
    assert_equals_full_rebuild(dbp, tmp_path)
