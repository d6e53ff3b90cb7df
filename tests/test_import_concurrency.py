"""Crash safety and concurrent viewers: kill -9 at random moments of imports, and a reader
process querying while imports publish."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from queries import store
from queries.importer import import_file
from tests import ROOT
from tests.import_fixtures import checksum, write_csv

HEADERS = ["投诉编号", "受理时间", "责任部门", "投诉渠道", "处理状态", "投诉内容"]


def _file(path: Path, variant: str, ids: range) -> Path:
    rows = [
        [
            f"K{i:06d}",
            f"2025-10-{1 + i % 28:02d} {i % 24:02d}:05",
            "客服部" if variant == "A" else "零售部",
            "电话" if variant == "A" else "微信",
            "处理中" if variant == "A" else "已办结",
            f"{variant} 内容 {i}" * 5,
        ]
        for i in ids
    ]
    return write_csv(path, HEADERS, rows)


#: Where a writer can be killed, in the order one import passes them, and whether the
#: database then holds the state before or after that import: ``locked`` (writer lock
#: held, no copy yet), ``migrated`` (private copy open), ``derived`` (rows upserted, derived
#: tables rebuilt, not checkpointed), ``replacing`` (copy closed and fsynced, about to be
#: moved over the serving file), ``replaced`` (moved, folder not yet fsynced), ``done``.
KILL_POINTS = (
    ("locked", "before"),
    ("migrated", "before"),
    ("derived", "before"),
    ("replacing", "before"),
    ("replaced", "after"),
    ("done", "after"),
)
KILLS = 60  # every point x held or not x during the import of A or of B, five rounds


def _writer(dbp: Path, files: tuple[Path, Path], target: tuple[int, str], hold: bool, wfd):
    """Child process body: import the files alternately until killed; on reaching
    ``target`` (import number, kill point) write a marker to ``wfd`` and, when ``hold``,
    wait there to be killed (else carry on)."""
    from queries import staging

    count = {"n": -1}

    def mark(point: str) -> None:
        if (count["n"], point) == target:
            os.write(wfd, b"!")
            if hold:
                while True:
                    signal.pause()

    def after(fn, point: str):
        def wrapped(*args, **kwargs):
            result = fn(*args, **kwargs)
            mark(point)
            return result

        return wrapped

    def before(fn, point: str):
        def wrapped(*args, **kwargs):
            mark(point)
            return fn(*args, **kwargs)

        return wrapped

    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(dst) == dbp:
            mark("replacing")
        return real_replace(src, dst, *args, **kwargs)

    try:
        store.cleanup_leftovers = after(store.cleanup_leftovers, "locked")
        store.apply_migrations = after(store.apply_migrations, "migrated")
        staging.refresh = after(staging.refresh, "derived")
        store._fsync_dir = before(store._fsync_dir, "replaced")
        os.replace = replace
        while True:
            for f in files:
                count["n"] += 1
                import_file(dbp, f)
                mark("done")
    finally:
        os._exit(1)


@pytest.mark.slow
def test_kill_9_during_imports_leaves_before_or_after_state(tmp_path):
    """A writer killed at each kill point (waiting there, or running on past it) leaves the
    database in the state before or after the import it was in, never anything else."""
    a = _file(tmp_path / "a.csv", "A", range(1000))
    b = _file(tmp_path / "b.csv", "B", range(1000))
    states = {}
    for name, f in (("A", a), ("B", b)):
        ref = tmp_path / f"ref{name}.duckdb"
        import_file(ref, f)
        states[checksum(ref)] = name
    assert len(states) == 2
    dbp = tmp_path / "live.duckdb"
    import_file(dbp, b)
    import_file(dbp, a)
    state = "A"
    files = {"A": a, "B": b}
    seen = set()
    for k in range(KILLS):
        point, when = KILL_POINTS[k % len(KILL_POINTS)]
        hold = (k // len(KILL_POINTS)) % 2 == 0
        n = (k // (2 * len(KILL_POINTS))) % 2  # the child's first (n=0) or second import
        # the child imports first the file the database does not hold (an unchanged file
        # publishes nothing, so never reaches the kill points), then the other, and so on
        first, second = ("B", "A") if state == "A" else ("A", "B")
        rfd, wfd = os.pipe()
        pid = os.fork()  # a forked writer starts at once (no interpreter start-up)
        if pid == 0:
            os.close(rfd)
            _writer(dbp, (files[first], files[second]), (n, point), hold, wfd)
        os.close(wfd)
        try:
            ready, _, _ = select.select([rfd], [], [], 300)
            marker = os.read(rfd, 1) if ready else b""
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(rfd)
        assert marker == b"!", f"kill {k}: the writer never reached {point} of import {n}"
        conn = store.open_snapshot(dbp)  # the database always opens
        conn.execute("select count(*) from import_log").fetchall()
        conn.close()
        before_state = state if n == 0 else first
        after_state = (first, second)[n]
        state = states.get(checksum(dbp))
        if hold:  # killed exactly at the point
            assert state == (before_state if when == "before" else after_state), (k, point)
        else:  # killed just after passing it
            assert state in ("A", "B"), (k, point)
        seen.add(state)
    assert seen == {"A", "B"}
    # the next writer removes a killed writer's staging leftovers
    import_file(dbp, files["B" if state == "A" else "A"])
    assert not list(tmp_path.glob("live.duckdb.staging-*"))


_READER = """
import json, sys, time
from queries import store
reader = store.Reader(sys.argv[1], recheck_seconds=0.05)
target, deadline = int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
errors, queries, seen = [], 0, 0
print("ready", flush=True)
while time.monotonic() < deadline:
    try:
        cur = reader.cursor()
        seen = max(seen, cur.execute("select count(*) from complaints").fetchall()[0][0])
        queries += 1
    except Exception as exc:
        errors.append(repr(exc))
    if seen >= target:
        break
print(json.dumps({"errors": errors[:5], "n_errors": len(errors), "queries": queries,
                  "seen": seen}))
"""


@pytest.mark.slow
def test_reader_process_sees_no_errors_and_the_new_data(tmp_path):
    dbp = tmp_path / "shared.duckdb"
    import_file(dbp, _file(tmp_path / "f0.csv", "A", range(500)))
    total = 500 + 10 * 500
    proc = subprocess.Popen(
        [sys.executable, "-c", _READER, str(dbp), str(total), "120"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout.readline().strip() == "ready"
    for k in range(1, 11):
        f = _file(tmp_path / f"f{k}.csv", "B", range(k * 500, (k + 1) * 500))
        assert import_file(dbp, f).imported == 500
    out, _ = proc.communicate(timeout=150)
    doc = json.loads(out.strip().splitlines()[-1])
    assert doc["n_errors"] == 0, doc["errors"]
    assert doc["seen"] == total
    assert doc["queries"] > 10
