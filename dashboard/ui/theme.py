"""The dashboard's Plotly theme: a CJK-capable font stack and the colour-blind-safe
Okabe-Ito palette. Every chart goes through ``components.chart`` (which calls ``style``).

Status colours (red/amber/green) are never the only signal: texts and symbols from
``i18n.status_label`` go with them.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common CVD.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
STATUS_COLOURS: dict[str, str] = {
    "green": "#009E73",
    "amber": "#E69F00",
    "red": "#D55E00",
    "none": "#999999",
}
POSITIVE = "#009E73"  # waterfall: score gained
NEGATIVE = "#D55E00"  # waterfall: score lost
TOTAL = "#0072B2"
HIGHLIGHT = "#FFF3C4"  # the row a drill-through landed on
OVERDUE_BG = "#FDE2DC"  # overdue rows in tables (with dark text: readable, not colour alone
OVERDUE_TEXT = "#8A2A00"  # — the overdue/deadline columns say it in words too)
TEMPLATE_NAME = "complaints"


def _template() -> go.layout.Template:
    return go.layout.Template(
        layout=go.Layout(
            font={"family": FONT_FAMILY, "size": 14, "color": "#222222"},
            colorway=list(OKABE_ITO),
            paper_bgcolor="rgba(0,0,0,0)",
            plot_bgcolor="rgba(0,0,0,0)",
            margin={"l": 10, "r": 10, "t": 40, "b": 10},
            hoverlabel={"font": {"family": FONT_FAMILY}},
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            xaxis={"gridcolor": "#E5E5E5", "zerolinecolor": "#BBBBBB", "automargin": True},
            yaxis={"gridcolor": "#E5E5E5", "zerolinecolor": "#BBBBBB", "automargin": True},
            title={"font": {"size": 16}},
        )
    )


def register() -> str:
    """Register the template with Plotly (idempotent) and return its name."""
    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = _template()
    return TEMPLATE_NAME


# Plotly renders a subset of HTML in every label (links, spans with styles): text from data
# must not become markup. ``&`` not starting an entity, ``<`` and ``>`` are escaped (Plotly
# shows the entities as the characters); the code's own line breaks (``<br>``) stay.
_AMP = re.compile(r"&(?!(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);)")
_TRACE_TEXT = ("x", "y", "z", "text", "hovertext", "name", "labels", "parents", "ids", "customdata")


def inert_text(value: Any) -> Any:
    """``value`` (a string, or any nesting of lists/tuples/arrays of them) with ``&``,
    ``<`` and ``>`` escaped, except the tag ``<br>``; other values unchanged. Idempotent."""
    if isinstance(value, str):
        text = _AMP.sub("&amp;", value).replace("<", "&lt;").replace(">", "&gt;")
        return text.replace("&lt;br&gt;", "<br>")
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "OUS":
            return value
        return np.array([inert_text(v) for v in value.tolist()], dtype=object)
    if isinstance(value, (list, tuple)):
        return type(value)(inert_text(v) for v in value)
    return value


def inert(fig: go.Figure) -> go.Figure:
    """Escape the text of every trace (categories, labels, hover texts, names, custom data)
    and of titles, axis ticks and annotations, so text from data renders as text."""
    for trace in fig.data:
        for field in _TRACE_TEXT:
            if field in trace and trace[field] is not None:
                trace[field] = inert_text(trace[field])
    if fig.layout.title.text:
        fig.layout.title.text = inert_text(fig.layout.title.text)

    def axis(ax: Any) -> None:
        if ax.title.text:
            ax.title.text = inert_text(ax.title.text)
        if ax.ticktext is not None:
            ax.ticktext = inert_text(ax.ticktext)
        if ax.categoryarray is not None:  # must name the categories as the traces do
            ax.categoryarray = inert_text(ax.categoryarray)

    fig.for_each_xaxis(axis)
    fig.for_each_yaxis(axis)
    for note in fig.layout.annotations:
        if note.text:
            note.text = inert_text(note.text)
    return fig


def style(fig: go.Figure, height: int | None = None) -> go.Figure:
    """Apply the dashboard template (on top of Plotly's white theme) to a figure and make
    its text inert (``inert``)."""
    inert(fig)
    name = register()
    fig.update_layout(template=f"plotly_white+{name}")
    if height is not None:
        fig.update_layout(height=height)
    return fig
