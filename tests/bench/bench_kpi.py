"""Benchmark of the KPI engine: staging refresh, cold KPI queries, naive pandas comparison.

For each size a demo database is built (``queries.demo.build_demo``, no exports) in a
temporary folder (default ``/tmp``), then, each in a fresh process:

* ``staging``: ``staging.refresh`` on a private read-write copy (the derived tables only;
  wall time and CPU time of the process, all threads);
* ``kpi``: open a snapshot, company KPIs + by-department KPIs for the last month (cold:
  new process, new connection; time from opening the snapshot to both results);
* ``pandas``: the same two answers from a naive pandas implementation (the staged complaint
  table's needed columns loaded into pandas, then filtered and aggregated), checked equal
  to the engine's.

Usage::

    python3 -m tests.bench.bench_kpi --db /tmp/d1.duckdb --cli 2026-10   # the CLI process
    python3 -m tests.bench.bench_kpi --rows 1000000
    python3 -m tests.bench.bench_kpi --rows 10000000 --dir /tmp

Prints one JSON line per size; the figures go into README section performance. The
database is deleted afterwards unless ``--keep`` is given (``--db`` reuses an existing one).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Peak memory = VmHWM of the child (ru_maxrss would include the forking parent's peak).
PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""
CHILD_PRELUDE = (
    PEAK
    + """
import datetime as dt, json, sys, time
from queries import store
from queries.marts import kpi
path = sys.argv[1]
"""
)

# Company summary + by department for the last month of the data, on a fresh connection.
CHILD_KPI = (
    CHILD_PRELUDE
    + """
t0, c0 = time.perf_counter(), time.process_time()
conn = store.open_snapshot(path)
as_of = kpi.default_as_of(conn)
last = as_of if as_of.day > 27 else as_of.replace(day=1) - dt.timedelta(days=1)
month = kpi.Period.month(last.strftime("%Y-%m"))  # the last (nearly) complete month
company = kpi.kpis(conn, month, as_of=as_of)
by_dept = kpi.kpis(conn, month, as_of=as_of, by="department")
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({
    "seconds": seconds, "cpu": cpu, "month": month.label(), "as_of": str(as_of),
    "received": int(company["received"].iloc[0]), "departments": len(by_dept),
    "company": company[list(kpi.METRIC_COLUMNS)].iloc[0].to_dict(),
    "peak_rss_mb": peak_mb(),
}, default=str))
"""
)

# The naive way: load the complaint table into pandas and compute with pandas.
CHILD_PANDAS = (
    CHILD_PRELUDE
    + """
import numpy as np, pandas as pd
t0 = time.perf_counter()
conn = store.open_snapshot(path)
df = conn.execute(  # the columns the numbers need (the whole table would not fit at 10M)
    "select received_at, acknowledged_at, first_response_at, resolved_at, closed_at, "
    "surveyed_at, resolution_deadline, resolved_by_deadline, response_due_at, "
    "responded_within_limit, first_response_h, resolution_h, is_repeat, is_valid, "
    "department_name_zh from stg_complaints"
).df()
stamps = ["received_at", "acknowledged_at", "first_response_at", "resolved_at", "closed_at",
          "surveyed_at"]
as_of = max(df[c].max() for c in stamps)
last = as_of if as_of.day > 27 else as_of.replace(day=1) - dt.timedelta(days=1)
month = kpi.Period.month(last.strftime("%Y-%m"))  # the last (nearly) complete month
start, end = pd.Timestamp(month.start), pd.Timestamp(month.end)

def summary(c):
    resolved = c["resolved_at"].notna() & (c["resolved_at"] <= as_of)
    responded = c["first_response_at"].notna() & (c["first_response_at"] <= as_of)
    on_den = resolved | (c["resolution_deadline"] <= as_of)
    on_num = resolved & c["resolved_by_deadline"].fillna(False).astype(bool)
    sla_den = responded | (c["response_due_at"] < as_of)
    sla_num = responded & c["responded_within_limit"].fillna(False).astype(bool)
    n = len(c)
    def rate(a, b):
        return a / b if b else None
    return {
        "received": n,
        "resolved": int(resolved.sum()),
        "resolution_rate": rate(resolved.sum(), n),
        "on_time_resolution_rate": rate(on_num.sum(), on_den.sum()),
        "first_response_median_h": c.loc[responded, "first_response_h"].median(),
        "response_sla_rate": rate(sla_num.sum(), sla_den.sum()),
        "resolution_p90_h": c.loc[resolved, "resolution_h"].quantile(0.9),
        "backlog_open": int((~resolved).sum()),
        "repeat_rate": rate(c["is_repeat"].sum(), n),
        "valid_rate": rate((c["is_valid"] == True).sum(), c["is_valid"].notna().sum()),
    }

