"""Import benchmark: a 1,000,000-row GB18030 CSV and a 100,000-row XLSX in the Chinese
template, each imported into a fresh database through the CLI in a child process.

Run: ``python3 -m tests.bench.bench_import [--rows 1000000] [--xlsx-rows 100000]``.
Prints one Markdown table row per case (what | size | time | peak memory | command), as in
the README's performance section. Not part of the test suite (no wall-clock asserts).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dashboard.core.schema import COMPLAINT_COLUMNS

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


def run_import(db: Path, file: Path) -> tuple[float, float]:
    """Import through the CLI in a child process; return (seconds, peak RSS in MB)."""
    cmd = [sys.executable, "-m", "dashboard", "--db", str(db), "import", str(file)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def main() -> None:
    """Generate the files, import them, print the table rows."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        csv_file, xlsx_file = d / "complaints.csv", d / "complaints.xlsx"
        write_csv(csv_file, args.rows)
        write_xlsx(xlsx_file, args.xlsx_rows)
        print("| what | size | time | peak memory | command |")
        print("|---|---|---|---|---|")
        for label, file, n in (
            ("import GB18030 CSV, 30 columns, Chinese template", csv_file, args.rows),
            ("import XLSX, 30 columns, Chinese template", xlsx_file, args.xlsx_rows),
        ):
            seconds, mb = run_import(d / f"{file.suffix[1:]}.duckdb", file)
            size = file.stat().st_size / 1e6
            print(
                f"| {label} | {n:,} rows, {size:.0f} MB | {seconds:.1f} s | {mb:.0f} MB |"
                f" `python3 -m tests.bench.bench_import` |"
            )


if __name__ == "__main__":
    main()
