"""Departments: the monthly scorecard ranking and one department's page (KPIs, score items,
why the score moved, categories, handlers, breaches), each number clickable down to the
complaints behind it. The selected month and department are kept in the URL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state, theme
from queries import i18n
from queries.config import vocab
from queries.marts import status

DEPARTMENT_CARDS: tuple[str, ...] = (
    "received",
    "resolution_rate",
    "on_time_resolution_rate",
    "response_sla_rate",
    "repeat_rate",
    "csat_rate",
    "backlog_open",
    "overdue_open",
)
HANDLER_COLUMNS: tuple[str, ...] = (
    "handler",
    "received",
    "resolution_rate",
    "on_time_resolution_rate",
    "response_sla_rate",
    "first_response_median_h",
    "csat_rate",
    "overdue_open",
)


def previous_month(month: str) -> str:
    """``2025-10`` → ``2025-09``."""
    first = dt.date(int(month[:4]), int(month[5:7]), 1)
    last = first - dt.timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def _pick_from_table(key: str, ids: list[str]) -> None:
    rows = ui.selected_rows(key)
    if rows:
        st.session_state["dept_view"] = ids[rows[0]]
        ui.request_focus("dept_focus")


def _pick_from_chart(key: str) -> None:
    value = ui.point_value(ui.selected_points(key), "customdata")
    if value:
        st.session_state["dept_view"] = str(value)
        ui.request_focus("dept_focus")


def _scorecard(
    scores: pd.DataFrame, previous: pd.DataFrame, lang: str, highlight: str | None = None
) -> None:
    st.subheader(i18n.t("scorecard", lang))
    ranking = ui.score_notes(ui.score_changes(scores, previous), lang)
    ranking = ranking.assign(department=ui.department_names(ranking, lang))
    ids = [str(v) for v in ranking["department_id"]]
    st.caption(
        f"{i18n.t('rules_version', lang)} {scores['rules_version'].iloc[0]} · "
        f"{i18n.t('click_row_department', lang)}"
    )
    left, right = st.columns([2, 3])
    with left:
        chart_frame = ranking.iloc[::-1]
        fig = go.Figure(
            go.Bar(
                x=chart_frame["score"],
                y=chart_frame["department"],
                orientation="h",
                customdata=chart_frame[["department_id", "n_complaints"]].values,
                marker_color=[
                    theme.OKABE_ITO[1] if str(d) == highlight else theme.OKABE_ITO[0]
                    for d in chart_frame["department_id"]
                ],
                text=[i18n.fmt_number(s, 1, lang) for s in chart_frame["score"]],
                textposition="auto",
                hovertemplate="%{y}: %{x:.2f} (n=%{customdata[1]})<extra></extra>",
            )
        )
        fig.update_layout(xaxis_title=i18n.t("score", lang), xaxis_range=[0, 100])
        ui.chart(
            fig,
            key="dept_score_chart",
            selectable=True,
            height=max(300, 26 * len(chart_frame) + 80),
            on_select=_pick_from_chart,
            args=("dept_score_chart",),
        )
    with right:
        ded_cols = [c for c in ranking.columns if c.startswith("ded_")]
        ui.table(
            ranking,
            lang,
            key="dept_score_table",
            selectable=True,
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
            on_select=_pick_from_table,
            args=("dept_score_table", ids),
            highlight=ids.index(highlight) if highlight in ids else None,
        )


def _waterfall(
    month: str, scores: pd.DataFrame, previous: pd.DataFrame, dept_id: str, lang: str
) -> str | None:
    """Why the score moved vs the previous month: previous score, one step per item
    (deduction change, sign flipped: more deducted = down), this month's score. Returns the
    item of a clicked bar."""
    st.markdown(f"**{i18n.t('why_score_moved', lang)}**")
    cur = scores[scores["department_id"] == dept_id]
    prev = previous[previous["department_id"] == dept_id]
    if cur.empty:
        st.info(i18n.t("empty_title", lang))
        return None
    items = [c[4:] for c in scores.columns if c.startswith("ded_")]
    cur_row = cur.iloc[0]
    prev_row = prev.iloc[0] if not prev.empty else None
    base = float(prev_row["score"]) if prev_row is not None else 100.0
    steps = [
        -(float(cur_row[f"ded_{i}"]) - (float(prev_row[f"ded_{i}"]) if prev_row is not None else 0))
        for i in items
    ]
    x = [
        f"{i18n.t('previous_score', lang)} ({i18n.fmt_month(previous_month(month), lang)})",
        *[i18n.item_label(i, lang) for i in items],
        f"{i18n.t('current_score', lang)} ({i18n.fmt_month(month, lang)})",
    ]
    fig = go.Figure(
        go.Waterfall(
            x=x,
            measure=["absolute", *["relative"] * len(items), "total"],
            y=[base, *steps, float(cur_row["score"])],
            customdata=["", *items, ""],
            text=[
                i18n.fmt_number(base, 1, lang),
                *[f"{s:+.1f}" if s else "0" for s in steps],
                i18n.fmt_number(cur_row["score"], 1, lang),
            ],
            textposition="outside",
            increasing={"marker": {"color": theme.POSITIVE}},
            decreasing={"marker": {"color": theme.NEGATIVE}},
            totals={"marker": {"color": theme.TOTAL}},
            connector={"line": {"color": "#999999"}},
        )
    )
    low = min(base, float(cur_row["score"]), base + min(0.0, *steps))
    fig.update_layout(yaxis_range=[max(0.0, low - 10), 105], showlegend=False)
    points = ui.chart(fig, key="dept_waterfall", selectable=True, height=360)
    item = ui.point_value(points, "customdata")
    return str(item) if item else None


def _score_items(month: str, dept_id: str, lang: str) -> str | None:
    st.markdown(f"**{i18n.t('item', lang)}**")
    items = data.score_items(month, dept_id)
    version = data.rules().version_by_id(str(items["rules_version"].iloc[0]))
    specs = {i.id: i for i in version.scoring_items}

    def measured(row) -> str:
        if row["kind"] == "rate_gap" and row.get("metric"):
            return i18n.fmt_metric(row["metric"], row["measured"], lang)
        if row["kind"] == "normalised":
            return i18n.fmt_number(row["measured"], 1, lang)
        return i18n.fmt_int(row["measured"], lang)

    def target(row) -> str:
        if row["kind"] == "rate_gap" and row.get("metric"):
            return i18n.fmt_metric(row["metric"], row["target"], lang)
        if row["kind"] == "normalised":
            return i18n.fmt_number(row["target"], 1, lang)
        return i18n.MISSING

    shown = pd.DataFrame(
        {
            "item": [i18n.item_label(i, lang) for i in items["item"]],
            "kind": [i18n.item_label(k, lang) for k in items["kind"]],
            "measured": [measured(r) for r in items.to_dict("records")],
            "target": [target(r) for r in items.to_dict("records")],
            "points_rule": [
                ui.points_rule_text(specs[i], lang) if i in specs else i18n.MISSING
                for i in items["item"]
            ],
            "cap": [
                i18n.MISSING if pd.isna(c) else i18n.fmt_number(c, 0, lang) for c in items["cap"]
            ],
            "deduction": items["deduction"],
            "note": [
                i18n.t("not_scored", lang)
                if not r.get("scored", True)
                else i18n.t("cap_reached", lang)
                if r.get("cap_reached")
                else ""
                for r in items.to_dict("records")
            ],
        }
    )
    st.caption(i18n.t("click_row_hint", lang))
    row = ui.table(shown, lang, key="dept_items_table", selectable=True)
    return str(items.iloc[row]["item"]) if row is not None else None


def _categories(period, dept_filters, as_of, lang: str) -> None:
    st.markdown(f"**{i18n.t('top_categories', lang)}**")
    frame = data.kpis(period, dept_filters, as_of, by="category").dropna(subset=["category"])
    frame = frame.sort_values("received").tail(10)
    if frame.empty:
        st.info(i18n.t("empty_title", lang))
        return
    fig = go.Figure(
        go.Bar(
            x=frame["received"],
            y=[vocab.label("category", c, lang) for c in frame["category"]],
            orientation="h",
            customdata=frame["category"],
            marker_color=theme.OKABE_ITO[1],
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title=i18n.metric_name("received", lang))
    points = ui.chart(fig, key="dept_categories", selectable=True, height=320)
    category = ui.point_value(points, "customdata")
    if category:
        ui.drill_list(
            "received",
            period,
            dataclasses.replace(dept_filters, category=(str(category),)),
            as_of,
            lang,
            key="dept_category_drill",
            title=f"{i18n.t('complaints_behind', lang)}: {vocab.label('category', category, lang)}",
        )


def _handlers(period, dept_filters, as_of, lang: str) -> None:
    st.markdown(f"**{i18n.t('handlers', lang)}**")
    frame = data.kpis(period, dept_filters, as_of, by="handler").dropna(subset=["handler"])
    frame = frame.sort_values("received", ascending=False).reset_index(drop=True)
    if frame.empty:
        st.info(i18n.t("empty_title", lang))
        return
    st.caption(i18n.t("click_row_hint", lang))
    row = ui.table(
        frame,
        lang,
        key="dept_handlers",
        selectable=True,
        column_order=HANDLER_COLUMNS,
        height=320,
    )
    if row is not None:
        handler = str(frame.iloc[row]["handler"])
        ui.drill_list(
            "received",
            period,
            dataclasses.replace(dept_filters, handler=(handler,)),
            as_of,
            lang,
            key="dept_handler_drill",
            title=f"{i18n.t('complaints_behind', lang)}: {handler}",
        )


def _breaches(period, dept_filters, as_of, month: str, dept_id: str, lang: str) -> None:
    st.markdown(f"**{i18n.t('breaches', lang)}**")
    tabs = st.tabs(
        [
            i18n.t("overdue_open_list", lang),
            f"{i18n.t('late_resolution', lang)} ({i18n.fmt_month(month, lang)})",
            f"{i18n.t('late_response', lang)} ({i18n.fmt_month(month, lang)})",
        ]
    )
    with tabs[0], ui.guard(lang):
        ui.drill_list("overdue_open", period, dept_filters, as_of, lang, key="dept_overdue")
    with tabs[1], ui.guard(lang):
        ui.drill_table(
            data.score_complaints(month, dept_id, "resolution_timeliness", as_of),
            lang,
            key="dept_late_resolution",
        )
    with tabs[2], ui.guard(lang):
        ui.drill_table(
            data.score_complaints(month, dept_id, "response_timeliness", as_of),
            lang,
            key="dept_late_response",
        )


def main_item(scores: pd.DataFrame, dept_id: str) -> str | None:
    """The scoring item that cost the department the most points (None: nothing lost)."""
    row = scores[scores["department_id"].astype(str) == str(dept_id)]
    return status.biggest_deduction(row.iloc[0]["deductions"] if not row.empty else None)[0]


def score_rate_differences(cards: dict[str, object], items: pd.DataFrame, lang: str) -> list[str]:
    """``按时办结率 得分 69.5% · 卡片 68.9%`` for each rate item whose scored value (the
    score month, verified-malicious complaints left out) differs from the card's."""
    notes = []
    for row in items.to_dict("records"):
        metric = row.get("metric")
        card = cards.get(metric) if metric else None
        if row.get("kind") != "rate_gap" or card is None:
            continue
        scored, shown = row.get("measured"), getattr(card, "value", None)
        if scored is None or shown is None or pd.isna(scored) or pd.isna(shown):
            continue
        if i18n.fmt_metric(metric, scored, lang) == i18n.fmt_metric(metric, shown, lang):
            continue
        notes.append(
            i18n.t(
                "score_rate_pair",
                lang,
                metric=i18n.metric_name(metric, lang),
                scored=i18n.fmt_metric(metric, scored, lang),
                card=i18n.fmt_metric(metric, shown, lang),
            )
        )
    return notes


