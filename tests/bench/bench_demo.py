"""Benchmark of ``complaints demo``: wall time per phase, peak memory, database size.

Run one size per process (peak RSS is per process)::

    python3 -m tests.bench.bench_demo --rows 1000000
    python3 -m tests.bench.bench_demo --rows 50000 --exports

The database goes to a temporary folder (default ``/tmp``) and is deleted afterwards unless
``--keep`` is given. Prints one JSON line; the figures go into README section performance.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from queries.demo import build_demo

PHASES = {
    "generating": "generate",
    "writing the database": "insert",
    "writing export files": "exports",
    "refreshing derived tables": "staging_refresh_and_publish",
}


def run(rows: int, exports: bool, folder: Path, keep: bool, end_month: str) -> dict[str, object]:
    """Build one demo and return its figures."""
    work = Path(tempfile.mkdtemp(prefix="bench_demo_", dir=folder))
    marks: list[tuple[str, float]] = []

    def progress(message: str) -> None:
        for prefix, phase in PHASES.items():
            if message.startswith(prefix):
                marks.append((phase, time.perf_counter()))

    started = time.perf_counter()
    error = None
    summary = None
    try:
        summary = build_demo(
            work / "demo.duckdb",
            rows=rows,
            end_month=end_month,
            exports=exports,
            progress=progress,
        )
    except Exception as exc:  # report how far the build got and why it stopped
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    try:
        total = time.perf_counter() - started
        ends = [at for _, at in marks[1:]] + [started + total]
        phases = {name: round(end - at, 2) for (name, at), end in zip(marks, ends, strict=True)}
        files = summary.export_files if summary else []
        db_file = work / "demo.duckdb"
        return {
            "rows": rows,
            "exports": exports,
            "seconds": round(total, 2),
            "phases": phases,
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "db_mib": round(db_file.stat().st_size / 2**20, 1) if db_file.exists() else None,
            "exports_mib": round(sum(Path(f).stat().st_size for f in files) / 2**20, 1),
            "penalties": summary.penalties if summary else None,
            "xlsx_skipped": bool(summary and summary.xlsx_skipped),
            "error": error,
            "folder": str(work) if keep else None,
        }
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: one benchmark run, one JSON line on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--exports", action="store_true", help="also write the export files")
    parser.add_argument("--dir", default="/tmp", help="folder for the temporary database")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--end-month", default="2026-10")
    args = parser.parse_args(argv)
    result = run(args.rows, args.exports, Path(args.dir), args.keep, args.end_month)
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
