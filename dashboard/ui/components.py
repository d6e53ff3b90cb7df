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
import functools
import html
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import auth, data, state, theme
from queries import audit, exports, i18n, output
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
#: Columns ``drill_table`` reads besides those it shows (English names, the row link).
ROW_KEYS: tuple[str, ...] = ("department_id", "department_name_en")
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
    if auth.viewer().signed_in:
        parts.append(data.scope_label(lang))
    return " · ".join(parts)


def download(
    label: str,
    payload: bytes | Callable[[], bytes],
    *,
    file_name: str,
    mime: str,
    key: str,
    rows: int | None,
    kind: str,
) -> None:
    """A download button recorded in the audit trail (who, file, row count, the viewer's
    scope); a scoped viewer's file name ends with the scope's departments. Every download of
    the app goes through it. ``payload``: the bytes (the audit row
    is written by the click's callback), or a function building them on click (large
    handouts; the audit row is written when they are built)."""
    viewer = auth.viewer()
    path, who, scope = data.db_path(), viewer.identity, auth.audit_scope(viewer)
    if viewer.departments is not None:  # a scoped file says its scope in its name
        stem, dot, ext = file_name.rpartition(".")
        file_name = f"{stem}-{'+'.join(viewer.departments)}{dot}{ext}" if dot else file_name

    def record() -> None:
        audit.record(
            path,
            "download",
            who=who,
            scope=scope,
            rows=rows,
            detail={"file": file_name, "kind": kind},
        )

    if not callable(payload):
        st.download_button(
            label, data=payload, file_name=file_name, mime=mime, key=key, on_click=record
        )
        return

    def build() -> bytes:
        # runs outside the script run (no session state): the values are captured above
        record()
        return payload()

    st.download_button(
        label, data=build, file_name=file_name, mime=mime, key=key, on_click="ignore"
    )


def page_header(title_key: str, lang: str, period: Any, as_of: dt.datetime | None) -> None:
    """Page title plus the period and as-of it shows (and a warning when the period starts
    before the first rule version took effect)."""
    st.title(i18n.t(title_key, lang))
    st.caption(filters_caption(period, as_of, lang))
    if period is not None:
        rules_warning(period.start.strftime("%Y-%m"), lang)


def role_badge(lang: str) -> None:
    """The viewer's role in the sidebar (masking is explained by it)."""
    r = data.role()
    st.sidebar.caption(f"{i18n.t('role', lang)}: {i18n.t('role_' + r, lang)}")


# --------------------------------------------------------------------------- KPI cards


Tint = Literal["green", "orange", "red", "gray"]
Arrow = Literal["up", "down", "off"]
_TINT: dict[str, Tint] = {"green": "green", "amber": "orange", "red": "red"}  # status → colour
_JUDGED: dict[str, tuple[Tint, Arrow, str]] = {
    "better": ("green", "up", "▲"),
    "worse": ("red", "down", "▼"),
    "same": ("gray", "off", "="),
}


def _gap_judgement(card: Any, better: str | None) -> str | None:
    """'better' when the value is on the good side of its target (or on it), else 'worse'."""
    if card.value is None or card.target is None or better not in ("higher", "lower"):
        return None
    on_good_side = card.value >= card.target if better == "higher" else card.value <= card.target
    return "better" if on_good_side else "worse"


def comparison_line(card: Any, name: str, lang: str) -> str:
    """``较上期: +1.2 个百分点 ▲ 改善 (2026年9月, 截至 09-30 23:59)``: a comparison's change,
    judged better/worse by the metric's direction, with its own period and as-of."""
    from queries.metrics import judge_change

    reference = card.previous if name == "previous" else card.year_ago
    ref = getattr(card, "previous_ref" if name == "previous" else "year_ago_ref", None)
    label = i18n.t("vs_previous" if name == "previous" else "vs_year_ago", lang)
    unit = i18n.metric_unit(card.metric)
    delta = i18n.fmt_delta(card.value, reference, unit, lang)
    better = getattr(getattr(card, "definition", None), "better", None)
    text = f"{label}: {delta or i18n.MISSING}"
    verdict = judge_change(card.value, reference, better) if delta else None
    if verdict:
        text += f" {_JUDGED[verdict][2]} {i18n.t('change_' + verdict, lang)}"
    if ref is not None:  # its own period and as-of (same maturity), compact
        period = i18n.fmt_period(ref.period.start, ref.period.end, lang)
        text += f" ({period}, {i18n.t('comparison_as_of', lang)} {ref.as_of:%m-%d %H:%M})"
    return text


