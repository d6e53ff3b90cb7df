"""The demo is a separate, marked database: ``complaints serve`` without a database serves
``data/demo.duckdb`` and says so, a configured database must exist, ``complaints demo``
never overwrites real data, and the app without ``$COMPLAINTS_DB`` shows the demo marked."""

from __future__ import annotations

import argparse

import pytest

from queries import store
from queries.cli import CliError, main
from queries.cli.commands import serve
from queries.demo import build_demo
from tests.app_support import open_app
from tests.conftest import build_db


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A fresh working folder (``data/`` under it) and no ``$COMPLAINTS_DB``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPLAINTS_DB", raising=False)
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def _small_demo(path):
    build_demo(path, rows=500, months=1, end_month="2025-10", exports=False)
    return path


def test_serve_without_a_database_serves_the_demo_file_and_says_so(work, monkeypatch, capsys):
    demo_file = _small_demo(work / "demo.duckdb")
    calls = []
    monkeypatch.setattr(serve.subprocess, "call", lambda cmd, env: calls.append((cmd, env)) or 0)
    args = argparse.Namespace(db=None, port=8599, address="localhost", insecure_no_auth=False)
    assert serve.run(args) == 0
    ((cmd, env),) = calls
    assert env["COMPLAINTS_DB"] == str(demo_file)
    assert cmd.count("--server.address") == 1 and cmd[cmd.index("--server.address") + 1] == (
        "localhost"
    )
    assert cmd[cmd.index("--server.maxUploadSize") + 1] == "50"
    err = capsys.readouterr().err
    assert f"no database yet: serving the demo data (示例数据) in {demo_file}" in err
    assert not (work / "complaints.duckdb").exists()


def test_serve_prefers_the_working_database(work):
    own = build_db(work / "complaints.duckdb")
    assert serve.served_db(None) == (own, False)


def test_serve_refuses_a_configured_database_that_does_not_exist(work, monkeypatch):
    missing = work / "gone.duckdb"
    with pytest.raises(CliError) as exc:
        serve.served_db(str(missing))
    assert exc.value.code == 4
    assert str(exc.value).startswith(f"{missing}: no such database;")
    monkeypatch.setenv("COMPLAINTS_DB", str(missing))
    with pytest.raises(CliError):
        serve.served_db(None)
    assert not missing.exists()


def test_demo_command_never_overwrites_real_data(work, capsys):
    own = build_db(
        work / "complaints.duckdb", departments=[{"department_id": "D1", "name_zh": "客服部"}]
    )
    before = own.read_bytes()
    code = main(["--db", str(own), "demo", "--rows", "500", "--months", "1", "--no-exports"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].endswith(
        f"{own} holds real data, not the demo; the demo goes to its own file"
        f" (default {work / 'demo.duckdb'})"
    )
    assert own.read_bytes() == before


def test_demo_command_builds_into_its_own_marked_file(work):
    code = main(
        [
            "demo",
            "--rows",
            "500",
            "--months",
            "1",
            "--end-month",
            "2025-10",
            "--no-exports",
            "--format",
            "json",
        ]
    )
    assert code == 0
    assert store.is_demo(work / "demo.duckdb")
    assert not (work / "complaints.duckdb").exists()


def test_the_app_without_a_configured_database_shows_the_marked_demo(work):
    _small_demo(work / "demo.duckdb")
    at = open_app(None)
    assert not at.exception
    banners = [
        m.value for m in at.markdown if m.value.startswith(":orange-badge[:material/science:")
    ]
    assert banners == [
        ":orange-badge[:material/science: 示例数据] 这是演示公司（华信电器）的虚构数据，"
        "不是贵公司的数据。导入自己的数据请使用 `complaints import 文件 --db"
        " data/complaints.duckdb`，再用 `complaints serve` 打开。"
    ]
    assert not (work / "complaints.duckdb").exists()
