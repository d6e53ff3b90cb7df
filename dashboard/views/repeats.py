"""Repeats and groups (重复与群体投诉): the repeat rate over the last 12 months and by
department or category (click a row for the repeats behind it), one customer's repeat
chain (personal data masked unless the role allows it), and the group incidents with
their complaints."""

from __future__ import annotations

import dataclasses

import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state, theme
from queries import i18n, periods
from queries.config import vocab

CARD_METRICS: tuple[str, ...] = ("repeat_rate", "group_incidents", "received")
BY_CHOICES: tuple[str, ...] = ("department", "category")
BY_COLUMNS: tuple[str, ...] = ("repeat_rate", "n_repeat", "received", "group_incidents")
LIST_ROWS = 500  # repeat complaints per page of the list (paged in the database)
REPEAT_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "received_at",
    "customer_id",
    "customer_name",
    "customer_phone",
    "department_name_zh",
    "category",
    "repeat_of_complaint_id",
    "parent_complaint_id",
    "status",
    "description",
)
CHAIN_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "received_at",
    "department_name_zh",
    "category",
    "is_repeat",
    "repeat_of_complaint_id",
    "parent_complaint_id",
    "status",
    "resolved_at",
    "satisfaction",
    "customer_name",
    "customer_phone",
    "description",
)
GROUP_MEMBER_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "received_at",
    "customer_id",
    "customer_name",
    "customer_phone",
    "department_name_zh",
    "category",
    "channel",
    "severity",
    "status",
    "resolved_at",
    "description",
)
INCIDENT_COLUMNS: tuple[str, ...] = (
    "group_incident_id",
    "department_name_zh",
    "category",
    "first_received_at",
    "last_received_at",
    "qualified_at",
    "n_customers",
    "n_complaints",
)


def _pick(state_key: str, table_key: str, values: list[str]) -> None:
    """Row-click callback: remember the clicked row's value (None when deselected)."""
    rows = ui.selected_rows(table_key)
    st.session_state[state_key] = values[rows[0]] if rows and rows[0] < len(values) else None


def _cards(period, filters, as_of, lang: str) -> None:
    cards = {c.metric: c for c in data.kpi_cards(period, filters, as_of)}
    ui.kpi_cards([cards[m] for m in CARD_METRICS if m in cards], lang, per_row=3)


def _trend(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("repeat_trend", lang))
    window = periods.trailing_months(period, 12)
    frame = data.trend(window, filters, as_of, grain="month", metrics=("repeat_rate", "received"))
    if frame.empty:
        st.info(i18n.t("no_rows", lang))
        return
    x = [i18n.fmt_month(m, lang) for m in frame["month"]]
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                y=frame["received"],
                name=i18n.metric_name("received", lang),
                marker_color="#D9D9D9",
                yaxis="y2",
                hovertemplate="%{x}: %{y:,}<extra></extra>",
            ),
            go.Scatter(
                x=x,
                y=frame["repeat_rate"],
                name=i18n.metric_name("repeat_rate", lang),
                mode="lines+markers",
                line={"color": theme.OKABE_ITO[3], "width": 3},
                hovertemplate="%{x}: %{y:.1%}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        xaxis_type="category",
        yaxis={"tickformat": ".0%", "rangemode": "tozero", "side": "left"},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "rangemode": "tozero",
            "tickformat": ",d",
        },
    )
    ui.chart(fig, key="repeats_trend", height=300)


