"""Satisfaction (满意度): csat_rate and csat_mean with the survey coverage beside them, by
department, channel or category, and the dissatisfied complaints to follow up (personal
data masked unless the role allows it)."""

from __future__ import annotations

import dataclasses

import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state, theme
from queries import i18n
from queries.config import vocab

CARD_METRICS: tuple[str, ...] = ("csat_rate", "csat_mean", "survey_coverage")
BY_CHOICES: tuple[str, ...] = ("department", "channel", "category", "handler")
BY_COLUMNS: tuple[str, ...] = (
    "csat_rate",
    "n_satisfied",
    "n_surveyed",
    "n_dissatisfied",
    "csat_mean",
    "survey_coverage",
    "n_resolved",
    "received",
)
LIST_ROWS = 500  # dissatisfied complaints per page of the list (paged in the database)
DISSATISFIED_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "received_at",
    "department_name_zh",
    "category",
    "channel",
    "severity",
    "handler",
    "customer_name",
    "customer_phone",
    "satisfaction",
    "surveyed_at",
    "resolved_at",
    "resolution",
    "description",
)


def _cards(period, filters, as_of, lang: str) -> None:
    cards = {c.metric: c for c in data.kpi_cards(period, filters, as_of)}
    ui.kpi_cards([cards[m] for m in CARD_METRICS if m in cards], lang, per_row=3)
    st.caption(i18n.t("csat_beside_coverage", lang))


def _pick_group(key: str, values: list[str]) -> None:
    rows = ui.selected_rows(key)
    st.session_state["csat_group"] = values[rows[0]] if rows and rows[0] < len(values) else None


def _by_dimension(period, filters, as_of, lang: str) -> tuple[str, str | None]:
    st.subheader(i18n.t("csat_by", lang))
    state.bind_url("csat_by", BY_CHOICES[0])
    if st.session_state.get("csat_by") not in BY_CHOICES:
        st.session_state["csat_by"] = BY_CHOICES[0]
    by = st.segmented_control(
        i18n.t("group_by", lang),
        BY_CHOICES,
        format_func=lambda b: i18n.t(b, lang) if b != "handler" else i18n.column_label(b, lang),
        key="csat_by",
        required=True,
        on_change=lambda: st.session_state.update(csat_group=None),
    )
    assert by is not None  # required=True
    frame = data.kpis(period, filters, as_of, by=by)
    frame = frame[frame["n_surveyed"] > 0].sort_values(["n_surveyed", by], ascending=[False, True])
    if frame.empty:
        st.info(i18n.t("no_rows", lang))
        return by, None
    values = [str(v) for v in frame[by]]
    left, right = st.columns([3, 2])
    with left:
        st.caption(i18n.t("click_row_hint", lang))
        ui.table(
            frame,
            lang,
            key="csat_by_table",
            selectable=True,
            column_order=(by, *BY_COLUMNS),
            height=360,
            on_select=_pick_group,
            args=("csat_by_table", values),
        )
    with right:
        top = frame.head(15).iloc[::-1]
        labels = ui.localize_frame(top[[by]], lang).iloc[:, 0].astype(str).tolist()
        fig = go.Figure(
            [
                go.Bar(
                    x=top["csat_rate"],
                    y=labels,
                    orientation="h",
                    name=i18n.metric_name("csat_rate", lang),
                    marker_color=theme.OKABE_ITO[0],
                    hovertemplate="%{y}: %{x:.1%}<extra></extra>",
                ),
                go.Bar(
                    x=top["survey_coverage"],
                    y=labels,
                    orientation="h",
                    name=i18n.metric_name("survey_coverage", lang),
                    marker_color=theme.OKABE_ITO[4],
                    marker_pattern_shape=".",
                    hovertemplate="%{y}: %{x:.1%}<extra></extra>",
                ),
            ]
        )
        fig.update_layout(barmode="group", yaxis_type="category")
        fig.update_xaxes(tickformat=".0%", range=[0, 1])
        ui.chart(fig, key="csat_by_chart", height=max(300, 36 * len(top) + 80))
    group = st.session_state.get("csat_group")
    return by, group if group in values else None


def _dissatisfied(period, filters, as_of, lang: str, by: str, group: str | None) -> None:
    scope = filters
    title = i18n.t("dissatisfied_list", lang)
    if group is not None:
        scope = dataclasses.replace(filters, **{by: (group,)})
        title = f"{title}: {ui.md_escape(vocab.label(by, group, lang))}"
    st.subheader(title)
    st.caption(i18n.t("dissatisfied_help", lang))
    total = int(data.kpis(period, scope, as_of).iloc[0]["n_dissatisfied"])
    if not total:
        st.info(i18n.t("no_dissatisfied", lang))
        return
    offset = ui.list_page(total, LIST_ROWS, "dissatisfied", lang)
    rows = data.dissatisfied(
        period,
        scope,
        as_of,
        limit=LIST_ROWS,
        offset=offset,
        columns=(*DISSATISFIED_COLUMNS, *ui.ROW_KEYS),
    )
    ui.drill_table(rows, lang, "dissatisfied", columns=DISSATISFIED_COLUMNS)


def main() -> None:
    """Render the satisfaction page."""
    period, filters, as_of, lang = state.current_filters()
    ui.page_header("page_satisfaction", lang, period, as_of)
    with ui.guard(lang):
        if not ui.has_data(period, filters, as_of):
            ui.empty_state(lang)
            return
        _cards(period, filters, as_of, lang)
    by, group = "department", None
    with ui.guard(lang):
        by, group = _by_dimension(period, filters, as_of, lang)
    with ui.guard(lang):
        _dissatisfied(period, filters, as_of, lang, by, group)


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
