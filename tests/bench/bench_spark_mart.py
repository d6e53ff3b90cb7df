"""Benchmark of the Spark build's last step, the monthly KPI mart
(``queries.spark.build_kpi_month``), on the derived tables of an earlier
``complaints spark build`` (needs the ``spark`` extra and Java 17).

Usage::

    python3 -m tests.bench.bench_spark_mart OUT [--master 'local[2]']

``OUT`` is a local folder.

Rewrites ``<OUT>/mart_kpi_month`` (the same rows the build wrote, for the data's as-of of
now). Prints one JSON line: mart rows, wall seconds, the driver process's CPU seconds and
peak memory (the JVM's are not included: read them from ``/proc/<pid>/status``) and the
load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import queries.spark as spark_build
from queries import staging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the --out folder of `complaints spark build`")
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    spark = spark_build.session(args.master)
    for name in staging.STAGING_TABLES:
        if (Path(args.out) / name).is_dir():  # a build by an older version may lack some
            spark_build.view_written(spark, args.out, name)
    result = spark_build.BuildResult(
        out=args.out, fingerprint=staging.current_fingerprint(), rules_versions=""
    )
    started = time.monotonic()
    spark_build.build_kpi_month(spark, args.out, result)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report = {
        "mart_rows": result.counts[spark_build.kpi_month.TABLE],
        "wall_s": round(time.monotonic() - started, 1),
        "driver_cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "driver_peak_mib": round(usage.ru_maxrss / 1024),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(report))
    spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
