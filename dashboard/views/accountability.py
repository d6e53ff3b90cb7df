"""Accountability (责任追究, docs/definitions.md#accountability): the figures for the
complaints received in the period, by department, person, cause, measure or responsibility
type; on-time vs overdue decisions; and the lists behind them (penalty ledger with
joint-liability fines, overdue, appeals, valid complaints without accountability, repeats
after a penalty)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state, theme
from queries import i18n

# metric -> (unit, denominator column or None), in display order
ACCT_METRICS: dict[str, tuple[str, str | None]] = {
    "accountability_coverage": ("rate", "n_valid"),
    "penalties": ("count", None),
    "fines_total": ("cny", None),
    "joint_fine": ("cny", None),
    "accountability_on_time_rate": ("rate", "acct_n_due"),
    "accountability_overdue": ("count", None),
    "appeals_open": ("count", None),
    "repeat_after_penalty": ("count", "n_executed"),
}
# accountability's n_on_time (decided or past due) is not kpi's n_on_time: own header
DUE_RENAME = {"n_on_time": "acct_n_due"}
BY_CHOICES: tuple[str, ...] = ("department", "person", "cause", "measure", "responsibility_type")
BY_COLUMNS: tuple[str, ...] = (
    "penalties",
    "fines_total",
    "joint_fine",
    "accountability_on_time_rate",
    "acct_n_due",
    "accountability_overdue",
    "appeals_open",
    "repeat_after_penalty",
    "accountability_coverage",
    "n_valid",
)
LIST_ROWS = 500  # records per page of each list (paged in the database)
LIST_KINDS: tuple[str, ...] = (
    "ledger",
    "overdue",
    "appealed",
    "without_record",
    "repeat_after_penalty",
)
LEDGER_COLUMNS: tuple[str, ...] = (
    "penalty_id",
    "complaint_id",
    "complaint_received_at",
    "person",
    "department",
    "responsibility_type",
    "cause",
    "measure",
    "fine_amount",
    "joint_fine",
    "joint_fine_source",
    "fines_total",
    "department_head",
    "escalation_level",
    "investigation_end",
    "accountability_due",
    "decided_at",
    "days_overdue",
    "executed_at",
    "publicized_from",
    "publication_end",
    "appeal_status",
    "status",
)
LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "ledger": LEDGER_COLUMNS,
    "overdue": LEDGER_COLUMNS,
    "appealed": LEDGER_COLUMNS,
    "without_record": (
        "complaint_id",
        "received_at",
        "department",
        "category",
        "channel",
        "severity",
        "handler",
        "status",
        "escalation_level",
        "resolved_at",
    ),
    "repeat_after_penalty": (
        "penalty_id",
        "complaint_id",
        "category",
        "person",
        "department",
        "measure",
        "executed_at",
        "repeat_complaint_id",
        "repeat_received_at",
        "days_after",
    ),
}


def metric_text(metric: str, value: Any, lang: str) -> str:
    """An accountability figure formatted by its unit."""
    return i18n.fmt_value(value, ACCT_METRICS[metric][0], lang)


def for_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Rates as ``87.5%`` text and the joint-fine source as words (values only relabelled,
    never recomputed)."""
    out = frame.copy()
    for col in out.columns:
        if col in ACCT_METRICS and ACCT_METRICS[col][0] == "rate":
            out[col] = [i18n.fmt_pct(v, lang=lang) for v in out[col]]
    if "joint_fine_source" in out.columns:
        out["joint_fine_source"] = [
            None if v is None or pd.isna(v) else i18n.t(f"joint_fine_source_{v}", lang)
            for v in out["joint_fine_source"]
        ]
    return out


def _summary(period, filters, as_of, lang: str) -> None:
    frame = data.accountability(period, filters, as_of).rename(columns=DUE_RENAME)
    row = frame.iloc[0] if len(frame) else pd.Series(dtype=object)
    names = list(ACCT_METRICS)
    rule = data.rules().version_for(period.start).accountability
    numbers = {
        "level": rule.joint_liability_min_level,
        "share": i18n.fmt_pct(rule.joint_liability_share, digits=0),
        "employee_days": rule.employee_days,
        "management_days": rule.management_days,
        "institutional_days": rule.institutional_days,
        "repeat_days": rule.repeat_after_penalty_days,
    }
    for start in (0, 4):
        cols = st.columns(4)
        for col, metric in zip(cols, names[start : start + 4], strict=True):
            denominator = ACCT_METRICS[metric][1]
            help_text = i18n.t(f"def_{metric}", lang, **numbers)
            if denominator and denominator in row:
                help_text += (
                    f"\n\n{i18n.column_label(denominator, lang)} n = "
                    f"{i18n.fmt_int(row[denominator], lang)}"
                )
            col.metric(
                i18n.column_label(metric, lang),
                metric_text(metric, row.get(metric), lang),
                help=help_text,
                border=True,
            )
    st.caption(i18n.t("acct_cohort", lang))


