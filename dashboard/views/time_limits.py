"""Time limits: first-response and resolution times, compliance by grade/channel/department,
the backlog by age, the at-risk queue (which open complaints breach by the end of the next
working day?) and escalation tiers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state, theme
from queries import i18n
from queries.config import vocab

QUEUE_LIMIT = 500  # rows shown in the at-risk queue
DUE_DAYS = {"next_working_day": 1, "3_days": 3}  # deadline windows in working days
COMPLIANCE_BY: tuple[str, ...] = ("severity", "channel", "department")
COMPLIANCE_METRICS: tuple[str, ...] = ("response_sla_rate", "on_time_resolution_rate")
DUE_CHOICES: tuple[str, ...] = ("all", "overdue", "next_working_day", "3_days")
_DUE_LABEL = {
    "all": "due_all",
    "overdue": "due_overdue",
    "next_working_day": "due_next_working_day",
    "3_days": "due_3_days",
}
# backlog age buckets: (upper bound in days since receipt, label zh, label en)
AGE_BUCKETS: tuple[tuple[float, str, str], ...] = (
    (1, "1天内", "< 1 day"),
    (3, "1–3天", "1–3 days"),
    (7, "3–7天", "3–7 days"),
    (30, "7–30天", "7–30 days"),
    (float("inf"), "30天以上", "> 30 days"),
)
QUEUE_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "working_hours_left",
    "resolution_deadline",
    "received_at",
    "department_name_zh",
    "severity",
    "channel",
    "category",
    "handler",
    "escalation_level",
    "customer_name",
)


def working_day_end(as_of: dt.datetime, working_days: int) -> dt.datetime:
    """The end (24:00) of the ``working_days``-th working day after the as-of's day
    (company calendar, make-up working days included)."""
    from queries.config import workcalendar

    day = as_of.date()
    counted = 0
    while counted < working_days:
        day += dt.timedelta(days=1)
        if workcalendar.is_working_day(day):
            counted += 1
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def _histogram(dist: dict, column: str, title_key: str, colour: str, lang: str) -> None:
    """A histogram of hours from ``data.hours_distribution`` (binned in SQL, the long tail
    above the 99th percentile counted in the last bin so it does not flatten the chart)."""
    st.markdown(f"**{i18n.t(title_key, lang)}**")
    if not dist["n"]:
        st.info(i18n.t("empty_title", lang))
        return
    edges = dist["edges"]
    fig = go.Figure(
        go.Bar(
            x=[(lo + hi) / 2 for lo, hi in itertools.pairwise(edges)],
            y=dist["counts"],
            width=[hi - lo for lo, hi in itertools.pairwise(edges)],
            marker_color=colour,
            hovertemplate="%{x:.1f} h: %{y:,}<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis_title=i18n.t("hours", lang), yaxis_title=i18n.t("count", lang), bargap=0.05
    )
    ui.chart(fig, key=f"tl_hist_{column}", height=300)
    st.caption(
        f"n = {i18n.fmt_int(dist['n'], lang)} · P50 {i18n.fmt_hours(dist['p50'], lang)}"
        f" · P90 {i18n.fmt_hours(dist['p90'], lang)}"
    )


def _distributions(period, filters, as_of, lang: str) -> None:
    left, right = st.columns(2)
    with left, ui.guard(lang):
        dist = data.hours_distribution(
            "first_response_median_h", "first_response_h", period, filters, as_of
        )
        _histogram(dist, "first_response_h", "first_response_dist", theme.OKABE_ITO[0], lang)
    with right, ui.guard(lang):
        dist = data.hours_distribution(
            "resolution_median_h", "resolution_h", period, filters, as_of
        )
        _histogram(dist, "resolution_h", "resolution_dist", theme.OKABE_ITO[2], lang)


def _compliance(period, filters, as_of, lang: str) -> None:
    state.bind_url("tl_by", COMPLIANCE_BY[0])
    if st.session_state.get("tl_by") not in COMPLIANCE_BY:
        st.session_state["tl_by"] = COMPLIANCE_BY[0]
    by = st.segmented_control(
        i18n.t("compliance_by", lang),
        COMPLIANCE_BY,
        format_func=lambda d: i18n.t(d, lang),
        key="tl_by",
        required=True,
    )
    assert by is not None  # required=True
    frame = data.kpis(period, filters, as_of, by=by).dropna(subset=[by])
    if frame.empty:
        st.info(i18n.t("empty_title", lang))
        return
    frame = frame.sort_values("received", ascending=False).head(20)
    kind = {"severity": "severity", "channel": "channel"}.get(by)
    labels = [vocab.label(kind, v, lang) if kind else str(v) for v in frame[by]]
    fig = go.Figure()
    for metric, colour in zip(COMPLIANCE_METRICS, theme.OKABE_ITO, strict=False):
        fig.add_bar(
            x=labels,
            y=frame[metric],
            name=i18n.metric_name(metric, lang),
            marker_color=colour,
            customdata=frame[by],
            hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>",
        )
    fig.update_layout(barmode="group", xaxis_type="category")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    st.caption(i18n.t("click_bar_hint", lang))
    points = ui.chart(fig, key="tl_compliance", selectable=True, height=340)
    value = ui.point_value(points, "customdata")
    if value is not None:
        field = {"severity": "severity", "channel": "channel", "department": "department"}[by]
        drill_filters = dataclasses.replace(filters, **{field: (str(value),)})
        metric = COMPLIANCE_METRICS[int(points[0].get("curve_number", 0) or 0) % 2]
        ui.drill_list(
            metric,
            period,
            drill_filters,
            as_of,
            lang,
            part="denominator",
            key="tl_compliance_drill",
            title=f"{i18n.t('complaints_behind', lang)}: {i18n.metric_name(metric, lang)}"
            f" · {labels[list(frame[by]).index(value)] if value in list(frame[by]) else value}",
        )


def _backlog(filters, as_of: dt.datetime, lang: str) -> None:
    st.markdown(f"**{i18n.t('backlog_age', lang)}**")
    counts = data.backlog_ages(as_of, filters, [b for b, _, _ in AGE_BUCKETS[:-1]])
    if not any(counts):
        st.info(i18n.t("empty_title", lang))
        return
    names = [zh if lang == "zh" else en for _, zh, en in AGE_BUCKETS]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=counts,
            marker_color=[theme.OKABE_ITO[4]] * 3 + [theme.OKABE_ITO[1], theme.OKABE_ITO[3]],
            text=[i18n.fmt_int(v, lang) for v in counts],
            textposition="auto",
            hovertemplate="%{x}: %{y:,}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title=i18n.t("age_bucket", lang), xaxis_type="category")
    ui.chart(fig, key="tl_backlog", height=300)


def _escalation(period, filters, as_of, lang: str) -> None:
    st.markdown(f"**{i18n.t('escalation_tiers', lang)}**")
    frame = data.kpis(period, filters, as_of, by="escalation_level")
    counts = dict(zip(frame["escalation_level"], frame["received"], strict=True))
    tiers = ("1", "2", "3")
    values = [int(counts.get(t, 0) or 0) for t in tiers]
    if not any(values):
        st.info(i18n.t("empty_title", lang))
        return
    fig = go.Figure(
        go.Bar(
            x=[i18n.t(f"tier_{t}", lang) for t in tiers],
            y=values,
            marker_color=[theme.OKABE_ITO[4], theme.OKABE_ITO[1], theme.OKABE_ITO[3]],
            text=[i18n.fmt_int(v, lang) for v in values],
            textposition="auto",
            hovertemplate="%{x}: %{y:,}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_type="category")
    ui.chart(fig, key="tl_escalation", height=300)
    missing = int(counts.get(None, 0) or 0) + sum(
        int(v or 0) for k, v in counts.items() if k is not None and k not in tiers
    )
    if missing:
        st.caption(f"{i18n.t('tier_unknown', lang)}: {i18n.fmt_int(missing, lang)}")


def _queue(filters, as_of: dt.datetime, lang: str) -> None:
    st.subheader(i18n.t("at_risk_queue", lang))
    st.caption(i18n.t("at_risk_help", lang))
    state.bind_url("due", "all")
    if st.session_state.get("due") not in DUE_CHOICES:
        st.session_state["due"] = "all"
    due = st.segmented_control(
        i18n.t("due_within", lang),
        DUE_CHOICES,
        format_func=lambda d: i18n.t(_DUE_LABEL[d], lang),
        key="due",
        required=True,
    )
    assert due is not None  # required=True
    if due == "all":
        rows = data.at_risk(as_of, filters, limit=QUEUE_LIMIT)
    else:
        cutoff = as_of if due == "overdue" else working_day_end(as_of, DUE_DAYS[due])
        rows = data.at_risk(as_of, filters, limit=QUEUE_LIMIT, due_before=cutoff)
        label = i18n.column_label("resolution_deadline", lang)
        st.caption(f"{label} ≤ {i18n.fmt_datetime(cutoff, lang)}")
    ui.drill_table(rows.head(QUEUE_LIMIT), lang, key="tl_queue", columns=QUEUE_COLUMNS)


def main() -> None:
    """Render the time-limits page."""
    period, filters, as_of, lang = state.current_filters()
    ui.page_header("time_limits_title", lang, period, as_of)
    with ui.guard(lang):
        if not ui.has_data(period, filters, as_of):
            ui.empty_state(lang)
            return
        cards = {c.metric: c for c in data.kpi_cards(period, filters, as_of)}
        metrics = (
            "response_sla_rate",
            "on_time_resolution_rate",
            "first_response_median_h",
            "resolution_median_h",
            "overdue_open",
        )
        ui.kpi_cards([cards[m] for m in metrics if m in cards], lang, per_row=5)
    _distributions(period, filters, as_of, lang)
    with ui.guard(lang):
        _compliance(period, filters, as_of, lang)
    assert as_of is not None  # has_data is False without an as-of
    left, right = st.columns(2)
    with left, ui.guard(lang):
        _backlog(filters, as_of, lang)
    with right, ui.guard(lang):
        _escalation(period, filters, as_of, lang)
    with ui.guard(lang):
        _queue(filters, as_of, lang)


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