def sample_label(n: Any, lang: str) -> str:
    """``样本不足 / small sample (n=4)`` in ``lang``."""
    return f"{i18n.t('small_sample', lang)} (n={i18n.fmt_int(n, lang)})"


def kpi_card(card: Any, lang: str) -> None:
    """One KPI card. The status (red/amber/green against the target) tints the number; the
    primary change is the gap to target when a target exists, else the change vs the
    previous period, its arrow and colour saying better/worse (by the metric's direction),
    not up/down. Comparisons name their own period and as-of. A metric whose inputs were
    not supplied shows "未测量 / not measured"; a coverage below 100 % is stated; a value
    below its minimum n is greyed "样本不足 / small sample (n=…)" with no status colour.
    The definition with its cohort and n is in a popover."""
    from queries.metrics import judge_change

    metric = card.metric
    unit = i18n.metric_unit(metric)
    mdef = getattr(card, "definition", None) or _metric_def(metric)
    better = getattr(mdef, "better", None)
    small = bool(getattr(card, "small_sample", False))
    not_measured = bool(getattr(card, "not_measured", False))
    spark = [v for _, v in (card.sparkline or []) if v is not None and not pd.isna(v)]
    if card.target is not None and not not_measured:
        delta = i18n.fmt_delta(card.value, card.target, unit, lang)
        verdict = _gap_judgement(card, better) if delta else None
        description = i18n.t("vs_target", lang)
    else:
        delta = i18n.fmt_delta(card.value, card.previous, unit, lang)
        verdict = judge_change(card.value, card.previous, better) if delta else None
        description = i18n.t("vs_previous", lang)
    colour: Tint
    arrow: Arrow
    colour, arrow, _ = _JUDGED.get(verdict or "", ("gray", "off", ""))
    if card.status in _TINT:
        colour = _TINT[card.status]  # the status decides the tint
    if small or not_measured:
        colour = "gray"
    with st.container(border=True):
        st.metric(
            i18n.metric_name(metric, lang),
            i18n.t("not_measured", lang)
            if not_measured
            else i18n.fmt_value(card.value, unit, lang),
            delta=None if not_measured else delta,
            delta_color=colour,
            delta_description=description,
            delta_arrow=arrow,
            chart_data=spark or None,
            chart_type="line",
            help=i18n.t("not_measured_help", lang) if not_measured else None,
        )
        lines = []
        if small:
            lines.append(f":gray-badge[{sample_label(card.n, lang)}]")
        elif not not_measured:
            badge = i18n.status_label(card.status, lang)
            lines.append(f":{_BADGE.get(card.status or '', 'gray')}-badge[{badge}]")
        if card.target is not None:
            lines[-1:] = [
                (lines[-1] + " · " if lines else "")
                + f"{i18n.t('target', lang)} {i18n.fmt_value(card.target, unit, lang)}"
            ]
        coverage = getattr(card, "coverage", None)
        if coverage is not None and coverage < 1 and not not_measured:
            lines.append(f"{i18n.t('coverage_short', lang)} {i18n.fmt_pct(coverage, 0, lang)}")
        if not not_measured:
            if card.target is not None:
                lines.append(md_escape(comparison_line(card, "previous", lang)))
            lines.append(md_escape(comparison_line(card, "last_year", lang)))
        st.markdown("  \n".join(lines))
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


# columns holding a department's Chinese name (shown in English where the data has one)
DEPARTMENT_NAME_COLUMNS: tuple[str, ...] = (
    "department",
    "department_name_zh",
    "parent_department",
    "complaint_department",
)


def english_department_names() -> dict[str, str]:
    """``{name_zh: name_en}`` of the departments that have an English name."""
    frame = data.departments()
    return {
        str(zh): str(en)
        for zh, en in zip(frame["name_zh"], frame["name_en"], strict=False)
        if isinstance(en, str) and en
    }


