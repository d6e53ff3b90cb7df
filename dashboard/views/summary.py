"""Period summary (期间汇总): the half-year / quarter / year figures per department or
category that regulators and group headquarters ask for, with the definitions beside them
and CSV / Excel downloads. Every figure is the KPI engine's over the same period."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state
from queries import exports, i18n, periods

BY_OPTIONS: tuple[str, ...] = ("none", "department", "category")
TOTAL = "all"  # the unit of the company row


def _default_period(as_of: dt.datetime | None) -> str:
    """The last complete half year before the as-of (e.g. 2026H1 for October 2026)."""
    day = (as_of or dt.datetime.now()).date()
    if day.month > 6:
        return f"{day.year}H1"
    return f"{day.year - 1}H2"


def _shown(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Headers and units in ``lang``; values formatted, never recomputed."""
    out = pd.DataFrame(index=df.index)
    out[i18n.t("sum_unit", lang)] = [
        i18n.t("sum_total", lang) if u == TOTAL else u for u in df["unit"]
    ]
    for col in data.summary_columns():
        name = col.zh if lang == "zh" else col.en
        out[name] = [i18n.fmt_value(v, col.unit, lang) for v in df[col.name]]
    return out


def main() -> None:
    """Render the Summary page."""
    _period, _filters, as_of, lang = state.current_filters()
    st.title(i18n.t("page_summary", lang))
    left, right = st.columns([1, 2])
    with left:
        text = st.text_input(
            i18n.t("sum_period", lang),
            value=_default_period(as_of),
            help=i18n.t("sum_period_help", lang),
            key="sum_period",
        )
    with right:
        by = st.segmented_control(
            i18n.t("sum_by", lang),
            BY_OPTIONS,
            format_func=lambda b: i18n.t(f"sum_by_{b}", lang),
            default="department",
            key="sum_by",
        )
    try:
        period = periods.parse_period(text)
    except ValueError as exc:
        st.error(str(exc))
        return
    with ui.guard(lang):
        frame = data.period_summary(period, None if by in (None, "none") else by, as_of)
        st.caption(f"{ui.filters_caption(period, as_of, lang)} · {i18n.t('sum_equal_note', lang)}")
        st.dataframe(_shown(frame, lang), hide_index=True)
        name = f"summary-{text.strip().upper()}"
        defs = data.summary_definitions(lang)
        c1, c2 = st.columns(2)
        c1.download_button(
            i18n.t("download_csv", lang),
            exports.to_csv_bytes(frame),
            file_name=f"{name}.csv",
            mime="text/csv",
            key="sum_csv",
        )
        c2.download_button(
            i18n.t("download_xlsx", lang),
            exports.to_xlsx_bytes({"summary": frame, "definitions": defs}),
            file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="sum_xlsx",
        )
        with st.expander(i18n.t("sum_definitions", lang), expanded=True):
            for _, d in defs.iterrows():
                sep = "：" if lang == "zh" else ": "
                st.markdown(f"**{ui.md_escape(d['name'])}**{sep}{ui.md_escape(d['definition'])}")


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
