"""Complaint explorer (投诉明细): the records under the shared filters with a search box, an
export of what is on screen (CSV with BOM, XLSX; formula cells neutralised, personal data
masked unless the role allows it), and one complaint's detail: its record, the facts
derived from it, its timeline, the score items it feeds and its penalty records (what
``complaints explain`` shows).

The detail opens by clicking a row or from a link ``?complaint=<id>`` (other pages link
here); the open complaint is kept in the URL.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state, theme
from queries import exports, i18n
from queries.config import vocab
from queries.config.schema import COMPLAINT_COLUMNS
from queries.metrics import LADDER_STAGES

LIST_LIMIT = 100  # complaints per page of the list (paged in the database; a page picker)
TABLE_KEY = "explorer_rows"
# the list's columns, in this order (what is on screen is what is exported)
EXPLORER_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "received_at",
    "department_name_zh",
    "category",
    "severity",
    "channel",
    "status",
    "handler",
    "customer_id",
    "customer_name",
    "customer_phone",
    "first_response_h",
    "responded_within_limit",
    "resolution_deadline",
    "resolved_at",
    "resolved_by_deadline",
    "resolution_h",
    "is_repeat",
    "group_incident_id",
    "is_valid",
    "satisfaction",
    "surveyed_at",
    "escalation_level",
    "compensation_type",
    "compensation_amount",
    "region",
    "product",
    "description",
    "resolution",
)
# derived facts shown in the detail, in this order (others the core returns follow)
FACT_ORDER: tuple[str, ...] = (
    "department",
    "response_limit_h",
    "response_due_at",
    "first_response_h",
    "response_status",
    "resolution_rule",
    "resolution_deadline",
    "resolution_h",
    "resolution_status",
    "late_by_h",
    "late_by_working_h",
    "is_repeat",
    "repeat_of_complaint_id",
    "group_incident_id",
    "satisfaction_class",
    "escalation_level",
    "is_excluded",
    "calendar_covered",
)
# facts whose value is a code with a label (fact_value_<code>)
CODED_FACTS = frozenset(
    {"response_status", "resolution_status", "resolution_rule", "satisfaction_class"}
)
HIDDEN_FACTS = frozenset(
    {"department_id", "department_en", "parent_department_id", "excluded_reason", "group_incident"}
)
# the complaint's penalty records (ledger rows), these columns
PENALTY_COLUMNS: tuple[str, ...] = (
    "penalty_id",
    "person",
    "department",
    "responsibility_type",
    "cause",
    "measure",
    "fine_amount",
    "joint_fine",
    "joint_fine_source",
    "accountability_due",
    "decided_at",
    "executed_at",
    "appeal_status",
    "status",
)


# --------------------------------------------------------------------------- formatting


def display_value(value: Any, lang: str, kind: str | None = None) -> str:
    """One value as display text: dates and times formatted, booleans as 是/否, codes as
    words (``kind`` = vocab kind or ``fact`` for derived-fact codes), missing as ``—``."""
    if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
        return i18n.MISSING
    if isinstance(value, bool):
        return i18n.t("yes" if value else "no", lang)
    if isinstance(value, dt.datetime | pd.Timestamp):
        return i18n.fmt_datetime(value, lang)
    if isinstance(value, dt.date):
        return i18n.fmt_date(value, lang)
    if kind == "fact":
        return i18n.t(f"fact_value_{value}", lang)
    if kind is not None:
        return vocab.label(kind, str(value), lang)
    if isinstance(value, float):
        return i18n.fmt_number(value, 2, lang)
    return str(value)


def _field_kind(column: str) -> str | None:
    if column in ui.CODED_COLUMNS:
        return ui.CODED_COLUMNS[column]
    return None


def fields_frame(fields: dict[str, Any], lang: str) -> pd.DataFrame:
    """The complaint's canonical fields as a two-column table (field, value), in template
    order; values are text (already masked by the data boundary)."""
    rows = []
    for col in COMPLAINT_COLUMNS:
        if col.name in fields:
            value = fields[col.name]
            rows.append(
                (
                    i18n.column_label(col.name, lang),
                    display_value(value, lang, _field_kind(col.name)),
                )
            )
    return pd.DataFrame(rows, columns=[i18n.t("field", lang), i18n.t("value", lang)])


def facts_frame(facts: dict[str, Any], lang: str) -> pd.DataFrame:
    """The derived facts as (fact, value) rows, in ``FACT_ORDER``."""
    keys = [k for k in FACT_ORDER if k in facts]
    keys += [k for k in facts if k not in keys and k not in HIDDEN_FACTS]
    rows = []
    for key in keys:
        value = facts[key]
        if key == "department" and lang == "en" and facts.get("department_en"):
            value = facts["department_en"]
        kind = "fact" if key in CODED_FACTS else None
        if isinstance(value, float) and key.endswith("_h"):
            text = i18n.fmt_hours(value, lang, digits=2)
        else:
            text = display_value(value, lang, kind)
        rows.append((i18n.t(f"fact_{key}", lang), text))
    return pd.DataFrame(rows, columns=[i18n.t("fact", lang), i18n.t("value", lang)])


def timeline_frame(timeline: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    """The timeline steps as rows: step, time, deadline, met (✔/✖)."""
    rows = []
    for step in timeline:
        name = step.get("event")
        at = step.get("at")
        when = display_value(at, lang)
        if at is None and step.get("after_as_of"):
            when = i18n.t("after_as_of", lang)
        met = step.get("met")
        rows.append(
            (
                i18n.t(f"step_{name}", lang),
                when,
                display_value(step.get("deadline"), lang),
                i18n.MISSING
                if met is None
                else ("✔ " if met else "✖ ") + i18n.t("met" if met else "missed", lang),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            i18n.t("step", lang),
            i18n.t("time", lang),
            i18n.t("deadline", lang),
            i18n.t("met_deadline", lang),
        ],
    )


def timeline_figure(timeline: list[dict[str, Any]], lang: str) -> go.Figure | None:
    """Steps as points on a time axis, each deadline as a marker on the same row."""
    steps = [s for s in timeline if s.get("at") is not None or s.get("deadline") is not None]
    if not steps:
        return None
    names = [i18n.t(f"step_{s.get('event')}", lang) for s in steps]
    fig = go.Figure()
    done = [(n, s["at"]) for n, s in zip(names, steps, strict=True) if s.get("at") is not None]
    if done:
        fig.add_trace(
            go.Scatter(
                x=[at for _, at in done],
                y=[n for n, _ in done],
                mode="markers",
                name=i18n.t("time", lang),
                marker={"size": 14, "color": theme.OKABE_ITO[0], "symbol": "circle"},
                hovertemplate="%{y}: %{x|%Y-%m-%d %H:%M}<extra></extra>",
            )
        )
    due = [
        (n, s["deadline"])
        for n, s in zip(names, steps, strict=True)
        if s.get("deadline") is not None
    ]
    if due:
        fig.add_trace(
            go.Scatter(
                x=[d for _, d in due],
                y=[n for n, _ in due],
                mode="markers",
                name=i18n.t("deadline", lang),
                marker={
                    "size": 14,
                    "color": theme.OKABE_ITO[3],
                    "symbol": "diamond-open",
                    "line": {"width": 2},
                },
                hovertemplate="%{y} " + i18n.t("deadline", lang) + ": %{x|%Y-%m-%d %H:%M}"
                "<extra></extra>",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(names)))
    # tick labels in the viewer's language (Plotly's default reads "Oct 2 … 2026")
    fig.update_xaxes(tickformat="%-d %b %Y %H:%M" if lang == "en" else "%Y年%-m月%-d日 %H:%M")
    return fig


def score_items_frame(items: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    """The score items the complaint feeds: month, item, its part, points, the item's
    deduction for the department-month."""
    rows = []
    for it in items:
        if it.get("kind") == "per_event":
            part = display_value(it.get("points"), lang)
        else:
            part = (
                f"{i18n.fmt_pct(it.get('measured'), lang=lang)} / "
                f"{i18n.t('target', lang)} {i18n.fmt_pct(it.get('target'), lang=lang)}"
            )
        rows.append(
            (
                i18n.fmt_month(it.get("month"), lang),
                i18n.item_label(str(it.get("item")), lang),
                i18n.item_label(str(it.get("kind")), lang),
                i18n.t("role_" + str(it.get("role", "")).replace(" ", "_"), lang),
                part,
                display_value(it.get("item_deduction"), lang),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            i18n.t("month", lang),
            i18n.t("item", lang),
            i18n.t("kind", lang),
            i18n.t("complaint_part", lang),
            i18n.t("points_or_rate", lang),
            i18n.t("item_deduction", lang),
        ],
    )


# --------------------------------------------------------------------------- sections


def _full_height(frame: pd.DataFrame) -> int:
    """A table height that shows every row without an inner scroll bar."""
    return 35 * (len(frame) + 1) + 3


_LIST_IDS = "_explorer_ids"
_PICKED = "_explorer_picked"


def _apply_pick() -> None:
    """A row newly clicked in the list (drawn below) opens its complaint above it (kept in
    the URL) and scrolls there; an unchanged selection does not reopen a detail the user
    closed. Runs before the detail is drawn, on the list's ids of the run before."""
    ids = st.session_state.get(_LIST_IDS) or []
    rows = ui.selected_rows(TABLE_KEY)
    picked = ids[rows[0]] if rows and rows[0] < len(ids) else None
    if picked != st.session_state.get(_PICKED):
        st.session_state[_PICKED] = picked
        if picked is not None:
            st.session_state["complaint"] = picked
            ui.request_focus("complaint_focus")


