"""Hostile uploads on the Data page of a real server: a workbook whose reader aborts (the
worker is killed by its memory cap) and a zip bomb (refused before reading) each end with
one message, and the same server keeps serving every page. The files are built at test time
(``tests/hostile_files.py``); the server runs with the pre-read caps opened wide so the
far-cell file reaches the reader and the worker's memory cap is what stops it."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests import hostile_files as h
from tests.browser.conftest import serve_app
from tests.conftest import build_db

pytestmark = pytest.mark.browser

UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'


@pytest.fixture(scope="module")
def own_url(browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("hostile")
    path = build_db(
        folder / "own.duckdb",
        complaints=[
            {"complaint_id": "C1", "received_at": "2025-10-02 10:00:00", "department": "客服部"}
        ],
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COMPLAINTS_IMPORT_MAX_COLUMNS", "20000")
        mp.setenv("COMPLAINTS_IMPORT_MAX_CELLS", str(10**14))
        mp.setenv("COMPLAINTS_IMPORT_MEMORY_MB", "1024")
        with serve_app(path, folder / "streamlit.log") as url:
            yield url


def _wait_text(page, text: str, timeout_s: float = 120.0) -> str:
    """Wait until an alert containing ``text`` is shown; return its full text."""
    alert = page.locator('[data-testid="stAlert"]', has_text=text).first
    alert.wait_for(timeout=timeout_s * 1000)
    alert.scroll_into_view_if_needed()  # for the screenshot
    return alert.inner_text()


def _healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as resp:
        return resp.status == 200


def test_hostile_uploads_end_with_a_message_and_the_server_keeps_serving(
    own_url, page, screenshots
):
    page.goto(f"{own_url}/data")
    page.wait_for_selector("h1")
    page.locator(UPLOAD).wait_for(state="attached")
    # 1. the reader asks for 512 GiB inside the worker: the worker dies, the page says so
    page.set_input_files(
        UPLOAD,
        files=[
            {
                "name": "bomb.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": h.far_cell_openpyxl(),
            }
        ],
    )
    crashed = _wait_text(page, "SIGABRT")
    assert "memory allocation of 549755813888 bytes failed" in crashed
    page.screenshot(path=str(screenshots / "import-bomb-crash.png"), full_page=True)
    assert _healthy(own_url)
    # 2. a zip bomb is refused before any reader sees it; importing it anyway is refused
    page.goto(f"{own_url}/data")  # a new session: the uploader starts empty
    page.wait_for_selector("h1")
    page.locator(UPLOAD).wait_for(state="attached")
    page.set_input_files(
        UPLOAD,
        files=[
            {"name": "zip.xlsx", "mimeType": "application/octet-stream", "buffer": h.zip_bomb()}
        ],
    )
    _wait_text(page, "compressed 1,023:1")
    go = page.get_by_role("button", name="开始导入")
    go.wait_for()
    go.click()
    refused = _wait_text(page, "未导入")
    assert refused.startswith("zip.xlsx：未导入 —— xl/worksheets/sheet1.xml: compressed 1,023:1")
    page.screenshot(path=str(screenshots / "import-zip-bomb-refused.png"), full_page=True)
    # 3. the same server still serves every page, and the refusal is in the import log
    for stem in ("overview", "scores", "data"):
        page.goto(f"{own_url}/{stem}")
        page.wait_for_selector("h1")
        assert page.locator('[data-testid="stException"]').count() == 0
    deadline = time.monotonic() + 60
    while page.get_by_text("zip.xlsx").count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert page.get_by_text("zip.xlsx").count() >= 1
    assert _healthy(own_url)
