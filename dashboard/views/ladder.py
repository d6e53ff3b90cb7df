"""Handling ladder (处理环节): every stage of handling against its limit (on-time rate, median,
P90, each with its n), a stage's complaints to drill into, escalation, visits, malicious share,
stage time shares against the seeds' benchmark and the root-cause Pareto
(docs/definitions.md#handling-ladder)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state, theme
from queries import i18n
from queries.config import vocab
from queries.marts.kpi import TIME_SHARE_BENCHMARK
from queries.metrics import LADDER_STAGES, METRICS, TIME_SHARE_PHASES

STAGE_COLUMNS: tuple[str, ...] = (
    "stage",
    "unit",
    "limit_general",
    "limit_urgent",
    "limit_major",
    "on_time_rate",
    "n",
    "median_h",
    "p90_h",
    "n_done",
    "coverage",
)
ROW_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "received_at",
    "department_name_zh",
    "category",
    "severity",
    "handler",
    "state",
    "started_at",
    "due_at",
    "done_at",
    "duration_h",
)
# the other ladder metrics shown as numbers with their n (metric, n column)
OTHER_METRICS: tuple[tuple[str, str], ...] = (
    ("escalation_compliance_rate", "n_escalated_ladder"),
    ("escalation_skipped", "n_escalated_ladder"),
    ("return_visit_resolved_rate", "n_visit_outcome"),
    ("revisit_done_rate", "n_revisit_due"),
    ("revisit_resolved_rate", "n_revisit_outcome"),
    ("consecutive_unresolved", "n_received"),
    ("malicious_share", "n_malicious_known"),
    ("recurring_root_cause_share", "n_root_cause"),
)


def stage_label(stage: str, lang: str) -> str:
    """A stage's display name (metrics.LADDER_STAGES)."""
    zh, en, _column = LADDER_STAGES[stage]
    return en if lang == "en" else zh


def _stages(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("ladder_stages", lang))
    frame = data.ladder_summary(period, filters, as_of)
    shown = frame.copy()
    shown["stage"] = [stage_label(s, lang) for s in shown["stage"]]
    shown["unit"] = [i18n.t(f"unit_{u}", lang) for u in shown["unit"]]
    shown.loc[frame["not_measured"], "on_time_rate"] = None
    left, right = st.columns([3, 2])
    with left:
        ui.table(shown, lang, key="ladder_stage_table", column_order=STAGE_COLUMNS, height=460)
        missing = [stage_label(s, lang) for s in frame.loc[frame["not_measured"], "stage"]]
        if missing:
            st.caption(f"{i18n.t('not_measured', lang)}: {', '.join(missing)}")
    with right:
        plotted = frame[frame["on_time_rate"].notna()].iloc[::-1]
        labels = [stage_label(s, lang) for s in plotted["stage"]]
        n_text = [f"n={i18n.fmt_int(int(n), lang)}" for n in plotted["n"]]
        fig = go.Figure(
            go.Bar(
                x=plotted["on_time_rate"],
                y=labels,
                orientation="h",
                text=n_text,
                textposition="auto",
                marker_color=theme.OKABE_ITO[0],
                name=i18n.t("on_time_rate", lang),
                hovertemplate="%{y}: %{x:.1%} (%{text})<extra></extra>",
            )
        )
        fig.update_xaxes(tickformat=".0%", range=[0, 1])
        fig.update_layout(yaxis_type="category", showlegend=False)
        ui.chart(fig, key="ladder_stage_chart", height=max(320, 34 * len(plotted) + 80))


def _stage_rows(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("ladder_stage_rows", lang))
    stages = list(LADDER_STAGES)
    state.bind_url("ladder_stage", stages[0])
    if st.session_state.get("ladder_stage") not in stages:
        st.session_state["ladder_stage"] = stages[0]
    stage = st.selectbox(
        i18n.t("ladder_pick_stage", lang),
        stages,
        format_func=lambda s: stage_label(s, lang),
        key="ladder_stage",
    )
    total = data.ladder_rows_count(period, filters, as_of, stage=stage)
    offset = ui.list_page(total, ui.DRILL_PAGE_ROWS, "ladder_rows", lang) if total else 0
    rows = data.ladder_rows(
        period, filters, as_of, stage=stage, limit=ui.DRILL_PAGE_ROWS, offset=offset
    )
    if not rows.empty:
        rows = rows.assign(state=[i18n.t(f"state_{s}", lang) for s in rows["state"]])
    ui.drill_table(rows, lang, "ladder_rows", columns=ROW_COLUMNS)