def _close_detail() -> None:
    st.session_state["complaint"] = ""


def _export_buttons(shown: pd.DataFrame, name: str, lang: str) -> None:
    """CSV (UTF-8 BOM) and XLSX of exactly the table on screen, each built on click (not
    on every run of the page)."""
    sheet = i18n.t("page_explorer", lang)
    with st.container(horizontal=True):
        ui.download(
            i18n.t("download_csv", lang),
            functools.partial(exports.to_csv_bytes, shown),
            file_name=f"{name}.csv",
            mime="text/csv",
            key="explorer_csv",
            rows=len(shown),
            kind="explorer",
        )
        ui.download(
            i18n.t("download_xlsx", lang),
            functools.partial(exports.to_xlsx_bytes, {sheet: shown}),
            file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="explorer_xlsx",
            rows=len(shown),
            kind="explorer",
        )


def _list(period, filters, as_of, lang: str) -> None:
    state.bind_url("q", "")
    st.text_input(
        i18n.t("search", lang),
        key="q",
        placeholder=i18n.t("search_placeholder", lang),
        help=i18n.t("search_help", lang),
        max_chars=200,
    )
    search = (st.session_state.get("q") or "").strip() or None
    total = data.complaints_count(period, filters, as_of, search=search)
    if not total:
        ui.empty_state(lang)
        return
    offset = ui.list_page(total, LIST_LIMIT, "explorer_list", lang)
    frame = ui.english_departments(
        data.complaints_list(
            period, filters, as_of, search=search, limit=LIST_LIMIT, offset=offset
        ),
        lang,
    )
    order = [c for c in EXPLORER_COLUMNS if c in frame.columns]
    ids = [str(v) for v in frame["complaint_id"]]
    st.caption(i18n.t("click_row_detail", lang))
    st.session_state[_LIST_IDS] = ids
    ui.table(frame, lang, key=TABLE_KEY, selectable=True, column_order=order, height=420)
    name = "complaints_" + period.label().replace("..", "_")
    _export_buttons(ui.localize_frame(frame[order], lang), name, lang)


