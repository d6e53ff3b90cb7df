"""Meeting mode: the monthly review on a projector, from a frozen, stored meeting pack.

Prepare a meeting (month + as-of: every number is computed once and stored next to the
database), then present it: a fixed agenda of 16:9 slides with large type, no sidebar,
next/previous by arrow keys, PageUp/PageDown (presenter clickers) or buttons, a slide
counter, optional auto-advance and a notes/decisions box per slide saved into the meeting.
Handouts (PowerPoint, PDF, Excel) render from the same stored pack.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import components as ui
from dashboard.ui import data, state, theme
from queries import i18n, reports
from queries.reports import agenda, meeting

# Static CSS only (no data): presentation hides the app chrome and scales the type so the
# body is >= 28 px at 1920x1080.
PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stSidebarNav"], header { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container {
  padding: 1.2rem 3rem 1rem 3rem !important; max-width: 100% !important; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] td,
[data-testid="stMain"] th, [data-testid="stMain"] label,
[data-testid="stMain"] textarea { font-size: 30px !important; line-height: 1.35; }
[data-testid="stMain"] h1 { font-size: 60px !important; padding: 0.2rem 0 0.6rem 0; }
[data-testid="stMain"] h2 { font-size: 44px !important; }
[data-testid="stMain"] [data-testid="stMetricValue"] p {
  font-size: 80px !important; font-weight: 700; line-height: 1.1; color: #111 !important; }
[data-testid="stMain"] [data-testid="stMetricLabel"] p { font-size: 34px !important;
  color: #222 !important; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p,
[data-testid="stMain"] [data-testid="stCaptionContainer"] { font-size: 28px !important;
  color: #222 !important; opacity: 1 !important; }
[data-testid="stMain"] .stMarkdownBadge { font-size: 28px !important; padding: 0.1rem 0.6rem; }
[data-testid="stMain"] [data-testid="stTable"] td,
[data-testid="stMain"] [data-testid="stTable"] th { font-size: 30px !important;
  color: #111 !important; padding: 0.35rem 0.8rem !important; }
.st-key-meeting_next_pgdn, .st-key-meeting_prev_pgup { display: none !important; }
.st-key-meeting_nav { display: none !important; }
.st-key-meeting_counter p { font-size: 30px !important; font-weight: 700; text-align: center; }
</style>
"""
# Hidden second buttons carry the presenter-clicker keys even when not presenting.
CONTROL_CSS = """
<style>
.st-key-meeting_next_pgdn, .st-key-meeting_prev_pgup { display: none !important; }
</style>
"""
_BADGE = {"green": "green", "amber": "orange", "red": "red"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")
_T = {
    "prepare": ("准备会议", "Prepare a meeting"),
    "prepare_btn": ("计算并冻结数据", "Compute and freeze the numbers"),
    "prepared": ("已准备会议 {id}", "Meeting {id} prepared"),
    "meeting": ("会议", "Meeting"),
    "month": ("月份", "Month"),
    "as_of_date": ("数据截至日期（含当天）", "Data as of (end of day)"),
    "none": ("还没有已准备的会议：请先选择月份并准备会议。", "No meeting yet: prepare one."),
    "present": ("开始投屏", "Present"),
    "exit": ("退出投屏", "Exit presentation"),
    "next": ("下一页", "Next"),
    "prev": ("上一页", "Previous"),
    "auto": ("自动翻页", "Auto-advance"),
    "seconds": ("每页秒数", "Seconds per slide"),
    "notes": ("本页记录与决定（随会议保存）", "Notes and decisions (saved with the meeting)"),
    "download": ("下载会议材料", "Download the handout"),
    "frozen": (
        "数字在准备会议时冻结，之后的导入不会改变本会议。",
        "Numbers were frozen when the meeting was prepared; later imports do not change it.",
    ),
    "keys": (
        "翻页：← → 方向键、PageUp/PageDown（翻页笔）或按钮；Esc 退出投屏。",
        "Next/previous: ← → arrow keys, PageUp/PageDown (presenter clicker) or the buttons; "
        "Esc ends the presentation.",
    ),
}


def _t(key: str, lang: str, **kw: str) -> str:
    zh, en = _T[key]
    return (zh if lang == "zh" else en).format(**kw)


def _md(text: str) -> str:
    """Escape Markdown so data shows as text (no HTML is ever built from data)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


# --------------------------------------------------------------------------- state


def _go(delta: int, total: int) -> None:
    current = int(st.session_state.get("meeting_slide", 0))
    st.session_state["meeting_slide"] = max(0, min(total - 1, current + delta))
    st.session_state["meeting_changed_at"] = time.monotonic()


def _start_presenting() -> None:
    st.session_state["meeting_present"] = True
    st.session_state["meeting_changed_at"] = time.monotonic()  # auto-advance counts from now


def _save_note(db_path, meeting_id: str, slide_id: str, key: str) -> None:
    if not data.can_write():  # the box is disabled for such visitors; never save for them
        return
    meeting.set_note(
        db_path, meeting_id, slide_id, st.session_state.get(key, ""), author=data.app_user()
    )


# --------------------------------------------------------------------------- slide


def _month_ticks(categories: list[str], lang: str) -> list[str]:
    """``2025-10`` axis labels as month names, the year under the first one and each January."""
    out = []
    for i, cat in enumerate(categories):
        if not re.fullmatch(r"\d{4}-\d{2}", cat):
            out.append(cat)
            continue
        year, month = cat.split("-")
        name = f"{int(month)}月" if lang == "zh" else dt.date(2000, int(month), 1).strftime("%b")
        out.append(f"{name}<br>{year}" if i == 0 or month == "01" else name)
    return out


def _figure(chart: agenda.Chart, lang: str, presenting: bool, compact: bool) -> go.Figure:
    size = 26 if presenting else 14
    fig = go.Figure()
    pct = chart.unit == "rate"
    for name, values in chart.series:
        ys = [None if v is None else float(v) for v in values]
        text = [agenda.fmt_value(v, chart.unit, lang) for v in values]
        if chart.kind == "bar":
            fig.add_bar(
                y=chart.categories,
                x=ys,
                orientation="h",
                name=name,
                text=text,
                textposition="outside",
                textfont={"size": size},
                cliponaxis=False,
            )
        elif chart.kind == "column":
            fig.add_bar(
                x=chart.categories,
                y=ys,
                name=name,
                text=text,
                textposition="outside",
                textfont={"size": size - 4},
                cliponaxis=False,
            )
        else:
            fig.add_scatter(
                x=chart.categories,
                y=ys,
                name=name,
                mode="lines+markers",
                line={"width": 5 if presenting else 3},
                marker={"size": 12},
            )
    theme.style(fig)
    height = (460 if compact else 700) if presenting else None
    fig.update_layout(
        title={"text": chart.title, "font": {"size": size + 4}},
        font={"size": size},
        height=height,
        showlegend=len(chart.series) > 1,
        margin={"l": 10, "r": 60, "t": 70, "b": 10},
    )
    if len(chart.series) > 1:
        fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0})
    if chart.kind != "bar":
        fig.update_xaxes(
            type="category",
            tickangle=0,
            tickmode="array",
            tickvals=chart.categories,
            ticktext=_month_ticks(chart.categories, lang),
        )
    if chart.kind == "bar":
        # CJK labels: reserve the margin (Plotly's automargin under-measures them)
        longest = max((len(c) for c in chart.categories), default=4)
        fig.update_layout(margin={"l": min(420, int(size * 1.1 * longest) + 20)})
        fig.update_yaxes(autorange="reversed", automargin=False)
        top = max((float(v) for _, vals in chart.series for v in vals if v is not None), default=0)
        fig.update_xaxes(range=[0, (top or 1) * 1.18])
        fig.update_xaxes(showticklabels=False, showgrid=False)
    elif pct:
        fig.update_yaxes(tickformat=".0%")
    return fig


def _stats(stats: list[agenda.Stat], lang: str) -> None:
    per_row = len(stats) if len(stats) <= 4 else 3
    for start in range(0, len(stats), per_row):
        cols = st.columns(per_row, border=True)
        for col, stat in zip(cols, stats[start : start + per_row], strict=False):
            with col:
                st.metric(stat.label, stat.text)
                if stat.status:
                    st.badge(i18n.status_label(stat.status, lang), color=_BADGE[stat.status])
                if stat.detail:
                    st.caption(stat.detail)


def _table(table: agenda.Table) -> None:
    if not table.rows:
        return
    st.markdown(f"**{_md(table.title)}**")
    st.table(pd.DataFrame(table.rows, columns=table.columns).set_index(table.columns[0]))


def _slide(view: agenda.SlideView, lang: str, presenting: bool) -> None:
    title = view.title + (f" — {view.subtitle}" if view.subtitle and view.id != "title" else "")
    st.title(_md(title), anchor=False)
    if view.id == "title":
        st.space("large")
        st.header(_md(view.subtitle), anchor=False)
        st.space("medium")
        for line in view.lines:
            st.markdown(_md(line))
        st.space("large")
        return
    if view.stats:
        _stats(view.stats, lang)
    if view.charts and view.table is not None:
        left, right = st.columns([3, 2], gap="large")
        with left:
            st.plotly_chart(
                _figure(view.charts[0], lang, presenting, bool(view.stats)),
                theme=None,
                config={"displayModeBar": False},
            )
        with right:
            _table(view.table)
    elif view.charts:
        cols = st.columns(len(view.charts), gap="large")
        for col, chart in zip(cols, view.charts, strict=True):
            with col:
                st.plotly_chart(
                    _figure(chart, lang, presenting, bool(view.stats)),
                    theme=None,
                    config={"displayModeBar": False},
                )
    elif view.table is not None:
        _table(view.table)
    for line in view.lines:
        st.markdown(_md(line))


# --------------------------------------------------------------------------- page


def _prepare_form(db_path, lang: str) -> None:
    with st.expander(_t("prepare", lang), expanded=not meeting.list_meetings(db_path)):
        months = data.data_months()
        options = (
            [pd.Timestamp(m).strftime("%Y-%m") for m in months["month"]][::-1]
            if not months.empty
            else []
        )
        c1, c2, c3 = st.columns([2, 2, 2], vertical_alignment="bottom")
        month = c1.selectbox(_t("month", lang), options, key="meeting_prepare_month")
        latest = data.default_as_of()
        as_of_day = c2.date_input(
            _t("as_of_date", lang),
            value=latest.date() if latest is not None else dt.date.today(),
            key="meeting_prepare_asof",
        )
        if c3.button(_t("prepare_btn", lang), type="primary", disabled=not month):
            as_of = dt.datetime.combine(as_of_day, dt.time(23, 59, 59))
            pack = meeting.prepare(db_path, month, as_of)
            st.session_state["meeting_current"] = pack["meeting_id"]
            st.session_state["meeting_slide"] = 0
            st.toast(_t("prepared", lang, id=pack["meeting_id"]))


def _downloads(pack: dict, lang: str) -> None:
    st.markdown(f"**{_t('download', lang)}**")
    cols = st.columns(len(reports.FORMATS))
    for col, fmt in zip(cols, reports.FORMATS, strict=True):
        col.download_button(
            fmt.upper(),
            data=functools.partial(reports.render, pack, fmt, lang),
            file_name=f"complaints-meeting-{pack['meeting_id']}-{lang}.{fmt}",
            mime=reports.MEDIA_TYPES[fmt],
            key=f"meeting_dl_{fmt}",
            on_click="ignore",
        )


def _auto_advance(total: int, seconds: int) -> None:
    @st.fragment(run_every=seconds)
    def tick() -> None:
        changed = st.session_state.get("meeting_changed_at", 0.0)
        current = int(st.session_state.get("meeting_slide", 0))
        if time.monotonic() - changed >= seconds - 0.5 and current < total - 1:
            _go(1, total)
            st.rerun(scope="app")

    tick()


def _nav(index: int, total: int, lang: str) -> None:
    """Previous/next (arrow keys), PageUp/PageDown (presenter clickers) and exit (Esc).
    In presentation the container is hidden by CSS; the keyboard shortcuts keep working."""
    with st.container(key="meeting_nav", horizontal=True):
        st.button(
            _t("prev", lang),
            key="meeting_prev",
            shortcut="Left",
            on_click=_go,
            args=(-1, total),
            disabled=index == 0,
            icon=":material/arrow_back:",
        )
        st.button(
            _t("next", lang),
            key="meeting_next",
            shortcut="Right",
            on_click=_go,
            args=(1, total),
            disabled=index == total - 1,
            icon=":material/arrow_forward:",
        )
        st.button(
            _t("exit", lang),
            key="meeting_exit",
            shortcut="Esc",
            on_click=lambda: st.session_state.update(meeting_present=False),
        )
        st.button(
            "PageUp", key="meeting_prev_pgup", shortcut="PageUp", on_click=_go, args=(-1, total)
        )
        st.button(
            "PageDown", key="meeting_next_pgdn", shortcut="PageDown", on_click=_go, args=(1, total)
        )


def _keep(widget_key: str, store_key: str) -> None:
    st.session_state[store_key] = st.session_state[widget_key]


def _on_pick() -> None:
    _keep("meeting_pick", "meeting_current")
    st.session_state["meeting_slide"] = 0


def _controls(stored: list[dict], lang: str) -> None:
    """Meeting picker and auto-advance settings (hidden while presenting)."""
    ids = [m["meeting_id"] for m in stored]
    labels = {
        m["meeting_id"]: f"{m['meeting_id']} · {agenda.text('as_of', lang)} {str(m['as_of'])[:16]}"
        for m in stored
    }
    st.session_state["meeting_pick"] = st.session_state["meeting_current"]
    st.session_state["meeting_auto"] = st.session_state.get("meeting_auto_on", False)
    st.session_state["meeting_seconds"] = st.session_state.get("meeting_auto_seconds", 60)
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    c1.selectbox(
        _t("meeting", lang), ids, key="meeting_pick", format_func=labels.get, on_change=_on_pick
    )
    c2.toggle(
        _t("auto", lang),
        key="meeting_auto",
        on_change=_keep,
        args=("meeting_auto", "meeting_auto_on"),
    )
    c3.number_input(
        _t("seconds", lang),
        min_value=10,
        max_value=600,
        step=10,
        key="meeting_seconds",
        on_change=_keep,
        args=("meeting_seconds", "meeting_auto_seconds"),
    )


def main() -> None:
    """Render the meeting page."""
    lang = state.lang()
    db_path = data.db_path()
    presenting = bool(st.session_state.get("meeting_present", False))
    st.html(PRESENT_CSS if presenting else CONTROL_CSS)  # static CSS only, never data
    with ui.guard(lang):
        if not presenting:
            st.title(i18n.t("page_meeting", lang))
    writable = data.can_write()
    if not presenting and writable:
        with ui.guard(lang):
            _prepare_form(db_path, lang)
    with ui.guard(lang):
        stored = meeting.list_meetings(db_path)
        if not stored:
            st.info(_t("none", lang))
            return
        ids = [m["meeting_id"] for m in stored]
        # Widget state is dropped while a widget is not drawn (presentation hides the
        # controls): the choices live in plain session keys, the widgets are seeded from them.
        if st.session_state.get("meeting_current") not in ids:
            st.session_state["meeting_current"] = ids[0]
        if not presenting:
            _controls(stored, lang)
        meeting_id = st.session_state["meeting_current"]
        pack = meeting.load(db_path, meeting_id)
        views = agenda.slide_views(pack, lang)
        total = len(views)
        index = max(0, min(total - 1, int(st.session_state.get("meeting_slide", 0))))
        st.session_state["meeting_slide"] = index
        if not presenting:
            b1, b2 = st.columns([1, 3], vertical_alignment="center")
            b1.button(
                _t("present", lang),
                type="primary",
                icon=":material/co_present:",
                on_click=_start_presenting,
                key="meeting_present_btn",
            )
            b2.caption(f"{_t('frozen', lang)} {_t('keys', lang)}")
            _downloads(pack, lang)
            st.divider()
        view = views[index]
        _slide(view, lang, presenting)
        foot, counter = st.columns([8, 1], vertical_alignment="center")
        foot.caption(_md(agenda.footer(pack, lang)))
        counter.container(key="meeting_counter").markdown(f"{index + 1} / {total}")
        _nav(index, total, lang)
        note_key = f"meeting_note_{meeting_id}_{view.id}"
        if note_key not in st.session_state:
            st.session_state[note_key] = view.notes
        box = st.expander(_t("notes", lang), expanded=not presenting) if presenting else st
        box.text_area(
            _t("notes", lang),
            key=note_key,
            height=110,
            on_change=_save_note,
            args=(db_path, meeting_id, view.id, note_key),
            label_visibility="collapsed" if presenting else "visible",
            disabled=not writable,
            help=None if writable else i18n.t("writes_local_only", lang),
        )
        if st.session_state.get("meeting_auto_on") and presenting:
            _auto_advance(total, int(st.session_state.get("meeting_auto_seconds", 60)))


main()
