"""AppTest: the time-limits page against the seeded demo database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from queries import i18n
from queries.config import workcalendar
from queries.marts import kpi
from tests.app_support import build_fixture_db, metrics, no_exceptions, open_app, snapshot

AS_OF = dt.datetime.combine(dt.date(2025, 10, 15), dt.time.max)  # ?asof=2025-10-15


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_db(tmp_path_factory.mktemp("app_time_limits"))


@pytest.fixture(autouse=True)
def _use_fixture_db(fixture_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLAINTS_DB", str(fixture_db))
    monkeypatch.setenv("COMPLAINTS_ROLE", "viewer")


def _expected_open(path: Path) -> pd.DataFrame:
    conn = snapshot(path)
    try:
        return kpi.at_risk(conn, AS_OF, kpi.Filters(), limit=100_000)
    finally:
        conn.close()


def _queue(at) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if "剩余工作小时" in d.value.columns]
    assert len(frames) == 1
    return frames[0]


def test_cards_equal_kpis_and_queue_equals_at_risk(fixture_db: Path):
    at = open_app("time_limits", asof="2025-10-15")
    no_exceptions(at)
    conn = snapshot(fixture_db)
    try:
        row = kpi.kpis(conn, kpi.Period.month("2025-10"), kpi.Filters(), AS_OF).iloc[0]
    finally:
        conn.close()
    shown = metrics(at)
    for m in ("response_sla_rate", "on_time_resolution_rate", "first_response_median_h"):
        assert shown[i18n.metric_name(m, "zh")] == i18n.fmt_metric(m, row[m], "zh")
    expected = _expected_open(fixture_db)
    assert len(expected) > 0
    queue = _queue(at)
    assert list(queue["投诉编号"]) == list(expected["complaint_id"].head(500))


def test_due_by_next_working_day_lists_exactly_those_complaints(fixture_db: Path):
    at = open_app("time_limits", asof="2025-10-15", due="next_working_day")
    no_exceptions(at)
    # 2025-10-15 is a Wednesday: the next working day (Thursday 16th) ends 2025-10-17 00:00
    assert workcalendar.is_working_day(dt.date(2025, 10, 16))
    cutoff = dt.datetime(2025, 10, 17)
    everything = _expected_open(fixture_db)
    expected = everything[pd.to_datetime(everything["resolution_deadline"]) <= cutoff]
    assert 0 < len(expected) < len(everything)
    queue = _queue(at)
    assert list(queue["投诉编号"]) == list(expected["complaint_id"])
    assert (pd.to_datetime(queue["办结期限"]) <= cutoff).all()
    assert any("≤ 2025年10月17日 00:00" in c.value for c in at.caption)


def test_overdue_window_lists_the_overdue_ones(fixture_db: Path):
    # the first October day whose as-of has overdue (deadline passed) and other open ones
    conn = snapshot(fixture_db)
    try:
        for day in range(1, 32):
            as_of = dt.datetime.combine(dt.date(2025, 10, day), dt.time.max)
            everything = kpi.at_risk(conn, as_of, kpi.Filters(), limit=None)
            expected = everything[everything["is_overdue"].astype(bool)]
            if 0 < len(expected) < len(everything):
                break
    finally:
        conn.close()
    assert len(expected) > 0
    at = open_app("time_limits", asof=f"2025-10-{day:02d}", due="overdue")
    no_exceptions(at)
    assert list(_queue(at)["投诉编号"]) == list(expected["complaint_id"])


def test_english_labels(fixture_db: Path):
    at = open_app("time_limits", lang="en")
    no_exceptions(at)
    assert at.title[0].value == "Time limits"
    assert "At-risk queue" in [s.value for s in at.subheader]
