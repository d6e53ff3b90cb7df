"""Entrypoint: ``streamlit run dashboard/app.py`` (or ``complaints serve``).

Only a router plus the shared widgets: page config, the data snapshot for this run, the
sidebar filters (kept in the URL, see ``dashboard/ui/state.py``) and ``st.navigation`` over
the pages registered in ``dashboard/ui/navigation.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ (not the repo) on sys.path; make the
# package importable without an editable install too.
if str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.ui import auth, components, data, navigation, state
from queries import i18n


def main() -> None:
    """Route one script run."""
    state.start_run()
    lang = state.lang()
    st.set_page_config(
        page_title=i18n.t("app_title", lang),
        layout="wide",
        initial_sidebar_state="expanded",
    )
    auth.gate(lang)
    auth.banner(lang)
    auth.refuse_privilege_params(lang)
    if not data.database_exists():
        if data.serves_demo_file():
            with st.spinner(i18n.t("building_demo", lang)):
                data.ensure_database()
        if not data.database_exists():
            components.missing_database_page(data.db_path().name, lang)
            st.stop()
    try:
        data.begin_run()
        demo_data = data.is_demo()
    except Exception as exc:  # a damaged or unreadable file: one localised line, no traceback
        components.failure_page(exc, lang)
        st.stop()
    # expanded: every page listed (Streamlit's own "View N more" button is English-only)
    nav = st.navigation(navigation.build_pages(lang), position="sidebar", expanded=True)
    if demo_data:
        components.demo_banner(lang)
    with components.guard(lang):
        state.render_filters()
    components.role_badge(state.lang())
    auth.sidebar(state.lang())
    state.sync_to_url(nav.url_path or "overview")
    nav.run()


main()
