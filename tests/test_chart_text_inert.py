"""Text from data is inert in charts: a department, category and customer named with HTML
(a link, a styled span, an image, a script) reach Plotly only escaped, on every page in
both languages (``theme.inert``); clicked points still give back the raw value."""

from __future__ import annotations

import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard.ui import components, theme
from dashboard.ui.navigation import PAGES
from tests.app_support import open_app
from tests.quality_pages_data import build, payload_rows

HTML_NAMES = (
    '<a href="https://evil.example">点我</a>',
    '<span style="color:red;font-size:40px">红</span>',
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
)
LIVE = re.compile(r"<\s*(a|span|img|script|iframe|svg)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def html_db(tmp_path_factory):
    return build(
        tmp_path_factory.mktemp("html") / "html.duckdb",
        payload_rows(HTML_NAMES, "H", in_category=True),
    )


def _strings(value, out: list[str]) -> list[str]:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)
    return out


def test_inert_escapes_markup_but_keeps_line_breaks_and_is_idempotent():
    assert theme.inert_text('<a href="x">A</a> & B<br>2025') == (
        '&lt;a href="x"&gt;A&lt;/a&gt; &amp; B<br>2025'
    )
    once = theme.inert_text(HTML_NAMES[1])
    assert theme.inert_text(once) == once
    arr = theme.inert_text(np.array(["<b>x</b>", "y"], dtype=object))
    assert arr.tolist() == ["&lt;b&gt;x&lt;/b&gt;", "y"]
    assert theme.inert_text(np.array([1.5, 2.0])).tolist() == [1.5, 2.0]


def test_a_clicked_point_gives_back_the_raw_value():
    fig = go.Figure(go.Bar(x=[HTML_NAMES[0]], y=[1], customdata=[HTML_NAMES[0]]))
    theme.style(fig)
    assert fig.data[0].customdata[0] == '&lt;a href="https://evil.example"&gt;点我&lt;/a&gt;'
    point = {"customdata": fig.data[0].customdata[0]}
    assert components.point_value([point]) == HTML_NAMES[0]


STEMS = [stem for stem, _title, _section in PAGES if stem != "meeting"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("stem", STEMS)
def test_html_names_never_reach_a_chart_as_markup(html_db, monkeypatch, stem, lang):
    monkeypatch.setenv("COMPLAINTS_DB", str(html_db))
    at = open_app(stem, lang=lang)
    assert not at.exception, [e.value for e in at.exception]
    texts: list[str] = []
    for chart in at.get("plotly_chart"):
        _strings(json.loads(chart.proto.spec), texts)
    live = [t for t in texts if LIVE.search(t)]
    assert live == []
    if stem in ("overview", "departments", "scores"):  # charts by department or category
        assert any("&lt;" in t for t in texts), stem
