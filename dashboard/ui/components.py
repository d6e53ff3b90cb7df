"""Shared page building blocks: KPI cards with definitions, tables and charts with
click-through, empty and error states, and the "data loaded" block.

Typical page::

    import streamlit as st
    from dashboard.ui import components as ui, data, state

    period, filters, as_of, lang = state.current_filters()
    ui.page_header("page_overview", lang, period, as_of)
    with ui.guard(lang):
        if not ui.has_data(period, filters, as_of):
            ui.empty_state(lang)
            st.stop()
        ui.kpi_cards(data.kpi_cards(period, filters, as_of), lang)
        row = ui.table(frame, lang, key="by_dept", selectable=True)   # -> index or None
        if row is not None:
            ui.drill_table(data.drill("received", period, f2, as_of), lang, key="drill")

Everything shown is text-escaped (``st.dataframe``, ``st.metric``, ``st.markdown`` of our
own labels only); no HTML is ever built from data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import data, state, theme
from queries import exports, i18n, output
from queries.config import vocab

log = logging.getLogger(__name__)

# coded columns shown with their zh/en word (vocab kinds)
CODED_COLUMNS: dict[str, str] = {
    "channel": "channel",
    "severity": "severity",
    "status": "status",
    "compensation_type": "compensation_type",
    "responsibility_type": "responsibility_type",
    "measure": "measure",
    "appeal_status": "appeal_status",
    "category": "category",
}
# the columns a complaint table shows (in this order, those present); the internal flag
# columns of the KPI cohort (on_time_num, sla_den, received_work_s...) are left out
DRILL_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "received_at",
    "department_name_zh",
    "category",
    "severity",
    "channel",
    "status",
    "handler",
    "customer_name",
    "customer_phone",
    "working_hours_left",
    "resolution_deadline",
    "first_response_h",
    "responded_within_limit",
    "resolution_h",
    "resolved_by_deadline",
    "resolved_at",
    "is_valid",
    "is_repeat",
    "satisfaction",
    "satisfaction_class",
    "escalation_level",
    "points",
    "description",
)
EXPLORER_PAGE = "views/explorer.py"
_GOTO_COMPLAINT = "_goto_complaint"
_BADGE = {"green": "green", "amber": "orange", "red": "red"}


# --------------------------------------------------------------------------- states

_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:")


def md_escape(text: object) -> str:
    """Text for st.markdown/st.header/st.error shown literally (department names, error
    messages...): every Markdown-active character is backslash-escaped."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


@contextlib.contextmanager
def guard(lang: str) -> Iterator[None]:
    """Run a page body; a failing query shows a short ``st.error`` instead of a traceback
    (the traceback goes to the server log). ``st.stop``/reruns pass through."""
    try:
        yield
    except Exception as exc:
        log.exception("page failed")
        st.error(
            md_escape(f"{i18n.t('error_query', lang)}: {type(exc).__name__}: {str(exc)[:200]}")
        )
        st.caption(i18n.t("error_hint", lang))


def has_data(period: Any, filters: Any, as_of: dt.datetime | None) -> bool:
    """Whether any complaint was received in the period under the filters."""
    if as_of is None:
        return False
    frame = data.kpis(period, filters, as_of)
    if frame.empty:
        return False
    value = frame["received"].iloc[0]
    return bool(not pd.isna(value) and int(value) > 0)


def empty_state(lang: str) -> None:
    """The message shown when nothing is in the selected range (how to load data)."""
    st.info(f"**{i18n.t('empty_title', lang)}**\n\n{i18n.t('empty_help', lang)}")


def demo_banner(lang: str) -> None:
    """The "示例数据 / demo data" marker shown above every page of a demo database."""
    with st.container(key="demo_banner"):
        st.markdown(
            f":orange-badge[:material/science: {i18n.t('demo_banner', lang)}]"
            f" {i18n.t('demo_banner_help', lang)}"
        )


def failure_page(exc: BaseException, lang: str) -> None:
    """The localised page shown instead of Streamlit's crash page when the data cannot be
    opened at all (damaged database, permission denied...): one line, as the CLI prints."""
    log.error("cannot open the data", exc_info=exc)
    st.title(i18n.t("failure_title", lang))
    st.error(md_escape(output.one_line(exc)))
    st.caption(i18n.t("failure_hint", lang))


