"""Issue 16, hand-calculated: the handling ladder (docs/definitions.md#handling-ladder) -- stage
limits in clock hours across a night and in working days across a make-up day, an escalation
that skipped a tier, a re-visit done late, a source without stage columns (not measured,
never failed), the stage time shares of three complaints, stage rules and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from queries import cli, context, staging, store
from queries.config.rules import RulesError, StageLimit, load_rules, parse_rules
from queries.importer import import_file
from queries.marts import explain, kpi, scoring
from queries.periods import Period
from tests.import_fixtures import write_csv
from tests.kpi_rows import row

T = dt.datetime
OCT = Period.month("2025-10")
NOV = Period.month("2025-11")


def _stages(path: Path, stage: str) -> dict[str, tuple]:
    conn = store.open_snapshot(path)
    rows = conn.execute(
        "select complaint_id, due_at, on_time, skipped, measured from stg_stages where stage = $s",
        {"s": stage},
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_clock_hour_limits_run_through_the_night(make_db):
    # acknowledge: 1 clock hour (003 §1.1.2); classify: 24 clock hours (003 §1.1.28)
    night = T(2025, 11, 3, 23, 30)  # Monday 23:30: the hour ends Tuesday 00:30
    p = make_db(
        complaints=[
            row(
                "ack_ok",
                night,
                acknowledged_at=T(2025, 11, 4, 0, 30),
                classified_at=T(2025, 11, 4, 23, 30),
            ),
            row(
                "ack_late",
                night,
                acknowledged_at=T(2025, 11, 4, 0, 30, 1),
                classified_at=T(2025, 11, 4, 23, 30, 1),
            ),
            row("ack_open", night),
        ]
    )
    assert _stages(p, "acknowledge") == {
        "ack_ok": (T(2025, 11, 4, 0, 30), True, False, True),
        "ack_late": (T(2025, 11, 4, 0, 30), False, False, True),
        "ack_open": (T(2025, 11, 4, 0, 30), None, False, True),
    }
    assert _stages(p, "classify")["ack_ok"] == (T(2025, 11, 4, 23, 30), True, False, True)
    assert _stages(p, "classify")["ack_late"][1] is False
    got = kpi.kpis(store.open_snapshot(p), NOV, as_of=T(2025, 11, 5)).iloc[0]
    # the open one is past due by the as-of: late. 1 on time of 3; durations 1 h and 1 h + 1 s
    assert got["n_stage_acknowledge"] == 3 and got["n_stage_acknowledge_on_time_num"] == 1
    assert got["stage_acknowledge_on_time_rate"] == pytest.approx(1 / 3)
    assert got["stage_acknowledge_median_h"] == pytest.approx((1 + 1 + 1 / 3600) / 2)
    # the trend carries the ladder columns when asked for them (and skips their queries else)
    trend = kpi.trend(store.open_snapshot(p), NOV, as_of=T(2025, 11, 5),
                      metrics=("received", "stage_acknowledge_on_time_rate"))  # fmt: skip
    assert trend["stage_acknowledge_on_time_rate"].tolist() == [pytest.approx(1 / 3)]
    plain = kpi.trend(store.open_snapshot(p), NOV, as_of=T(2025, 11, 5), metrics=("received",))
    assert list(plain.columns) == ["month", "received"] and plain["received"].tolist() == [3]
    # seen at 00:15 on Tuesday nothing is due yet: the stage is out of the on-time base
    early = kpi.kpis(store.open_snapshot(p), NOV, as_of=T(2025, 11, 4, 0, 15)).iloc[0]
    assert early["n_stage_acknowledge"] == 0 and early["n_stage_acknowledge_done"] == 0


def test_working_day_limit_counts_the_make_up_saturday_and_a_late_revisit(make_db):
    # re-visit of a dissatisfied customer: 3 working days (product default) after the return
    # visit on Friday 2025-10-10: Sat 11th is a make-up working day (调休), so the days are
    # Sat 11, Mon 13, Tue 14 -> due Wednesday 15th 00:00 (without it: Thursday 16th)
    fri = T(2025, 10, 10, 10)
    received, resolved = T(2025, 10, 8, 9), T(2025, 10, 9, 9)
    common = dict(resolved_at=resolved, surveyed_at=fri)
    p = make_db(
        complaints=[
            row(
                "in_time", received, satisfaction=2, revisited_at=T(2025, 10, 14, 23, 59), **common
            ),
            row("late", received, satisfaction=1, revisited_at=T(2025, 10, 15, 10), **common),
            row("not_yet", received, return_visit_outcome="unresolved", satisfaction=3, **common),
            row("satisfied", received, satisfaction=5, **common),  # no re-visit needed
        ]
    )
    stages = _stages(p, "revisit")
    assert stages == {
        "in_time": (T(2025, 10, 15), True, False, True),
        "late": (T(2025, 10, 15), False, False, True),
        "not_yet": (T(2025, 10, 15), None, False, True),
    }
    got = kpi.kpis(store.open_snapshot(p), OCT, as_of=T(2025, 10, 20)).iloc[0]
    assert got["stage_revisit_on_time_rate"] == pytest.approx(1 / 3)
    assert got["revisit_done_rate"] == pytest.approx(2 / 3)  # 2 of 3 dissatisfied re-visited
    rows = kpi.ladder_rows(store.open_snapshot(p), OCT, as_of=T(2025, 10, 20), stage="revisit")
    assert dict(zip(rows["complaint_id"], rows["state"], strict=True)) == {
        "in_time": "on_time",
        "late": "late",
        "not_yet": "overdue",
    }
    # the drill-through of the on-time rate: the denominator is the three, the numerator one
    missed = kpi.drill(
        store.open_snapshot(p), "stage_revisit_on_time_rate", OCT, as_of=T(2025, 10, 20)
    )
    assert list(missed["complaint_id"]) == ["in_time"]


def test_an_escalation_that_skipped_a_tier(make_db):
    # ladder (001 商场 二(二)2): supervisor within 15 min, manager 30 min, director 1 h
    r = T(2025, 10, 13, 10)
    minutes = lambda m: r + dt.timedelta(minutes=m)  # noqa: E731
    p = make_db(
        complaints=[
            row("skip", r, escalated_t2_at=minutes(20)),  # straight to the manager
            row("ladder", r, escalated_t1_at=minutes(10), escalated_t2_at=minutes(25),
                escalated_t3_at=minutes(50)),
            row("slow", r, escalated_t1_at=minutes(20), escalated_t2_at=minutes(29)),
            row("none", r),  # never escalated: no escalation stage
        ]
    )  # fmt: skip
    t1, t2 = _stages(p, "escalate_t1"), _stages(p, "escalate_t2")
    assert t1 == {
        "skip": (minutes(15), None, True, True),
        "ladder": (minutes(15), True, False, True),
        "slow": (minutes(15), False, False, True),
    }
    assert set(t2) == {"skip", "ladder", "slow"} and t2["skip"][1] is True
    assert set(_stages(p, "escalate_t3")) == {"ladder"}
    got = kpi.kpis(store.open_snapshot(p), OCT, as_of=T(2025, 10, 31)).iloc[0]
    assert got["n_escalated_ladder"] == 3 and got["escalation_skipped"] == 1
    assert got["escalation_compliance_rate"] == pytest.approx(1 / 3)  # only "ladder"
    # time to tier 1: 10 and 20 minutes (the skipped tier has no time, counted late)
    assert got["stage_escalate_t1_median_h"] == pytest.approx(0.25)
    assert got["stage_escalate_t1_on_time_rate"] == pytest.approx(1 / 3)
    rows = kpi.ladder_rows(store.open_snapshot(p), OCT, as_of=T(2025, 10, 31), stage="escalate_t1")
    assert dict(zip(rows["complaint_id"], rows["state"], strict=True))["skip"] == "skipped"


def test_a_source_without_stage_columns_is_not_measured_never_failed(tmp_path, capsys):
    path = tmp_path / "half.duckdb"
    mon = "2025-11-03 09:00:00"
    with_stages = write_csv(
        tmp_path / "kf.csv",
        ["投诉编号", "受理时间", "责任部门", "分类分级时间", "记录完成时间", "办结时间"],
        [
            [
                "a1",
                mon,
                "客服部",
                "2025-11-03 20:00:00",
                "2025-11-05 09:00:00",
                "2025-11-04 09:00:00",
            ],
            ["a2", mon, "客服部", "2025-11-04 10:00:00", "", "2025-11-04 09:00:00"],
        ],
    )
    without = write_csv(
        tmp_path / "ls.csv",
        ["投诉编号", "受理时间", "责任部门", "办结时间"],
        [["b1", mon, "零售部", "2025-11-04 09:00:00"], ["b2", mon, "零售部", ""]],
    )
    assert import_file(path, with_stages).outcome == "ok"
    assert import_file(path, without).outcome == "ok"
    conn = store.open_snapshot(path)
    as_of = T(2025, 11, 28)
    assert conn.execute(
        "select count(*) from complaints where complaint_id like 'b%'"
        " and classified_at is null and record_completed_at is null and root_cause is null"
    ).fetchall() == [(2,)]
    got = kpi.kpis(conn, NOV, as_of=as_of).iloc[0]
    # classify over 客服部 only: a1 11 h (on time), a2 25 h (late)
    assert got["n_stage_classify"] == 2 and got["stage_classify_on_time_rate"] == 0.5
    # record: a1 24 h after resolution (on time); a2 has none, due 11-06 09:00: late
    assert got["n_stage_record"] == 2 and got["stage_record_on_time_rate"] == 0.5
    by = kpi.kpis(conn, NOV, as_of=as_of, by="department").set_index("department")
    assert by.loc["零售部", "n_measured_stage_classify"] == 0
    assert by.isna().loc["零售部", "stage_classify_on_time_rate"]
    assert by.isna().loc["零售部", "n_stage_classify"]  # not 0 late: not measured
    assert "stage_classify_on_time_rate" in kpi.measurement(by.loc["零售部"])[1]
    assert "stage_classify_on_time_rate" not in kpi.measurement(by.loc["客服部"])[1]
    assert set(kpi.ladder_rows(conn, NOV, as_of=as_of, stage="classify")["complaint_id"]) == {
        "a1",
        "a2",
    }
    argv = ["--db", str(path), "kpi", "--from", "2025-11-01", "--to", "2025-12-01"]
    assert (
        cli.main([*argv, "--as-of", "2025-11-28 00:00:00", "--by", "department", "--ladder"]) == 0
    )
    rows = {r["department"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["客服部"]["stage_classify_on_time_rate"] == 0.5
    assert rows["客服部"]["n_stage_classify"] == 2
    assert rows["零售部"]["stage_classify_on_time_rate"] is None
    assert "stage_record_on_time_rate" in rows["零售部"]["not_measured"]
    assert rows["零售部"]["coverage"]["stage_classify_on_time_rate"] == 0.0


def test_stage_time_shares_of_three_complaints(make_db):
    r = T(2025, 10, 13, 8)

    def at(h: float) -> dt.datetime:
        return r + dt.timedelta(hours=h)

    # milestones in hours after receipt: acknowledged, classified, responsibility assigned
    # (end of investigation), resolved, return visit
    plan = {"A": (1, 3, 7, 17, 27), "B": (2, 4, 10, 30, 40), "C": (1, 2, 3, 13, 33)}
    rows_ = [
        row(cid, r, acknowledged_at=at(a), classified_at=at(c), responsibility_assigned_at=at(s),
            resolved_at=at(v), surveyed_at=at(f), satisfaction=4)
        for cid, (a, c, s, v, f) in plan.items()
    ]  # fmt: skip
    rows_.append(row("D", r, acknowledged_at=at(1), resolved_at=at(5)))  # incomplete: left out
    got = kpi.kpis(store.open_snapshot(make_db(complaints=rows_)), OCT, as_of=T(2025, 10, 31)).iloc[
        0
    ]
    # receive 1+2+1=4, classify 2+2+1=5, investigate 4+6+1=11, resolve 10+20+10=40,
    # follow-up 10+10+20=40; total 100 h
    assert got["n_time_share"] == 3
    assert [got[f"time_share_{p}"] for p in ("receive", "classify", "investigate", "resolve",
                                             "follow_up")] == pytest.approx(
        [0.04, 0.05, 0.11, 0.40, 0.40]
    )  # fmt: skip


def test_consecutive_unresolved_malicious_share_and_root_cause_pareto(make_db):
    d = T(2025, 10, 6, 9)
    rows_ = [
        # customer k1, 产品质量: unresolved twice in a row (return visit says so) -> 1 problem
        row("k1a", d, customer_id="k1", resolved_at=T(2025, 10, 7), surveyed_at=T(2025, 10, 8),
            return_visit_outcome="unresolved", root_cause="product_defect"),
        row("k1b", T(2025, 10, 9, 9), customer_id="k1", resolved_at=T(2025, 10, 10),
            surveyed_at=T(2025, 10, 11), return_visit_outcome="unresolved",
            root_cause="product_defect"),
        # customer k2: unresolved, resolved, unresolved: never twice in a row
        row("k2a", d, customer_id="k2", resolved_at=T(2025, 10, 7), surveyed_at=T(2025, 10, 8),
            return_visit_outcome="unresolved", root_cause="product_defect", is_malicious=False),
        row("k2b", T(2025, 10, 9, 9), customer_id="k2", resolved_at=T(2025, 10, 10),
            surveyed_at=T(2025, 10, 11), return_visit_outcome="resolved", root_cause="supplier",
            is_malicious=True),
        row("k2c", T(2025, 10, 13, 9), customer_id="k2", resolved_at=T(2025, 10, 14),
            surveyed_at=T(2025, 10, 15), return_visit_outcome="unresolved",
            root_cause="自定义原因", is_malicious=False),
    ]  # fmt: skip
    conn = store.open_snapshot(make_db(complaints=rows_))
    got = kpi.kpis(conn, OCT, as_of=T(2025, 10, 31)).iloc[0]
    assert got["consecutive_unresolved"] == 1
    assert got["malicious_share"] == pytest.approx(1 / 3) and got["n_malicious_known"] == 3
    assert got["return_visit_resolved_rate"] == pytest.approx(1 / 5)
    # recurring: >= 3 complaints in the 3 months ending October (product_defect only)
    assert got["recurring_root_cause_share"] == pytest.approx(3 / 5)
    pareto = kpi.root_causes(conn, OCT, as_of=T(2025, 10, 31))
    assert pareto.to_dict("records") == [
        {"root_cause": "product_defect", "n": 3, "share": 0.6, "cumulative_share": 0.6,
         "n_window": 3, "recurring": True},
        {"root_cause": "supplier", "n": 1, "share": 0.2, "cumulative_share": 0.8,
         "n_window": 1, "recurring": False},
        {"root_cause": "自定义原因", "n": 1, "share": 0.2, "cumulative_share": 1.0,
         "n_window": 1, "recurring": False},
    ]  # fmt: skip


def test_stage_rules_per_grade_units_and_errors():
    v = load_rules().versions[0]
    assert v.stage_limits["manager_contact"] == StageLimit("hours", None, {"major": 2.0})
    assert v.stage_limits["manager_contact"].for_grade("general") is None
    assert v.stage_limits["escalate_t1"].for_grade("urgent") == 0.25
    assert v.stage_limits["revisit"] == StageLimit("working_days", 3.0, {})
    base = '[[version]]\nid = "x"\neffective_from = 2024-01-01\n'
    custom = parse_rules(
        (
            base + '[version.stages.resolve]\nunit = "working_days"\n'
            "grade = { general = 3, major = 5 }\n"
        ).encode()
    )
    resolve = custom.versions[0].stage_limits["resolve"]
    assert (resolve.unit, resolve.for_grade("major"), resolve.for_grade("urgent")) == (
        "working_days", 5.0, None)  # fmt: skip
    with pytest.raises(RulesError, match="unknown stage"):
        parse_rules((base + "[version.stages.lunch]\nlimit = 1\n").encode())
    with pytest.raises(RulesError, match="use hours or working_days"):
        parse_rules((base + '[version.stages.record]\nunit = "days"\nlimit = 2\n').encode())
    with pytest.raises(RulesError, match="whole numbers"):
        parse_rules(
            (base + '[version.stages.record]\nunit = "working_days"\nlimit = 1.5\n').encode()
        )


def test_explain_timeline_shows_each_stage_against_its_limit(make_db):
    r = T(2025, 11, 3, 23, 30)
    p = make_db(
        complaints=[row("x", r, severity="major", acknowledged_at=T(2025, 11, 4, 0, 45),
                        manager_contacted_at=T(2025, 11, 4, 1), resolved_at=T(2025, 11, 4, 9))]
    )  # fmt: skip
    ctx = context.open_context(store.open_snapshot(p))
    ladder = explain.explain(ctx, "x", as_of=T(2025, 11, 30))["ladder"]
    got = {s["stage"]: (s["due_at"], s["done_at"], s["state"]) for s in ladder}
    assert got["acknowledge"] == (T(2025, 11, 4, 0, 30), T(2025, 11, 4, 0, 45), "late")
    assert got["manager_contact"] == (T(2025, 11, 4, 1, 30), T(2025, 11, 4, 1), "on_time")
    assert got["resolve"] == (T(2025, 11, 5, 23, 30), T(2025, 11, 4, 9), "on_time")
    assert [s["stage"] for s in ladder][:2] == ["acknowledge", "classify"]


def test_a_stage_on_time_rate_as_a_score_item(make_db):
    rules_text = """
