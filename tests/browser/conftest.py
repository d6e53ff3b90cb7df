"""Real-browser harness: a demo database built once per session, ``streamlit run
dashboard/app.py`` on a free port against it, and headless Chromium through Playwright.

Skips when ``/usr/bin/chromium`` is missing, unless ``COMPLAINTS_REQUIRE_BROWSER=1`` (CI),
then fails. Screenshots go to ``test-artifacts/screenshots/`` (kept after the run).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
BROWSER_TIMEOUT_MS = 180_000
#: Present while a script run is in progress. Streamlit marks the app root with its script
#: state (``data-test-script-state``); its status widget is not shown in this app, so it
#: cannot be the only sign (a wait on it alone returned mid-run, before slow parts drew).
RUNNING = '[data-testid="stApp"][data-test-script-state="running"], [data-testid="stStatusWidget"]'
_BASE_PATH_PROBE = re.compile(r"/[A-Za-z0-9_]+/_stcore/(health|host-config)$")
DEMO_ROWS = 3000
DEMO_END_MONTH = "2025-10"


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("COMPLAINTS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing and COMPLAINTS_REQUIRE_BROWSER=1")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium fonts-noto-cjk)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo database (seeded, fixed end month), built once per session."""
    _require_browser()
    from queries.demo import build_demo

    path = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    build_demo(path, rows=DEMO_ROWS, end_month=DEMO_END_MONTH, exports=False)
    return path


@contextlib.contextmanager
def serve_app(
    db_path: Path,
    log: Path,
    role: str = "viewer",
    *,
    port: int | None = None,
    extra_args: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run ``streamlit run dashboard/app.py`` on ``db_path`` and yield its base URL once
    ``/_stcore/health`` answers; the server is stopped on exit. ``port`` (default: a free
    one), ``extra_args`` (Streamlit flags) and ``extra_env`` serve the sign-in tests."""
    port = port or free_port()
    env = dict(os.environ, COMPLAINTS_DB=str(db_path), COMPLAINTS_ROLE=role, **(extra_env or {}))
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "dashboard" / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *extra_args,
    ]
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text(encoding='utf-8')}")
            time.sleep(0.3)  # poll interval, until the health check answers
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def app_url(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of ``streamlit run dashboard/app.py`` serving the demo database."""
    with serve_app(demo_db, tmp_path_factory.mktemp("streamlit") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A 1920×1080 page; ``page.console_errors`` collects console errors and page errors."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    # Every Playwright wait is bounded by an observable condition; the bound is generous
    # because the machine may be loaded (a full-page screenshot of a long page took > 30 s
    # at load 10 on 2 cores).
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    pg = context.new_page()
    errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type != "error":
            return
        # Streamlit's client probes <page path>/_stcore/health and /host-config when a page
        # is opened by its own URL (to find the server's base path); the 404s of that
        # probe are expected, any other failed request is an error.
        url = (msg.location or {}).get("url", "")
        if "status of 404" in msg.text and _BASE_PATH_PROBE.search(url):
            return
        errors.append(f"{msg.text} ({url})" if url else msg.text)

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.console_errors = errors
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The screenshot folder (created; left behind for people to look at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