cohort = df[(df["received_at"] >= start) & (df["received_at"] < end)
            & (df["received_at"] <= as_of)]
company = summary(cohort)
by_dept = {k: summary(g) for k, g in cohort.groupby("department_name_zh")}
seconds = time.perf_counter() - t0
print(json.dumps({
    "seconds": seconds, "month": month.label(), "departments": len(by_dept),
    "company": company, "peak_rss_mb": peak_mb(),
}, default=float))
"""
)

# staging.refresh on a private read-write copy of the database.
CHILD_STAGING = (
    PEAK
    + """
import json, shutil, sys, time
import duckdb
from queries import staging
src, copy = sys.argv[1], sys.argv[2]
shutil.copyfile(src, copy)
conn = duckdb.connect(copy)
t0, c0 = time.perf_counter(), time.process_time()
staging.refresh(conn)
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
conn.close()
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_rss_mb": peak_mb()}))
"""
)


# The hand-written DuckDB query of the CLI's numbers (the same ten metrics the naive
# pandas script computes, per department), in a process that imports only duckdb.
CHILD_DUCKDB = """
import json, sys, duckdb
path, start, end = sys.argv[1], sys.argv[2], sys.argv[3]
conn = duckdb.connect(path, read_only=True)
as_of = conn.execute(
    "select max(greatest(received_at, acknowledged_at, first_response_at, resolved_at, "
    "closed_at, surveyed_at)) from stg_complaints"
).fetchall()[0][0]
rows = conn.execute(
    \"\"\"
    with c as (
        select *, resolved_at <= $as_of as res, first_response_at <= $as_of as resp
        from stg_complaints
        where received_at >= $start::date and received_at < $end::date
          and received_at <= $as_of
    )
    select department_name_zh, count(*), count(*) filter (where res),
        count(*) filter (where res and resolved_by_deadline)
            / nullif(count(*) filter (where res or resolution_deadline <= $as_of), 0),
        quantile_cont(first_response_h, 0.5) filter (where resp),
        count(*) filter (where resp and responded_within_limit)
            / nullif(count(*) filter (where resp or response_due_at < $as_of), 0),
        quantile_cont(resolution_h, 0.9) filter (where res),
        count(*) filter (where not coalesce(res, false)),
        avg(is_repeat::int), avg(is_valid::int)
    from c group by 1 order by 1
    \"\"\",
    {"as_of": as_of, "start": start, "end": end},
).fetchall()
print(json.dumps({"departments": len(rows), "received": sum(r[1] for r in rows)}))
"""


def _timed(cmd: list[str]) -> dict[str, object]:
    """Run ``cmd`` under ``/usr/bin/time`` (whole process): wall, CPU (user + system) and
    peak memory (maximum resident set size)."""
    fmt = "TIME %e %U %S %M"
    out = subprocess.run(
        ["/usr/bin/time", "-f", fmt, *cmd], capture_output=True, text=True, check=True
    )
    line = next(x for x in out.stderr.splitlines()[::-1] if x.startswith("TIME "))
    wall, user, system, peak_kb = line.split()[1:]
    return {
        "wall_s": float(wall),
        "cpu_s": round(float(user) + float(system), 2),
        "peak_mb": round(int(peak_kb) / 1024),
        "stdout": out.stdout,
    }


def cli_versus(path: Path, month: str, repeat: int = 3) -> dict[str, object]:
    """``complaints kpi`` for one month by department, whole process, vs the hand-written
    DuckDB query of the same numbers and vs the naive pandas script; the fastest of
    ``repeat`` runs each (the machine is shared)."""
    from queries.periods import Period

    period = Period.month(month)
    start, end = period.start.isoformat(), period.end.isoformat()
    cli = [sys.executable, "-m", "dashboard", "--db", str(path), "kpi"]
    cli += ["--from", start, "--to", end, "--by", "department"]
    runs = {
        "cli": cli,
        "duckdb": [sys.executable, "-c", CHILD_DUCKDB, str(path), start, end],
        "pandas": [sys.executable, "-c", CHILD_PANDAS, str(path)],
    }
    out: dict[str, object] = {"month": month, "load": os.getloadavg()}
    for name, cmd in runs.items():
        best = min((_timed(cmd) for _ in range(repeat)), key=lambda r: float(r["wall_s"]))
        best.pop("stdout")
        out[name] = best
    cli_wall = float(out["cli"]["wall_s"])  # type: ignore[index]
    out["cli_over_duckdb"] = round(cli_wall / float(out["duckdb"]["wall_s"]), 2)  # type: ignore[index]
    out["pandas_over_cli"] = round(float(out["pandas"]["wall_s"]) / cli_wall, 2)  # type: ignore[index]
    return out


def _child(code: str, *args: str) -> dict[str, object]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - t0
    return result


def _same(engine: dict[str, object], naive: dict[str, object]) -> bool:
    for key, value in naive.items():
        other = engine.get(key)
        if value is None or other is None:
            if (value is None) != (other is None):
                return False
            continue
        if abs(float(value) - float(other)) > 1e-9 * max(1.0, abs(float(value))):
            return False
    return True


def run(
    rows: int, folder: Path, keep: bool, db_path: Path | None, staging: bool = True
) -> dict[str, object]:
    """Build (or reuse) one demo database and measure it."""
    from queries.demo import build_demo

    work = Path(tempfile.mkdtemp(prefix="bench_kpi_", dir=folder))
    path = db_path or work / f"demo_{rows}.duckdb"
    figures: dict[str, object] = {"rows": rows, "machine": _machine()}
    try:
        if db_path is None:
            t0 = time.perf_counter()
            build_demo(path, rows=rows, exports=False)
            figures["demo_build_s"] = round(time.perf_counter() - t0, 2)
        figures["db_mb"] = round(path.stat().st_size / 2**20, 1)
        print(json.dumps(figures), file=sys.stderr, flush=True)
        if staging:
            staging_run = _child(CHILD_STAGING, str(path), str(work / "copy.duckdb"))
            (work / "copy.duckdb").unlink(missing_ok=True)
            figures["staging_refresh_s"] = round(staging_run["seconds"], 2)
            figures["staging_cpu_s"] = round(staging_run["cpu"], 2)
            figures["staging_peak_mb"] = round(staging_run["peak_rss_mb"])
        print(json.dumps(figures), file=sys.stderr, flush=True)
        engine = _child(CHILD_KPI, str(path))
        print(json.dumps({**figures, "kpi_cold_s": engine["seconds"]}), file=sys.stderr, flush=True)
        naive = _child(CHILD_PANDAS, str(path))
        figures["kpi_month"] = engine["month"]
        figures["kpi_received"] = engine["received"]
        figures["kpi_cold_s"] = round(engine["seconds"], 3)
        figures["kpi_cpu_s"] = round(engine["cpu"], 3)
        figures["kpi_process_s"] = round(engine["process_seconds"], 2)
        figures["kpi_peak_mb"] = round(engine["peak_rss_mb"])
        figures["pandas_s"] = round(naive["seconds"], 2)
        figures["pandas_peak_mb"] = round(naive["peak_rss_mb"])
        figures["pandas_over_kpi"] = round(naive["seconds"] / engine["seconds"], 1)
        figures["same_answer"] = _same(engine["company"], naive["company"])
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return figures


def _machine() -> str:
    import os

    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--rows N [--dir /tmp] [--keep] [--db existing.duckdb]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp"))
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--db", type=Path, help="measure an existing demo database instead")
    parser.add_argument("--no-staging", action="store_true", help="skip the staging refresh")
    parser.add_argument(
        "--cli",
        metavar="YYYY-MM",
        help="only: `complaints kpi` for this month by department, whole process, vs a "
        "hand-written DuckDB query and naive pandas (needs --db)",
    )
    args = parser.parse_args(argv)
    if args.cli:
        if args.db is None:
            parser.error("--cli needs --db")
        print(json.dumps(cli_versus(args.db, args.cli), ensure_ascii=False))
        return 0
    figures = run(args.rows, args.dir, args.keep, args.db, staging=not args.no_staging)
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
