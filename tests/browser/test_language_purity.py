"""Language purity: every page in each language shows no text in the other script outside
the data values the source supplied in one language only (regions, handler and customer
names, free-text descriptions...). English pages: no CJK character; Chinese pages: no
English word outside a short allow-list of codes and units."""

from __future__ import annotations

import json
import re

import pytest

from dashboard.ui.navigation import PAGES, PAGES_DIR
from queries import store
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_pages import path, wait_idle

pytestmark = pytest.mark.browser

EXISTING = [stem for stem, _t, _s in PAGES if (PAGES_DIR / f"{stem}.py").exists()]
CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]+")
WORD = re.compile(r"\b[A-Za-z][A-Za-z]{2,}\b")
# words that are the same in both languages (codes, units, file formats, product names)
ZH_ALLOWED = {"KPI", "CSV", "XLSX", "PDF", "PPTX", "Excel", "PowerPoint", "Esc", "PageUp"}
ZH_ALLOWED |= {"PageDown", "Home", "End", "Space", "Backspace", "Tab", "Enter", "English"}
ZH_ALLOWED |= {"DuckDB", "TOML", "SLA", "ID", "Streamlit", "Pareto", "Top", "Shift"}
ZH_ALLOWED |= {"TSV", "TXT", "XLS", "XLSM"}  # file types
ZH_ALLOWED |= {"yyyy"}  # the date fields' format placeholder (yyyy/MM/dd)
EN_ALLOWED = {"中文"}  # the language switch names itself

# The page text, without what Streamlit draws itself outside our control: data grids
# (canvas), the sidebar navigation/filters values are ours and are checked too.
_TEXT = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const side = document.querySelector('[data-testid="stSidebar"]');
  // data grids are canvases of data values; icon ligatures ("info") are not words
  // code (commands such as `complaints import`) reads the same in both languages
  const skip = el => el.closest('[data-testid="stDataFrame"], [data-testid="stTable"], '
    + '[data-testid="stCode"], code, .js-plotly-plot .hoverlayer, [data-testid="stIconMaterial"], '
    + '[translate="no"]');
  const out = [];
  for (const root of [main, side]) {
    if (!root) continue;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let n;
    while ((n = walker.nextNode())) {
      const t = n.textContent.trim();
      if (!t || skip(n.parentElement)) continue;
      const r = n.parentElement.getBoundingClientRect();
      if (!r.width && !r.height) continue;
      if (parseFloat(getComputedStyle(n.parentElement).fontSize) === 0) continue;  // replaced
      out.push(t);
    }
  }
  return out;
}"""


def _data_values(demo_db) -> set[str]:
    """Values the source supplied in one language only (shown as they are)."""
    conn = store.open_snapshot(demo_db)
    try:
        rows = conn.execute(
            """
            select distinct v from (
                select region as v from complaints union all
                select handler from complaints union all
                select product from complaints union all
                select name_zh from departments where name_en is null or name_en = ''
            ) where v is not null
            """
        ).fetchall()
    finally:
        conn.close()
    return {str(r[0]) for r in rows}


def _leaks(texts: list[str], lang: str, data_values: set[str]) -> list[str]:
    leaks = []
    for text in texts:
        if text in data_values:
            continue
        if lang == "en":
            found = [m for m in CJK.findall(text) if m not in EN_ALLOWED]
            found = [m for m in found if not any(m in v for v in data_values)]
        else:
            found = [w for w in WORD.findall(text) if w not in ZH_ALLOWED]
        if found:
            leaks.append(f"{text[:80]!r}: {found[:3]}")
    return leaks


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_speaks_one_language(app_url, page, demo_db, lang):
    data_values = _data_values(demo_db)
    found: dict[str, list[str]] = {}
    for stem in EXISTING:
        page.goto(f"{app_url}/{path(stem)}?lang={lang}")
        wait_idle(page)
        leaks = _leaks(page.evaluate(_TEXT), lang, data_values)
        if leaks:
            found[stem] = leaks
    out = SCREENSHOTS.parent / f"language-leaks-{lang}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    assert not found, {k: v[:5] for k, v in found.items()}
