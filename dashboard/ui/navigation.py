"""The page registry: which ``dashboard/views/*.py`` files are pages, their titles and
navigation sections. A page appears when its file exists; files not listed (helper modules
such as ``import_panel.py``) are never pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from dashboard.ui import auth
from queries import i18n

PAGES_DIR = Path(__file__).resolve().parents[1] / "views"

# (file stem, title label key, section label key); order = navigation order. No page icons:
# a page's icon becomes the favicon, and Material icons are then fetched from
# fonts.gstatic.com (the app must work offline).
PAGES: tuple[tuple[str, str, str], ...] = (
    ("overview", "page_overview", "nav_executive"),
    ("summary", "page_summary", "nav_executive"),
    ("departments", "page_departments", "nav_quality"),
    ("time_limits", "page_time_limits", "nav_quality"),
    ("ladder", "page_ladder", "nav_quality"),
    ("scores", "page_scores", "nav_quality"),
    ("breakdowns", "page_breakdowns", "nav_quality"),
    ("repeats", "page_repeats", "nav_quality"),
    ("satisfaction", "page_satisfaction", "nav_quality"),
    ("accountability", "page_accountability", "nav_quality"),
    ("explorer", "page_explorer", "nav_quality"),
    ("data", "page_data", "nav_quality"),
    ("meeting", "page_meeting", "nav_meeting"),
    ("rectification", "page_rectification", "nav_meeting"),
    ("audit", "audit_title", "nav_quality"),
)
#: Pages only some viewers get (stem -> who may open it).
RESTRICTED: dict[str, Callable[[], bool]] = {"audit": auth.can_see_audit}


def build_pages(lang: str) -> dict[str, list[st.Page]]:
    """The navigation: sections → pages whose files exist."""
    sections: dict[str, list[st.Page]] = {}
    for stem, title_key, section_key in PAGES:
        path = PAGES_DIR / f"{stem}.py"
        if not path.exists() or not RESTRICTED.get(stem, lambda: True)():
            continue
        page = st.Page(
            str(path),
            title=i18n.t(title_key, lang),
            url_path=stem,
            default=stem == "overview",
        )
        sections.setdefault(i18n.t(section_key, lang), []).append(page)
    return sections