def _rates_note(cards: dict[str, object], month: str, dept_id: str, lang: str) -> None:
    notes = score_rate_differences(cards, data.score_items(month, dept_id), lang)
    if notes:
        st.info(
            i18n.t(
                "score_rates_differ",
                lang,
                month=i18n.fmt_month(month, lang),
                notes=i18n.t("list_sep", lang).join(notes),
            )
        )


def _department_view(
    period, filters, as_of, month: str, scores, previous, lang: str, names: dict[str, str]
) -> None:
    dept_id = str(st.session_state["dept_view"])  # the caller opens a chosen department only
    st.header(f"{i18n.t('department_view', lang)}: {ui.md_escape(names.get(dept_id, dept_id))}")
    dept_filters = dataclasses.replace(filters, department=(dept_id,))
    st.caption(i18n.t("department_scope_note", lang))
    with ui.guard(lang), st.expander(i18n.t("act_from_department", lang)):
        row = scores[scores["department_id"].astype(str) == dept_id]
        ui.action_form(
            f"dept_act_{dept_id}",
            lang,
            source="department",
            department=str(row["department"].iloc[0]) if len(row) else dept_id,
        )
    with ui.guard(lang):
        cards = {c.metric: c for c in data.kpi_cards(period, dept_filters, as_of)}
        ui.kpi_cards([cards[m] for m in DEPARTMENT_CARDS if m in cards], lang, per_row=4)
        _rates_note(cards, month, dept_id, lang)
    left, right = st.columns(2)
    item = None
    with left, ui.guard(lang):
        item = _waterfall(month, scores, previous, dept_id, lang)
    with right, ui.guard(lang):
        item = _score_items(month, dept_id, lang) or item
    # until an item is clicked, the complaints behind the biggest deduction are listed
    item = item or main_item(scores, dept_id)
    if item:
        with ui.guard(lang):
            ui.drill_table(
                data.score_complaints(month, dept_id, item, as_of),
                lang,
                key="dept_item_drill",
                title=f"{i18n.t('complaints_behind', lang)}: {i18n.item_label(item, lang)}",
            )
    left, right = st.columns(2)
    with left, ui.guard(lang):
        _categories(period, dept_filters, as_of, lang)
    with right, ui.guard(lang):
        _handlers(period, dept_filters, as_of, lang)
    with ui.guard(lang):
        _breaches(period, dept_filters, as_of, month, dept_id, lang)