def localize_frame(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Coded values as zh/en words (channel, grade, status...) and headers in ``lang``.
    Values are only relabelled, never recomputed."""
    out = df.copy()
    for col, kind in CODED_COLUMNS.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, k=kind: vocab.label(k, v, lang) if v else v)
    if lang == "en":
        english = english_department_names()
        for col in DEPARTMENT_NAME_COLUMNS:
            if col in out.columns:
                out[col] = out[col].map(lambda v: english.get(v, v) if isinstance(v, str) else v)
    for col in out.columns:
        if out[col].dtype == bool or str(out[col].dtype) == "boolean":
            yes, no = ("Yes", "No") if lang == "en" else ("是", "否")
            out[col] = out[col].map(lambda v, y=yes, n=no: None if pd.isna(v) else (y if v else n))
    return out.rename(columns=i18n.column_labels(out.columns, lang))


# fractions shown as percentages that are not metric names (the handling-ladder tables)
RATE_COLUMNS = frozenset({"on_time_rate", "coverage", "share", "cumulative_share"})
# score and points columns: one decimal (``24.4``), like ``i18n.fmt_score``
SCORE_COLUMNS = frozenset(
    {"score", "min_score", "max_score", "score_change", "deduction", "cap", "points"}
)


def column_unit(col: str, series: pd.Series) -> str | None:
    """How a table column is formatted (the table twin of ``i18n.fmt_value``): ``rate``,
    ``hours``, ``score``, ``cny``, ``count`` (integers) or None (left as it is)."""
    if col in _metric_names():
        unit = i18n.metric_unit(col)
        if unit in ("rate", "hours", "score", "cny"):
            return unit
    if col in RATE_COLUMNS:
        return "rate"
    if col in SCORE_COLUMNS or col.startswith("ded_"):
        return "score"
    if col.endswith(("_amount", "fine", "fines", "fines_total")) or col == "fines":
        return "cny"
    if _is_hours(col):
        return "hours"
    if pd.api.types.is_integer_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return "count"
    return None


_COLUMN_FORMATS = {
    "rate": "percent",
    "hours": "%.1f",
    "score": "%.1f",
    "cny": "yen",
    "count": "localized",
}


def _column_config(df: pd.DataFrame, lang: str) -> dict[str, Any]:
    cfg: dict[str, Any] = {}
    for col in df.columns:
        label = i18n.column_label(str(col), lang)
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            cfg[label] = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
            continue
        unit = column_unit(str(col), df[col])
        if unit is not None and pd.api.types.is_numeric_dtype(df[col]):
            cfg[label] = st.column_config.NumberColumn(format=_COLUMN_FORMATS[unit])
    return cfg


def overdue_rows(df: pd.DataFrame) -> list[bool]:
    """Per row: overdue (working time left below zero, flagged overdue, or resolved after
    its deadline) — drawn tinted red in tables."""
    flags = pd.Series(False, index=df.index)
    if "working_hours_left" in df.columns:
        flags |= pd.to_numeric(df["working_hours_left"], errors="coerce").lt(0)
    for col, bad in (("is_overdue", True), ("resolved_by_deadline", False)):
        if col in df.columns:
            flags |= df[col].map(lambda v, b=bad: isinstance(v, bool | np.bool_) and bool(v) == b)
    return [bool(v) for v in flags]


def _missing_text(value: Any) -> Any:
    missing = value is None or value is pd.NA or (isinstance(value, float) and value != value)
    return i18n.MISSING if missing else value


def display_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Values as tables show them: one-decimal columns never ``-0.0``, money
    as numbers (DuckDB decimals), missing text as ``—`` (never "None")."""
    out = df.copy()
    for col in out.columns:
        series = out[col]
        unit = column_unit(str(col), series)
        if unit in ("score", "hours") and pd.api.types.is_numeric_dtype(series):
            values = series.astype("float64")
            out[col] = values.where(values.round(1) != 0, 0.0)  # no "-0.0"
        elif unit == "cny" and series.dtype == object:
            out[col] = pd.to_numeric(series, errors="coerce")
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[col] = series.map(_missing_text)
    return out


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
    highlight: int | None = None,
    bars: Sequence[str] = (),
) -> int | None:
    """Show a frame with localized headers and words. With ``selectable`` a row can be
    clicked (single-row selection); returns the clicked row's position in ``df`` or None.
    ``on_select(*args)`` (optional) runs as a callback before the rerun: use it to change
    another widget's session state (e.g. a selectbox drawn above). ``highlight``: the
    position of a row drawn tinted (the department a drill-through landed on); ``bars``:
    numeric columns drawn as data bars (scaled to the column's largest value)."""
    if column_order is not None:
        df = df[[c for c in column_order if c in df.columns]]
    overdue = overdue_rows(df)
    df = display_frame(df)
    shown: Any = localize_frame(df, lang)
    kwargs: dict[str, Any] = {
        "hide_index": True,
        "height": height,
        "column_config": _column_config(df, lang),
    }
    for col in bars:
        if col in df.columns and df[col].notna().any():
            unit = i18n.metric_unit(col) if col in _metric_names() else "count"
            kwargs["column_config"][i18n.column_label(col, lang)] = st.column_config.ProgressColumn(
                format="yen" if unit == "cny" else "localized",
                min_value=0,
                max_value=float(df[col].max()) or 1.0,
            )
    if highlight is not None or any(overdue):
        tint = f"background-color: {theme.HIGHLIGHT}; font-weight: bold"
        late = f"background-color: {theme.OVERDUE_BG}; color: {theme.OVERDUE_TEXT}"

        def row_style(row: pd.Series) -> list[str]:
            style = tint if row.name == highlight else late if overdue[row.name] else ""
            return [style] * len(row)

        shown = shown.reset_index(drop=True).style.apply(row_style, axis=1)
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


