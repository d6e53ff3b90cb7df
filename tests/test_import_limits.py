"""Hostile files end their import with one line and never the caller: pre-read workbook
checks (declared dimension, cell references, zip size and ratio, DTD/entities), the worker
process's memory cap and time budget, and the demo guard. Every file is built at test time
(``tests/hostile_files.py``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from queries import store
from queries.importer import ImportRefused, Limits, import_files, preview, readers
from tests import ROOT
from tests import hostile_files as h
from tests.import_fixtures import write_csv

SHEET = "xl/worksheets/sheet1.xml"


def _log(dbp):
    conn = store.open_snapshot(dbp)
    try:
        rows = conn.execute(
            "select file_name, outcome, message, user_name from import_log order by started_at"
        ).fetchall()
        complaints = conn.execute("select count(*) from complaints").fetchall()[0][0]
    finally:
        conn.close()
    return rows, complaints


# (case, builder, env, exact message)
REFUSED = [
    (
        "far cell, Excel-written (5 KB)",
        h.far_cell_openpyxl,
        {},
        f"{SHEET}: declared area A1:XFD1048576 reaches column 16,384, above the limit of"
        " 1,024 columns",
    ),
    (
        "far cell, lying dimension",
        h.far_cell_lying_dimension,
        {},
        f"{SHEET}: a cell reference reaches column 16,384, above the limit of 1,024 columns",
    ),
    (
        "far row beyond a configured cap",
        lambda: h.far_cell_lying_dimension("C70000"),
        {"COMPLAINTS_IMPORT_MAX_ROWS": "65536"},
        f"{SHEET}: a cell reference reaches row 70,000, above the limit of 65,536 rows",
    ),
    (
        "cell count cap",
        lambda: h.far_cell_lying_dimension("Z40000"),
        {"COMPLAINTS_IMPORT_MAX_CELLS": "1000000"},
        f"{SHEET}: a cell reference spans 40,000 rows x 26 columns, above the limit of"
        " 1,000,000 cells",
    ),
    (
        "zip bomb (compression ratio)",
        h.zip_bomb,
        {},
        f"{SHEET}: compressed 1,023:1, above the limit of 200:1 (a zip bomb or a damaged file)",
    ),
    (
        "zip bomb (uncompressed size)",
        lambda: h.zip_bomb(3),
        {"COMPLAINTS_IMPORT_MAX_UNCOMPRESSED_MB": "2", "COMPLAINTS_IMPORT_MAX_RATIO": "5000"},
        "the workbook unpacks to 3 MiB, above the limit of 2 MiB",
    ),
    (
        "billion laughs",
        h.billion_laughs,
        {},
        f"{SHEET}: DTD or entity declarations in the XML; a spreadsheet program never writes"
        " them (hostile or damaged file)",
    ),
    (
        "XXE",
        h.xxe,
        {},
        f"{SHEET}: DTD or entity declarations in the XML; a spreadsheet program never writes"
        " them (hostile or damaged file)",
    ),
]


@pytest.mark.parametrize(("case", "build", "env", "message"), REFUSED, ids=[c[0] for c in REFUSED])
def test_hostile_workbook_is_refused_before_reading(
    tmp_path, monkeypatch, case, build, env, message
):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    data = build()
    dbp = tmp_path / "h.duckdb"
    (res,) = import_files(dbp, [("hostile.xlsx", data)], user="tester")
    assert (res.outcome, res.message, res.source_rows, res.imported) == (
        "refused",
        message,
        0,
        0,
    )
    assert _log(dbp) == ([("hostile.xlsx", "refused", message, "tester")], 0)
    # the preview (the Data page's first look) is refused the same way, nothing is built
    assert preview(data, "hostile.xlsx").error == message
    # and the caller goes on: a good workbook imports in the same process right after
    (ok,) = import_files(dbp, [("good.xlsx", h.xlsx(h.sheet_xml(h.good_rows())))])
    assert (ok.outcome, ok.imported) == ("ok", 1)


def test_the_reported_far_cell_file_is_tiny():
    assert len(h.far_cell_openpyxl()) < 6_000
    assert len(h.zip_bomb()) < 100_000


def test_a_reader_crash_ends_the_import_not_the_caller(tmp_path, monkeypatch):
    """With the pre-read checks opened wide, the far-cell file reaches the reader, which
    asks for 512 GiB: the worker's memory cap stops it; the caller logs one line."""
    monkeypatch.setenv("COMPLAINTS_IMPORT_MAX_COLUMNS", "20000")
    monkeypatch.setenv("COMPLAINTS_IMPORT_MAX_CELLS", str(10**14))
    monkeypatch.setenv("COMPLAINTS_IMPORT_MEMORY_MB", "1024")
    dbp = tmp_path / "c.duckdb"
    (res,) = import_files(dbp, [("bomb.xlsx", h.far_cell_openpyxl())], user="tester")
    expected = (
        "the import worker was stopped by SIGABRT: memory allocation of 549755813888 bytes"
        " failed (a reader crashed on this file, or it reached the memory cap of 1,024 MB)"
    )
    assert (res.outcome, res.message, res.imported) == ("failed", expected, 0)
    assert _log(dbp) == ([("bomb.xlsx", "failed", expected, "tester")], 0)
    with pytest.raises(ImportRefused, match="stopped by SIGABRT"):
        preview(h.far_cell_openpyxl(), "bomb.xlsx")


