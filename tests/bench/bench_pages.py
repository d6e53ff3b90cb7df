"""Benchmark of the dashboard pages: first render from a cold cache.

For each page a fresh process runs ``dashboard/app.py`` in Streamlit's ``AppTest`` against
the database (cold: new process, empty Streamlit caches, new snapshot):

* ``cold_s``: the first run, straight on the page (shell + page, every cache empty);
* ``warm_s``: a rerun right after (cached results; what a filter-free interaction costs);
* ``cold_cpu_s`` / ``warm_cpu_s``: the CPU seconds of those runs (all threads of the
  process, DuckDB's included): steadier than wall time on a shared machine;
* ``peak_rss_mb``: the process's peak resident memory (``VmHWM``).

To measure another checkout (e.g. main, the "before" figure) with this script:
``PYTHONPATH=/path/to/main python3 -c "import runpy, sys; sys.argv[1:] = ['--db', DB];
runpy.run_path('tests/bench/bench_pages.py', run_name='__main__')"``.

Usage::

    python3 -m tests.bench.bench_pages                 # default demo (50,000 complaints)
    python3 -m tests.bench.bench_pages --rows 1000000
    python3 -m tests.bench.bench_pages --db data/complaints.duckdb

Prints one JSON line per page; the figures go into README section performance. A database
built here is deleted afterwards unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dashboard.ui.navigation import PAGES, PAGES_DIR
from tests import ROOT

CHILD = """
import json, sys, time
from streamlit.testing.v1 import AppTest
app, page = sys.argv[1], sys.argv[2]


def peak_mb():
    # VmHWM: this process's peak resident memory (ru_maxrss would include the parent's
    # peak from before exec on Linux)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return None


at = AppTest.from_file(app, default_timeout=900)
if page != "overview":
    at.switch_page(f"views/{page}.py")  # the first run renders the page itself
t0, c0 = time.perf_counter(), time.process_time()
at.run()
cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
t1, c1 = time.perf_counter(), time.process_time()
at.run()
warm, warm_cpu = time.perf_counter() - t1, time.process_time() - c1
print(json.dumps({
    "page": page, "cold_s": round(cold, 2), "warm_s": round(warm, 2),
    "cold_cpu_s": round(cold_cpu, 2), "warm_cpu_s": round(warm_cpu, 2),
    "exceptions": len(at.exception), "errors": [e.value[:120] for e in at.error],
    "peak_rss_mb": peak_mb(),
}))
"""


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one JSON line per page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--db", help="use this database instead of building a demo")
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--pages", nargs="*", help="page stems (default: all that exist)")
    args = parser.parse_args(argv)

    workdir = None
    if args.db:
        db_path = Path(args.db).resolve()
    else:
        from queries.demo import build_demo

        workdir = Path(tempfile.mkdtemp(prefix="bench_pages_", dir=args.dir))
        db_path = workdir / "demo.duckdb"
        t0 = time.perf_counter()
        build_demo(db_path, rows=args.rows, end_month="2025-10", exports=False)
        print(json.dumps({"built_rows": args.rows, "seconds": round(time.perf_counter() - t0)}))
    stems = args.pages or [s for s, _t, _s in PAGES if (PAGES_DIR / f"{s}.py").exists()]
    env = dict(os.environ, COMPLAINTS_DB=str(db_path), COMPLAINTS_ROLE="viewer")
    try:
        for stem in stems:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(ROOT / "dashboard" / "app.py"), stem],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
            print(line or json.dumps({"page": stem, "failed": out.stderr[-500:]}), flush=True)
    finally:
        if workdir is not None and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
