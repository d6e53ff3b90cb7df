"""Audit page (``admin`` only): the audit trail, newest first, filtered by date and user."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.ui import auth, data, state
from dashboard.ui import components as ui
from queries import i18n

COLUMNS = ("occurred_at", "who", "action", "outcome", "scope", "rows", "detail")


def main() -> None:
    """Render the Audit page."""
    lang = state.lang()
    st.title(i18n.t("audit_title", lang))
    if not auth.can_see_audit():
        st.warning(i18n.t("not_in_scope", lang, what=i18n.t("audit_title", lang)))
        return
    st.caption(i18n.t("audit_caption", lang))
    c1, c2 = st.columns(2)
    since = c1.date_input(i18n.t("audit_since", lang), value=None, key="audit_since")
    who = c2.text_input(i18n.t("audit_who", lang), key="audit_who").strip()
    with ui.guard(lang):
        frame = data.audit_trail(
            since=dt.datetime.combine(since, dt.time()) if since else None, who=who or None
        )
        if frame.empty:
            st.info(i18n.t("audit_none", lang))
            return
        st.dataframe(frame[list(COLUMNS)], hide_index=True, width="stretch")


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