def _by_dimension(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("acct_by", lang))
    state.bind_url("acct_by", BY_CHOICES[0])
    if st.session_state.get("acct_by") not in BY_CHOICES:
        st.session_state["acct_by"] = BY_CHOICES[0]
    by = st.segmented_control(
        i18n.t("group_by", lang),
        BY_CHOICES,
        format_func=lambda b: i18n.column_label(b, lang) if b != "department" else i18n.t(b, lang),
        key="acct_by",
        required=True,
    )
    assert by is not None  # required=True
    frame = data.accountability(period, filters, as_of, by=by).rename(columns=DUE_RENAME)
    if frame.empty:
        st.info(i18n.t("no_penalties", lang))
        return
    frame = frame.sort_values(["penalties", by], ascending=[False, True])
    table, chart = st.columns([3, 2])
    with table:
        ui.table(
            for_display(frame, lang),
            lang,
            key="acct_by_table",
            column_order=(by, *BY_COLUMNS),
            height=360,
        )
    with chart:
        st.markdown(f"**{i18n.t('acct_on_time_vs_overdue', lang)}**")
        active = frame[(frame["n_decided_on_time"] > 0) | (frame["accountability_overdue"] > 0)]
        if active.empty:
            st.caption(i18n.t("no_rows", lang))
            return
        top = active.head(15).iloc[::-1]
        labels = ui.localize_frame(top[[by]], lang).iloc[:, 0].astype(str).tolist()
        fig = go.Figure(
            [
                go.Bar(
                    x=top["n_decided_on_time"],
                    y=labels,
                    orientation="h",
                    name=i18n.t("acct_decided_on_time", lang),
                    marker_color=theme.STATUS_COLOURS["green"],
                    hovertemplate="%{y}: %{x:,}<extra></extra>",
                ),
                go.Bar(
                    x=top["accountability_overdue"],
                    y=labels,
                    orientation="h",
                    name=i18n.column_label("accountability_overdue", lang),
                    marker_color=theme.STATUS_COLOURS["red"],
                    marker_pattern_shape="/",
                    hovertemplate="%{y}: %{x:,}<extra></extra>",
                ),
            ]
        )
        fig.update_layout(barmode="group", yaxis_type="category")
        peak = max(top["n_decided_on_time"].max(), top["accountability_overdue"].max())
        fig.update_xaxes(rangemode="tozero", tickformat=",d", dtick=1 if peak <= 10 else None)
        ui.chart(fig, key="acct_by_chart", height=max(240, 40 * len(top) + 80))


def _list(kind: str, period, filters, as_of, lang: str) -> None:
    total = data.accountability_count(kind, period, filters, as_of)
    if not total:
        st.info(i18n.t("no_rows", lang))
        return
    offset = ui.list_page(total, LIST_ROWS, f"acct_list_{kind}", lang)
    frame = data.accountability_list(kind, period, filters, as_of, limit=LIST_ROWS, offset=offset)
    # a click on a row opens its complaint in the explorer (components.drill_table)
    ui.drill_table(
        for_display(frame, lang),
        lang,
        key=f"acct_list_{kind}",
        columns=LIST_COLUMNS[kind],
    )


def _lists(period, filters, as_of, lang: str) -> None:
    st.subheader(i18n.t("acct_lists", lang))
    tabs = st.tabs([i18n.t(f"list_{kind}", lang) for kind in LIST_KINDS])
    for tab, kind in zip(tabs, LIST_KINDS, strict=True):
        with tab, ui.guard(lang):
            _list(kind, period, filters, as_of, lang)


def main() -> None:
    """Render the accountability page."""
    period, filters, as_of, lang = state.current_filters()
    ui.page_header("page_accountability", lang, period, as_of)
    with ui.guard(lang):
        if not ui.has_data(period, filters, as_of):
            ui.empty_state(lang)
            return
        _summary(period, filters, as_of, lang)
    with ui.guard(lang):
        _by_dimension(period, filters, as_of, lang)
    with ui.guard(lang):
        _lists(period, filters, as_of, lang)


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
