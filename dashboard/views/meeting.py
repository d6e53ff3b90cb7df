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
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.ui import auth, data, state, theme
from dashboard.ui import components as ui
from queries import i18n, reports
from queries.reports import agenda, meeting

# Static CSS only (no data). Every slide is laid out in a fixed 1920×1080 box (the size
# the type is designed for: body >= 28 px, numbers >= 28 px, chart labels >= 24 px) and
# zoomed to fit (SLIDE_JS): the same layout at every screen size, nothing overflows.
SLIDE_W, SLIDE_H = 1920, 1080
SLIDE_CSS = """
<style>
.st-key-slide_box { width: 1920px !important; min-width: 1920px !important;
  max-width: 1920px !important; height: 1080px !important; min-height: 1080px !important;
  max-height: 1080px !important; overflow: hidden !important; flex: none !important;
  transform: scale(var(--slide-scale, 0.5)); transform-origin: 0 0;
  box-sizing: border-box; background: #fff;
  padding: 36px 72px 24px 72px !important; border: 1px solid #ddd; gap: 18px !important; }
.st-key-slide_frame { width: calc(1920px * var(--slide-scale, 0.5)) !important;
  height: calc(1080px * var(--slide-scale, 0.5)) !important; overflow: hidden !important;
  flex: none !important; }
.st-key-slide_box > *:has(.st-key-slide_foot), .st-key-slide_foot { margin-top: auto !important; }
.st-key-slide_box p, .st-key-slide_box li, .st-key-slide_box td, .st-key-slide_box th,
.st-key-slide_box label { font-size: 30px !important; line-height: 1.35; }
.st-key-slide_box h1 { font-size: 60px !important; padding: 0 0 0.3rem 0 !important; }
.st-key-slide_box h2 { font-size: 44px !important; }
.st-key-slide_box [data-testid="stMetricValue"] p, .st-key-slide_box [data-testid="stMetricValue"] {
  font-size: 80px !important; font-weight: 700; line-height: 1.1; color: #111 !important; }
.st-key-slide_box [data-testid="stMetricLabel"] p { font-size: 34px !important;
  color: #222 !important; }
.st-key-slide_box [data-testid="stCaptionContainer"] p,
.st-key-slide_box [data-testid="stCaptionContainer"] { font-size: 28px !important;
  color: #222 !important; opacity: 1 !important; }
.st-key-slide_box .stMarkdownBadge, .st-key-slide_box [data-testid="stBadge"] p {
  font-size: 28px !important; padding: 0.1rem 0.6rem; }
.st-key-slide_box [data-testid="stTable"] td, .st-key-slide_box [data-testid="stTable"] th {
  font-size: 30px !important; color: #111 !important; padding: 0.3rem 0.8rem !important;
  white-space: nowrap; }
.st-key-meeting_counter p { font-size: 30px !important; font-weight: 700; text-align: center; }
.st-key-meeting_keys { display: none !important; }
body.slide-black .st-key-slide_box::after { content: ""; position: absolute; inset: 0;
  background: #000; z-index: 1000; }
.st-key-slide_box { position: relative; }
</style>
"""
# The scale of the slide box (fit the screen when presenting, the column otherwise) and
# the two keys that need the browser itself: B black screen, F full screen. Static.
SLIDE_JS = """
<script>
(() => {
  const fit = () => {
    const box = document.querySelector(".st-key-slide_box");
    if (!box) return false;
    const presenting = document.querySelector(".st-key-meeting_presenting") !== null;
    const frame = box.closest(".st-key-slide_frame") || box;
    const parent = frame.parentElement.getBoundingClientRect().width || window.innerWidth;
    const scale = presenting
      ? Math.min(window.innerWidth / 1920, window.innerHeight / 1080)
      : Math.min(parent / 1920, 1);
    document.documentElement.style.setProperty("--slide-scale", String(scale));
    return true;
  };
  let tries = 0;
  const wait = () => { if (!fit() && ++tries < 100) setTimeout(wait, 50); };
  wait();
  if (window.__slideKeys) return;
  window.__slideKeys = true;
  window.addEventListener("resize", fit);
  new MutationObserver(fit).observe(document.body, {childList: true, subtree: true});
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.isContentEditable)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (!document.querySelector(".st-key-slide_box")) return;
    if (e.key === "b" || e.key === "B") {
      document.body.classList.toggle("slide-black");
    } else if (e.key === "f" || e.key === "F") {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(() => {});
    }
  });
})();
</script>
"""
# Presentation hides the app chrome.
PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stSidebarNav"], header { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container {
  padding: 0 !important; max-width: 100% !important; }
