"""Publication benchmark: what an import costs in proportion to what it changes.

Each case runs the real CLI (``python3 -m dashboard --db DB import FILE``) in a child
process, one at a time, and records the command, the load average before it (``uptime``),
wall time, CPU seconds (user + system of the child and the worker it waits for) and peak
RSS. Every case runs twice in the same session: with this tree's code and with the
baseline tree (``--baseline DIR``: a checkout of the previous version, whose publications
rebuild everything), each on
its own copy of the same database.

Cases (``--rows`` N, default 1,000,000; the 1M CSV of ``bench_import``):
  * N-row CSV into an empty database;
  * the same file again into the N database (unchanged);
  * a 10 %-changed file (status and resolution of every 10th row) into the N database;
  * 1,000 new rows (received in the database's last 30 days) into the N database;
  * ``complaints rebuild`` of the N database;
  * file growth: 20 publications of 1,000 changed rows, the file size against a fresh
    copy of the same content (``copy from database``).
``--big DB`` adds the 1,000-row import into an existing (e.g. 10M demo) database;
``--small-only DB`` runs only that case, ``--growth-only DB`` only the growth case.

Run: ``python3 -m tests.bench.bench_publication [--rows N] [--big /tmp/d10.duckdb]``.
Prints Markdown rows for the README's performance table. Not a test (no time asserts).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from queries.config.schema import COMPLAINT_COLUMNS
from tests.bench.bench_import import write_csv

ROOT = Path(__file__).resolve().parents[2]
_ZH = [c.zh for c in COMPLAINT_COLUMNS]


def load() -> str:
    """The 1-minute load average now."""
    return f"{os.getloadavg()[0]:.1f}"


def run(code_root: Path, db: Path, *args: str) -> dict[str, object]:
    """Run ``python3 -m dashboard --db DB ARGS`` with the code in ``code_root``; return wall,
    CPU (the process and the worker it waits for), peak RSS (GNU time's ``%M``: measured on
    a process forked from ``time`` itself, as a child forked from this large benchmark
    process would report this process's high-water mark), load before, exit code."""
    before = load()
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t0 = time.perf_counter()
        cmd = ["/usr/bin/time", "-f", "%M", "-o", rss.name, sys.executable, "-m", "dashboard"]
        proc = subprocess.Popen(
            [*cmd, "--db", str(db), *args],
            cwd=code_root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        peak_kib = int((rss.read().strip().splitlines() or ["0"])[-1])
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(f"  ! exit {code}: {err.strip().splitlines()[-1:] if err else ''}", file=sys.stderr)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mib": peak_kib / 1024,
        "load": before,
        "code": code,
        "stderr": err,
    }


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(_ZH)
        w.writerows(rows)


def write_changed_every_tenth(src: Path, dst: Path) -> None:
    """``src`` with every 10th row resolved a day later and another status (10 % changed),
    streamed row by row."""
    status = _ZH.index("处理状态")
    resolved = _ZH.index("办结时间")
    with (
        src.open(encoding="gb18030", newline="") as fin,
        dst.open("w", encoding="gb18030", newline="") as fout,
    ):
        reader, w = csv.reader(fin), csv.writer(fout)
        w.writerow(next(reader))
        for i, row in enumerate(reader):
            if i % 10 == 0:
                row[status] = "已结案" if row[status] != "已结案" else "已办结"
                when = dt.datetime.strptime(row[resolved], "%Y-%m-%d %H:%M:%S")
                row[resolved] = (when + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
            w.writerow(row)


def recent_rows(db: Path, n: int, prefix: str, seed: int) -> list[list[str]]:
    """``n`` new complaints received in the database's last 30 days, departments and
    categories taken from the database (so the calendar's first day and the department
    mapping stay as they are)."""
    conn = duckdb.connect(str(db), read_only=True)
    try:
        hi = conn.execute("select max(received_at) from complaints").fetchall()[0][0]
        depts = [
            r[0] for r in conn.execute("select distinct department from complaints").fetchall()
        ]
        cats = [
            r[0]
            for r in conn.execute("select distinct category from complaints limit 20").fetchall()
        ]
    finally:
        conn.close()
    rnd = random.Random(seed)
    template = dict.fromkeys(_ZH, "")
    rows = []
    for i in range(n):
        at = hi - dt.timedelta(minutes=rnd.randrange(1, 60 * 24 * 30))
        row = {
            **template,
            "投诉编号": f"{prefix}{i:06d}",
            "受理时间": at.strftime("%Y-%m-%d %H:%M:%S"),
            "责任部门": rnd.choice(depts),
            "投诉类别": rnd.choice([c for c in cats if c] or ["其他"]),
            "投诉渠道": "电话",
            "投诉等级": "一般",
            "客户编号": f"BC{rnd.randrange(10**6):06d}",
            "处理状态": "处理中",
        }
        rows.append([row[h] for h in _ZH])
    return rows


def fresh_size(db: Path, tmp: Path) -> int:
    """Size of a fresh database file holding the same content (``copy from database``)."""
    fresh = tmp / "fresh.duckdb"
    fresh.unlink(missing_ok=True)
    conn = duckdb.connect(str(fresh))
    try:
        conn.execute(f"attach '{db}' as src (read_only)")
        conn.execute(f"copy from database src to {fresh.stem}")
        conn.execute("checkpoint")
    finally:
        conn.close()
    size = fresh.stat().st_size
    fresh.unlink()
    return size


def growth(seeded: Path, n: int, trees, tmp: Path, emit, *extra: str) -> None:
    """20 publications of 1,000 changed rows (two alternating id sets) on a copy of
    ``seeded``; the file size against a fresh copy of the same content."""
    cmd = "complaints --db DB import grow<k>.csv " + " ".join(extra)
    for tag, code in trees:
        db = tmp / f"{tag}-grow.duckdb"
        shutil.copyfile(seeded, db)
        start = db.stat().st_size
        runs = []
        for k in range(20):
            f = tmp / f"grow{k}.csv"
            write_rows(f, recent_rows(seeded, 1000, f"G{k % 2}", k))
            runs.append(run(code, db, "import", str(f), *extra))
        end, fresh = db.stat().st_size, fresh_size(db, tmp)
        walls = sorted(r["wall"] for r in runs)
        cpus = sorted(r["cpu"] for r in runs)
        rss = max(r["rss_mib"] for r in runs)
        emit(
            f"| file after 20 publications of 1,000 rows ({tag}) | {n:,} rows |"
            f" {start / 2**20:.0f} → {end / 2**20:.0f} MiB; fresh copy {fresh / 2**20:.0f} MiB"
            f" ({end / fresh - 1:+.0%}); median publication {walls[10]:.1f} s wall,"
            f" {cpus[10]:.1f} s CPU, peak {rss:.0f} MiB, load {runs[10]['load']}-{load()} | |"
            f" `{cmd.strip()}` |"
        )
        db.unlink()


def small_into(big: Path, trees, tmp: Path, emit) -> None:
    """1,000 new rows (the database's last 30 days) into a copy of ``big``, per tree,
    after one earlier import of the same export format (untimed: a demo database records
    no supplied fields, and the first import's record re-derives every department's
    ladder stages; a database fed by imports has it already)."""
    small, first = tmp / "big_small.csv", tmp / "big_first.csv"
    write_rows(small, recent_rows(big, 1000, "BIGN", 9))
    write_rows(first, recent_rows(big, 200, "BIGF", 8))
    res = {}
    for tag, code in trees:
        db = tmp / f"{tag}-big.duckdb"
        shutil.copyfile(big, db)
        run(code, db, "import", str(first), "--into-demo")
        res[tag] = run(code, db, "import", str(small), "--into-demo")
        db.unlink()
    emit(
        row(
            "1,000 new rows into the big database",
            f"{big.stat().st_size / 2**30:.1f} GiB db",
            res["new"],
            res.get("base"),
            "complaints --db DB import small.csv --into-demo",
        )
    )


def row(what: str, size: str, new: dict, base: dict | None, cmd: str) -> str:
    def fmt(r: dict) -> str:
        return (
            f"{r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, {r['rss_mib']:.0f} MiB,"
            f" load {r['load']}"
        )

    baseline = fmt(base) if base else "—"
    return f"| {what} | {size} | {fmt(new)} | {baseline} | `{cmd}` |"


def main() -> None:
    """Run the cases one at a time and print the table rows."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--baseline", type=Path, help="a checkout of the previous version")
    ap.add_argument("--big", type=Path, help="an existing large database (e.g. the 10M demo)")
    ap.add_argument("--tmp", type=Path, default=None)
    ap.add_argument("--skip-growth", action="store_true")
    ap.add_argument(
        "--growth-only",
        type=Path,
        metavar="DB",
        help="only the file-growth case, on a copy of this N-row (demo) database",
    )
    ap.add_argument(
        "--small-only",
        type=Path,
        metavar="DB",
        help="only the 1,000-new-rows case, on a copy of this (demo) database",
    )
    ap.add_argument("--trees", choices=("both", "new"), default="both")
    args = ap.parse_args()
    if args.baseline is None and (
        args.trees == "both" or not (args.growth_only or args.small_only)
    ):
        ap.error("--baseline DIR (a checkout of the previous version) is needed to compare")
    tmp = Path(tempfile.mkdtemp(prefix="bench_pub_", dir=args.tmp))
    out: list[str] = []

    def emit(line: str) -> None:
        print(line, flush=True)
        out.append(line)

    emit("| what | size | this version | previous version | command |")
    emit("|---|---|---|---|---|")
    trees = [("new", ROOT)] + ([("base", args.baseline)] if args.trees == "both" else [])
    try:
        n = args.rows
        if args.growth_only:
            growth(args.growth_only, n, trees, tmp, emit, "--into-demo")
            return
        if args.small_only:
            small_into(args.small_only, trees, tmp, emit)
            return
        full = tmp / "full.csv"
        write_csv(full, n)
        ten = tmp / "ten.csv"
        write_changed_every_tenth(full, ten)
        cmd = "complaints --db DB import {}"
        res = {}
        for tag, code in (("new", ROOT), ("base", args.baseline)):
            db = tmp / f"{tag}.duckdb"
            res[tag] = run(code, db, "import", str(full))
        emit(
            row(
                f"{n:,}-row CSV into an empty database",
                f"{n:,} rows",
                res["new"],
                res["base"],
                cmd.format("full.csv"),
            )
        )
        seeded = tmp / "new.duckdb"  # both trees hold the same canonical rows
        for label, file in (("same file again (unchanged)", full), ("10 %-changed file", ten)):
            res = {}
            for tag, code in (("new", ROOT), ("base", args.baseline)):
                db = tmp / f"{tag}-case.duckdb"
                shutil.copyfile(seeded, db)
                res[tag] = run(code, db, "import", str(file))
                db.unlink()
            emit(
                row(
                    f"{label} into the {n:,} database",
                    f"{n:,} rows",
                    res["new"],
                    res["base"],
                    cmd.format(file.name),
                )
            )
        small = tmp / "small.csv"
        write_rows(small, recent_rows(seeded, 1000, "BN", 7))
        res = {}
        for tag, code in (("new", ROOT), ("base", args.baseline)):
            db = tmp / f"{tag}-case.duckdb"
            shutil.copyfile(seeded, db)
            res[tag] = run(code, db, "import", str(small))
            db.unlink()
        emit(
            row(
                f"1,000 new rows into the {n:,} database",
                "1,000 rows",
                res["new"],
                res["base"],
                cmd.format("small.csv"),
            )
        )
        res = {}
        for tag, code in (("new", ROOT), ("base", args.baseline)):
            db = tmp / f"{tag}-case.duckdb"
            shutil.copyfile(seeded, db)
            res[tag] = run(code, db, "rebuild")
            db.unlink()
        emit(
            row(
                f"full rebuild of the {n:,} database",
                f"{n:,} rows",
                res["new"],
                res["base"],
                "complaints --db DB rebuild",
            )
        )
        if not args.skip_growth:
            growth(seeded, n, trees, tmp, emit)
        if args.big:
            small_into(args.big, trees, tmp, emit)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
