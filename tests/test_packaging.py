"""Packaging: the wheel ships every file of the engine and the app (SQL, default rules,
calendar, synonyms, mappings, the Streamlit config), and a plain (not editable) install
works from a folder outside the checkout: ``complaints demo``, ``kpi`` and ``serve``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests import ROOT

pytestmark = pytest.mark.slow

PACKAGES = ("queries", "dashboard")
#: What the build reads besides the packages (pyproject's ``readme``).
BUILD_FILES = ("pyproject.toml", "README.md")
KPI_ARGS = ("kpi", "--from", "2026-10-01", "--to", "2026-11-01", "--format", "json")


def _tree_files() -> set[str]:
    """Every file of the packages in the checkout, as wheel paths (no bytecode)."""
    files = set()
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.add(path.relative_to(ROOT).as_posix())
    return files


def _clean_env() -> dict[str, str]:
    """The environment without anything pointing back at the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COMPLAINTS_DB")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the checkout (the build never writes into it)."""
    src = tmp_path_factory.mktemp("src")
    for name in BUILD_FILES:
        shutil.copy2(ROOT / name, src / name)
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        env=_clean_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("*.whl")
    return built


def test_wheel_ships_every_file_of_the_packages(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        shipped = {n for n in zf.namelist() if n.split("/", 1)[0] in PACKAGES}
    tree = _tree_files()
    data_files = {f for f in tree if not f.endswith(".py")}
    # the data files the product cannot run without, named so a bad glob cannot hide them
    assert {
        "dashboard/.streamlit/config.toml",
        "queries/config/rules.toml",
        "queries/config/calendar_overrides.toml",
        "queries/config/synonyms.toml",
        "queries/config/mappings/cfpb.toml",
        "queries/marts/fragments/kpi_cohort.sql",
        "queries/migrations/001_initial.sql",
        "queries/staging/stg_complaints.sql",
    } <= data_files
    assert sorted(tree - shipped) == []
    assert sorted(shipped - tree) == []


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> int:
    """The HTTP status of ``url`` once it answers (fails if the server exits or never does)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return resp.status
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"complaints serve did not answer:\n{log.read_text(encoding='utf-8')}")
        time.sleep(0.3)  # poll interval, until serve answers


def test_plain_install_runs_from_outside_the_checkout(wheel: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    env = _clean_env()
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], tmp_path, env)
    py, exe = venv / "bin" / "python", venv / "bin" / "complaints"
    _run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], tmp_path, env)
    work = tmp_path / "work"
    work.mkdir()
    # the installed copy is used, not the checkout
    where = _run([str(py), "-c", "import queries, dashboard; print(queries.__file__)"], work, env)
    assert Path(where.stdout.strip()).is_relative_to(venv)

    _run([str(exe), "demo", "--rows", "3000", "--no-exports"], work, env)
    db_file = work / "data" / "demo.duckdb"  # the demo's own file in data/ under the cwd
    assert db_file.is_file()
    assert not (work / "data" / "complaints.duckdb").exists()  # the working db stays apart
    installed = json.loads(_run([str(exe), "--db", str(db_file), *KPI_ARGS], work, env).stdout)
    # the same numbers as the checkout's engine on the same database
    checkout = subprocess.run(
        [sys.executable, "-m", "dashboard", "--db", str(db_file), *KPI_ARGS],
        cwd=ROOT,
        env=dict(env, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert checkout.returncode == 0, checkout.stderr
    assert installed == json.loads(checkout.stdout)
    assert installed[0]["received"] > 0

    with socket.socket() as s:  # a free port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "serve.log"
    serve = [str(exe), "serve", "--port", str(port), "--address", "127.0.0.1"]
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            serve, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        assert _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc, log) == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
