"""HTML in names renders as text in a real browser: a database whose department, category
and customers are named with a link, a styled span, an image and a script is served, and
every page is walked in both languages; no element from those names may appear (no link to
the payload's host, no text restyled by it, no image, no script, no dialog)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import serve_app
from tests.browser.test_security_browser import _settle
from tests.quality_pages_data import build, payload_rows

pytestmark = pytest.mark.browser

HTML_NAMES = (
    '<a href="https://evil.example/x">点我</a>',
    '<span style="color:red;font-size:40px">红</span>',
    '<img src="x-payload.png">',
    "<script>window.__xss=1</script>",
)
PAGES = (
    "overview",
    "departments",
    "time_limits",
    "scores",
    "repeats",
    "satisfaction",
    "accountability",
    "explorer",
    "data",
)
FROM_DATA = """() => ({
    links: document.querySelectorAll('a[href*="evil.example"]').length,
    styled: [...document.querySelectorAll('[style]')]
        .filter(e => /font-size:\\s*40px/.test(e.getAttribute('style'))).length,
    images: document.querySelectorAll('img[src*="x-payload"]').length,
    scripts: [...document.querySelectorAll('script')]
        .filter(e => e.textContent.includes('__xss')).length,
    ran: window.__xss !== undefined,
    svgTexts: [...document.querySelectorAll('svg text')].map(t => t.textContent)
        .filter(t => t.includes('<') || t.includes('点我')),
})"""


@pytest.fixture(scope="module")
def html_url(browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("html_names")
    path = build(folder / "html.duckdb", payload_rows(HTML_NAMES, "H", in_category=True))
    with serve_app(path, folder / "streamlit.log") as url:
        yield url


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("stem", PAGES)
def test_html_names_render_as_text(html_url, page, screenshots, stem, lang):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{html_url}/{'' if stem == 'overview' else stem}?lang={lang}")
    _settle(page)
    plots = page.locator(".js-plotly-plot")
    for i in range(plots.count()):  # charts below the fold are drawn when scrolled to
        plots.nth(i).scroll_into_view_if_needed()
    if stem in ("overview", "scores", "departments"):  # charts by department or category
        page.locator("svg text", has_text="<a href").first.wait_for()
    found = page.evaluate(FROM_DATA)
    page.screenshot(path=str(screenshots / f"html-names-{stem}-{lang}.png"), full_page=True)
    assert {k: found[k] for k in ("links", "styled", "images", "scripts", "ran")} == {
        "links": 0,
        "styled": 0,
        "images": 0,
        "scripts": 0,
        "ran": False,
    }
    assert dialogs == []
    assert page.locator('[data-testid="stException"]').count() == 0
    if stem in ("overview", "scores", "departments"):  # the names are shown, as text
        assert any("<a href" in t for t in found["svgTexts"]), found["svgTexts"]