def test_the_memory_cap_is_what_stops_a_3_gb_sheet(tmp_path, monkeypatch):
    """100 columns x 1,000,000 rows declared by a 2 KB file: 3.2 GB the machine could give,
    refused by the worker's cap of 1 GB (cell-count check opened wide)."""
    monkeypatch.setenv("COMPLAINTS_IMPORT_MAX_CELLS", str(10**14))
    monkeypatch.setenv("COMPLAINTS_IMPORT_MEMORY_MB", "1024")
    dbp = tmp_path / "m.duckdb"
    (res,) = import_files(dbp, [("wide.xlsx", h.far_cell_lying_dimension("CV1000000"))])
    assert (res.outcome, res.message) == (
        "failed",
        "the import worker was stopped by SIGABRT: memory allocation of 3200000000 bytes"
        " failed (a reader crashed on this file, or it reached the memory cap of 1,024 MB)",
    )
    monkeypatch.setenv("COMPLAINTS_IMPORT_MEMORY_MB", "4096")
    (ok,) = import_files(dbp, [("good.xlsx", h.xlsx(h.sheet_xml(h.good_rows())))])
    assert (ok.outcome, ok.imported) == ("ok", 1)


def test_time_budget_stops_the_worker_and_logs(tmp_path, monkeypatch):
    # a budget far below a worker's start-up time: every import runs out of it
    monkeypatch.setenv("COMPLAINTS_IMPORT_SECONDS", "0.01")
    dbp = tmp_path / "t.duckdb"
    (res,) = import_files(dbp, [("good.xlsx", h.xlsx(h.sheet_xml(h.good_rows())))], user="u")
    message = "stopped after 0.01 s, the time budget of one import (COMPLAINTS_IMPORT_SECONDS)"
    assert (res.outcome, res.message) == ("failed", message)
    assert _log(dbp) == ([("good.xlsx", "failed", message, "u")], 0)


def test_limits_come_from_the_environment(monkeypatch):
    assert Limits.from_env() == Limits()
    monkeypatch.setenv("COMPLAINTS_IMPORT_MAX_ROWS", "500")
    monkeypatch.setenv("COMPLAINTS_IMPORT_SECONDS", "2.5")
    assert (Limits.from_env().max_rows, Limits.from_env().seconds) == (500, 2.5)
    monkeypatch.setenv("COMPLAINTS_IMPORT_MEMORY_MB", "lots")
    with pytest.raises(ImportRefused, match=r"^COMPLAINTS_IMPORT_MEMORY_MB='lots': expected"):
        Limits.from_env()


def test_a_good_workbook_passes_the_checks():
    readers.check_workbook(h.xlsx(h.sheet_xml(h.good_rows())))  # raises when refused
    p = preview(h.xlsx(h.sheet_xml(h.good_rows())), "good.xlsx")
    assert (p.error, p.headers, len(p.rows)) == (None, list(h.HEADERS), 1)


def test_cli_import_of_a_bomb_is_one_line_and_exit_1(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(h.far_cell_openpyxl())
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard",
            "--db",
            str(tmp_path / "x.duckdb"),
            "import",
            str(bomb),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if "refused" in ln]
    assert lines == [
        f"complaints import: {bomb}: refused: {SHEET}: declared area A1:XFD1048576 reaches"
        " column 16,384, above the limit of 1,024 columns"
    ]
    assert "Traceback" not in proc.stderr


def test_import_into_the_demo_is_refused_unless_asked(tmp_path):
    from queries.demo import build_demo

    dbp = tmp_path / "demo.duckdb"
    build_demo(dbp, rows=500, months=1, end_month="2025-10", exports=False)
    good = ("good.xlsx", h.xlsx(h.sheet_xml(h.good_rows())))
    before = dbp.stat().st_mtime_ns
    (res,) = import_files(dbp, [good])
    assert res.outcome == "refused"
    assert res.message.startswith(f"{dbp} is the demo database (示例数据);")
    assert dbp.stat().st_mtime_ns == before  # not even a log row was written
    (res,) = import_files(dbp, [good], into_demo=True)
    assert (res.outcome, res.imported) == ("ok", 1)
    assert store.is_demo(dbp)


SPY_PUBLICATION_LIMIT = """
import resource, sys
from pathlib import Path
from queries import store
from queries.importer.pipeline import import_file
from queries.limits import cap_process_memory

seen = []
real = store.write_transaction


def spy(*args, **kwargs):
    seen.append(resource.getrlimit(resource.RLIMIT_DATA)[0])
    return real(*args, **kwargs)


store.write_transaction = spy
before = resource.getrlimit(resource.RLIMIT_DATA)[0]
cap_process_memory(3000)
capped = resource.getrlimit(resource.RLIMIT_DATA)[0]
res = import_file(Path(sys.argv[1]), Path(sys.argv[2]))
print(before == resource.RLIM_INFINITY, capped, seen == [before], res.outcome, res.imported)
"""


def test_the_publication_runs_outside_the_readers_memory_cap(tmp_path):
    """The worker caps its memory while it reads the file; the publication that follows (a
    DuckDB writer with its own memory limit, which at 10M complaints needs more than the
    reader's cap) runs with the limit the process had before the cap."""
    src = write_csv(
        tmp_path / "one.csv",
        ["complaint_id", "received_at", "department", "category"],
        [["P1", "2025-06-02 09:00:00", "客服部", "服务态度"]],
    )
    out = subprocess.run(
        [sys.executable, "-c", SPY_PUBLICATION_LIMIT, str(tmp_path / "p.duckdb"), str(src)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", str(3000 * 2**20), "True", "ok", "1"]