def missing_database_page(name: str, lang: str) -> None:
    """The page shown instead of any data when the served database file is gone."""
    st.title(i18n.t("database_missing_title", lang))
    st.error(i18n.t("database_missing", lang, name=md_escape(name)))


def filters_caption(period: Any, as_of: dt.datetime | None, lang: str) -> str:
    """``统计期 2025年10月 · 数据截止 2025年10月31日 18:00`` for page subtitles."""
    parts = [f"{i18n.t('period', lang)}: {i18n.fmt_period(period.start, period.end, lang)}"]
    parts.append(f"{i18n.t('as_of', lang)}: {i18n.fmt_datetime(as_of, lang)}")
    return " · ".join(parts)


def page_header(title_key: str, lang: str, period: Any, as_of: dt.datetime | None) -> None:
    """Page title plus the period and as-of it shows."""
    st.title(i18n.t(title_key, lang))
    st.caption(filters_caption(period, as_of, lang))


def role_badge(lang: str) -> None:
    """The viewer's role in the sidebar (masking is explained by it)."""
    r = data.role()
    st.sidebar.caption(f"{i18n.t('role', lang)}: {i18n.t('role_' + r, lang)}")


# --------------------------------------------------------------------------- KPI cards


def _delta_color(better: str | None) -> str:
    return {"higher": "normal", "lower": "inverse"}.get(better or "", "off")


def _unchanged(value: Any, previous: Any) -> bool:
    if value is None or previous is None or pd.isna(value) or pd.isna(previous):
        return False
    return float(value) == float(previous)


def kpi_card(card: Any, lang: str) -> None:
    """One KPI card: value, change vs previous period (arrow) and vs last year, the target
    status as colour AND symbol/text, a 12-month sparkline, and the definition with its
    cohort and n in a popover."""
    metric = card.metric
    unit = i18n.metric_unit(metric)
    mdef = getattr(card, "definition", None) or _metric_def(metric)
    better = getattr(mdef, "better", None)
    spark = [v for _, v in (card.sparkline or []) if v is not None and not pd.isna(v)]
    with st.container(border=True):
        st.metric(
            i18n.metric_name(metric, lang),
            i18n.fmt_value(card.value, unit, lang),
            delta=i18n.fmt_delta(card.value, card.previous, unit, lang),
            delta_color=_delta_color(better),
            delta_description=i18n.t("vs_previous", lang),
            delta_arrow="off" if _unchanged(card.value, card.previous) else "auto",
            chart_data=spark or None,
            chart_type="line",
        )
        yoy = i18n.fmt_delta(card.value, card.year_ago, unit, lang)
        status = card.status
        badge = i18n.status_label(status, lang)
        colour = _BADGE.get(status or "", "gray")
        target = ""
        if card.target is not None:
            target = f" · {i18n.t('target', lang)} {i18n.fmt_value(card.target, unit, lang)}"
        st.markdown(
            f":{colour}-badge[{badge}]{target}  \n"
            f"{i18n.t('vs_year_ago', lang)}: {yoy or i18n.MISSING}"
        )
        with st.popover(i18n.t("definition", lang), icon=":material/info:"):
            definition_text(metric, lang, n=card.n, denominator=getattr(mdef, "denominator", None))


def _metric_def(metric: str) -> Any:
    from queries.marts import kpi

    return kpi.METRICS.get(metric)


def definition_text(
    metric: str, lang: str, n: int | None = None, denominator: str | None = None
) -> None:
    """A metric's name, definition (from ``kpi.METRICS``), cohort and denominator n."""
    st.markdown(f"**{i18n.metric_name(metric, lang)}**")
    st.text(i18n.metric_definition(metric, lang))
    if denominator:
        st.caption(f"{i18n.t('cohort', lang)}: {i18n.column_label(denominator, lang)}")
    st.caption(f"{i18n.t('denominator_n', lang)} = {i18n.fmt_int(n, lang)}")


def kpi_cards(cards: Sequence[Any], lang: str, per_row: int = 4) -> None:
    """A grid of KPI cards."""
    cards = list(cards)
    for i in range(0, len(cards), per_row):
        cols = st.columns(per_row)
        for col, card in zip(cols, cards[i : i + per_row], strict=False):
            with col:
                kpi_card(card, lang)


# --------------------------------------------------------------------------- tables


