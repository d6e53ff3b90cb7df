"""Issue 11, hand-calculated: not measured is not zero (imports without reply or resolution
times), like-for-like comparisons (same kind of period, same maturity), small samples,
volume-normalised scoring vs the capped per-event item, and the as-of inside a growing group
incident; months before the first rule version."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from queries import cli, context, store
from queries.config.rules import RULES_FILE, RulesError, load_rules, parse_rules
from queries.importer import import_file
from queries.marts import kpi, scoring
from queries.periods import Period, comparison
from queries.reports import agenda
from tests.import_fixtures import write_csv
from tests.kpi_rows import row

T = dt.datetime
NOV = Period.month("2025-11")
AS_OF = T(2025, 11, 28)
NORMALISED_RULES = Path(kpi.__file__).parents[1] / "demo" / "rules_normalised.toml"
# Monday 2025-11-03 09:00: response limit 24 h (general), resolution deadline 3 working days
# (Tue 4, Wed 5, Thu 6) = 2025-11-07 00:00.
MON = "2025-11-03 09:00:00"


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _ctx(path: Path, rules_text: str | None = None) -> context.ReadContext:
    rules = parse_rules(rules_text.encode(), "test") if rules_text else None
    return context.open_context(store.open_snapshot(path), rules)


# --------------------------------------------------------------------------- 1. not measured


def _half_with_reply_times(tmp_path: Path) -> Path:
    """客服部 exports reply times (one within 24 h, one 25 h late); 零售部's export has no
    reply-time column at all. Both have resolution times (next day: on time)."""
    path = tmp_path / "half.duckdb"
    with_reply = write_csv(
        tmp_path / "kf.csv",
        ["投诉编号", "受理时间", "责任部门", "首次响应时间", "办结时间"],
        [
            ["a1", MON, "客服部", "2025-11-03 10:00:00", "2025-11-04 09:00:00"],
            ["a2", MON, "客服部", "2025-11-04 10:00:00", "2025-11-04 12:00:00"],
        ],
    )
    without_reply = write_csv(
        tmp_path / "ls.csv",
        ["投诉编号", "受理时间", "责任部门", "办结时间"],
        [
            ["b1", MON, "零售部", "2025-11-04 09:00:00"],
            ["b2", MON, "零售部", "2025-11-04 09:00:00"],
        ],
    )
    assert import_file(path, with_reply).outcome == "ok"
    assert import_file(path, without_reply).outcome == "ok"
    return path


def test_half_the_cohort_without_reply_times_is_measured_over_the_other_half(tmp_path, capsys):
    path = _half_with_reply_times(tmp_path)
    ctx = _ctx(path)
    row_ = kpi.kpis(ctx, NOV, as_of=AS_OF).iloc[0]
    # over 客服部 only: a1 within the limit, a2 25 h late -> 1 / 2; median of 1 h and 25 h
    assert row_["received"] == 4 and row_["n_response_sla"] == 2
    assert row_["response_sla_rate"] == 0.5 and row_["first_response_median_h"] == 13.0
    assert row_["resolution_rate"] == 1.0  # both exports had resolution times
    coverage, not_measured = kpi.measurement(row_)
    assert coverage["response_sla_rate"] == 0.5 and coverage["resolution_rate"] == 1.0
    # nothing in either file: is_valid, survey, customer/category, escalation, compensation
    # issue 16: no stage column either, only the resolve stage (resolved_at) is measured
    ladder = [m for m in kpi.METRICS if m in kpi.LADDER_DRILL or m in kpi.LADDER_NO_DRILL]
    assert [m for m in not_measured if m in ladder] == [
        m for m in ladder if not m.startswith("stage_resolve_")
    ]
    assert [m for m in not_measured if m not in ladder] == [
        "repeat_rate",
        "group_incidents",
        "valid_rate",
        "csat_rate",
        "csat_mean",
        "survey_coverage",
        "escalation_rate",
        "compensation_total",
        "complaint_rate_per_10k",
    ]
    by = kpi.kpis(ctx, NOV, as_of=AS_OF, by="department").set_index("department")
    assert by.loc["零售部"].isna()["response_sla_rate"]
    assert "response_sla_rate" in kpi.measurement(by.loc["零售部"])[1]
    # scores: 客服部 misses 95 % by 45 points x 0.5 = 22.5, capped at 10; 零售部 is not scored
    # on response (it was -10 and 0.0 % before issue 11)
    scores = scoring.department_scores(ctx, "2025-11", AS_OF).set_index("department")
    assert scores.loc["客服部", "ded_response_timeliness"] == 10.0
    assert scores.loc["客服部", "capped"] == ["response_timeliness"]
    assert scores.loc["零售部", "ded_response_timeliness"] == 0.0
    assert scores.loc["零售部", "score"] == 100.0
    assert scores.loc["零售部", "unscored"] == [
        "valid_complaints",
        "response_timeliness",
        "repeat_complaints",
        "satisfaction",
    ]
    items = scoring.score_items(ctx, "2025-11", "零售部", AS_OF).set_index("item")
    assert not items.loc["response_timeliness", "scored"]
    assert items.loc["response_timeliness", "note"] == "not scored: no data"
    # CLI json rows carry not_measured and coverage
    argv = ["--db", str(path), "kpi", "--from", "2025-11-01", "--to", "2025-12-01"]
    code, out, _ = _cli(capsys, *argv, "--as-of", "2025-11-28 00:00:00", "--by", "department")
    assert code == 0
    rows = {r["department"]: r for r in json.loads(out)}
    assert rows["零售部"]["response_sla_rate"] is None
    assert "response_sla_rate" in rows["零售部"]["not_measured"]
    assert rows["客服部"]["coverage"]["response_sla_rate"] == 1.0
    assert rows["零售部"]["coverage"]["response_sla_rate"] == 0.0


def test_an_import_without_a_resolution_column_gives_not_measured_not_zero(tmp_path, capsys):
    path = tmp_path / "nores.duckdb"
    export = write_csv(
        tmp_path / "board.csv",
        ["投诉编号", "受理时间", "责任部门", "首次响应时间"],
        [
            ["m1", MON, "留言板", "2025-11-03 10:00:00"],
            ["m2", MON, "留言板", "2025-11-03 11:00:00"],
        ],
    )
    assert import_file(path, export).outcome == "ok"
    ctx = _ctx(path)
    got = kpi.kpis(ctx, NOV, as_of=AS_OF).iloc[0]
    for name in ("resolved", "resolution_rate", "on_time_resolution_rate", "backlog_open",
                 "overdue_open", "resolution_median_h"):  # fmt: skip
        assert got.isna()[name], name  # before issue 11: 0, 0.0, 0.0, 2, 2
    assert got["response_sla_rate"] == 1.0 and got["received"] == 2
    assert {"resolution_rate", "on_time_resolution_rate", "backlog_open"} <= set(
        kpi.measurement(got)[1]
    )
    cards = {c.metric: c for c in kpi.kpi_cards(ctx, NOV, as_of=AS_OF)}
    assert cards["on_time_resolution_rate"].not_measured
    assert cards["on_time_resolution_rate"].status is None
    assert cards["on_time_resolution_rate"].coverage == 0.0
    assert not cards["response_sla_rate"].not_measured
    # no deduction for the unmeasured resolution (was the full 20 before issue 11)
    score = scoring.department_scores(ctx, "2025-11", AS_OF).iloc[0]
    assert score["ded_resolution_timeliness"] == 0.0 and score["score"] == 100.0
    assert "resolution_timeliness" in score["unscored"]
    code, out, _ = _cli(capsys, "--db", str(path), "scores", "--month", "2025-11", "--as-of",
                        "2025-11-28 00:00:00", "--format", "json")  # fmt: skip
    assert code == 0
    assert json.loads(out)[0]["unscored"] == [
        "valid_complaints",
        "resolution_timeliness",
        "repeat_complaints",
        "satisfaction",
    ]


# --------------------------------------------------------------------------- 2. comparisons


@pytest.mark.parametrize(
    ("as_of", "previous_as_of", "last_year_as_of"),
    [
        # at the month end: each comparison at its own end (+0)
        (T(2026, 11, 1), T(2026, 10, 1), T(2025, 11, 1)),
        # after the end: its own end + the same offset (2 days 12 h)
        (T(2026, 11, 3, 12), T(2026, 10, 3, 12), T(2025, 11, 3, 12)),
        # eight seconds before the end: September is shorter, so it stops 8 s before its end
        (T(2026, 10, 31, 23, 59, 52), T(2026, 9, 30, 23, 59, 52), T(2025, 10, 31, 23, 59, 52)),
        # mid-month: the same elapsed span (14 days 12 h) of each period
        (T(2026, 10, 15, 12), T(2026, 9, 15, 12), T(2025, 10, 15, 12)),
    ],
)
def test_comparison_as_of_keeps_the_same_maturity(as_of, previous_as_of, last_year_as_of):
    oct_ = Period.month("2026-10")
    prev = comparison(oct_, as_of, "previous")
    ago = comparison(oct_, as_of, "last_year")
    assert (prev.period, prev.as_of) == (Period.month("2026-09"), previous_as_of)
    assert (ago.period, ago.as_of) == (Period.month("2025-10"), last_year_as_of)


def test_previous_period_is_the_previous_calendar_period_of_the_same_kind():
    assert Period.month("2026-03").previous() == Period.month("2026-02")
    q4 = Period(dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    assert (q4.kind, q4.previous()) == (
        "quarter",
        Period(dt.date(2026, 7, 1), dt.date(2026, 10, 1)),
    )
    year = Period(dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    assert (year.kind, year.previous()) == (
        "year",
        Period(dt.date(2025, 1, 1), dt.date(2026, 1, 1)),
    )
    h1 = Period(dt.date(2026, 1, 1), dt.date(2026, 7, 1))
    assert (h1.kind, h1.previous()) == ("half", Period(dt.date(2025, 7, 1), dt.date(2026, 1, 1)))
    span = Period(dt.date(2026, 10, 5), dt.date(2026, 10, 15))
    assert (span.kind, span.previous()) == (
        "range",
        Period(dt.date(2026, 9, 25), dt.date(2026, 10, 5)),
    )
    # March to date, 30 days 12 h elapsed: February (28 days) stops 12 h before its end
    march = comparison(Period.month("2026-03"), T(2026, 3, 31, 12), "previous")
    assert march.as_of == T(2026, 2, 28, 12)


def test_backlog_is_compared_point_in_time_at_each_as_of(make_db, capsys):
    # s1 (September) was resolved on 5 October: at the end of September it was open
    path = make_db(
        complaints=[
            row("s1", T(2025, 9, 10, 9), resolved_at=T(2025, 10, 5, 9)),
            row("o1", T(2025, 10, 20, 9)),
            row("o2", T(2025, 10, 21, 9), resolved_at=T(2025, 10, 22, 9)),
        ]
    )
    as_of = T(2025, 10, 31, 23, 59, 52)
    cards = {
        c.metric: c
        for c in kpi.kpi_cards(store.open_snapshot(path), Period.month("2025-10"), as_of=as_of)
    }
    backlog = cards["backlog_open"]
    # before issue 11 the previous value was September at October's as-of: 0
    assert (backlog.value, backlog.previous, backlog.year_ago) == (1, 1, 0)
    assert backlog.previous_ref.as_of == T(2025, 9, 30, 23, 59, 52)
    assert cards["resolution_rate"].previous == 0.0  # s1 not yet resolved on 30 September
    code, out, _ = _cli(capsys, "--db", str(path), "kpi", "--from", "2025-10-01", "--to",
                        "2025-11-01", "--as-of", "2025-10-31 23:59:52", "--compare",
                        "previous,last_year")  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert [(r["comparison"], r["from"], r["to"], r["as_of"], r["backlog_open"]) for r in rows] == [
        ("current", "2025-10-01", "2025-11-01", "2025-10-31 23:59:52", 1),
        ("previous", "2025-09-01", "2025-10-01", "2025-09-30 23:59:52", 1),
        ("last_year", "2024-10-01", "2024-11-01", "2024-10-31 23:59:52", 0),
    ]
    code, _, err = _cli(capsys, "--db", str(path), "kpi", "--from", "2025-10-01", "--to",
                        "2025-11-01", "--compare", "lastweek")  # fmt: skip
    assert code == 1 and "--compare 'lastweek'" in err


# --------------------------------------------------------------------------- 3. small samples


def test_a_metric_below_its_minimum_n_is_a_small_sample_without_status(make_db):
    surveyed = [
        row(f"c{i}", T(2025, 11, 3, 9), resolved_at=T(2025, 11, 4, 9), satisfaction=s,
            surveyed_at=T(2025, 11, 5, 9))
        for i, s in enumerate((5, 2, 1, 2))
    ]  # fmt: skip
    path = make_db(complaints=surveyed)
    cards = {c.metric: c for c in kpi.kpi_cards(store.open_snapshot(path), NOV, as_of=AS_OF)}
    csat = cards["csat_rate"]
    assert (csat.value, csat.n, csat.min_n, csat.small_sample, csat.status) == (
        0.25, 4, 10, True, None
    )  # fmt: skip
    # the same value with a minimum of 3 surveys is judged: 25 % < amber 75 % -> red
    text = RULES_FILE.read_text("utf-8").replace("csat_rate = 10 # surveys", "csat_rate = 3")
    cards = {c.metric: c for c in kpi.kpi_cards(_ctx(path, text), NOV, as_of=AS_OF)}
    assert (cards["csat_rate"].small_sample, cards["csat_rate"].status) == (False, "red")


def test_min_n_is_validated_in_the_rules_file():
    base = RULES_FILE.read_text("utf-8")
    with pytest.raises(RulesError, match=r"min_n\.csat: unknown metric"):
        parse_rules(base.replace("csat_rate = 10 # surveys", "csat = 10").encode(), "r.toml")
    with pytest.raises(RulesError, match=r"min_n\.rate: expected a whole number"):
        parse_rules(base.replace("rate = 30\n", "rate = -1\n").encode(), "r.toml")
    assert load_rules().versions[0].min_n_for("received") is None  # counts have no minimum


def test_biggest_movers_leave_out_small_departments():
    pack = {
        "scores": [
            {"department": "大部门", "score": 80.0, "rank": 1, "n_complaints": 120},
            {"department": "小部门", "score": 60.0, "rank": 2, "n_complaints": 6},
        ],
        "scores_previous": [
            {"department": "大部门", "score": 85.0, "rank": 1},
            {"department": "小部门", "score": 80.0, "rank": 2},
        ],
        "min_n_score": 10,
    }
    table = agenda._ranking_view(pack, "en")["table"]
    assert [r[0] for r in table.rows] == ["大部门"]  # 小部门 moved -20 on 6 complaints


# --------------------------------------------------------------------------- 4. scoring


def _valid_departments(make_db) -> Path:
    """A: 50 complaints, 40 valid (general); B: 100 complaints, 35 valid (general)."""
    rows = []
    for dept, n, valid in (("甲部门", 50, 40), ("乙部门", 100, 35)):
        for i in range(n):
            received = T(2025, 11, 3) + dt.timedelta(hours=i * 7)
            rows.append(row(f"{dept}{i}", received, department=dept, is_valid=i < valid))
    return make_db(complaints=rows)


def test_capped_per_event_item_vs_the_normalised_item(make_db):
    ctx = context.open_context(store.open_snapshot(_valid_departments(make_db)))
    # §6 default: 40 and 35 valid general complaints are both capped at 30: no difference
    default = scoring.department_scores(ctx, "2025-11", AS_OF).set_index("department")
    assert default["ded_valid_complaints"].tolist() == [30.0, 30.0]
    assert default.loc["甲部门", "capped"] == ["valid_complaints"]
    assert default["main_deduction"].isna().all()  # every department hits the same cap
    # normalised: A 40 / 50 x 100 = 80 per 100, (80 - 60) x 0.5 = 10; B 35 per 100: 0
    rules = load_rules(NORMALISED_RULES)
    norm = scoring.department_scores(ctx, "2025-11", AS_OF, rules=rules).set_index("department")
    assert norm.loc["甲部门", "ded_valid_complaints"] == 10.0
    assert norm.loc["乙部门", "ded_valid_complaints"] == 0.0
    assert (norm.loc["甲部门", "score"], norm.loc["乙部门", "score"]) == (90.0, 100.0)
    # median of (10, 0) is 5: A's main deduction is valid complaints, 5 points above it
    assert norm.loc["甲部门", "main_deduction"] == "valid_complaints"
    assert norm.loc["甲部门", "main_deduction_excess"] == 5.0
    assert norm.loc["甲部门", "capped"] == []
    items = scoring.score_items(ctx, "2025-11", "甲部门", AS_OF, rules=rules).set_index("item")
    assert items.loc["valid_complaints", "measured"] == 80.0
    complaints = scoring.score_complaints(ctx, "2025-11", "甲部门", "valid_complaints", AS_OF,
                                          rules=rules)  # fmt: skip
    assert len(complaints) == 40


def test_normalised_item_is_validated():
    base = NORMALISED_RULES.read_text("utf-8")
    with pytest.raises(RulesError, match="normalised item needs target"):
        parse_rules(base.replace("target = 60\n", "").encode(), "n.toml")
    with pytest.raises(RulesError, match="per must be complaints or volume"):
        parse_rules(base.replace('per = "complaints"', 'per = "orders"').encode(), "n.toml")


# --------------------------------------------------------------------------- 5. as-of


def test_as_of_inside_a_growing_group_incident(make_db):
    # five customers of the same department and category within 24 h: the incident qualifies
    # with the fifth complaint (13:00); a sixth joins at 14:00
    rows = [row(f"g{i}", T(2025, 11, 3, 9 + i)) for i in range(6)]
    conn = store.open_snapshot(make_db(complaints=rows))
    inside = T(2025, 11, 3, 12, 30)  # four complaints exist
    assert kpi.kpis(conn, NOV, as_of=inside).iloc[0]["group_incidents"] == 0
    assert kpi.group_incidents(conn, NOV, as_of=inside).empty
    qualified = T(2025, 11, 3, 13, 30)  # five exist, the sixth does not yet
    assert kpi.kpis(conn, NOV, as_of=qualified).iloc[0]["group_incidents"] == 1
    assert kpi.group_incidents(conn, NOV, as_of=qualified)["n_complaints"].tolist() == [5]
    assert kpi.group_incidents(conn, NOV, as_of=T(2025, 11, 4))["n_complaints"].tolist() == [6]
    # described from its members received by the as-of (the sixth is not), or, once every
    # member was received, from its stg_group_incidents row: the same columns and values
    columns = ["first_received_at", "last_received_at", "qualified_at", "n_complaints"]
    columns += ["n_customers", "department_name_zh", "category"]
    part = kpi.group_incidents(conn, NOV, as_of=qualified)[columns].iloc[0].tolist()
    assert part[:5] == [T(2025, 11, 3, 9), T(2025, 11, 3, 13), T(2025, 11, 3, 13), 5, 5]
    assert part[5:] == ["客服中心", "产品质量"]
    whole = kpi.group_incidents(conn, NOV, as_of=T(2025, 11, 3, 14))[columns].iloc[0].tolist()
    assert whole == [T(2025, 11, 3, 9), T(2025, 11, 3, 14), T(2025, 11, 3, 13), 6, 6, *part[5:]]


def test_a_month_before_the_first_rule_version_warns_or_is_refused(make_db, tmp_path, capsys):
    path = make_db(complaints=[row("old", T(2019, 3, 4, 9), resolved_at=T(2019, 3, 5, 9))])
    code, _, err = _cli(capsys, "--db", str(path), "scores", "--month", "2019-03")
    assert code == 0
    assert "warning: 2019-03 is before the first rule version 2024-01" in err
    code, _, err = _cli(capsys, "--db", str(path), "kpi", "--from", "2019-03-01", "--to",
                        "2019-04-01")  # fmt: skip
    assert code == 0 and "judged by it anyway" in err
    refuse = tmp_path / "refuse.toml"
    refuse.write_text(
        RULES_FILE.read_text("utf-8").replace(
            'before_first_version = "warn"', 'before_first_version = "refuse"'
        ),
        "utf-8",
    )
    rules = load_rules(refuse)
    with pytest.raises(RulesError, match="before the first rule version"):
        scoring.department_scores(store.open_snapshot(path), "2019-03", rules=rules)
    assert rules.before_first(dt.date(2024, 1, 1)) is None


def test_overview_cards_show_not_measured_and_small_samples(tmp_path, monkeypatch):
    from tests.app_support import metrics, no_errors, open_app

    path = tmp_path / "board.duckdb"
    export = write_csv(
        tmp_path / "board.csv",
        ["投诉编号", "受理时间", "责任部门", "首次响应时间"],
        [[f"m{i}", MON, "留言板", f"2025-11-03 1{i}:00:00"] for i in (0, 1)],
    )
    assert import_file(path, export).outcome == "ok"
    monkeypatch.setenv("COMPLAINTS_DB", str(path))
    monkeypatch.setenv("COMPLAINTS_ROLE", "viewer")
    at = open_app("overview")  # this month: November 2025 (the data's as-of)
    no_errors(at)
    shown = metrics(at)
    assert shown["按时办结率"] == "未测量" and shown["未办结"] == "未测量"
    assert shown["及时响应率"] == "100.0%"  # measured, 2 of 2 within 24 h ...
    text = " ".join(m.value for m in at.markdown)
    assert "样本不足 (n=2)" in text  # ... but n = 2 < 30: greyed, no status
