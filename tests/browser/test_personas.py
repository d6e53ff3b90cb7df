"""The three persona tasks in a real browser, clicks counted:

- executive (1366×768, 0 clicks): "are we on target, and what is worst?" — the status line,
  the first off-target card and the worst departments are above the fold;
- analyst (≤ 4 clicks): "which department lost the most points last month, on which
  complaints, and one complaint's timeline";
- meeting: present every slide with presenter-clicker keys; at 1920×1080, 1366×768,
  1280×800 and 1024×768 no slide overflows its 16:9 box and the smallest text on each
  slide is ≥ 28 px (≥ 24 px in charts) in the box's 1920×1080 layout.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from queries import store
from queries.marts import kpi, scoring, status
from queries.reports import meeting
from tests.browser.conftest import BROWSER_TIMEOUT_MS
from tests.browser.test_pages import assert_clean, wait_idle

pytestmark = pytest.mark.browser

MONTH, LAST_MONTH = "2025-10", "2025-09"
LAPTOP = {"width": 1366, "height": 768}
VIEWPORTS = [(1920, 1080), (1366, 768), (1280, 800), (1024, 768)]
ROW_Y = 35 + 17  # the first data row of a st.dataframe (header ≈ 35 px)


def _engine(demo_db, fn, *args, **kwargs):
    conn = store.open_snapshot(demo_db)
    try:
        return fn(conn, *args, **kwargs)
    finally:
        conn.close()


def _context_page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(BROWSER_TIMEOUT_MS)  # waits on conditions; load varies
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    return context, page


def _click_row(page, grid_selector: str) -> None:
    grid = page.locator(grid_selector)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 14, box["y"] + ROW_Y)


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 80) <= height


def test_executive_on_target_and_worst_with_no_click(app_url, browser, demo_db, screenshots):
    context, page = _context_page(browser, LAPTOP)
    try:
        clicks = 0
        page.goto(f"{app_url}/")
        wait_idle(page)
        assert_clean(page)
        cards = _engine(demo_db, kpi.kpi_cards, kpi.Period.month(MONTH))
        scores = _engine(demo_db, scoring.department_scores, MONTH)
        shown = [c for c in cards if c.metric in _overview_metrics()]
        expected = status.status_line(shown, scores, "本月", "zh")
        line = page.locator('[data-testid="stMain"] h4').first
        assert line.inner_text().strip() == expected
        assert _in_viewport(page, line)
        counts = status.status_counts(shown)
        if counts["red"]:
            assert _in_viewport(page, page.get_by_text("✖ 未达标").first)
        worst = status.worst_department(scores, "zh")
        grid = page.locator('.st-key-overview_at_risk [data-testid="stDataFrame"]')
        assert _in_viewport(page, grid)  # the worst departments: first rows above the fold
        assert worst is not None and worst.name in expected
        page.screenshot(path=str(screenshots / "persona-executive-1366.png"))
        assert clicks == 0
    finally:
        context.close()


def _overview_metrics() -> tuple[str, ...]:
    return (
        "received",
        "resolution_rate",
        "on_time_resolution_rate",
        "response_sla_rate",
        "first_response_median_h",
        "repeat_rate",
        "csat_rate",
        "valid_rate",
        "backlog_open",
        "overdue_open",
    )


def test_analyst_last_months_worst_department_to_a_timeline(app_url, page, demo_db, screenshots):
    clicks = 0
    page.goto(f"{app_url}/")
    wait_idle(page)
    # 1-2: the sidebar period → last month
    page.locator('.st-key-period [data-testid="stSelectbox"]').click()
    clicks += 1
    page.locator('[role="option"]', has_text="上月").click()
    clicks += 1
    # the rerun may start after wait_idle's quiet window: wait for its result itself
    status_line = page.locator('[data-testid="stMain"] h4').first
    expect(status_line).to_have_text(re.compile(r"^上月"), timeout=BROWSER_TIMEOUT_MS)
    wait_idle(page)
    scores = _engine(demo_db, scoring.department_scores, LAST_MONTH)
    worst = status.worst_department(scores, "zh")
    assert worst is not None
    assert status_line.inner_text().startswith("上月")
    # 3: the worst department (first row of "departments most at risk")
    _click_row(page, '.st-key-overview_at_risk [data-testid="stDataFrame"]')
    clicks += 1
    header = page.locator("h2", has_text=f"部门详情: {worst.name}").first
    header.wait_for()
    wait_idle(page)
    assert_clean(page)
    assert "period=last_month" in page.url and f"dept_view={worst.department_id}" in page.url
    assert page.get_by_text("考核月份: 2025年9月").first.is_visible()  # the period followed
    assert _in_viewport(page, header)  # landed in place, not 1,000 px down
    # the complaints behind its biggest deduction are listed without another click
    item = worst.item
    assert item is not None
    behind = _engine(demo_db, scoring.score_complaints, LAST_MONTH, worst.department_id, item)
    assert len(behind) > 0
    page.screenshot(path=str(screenshots / "persona-analyst-department.png"))
    # 4: one complaint → its timeline, shown first in the explorer
    _click_row(page, '.st-key-dept_item_drill [data-testid="stDataFrame"]')
    clicks += 1
    first_id = str(behind.iloc[0]["complaint_id"])
    detail = page.locator("h3", has_text=f"投诉详情 · {first_id}").first
    detail.wait_for()
    wait_idle(page)
    assert_clean(page)
    assert _in_viewport(page, detail)
    expect(page.get_by_text("处理时间线").first).to_be_visible(timeout=BROWSER_TIMEOUT_MS)
    crumb = page.locator(".st-key-breadcrumb")
    assert "公司" in crumb.inner_text() and worst.name in crumb.inner_text()
    page.screenshot(path=str(screenshots / "persona-analyst-complaint.png"))
    assert clicks <= 4
    # the breadcrumb goes back to the department with the filters intact
    page.locator(".st-key-crumb_department button").click()
    page.locator("h2", has_text=f"部门详情: {worst.name}").first.wait_for()
    wait_idle(page)
    assert page.get_by_text("考核月份: 2025年9月").first.is_visible()


@pytest.fixture(scope="module")
def prepared(demo_db):
    path = meeting.meeting_path(demo_db, MONTH)
    if not path.exists():
        meeting.prepare(demo_db, MONTH, dt.datetime(2025, 10, 31, 23, 59, 59))
    return meeting.load(demo_db, MONTH)


_MEASURE = """() => {
  const box = document.querySelector('.st-key-slide_box');
  const html = [];
  for (const el of box.querySelectorAll('*')) {
    if (el.closest('svg')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const r = el.getBoundingClientRect();
    if (!own || !r.width || !r.height) continue;
    html.push([parseFloat(getComputedStyle(el).fontSize), el.textContent.trim().slice(0, 40)]);
  }
  const svg = [...box.querySelectorAll('svg text')].filter(t => t.textContent.trim())
    .map(t => [parseFloat(getComputedStyle(t).fontSize), t.textContent.trim().slice(0, 40)]);
  return {overflowY: box.scrollHeight - box.clientHeight,
          overflowX: box.scrollWidth - box.clientWidth, html, svg,
          counter: document.querySelector('.st-key-meeting_counter').innerText.trim()};
}"""


def _counter(page) -> tuple[int, int]:
    text = page.locator(".st-key-meeting_counter").inner_text().strip()
    n, total = text.split("/")
    return int(n), int(total)


def _wait_slide(page, n: int) -> None:
    page.wait_for_function(
        """n => { const c = document.querySelector('.st-key-meeting_counter');
                  return c && c.innerText.trim().startsWith(n + ' /'); }""",
        arg=n,
        timeout=30000,
    )
    wait_idle(page)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_meeting_with_a_clicker_fits_every_slide(
    prepared, app_url, browser, screenshots, width, height
):
    context, page = _context_page(browser, {"width": width, "height": height})
    try:
        page.goto(f"{app_url}/meeting")
        page.wait_for_selector(".st-key-meeting_counter")
        wait_idle(page)
        page.get_by_role("button", name="开始投屏").click()
        _wait_slide(page, 1)
        _n, total = _counter(page)
        keys = ("PageDown", "Space", "ArrowRight")
        for n in range(1, total + 1):
            if n > 1:
                page.keyboard.press(keys[n % len(keys)])
                _wait_slide(page, n)
            page.wait_for_timeout(800)  # charts drawn
            got = page.evaluate(_MEASURE)
            assert got["overflowY"] <= 1 and got["overflowX"] <= 1, (n, got["overflowY"])
            small = [t for t in got["html"] if t[0] < 28]
            assert not small, (n, small[:5])
            small_svg = [t for t in got["svg"] if t[0] < 24]
            assert not small_svg, (n, small_svg[:5])
            if width in (1920, 1366):
                page.screenshot(path=str(screenshots / f"meeting-{width}-{n:02d}.png"))
            box = page.locator(".st-key-slide_box").bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= width + 1 and box["y"] + box["height"] <= height + 1
        # Backspace/Home/End; B blacks the screen and back
        page.keyboard.press("Backspace")
        _wait_slide(page, total - 1)
        page.keyboard.press("Home")
        _wait_slide(page, 1)
        page.keyboard.press("End")
        _wait_slide(page, total)
        page.keyboard.press("b")
        assert page.evaluate("() => document.body.classList.contains('slide-black')")
        page.keyboard.press("b")
        assert not page.evaluate("() => document.body.classList.contains('slide-black')")
        assert page.console_errors == []
    finally:
        context.close()
