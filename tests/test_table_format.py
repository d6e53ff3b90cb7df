"""One formatter: numbers, scores, money and deltas never read "-0.0" or "None"; tables
mark overdue rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.ui.components import column_unit, display_frame, overdue_rows
from queries import i18n


def test_numbers_have_no_negative_zero():
    assert i18n.fmt_number(-0.04, 1) == "0.0"
    assert i18n.fmt_number(-0.06, 1) == "-0.1"
    assert i18n.fmt_score(24.41) == "24.4"
    assert i18n.fmt_score(None) == "—"
    assert i18n.fmt_cny(14815) == "¥14,815"
    assert i18n.fmt_delta(0.5, 0.5004, "rate", "zh") == "0.0 个百分点"
    assert i18n.fmt_delta(100, 112, "cny", "en") == "-¥12"
    assert i18n.fmt_delta(12.0, 10.0, "score", "en") == "+2.0"


def test_display_frame_scores_money_and_missing_text():
    frame = pd.DataFrame(
        {
            "score": [24.41, -0.04],
            "score_change": [-0.03, 1.25],
            "fine_amount": [14815, None],
            "handler": ["张三", None],
            "received": [3, 4],
        }
    )
    shown = display_frame(frame)
    assert list(shown["score"]) == [24.41, 0.0]  # exact values kept; only -0.0 removed
    assert str(shown["score_change"].iloc[0]) == "0.0"
    assert list(shown["handler"]) == ["张三", "—"]
    units = {c: column_unit(c, frame[c]) for c in frame.columns}
    assert units == {
        "score": "score",
        "score_change": "score",
        "fine_amount": "cny",
        "handler": None,
        "received": "count",
    }


def test_overdue_rows():
    frame = pd.DataFrame(
        {
            "working_hours_left": [-1.5, 2.0, None, 3.0],
            "resolved_by_deadline": pd.array([True, False, None, True], dtype="boolean"),
            "is_overdue": np.array([False, False, False, True]),
        }
    )
    assert overdue_rows(frame) == [True, True, False, True]
