"""Crash safety and concurrent viewers: kill -9 at random moments of imports, and a reader
process querying while imports publish."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from queries import store as db
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


def _import_forever(dbp: Path, a: Path, b: Path) -> None:
    """Child process body: alternate the two files until killed."""
    try:
        while True:
            import_file(dbp, a)
            import_file(dbp, b)
    finally:
        os._exit(1)


@pytest.mark.slow
def test_kill_9_during_imports_leaves_before_or_after_state(tmp_path):
    a = _file(tmp_path / "a.csv", "A", range(1000))
    b = _file(tmp_path / "b.csv", "B", range(1000))
    states = {}
    for name, f in (("A", a), ("B", b)):
        ref = tmp_path / f"ref{name}.duckdb"
        import_file(ref, f)
        states[checksum(ref)] = name
    assert len(states) == 2
    dbp = tmp_path / "live.duckdb"
    started = time.perf_counter()
    import_file(dbp, b)
    import_file(dbp, a)
    pair = time.perf_counter() - started  # kill within about two publications
    rnd = random.Random(7)
    seen = set()
    for _ in range(50):
        pid = os.fork()  # a forked writer starts at once (no interpreter start-up)
        if pid == 0:
            _import_forever(dbp, a, b)
        time.sleep(rnd.uniform(0.0, 2 * pair))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        conn = db.open_snapshot(dbp)  # the database always opens
        conn.execute("select count(*) from import_log").fetchall()
        conn.close()
        state = states.get(checksum(dbp))
        assert state in ("A", "B")
        seen.add(state)
    assert seen == {"A", "B"}  # kills landed both before and after publications
    # the next writer removes a killed writer's staging leftovers
    import_file(dbp, a)
    assert not list(tmp_path.glob("live.duckdb.staging-*"))


_READER = """
import json, sys, time
from queries import store as db
reader = db.Reader(sys.argv[1], recheck_seconds=0.05)
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