def main() -> None:
    """Render the departments page: the month is the sidebar period's last month (one
    period control); an opened department comes first under its breadcrumb, then the
    ranking with that department highlighted."""
    period, filters, as_of, lang = state.current_filters()
    ui.page_header("departments_title", lang, period, as_of)
    state.bind_url("dept_view")
    with ui.guard(lang):
        month = ui.score_month(period, as_of)
        scores = data.department_scores(month, as_of)
        if scores.empty:
            ui.empty_state(lang)
            return
        previous = data.previous_scores(month, as_of)  # at the same maturity
        st.caption(f"{i18n.t('score_month', lang)}: {i18n.fmt_month(month, lang)}")
        names = dict(
            zip(
                scores["department_id"].astype(str),
                ui.department_names(scores, lang),
                strict=False,
            )
        )
        if st.session_state.get("dept_view") not in names:
            st.session_state["dept_view"] = None
        st.selectbox(
            i18n.t("select_department", lang),
            list(names),
            format_func=names.__getitem__,
            index=None,
            placeholder=i18n.t("select_department", lang),
            key="dept_view",
        )
        dept_id = st.session_state.get("dept_view")
        if dept_id:
            st.session_state[ui.CRUMB_DEPARTMENT] = dept_id
            with st.container(key="dept_focus"):
                ui.focus_here("dept_focus")
                ui.breadcrumb(lang, department=dept_id)
                _department_view(period, filters, as_of, month, scores, previous, lang, names)
            st.divider()
        else:
            st.info(i18n.t("no_department_selected", lang))
        _scorecard(scores, previous, lang, highlight=dept_id)


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
