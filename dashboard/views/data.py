"""Data (数据): what is loaded (counts by month, departments, date range, as-of), the last
imports with their reject counts, data-quality warnings (calendar years not covered,
inconsistent timestamps) and the import panel."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import auth, data, state
from dashboard.ui import components as ui
from queries import i18n

IMPORTS_SHOWN = 20
IMPORT_COLUMNS: tuple[str, ...] = (
    "finished_at",
    "file_name",
    "kind",
    "outcome",
    "source_rows",
    "imported",
    "updated",
    "unchanged",
    "superseded",
    "rejected",
    "reject_report",
    "user_name",
    "message",
)


def _warnings(lang: str) -> None:
    st.subheader(i18n.t("data_quality", lang))
    found = data.data_warnings()
    if not found:
        st.success(i18n.t("no_data_warnings", lang))
        return
    for w in found:
        if w.check == "calendar_uncovered":
            st.warning(
                f"{i18n.t('calendar_uncovered', lang)} {', '.join(w.examples)}",
            )
            continue
        examples = ui.md_escape(", ".join(w.examples))
        st.warning(
            f"**{w.label(lang)}**: {i18n.t('n_complaints_count', lang, n=i18n.fmt_int(w.count))}"
            f" · {i18n.t('examples', lang)}: {examples}",
        )


def _imports(lang: str) -> None:
    st.subheader(i18n.t("recent_imports", lang))
    frame = data.recent_imports(IMPORTS_SHOWN)
    if frame.empty:
        st.info(i18n.t("no_imports", lang))
        return
    shown = frame.assign(
        kind=[i18n.t(f"import_kind_{v}", lang) for v in frame["kind"]],
        outcome=[i18n.t(f"import_outcome_{v}", lang) for v in frame["outcome"]],
    )
    ui.table(shown, lang, key="data_imports", column_order=IMPORT_COLUMNS)
    rejected = int(frame["rejected"].fillna(0).sum())
    if rejected:
        st.caption(i18n.t("rejects_hint", lang, n=i18n.fmt_int(rejected)))


def _import_panel(lang: str) -> None:
    try:
        from dashboard.views.import_panel import render_import_panel
    except ModuleNotFoundError as exc:
        if exc.name != "dashboard.views.import_panel":
            raise
        return
    if not auth.can_write():  # an anonymous or remote visitor sees no import panel at all
        st.caption(i18n.t("writes_local_only", lang))
        return
    st.subheader(i18n.t("import_data", lang))
    if data.is_demo():
        st.info(i18n.t("import_demo_refused", lang))
        return
    render_import_panel(data.db_path(), lang, user=data.current_user())


def main() -> None:
    """Render the Data page."""
    _period, _filters, as_of, lang = state.current_filters()
    st.title(i18n.t("page_data", lang))
    with ui.guard(lang):
        ui.data_summary(lang, as_of, expanded=True)
    with ui.guard(lang):
        _warnings(lang)
    with ui.guard(lang):
        _imports(lang)
    with ui.guard(lang):
        _import_panel(lang)  # says why there is none for a visitor who may not write


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
