"""Every page in a real browser (headless Chromium, 1920×1080), both languages: no Streamlit
exception box, no console error, a screenshot each; drill-through clicks; filters in the
URL. Render times are written to ``test-artifacts/page_times.json`` (measured, not
asserted)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.ui.navigation import PAGES, PAGES_DIR
from tests.browser.conftest import BROWSER_TIMEOUT_MS, RUNNING

pytestmark = pytest.mark.browser

EXISTING = [stem for stem, _title, _section in PAGES if (PAGES_DIR / f"{stem}.py").exists()]
TIMES: dict[str, float] = {}
IDLE_QUIET_SECONDS = 1.5


def path(stem: str) -> str:
    """A page's URL path (the default page lives at ``/``)."""
    return "" if stem == "overview" else stem


def wait_idle(page, timeout: float = 120.0) -> float:
    """Wait until the app shows a title and has not been running for a moment; returns
    the seconds waited."""
    started = time.monotonic()
    page.wait_for_selector("h1", timeout=timeout * 1000)
    quiet_since = None
    while time.monotonic() - started < timeout:
        running = page.locator(RUNNING).count() > 0
        skeleton = page.locator('[data-testid="stSkeleton"]').count() > 0
        if running or skeleton:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= IDLE_QUIET_SECONDS:
            return quiet_since - started
        page.wait_for_timeout(100)
    raise AssertionError(f"page still running after {timeout} s")


def assert_clean(page) -> None:
    """No Streamlit exception box, no error box, no console error."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.first.inner_text()
    assert page.console_errors == [], page.console_errors


def click_center(page, locator) -> None:
    """Click the middle of an element the way a user does (Plotly's drag layer lies over
    the bars and receives the click, which is how Plotly selects a point)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def main_caption(page) -> str:
    """The page subtitle (period and as-of)."""
    return page.locator(
        '[data-testid="stMain"] [data-testid="stCaptionContainer"]'
    ).first.inner_text()


def full_screenshot(page, path: Path) -> None:
    """Screenshot the whole page (Streamlit scrolls inside its main block, so the viewport
    is stretched to the content for the shot and restored afterwards)."""
    height = page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
                   return m ? m.scrollHeight : document.body.scrollHeight; }"""
    )
    page.set_viewport_size({"width": 1920, "height": min(max(int(height) + 40, 1080), 8000)})
    page.wait_for_timeout(1500)  # charts re-layout to the new size
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1920, "height": 1080})


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("stem", EXISTING)
def test_page_renders_cleanly(app_url, page, screenshots, stem, lang):
    started = time.monotonic()
    page.goto(f"{app_url}/{path(stem)}?lang={lang}")
    wait_idle(page)
    TIMES[f"{stem}/{lang}"] = round(time.monotonic() - started - IDLE_QUIET_SECONDS, 2)
    assert_clean(page)
    expected = "English" if lang == "en" else "中文"
    selected = page.locator('.st-key-lang button[aria-checked="true"]')
    assert selected.first.inner_text() == expected
    full_screenshot(page, screenshots / f"{stem}-{lang}.png")
    assert_clean(page)


def test_overview_category_bar_drills_to_complaints(app_url, page, screenshots):
    page.goto(f"{app_url}/")
    wait_idle(page)
    bars = page.locator(".st-key-overview_categories .bars .point path")
    assert bars.count() > 0
    click_center(page, bars.first)
    page.locator("h3", has_text="对应投诉:").first.wait_for()
    wait_idle(page)
    assert_clean(page)
    grid = page.locator('.st-key-overview_category_drill [data-testid="stDataFrame"]')
    assert grid.count() == 1
    full_screenshot(page, screenshots / "overview-drill-zh.png")


def test_department_bar_opens_the_department_view(app_url, page, screenshots):
    page.goto(f"{app_url}/departments?lang=en")
    wait_idle(page)
    bars = page.locator(".st-key-dept_score_chart .bars .point path")
    assert bars.count() > 0
    click_center(page, bars.last)  # the top-ranked department (horizontal bars, best on top)
    page.locator("h2", has_text="Department view:").first.wait_for()
    wait_idle(page)
    assert_clean(page)
    assert "dept_view=" in page.url  # the selection is kept in the link
    full_screenshot(page, screenshots / "departments-view-en.png")


def test_overview_at_risk_row_opens_the_department(app_url, page):
    page.goto(f"{app_url}/")
    wait_idle(page)
    grid = page.locator('.st-key-overview_at_risk [data-testid="stDataFrame"]')
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    # the row-selection column of the first data row (header row ≈ 35 px, rows ≈ 35 px)
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
    page.locator("h2", has_text="部门详情:").first.wait_for()
    wait_idle(page)
    assert "/departments" in page.url and "dept_view=" in page.url
    assert_clean(page)


def test_filter_change_is_written_to_the_url_and_restored(app_url, page):
    page.goto(f"{app_url}/")
    wait_idle(page)
    page.locator('.st-key-period [data-testid="stSelectbox"]').click()
    page.locator('[role="option"]', has_text="本季度").click()
    # the rerun may start after wait_idle's quiet window: wait for its result itself
    caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
    expect(caption).to_contain_text("2025年10月1日 – 2025年12月31日", timeout=BROWSER_TIMEOUT_MS)
    wait_idle(page)
    assert "period=quarter" in page.url
    assert "2025年10月1日 – 2025年12月31日" in main_caption(page)
    # the link alone reproduces the view in a fresh page
    page.goto(page.url)
    wait_idle(page)
    assert "2025年10月1日 – 2025年12月31日" in main_caption(page)
    assert_clean(page)


@pytest.fixture(scope="module", autouse=True)
def _write_times():
    yield
    if TIMES:
        out = Path(__file__).resolve().parents[2] / "test-artifacts" / "page_times.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(TIMES, indent=2, ensure_ascii=False), encoding="utf-8")