def localize_frame(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Coded values as zh/en words (channel, grade, status...) and headers in ``lang``.
    Values are only relabelled, never recomputed."""
    out = df.copy()
    for col, kind in CODED_COLUMNS.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, k=kind: vocab.label(k, v, lang) if v else v)
    for col in out.columns:
        if out[col].dtype == bool or str(out[col].dtype) == "boolean":
            yes, no = ("Yes", "No") if lang == "en" else ("是", "否")
            out[col] = out[col].map(lambda v, y=yes, n=no: None if pd.isna(v) else (y if v else n))
    return out.rename(columns=i18n.column_labels(out.columns, lang))


def _column_config(df: pd.DataFrame, lang: str) -> dict[str, Any]:
    cfg: dict[str, Any] = {}
    for col in df.columns:
        label = i18n.column_label(str(col), lang)
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            cfg[label] = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
        elif str(col) in _metric_names() and i18n.metric_unit(str(col)) == "rate":
            cfg[label] = st.column_config.NumberColumn(format="percent")
        elif _is_hours(str(col)):
            cfg[label] = st.column_config.NumberColumn(format="%.1f")
    return cfg


def _is_hours(col: str) -> bool:
    if col in _metric_names():
        return i18n.metric_unit(col) in ("hours", "score")
    return col.endswith("_h") or col == "working_hours_left"


def _metric_names() -> set[str]:
    from queries.marts import kpi

    return set(kpi.METRICS)


def table(
    df: pd.DataFrame,
    lang: str,
    key: str | None = None,
    selectable: bool = False,
    height: int | str = "auto",
    column_order: Sequence[str] | None = None,
    on_select: Callable[..., None] | None = None,
    args: tuple[Any, ...] = (),
) -> int | None:
    """Show a frame with localized headers and words. With ``selectable`` a row can be
    clicked (single-row selection); returns the clicked row's position in ``df`` or None.
    ``on_select(*args)`` (optional) runs as a callback before the rerun: use it to change
    another widget's session state (e.g. a selectbox drawn above)."""
    if column_order is not None:
        df = df[[c for c in column_order if c in df.columns]]
    shown = localize_frame(df, lang)
    kwargs: dict[str, Any] = {
        "hide_index": True,
        "height": height,
        "column_config": _column_config(df, lang),
    }
    if selectable:
        event = st.dataframe(
            shown,
            key=key,
            on_select=_callback(on_select, args),
            selection_mode="single-row",
            **kwargs,
        )
        rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
        return rows[0] if rows else None
    st.dataframe(shown, key=key, **kwargs)
    return None


def english_departments(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """In English, show ``department_name_en`` (where known) in the department column."""
    if lang != "en" or "department_name_en" not in df.columns:
        return df
    if "department_name_zh" not in df.columns:
        return df
    out = df.copy()
    out["department_name_zh"] = out["department_name_en"].where(
        out["department_name_en"].notna() & (out["department_name_en"] != ""),
        out["department_name_zh"],
    )
    return out


def _open_complaint(key: str, ids: list[str]) -> None:
    rows = selected_rows(key)
    if rows:
        st.session_state["complaint"] = ids[rows[0]]
        st.session_state[_GOTO_COMPLAINT] = True


def drill_table(
    df: pd.DataFrame,
    lang: str,
    key: str,
    title: str | None = None,
    columns: Sequence[str] = DRILL_COLUMNS,
) -> None:
    """The complaints behind a number (already masked by ``data``): the ``columns`` present
    (``department`` only when ``department_name_zh`` is missing), a CSV download of the
    same, and — when the Complaint explorer page exists — a click on a row opens that
    complaint there."""
    if title:
        st.subheader(md_escape(title))
    if df is None or df.empty:
        st.info(i18n.t("empty_title", lang))
        return
    if st.session_state.pop(_GOTO_COMPLAINT, False):
        st.switch_page(EXPLORER_PAGE)
    df = english_departments(df, lang)
    wanted = list(columns)
    if "department_name_zh" not in df.columns and "department_name_zh" in wanted:
        wanted[wanted.index("department_name_zh")] = "department"
    shown = df[[c for c in wanted if c in df.columns]].reset_index(drop=True)
    linkable = "complaint_id" in shown.columns
    if linkable:
        st.caption(i18n.t("click_complaint_hint", lang))
        ids = [str(v) for v in shown["complaint_id"]]
        table(
            shown,
            lang,
            key=key,
            height=360,
            selectable=True,
            on_select=_open_complaint,
            args=(key, ids),
        )
    else:
        table(shown, lang, key=key, height=360)
    st.caption(i18n.t("rows_shown", lang, n=i18n.fmt_int(len(shown), lang)))
    st.download_button(
        i18n.t("download_csv", lang),
        exports.to_csv_bytes(localize_frame(shown, lang)),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"{key}_csv",
    )


# --------------------------------------------------------------------------- charts


def table_height(rows: int, max_rows: int = 25) -> int:
    """A table height in pixels showing ``rows`` rows (up to ``max_rows``) without scrolling."""
    return 38 + 35 * min(max(rows, 1), max_rows)


def _callback(on_select: Callable[..., None] | None, args: tuple[Any, ...]) -> Any:
    if on_select is None:
        return "rerun"
    return lambda: on_select(*args)


def selected_rows(key: str) -> list[int]:
    """Inside an ``on_select`` callback: the selected row positions of table ``key``."""
    event = st.session_state.get(key)
    selection = getattr(event, "selection", None)
    if selection is None and isinstance(event, dict):
        selection = event.get("selection")
    rows = getattr(selection, "rows", None)
    if rows is None and isinstance(selection, dict):
        rows = selection.get("rows")
    return list(rows or [])


def selected_points(key: str) -> list[dict[str, Any]]:
    """Inside an ``on_select`` callback: the selected points of chart ``key``."""
    event = st.session_state.get(key)
    selection = getattr(event, "selection", None)
    if selection is None and isinstance(event, dict):
        selection = event.get("selection")
    points = getattr(selection, "points", None)
    if points is None and isinstance(selection, dict):
        points = selection.get("points")
    return list(points or [])


def chart(
    fig: go.Figure,
    key: str | None = None,
    selectable: bool = False,
    height: int | None = None,
    on_select: Callable[..., None] | None = None,
    args: tuple[Any, ...] = (),
) -> list[dict[str, Any]]:
    """Show a Plotly figure in the dashboard theme. With ``selectable`` a click on a bar or
    point reruns the page; returns the selected points (dicts with x, y, customdata...).
    ``on_select(*args)`` (optional) runs as a callback before the rerun."""
    theme.style(fig, height=height)
    if not selectable:
        st.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False})
        return []
    event = st.plotly_chart(
        fig,
        key=key,
        theme=None,
        on_select=_callback(on_select, args),
        selection_mode="points",
        config={"displaylogo": False},
    )
    selection = getattr(event, "selection", None) or {}
    points = selection.get("points", []) if isinstance(selection, dict) else selection.points
    return list(points or [])


