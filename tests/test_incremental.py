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

from queries import staging
from queries import store as db
from queries.importer.pipeline import import_file
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


def stg_tables(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every derived table's rows, sorted (NULLs first)."""
    return {
        t: conn.execute(f"select * from {t} order by all nulls first").fetchall()
        for t in staging.STAGING_TABLES
    }


def assert_equals_full_rebuild(dbp: Path, tmp: Path) -> None:
    """The published derived tables equal a full ``staging.refresh`` of the same canonical
    tables, for every derived table."""
    conn = db.open_snapshot(dbp)
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
    for table in staging.STAGING_TABLES:
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
    conn = db.open_snapshot(dbp)
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
    conn = db.open_snapshot(dbp)
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
    conn = db.open_snapshot(dbp)
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
    conn = db.open_snapshot(dbp)
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
    conn = db.open_snapshot(dbp)
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
    conn = db.open_snapshot(dbp)
    assert conn.execute("select department_name_zh from stg_complaints").fetchall() == [("客服部",)]
    conn.close()
    assert checksum(dbp, "stg_complaints", "complaint_id")
    assert_equals_full_rebuild(dbp, tmp_path)


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
    conn = db.open_snapshot(dbp)
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