def _open_complaint(key: str, ids: list[str], departments: list[str | None]) -> None:
    rows = selected_rows(key)
    if rows:
        st.session_state["complaint"] = ids[rows[0]]
        st.session_state[CRUMB_DEPARTMENT] = departments[rows[0]]
        st.session_state[_GOTO_COMPLAINT] = True
        request_focus("complaint_focus")


def drill_table(
    df: pd.DataFrame,
    lang: str,
    key: str,
    title: str | None = None,
    columns: Sequence[str] = DRILL_COLUMNS,
) -> None:
    """The complaints behind a number (already masked by ``data``): the ``columns`` present
    (``department`` only when ``department_name_zh`` is missing), a CSV download of the
    same (built on click), and — when the Complaint explorer page exists — a click on a row
    opens that complaint there."""
    if title:
        st.subheader(md_escape(title))
    if df is None or df.empty:
        st.info(i18n.t("empty_title", lang))
        return
    if st.session_state.pop(_GOTO_COMPLAINT, False):
        go_to(EXPLORER_PAGE)
    df = english_departments(df, lang)
    wanted = list(columns)
    if "department_name_zh" not in df.columns and "department_name_zh" in wanted:
        wanted[wanted.index("department_name_zh")] = "department"
    shown = df[[c for c in wanted if c in df.columns]].reset_index(drop=True)
    linkable = "complaint_id" in shown.columns
    if linkable:
        st.caption(i18n.t("click_complaint_hint", lang))
        ids = [str(v) for v in shown["complaint_id"]]
        dept_ids = [
            None if pd.isna(v) else str(v)
            for v in df.reset_index(drop=True).get("department_id", pd.Series([None] * len(df)))
        ]
        table(
            shown,
            lang,
            key=key,
            height=360,
            selectable=True,
            on_select=_open_complaint,
            args=(key, ids, dept_ids),
        )
    else:
        table(shown, lang, key=key, height=360)
    st.caption(i18n.t("rows_shown", lang, n=i18n.fmt_int(len(shown), lang)))
    download(
        i18n.t("download_csv", lang),
        functools.partial(exports.to_csv_bytes, localize_frame(shown, lang)),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        rows=len(shown),
        kind="list",
    )


#: complaints per page of a drill-through list (paged in the database)
DRILL_PAGE_ROWS = 100


