"""Shared filters ↔ URL query parameters, so a link reproduces the view.

The entrypoint (``dashboard/app.py``) calls ``start_run()``, renders the shared widgets with
``render_filters()``, then ``sync_to_url(page)`` and runs the page. On a session's first run
the widgets are seeded from the URL; on every run the URL is rewritten from the widgets
(values equal to their defaults are left out to keep links short). The URL is written
before the page runs (Streamlit drops query-parameter changes made after
``st.navigation(...).run()``), so a page's own keys registered with ``bind_url`` are
written from the widget values of the run before: widget values are committed before a
rerun starts, so the URL always matches what is on screen after an interaction.

URL parameters (shared): ``lang`` zh|en, ``period`` month|last_month|quarter|ytd|custom,
``from``/``to`` (custom range, ISO dates, inclusive), ``asof`` (ISO date; default = the
data's latest timestamp), ``dept`` (department ids, repeated; a parent includes its
children), ``cat``, ``ch`` (channel codes), ``grade`` (severity codes), ``region``.

Pages read everything through ``current_filters() -> (Period, Filters, as_of, lang)``.
A page that wants one of its own widgets in the URL (e.g. the selected department) calls
``bind_url(key, default)`` BEFORE creating the widget with that ``key``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.ui import data
from queries import i18n
from queries.config import schema, vocab
from queries.marts.kpi import Filters
from queries.periods import Period, add_months, quarter_start

PERIOD_CHOICES: tuple[str, ...] = ("month", "last_month", "quarter", "ytd", "custom")
_PERIOD_LABEL = {
    "month": "period_this_month",
    "last_month": "period_last_month",
    "quarter": "period_quarter",
    "ytd": "period_ytd",
    "custom": "period_custom",
}
LANG_NAMES = {"zh": "中文", "en": "English"}


@dataclass(frozen=True)
class UrlParam:
    """A session-state key kept in the URL."""

    key: str
    default: Any
    multi: bool = False
    kind: str = "str"  # 'str' | 'date' | 'int'


# Shared filter keys; the session-state key is also the URL parameter name.
SHARED: tuple[UrlParam, ...] = (
    UrlParam("lang", "zh"),
    UrlParam("period", "month"),
    UrlParam("from", None, kind="date"),
    UrlParam("to", None, kind="date"),
    UrlParam("asof", None, kind="date"),
    UrlParam("dept", [], multi=True),
    UrlParam("cat", [], multi=True),
    UrlParam("ch", [], multi=True),
    UrlParam("grade", [], multi=True),
    UrlParam("region", [], multi=True),
)
_PAGE_KEYS = "_url_page_keys"
_PAGE = "_url_page"
_SEEDED = "_url_seeded"
_ASOF_DEFAULT = "_asof_default"


# --------------------------------------------------------------------------- URL plumbing


def _parse(value: str, kind: str) -> Any:
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "int":
        return int(value)
    return value


def _format(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _seed(param: UrlParam) -> None:
    """On the first run that sees ``param``, copy its URL value into session state."""
    seeded: set[str] = st.session_state.setdefault(_SEEDED, set())
    if param.key in seeded:
        return
    seeded.add(param.key)
    if param.key not in st.query_params:
        return
    try:
        if param.multi:
            value: Any = [_parse(v, param.kind) for v in st.query_params.get_all(param.key) if v]
        else:
            value = _parse(st.query_params[param.key], param.kind)
    except ValueError:
        return  # a malformed link falls back to the default
    st.session_state[param.key] = value


_CARRIED = "_carried_filters"


def carry_filters() -> None:
    """Keep the shared filters across ``st.switch_page`` (Streamlit drops the sidebar
    widgets' values when a page switches pages itself); ``start_run`` puts them back."""
    keys = [p.key for p in SHARED] + ["range"]
    st.session_state[_CARRIED] = {k: st.session_state[k] for k in keys if k in st.session_state}


def start_run() -> None:
    """Begin a script run: seed the shared filters from the URL on the session's first
    run; restore the filters carried over a page switch."""
    for param in SHARED:
        _seed(param)
    carried = st.session_state.pop(_CARRIED, None)
    if carried:
        for key, value in carried.items():
            st.session_state[key] = value


def bind_url(key: str, default: Any = None, multi: bool = False, kind: str = "str") -> None:
    """Keep the page widget ``key`` in the URL (call before creating the widget): seeded
    from the link on first use, and written now from its current value (widget values are
    committed before a run starts; a value set by another page before ``st.switch_page``
    is written on arrival)."""
    param = UrlParam(key, default, multi, kind)
    page = st.session_state.get(_PAGE, "")
    st.session_state.setdefault(_PAGE_KEYS, {}).setdefault(page, {})[key] = param
    _seed(param)
    wanted = url_params({key: st.session_state.get(key, default)}, [param]).get(key)
    current = st.query_params.get_all(key)
    if wanted is None:
        if current:
            del st.query_params[key]
    elif (wanted if isinstance(wanted, list) else [wanted]) != current:
        st.query_params[key] = wanted


def url_params(
    values: Mapping[str, Any], page_params: Iterable[UrlParam] = (), asof_default: Any = None
) -> dict[str, str | list[str]]:
    """The query parameters for the widget ``values`` (shared filters + ``page_params``):
    defaults left out, the custom range only with ``period=custom``, the as-of only when it
    differs from the data's latest day ``asof_default``."""
    params: dict[str, str | list[str]] = {}
    for param in (*SHARED, *page_params):
        value = values.get(param.key, param.default)
        if param.key in ("from", "to") and values.get("period") != "custom":
            continue
        if param.key == "asof" and value == asof_default:
            continue
        if value is None or value == param.default or (param.multi and not value):
            continue
        params[param.key] = [_format(v) for v in value] if param.multi else _format(value)
    return params


def shared_params() -> dict[str, str | list[str]]:
    """The shared filters' query parameters as they are now (for ``st.switch_page``, which
    otherwise drops them from the link)."""
    return url_params(st.session_state.to_dict(), (), st.session_state.get(_ASOF_DEFAULT))


def sync_to_url(page: str = "") -> None:
    """Write the shared filters and ``page``'s own keys to the URL (defaults left out);
    call before running the page."""
    st.session_state[_PAGE] = page
    page_params = st.session_state.get(_PAGE_KEYS, {}).get(page, {}).values()
    wanted = url_params(
        st.session_state.to_dict(), page_params, st.session_state.get(_ASOF_DEFAULT)
    )
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    # A page parameter of a link is kept until its page has read it (bind_url seeds it on
    # the page's first run, which comes after this call).
    seeded = st.session_state.get(_SEEDED, set())
    shared = {p.key for p in SHARED}
    for key, values in current.items():
        if key not in shared and key not in seeded and key not in wanted:
            wanted[key] = values if len(values) > 1 else values[0]
    if {k: v if isinstance(v, list) else [v] for k, v in wanted.items()} != current:
        st.query_params.from_dict(wanted)


# --------------------------------------------------------------------------- widgets


def lang() -> str:
    """The UI language (``zh`` default, ``en``)."""
    value = st.session_state.get("lang") or "zh"
    return value if value in i18n.LANGS else "zh"


def department_options(frame: pd.DataFrame, lang_: str) -> dict[str, str]:
    """``{department_id: label}`` in hierarchy order (parent, then its children indented)."""
    if frame.empty:
        return {}
    rows = frame.to_dict("records")
    by_id = {r["department_id"]: r for r in rows}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for r in rows:
        parent = r.get("parent_id")
        if parent is not None and (pd.isna(parent) or parent not in by_id):
            parent = None
        children.setdefault(parent, []).append(r)

    def name(r: dict[str, Any]) -> str:
        en = r.get("name_en")
        if lang_ == "en" and isinstance(en, str) and en:
            return en
        return str(r["name_zh"])

    out: dict[str, str] = {}

    def walk(parent: str | None, depth: int) -> None:
        for r in sorted(children.get(parent, []), key=lambda r: str(r["department_id"])):
            if r["department_id"] in out:
                continue
            out[r["department_id"]] = ("　" * depth + ("└ " if depth else "")) + name(r)
            walk(r["department_id"], depth + 1)

    walk(None, 0)
    for r in rows:  # cycles in parent links: still offered
        out.setdefault(r["department_id"], name(r))
    return out


def _keep_known(key: str, options: list[str]) -> list[str]:
    """Drop values (from an old link) that are no longer options, so the widget never
    raises on a stale URL; returns the values dropped."""
    value = st.session_state.get(key)
    if isinstance(value, list):
        kept = [v for v in value if v in options]
        if kept != value:
            st.session_state[key] = kept
            return [str(v) for v in value if v not in options]
    return []


def render_filters() -> None:
    """The shared sidebar widgets: language, period, as-of and the cohort filters."""
    sb = st.sidebar
    if st.session_state.get("lang") not in i18n.LANGS:
        st.session_state["lang"] = "zh"
    sb.segmented_control(
        i18n.t("language", lang()),
        list(i18n.LANGS),
        format_func=LANG_NAMES.__getitem__,
        key="lang",
        required=True,
    )
    lg = lang()
    sb.markdown(f"**{i18n.t('filters', lg)}**")
    if st.session_state.get("period") not in PERIOD_CHOICES:
        st.session_state["period"] = "month"
    sb.selectbox(
        i18n.t("period", lg),
        PERIOD_CHOICES,
        format_func=lambda p: i18n.t(_PERIOD_LABEL[p], lg),
        key="period",
    )
    latest = data.default_as_of()
    latest_day = latest.date() if latest is not None else dt.date.today()
    if st.session_state.get("period") == "custom":
        if not isinstance(st.session_state.get("range"), tuple | list):
            start = st.session_state.get("from") or latest_day.replace(day=1)
            end = st.session_state.get("to") or latest_day
            st.session_state["range"] = (min(start, latest_day), min(end, latest_day))
        picked = sb.date_input(i18n.t("date_range", lg), max_value=latest_day, key="range")
        if isinstance(picked, tuple | list) and len(picked) == 2:
            st.session_state["from"], st.session_state["to"] = picked[0], picked[1]
    # The as-of follows the data's latest day unless the user picked another day.
    picked_asof = st.session_state.get("asof")
    if (
        not isinstance(picked_asof, dt.date)
        or picked_asof == st.session_state.get(_ASOF_DEFAULT)
        or picked_asof > latest_day
    ):
        st.session_state["asof"] = latest_day
    st.session_state[_ASOF_DEFAULT] = latest_day
    sb.date_input(
        i18n.t("as_of", lg), max_value=latest_day, help=i18n.t("as_of_help", lg), key="asof"
    )

    depts = data.departments()
    dept_opts = department_options(depts, lg)
    dropped = _keep_known("dept", list(dept_opts))
    if dropped and data.scoped() is not None:  # a link with another department's id
        st.warning(i18n.t("not_in_scope", lg, what=", ".join(dropped)))
    sb.multiselect(
        i18n.t("department", lg),
        list(dept_opts),
        format_func=dept_opts.__getitem__,
        key="dept",
        placeholder=i18n.t("all", lg),
    )
    values = data.filter_values()
    cats = values.loc[values["dimension"] == "category", "value"].tolist()
    _keep_known("cat", cats)
    sb.multiselect(
        i18n.t("category", lg),
        cats,
        format_func=lambda c: vocab.label("category", c, lg),
        key="cat",
        placeholder=i18n.t("all", lg),
    )
    _keep_known("ch", list(schema.CHANNELS))
    sb.multiselect(
        i18n.t("channel", lg),
        list(schema.CHANNELS),
        format_func=lambda c: vocab.label("channel", c, lg),
        key="ch",
        placeholder=i18n.t("all", lg),
    )
    _keep_known("grade", list(schema.SEVERITIES))
    sb.multiselect(
        i18n.t("severity", lg),
        list(schema.SEVERITIES),
        format_func=lambda c: vocab.label("severity", c, lg),
        key="grade",
        placeholder=i18n.t("all", lg),
    )
    regions = values.loc[values["dimension"] == "region", "value"].tolist()
    _keep_known("region", regions)
    if regions:
        sb.multiselect(
            i18n.t("region", lg),
            regions,
            key="region",
            placeholder=i18n.t("all", lg),
        )


# --------------------------------------------------------------------------- reading


def period_for(
    choice: str, as_of_day: dt.date, start: dt.date | None = None, end: dt.date | None = None
) -> Period:
    """The Period of a period choice relative to the as-of day: this month (the as-of's
    month), last month, this quarter, year to date (to the as-of day inclusive), or a custom
    ``start``..``end`` (inclusive)."""
    month_start = as_of_day.replace(day=1)
    if choice == "last_month":
        return Period(add_months(month_start, -1), month_start)
    if choice == "quarter":
        q = quarter_start(as_of_day)
        return Period(q, add_months(q, 3))
    if choice == "ytd":
        return Period(dt.date(as_of_day.year, 1, 1), as_of_day + dt.timedelta(days=1))
    if choice == "custom" and start is not None and end is not None:
        lo, hi = min(start, end), max(start, end)
        return Period(lo, hi + dt.timedelta(days=1))
    return Period(month_start, add_months(month_start, 1))


def as_of() -> dt.datetime | None:
    """The as-of: the data's latest timestamp, or the end of the day picked in the sidebar."""
    latest = data.default_as_of()
    picked = st.session_state.get("asof")
    if picked is None or latest is None or picked >= latest.date():
        return latest
    return dt.datetime.combine(picked, dt.time.max)


def filters() -> Filters:
    """The cohort filters from the sidebar."""
    return Filters(
        department=tuple(st.session_state.get("dept") or ()),
        category=tuple(st.session_state.get("cat") or ()),
        channel=tuple(st.session_state.get("ch") or ()),
        severity=tuple(st.session_state.get("grade") or ()),
        region=tuple(st.session_state.get("region") or ()),
    )


def period_words(lang_: str) -> str:
    """The sidebar period in words for sentences: ``本月`` / ``This month`` for the named
    choices, the dates for a custom range."""
    choice = st.session_state.get("period") or "month"
    if choice in _PERIOD_LABEL and choice != "custom":
        return i18n.t(_PERIOD_LABEL[choice], lang_)
    period = current_filters()[0]
    return i18n.fmt_period(period.start, period.end, lang_)


def current_filters() -> tuple[Period, Filters, dt.datetime | None, str]:
    """``(period, filters, as_of, lang)`` as chosen in the sidebar (defaults when a page
    runs before the sidebar was drawn). ``as_of`` is None only when no complaints exist.
    """
    at = as_of()
    day = at.date() if at is not None else dt.date.today()
    period = period_for(
        st.session_state.get("period") or "month",
        day,
        st.session_state.get("from"),
        st.session_state.get("to"),
    )
    return period, filters(), at, lang()
