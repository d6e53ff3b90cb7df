"""Scores: monthly department scores and ranks, their history, quarter/year roll-ups and
the rule version in force (id, effective dates, the deduction table, time limits)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state
from queries import i18n

HISTORY_MONTHS = 12


def _previous_month(month: str) -> str:
    first = dt.date(int(month[:4]), int(month[5:7]), 1)
    last = first - dt.timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def _monthly(month: str, as_of, lang: str) -> pd.DataFrame:
    st.subheader(i18n.t("monthly_scores", lang))
    scores = data.department_scores(month, as_of)
    if scores.empty:
        ui.empty_state(lang)
        return scores
    previous = data.previous_scores(month, as_of)  # at the same maturity
    ranking = ui.score_notes(ui.score_changes(scores, previous), lang)
    ranking = ranking.assign(department=ui.department_names(ranking, lang))
    ded_cols = [c for c in ranking.columns if c.startswith("ded_")]
    ui.table(
        ranking,
        lang,
        key="scores_month_table",
        height=ui.table_height(len(ranking)),
        column_order=(
            "rank",
            "department",
            "score",
            "score_change",
            "rank_change",
            "n_complaints",
            "main_item",
            "cap_reached",
            "not_scored",
            *ded_cols,
        ),
    )
    return scores


def _history(month: str, as_of, lang: str) -> None:
    st.subheader(i18n.t("score_history", lang))
    months = sorted(m for m in ui.month_options(as_of) if m <= month)[-HISTORY_MONTHS:]
    history = data.score_history(months, as_of)
    if history.empty:
        st.info(i18n.t("empty_title", lang))
        return
    history = history.assign(department=ui.department_names(history, lang))
    grid = history.pivot_table(index="department", columns="month", values="score")
    grid = grid.reindex(columns=months)
    fig = go.Figure(
        go.Heatmap(
            z=grid.values,
            x=[i18n.fmt_month(m, lang) for m in grid.columns],
            y=list(grid.index),
            colorscale="Cividis",
            zmin=max(0.0, float(pd.Series(grid.values.ravel()).min()) - 1),
            zmax=100,
            text=[[i18n.fmt_number(v, 1, lang) for v in row] for row in grid.values],
            texttemplate="%{text}",
            hovertemplate="%{y} · %{x}: %{z:.2f}<extra></extra>",
            colorbar={"title": {"text": i18n.t("score", lang)}},
        )
    )
    fig.update_layout(xaxis_type="category", yaxis={"autorange": "reversed"})
    ui.chart(fig, key="scores_history", height=max(320, 28 * len(grid) + 100))


def rollup_span(choice: str, period) -> tuple[int, int | None]:
    """The roll-up the sidebar period asks for: the year for "year to date" and ranges
    over more than one quarter, else the quarter holding the period's last day."""
    last = period.end - dt.timedelta(days=1)
    quarter = (last.month - 1) // 3 + 1
    first_quarter = (period.start.month - 1) // 3 + 1
    if choice == "ytd" or (period.start.year, first_quarter) != (last.year, quarter):
        return last.year, None
    return last.year, quarter


def _rollup(period, as_of, lang: str) -> None:
    st.subheader(i18n.t("rollup", lang))
    year, quarter = rollup_span(st.session_state.get("period") or "month", period)
    frame = data.score_rollup(year, quarter, as_of)
    if frame.empty:
        st.info(i18n.t("empty_title", lang))
        return
    frame = frame.assign(
        department=ui.department_names(frame, lang),
        months=[", ".join(m) if isinstance(m, list | tuple) else m for m in frame["months"]],
    )
    label = (
        (str(year) if lang == "en" else f"{year}年")
        if quarter is None
        else i18n.fmt_quarter(year, quarter, lang)
    )
    st.caption(f"{label} · {i18n.t('rollup', lang)}")
    ui.table(
        frame,
        lang,
        key="scores_rollup_table",
        height=ui.table_height(len(frame)),
        column_order=("rank", "department", "score", "min_score", "max_score", "n_months"),
    )


def _rule_table(month: str, lang: str) -> None:
    st.subheader(i18n.t("rule_table", lang))
    rule_set = data.rules()
    version = rule_set.version_for(dt.date(int(month[:4]), int(month[5:7]), 1))
    until = i18n.fmt_date(version.effective_to, lang) if version.effective_to else "…"
    st.markdown(
        f"**{i18n.t('rules_version', lang)} {version.id}** · {i18n.t('effective', lang)}: "
        f"{i18n.fmt_date(version.effective_from, lang)} – {until} · "
        f"{i18n.t('base_score', lang)} {i18n.fmt_number(version.scoring_base, 0, lang)}"
    )
    description = (version.description_en if lang == "en" else "") or version.description
    if description:
        st.caption(ui.md_escape(description))
    rows = []
    for item in version.scoring_items:
        target = None
        if item.target is not None and item.metric:
            target = i18n.fmt_metric(item.metric, item.target, lang)
        rows.append(
            {
                "item": i18n.item_label(item.id, lang),
                "kind": i18n.item_label(item.kind, lang),
                "metric": i18n.metric_name(item.metric, lang) if item.metric else i18n.MISSING,
                "target": target or i18n.MISSING,
                "points_rule": ui.points_rule_text(item, lang),
                "cap": i18n.fmt_number(item.cap, 1, lang) if item.cap is not None else "∞",
            }
        )
    ui.table(pd.DataFrame(rows), lang, key="scores_rule_table")


def main() -> None:
    """Render the scores page."""
    period, _filters, as_of, lang = state.current_filters()
    ui.page_header("scores_title", lang, period, as_of)
    with ui.guard(lang):
        month = ui.score_month(period, as_of)
        st.caption(f"{i18n.t('score_month', lang)}: {i18n.fmt_month(month, lang)}")
        _monthly(month, as_of, lang)
    with ui.guard(lang):
        _history(month, as_of, lang)
    with ui.guard(lang):
        _rollup(period, as_of, lang)
    with ui.guard(lang):
        _rule_table(month, lang)


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