def drill_list(
    metric: str,
    period: Any,
    filters: Any,
    as_of: dt.datetime | None,
    lang: str,
    key: str,
    title: str | None = None,
    part: str = "numerator",
    columns: Sequence[str] = DRILL_COLUMNS,
) -> None:
    """``drill_table`` (of ``columns``) of the complaints behind ``metric`` (its ``part``),
    one page of ``DRILL_PAGE_ROWS`` at a time: counted and paged in the database, so only
    the rows shown leave it."""
    if title:
        st.subheader(md_escape(title))
    total = data.drill_count(metric, period, filters, as_of, part=part)
    offset = list_page(total, DRILL_PAGE_ROWS, key, lang) if total else 0
    rows = data.drill(
        metric, period, filters, as_of, part=part, limit=DRILL_PAGE_ROWS, offset=offset
    )
    drill_table(rows, lang, key, columns=columns)


def list_page(total: int, rows: int, key: str, lang: str) -> int:
    """For a list of ``total`` rows shown ``rows`` at a time (paged in the database): a page
    picker when there is more than one page and the caption "rows x–y of total"; returns the
    offset of the page to fetch."""
    pages = max(1, -(-int(total) // int(rows)))
    page = 1
    if pages > 1:
        page = int(
            st.number_input(
                i18n.t("list_page", lang), min_value=1, max_value=pages, step=1, key=f"{key}_page"
            )
        )
    offset = (min(page, pages) - 1) * int(rows)
    if total:
        st.caption(
            i18n.t(
                "rows_range",
                lang,
                first=i18n.fmt_int(offset + 1, lang),
                last=i18n.fmt_int(min(offset + rows, total), lang),
                total=i18n.fmt_int(total, lang),
            )
        )
    return offset


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


# --------------------------------------------------------------------------- uploader

_UPLOADER_CSS = """<style>
.st-key-{key} [data-testid="stFileUploaderDropzone"] button p {{ font-size: 0 !important; }}
.st-key-{key} [data-testid="stFileUploaderDropzone"] button p::after {{
  content: "{button}"; font-size: 14px; }}
.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span {{
  font-size: 0 !important; }}
.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: "{limit}"; font-size: 14px; }}
</style>"""


def localize_uploader(key: str, lang: str) -> None:
    """Streamlit draws the file uploader's button and size line in English only: in
    Chinese, draw our own words over them (static CSS from the label table, never data)."""
    if lang == "en":
        return
    st.html(
        _UPLOADER_CSS.format(
            key=key, button=i18n.t("upload_button", lang), limit=i18n.t("upload_limit", lang)
        )
    )


# --------------------------------------------------------------------------- drill-through

DEPARTMENTS_PAGE = "views/departments.py"
OVERVIEW_PAGE = "views/overview.py"
CRUMB_DEPARTMENT = "_crumb_department"  # the department last opened (the breadcrumb's middle)


def go_to(page: str) -> None:
    """Switch to ``page`` keeping the shared filters in the link (the session keeps them
    anyway; ``st.switch_page`` alone would drop them from the URL)."""
    state.carry_filters()
    st.switch_page(page, query_params=state.shared_params())


_FOCUS = "_focus"
# Scrolls the keyed container into view once it is drawn (polls: the script may run before
# the element exists). The key is one of our constants, never data.
_SCROLL_JS = """<script>
(() => {{
  let tries = 0;
  const go = () => {{
    const el = document.querySelector(".st-key-{key}");
    if (el) {{ el.scrollIntoView({{block: "start"}}); return; }}
    if (++tries < 100) setTimeout(go, 50);
  }};
  go();
}})();
</script>"""
FOCUS_KEYS = ("dept_focus", "complaint_focus")


def request_focus(key: str) -> None:
    """Ask the next run to scroll the container ``key`` (one of ``FOCUS_KEYS``) into view."""
    if key not in FOCUS_KEYS:
        raise ValueError(f"unknown focus key {key!r}")
    st.session_state[_FOCUS] = key


def focus_here(key: str) -> None:
    """Inside the container ``key``: scroll it into view if a drill-through asked for it."""
    if st.session_state.get(_FOCUS) == key:
        del st.session_state[_FOCUS]
        st.html(_SCROLL_JS.format(key=key), unsafe_allow_javascript=True)


def open_department(department_id: str) -> None:
    """Go to the Departments page opened on one department (shown first, highlighted in
    the ranking, scrolled into view); the sidebar filters stay as they are."""
    st.session_state["dept_view"] = department_id
    st.session_state[CRUMB_DEPARTMENT] = department_id
    request_focus("dept_focus")
    go_to(DEPARTMENTS_PAGE)


def department_label(department_id: str, lang: str) -> str:
    """A department's name in ``lang`` (the English name where the data has one)."""
    return department_labels([department_id], lang)[0]


def breadcrumb(lang: str, department: str | None = None, complaint: str | None = None) -> None:
    """``公司 › 部门 › 投诉`` above a drilled-into view: 公司 goes back to the company
    overview, the department to its page; the sidebar filters are kept (they live in the
    session, not in the page)."""
    department = department or st.session_state.get(CRUMB_DEPARTMENT)
    with st.container(horizontal=True, gap="small", key="breadcrumb"):
        if st.button(i18n.t("crumb_company", lang), key="crumb_company", type="tertiary"):
            st.session_state["dept_view"] = None
            go_to(OVERVIEW_PAGE)
        if department:
            st.markdown("›")
            label = md_escape(department_label(department, lang))
            if complaint is None:
                st.markdown(f"**{label}**")
            elif st.button(label, key="crumb_department", type="tertiary"):
                st.session_state["dept_view"] = department
                go_to(DEPARTMENTS_PAGE)
        if complaint is not None:
            st.markdown("›")
            st.markdown(f"**{i18n.t('crumb_complaint', lang)} {md_escape(complaint)}**")


# --------------------------------------------------------------------------- targets


def metric_target(metric: str, period: Any, filters: Any) -> float | None:
    """The target of ``metric`` in the rule version in force on the period's first day
    (the department's own target when exactly one department is filtered); None when the
    metric has no target."""
    target = data.rules().version_for(period.start).target(metric)
    if target is None:
        return None
    department = filters.department[0] if len(filters.department) == 1 else None
    return float(target.for_department(department)[0])


def add_target_line(
    fig: go.Figure, target: float | None, unit: str, lang: str, vertical: bool = False
) -> None:
    """A dashed target line labelled ``目标 90.0%`` (nothing when no target): horizontal
    for trends, ``vertical`` for horizontal bar charts."""
    if target is None:
        return
    style = {
        "line": {"color": theme.STATUS_COLOURS["green"], "dash": "dash", "width": 2},
        "annotation_text": f"{i18n.t('target', lang)} {i18n.fmt_value(target, unit, lang)}",
        "annotation_font": {"color": theme.STATUS_COLOURS["green"]},
    }
    if vertical:
        fig.add_vline(x=target, annotation_position="top", **style)
    else:
        fig.add_hline(y=target, annotation_position="top left", **style)


def department_labels(ids: Sequence[Any], lang: str) -> list[str]:
    """Department names in ``lang`` for a column of department ids (English where the data
    has it, else the Chinese name; the id when unknown)."""
    frame = data.departments()
    zh = dict(zip(frame["department_id"].astype(str), frame["name_zh"], strict=False))
    en = dict(zip(frame["department_id"].astype(str), frame["name_en"], strict=False))
    out = []
    for v in ids:
        key = str(v)
        name = en.get(key) if lang == "en" else None
        out.append(name if isinstance(name, str) and name else str(zh.get(key, key)))
    return out


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
    if item.kind == "normalised":
        per = "per_10k_volume" if item.per == "volume" else "per_100_complaints"
        return f"{i18n.fmt_number(item.points_per_unit, 1, lang)} / {i18n.t(per, lang)}"
    return f"{i18n.fmt_number(item.points_per_pp, 1, lang)} / {i18n.t('per_pp', lang)}"


def main_deduction(score: Any, lang: str) -> str:
    """The item that sets a department apart (``scoring``: its deduction furthest above the
    company median of that item): ``有理投诉 −20.0 (比公司中位数 +18.1)``; when no item is
    above its median, ``无突出扣分项``; ``—`` when nothing was deducted. ``score``: a
    ``department_scores`` row (dict or Series)."""
    deductions = score.get("deductions")
    if not isinstance(deductions, dict) or not any((v or 0) > 0 for v in deductions.values()):
        return i18n.MISSING
    item = score.get("main_deduction")
    if not isinstance(item, str):
        return i18n.t("main_deduction_none", lang)
    excess = i18n.fmt_number(score.get("main_deduction_excess"), 1, lang)
    return (
        f"{i18n.item_label(item, lang)} −{i18n.fmt_number(deductions.get(item), 1, lang)} "
        f"({i18n.t('vs_median', lang)} +{excess})"
    )


def score_notes(scores: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The scorecard with ``main_item`` (``main_deduction``), ``cap_reached`` (the items at
    their cap) and ``not_scored`` (items not scored: no data) as text columns."""

    def items(values: Any) -> str:
        if not isinstance(values, list | tuple) or not values:
            return ""
        return "、".join(i18n.item_label(v, lang) for v in values)

    records = scores.to_dict("records")
    return scores.assign(
        main_item=[main_deduction(r, lang) for r in records],
        cap_reached=[items(r.get("capped")) for r in records],
        not_scored=[items(r.get("unscored")) for r in records],
    )


def rules_warning(month: str, lang: str) -> None:
    """A visible warning when ``month`` is judged by a rule version not yet in force (the
    rule file's first version took effect later)."""
    for text in data.rules_warnings(month):
        st.warning(f"{i18n.t('rules_before_first', lang)}: {md_escape(text)}")


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


# --------------------------------------------------------------------------- rectification


ACTION_METRICS: tuple[str, ...] = (
    "received",
    "repeat_rate",
    "on_time_resolution_rate",
    "response_sla_rate",
    "csat_rate",
    "valid_rate",
    "escalation_rate",
)


def user_input(lang: str, key: str) -> str:
    """Who records a change: the signed-in identity (not editable); in local mode a typed
    name, by default the system user."""
    if auth.viewer().signed_in:
        st.caption(f"{i18n.t('act_user', lang)}: {md_escape(data.current_user())}")
        return data.current_user()
    if key not in st.session_state:
        st.session_state[key] = data.current_user()
    return st.text_input(i18n.t("act_user", lang), key=key, help=i18n.t("act_user_help", lang))


def action_form(
    key: str,
    lang: str,
    *,
    source: str,
    department: str | None = None,
    category: str | None = None,
    complaint_ids: Sequence[str] = (),
    meeting_id: str | None = None,
    slide_id: str | None = None,
) -> str | None:
    """A form that creates a rectification action linked to what the page shows (a meeting
    slide, a department, a complaint); returns the new id once created. Shown only to a
    viewer who may write."""
    if not auth.can_write():
        return None
    default_days = data.rules().actions.default_due_working_days
    with st.form(key, clear_on_submit=True):
        title = st.text_area(i18n.t("act_title", lang), key=f"{key}_title", height=80)
        left, right = st.columns(2)
        with left:
            owner = st.text_input(i18n.t("act_owner", lang), key=f"{key}_owner")
            dept = st.text_input(
                i18n.t("act_department", lang), value=department or "", key=f"{key}_dept"
            )
            cat = st.text_input(
                i18n.t("act_category", lang), value=category or "", key=f"{key}_cat"
            )
        with right:
            days = st.number_input(
                i18n.t("act_due_days", lang), 1, 250, default_days, key=f"{key}_days"
            )
            by_date = st.date_input(i18n.t("act_due_by_date", lang), value=None, key=f"{key}_date")
            metric = st.selectbox(
                i18n.t("act_metric", lang),
                ACTION_METRICS,
                format_func=lambda m: i18n.metric_name(m, lang),
                key=f"{key}_metric",
            )
        user = user_input(lang, f"{key}_user")
        submitted = st.form_submit_button(i18n.t("act_create", lang), type="primary")
    if not submitted:
        return None
    try:
        action_id = data.create_action(
            title=title,
            owner=owner,
            due=by_date or int(days),
            department=dept.strip() or None,
            category=cat.strip() or None,
            complaint_ids=list(complaint_ids),
            metric=metric,
            meeting_id=meeting_id,
            slide_id=slide_id,
            source=source,
            user=user,
        )
    except ValueError as exc:  # ActionError / MeetingError: the message says why
        st.error(str(exc))
        return None
    st.success(i18n.t("act_created", lang, id=action_id))
    return action_id