def _others(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("ladder_other", lang))
    row = data.kpis(period, filters, as_of, ladder=True).iloc[0]
    columns = st.columns(4)
    for i, (metric, n_col) in enumerate(OTHER_METRICS):
        value = row.get(metric)
        n = row.get(n_col)
        shown = (
            i18n.t("not_measured", lang)
            if value is None or pd.isna(value)
            else i18n.fmt_value(float(value), METRICS[metric].unit, lang)
        )
        with columns[i % 4]:
            st.metric(
                i18n.metric_name(metric, lang), shown, help=i18n.metric_definition(metric, lang)
            )
            n_text = "—" if n is None or pd.isna(n) else i18n.fmt_int(int(n), lang)
            st.caption(f"n = {n_text}")


def _time_shares(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("ladder_time_shares", lang))
    row = data.kpis(period, filters, as_of, ladder=True).iloc[0]
    phases = list(TIME_SHARE_PHASES)
    names = [TIME_SHARE_PHASES[p][1 if lang == "en" else 0] for p in phases]
    measured = [row.get(f"time_share_{p}") for p in phases]
    n = row.get("n_time_share")
    st.caption(f"n = {i18n.fmt_int(int(n or 0), lang)}")
    if all(v is None or pd.isna(v) for v in measured):
        st.info(i18n.t("not_measured", lang))
        return
    fig = go.Figure()
    for i, name in enumerate(names):
        fig.add_trace(
            go.Bar(
                x=[float(measured[i] or 0), TIME_SHARE_BENCHMARK[phases[i]]],
                y=[i18n.t("ladder_measured", lang), i18n.t("ladder_benchmark", lang)],
                orientation="h",
                name=name,
                marker_color=theme.OKABE_ITO[i % len(theme.OKABE_ITO)],
                hovertemplate=f"{name}: %{{x:.1%}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", yaxis_type="category")
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    ui.chart(fig, key="ladder_time_share_chart", height=240)


def _root_causes(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("ladder_root_causes", lang))
    st.caption(i18n.t("ladder_root_cause_help", lang))
    frame = data.root_causes(period, filters, as_of)
    if frame.empty:
        st.info(i18n.t("ladder_no_root_causes", lang))
        return
    labels = [vocab.label("root_cause", c, lang) for c in frame["root_cause"]]
    kind = [i18n.t("recurring" if r else "one_off", lang) for r in frame["recurring"]]
    colours = [theme.OKABE_ITO[5] if r else theme.OKABE_ITO[2] for r in frame["recurring"]]
    fig = go.Figure(
        [
            go.Bar(
                x=labels,
                y=frame["n"],
                customdata=kind,
                marker_color=colours,
                name="n",
                hovertemplate="%{x}: %{y} (%{customdata})<extra></extra>",
            ),
            go.Scatter(
                x=labels,
                y=frame["cumulative_share"],
                yaxis="y2",
                mode="lines+markers",
                name=i18n.t("cumulative_share", lang),
                marker_color=theme.OKABE_ITO[0],
                hovertemplate="%{x}: %{y:.0%}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        xaxis_type="category",
        yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "range": [0, 1.05]},
    )
    ui.chart(fig, key="ladder_pareto_chart", height=360)
    shown = frame.assign(root_cause=labels, recurring=[bool(r) for r in frame["recurring"]])
    ui.table(shown, lang, key="ladder_pareto_table", height=ui.table_height(len(shown)))


def main() -> None:
    """Render the Handling ladder page."""
    period, filters, as_of, lang = state.current_filters()
    ui.page_header("page_ladder", lang, period, as_of)
    st.caption(i18n.t("ladder_intro", lang))
    with ui.guard(lang):
        if not ui.has_data(period, filters, as_of):
            ui.empty_state(lang)
            return
        _stages(period, filters, as_of, lang)
    with ui.guard(lang):
        _stage_rows(period, filters, as_of, lang)
    with ui.guard(lang):
        _others(period, filters, as_of, lang)
    with ui.guard(lang):
        _time_shares(period, filters, as_of, lang)
    with ui.guard(lang):
        _root_causes(period, filters, as_of, lang)


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
