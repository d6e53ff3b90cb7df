"""Benchmark of the marts built at publication: the monthly KPI mart in full
(``staging.kpi_month.refresh``) and the stored filter lists (``staging.page_lists``), as a
``complaints rebuild`` builds them after the derived tables.

Usage::

    python3 -m tests.bench.bench_mart DB [--memory 8GiB]

Works on a copy of ``DB`` (beside it; removed afterwards). Prints one JSON line: wall and CPU
seconds of each part, months computed, the process's peak memory and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from pathlib import Path

import duckdb

from queries import staging
from queries.staging import kpi_month, page_lists


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Build both on a copy of the database and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("db", type=Path)
    ap.add_argument("--memory", default="8GiB", help="DuckDB memory_limit of the writer")
    args = ap.parse_args()
    copy = args.db.with_name(args.db.name + ".bench_mart")
    shutil.copyfile(args.db, copy)
    try:
        conn = duckdb.connect(str(copy))
        conn.execute(f"set memory_limit = '{args.memory}'")
        load = os.getloadavg()[0]
        t, c = time.perf_counter(), _cpu()
        months = kpi_month.refresh(conn, staging.published_fingerprint(conn) or "")
        mart = (time.perf_counter() - t, _cpu() - c)
        t, c = time.perf_counter(), _cpu()
        page_lists.refresh(conn)
        lists = (time.perf_counter() - t, _cpu() - c)
        conn.close()
    finally:
        copy.unlink(missing_ok=True)
    print(
        json.dumps(
            {
                "months": months,
                "mart_wall_s": round(mart[0], 1),
                "mart_cpu_s": round(mart[1], 1),
                "lists_wall_s": round(lists[0], 1),
                "lists_cpu_s": round(lists[1], 1),
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                "load": [round(load, 1), round(os.getloadavg()[0], 1)],
            }
        )
    )


if __name__ == "__main__":
    main()
