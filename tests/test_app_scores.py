"""AppTest: the scores page (monthly scores, roll-up, the rule version in force)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from queries import i18n
from queries.config import rules
from queries.marts import scoring
from tests.app_support import no_errors, open_app, snapshot

pytestmark = pytest.mark.usefixtures("use_app_db")


def test_monthly_scores_rollup_and_rule_version(app_db: Path):
    # one period control: the sidebar's "last month" (September) sets the score month and
    # the roll-up's quarter (Q3)
    at = open_app("scores", period="last_month")
    no_errors(at)
    assert not [s for s in at.selectbox if s.key != "period"], "a second period control"
    assert "2025年第3季度 · 汇总" in [c.value for c in at.caption]
    conn = snapshot(app_db)
    try:
        month = scoring.department_scores(conn, "2025-09")
        rollup = scoring.score_rollup(conn, 2025, 3)
    finally:
        conn.close()
    monthly = next(d.value for d in at.dataframe if "得分变化" in d.value.columns)
    assert list(monthly["得分"]) == list(month["score"])
    roll = next(d.value for d in at.dataframe if "最低月得分" in d.value.columns)
    assert list(roll["得分"]) == list(rollup["score"])
    assert list(roll["月数"]) == [3] * len(rollup)
    in_force = rules.load_rules().version_for(dt.date(2025, 9, 1))
    text = " ".join(m.value for m in at.markdown)
    assert f"规则版本 {in_force.id}" in text
    assert in_force.effective_from.strftime("%Y年%-m月%-d日") in text
    rule_table = next(d.value for d in at.dataframe if "扣分标准" in d.value.columns)
    assert list(rule_table["扣分项"]) == [
        i18n.item_label(item.id, "zh") for item in in_force.scoring_items
    ]