[[version]]
id = "ladder"
effective_from = 2024-01-01
[version.scoring]
base = 100
[[version.scoring.item]]
id = "classification"
kind = "rate_gap"
metric = "stage_classify_on_time_rate"
target = 0.9
direction = "below"
points_per_pp = 0.1
cap = 10
"""
    r = T(2025, 10, 13, 9)
    p = make_db(
        complaints=[
            row("in_time", r, classified_at=T(2025, 10, 13, 20)),
            row("late", r, classified_at=T(2025, 10, 14, 10)),  # 25 h
            row("other", r, department="零售部"),  # its source has no classified_at
        ]
    )
    with store.write_transaction(p, derive=staging.refresh) as w:  # as an import records it
        w.execute("insert into meta values ('supplied:零售部', 'complaint_id,received_at')")
    ctx = context.open_context(store.open_snapshot(p), parse_rules(rules_text.encode(), "test"))
    scores = scoring.department_scores(ctx, "2025-10", T(2025, 10, 31)).set_index("department")
    # 客服中心: 1 of 2 on time, 40 points below 90 % x 0.1 = 4.0
    assert scores.loc["客服中心", "ded_classification"] == 4.0
    assert scores.loc["客服中心", "score"] == 96.0
    assert scores.loc["零售部", "ded_classification"] == 0.0
    assert "classification" in scores.loc["零售部", "unscored"]
    behind = scoring.score_complaints(ctx, "2025-10", "客服中心", "classification", T(2025, 10, 31))
    assert list(behind["complaint_id"]) == ["late"]
    # the score history (one grouped query for ordinary items) deducts the same for the month
    history = scoring.score_history(ctx, ["2025-10"], T(2025, 10, 31)).set_index("department")
    assert history.loc["客服中心", "ded_classification"] == 4.0
    assert history.loc["客服中心", "score"] == 96.0


def test_import_maps_root_causes_and_visit_outcomes_and_rejects_an_unknown_outcome(tmp_path):
    path = tmp_path / "words.duckdb"
    mon = "2025-11-03 09:00:00"
    export = write_csv(
        tmp_path / "kf.csv",
        ["投诉编号", "受理时间", "责任部门", "根本原因", "回访结论", "root cause"],
        [
            ["w1", mon, "客服部", "产品缺陷", "问题已解决", ""],
            ["w2", mon, "客服部", "门店排班", "无法联系", ""],  # a company's own root cause
            ["w3", mon, "客服部", "沟通不畅", "还行吧", ""],  # not an outcome word: rejected
        ],
    )
    result = import_file(path, export)
    assert (result.imported, result.rejected) == (2, 1)
    report = Path(result.reject_report or "").read_text(encoding="utf-8-sig")
    assert "return_visit_outcome" in report or "回访结论" in report
    assert "还行吧" in report
    conn = store.open_snapshot(path)
    got = conn.execute(
        "select complaint_id, root_cause, return_visit_outcome from complaints order by 1"
    ).fetchall()
    assert got == [("w1", "product_defect", "resolved"), ("w2", "门店排班", "unreachable")]
