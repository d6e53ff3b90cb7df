"""Entrypoint: ``streamlit run dashboard/app.py`` (or ``complaints serve``).

Only a router plus the shared widgets: page config, the data snapshot for this run, the
sidebar filters (kept in the URL, see ``dashboard/ui/state.py``) and ``st.navigation`` over
``dashboard/pages/*.py``. Pages listed in ``PAGES`` appear when their file exists; any other
page file is a page only when listed (helper modules such as ``import_panel.py`` are not).
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ (not the repo) on sys.path; make the
# package importable without an editable install too.
if str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.core import i18n
from dashboard.ui import components, data, state

PAGES_DIR = Path(__file__).parent / "pages"

# (file stem, title label key, section label key); order = navigation order. No page icons:
# a page's icon becomes the favicon, and Material icons are then fetched from
# fonts.gstatic.com (the app must work offline).
PAGES: tuple[tuple[str, str, str], ...] = (
    ("overview", "page_overview", "nav_executive"),
    ("departments", "page_departments", "nav_quality"),
    ("time_limits", "page_time_limits", "nav_quality"),
    ("scores", "page_scores", "nav_quality"),
    ("repeats", "page_repeats", "nav_quality"),
    ("satisfaction", "page_satisfaction", "nav_quality"),
    ("accountability", "page_accountability", "nav_quality"),
    ("explorer", "page_explorer", "nav_quality"),
    ("data", "page_data", "nav_quality"),
    ("meeting", "page_meeting", "nav_meeting"),
)


def build_pages(lang: str) -> dict[str, list[st.Page]]:
    """The navigation: sections → pages whose files exist."""
    sections: dict[str, list[st.Page]] = {}
    for stem, title_key, section_key in PAGES:
        path = PAGES_DIR / f"{stem}.py"
        if not path.exists():
            continue
        page = st.Page(
            str(path),
            title=i18n.t(title_key, lang),
            url_path=stem,
            default=stem == "overview",
        )
        sections.setdefault(i18n.t(section_key, lang), []).append(page)
    return sections


def main() -> None:
    """Route one script run."""
    state.start_run()
    lang = state.lang()
    st.set_page_config(
        page_title=i18n.t("app_title", lang),
        layout="wide",
        initial_sidebar_state="expanded",
    )
    if not data.database_exists():
        with st.spinner(i18n.t("building_demo", lang)):
            available = data.ensure_database()
        if not available:
            st.title(i18n.t("app_title", lang))
            st.warning(i18n.t("no_database", lang))
            components.empty_state(lang)
            st.stop()
    data.begin_run()
    nav = st.navigation(build_pages(lang), position="sidebar")
    with components.guard(lang):
        state.render_filters()
    components.role_badge(state.lang())
    state.sync_to_url(nav.url_path or "overview")
    nav.run()


if __name__ == "__main__":  # `streamlit run` and AppTest run the script as __main__
    main()
