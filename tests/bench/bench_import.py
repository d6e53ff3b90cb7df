"""Import benchmark: a 1,000,000-row GB18030 CSV and a 100,000-row XLSX in the Chinese
template (30 columns, mixed timestamp styles, Chinese words), each imported into a fresh
database by ``import_file`` in a fresh child process, timed per stage (read, parse,
publish) with the child's peak memory.

Run: ``python3 -m tests.bench.bench_import [--rows N] [--xlsx-rows N] [--refresh]``.
Without ``--refresh`` the derived staging tables' rebuild (``staging.refresh``, owned by
the KPI engine, which every real publication runs) is left out, so the figures are the
importer's own. Prints Markdown table rows (what | size | time | peak memory | command) as
in the README's performance section. Not part of the test suite (no wall-clock asserts).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from queries.config.schema import COMPLAINT_COLUMNS

CHANNELS = ("电话", "在线", "邮件", "微信", "来访", "信函", "转办")
SEVERITIES = ("一般", "一般", "一般", "紧急", "重大")
STATUSES = ("已办结", "已结案", "处理中", "待处理")
DEPTS = [f"第{i}营业部" for i in range(1, 17)]
CATEGORIES = ("产品质量", "服务态度", "价格/收费", "交付延迟", "售后维修", "其他")


def _row(i: int, rnd: random.Random) -> list[str]:
    start = dt.datetime(2024, 1, 1) + dt.timedelta(minutes=rnd.randrange(0, 60 * 24 * 700))
    styles = (
        start.strftime("%Y-%m-%d %H:%M:%S"),
        f"{start.year}/{start.month}/{start.day} {start.hour}:{start.minute:02d}",
        f"{start.year}年{start.month}月{start.day}日 {start.hour:02d}:{start.minute:02d}",
    )
    resolved = start + dt.timedelta(hours=rnd.randrange(1, 300))
    values = {
        "complaint_id": f"TS{i:09d}",
        "received_at": styles[i % 3],
        "acknowledged_at": (start + dt.timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M"),
        "first_response_at": (start + dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S"),
        "resolved_at": resolved.strftime("%Y-%m-%d %H:%M:%S"),
        "closed_at": "",
        "channel": rnd.choice(CHANNELS),
        "category": rnd.choice(CATEGORIES),
        "severity": rnd.choice(SEVERITIES),
        "department": rnd.choice(DEPTS),
        "handler": f"员工{rnd.randrange(500)}",
        "customer_id": f"C{rnd.randrange(10**7):07d}",
        "customer_name": "张三",
        "customer_phone": f"138{rnd.randrange(10**8):08d}",
        "status": rnd.choice(STATUSES),
        "is_valid": rnd.choice(("是", "否")),
        "is_malicious": "否",
        "satisfaction": rnd.choice(("满意", "非常满意", "一般", "4", "")),
        "surveyed_at": "",
        "escalation_level": rnd.choice(("1", "1", "2", "3")),
        "parent_complaint_id": "",
        "multi_department": "否",
        "extended_deadline": "",
        "concealed": "否",
        "compensation_type": rnd.choice(("", "现金", "优惠券")),
        "compensation_amount": rnd.choice(("", "1,234.50", "¥200", "50元")),
        "region": "华东",
        "product": "信用卡",
        "description": "客户反映服务态度差，要求回电 13812345678",
        "resolution": "已致歉并补偿",
    }
    return [values[c.name] for c in COMPLAINT_COLUMNS]


def write_csv(path: Path, rows: int) -> None:
    """A GB18030 CSV in the Chinese template with mixed timestamp styles."""
    rnd = random.Random(1)
    with path.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([c.zh for c in COMPLAINT_COLUMNS])
        for i in range(rows):
            w.writerow(_row(i, rnd))


def write_xlsx(path: Path, rows: int) -> None:
    """An XLSX in the Chinese template (text cells)."""
    import xlsxwriter

    rnd = random.Random(2)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("投诉")
    ws.write_row(0, 0, [c.zh for c in COMPLAINT_COLUMNS])
    for i in range(rows):
        ws.write_row(i + 1, 0, _row(i, rnd))
    wb.close()


_CHILD = """
import json, resource, sys, time
from pathlib import Path
from queries import staging
from queries.importer import pipeline, values
db, file, refresh = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
if not refresh:
    staging.refresh = lambda conn, *a, **k: None
times = {}
def timed(module, name, label):
    inner = getattr(module, name)
    def wrapper(*a, **k):
        t0 = time.perf_counter()
        try:
            return inner(*a, **k)
        finally:
            times[label] = times.get(label, 0) + time.perf_counter() - t0
    setattr(module, name, wrapper)
timed(pipeline, "_read", "read")
timed(values, "parse", "parse")
timed(pipeline, "_publish", "publish")
t0 = time.perf_counter()
res = pipeline.import_file(db, file)
times["total"] = time.perf_counter() - t0
times["rows"] = res.imported
times["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(times))
"""


def run_import(db: Path, file: Path, refresh: bool) -> dict[str, float]:
    """Import in a fresh child process; return stage times (s) and its peak RSS (MB)."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(db), str(file), "1" if refresh else "0"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Generate the files, import them, print the table rows."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=100_000)
    ap.add_argument(
        "--refresh",
        action="store_true",
        help="include the derived staging tables' rebuild (staging.refresh) in the publish",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        csv_file, xlsx_file = d / "complaints.csv", d / "complaints.xlsx"
        write_csv(csv_file, args.rows)
        write_xlsx(xlsx_file, args.xlsx_rows)
        cmd = "`python3 -m tests.bench.bench_import" + (" --refresh" if args.refresh else "") + "`"
        print("| what | size | time | peak memory | command |")
        print("|---|---|---|---|---|")
        for label, file, n in (
            ("import GB18030 CSV, 30 columns, Chinese template", csv_file, args.rows),
            ("import XLSX, 30 columns, Chinese template", xlsx_file, args.xlsx_rows),
        ):
            r = run_import(d / f"{file.suffix[1:]}.duckdb", file, args.refresh)
            assert r["rows"] == n, r
            size = file.stat().st_size / 1e6
            stages = f"read {r['read']:.1f} + parse {r['parse']:.1f} + publish {r['publish']:.1f}"
            print(
                f"| {label} | {n:,} rows, {size:.0f} MB | {r['total']:.1f} s ({stages}) |"
                f" {r['peak_mb']:.0f} MB | {cmd} |"
            )


if __name__ == "__main__":
    main()