# --------------------------------------------------------------------------- helpers


def point_value(points: Sequence[dict[str, Any]], field: str = "customdata") -> Any:
    """The ``field`` of the first clicked chart point (``customdata`` carries the raw code
    or id behind a bar), or None."""
    if not points:
        return None
    value = points[0].get(field) if isinstance(points[0], dict) else None
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return html.unescape(value) if isinstance(value, str) else value  # see theme.inert


def score_month(period: Any, as_of: dt.datetime | None) -> str:
    """The month a page scores by default: the period's last month, not after the as-of."""
    last = period.end - dt.timedelta(days=1)
    if as_of is not None and last > as_of.date():
        last = as_of.date()
    return f"{last.year:04d}-{last.month:02d}"


def month_options(as_of: dt.datetime | None) -> list[str]:
    """``YYYY-MM`` of every month with complaints, up to the as-of, newest first."""
    months = data.data_months()
    out = [f"{m.year:04d}-{m.month:02d}" for m in pd.to_datetime(months["month"])]
    if as_of is not None:
        cut = f"{as_of.year:04d}-{as_of.month:02d}"
        out = [m for m in out if m <= cut]
    return sorted(out, reverse=True)


def score_month_selector(period: Any, as_of: dt.datetime | None, lang: str) -> str | None:
    """The month picker of the score pages (kept in the URL as ``score_month``); None when
    no month has complaints."""
    months = month_options(as_of)
    if not months:
        return None
    state.bind_url("score_month")
    if st.session_state.get("score_month") not in months:
        default = score_month(period, as_of)
        st.session_state["score_month"] = default if default in months else months[0]
    return st.selectbox(
        i18n.t("score_month", lang),
        months,
        format_func=lambda m: i18n.fmt_month(m, lang),
        key="score_month",
    )


