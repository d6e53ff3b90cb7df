"""Every failure is one line and an exit code: a damaged or foreign database file on the
CLI and in the app (localised page), disk full / read-only / permission errors described,
CLI csv output with formulas neutralised, control characters never reach the terminal,
and a 5-million-character description capped with a warning."""

from __future__ import annotations

import errno
import io
import zipfile

import pytest

from queries import output
from queries.cli import main
from queries.importer import import_file
from queries.importer.plausible import TEXT_CAP, TRUNCATED_MARK
from tests.app_support import open_app
from tests.conftest import build_db
from tests.import_fixtures import csv_text


def _damaged(path):
    path.write_bytes(b"garbage, not a database " * 400)
    return path


def _foreign(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "hello")
    path.write_bytes(buf.getvalue() * 50)
    return path


@pytest.mark.parametrize("make", [_damaged, _foreign], ids=["damaged", "foreign"])
def test_cli_on_a_bad_database_file_prints_one_line(tmp_path, capsys, make):
    path = make(tmp_path / "bad.duckdb")
    before = path.read_bytes()
    code = main(["--db", str(path), "info"])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == (
        "complaints info: not a valid database file (damaged, or another program's file):"
        f' IO Error: The file "{path}" exists, but it is not a valid DuckDB database file!\n'
    )
    good = tmp_path / "x.csv"
    good.write_text(csv_text(["投诉编号", "受理时间", "责任部门"], [["A", "2025-10-01", "客服部"]]))
    code = main(["--db", str(path), "import", str(good)])
    _out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if not ln.startswith("importing ")]
    assert code == 1 and len(lines) == 1, err
    assert lines[0].startswith("complaints import: not a valid database file")
    assert path.read_bytes() == before  # nothing changed


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            OSError(errno.ENOSPC, "No space left on device", "/data/x.duckdb"),
            "/data/x.duckdb: disk full (no space left on the device); nothing was changed",
        ),
        (
            OSError(errno.EROFS, "Read-only file system", "/ro/x.duckdb.lock"),
            "/ro/x.duckdb.lock: the folder is on a read-only file system",
        ),
        (
            PermissionError(errno.EACCES, "Permission denied", "/data/x.duckdb"),
            "/data/x.duckdb: permission denied",
        ),
        (
            RuntimeError('IO Error: Could not write file "x": No space left on device\nmore'),
            "disk full (no space left on the device); nothing was changed",
        ),
        (ValueError("bad \x1b[31mvalue\nsecond line"), "ValueError: bad [31mvalue"),
    ],
)
def test_failures_are_described_in_one_line(exc, line):
    assert output.one_line(exc) == line


def test_cli_csv_neutralises_formulas_and_table_strips_control_characters(tmp_path, capsys):
    path = build_db(
        tmp_path / "c.duckdb",
        complaints=[
            {"complaint_id": "C1", "received_at": "2025-10-02 10:00:00", "department": "=1+1"},
            {
                "complaint_id": "C2",
                "received_at": "2025-10-03 10:00:00",
                "department": "客服\x1b[2J\x07部",
            },
        ],
    )
    args = ["--db", str(path), "kpi", "--from", "2025-10-01", "--to", "2025-11-01"]
    assert main([*args, "--by", "department", "--format", "csv"]) == 0
    out, _ = capsys.readouterr()
    firsts = sorted(line.split(",")[0] for line in out.splitlines()[1:])
    assert firsts[0] == "'=1+1"
    assert main([*args, "--by", "department", "--format", "table"]) == 0
    out, _ = capsys.readouterr()
    assert "\x1b" not in out and "\x07" not in out
    assert "客服[2J部" in out


def test_a_huge_description_is_capped_with_a_warning(tmp_path):
    headers = ["投诉编号", "受理时间", "责任部门", "投诉内容"]
    rows = [["L1", "2025-10-01 09:00", "客服部", "长" * 5_000_000]]
    dbp = tmp_path / "c.duckdb"
    res = import_file(dbp, ("long.csv", csv_text(headers, rows).encode()))
    assert (res.imported, res.rejected, res.warnings) == (1, 0, 1)
    from queries import store

    conn = store.open_snapshot(dbp)
    try:
        ((text,),) = conn.execute("select description from complaints").fetchall()
    finally:
        conn.close()
    assert len(text) == TEXT_CAP and text.endswith(TRUNCATED_MARK)
    import pandas as pd

    report = pd.read_csv(res.reject_report, dtype=str, keep_default_na=False)
    assert report["reason"].tolist() == [
        "description has 5,000,000 characters; cut to 32,767 (Excel's cell limit)"
    ]


@pytest.mark.parametrize(
    ("lang", "title", "start"),
    [
        ("zh", "无法打开数据", "not a valid database file"),
        ("en", "The data cannot be opened", "not a valid database file"),
    ],
)
def test_the_app_shows_a_localised_page_for_a_damaged_file(
    tmp_path, monkeypatch, lang, title, start
):
    monkeypatch.setenv("COMPLAINTS_DB", str(_damaged(tmp_path / "bad.duckdb")))
    at = open_app(None, lang=lang)
    assert not at.exception
    assert [t.value for t in at.title] == [title]
    (error,) = at.error
    assert error.value.startswith(start)
    assert "\n" not in error.value