.st-key-slide_box { border: none; }
.st-key-slide_frame { position: fixed !important; left: 50%; top: 50%; z-index: 999990;
  transform: translate(-50%, -50%); background: #fff; }
.st-key-meeting_nav { display: none !important; }
</style>
"""
_BADGE: dict[str, Literal["green", "orange", "red"]] = {
    "green": "green",
    "amber": "orange",
    "red": "red",
}
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
        "翻页：→ ← 方向键、PageDown/PageUp、空格/退格（翻页笔）、Home/End 首页/末页或按钮；"
        "B 黑屏，F 全屏，Esc 退出投屏。",
        "Next/previous: → ← arrow keys, PageDown/PageUp, Space/Backspace (presenter "
        "clicker), Home/End for the first/last slide, or the buttons; B blacks the screen, "
        "F goes full screen, Esc ends the presentation.",
    ),
    "scope": ("会议范围", "Meeting scope"),
    "company": ("全公司", "Whole company"),
    "scope_help": (
        "在侧栏只选一个部门即为该部门的会议",
        "choose exactly one department in the sidebar for a department meeting",
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
    if not auth.can_write():  # the box is disabled for such visitors; never save for them
        return
    meeting.set_note(
        db_path, meeting_id, slide_id, st.session_state.get(key, ""), who=auth.viewer().identity
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


def _figure(chart: agenda.Chart, lang: str, compact: bool) -> go.Figure:
    """A slide chart drawn for the 1920×1080 box: every label >= 26 px, the target of each
    series as a dashed line."""
    size = 26
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
                textfont={"size": size},
                cliponaxis=False,
            )
        else:
            fig.add_scatter(
                x=chart.categories,
                y=ys,
                name=name,
                mode="lines+markers",
                line={"width": 5},
                marker={"size": 12},
            )
    theme.style(fig)
    for i, (name, _values) in enumerate(chart.series):
        target = chart.targets.get(name)
        if target is None:
            continue
        colour = theme.OKABE_ITO[i % len(theme.OKABE_ITO)]
        label = f"{agenda.text('target', lang)} {agenda.fmt_value(target, chart.unit, lang)}"
        line = {"color": colour, "dash": "dash", "width": 3}
        if chart.kind == "bar":
            fig.add_vline(x=target, line=line)
        else:
            fig.add_hline(y=target, line=line)
        fig.add_annotation(
            text=label,
            xref="paper",
            x=1 if chart.kind != "bar" else 0,
            yref="y" if chart.kind != "bar" else "paper",
            y=target if chart.kind != "bar" else 1.02,
            xanchor="right" if chart.kind != "bar" else "left",
            showarrow=False,
            font={"size": size, "color": colour},
        )
    fig.update_layout(
        title={"text": chart.title, "font": {"size": size + 4}},
        font={"size": size},
        uniformtext={"minsize": size, "mode": "show"},
        height=440 if compact else 680,
        showlegend=len(chart.series) > 1,
        margin={"l": 10, "r": 60, "t": 70, "b": 10},
    )
    if len(chart.series) > 1:
        fig.update_layout(
            legend={
                "orientation": "h",
                "yanchor": "top",
                "y": -0.12,
                "x": 0,
                "font": {"size": size},
            }
        )
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


SLIDE_CONTENT_W = SLIDE_W - 2 * 72  # the box's padding
COLUMN_GAP = 48


def _plot(fig: go.Figure, share: float) -> None:
    """A chart at a fixed width in slide pixels (``share`` of the content width): the box
    is scaled as a whole, so the chart must not measure the scaled screen itself."""
    width = int(SLIDE_CONTENT_W * share - COLUMN_GAP)
    fig.update_layout(width=width, autosize=False)
    st.plotly_chart(fig, theme=None, width=width, config={"displayModeBar": False})


def _slide(view: agenda.SlideView, lang: str) -> None:
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
            _plot(_figure(view.charts[0], lang, bool(view.stats)), 0.6)
        with right:
            _table(view.table)
    elif view.charts:
        cols = st.columns(len(view.charts), gap="large")
        for col, chart in zip(cols, view.charts, strict=True):
            with col:
                _plot(_figure(chart, lang, bool(view.stats)), 1 / len(view.charts))
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
        chosen = state.filters().department
        department = chosen[0] if len(chosen) == 1 else None
        scope = ui.department_label(department, lang) if department else _t("company", lang)
        st.caption(f"{_t('scope', lang)}: {_md(scope)} · {_t('scope_help', lang)}")
        if c3.button(_t("prepare_btn", lang), type="primary", disabled=not month):
            as_of = dt.datetime.combine(as_of_day, dt.time(23, 59, 59))
            viewer = auth.viewer()
            pack = meeting.prepare(
                db_path,
                month,
                as_of,
                scope=viewer.departments,
                who=viewer.identity,
                department=department,
            )
            st.session_state["meeting_current"] = pack["meeting_id"]
            st.session_state["meeting_slide"] = 0
            st.toast(_t("prepared", lang, id=pack["meeting_id"]))


def _downloads(pack: dict, lang: str) -> None:
    st.markdown(f"**{_t('download', lang)}**")
    cols = st.columns(len(reports.FORMATS))
    for col, fmt in zip(cols, reports.FORMATS, strict=True):
        with col:
            ui.download(
                fmt.upper(),
                functools.partial(reports.render, pack, fmt, lang),
                file_name=f"complaints-meeting-{pack['meeting_id']}-{lang}.{fmt}",
                mime=reports.MEDIA_TYPES[fmt],
                key=f"meeting_dl_{fmt}",
                rows=None,
                kind=f"meeting {pack['meeting_id']}",
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
    # Presenter clickers and keyboards: hidden buttons carry the other keys.
    with st.container(key="meeting_keys", horizontal=True):
        for key, shortcut, delta in (
            ("meeting_prev_pgup", "PageUp", -1),
            ("meeting_next_pgdn", "PageDown", 1),
            ("meeting_next_space", "Space", 1),
            ("meeting_prev_back", "Backspace", -1),
            ("meeting_first", "Home", -total),
            ("meeting_last", "End", total),
        ):
            st.button(shortcut, key=key, shortcut=shortcut, on_click=_go, args=(delta, total))


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
        _t("meeting", lang),
        ids,
        key="meeting_pick",
        format_func=lambda m: labels[m],
        on_change=_on_pick,
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
    st.html(SLIDE_CSS + (PRESENT_CSS if presenting else ""))  # static CSS only, never data
    st.html(SLIDE_JS, unsafe_allow_javascript=True)  # static script only, never data
    if presenting:
        st.container(key="meeting_presenting")  # marker read by SLIDE_JS
    with ui.guard(lang):
        if not presenting:
            st.title(i18n.t("page_meeting", lang))
    writable = auth.can_write()
    if not presenting and writable:
        with ui.guard(lang):
            _prepare_form(db_path, lang)
    with ui.guard(lang):
        # only the meetings computed for exactly the viewer's scope
        stored = [m for m in meeting.list_meetings(db_path) if data.same_scope(m["scope_ids"])]
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
        views = agenda.paginate(agenda.slide_views(pack, lang), lang=lang)
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
        with st.container(key="slide_frame"), st.container(key="slide_box"):
            _slide(view, lang)
            with st.container(key="slide_foot"):
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
        if not presenting:
            with st.expander(i18n.t("act_from_slide", lang)):
                worst = (pack.get("worst") or {}).get("department") if view.id == "worst" else None
                ui.action_form(
                    f"meeting_act_{meeting_id}_{view.id}",
                    lang,
                    source="meeting",
                    department=worst,
                    meeting_id=meeting_id,
                    slide_id=view.id,
                )
        if st.session_state.get("meeting_auto_on") and presenting:
            _auto_advance(total, int(st.session_state.get("meeting_auto_seconds", 60)))


if __name__ == "__main__":  # a page run (st.navigation, AppTest); importing renders nothing
    main()