def _detail(complaint_id: str, as_of, lang: str) -> None:
    head, close = st.columns([5, 1])
    head.subheader(f"{i18n.t('complaint_detail', lang)} · {ui.md_escape(complaint_id)}")
    close.button(
        i18n.t("close_detail", lang),
        key="explorer_close",
        on_click=_close_detail,
    )
    try:
        result = data.explain(complaint_id, as_of)
    except LookupError:
        # a scoped viewer is never told whether the complaint exists outside the scope
        key = "unknown_complaint" if data.scoped() is None else "not_in_scope"
        what = ui.md_escape(complaint_id)
        st.warning(i18n.t(key, lang, id=what, what=what))
        return
    version = result.get("rules_version") or {}
    st.caption(
        f"{i18n.t('rules_version', lang)} {version.get('id', i18n.MISSING)} · "
        f"{i18n.t('effective', lang)} {display_value(version.get('effective_from'), lang)} – "
        f"{display_value(version.get('effective_to'), lang)} · "
        f"{i18n.t('as_of', lang)}: {display_value(result.get('as_of'), lang)}"
    )
    facts = result.get("facts") or {}
    if facts.get("is_excluded"):
        st.info(i18n.t("excluded_note", lang))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{i18n.t('record', lang)}**")
        record = fields_frame(result.get("fields") or {}, lang)
        st.dataframe(record, hide_index=True, height=_full_height(record))
    with right:
        st.markdown(f"**{i18n.t('derived_facts', lang)}**")
        derived = facts_frame(facts, lang)
        st.dataframe(derived, hide_index=True, height=_full_height(derived))
    st.markdown(f"**{i18n.t('timeline', lang)}**")
    timeline = result.get("timeline") or []
    fig = timeline_figure(timeline, lang)
    if fig is not None:
        ui.chart(fig, key="explorer_timeline", height=260)
    st.dataframe(timeline_frame(timeline, lang), hide_index=True)
    st.markdown(f"**{i18n.t('score_items_fed', lang)}**")
    items = result.get("score_items") or []
    if items:
        st.dataframe(score_items_frame(items, lang), hide_index=True)
    else:
        st.caption(i18n.t("no_score_items", lang))
    st.markdown(f"**{i18n.t('penalty_records', lang)}**")
    penalties = result.get("penalties") or []
    if penalties:
        frame = pd.DataFrame(penalties)
        if "joint_fine_source" in frame.columns:
            frame["joint_fine_source"] = [
                None if v is None or pd.isna(v) else i18n.t(f"joint_fine_source_{v}", lang)
                for v in frame["joint_fine_source"]
            ]
        ui.table(frame, lang, key="explorer_penalties", column_order=PENALTY_COLUMNS)
    else:
        st.caption(i18n.t("no_penalties", lang))
    ladder = result.get("ladder") or []
    if ladder:
        st.markdown(f"**{i18n.t('page_ladder', lang)}**")
        ui.table(ladder_frame(ladder, lang), lang, key="explorer_ladder")
    fields = result.get("fields") or {}
    with st.expander(i18n.t("act_from_complaint", lang)):
        ui.action_form(
            f"explorer_act_{complaint_id}",
            lang,
            source="complaint",
            department=fields.get("department"),
            category=fields.get("category"),
            complaint_ids=[complaint_id],
        )


