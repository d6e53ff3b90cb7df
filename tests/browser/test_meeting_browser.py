"""Meeting mode in a real browser at 1920×1080: presentation hides the app chrome, the body
type is at least 28 px, arrow keys and PageUp/PageDown (presenter clickers) move through the
slides, Esc ends the presentation. Screenshots of every slide go to
``test-artifacts/screenshots/meeting-*.png``."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from queries.reports import meeting
from tests.browser.conftest import RUNNING
from tests.meeting_data import DEMO_MONTH

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def prepared(demo_db):
    """The October meeting stored next to the browser demo database."""
    path = meeting.meeting_path(demo_db, DEMO_MONTH)
    if not path.exists():
        meeting.prepare(demo_db, DEMO_MONTH, dt.datetime(2025, 10, 31, 23, 59, 59))
    return meeting.load(demo_db, DEMO_MONTH)


def _wait_counter(page, n: int) -> None:
    page.wait_for_selector(f".st-key-meeting_counter >> text='{n} / 11'")
    page.wait_for_timeout(600)  # let the slide's charts draw before a screenshot


def _turn(page, key: str, n: int, bound_s: float = 180.0) -> None:
    """Press ``key`` until the counter shows slide ``n``. A press before the page bound its
    shortcuts is lost, so when the app is idle and the counter has not moved the key is
    pressed again; while the app runs, it waits (a press being handled is never repeated)."""
    counter = f".st-key-meeting_counter >> text='{n} / 11'"
    deadline = time.monotonic() + bound_s
    while True:
        page.keyboard.press(key)
        try:
            page.wait_for_selector(counter, timeout=5000)
            break
        except PlaywrightTimeout:
            while page.locator(RUNNING).count() > 0:
                assert time.monotonic() < deadline, f"the app never finished turning to {n}"
                page.wait_for_timeout(200)
            if page.locator(counter).count() > 0:
                break
            assert time.monotonic() < deadline, f"{key} never turned the slide to {n}"
    page.wait_for_timeout(600)  # let the slide's charts draw before a screenshot


# the hidden sidebar's captions stay in the DOM: measure the slide's own text
MAIN_CAPTION = '[data-testid="stMain"] [data-testid="stCaptionContainer"] p'


def _font_px(page, selector: str) -> float:
    return page.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


def test_presentation_keys_type_size_and_screenshots(prepared, app_url, page, screenshots):
    page.goto(f"{app_url}/meeting")
    _wait_counter(page, 1)
    page.screenshot(path=str(screenshots / "meeting-control.png"))
    assert page.locator('[data-testid="stSidebar"]').is_visible()

    page.get_by_role("button", name="开始投屏").click()
    _wait_counter(page, 1)
    page.wait_for_timeout(1000)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stHeader"]').is_visible()
    assert not page.get_by_role("button", name="下一页").is_visible()
    page.screenshot(path=str(screenshots / "meeting-01.png"))
    for n in range(2, 11):
        _turn(page, "ArrowRight" if n % 2 else "PageDown", n)
        page.screenshot(path=str(screenshots / f"meeting-{n:02d}.png"))
        if n == 2:  # headline KPIs: big numbers, body >= 28 px
            assert _font_px(page, '[data-testid="stMetricValue"] p') >= 60
            assert _font_px(page, '[data-testid="stMetricLabel"] p') >= 28
            assert _font_px(page, MAIN_CAPTION) >= 28
            values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
            received = next(c for c in prepared["cards"] if c["metric"] == "received")
            assert f"{int(received['value']):,}" in values
    _turn(page, "PageUp", 9)
    _turn(page, "ArrowLeft", 8)
    body = '[data-testid="stMain"] [data-testid="stTable"] td, ' + MAIN_CAPTION
    assert _font_px(page, body) >= 28
    page.keyboard.press("Escape")
    page.wait_for_selector('[data-testid="stSidebar"]', state="visible")
    _wait_counter(page, 8)
    page.get_by_role("button", name="下一页").click()
    _wait_counter(page, 9)


def test_typing_in_the_notes_box_does_not_turn_the_slide(prepared, app_url, page):
    page.goto(f"{app_url}/meeting")
    _wait_counter(page, 1)
    _turn(page, "ArrowRight", 2)
    box = page.locator(".st-key-meeting_note_2025-10_headline textarea")
    box.click()
    box.type("整改")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(800)
    assert page.locator(".st-key-meeting_counter").inner_text().strip() == "2 / 11"


def test_auto_advance_turns_the_slide(prepared, app_url, page):
    page.goto(f"{app_url}/meeting")
    _wait_counter(page, 1)
    page.wait_for_timeout(1500)
    page.locator(".st-key-meeting_auto label").click()
    page.wait_for_timeout(1000)
    seconds = page.locator(".st-key-meeting_seconds input")
    seconds.fill("10")
    seconds.press("Enter")
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="开始投屏").click()
    _wait_counter(page, 1)
    page.wait_for_timeout(5000)
    assert page.locator(".st-key-meeting_counter").inner_text().strip() == "1 / 11"
    _wait_counter(page, 2)  # about 10 s after the presentation started
