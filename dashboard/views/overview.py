"""Overview (executives, the default page): KPI cards against targets, the trend, top
categories, the departments most at risk, and what data is loaded."""

from __future__ import annotations

import dataclasses
import datetime as dt

import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state, theme
from queries import i18n, periods
from queries.config import vocab
from queries.marts import status

# the executive cards, in this order (cards the core does not return are skipped)
CARD_METRICS: tuple[str, ...] = (
    "received",
    "resolution_rate",
    "on_time_resolution_rate",
    "response_sla_rate",
    "first_response_median_h",
    "repeat_rate",
    "csat_rate",
    "valid_rate",
    "backlog_open",
    "overdue_open",
)
TREND_METRICS: tuple[str, ...] = (
    "received",
    "on_time_resolution_rate",
    "response_sla_rate",
    "repeat_rate",
    "csat_rate",
)
AT_RISK_DEPARTMENTS = 5


STATUS_ORDER = {"red": 0, "amber": 1, "green": 2}


def ordered_cards(cards: list) -> list:
    """The executive cards, off-target first, then warnings, then the rest (each group in
    ``CARD_METRICS`` order), so the red items are the first thing on the page."""
    by_metric = {c.metric: c for c in cards}
    shown = [by_metric[m] for m in CARD_METRICS if m in by_metric]
    return sorted(shown, key=lambda c: STATUS_ORDER.get(c.status or "", 3))


def _trend(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("trend", lang))
    state.bind_url("trend_metric", TREND_METRICS[0])
    if st.session_state.get("trend_metric") not in TREND_METRICS:
        st.session_state["trend_metric"] = TREND_METRICS[0]
    metric = st.segmented_control(
        i18n.t("trend_metric", lang),
        TREND_METRICS,
        format_func=lambda m: i18n.metric_name(m, lang),
        key="trend_metric",
        required=True,
        label_visibility="collapsed",
    )
    assert metric is not None  # required=True
    state.bind_url("trend_grain", "month")
    if st.session_state.get("trend_grain") not in ("month", "week"):
        st.session_state["trend_grain"] = "month"
    grain = st.segmented_control(
        i18n.t("grain", lang),
        ("month", "week"),
        format_func=lambda g: i18n.t(g, lang),
        key="trend_grain",
        required=True,
        label_visibility="collapsed",
    )
    assert grain is not None  # required=True
    window = periods.trailing_months(period, 12 if grain == "month" else 3)
    frame = data.trend(window, filters, as_of, grain=grain, metrics=(metric,))
    if frame.empty:
        ui.empty_state(lang)
        return
    fmt = i18n.fmt_month if grain == "month" else i18n.fmt_week
    x = [fmt(m, lang) for m in frame[grain]]
    unit = i18n.metric_unit(metric)
    values = frame[metric]
    if unit == "rate":
        trace = go.Scatter(
            x=x,
            y=values,
            mode="lines+markers",
            line={"color": theme.OKABE_ITO[0], "width": 3},
            hovertemplate="%{x}: %{y:.1%}<extra></extra>",
        )
    else:
        trace = go.Bar(
            x=x,
            y=values,
            marker_color=theme.OKABE_ITO[0],
            hovertemplate="%{x}: %{y:,}<extra></extra>",
        )
    fig = go.Figure(trace)
    fig.update_layout(xaxis_type="category", yaxis_title=i18n.metric_name(metric, lang))
    if unit == "rate":
        fig.update_yaxes(tickformat=".0%")
    ui.add_target_line(fig, ui.metric_target(metric, period, filters), unit, lang)
    ui.chart(fig, key="overview_trend", height=320)


def _top_categories(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("top_categories", lang))
    frame = data.kpis(period, filters, as_of, by="category")
    frame = frame.dropna(subset=["category"]).sort_values("received", ascending=False).head(8)
    if frame.empty:
        ui.empty_state(lang)
        return
    frame = frame.iloc[::-1]  # largest on top of a horizontal bar chart
    labels = [vocab.label("category", c, lang) for c in frame["category"]]
    fig = go.Figure(
        go.Bar(
            x=frame["received"],
            y=labels,
            orientation="h",
            customdata=frame["category"],
            marker_color=theme.OKABE_ITO[1],
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title=i18n.metric_name("received", lang))
    st.caption(i18n.t("click_bar_hint", lang))
    points = ui.chart(fig, key="overview_categories", selectable=True, height=320)
    category = ui.point_value(points, "customdata")
    if category:
        drill_filters = dataclasses.replace(filters, category=(str(category),))
        ui.drill_list(
            "received",
            period,
            drill_filters,
            as_of,
            lang,
            key="overview_category_drill",
            title=f"{i18n.t('complaints_behind', lang)}: {vocab.label('category', category, lang)}",
        )


def _departments_at_risk(period, as_of, scores, lang: str) -> None:
    st.subheader(i18n.t("departments_at_risk", lang))
    month = ui.score_month(period, as_of)
    if scores.empty:
        ui.empty_state(lang)
        return
    worst = scores.sort_values(["score", "department"]).head(AT_RISK_DEPARTMENTS)
    worst = worst.assign(
        department=ui.department_names(worst, lang),
        main_item=[ui.main_deduction(r, lang) for r in worst.to_dict("records")],
    )
    st.caption(
        f"{i18n.t('score_month', lang)}: {i18n.fmt_month(month, lang)} · "
        f"{i18n.t('rules_version', lang)} {worst['rules_version'].iloc[0]} · "
        f"{i18n.t('click_row_department', lang)}"
    )
    row = ui.table(
        worst,
        lang,
        key="overview_at_risk",
        selectable=True,
        column_order=("department", "score", "main_item"),
    )
    if row is not None:
        ui.open_department(str(worst.iloc[row]["department_id"]))


def _overdue_actions(lang: str) -> None:
    """One line: rectification actions past their due date (details: Rectification page)."""
    n = data.action_counts(dt.date.today())["overdue"]
    if n:
        st.markdown(f":red[**{i18n.t('overdue_actions_line', lang, n=n)}**]")
    else:
        st.caption(i18n.t("overdue_actions_none", lang))


def main() -> None:
    """Render the overview: the status line, then the cards (off target first) beside the
    departments most at risk, then the trend and categories."""
    period, filters, as_of, lang = state.current_filters()
    ui.page_header("overview_title", lang, period, as_of)
    with ui.guard(lang):
        if not ui.has_data(period, filters, as_of):
            ui.data_summary(lang, as_of, expanded=False)
            ui.empty_state(lang)
            return
        cards = ordered_cards(data.kpi_cards(period, filters, as_of))
        scores = data.department_scores(ui.score_month(period, as_of), as_of)
        line = status.status_line(cards, scores, state.period_words(lang), lang)
        st.markdown(f"#### {ui.md_escape(line)}")
    left, right = st.columns([3, 2])
    with left, ui.guard(lang):
        ui.kpi_cards(cards, lang, per_row=3)
    with right, ui.guard(lang):
        _departments_at_risk(period, as_of, scores, lang)
    with ui.guard(lang):
        ui.data_summary(lang, as_of, expanded=False)
    with ui.guard(lang):
        _overdue_actions(lang)
    left, right = st.columns([3, 2])
    with left, ui.guard(lang):
        _trend(period, filters, as_of, lang)
    with right, ui.guard(lang):
        _top_categories(period, filters, as_of, lang)


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