def department_names(frame: pd.DataFrame, lang: str) -> list[str]:
    """Department display names of a scores frame (``department`` / ``department_en``)."""
    if lang == "en" and "department_en" in frame.columns:
        return [
            en if isinstance(en, str) and en else zh
            for zh, en in zip(frame["department"], frame["department_en"], strict=False)
        ]
    return [str(v) for v in frame["department"]]


def score_changes(scores: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """The scorecard with ``score_change`` (points vs the previous month) and
    ``rank_change`` (places moved up, positive = better) next to each department's score;
    both null for a department not scored the month before."""
    prev = previous[["department_id", "score", "rank"]].rename(
        columns={"score": "_prev_score", "rank": "_prev_rank"}
    )
    out = scores.merge(prev, on="department_id", how="left")
    out["score_change"] = out["score"] - out["_prev_score"]
    out["rank_change"] = out["_prev_rank"] - out["rank"]
    return out.drop(columns=["_prev_score", "_prev_rank"])


def points_rule_text(item: Any, lang: str) -> str:
    """A scoring item's rule in words: ``一般 1 / 紧急 2 / 重大 5`` per complaint, or
    ``0.5 / 每个百分点`` for rate_gap items (``item``: a ``rules.ScoringItem``)."""
    if item.kind == "per_event":
        if isinstance(item.points, dict):
            return " / ".join(
                f"{vocab.label('severity', g, lang)} {i18n.fmt_number(p, 1, lang)}"
                for g, p in item.points.items()
            )
        return i18n.fmt_number(item.points, 1, lang)
    return f"{i18n.fmt_number(item.points_per_pp, 1, lang)} / {i18n.t('per_pp', lang)}"


def main_deduction(deductions: Any, lang: str) -> str:
    """``扣分最多的项 (−7.5)`` from a deductions dict; ``—`` when nothing was deducted."""
    if not isinstance(deductions, dict) or not deductions:
        return i18n.MISSING
    item, points = max(deductions.items(), key=lambda kv: kv[1] or 0)
    if not points:
        return i18n.MISSING
    return f"{i18n.item_label(item, lang)} (−{i18n.fmt_number(points, 1, lang)})"


# --------------------------------------------------------------------------- data loaded


def data_summary(lang: str, as_of: dt.datetime | None, expanded: bool = False) -> None:
    """The "数据概况 / Data loaded" block (Foundation: the first page shows what is loaded).
    Its always-visible title line gives the complaint count, departments, received date
    range and as-of; opened, it adds penalty records, the last import and complaints per
    month. Shared by the overview and the Data page."""
    totals = data.data_totals()
    months = data.data_months()
    headline = i18n.t(
        "data_loaded_line",
        lang,
        complaints=i18n.fmt_int(totals.get("complaints"), lang),
        departments=i18n.fmt_int(totals.get("departments"), lang),
        first=i18n.fmt_date(totals.get("first_received_at"), lang),
        last=i18n.fmt_date(totals.get("last_received_at"), lang),
        as_of=i18n.fmt_datetime(as_of, lang),
    )
    with st.expander(f"{i18n.t('data_loaded', lang)}: {md_escape(headline)}", expanded=expanded):
        c1, c2, c3 = st.columns(3)
        c1.metric(i18n.t("complaints_total", lang), i18n.fmt_int(totals.get("complaints"), lang))
        c2.metric(i18n.t("departments_total", lang), i18n.fmt_int(totals.get("departments"), lang))
        c3.metric(i18n.t("penalties_total", lang), i18n.fmt_int(totals.get("penalties"), lang))
        st.caption(
            f"{i18n.t('as_of', lang)}: {i18n.fmt_datetime(as_of, lang)} · "
            f"{i18n.t('date_range_data', lang)}: "
            f"{i18n.fmt_date(totals.get('first_received_at'), lang)} – "
            f"{i18n.fmt_date(totals.get('last_received_at'), lang)}"
            f" · {i18n.t('last_import', lang)}: "
            f"{i18n.fmt_datetime(totals.get('last_import_at'), lang)}"
        )
        if not months.empty:
            labels = [i18n.fmt_month(m, lang) for m in months["month"]]
            fig = go.Figure(
                go.Bar(
                    x=labels,
                    y=months["complaints"],
                    marker_color=theme.OKABE_ITO[0],
                    hovertemplate="%{x}: %{y:,}<extra></extra>",
                )
            )
            fig.update_layout(title=i18n.t("by_month", lang), xaxis_type="category")
            chart(fig, key="data_summary_months", height=220)
