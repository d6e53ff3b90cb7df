"""Rectification (整改跟踪): the actions decided at the monthly review (or from a department
or a complaint) with their state, progress, verification and change history, the
effectiveness check of one action, and the alert deliveries."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.ui import auth, data, state
from dashboard.ui import components as ui
from queries import i18n

STATES: tuple[str, ...] = ("open", "overdue", "done", "verified")
LIST_COLUMNS: tuple[str, ...] = (
    "action_id",
    "state",
    "title",
    "department",
    "category",
    "owner",
    "due_date",
    "days_overdue",
    "meeting_id",
    "evidence",
    "verification_result",
    "verified_at",
    "created_by",
)
HISTORY_COLUMNS: tuple[str, ...] = ("changed_at", "changed_by", "field", "old_value", "new_value")


def _labelled(df: pd.DataFrame, columns: tuple[str, ...], lang: str) -> pd.DataFrame:
    """The listed columns with this page's headers (``act_<column>`` labels)."""
    shown = df[[c for c in columns if c in df.columns]].copy()
    if "state" in shown.columns:
        shown["state"] = [i18n.t(f"act_state_{s}", lang) for s in shown["state"]]
    if "verification_result" in shown.columns:
        shown["verification_result"] = [
            i18n.t(f"act_result_{v}", lang) if isinstance(v, str) else None
            for v in shown["verification_result"]
        ]
    for col in ("due_date", "verified_at"):
        if col in shown.columns:
            shown[col] = pd.to_datetime(shown[col]).dt.date
    shown = shown.astype(object).where(shown.notna(), "")  # empty cells, not "None"
    return shown.rename(columns={c: i18n.t(f"act_{c}", lang) for c in shown.columns})


def _counts(today: dt.date, lang: str) -> None:
    counts = data.action_counts(today)
    cols = st.columns(len(STATES))
    for col, s in zip(cols, STATES, strict=True):
        col.metric(i18n.t(f"act_state_{s}", lang), i18n.fmt_int(counts[s]))


def _progress(row: pd.Series, lang: str) -> None:
    """Record progress on one action: evidence, status, verification."""
    key = f"act_upd_{row['action_id']}"
    with st.form(key):
        evidence = st.text_area(
            i18n.t("act_evidence", lang),
            value=row["evidence"] if isinstance(row["evidence"], str) else "",
            key=f"{key}_ev",
        )
        left, right = st.columns(2)
        with left:
            status = st.selectbox(
                i18n.t("act_status", lang),
                ("open", "done", "verified"),
                index=("open", "done", "verified").index(row["status"]),
                format_func=lambda s: i18n.t(f"act_state_{s}", lang),
                key=f"{key}_st",
            )
            owner = st.text_input(i18n.t("act_owner", lang), value=row["owner"], key=f"{key}_ow")
        with right:
            result = st.selectbox(
                i18n.t("act_verification_result", lang),
                (None, "effective", "not_effective"),
                format_func=lambda v: "—" if v is None else i18n.t(f"act_result_{v}", lang),
                key=f"{key}_res",
            )
            note = st.text_input(i18n.t("act_note", lang), key=f"{key}_note")
        user = ui.user_input(lang, f"{key}_user")
        if not st.form_submit_button(i18n.t("act_save", lang), type="primary"):
            return
    try:
        changed = data.update_action(
            row["action_id"],
            user,
            evidence=evidence.strip() or None,
            status=status,
            owner=owner,
            verification_result=result,
            verification_note=note.strip() or None,
        )
    except ValueError as exc:  # ActionError: the message says why
        st.error(str(exc))
        return
    if changed:
        st.success(i18n.t("act_saved", lang, fields=", ".join(changed)))
    else:
        st.info(i18n.t("act_unchanged", lang))


def _effect(action_id: str, as_of: dt.datetime | None, lang: str) -> None:
    st.markdown(f"**{i18n.t('act_effect', lang)}**")
    eff = data.action_effectiveness(action_id, as_of)
    unit = i18n.metric_unit(eff["metric"])
    st.markdown(
        ui.md_escape(
            i18n.t(
                "act_effect_text",
                lang,
                metric=i18n.metric_name(eff["metric"], lang),
                before=i18n.fmt_value(eff["before"], unit, lang),
                after=i18n.fmt_value(eff["after"], unit, lang),
                bp=eff["before_period"],
                ap=eff["after_period"],
            )
        )
    )
    if eff["improved"] is None:
        st.caption(i18n.t("act_effect_pending", lang))
    elif eff["improved"]:
        st.success(i18n.t("act_effect_improved", lang))
    else:
        st.warning(i18n.t("act_effect_worse", lang))


def _detail(frame: pd.DataFrame, as_of: dt.datetime | None, lang: str) -> None:
    ids = frame["action_id"].tolist()
    chosen = st.selectbox(
        i18n.t("act_pick", lang),
        ids,
        format_func=lambda a: f"{a} {frame.set_index('action_id').loc[a, 'title']}",
        key="act_pick",
    )
    if chosen is None:
        return
    row = frame.set_index("action_id").loc[chosen].copy()
    row["action_id"] = chosen
    left, right = st.columns([3, 2], gap="large")
    with left:
        if auth.can_write():
            st.markdown(f"**{i18n.t('act_update', lang)}**")
            _progress(row, lang)
    with right:
        _effect(chosen, as_of, lang)
        st.markdown(f"**{i18n.t('act_history', lang)}**")
        history = data.action_history(chosen)
        st.dataframe(_labelled(history, HISTORY_COLUMNS, lang), hide_index=True)


def _alerts(lang: str) -> None:
    with st.expander(i18n.t("alerts_title", lang)):
        log = data.alert_log(100)
        if log.empty:
            st.caption(i18n.t("alerts_none", lang))
            return
        st.dataframe(log, hide_index=True)


def main() -> None:
    """Render the Rectification page."""
    _period, _filters, as_of, lang = state.current_filters()
    st.title(i18n.t("page_rectification", lang))
    today = dt.date.today()
    with ui.guard(lang):
        _counts(today, lang)
        pick = st.segmented_control(
            i18n.t("act_state", lang),
            ("all", *STATES),
            format_func=lambda s: i18n.t(f"act_state_{s}", lang),
            default="all",
            key="act_filter",
        )
        frame = data.actions_list(today, None if pick in (None, "all") else pick)
        if frame.empty:
            st.info(i18n.t("act_none", lang))
        else:
            st.dataframe(_labelled(frame, LIST_COLUMNS, lang), hide_index=True)
            _detail(frame, as_of, lang)
    with ui.guard(lang), st.expander(i18n.t("act_new", lang)):
        ui.action_form("act_new_form", lang, source="manual")
    with ui.guard(lang):
        _alerts(lang)


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