def ladder_frame(ladder: list[dict], lang: str) -> pd.DataFrame:
    """A complaint's handling-ladder stages against their limits (explain's ``ladder``), with
    the stage names, units and states in ``lang``."""
    frame = pd.DataFrame(ladder)
    zh_en = 1 if lang == "en" else 0
    frame["stage"] = [LADDER_STAGES[s][zh_en] for s in frame["stage"]]
    frame["unit"] = [i18n.t(f"unit_{u}", lang) for u in frame["unit"]]
    frame["state"] = [i18n.t(f"state_{s}", lang) for s in frame["state"]]
    order = ["stage", "state", "started_at", "limit_value", "unit", "due_at", "done_at"]
    return frame[[*order, "duration_h"]]


def main() -> None:
    """Render the complaint explorer: an open complaint (a click here or a drill-through
    from another page) comes first, under its breadcrumb; the list follows."""
    period, filters, as_of, lang = state.current_filters()
    ui.page_header("page_explorer", lang, period, as_of)
    state.bind_url("complaint", "")
    _apply_pick()
    complaint_id = str(st.session_state.get("complaint") or "").strip()
    if complaint_id:
        with st.container(key="complaint_focus"):
            ui.focus_here("complaint_focus")
            ui.breadcrumb(lang, complaint=complaint_id)
            with ui.guard(lang):
                _detail(complaint_id, as_of, lang)
        st.divider()
    with ui.guard(lang):
        _list(period, filters, as_of, lang)


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
