"""Breakdowns (分项分析): the feature-list rows that had no page — valid (有理) rate per
department, compensation (by type: count and amount; per department), complaints per
10,000 business volume (when volumes are loaded), the region breakdown and the category
Pareto with its 80% line. Every number is an SQL aggregate (``kpi.kpis(by=...)``); a click
on a bar or row lists the complaints behind it."""

from __future__ import annotations

import dataclasses

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state, theme
from queries import i18n
from queries.config import vocab
from queries.marts import status

REGION_COLUMNS: tuple[str, ...] = (
    "region",
    "received",
    "valid_rate",
    "on_time_resolution_rate",
    "csat_rate",
    "overdue_open",
    "compensation_total",
)


def _hbar(frame: pd.DataFrame, x: str, labels: list[str], ids, text: list[str], colour: str):
    return go.Figure(
        go.Bar(
            x=frame[x],
            y=labels,
            orientation="h",
            customdata=list(ids),
            marker_color=colour,
            text=text,
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )


def _by_department(period, filters, as_of) -> pd.DataFrame:
    return data.kpis(period, filters, as_of, by="department").dropna(subset=["department_id"])


def _drill_department(metric, period, filters, as_of, dept_id, lang, key, title_key) -> None:
    name = ui.department_labels([dept_id], lang)[0]
    ui.drill_list(
        metric,
        period,
        dataclasses.replace(filters, department=(str(dept_id),)),
        as_of,
        lang,
        key=key,
        title=f"{i18n.t(title_key, lang)}: {name}",
    )


def _valid_rate(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("valid_rate_by_department", lang))
    frame = _by_department(period, filters, as_of).dropna(subset=["valid_rate"])
    if frame.empty:
        st.info(i18n.t("empty_title", lang))
        return
    frame = frame.sort_values(["valid_rate", "department_id"]).reset_index(drop=True)
    labels = ui.department_labels(frame["department_id"], lang)
    text = [
        f"{i18n.fmt_pct(v, 1, lang)} (n={i18n.fmt_int(n, lang)})"
        for v, n in zip(frame["valid_rate"], frame["n_valid_known"], strict=True)
    ]
    fig = _hbar(frame, "valid_rate", labels, frame["department_id"], text, theme.OKABE_ITO[3])
    fig.update_xaxes(tickformat=".0%", title=i18n.metric_name("valid_rate", lang))
    ui.add_target_line(
        fig, ui.metric_target("valid_rate", period, filters), "rate", lang, vertical=True
    )
    st.caption(i18n.t("click_bar_hint", lang))
    points = ui.chart(fig, key="bd_valid", selectable=True, height=40 + 28 * len(frame))
    dept = ui.point_value(points)
    if dept:
        _drill_department(
            "valid_rate", period, filters, as_of, dept, lang, "bd_valid_drill", "valid_complaints"
        )


def _compensation(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("compensation", lang))
    by_type = data.kpis(period, filters, as_of, by="compensation_type")
    by_type = by_type.dropna(subset=["compensation_type"])
    if by_type.empty:
        st.info(i18n.t("no_compensation", lang))
        return
    by_type = by_type.sort_values("compensation_total", ascending=False).reset_index(drop=True)
    shown = pd.DataFrame(
        {
            "compensation_type": by_type["compensation_type"],
            "compensation_count": by_type["received"],
            "compensation_total": by_type["compensation_total"],
        }
    )
    left, right = st.columns([2, 3])
    with left:
        st.markdown(f"**{i18n.t('compensation_by_type', lang)}**")
        ui.table(shown, lang, key="bd_comp_types", height=ui.table_height(len(shown)))
        st.caption(
            f"{i18n.t('total', lang)}: {i18n.fmt_int(shown['compensation_count'].sum(), lang)} · "
            f"{i18n.fmt_cny(shown['compensation_total'].sum(), lang)}"
        )
    with right:
        st.markdown(f"**{i18n.t('compensation_by_department', lang)}**")
        frame = _by_department(period, filters, as_of)
        frame = frame[frame["n_compensation"] > 0]
        if frame.empty:
            st.info(i18n.t("no_compensation", lang))
            return
        frame = frame.sort_values(["compensation_total", "department_id"]).reset_index(drop=True)
        labels = ui.department_labels(frame["department_id"], lang)
        text = [
            f"{i18n.fmt_cny(v, lang)} · {i18n.t('n_cases', lang, n=i18n.fmt_int(n, lang))}"
            for v, n in zip(frame["compensation_total"], frame["n_compensation"], strict=True)
        ]
        fig = _hbar(
            frame, "compensation_total", labels, frame["department_id"], text, theme.OKABE_ITO[5]
        )
        fig.update_xaxes(tickprefix="¥", tickformat=",.0f")
        points = ui.chart(fig, key="bd_comp", selectable=True, height=40 + 28 * len(frame))
    dept = ui.point_value(points)
    if dept:
        _drill_department(
            "compensation_total",
            period,
            filters,
            as_of,
            dept,
            lang,
            "bd_comp_drill",
            "compensation",
        )


def _per_volume(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.metric_name("complaint_rate_per_10k", lang))
    frame = _by_department(period, filters, as_of).dropna(subset=["complaint_rate_per_10k"])
    if frame.empty:
        st.info(i18n.t("no_volumes", lang))
        return
    frame = frame.sort_values(["complaint_rate_per_10k", "department_id"]).reset_index(drop=True)
    labels = ui.department_labels(frame["department_id"], lang)
    text = [
        f"{i18n.fmt_number(v, 2, lang)} ({i18n.fmt_int(r, lang)} / {i18n.fmt_int(n, lang)})"
        for v, r, n in zip(
            frame["complaint_rate_per_10k"],
            frame["n_received_with_volume"],
            frame["n_volume"],
            strict=True,
        )
    ]
    fig = _hbar(
        frame, "complaint_rate_per_10k", labels, frame["department_id"], text, theme.OKABE_ITO[0]
    )
    ui.add_target_line(
        fig,
        ui.metric_target("complaint_rate_per_10k", period, filters),
        "per_10k",
        lang,
        vertical=True,
    )
    st.caption(i18n.t("per_10k_note", lang))
    points = ui.chart(fig, key="bd_volume", selectable=True, height=40 + 28 * len(frame))
    dept = ui.point_value(points)
    if dept:
        _drill_department(
            "received", period, filters, as_of, dept, lang, "bd_volume_drill", "complaints_behind"
        )


def _regions(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("region_breakdown", lang))
    frame = data.kpis(period, filters, as_of, by="region").dropna(subset=["region"])
    if frame.empty:
        st.info(i18n.t("empty_title", lang))
        return
    frame = frame.sort_values(["received", "region"], ascending=[False, True])
    frame = frame.reset_index(drop=True)
    st.caption(i18n.t("click_row_hint", lang))
    row = ui.table(
        frame,
        lang,
        key="bd_regions",
        selectable=True,
        column_order=REGION_COLUMNS,
        height=ui.table_height(len(frame)),
        bars=("received", "compensation_total"),
    )
    if row is not None:
        region = str(frame.iloc[row]["region"])
        ui.drill_list(
            "received",
            period,
            dataclasses.replace(filters, region=(region,)),
            as_of,
            lang,
            key="bd_region_drill",
            title=f"{i18n.t('complaints_behind', lang)}: {region}",
        )


def _pareto(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("category_pareto", lang))
    frame = status.pareto(data.kpis(period, filters, as_of, by="category"))
    if frame.empty:
        st.info(i18n.t("empty_title", lang))
        return
    labels = [vocab.label("category", c, lang) for c in frame["category"]]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=labels,
            y=frame["received"],
            customdata=frame["category"],
            marker_color=[
                theme.OKABE_ITO[3] if v else theme.STATUS_COLOURS["none"] for v in frame["vital"]
            ],
            name=i18n.metric_name("received", lang),
            hovertemplate="%{x}: %{y:,}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=frame["cum_share"],
            yaxis="y2",
            mode="lines+markers",
            line={"color": theme.OKABE_ITO[0], "width": 3},
            name=i18n.t("cumulative_share", lang),
            hovertemplate="%{x}: %{y:.1%}<extra></extra>",
        )
    )
    fig.add_hline(
        y=status.PARETO_SHARE,
        yref="y2",
        line={"color": theme.OKABE_ITO[7], "dash": "dash", "width": 2},
        annotation_text=i18n.t("pareto_line", lang),
        annotation_position="top right",
    )
    fig.update_layout(
        xaxis_type="category",
        yaxis={"title": i18n.metric_name("received", lang)},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            "tickvals": [0, 0.2, 0.4, 0.6, 0.8, 1.0],
            "tickformat": ".0%",
            "showgrid": False,
        },
    )
    n_vital = int(frame["vital"].sum())
    st.caption(
        i18n.t(
            "pareto_caption",
            lang,
            n=n_vital,
            total=len(frame),
            share=i18n.fmt_pct(frame["cum_share"].iloc[n_vital - 1], 1, lang),
        )
    )
    points = ui.chart(fig, key="bd_pareto", selectable=True, height=380)
    category = ui.point_value(points)
    if category:
        ui.drill_list(
            "received",
            period,
            dataclasses.replace(filters, category=(str(category),)),
            as_of,
            lang,
            key="bd_pareto_drill",
            title=f"{i18n.t('complaints_behind', lang)}: {vocab.label('category', category, lang)}",
        )


def main() -> None:
    """Render the breakdowns page."""
    period, filters, as_of, lang = state.current_filters()
    ui.page_header("page_breakdowns", lang, period, as_of)
    with ui.guard(lang):
        if not ui.has_data(period, filters, as_of):
            ui.empty_state(lang)
            return
    for section in (_pareto, _valid_rate, _compensation, _per_volume, _regions):
        with ui.guard(lang):
            section(period, filters, as_of, lang)


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
