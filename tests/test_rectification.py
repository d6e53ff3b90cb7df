"""Closing the loop: a meeting decides three rectification actions, one is completed and
verified, one goes overdue and shows on the next meeting's opening slide; alerts for a
planted major complaint and for the overdue action reach local webhook and SMTP sinks exactly
once; the 2026H1 summary equals the KPI engine."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import shutil
import threading
from pathlib import Path

import pytest

from queries import cli, store
from queries.config.rules import RulesError, parse_rules
from queries.marts import actions, kpi, summary
from queries.periods import Period, parse_period
from queries.reports import agenda, alerts, meeting

from .alert_sinks import smtp_sink, webhook_sink
from .conftest import build_db

T = dt.datetime
TODAY = dt.date(2026, 2, 27)
AS_OF = T(2026, 2, 27, 12, 0)


def _c(cid, received, dept, category="售后维修", severity="general", resolved_h=20, **kw):
    row = dict(
        complaint_id=cid,
        received_at=received,
        department=dept,
        category=category,
        severity=severity,
        customer_id=f"K-{cid}",
        is_valid=True,
    )
    if resolved_h is not None:
        row["resolved_at"] = received + dt.timedelta(hours=resolved_h)
    row.update(kw)
    return row


COMPLAINTS = [
    _c("J1", T(2026, 1, 5, 9), "客服中心", "服务态度"),
    _c("J2", T(2026, 1, 6, 10), "客服中心", "服务态度", is_valid=False, compensation_type="coupon",
       compensation_amount=50),
    _c("J3", T(2026, 1, 12, 11), "售后部", resolved_h=200, compensation_type="money",
       compensation_amount=300),
    _c("J4", T(2026, 1, 20, 14), "售后部", severity="urgent"),
    _c("J5", T(2026, 1, 26, 9), "售后部", "交付延迟"),
    _c("J6", T(2026, 1, 28, 16), "客服中心", "服务态度", resolved_h=None),
    # 售后部 / 售后维修 in the 7 days before action A0002's due date (3) and after it (1)
    _c("F1", T(2026, 2, 13, 9), "售后部"),
    _c("F2", T(2026, 2, 14, 10), "售后部"),
    _c("F3", T(2026, 2, 16, 11), "售后部"),
    _c("F4", T(2026, 2, 24, 9), "售后部"),
    # the planted major complaint (personal data that must never reach an alert)
    _c("MAJOR1", T(2026, 2, 26, 10), "客服中心", "产品质量", severity="major", resolved_h=None,
       customer_name="张三丰", customer_phone="13812345678",
       description="客户张三丰来电13812345678投诉"),
]  # fmt: skip
DEPARTMENTS = [
    dict(department_id="D1", name_zh="客服中心", name_en="Service Center"),
    dict(department_id="D2", name_zh="售后部", name_en="After-sales"),
]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    """The demo loop on a small database: the January meeting decides three actions on
    3 February; A0001 is done on 9 February and verified on 26 February; A0002 (due
    20 February) is never done; A0003 is due at the end of March."""
    path = tmp_path_factory.mktemp("loop") / "loop.duckdb"
    build_db(path, COMPLAINTS, departments=DEPARTMENTS)
    meeting.prepare(path, "2026-01", as_of=T(2026, 1, 31, 23), today=dt.date(2026, 2, 2))
    decided = T(2026, 2, 3, 9, 30)
    a1 = meeting.add_action(
        path, "2026-01", "satisfaction", title="服务态度专项培训", owner="王经理", due=5,
        department="客服中心", category="服务态度", user="李主任", now=decided,
    )  # fmt: skip
    a2 = meeting.add_action(
        path, "2026-01", "worst", title="售后维修时限整改", owner="赵主管",
        due=dt.date(2026, 2, 20), department="售后部", category="售后维修", user="李主任",
        now=decided,
    )  # fmt: skip
    a3 = meeting.add_action(
        path, "2026-01", "repeats", title="交付延迟复盘", owner="钱主管",
        due=dt.date(2026, 3, 31), department="售后部", category="交付延迟", user="李主任",
        now=decided,
    )  # fmt: skip
    assert (a1, a2, a3) == ("A0001", "A0002", "A0003")
    actions.update(
        path, a1, evidence="2月6日完成全员培训，签到表存档", status="done", user="王经理",
        now=T(2026, 2, 9, 17),
    )  # fmt: skip
    actions.update(
        path, a1, status="verified", verification_result="effective",
        verification_note="抽查10通电话无态度问题", user="质量部", now=T(2026, 2, 26, 15),
    )  # fmt: skip
    return path


def _snapshot(path: Path):
    return store.open_snapshot(path)


def test_the_meeting_records_three_actions_with_states_on_the_day(scenario: Path):
    conn = _snapshot(scenario)
    try:
        df = actions.list_actions(conn, TODAY)
    finally:
        conn.close()
    got = [
        (r.action_id, r.state, str(r.due_date)[:10], r.source, r.meeting_id, r.owner)
        for r in df.itertuples()
    ]
    assert got == [
        ("A0002", "overdue", "2026-02-20", "meeting", "2026-01", "赵主管"),
        ("A0001", "verified", "2026-02-10", "meeting", "2026-01", "王经理"),  # 5 working days
        ("A0003", "open", "2026-03-31", "meeting", "2026-01", "钱主管"),
    ]
    assert int(df.set_index("action_id").loc["A0002", "days_overdue"]) == 7
    pack = meeting.load(scenario, "2026-01")
    assert [(d["action_id"], d["slide"]) for d in pack["decisions"]] == [
        ("A0001", "satisfaction"),
        ("A0002", "worst"),
        ("A0003", "repeats"),
    ]
    decisions = agenda.slide_views(pack, "zh")[-1].table
    assert decisions.rows[1] == ["A0002 售后维修时限整改", "售后部", "赵主管", "2026-02-20"]


def test_every_change_is_recorded_with_who_and_when(scenario: Path):
    conn = _snapshot(scenario)
    try:
        df = actions.history(conn, "A0001")
    finally:
        conn.close()
    got = [(str(r.changed_at), r.changed_by, r.field, r.new_value) for r in df.itertuples()]
    assert got == [
        ("2026-02-03 09:30:00", "李主任", "created", "服务态度专项培训"),
        ("2026-02-09 17:00:00", "王经理", "evidence", "2月6日完成全员培训，签到表存档"),
        ("2026-02-09 17:00:00", "王经理", "status", "done"),
        ("2026-02-09 17:00:00", "王经理", "completed_at", "2026-02-09 17:00:00"),
        ("2026-02-26 15:00:00", "质量部", "status", "verified"),
        ("2026-02-26 15:00:00", "质量部", "verification_result", "effective"),
        ("2026-02-26 15:00:00", "质量部", "verification_note", "抽查10通电话无态度问题"),
        ("2026-02-26 15:00:00", "质量部", "verified_at", "2026-02-26"),
        ("2026-02-26 15:00:00", "质量部", "verified_by", "质量部"),
    ]


def test_status_rules_refuse_done_without_evidence_and_verifying_an_open_action(scenario, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(scenario, path)
    with pytest.raises(actions.ActionError, match="evidence"):
        actions.update(path, "A0003", status="done", user="x")
    with pytest.raises(actions.ActionError, match="only a done action"):
        actions.update(path, "A0003", status="verified", verification_result="effective")
    with pytest.raises(actions.ActionError, match="no action"):
        actions.update(path, "A9999", evidence="x")
    with pytest.raises(actions.ActionError, match="link the action"):
        actions.create(path, title="x", owner="y")


def test_the_overdue_action_is_counted_for_the_overview(scenario: Path):
    conn = _snapshot(scenario)
    try:
        assert actions.overdue_count(conn, TODAY) == 1
        assert actions.overdue_count(conn, dt.date(2026, 2, 20)) == 0  # due that day: not yet
        assert actions.state_counts(conn, TODAY) == {
            "open": 1,
            "overdue": 1,
            "done": 0,
            "verified": 1,
        }
    finally:
        conn.close()


def test_next_months_first_slide_opens_with_last_months_actions(scenario, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(scenario, path)
    shutil.copytree(meeting.meetings_dir(scenario), meeting.meetings_dir(path))
    pack = meeting.prepare(path, "2026-02", as_of=AS_OF, today=TODAY)
    first = agenda.slide_views(pack, "zh")[0]
    assert first.id == "title"
    assert first.lines[:2] == [
        "上月（2026-01）行动项：已完成 1 项（其中已验证 1 项），进行中 1 项，超期 1 项",
        "全部超期整改：1 项",
    ]
    assert agenda.slide_views(pack, "en")[0].lines[0] == (
        "Last month's (2026-01) actions: 1 done (1 verified), 1 open, 1 overdue"
    )
    assert [r["action_id"] for r in pack["actions_review"]["open"]] == ["A0002", "A0003"]


def test_effectiveness_compares_equal_windows_before_and_after_the_due_date(scenario: Path):
    conn = _snapshot(scenario)
    try:
        got = actions.effectiveness(conn, "A0002", as_of=AS_OF, window_days=7)
    finally:
        conn.close()
    assert got == {
        "action_id": "A0002",
        "metric": "received",
        "before": 3.0,
        "after": 1.0,
        "change": -2.0,
        "better": "lower",
        "improved": True,
        "complete": True,
        "before_period": "2026-02-13..2026-02-20",
        "after_period": "2026-02-20..2026-02-27",
    }


# --------------------------------------------------------------------------- alerts


def _config(url: str, smtp_port: int) -> alerts.AlertConfig:
    wanted = ("major_received", "action_overdue")
    return alerts.AlertConfig(
        channels=(
            alerts.Channel("wecom", "wecom", url=f"{url}/wecom", key="WKEY", rules=wanted),
            alerts.Channel(
                "dingtalk",
                "dingtalk",
                url=f"{url}/ding?access_token=TOK",
                secret="SECd",
                rules=wanted,
            ),
            alerts.Channel("feishu", "feishu", url=f"{url}/feishu", secret="fsec", rules=wanted),
            alerts.Channel("mail", "email", to=("quality@example.com",), rules=wanted),
            alerts.Channel(
                "aftersales", "wecom", url=f"{url}/scoped", rules=wanted, departments=("售后部",)
            ),
        ),
        smtp=alerts.Smtp("127.0.0.1", smtp_port, sender="kpi@example.com"),
    )


MAJOR_ZH = (
    "【投诉预警】收到重大投诉 MAJOR1：客服中心，产品质量，受理 2026-02-26 10:00，"
    "办结期限 2026-03-05 00:00"  # 5 working days: 27 Feb, 28 Feb (make-up), 2-4 Mar
)
OVERDUE_ZH = "【整改超期】A0002「售后维修时限整改」已超过期限 2026-02-20（7 天）：售后部"


def test_alerts_reach_every_sink_exactly_once_masked_and_scoped(scenario, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(scenario, path)
    with webhook_sink() as (url, posts), smtp_sink() as (port, mails):
        config = _config(url, port)
        first = alerts.run(path, config, as_of=AS_OF, today=TODAY)
        second = alerts.run(path, config, as_of=AS_OF, today=TODAY)
        got_posts, got_mails = posts.snapshot(), mails.snapshot()
    assert not first.failed
    assert sorted(first.sent) == sorted(
        [("major_received:MAJOR1", c) for c in ("wecom", "dingtalk", "feishu", "mail")]
        + [("action_overdue:A0002:2026-02-20", c) for c in ("wecom", "dingtalk", "feishu", "mail")]
        + [("action_overdue:A0002:2026-02-20", "aftersales")]
    )
    assert second.sent == [] and second.skipped == 9

    by_path: dict[str, list[dict]] = {}
    for post in got_posts:
        by_path.setdefault(post["path"], []).append(post)
    assert {p: len(v) for p, v in by_path.items()} == {
        "/wecom": 2,
        "/ding": 2,
        "/feishu": 2,
        "/scoped": 1,
    }
    # WeCom: key in the URL, text message
    assert [p["body"] for p in by_path["/wecom"]] == [
        {"msgtype": "text", "text": {"content": MAJOR_ZH}},
        {"msgtype": "text", "text": {"content": OVERDUE_ZH}},
    ]
    assert {p["query"]["key"] for p in by_path["/wecom"]} == {"WKEY"}
    # DingTalk: access_token kept, timestamp (ms) + sign = HMAC-SHA256(secret, "ts\nsecret")
    for post in by_path["/ding"]:
        q = post["query"]
        want = hmac.new(b"SECd", f"{q['timestamp']}\nSECd".encode(), hashlib.sha256).digest()
        assert q["access_token"] == "TOK"
        assert q["sign"] == base64.b64encode(want).decode()
        assert len(q["timestamp"]) == 13
    # Feishu: timestamp (s) + sign = HMAC-SHA256(key "ts\nsecret", "") in the body
    for post in by_path["/feishu"]:
        b = post["body"]
        want = hmac.new(f"{b['timestamp']}\nfsec".encode(), b"", hashlib.sha256).digest()
        assert b["sign"] == base64.b64encode(want).decode()
        assert b["msg_type"] == "text" and len(b["timestamp"]) == 10
    assert [p["body"]["content"]["text"] for p in by_path["/feishu"]] == [MAJOR_ZH, OVERDUE_ZH]
    # scoped: the 售后部 channel got the 售后部 alert only
    assert by_path["/scoped"][0]["body"]["text"]["content"] == OVERDUE_ZH
    # e-mail: two messages, each once, with the alert key header
    assert [(m["to"], m["message"]["X-Alert-Key"]) for m in got_mails] == [
        (["quality@example.com"], "major_received:MAJOR1"),
        (["quality@example.com"], "action_overdue:A0002:2026-02-20"),
    ]
    assert got_mails[0]["message"].get_content().strip() == MAJOR_ZH
    everything = json.dumps([p["body"] for p in got_posts], ensure_ascii=False) + "".join(
        m["message"].get_content() for m in got_mails
    )
    for secret in ("张三丰", "三丰", "13812345678", "1381234"):
        assert secret not in everything
    # recorded: one sent row per alert and channel
    conn = _snapshot(path)
    try:
        log = alerts.alert_log(conn)
    finally:
        conn.close()
    assert len(log) == 9 and set(log["outcome"]) == {"sent"} and set(log["attempts"]) == {1}


def test_two_runs_at_once_send_each_alert_once(scenario, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(scenario, path)
    with webhook_sink() as (url, posts):
        config = alerts.AlertConfig(
            (alerts.Channel("w", "wecom", url=f"{url}/w", rules=("major_received",)),)
        )
        results: list[alerts.RunResult] = []

        def one_run() -> None:
            results.append(alerts.run(path, config, as_of=AS_OF, today=TODAY))

        threads = [threading.Thread(target=one_run) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        assert len(results) == 2
        assert len(posts.snapshot()) == 1
    assert sorted(len(r.sent) for r in results) == [0, 1]
    assert sorted(r.skipped for r in results) == [0, 1]


def test_a_refused_delivery_is_logged_and_retried_by_the_next_run(scenario, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(scenario, path)
    with webhook_sink() as (url, posts):
        config = alerts.AlertConfig(
            (alerts.Channel("bad", "dingtalk", url=f"{url}/refuse", rules=("major_received",)),)
        )
        first = alerts.run(path, config, as_of=AS_OF, today=TODAY)
        second = alerts.run(path, config, as_of=AS_OF, today=TODAY)
        assert len(posts.snapshot()) == 2
    assert first.failed == [
        ("major_received:MAJOR1", "bad", "the robot refused the message: 310000 sign not match")
    ]
    assert len(second.failed) == 1
    conn = _snapshot(path)
    try:
        log = alerts.alert_log(conn)
    finally:
        conn.close()
    assert log[["outcome", "attempts"]].values.tolist() == [["failed", 2]]


def test_the_channel_file_reads_secrets_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("T_DING_SECRET", "SECxyz")
    path = tmp_path / "alerts.toml"
    path.write_text(
        '[[channel]]\nname = "d"\ntype = "dingtalk"\nurl = "http://127.0.0.1:9/x"\n'
        'secret = "env:T_DING_SECRET"\n',
        encoding="utf-8",
    )
    assert alerts.load_config(path).channels[0].secret == "SECxyz"
    path.write_text('[[channel]]\ntype = "email"\nto = ["a@b"]\n', encoding="utf-8")
    with pytest.raises(alerts.AlertConfigError, match=r"channel\[0\]: an e-mail channel needs"):
        alerts.load_config(path)
    path.write_text('[[channel]]\ntype = "slack"\n', encoding="utf-8")
    with pytest.raises(alerts.AlertConfigError, match=r"channel\[0\]\.type"):
        alerts.load_config(path)


def test_the_cli_runs_alerts_for_cron(scenario, tmp_path, monkeypatch, capsys):
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(scenario, path)
    with webhook_sink() as (url, posts):
        (tmp_path / "alerts.toml").write_text(
            f'[[channel]]\nname = "w"\ntype = "wecom"\nurl = "{url}/w"\nkey = "K"\n'
            'rules = ["major_received"]\n',
            encoding="utf-8",
        )
        args = ["--db", str(path), "alerts", "run", "--as-of", "2026-02-27 12:00"]
        assert cli.main([*args, "--today", "2026-02-27", "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out) == [
            {"alert_key": "major_received:MAJOR1", "channel": "w", "outcome": "sent"}
        ]
        assert cli.main([*args, "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out) == []
        assert len(posts.snapshot()) == 1


# --------------------------------------------------------------------------- summary


def test_the_half_year_summary_equals_the_kpi_engine(scenario: Path, capsys):
    period = parse_period("2026H1")
    assert period == Period(dt.date(2026, 1, 1), dt.date(2026, 7, 1))
    conn = _snapshot(scenario)
    try:
        got = summary.period_summary(conn, period, by="department", as_of=AS_OF)
        engine = kpi.kpis(conn, period, as_of=AS_OF, by="department").set_index("department")
        total = kpi.kpis(conn, period, as_of=AS_OF).iloc[0]
    finally:
        conn.close()
    assert got["unit"].tolist() == ["all", "售后部", "客服中心"]
    for col in summary.COLUMNS:
        assert got.loc[0, col.name] == pytest.approx(total[col.source], nan_ok=True), col.name
        for i, dept in ((1, "售后部"), (2, "客服中心")):
            want = engine.loc[dept, col.source]
            assert got.loc[i, col.name] == pytest.approx(want, nan_ok=True), (dept, col.name)
    # and the hand-checked figures of 售后部: 7 opened and closed, J3 (200 h) not quickly
    row = got.set_index("unit").loc["售后部"]
    assert (row["opened"], row["closed"], row["upheld_rate"]) == (7, 7, 1.0)
    assert row["closed_quickly_rate"] == pytest.approx(6 / 7)
    assert (row["compensation_n_money"], row["compensation_cny_money"]) == (1, 300.0)
    # the CLI prints the same numbers as `complaints kpi`
    common = ["--db", str(scenario)]
    assert cli.main([*common, "summary", "--period", "2026H1", "--as-of", "2026-02-27 12:00",
                     "--by", "department", "--format", "json"]) == 0  # fmt: skip
    printed = json.loads(capsys.readouterr().out)
    kpi_args = ["kpi", "--from", "2026-01-01", "--to", "2026-07-01", "--as-of", "2026-02-27 12:00"]
    assert cli.main([*common, *kpi_args, "--by", "department", "--format", "json"]) == 0
    kpi_rows = {r["department"]: r for r in json.loads(capsys.readouterr().out)}
    for row in printed[1:]:
        for col in summary.COLUMNS:
            assert row[col.name] == kpi_rows[row["unit"]][col.source], (row["unit"], col.name)


def test_alert_and_action_settings_are_validated_with_the_key_named():
    base = b'[[version]]\nid = "v"\neffective_from = 2024-01-01\n'
    ok = parse_rules(base + b'[alerts]\n[[alerts.rule]]\nid = "r"\nkind = "near_deadline"\n'
                     b'share = 0.9\n[actions]\neffect_window_days = 14\n')  # fmt: skip
    assert (ok.alerts.rules[0].share, ok.actions.effect_window_days) == (0.9, 14)
    bad = {
        b'[[alerts.rule]]\nid = "r"\nkind = "sms"\n': r"alerts\.rule\[0\]\.kind",
        b'[[alerts.rule]]\nid = "r"\nkind = "near_deadline"\nshare = 80\n': r"\.share",
        b'[[alerts.rule]]\nid = "r"\nkind = "kpi_red"\nmetrics = ["nps"]\n': r"unknown metrics",
        b'[[alerts.rule]]\nid = "r"\nkind = "kpi_red"\n': r"needs the metrics",
        b"[actions]\neffect_window_days = 0\n": r"actions\.effect_window_days",
        b"[actions]\nwindow = 3\n": r"unknown keys",
    }
    for text, message in bad.items():
        with pytest.raises(RulesError, match=message):
            parse_rules(base + text)


def test_periods_read_half_years_quarters_years_and_months():
    assert parse_period("2026H2") == Period(dt.date(2026, 7, 1), dt.date(2027, 1, 1))
    assert parse_period("2026-q3") == Period(dt.date(2026, 7, 1), dt.date(2026, 10, 1))
    assert parse_period("2026") == Period(dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    assert parse_period("2026-03") == Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    for text in ("2026H3", "2026Q0", "26", "H1"):
        with pytest.raises(ValueError, match="period must look like"):
            parse_period(text)


def test_changing_an_alert_rule_does_not_invalidate_the_derived_tables():
    base = b'[[version]]\nid = "v"\neffective_from = 2024-01-01\n'
    one = parse_rules(base + b"[alerts]\nlookback_days = 3\n")
    two = parse_rules(base + b"[alerts]\nlookback_days = 7\n[actions]\neffect_window_days = 9\n")
    other = parse_rules(base.replace(b"2024-01-01", b"2024-02-01"))
    assert one.fingerprint() != two.fingerprint()  # the file changed (caches follow)
    assert one.derived_fingerprint() == two.derived_fingerprint()  # the staging tables did not
    assert other.derived_fingerprint() != one.derived_fingerprint()
