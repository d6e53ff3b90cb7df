"""``complaints demo`` and ``complaints info`` through the CLI entry point."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from queries import staging, store
from queries.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli") / "demo.duckdb"


def test_demo_then_info_report_exact_counts(demo_db, capsys):
    code, out, err = _run(
        capsys, "--db", str(demo_db), "demo", "--rows", "2000", "--end-month", "2025-10",
        "--seed", "5", "--no-exports", "--format", "json",
    )  # fmt: skip
    assert code == 0
    summary = json.loads(out)  # stdout is the JSON document and nothing else
    assert summary["complaints"] == 2000 and summary["export_files"] == []
    assert "generating 2,000 complaints" in err

    code, out, err = _run(capsys, "--db", str(demo_db), "info", "--format", "json")
    assert code == 0 and err == ""
    info = json.loads(out)
    conn = store.open_snapshot(demo_db)
    try:
        penalties = conn.execute("select count(*) from penalties").fetchall()[0][0]
        first, last = conn.execute(
            "select min(received_at)::varchar, max(received_at)::varchar from complaints"
        ).fetchall()[0]
    finally:
        conn.close()
    assert info["database"] == str(demo_db)
    assert info["schema_version"] == store.SCHEMA_VERSION
    assert info["tables"] == {
        "complaints": 2000,
        "penalties": penalties,
        "departments": 20,
        "business_volumes": 480,
        "import_log": 0,
    }
    assert (info["received_from"], info["received_to"]) == (first, last)
    assert first >= "2023-11-01" and last < "2025-11-01"
    assert info["as_of"] == summary["as_of"]
    assert info["months_covered"] == 24
    assert info["departments"] == 20
    assert info["last_import"] is None
    assert info["demo"]["seed"] == "5" and info["demo"]["end_month"] == "2025-10"


def test_info_csv_is_item_value_rows(demo_db, capsys):
    code, out, _ = _run(capsys, "--db", str(demo_db), "info", "--format", "csv")
    assert code == 0
    rows = {r["item"]: r["value"] for r in csv.DictReader(io.StringIO(out))}
    assert rows["tables.complaints"] == "2000"
    assert rows["months_covered"] == "24"
    assert rows["last_import"] == ""


def test_info_shows_the_last_import(demo_db, capsys):
    with store.write_transaction(demo_db, derive=staging.refresh) as conn:
        conn.execute(
            "insert into import_log (import_id, file_name, kind, started_at, finished_at,"
            " outcome, imported, rejected) values"
            " ('i1', 'old.csv', 'complaints', timestamp '2025-11-02 09:00:00',"
            "  timestamp '2025-11-02 09:01:00', 'ok', 10, 0),"
            " ('i2', '十一月投诉.csv', 'complaints', timestamp '2025-11-03 09:00:00',"
            "  timestamp '2025-11-03 09:02:00', 'ok', 120, 3)"
        )
    code, out, _ = _run(capsys, "--db", str(demo_db), "info", "--format", "json")
    assert code == 0
    info = json.loads(out)
    assert info["last_import"] == {
        "file_name": "十一月投诉.csv",
        "kind": "complaints",
        "finished_at": "2025-11-03 09:02:00",
        "outcome": "ok",
        "imported": 120,
        "rejected": 3,
    }
    assert info["tables"]["import_log"] == 2


def test_info_without_database_exits_4_with_one_line(tmp_path, capsys):
    code, out, err = _run(capsys, "--db", str(tmp_path / "none.duckdb"), "info")
    assert code == 4
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "none.duckdb" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--end-month", "2025-13"], "YYYY-MM"),
        (["--rows", "10"], "at least 500"),
        (["--months", "0"], "between 1 and 120"),
    ],
)
def test_demo_refuses_bad_arguments(tmp_path, capsys, args, message):
    path = tmp_path / "bad.duckdb"
    code, out, err = _run(capsys, "--db", str(path), "demo", *args, "--format", "json")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert not path.exists()


def test_demo_table_format_lists_files(tmp_path, capsys):
    code, out, _ = _run(
        capsys, "--db", str(tmp_path / "t.duckdb"), "demo", "--rows", "600",
        "--end-month", "2025-10", "--export-dir", str(tmp_path / "ex"),
    )  # fmt: skip
    assert code == 0
    assert "complaints.csv" in out and "penalties.csv" in out
    assert (tmp_path / "ex" / "volumes.csv").exists()