def _by_dimension(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("repeats_by", lang))
    state.bind_url("repeats_by", BY_CHOICES[0])
    if st.session_state.get("repeats_by") not in BY_CHOICES:
        st.session_state["repeats_by"] = BY_CHOICES[0]
    by = st.segmented_control(
        i18n.t("group_by", lang),
        BY_CHOICES,
        format_func=lambda b: i18n.t(b, lang),
        key="repeats_by",
        required=True,
        on_change=lambda: st.session_state.update(repeats_group=None),
    )
    assert by is not None  # required=True
    frame = data.kpis(period, filters, as_of, by=by)
    frame = frame.sort_values(["n_repeat", "received", by], ascending=[False, False, True])
    values = [str(v) for v in frame[by]]
    st.caption(i18n.t("click_row_hint", lang))
    ui.table(
        frame,
        lang,
        key="repeats_by_table",
        selectable=True,
        column_order=(by, *BY_COLUMNS),
        height=320,
        on_select=_pick,
        args=("repeats_group", "repeats_by_table", values),
    )
    group = st.session_state.get("repeats_group")
    if group in values:
        scoped = dataclasses.replace(filters, **{by: (group,)})
        ui.drill_list(
            "repeat_rate",
            period,
            scoped,
            as_of,
            lang,
            key="repeats_group_drill",
            title=f"{i18n.t('complaints_behind', lang)}: {vocab.label(by, group, lang)}",
            columns=REPEAT_COLUMNS,
        )


def _chains(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("repeat_chains", lang))
    total = data.drill_count("repeat_rate", period, filters, as_of, part="numerator")
    if not total:
        st.info(i18n.t("no_repeats", lang))
        return
    offset = ui.list_page(total, LIST_ROWS, "repeats_list", lang)
    repeats = data.drill(
        "repeat_rate",
        period,
        filters,
        as_of,
        part="numerator",
        limit=LIST_ROWS,
        offset=offset,
        columns=REPEAT_COLUMNS,
    )
    customers = [None if v is None else str(v) for v in repeats["customer_id"]]
    st.caption(i18n.t("repeat_list_help", lang))
    ui.table(
        repeats,
        lang,
        key="repeats_list",
        selectable=True,
        height=300,
        on_select=_pick,
        args=("repeats_customer", "repeats_list", customers),
    )
    customer = st.session_state.get("repeats_customer")
    if customer is None or customer not in customers:
        return
    chain = data.customer_complaints(customer, as_of)
    ui.drill_table(
        chain,
        lang,
        key="repeats_chain",
        title=i18n.t("customer_chain", lang, id=customer),
        columns=CHAIN_COLUMNS,
    )


def _groups(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("group_incident_list", lang))
    incidents = data.group_incidents(period, filters, as_of)
    if incidents.empty:
        st.info(i18n.t("no_group_incidents", lang))
        return
    ids = [str(v) for v in incidents["group_incident_id"]]
    rules = data.rules().version_for(period.start)
    st.caption(
        i18n.t(
            "group_incident_help",
            lang,
            k=rules.group_min_customers,
            hours=i18n.fmt_number(rules.group_window_hours, 0, lang),
        )
    )
    ui.table(
        incidents,
        lang,
        key="repeats_groups",
        selectable=True,
        column_order=INCIDENT_COLUMNS,
        height=260,
        on_select=_pick,
        args=("repeats_incident", "repeats_groups", ids),
    )
    incident = st.session_state.get("repeats_incident")
    if incident in ids:
        ui.drill_table(
            data.group_incident_complaints(incident, as_of),
            lang,
            key="repeats_incident_drill",
            title=i18n.t("group_incident_complaints", lang, id=incident),
            columns=GROUP_MEMBER_COLUMNS,
        )


def main() -> None:
    """Render the repeats and groups page."""
    period, filters, as_of, lang = state.current_filters()
    ui.page_header("page_repeats", lang, period, as_of)
    with ui.guard(lang):
        if not ui.has_data(period, filters, as_of):
            ui.empty_state(lang)
            return
        _cards(period, filters, as_of, lang)
    with ui.guard(lang):
        _trend(period, filters, as_of, lang)
    with ui.guard(lang):
        _by_dimension(period, filters, as_of, lang)
    with ui.guard(lang):
        _chains(period, filters, as_of, lang)
    with ui.guard(lang):
        _groups(period, filters, as_of, lang)


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
