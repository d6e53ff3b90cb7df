"""Alerts: the rules of ``[alerts]`` in the rule file, evaluated after each publication and by
``complaints alerts run`` (cron), pushed to WeCom, DingTalk and Feishu group robots and to
e-mail, each alert once per channel.

Where alerts go is the *channel file* (``$COMPLAINTS_ALERTS``, else ``alerts.toml`` next to the
database; template ``queries/config/alerts.example.toml``), kept out of the repository
because it holds webhook keys and signing secrets; any value written ``env:NAME`` is read from
the environment variable ``NAME``. A channel takes the alerts of its ``rules`` (default all)
and of its ``departments`` (default all; company-wide alerts reach only channels without a
department list).

Once: every alert has a key (``rule:subject``, e.g. ``major_received:C0001``). A run holds
``<db>.alerts.lock`` while it reads ``alert_log``, sends what is not yet logged as sent, and
publishes the outcomes to ``alert_log`` (a failed delivery is retried by the next run). Two
runs never send the same alert; a process killed between sending and publishing could send
that alert again on the next run (at least once, never silently lost).

Messages carry ids, department, category, grade and times only: no customer names, phones or
complaint text (free text of an action is masked with ``privacy.mask_text``).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import smtplib
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from queries import context, privacy, store
from queries.config import vocab
from queries.config.rules import AlertRule
from queries.metrics import METRICS
from queries.periods import Period

CONFIG_ENV_VAR = "COMPLAINTS_ALERTS"
CONFIG_NAME = "alerts.toml"
CHANNEL_TYPES = ("wecom", "dingtalk", "feishu", "email")
TIMEOUT_S = 10.0
WECOM_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"


class AlertConfigError(ValueError):
    """The channel file is unreadable or inconsistent (the message names the place)."""


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Smtp:
    """The mail server alerts are sent through."""

    host: str
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = ""
    starttls: bool = False
    ssl: bool = False


@dataclass(frozen=True)
class Channel:
    """Where alerts go: a group robot (``url`` + signing ``secret``; WeCom: ``key``) or e-mail
    (``to``), for some rules (empty = all) and departments (empty = all)."""

    name: str
    type: str
    url: str = ""
    key: str = ""
    secret: str = ""
    to: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    lang: str = "zh"

    def accepts(self, alert: Alert) -> bool:
        """Whether this channel receives ``alert`` (its rule and its department scope)."""
        if self.rules and alert.rule not in self.rules:
            return False
        if self.departments:
            return alert.department is not None and alert.department in self.departments
        return True


@dataclass(frozen=True)
class AlertConfig:
    """The channel file: channels and the mail server."""

    channels: tuple[Channel, ...] = ()
    smtp: Smtp | None = None
    source: str = ""


def config_path(db_path: Path) -> Path:
    """The channel file: ``$COMPLAINTS_ALERTS``, else ``alerts.toml`` beside the database."""
    env = os.environ.get(CONFIG_ENV_VAR)
    return Path(env) if env else Path(db_path).resolve().parent / CONFIG_NAME


def _value(raw: Any, where: str) -> str:
    """A string setting; ``env:NAME`` reads the environment variable ``NAME``."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise AlertConfigError(f"{where}: expected text, got {raw!r}")
    if raw.startswith("env:"):
        name = raw[4:]
        if name not in os.environ:
            raise AlertConfigError(f"{where}: environment variable {name} is not set")
        return os.environ[name]
    return raw


def load_config(path: Path) -> AlertConfig:
    """Parse a channel file (see ``queries/config/alerts.example.toml``)."""
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise AlertConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise AlertConfigError(f"{path}: not valid TOML: {exc}") from None
    smtp = None
    if "smtp" in doc:
        raw = doc["smtp"]
        where = f"{path}: smtp"
        if not raw.get("host"):
            raise AlertConfigError(f"{where}.host is required")
        smtp = Smtp(
            host=_value(raw["host"], f"{where}.host"),
            port=int(raw.get("port", 25)),
            user=_value(raw.get("user"), f"{where}.user"),
            password=_value(raw.get("password"), f"{where}.password"),
            sender=_value(raw.get("sender"), f"{where}.sender"),
            starttls=bool(raw.get("starttls", False)),
            ssl=bool(raw.get("ssl", False)),
        )
    channels = []
    for i, raw in enumerate(doc.get("channel", [])):
        where = f"{path}: channel[{i}]"
        kind = raw.get("type")
        if kind not in CHANNEL_TYPES:
            raise AlertConfigError(f"{where}.type: use one of {', '.join(CHANNEL_TYPES)}")
        name = str(raw.get("name") or f"{kind}-{i}")
        ch = Channel(
            name=name,
            type=kind,
            url=_value(raw.get("url"), f"{where}.url"),
            key=_value(raw.get("key"), f"{where}.key"),
            secret=_value(raw.get("secret"), f"{where}.secret"),
            to=tuple(str(t) for t in raw.get("to", ())),
            rules=tuple(str(r) for r in raw.get("rules", ())),
            departments=tuple(str(d) for d in raw.get("departments", ())),
            lang=str(raw.get("lang", "zh")),
        )
        if kind == "email":
            if not ch.to:
                raise AlertConfigError(f"{where}.to: an e-mail channel needs recipients")
            if smtp is None:
                raise AlertConfigError(f"{where}: an e-mail channel needs an [smtp] section")
        elif not ch.url and not (kind == "wecom" and ch.key):
            raise AlertConfigError(f"{where}.url: a {kind} channel needs its webhook address")
        if ch.lang not in ("zh", "en"):
            raise AlertConfigError(f"{where}.lang: zh or en")
        channels.append(ch)
    names = [c.name for c in channels]
    if len(set(names)) != len(names):
        raise AlertConfigError(f"{path}: duplicate channel names {names}")
    return AlertConfig(tuple(channels), smtp, str(path))


# --------------------------------------------------------------------------- evaluating


@dataclass(frozen=True)
class Alert:
    """One event to push: its once-key, rule, department (None: company-wide) and text."""

    key: str
    rule: str
    kind: str
    department: str | None
    text_zh: str
    text_en: str

    def text(self, lang: str) -> str:
        """The message in ``zh`` or ``en``."""
        return self.text_zh if lang == "zh" else self.text_en


def _ts(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"


def _label(kind: str, code: Any, lang: str) -> str:
    return "" if code is None or pd.isna(code) else vocab.label(kind, str(code), lang)


def _complaint_alerts(rule: AlertRule, df: pd.DataFrame) -> list[Alert]:
    out = []
    for r in df.itertuples():
        grade_zh, grade_en = (
            _label("severity", r.severity, "zh"),
            _label("severity", r.severity, "en"),
        )
        cat_zh, cat_en = _label("category", r.category, "zh"), _label("category", r.category, "en")
        if rule.kind == "complaint_received":
            zh = (
                f"【投诉预警】收到{grade_zh}投诉 {r.complaint_id}：{r.department}，{cat_zh}，"
                f"受理 {_ts(r.received_at)}，办结期限 {_ts(r.resolution_deadline)}"
            )
            en = (
                f"[Complaint alert] {grade_en} complaint {r.complaint_id} received: "
                f"{r.department}, {cat_en}, received {_ts(r.received_at)}, "
                f"due {_ts(r.resolution_deadline)}"
            )
        else:
            used = f"{r.used_share:.0%}"
            zh = (
                f"【时限预警】投诉 {r.complaint_id} 已用办结时限的 {used}"
                f"（剩余 {r.working_hours_left:.1f} 工作小时）：{r.department}，{cat_zh}，"
                f"{grade_zh}，办结期限 {_ts(r.resolution_deadline)}"
            )
            en = (
                f"[Time-limit alert] complaint {r.complaint_id} has used {used} of its "
                f"resolution time ({r.working_hours_left:.1f} working h left): {r.department}, "
                f"{cat_en}, {grade_en}, due {_ts(r.resolution_deadline)}"
            )
        out.append(Alert(f"{rule.id}:{r.complaint_id}", rule.id, rule.kind, r.department, zh, en))
    return out


def _group_alerts(rule: AlertRule, df: pd.DataFrame) -> list[Alert]:
    out = []
    for r in df.itertuples():
        cat_zh, cat_en = _label("category", r.category, "zh"), _label("category", r.category, "en")
        zh = (
            f"【群体投诉预警】{r.department}，{cat_zh}：{int(r.n_customers)} 位客户，"
            f"首次受理 {_ts(r.first_received_at)}（事件 {r.group_incident_id}）"
        )
        en = (
            f"[Group complaint alert] {r.department}, {cat_en}: {int(r.n_customers)} customers, "
            f"first received {_ts(r.first_received_at)} (incident {r.group_incident_id})"
        )
        key = f"{rule.id}:{r.group_incident_id}"
        out.append(Alert(key, rule.id, rule.kind, r.department, zh, en))
    return out


def _action_alerts(rule: AlertRule, df: pd.DataFrame) -> list[Alert]:
    out = []
    for r in df.itertuples():
        due = pd.Timestamp(r.due_date).date()
        title = privacy.mask_text(r.title)
        dept = r.department if isinstance(r.department, str) else None
        zh = (
            f"【整改超期】{r.action_id}「{title}」已超过期限 {due}（{int(r.days_overdue)} 天）"
            f"{'：' + dept if dept else ''}"
        )
        en = (
            f"[Action overdue] {r.action_id} '{title}' was due {due} "
            f"({int(r.days_overdue)} days ago){': ' + dept if dept else ''}"
        )
        out.append(Alert(f"{rule.id}:{r.action_id}:{due}", rule.id, rule.kind, dept, zh, en))
    return out


def _kpi_alerts(rule: AlertRule, ctx: context.ReadContext, as_of: dt.datetime) -> list[Alert]:
    from queries.marts import kpi

    month_start = as_of.date().replace(day=1)
    period = Period(month_start, as_of.date() + dt.timedelta(days=1))
    version = ctx.rules.version_for(month_start)
    month = f"{month_start:%Y-%m}"
    company = kpi.kpis(ctx, period, kpi.Filters(), as_of).assign(department=None)
    by_dept = kpi.kpis(ctx, period, kpi.Filters(), as_of, by="department")
    out = []
    for frame in (company, by_dept):
        for _, r in frame.iterrows():
            dept = r["department"] if isinstance(r["department"], str) else None
            for metric in rule.metrics:
                target = version.target(metric)
                value = r.get(metric)
                if target is None or value is None or pd.isna(value):
                    continue
                if target.status(float(value), dept) != "red":
                    continue
                goal = target.for_department(dept)[0]
                m = METRICS[metric]
                where_zh, where_en = dept or "全公司", dept or "whole company"
                shown = f"{value:.1%}" if m.unit == "rate" else f"{value:.2f}"
                goal_shown = f"{goal:.1%}" if m.unit == "rate" else f"{goal:.2f}"
                zh = f"【指标预警】{where_zh} {month} {m.zh} {shown}，目标 {goal_shown}（红灯）"
                en = f"[KPI alert] {where_en} {month} {m.en} {shown}, target {goal_shown} (red)"
                key = f"{rule.id}:{metric}:{month}:{dept or 'all'}"
                out.append(Alert(key, rule.id, rule.kind, dept, zh, en))
    return out


def evaluate(
    conn: context.Source, as_of: dt.datetime | None = None, today: dt.date | None = None
) -> list[Alert]:
    """Every alert the enabled rules raise at ``as_of`` (default: the data's as-of) and, for
    actions, on ``today`` (default: today). Pure reading: nothing is sent or recorded."""
    from queries.marts import actions

    ctx = context.of(conn)
    as_of = ctx.as_of(as_of)
    since = as_of - dt.timedelta(days=ctx.rules.alerts.lookback_days)
    found: list[Alert] = []
    for rule in ctx.rules.alerts.rules:
        if not rule.enabled:
            continue
        if rule.kind == "complaint_received":
            params = {"since": since, "as_of": as_of, "severities": list(rule.severities)}
            df = store.run_query(ctx.cur, "alert_complaints_received", params)
            found += _complaint_alerts(rule, df)
        elif rule.kind == "near_deadline":
            df = store.run_query(
                ctx.cur, "alert_near_deadline", {"as_of": as_of, "share": rule.share}
            )
            found += _complaint_alerts(rule, df)
        elif rule.kind == "group_incident":
            df = store.run_query(ctx.cur, "alert_group_incidents", {"since": since, "as_of": as_of})
            found += _group_alerts(rule, df)
        elif rule.kind == "action_overdue":
            found += _action_alerts(rule, actions.list_actions(ctx, today, state="overdue"))
        elif rule.kind == "kpi_red":
            found += _kpi_alerts(rule, ctx, as_of)
    return found


# --------------------------------------------------------------------------- delivering


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk robot signature: base64(HMAC-SHA256(key=secret, msg="timestamp\\nsecret"))."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu robot signature: base64(HMAC-SHA256(key="timestamp\\nsecret", msg=""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(extra.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def webhook_request(channel: Channel, text: str, now: float | None = None) -> tuple[str, bytes]:
    """The URL and JSON body of a group-robot text message in the vendor's format (WeCom:
    key in the URL; DingTalk: ``timestamp`` and ``sign`` query parameters; Feishu:
    ``timestamp`` and ``sign`` in the body)."""
    now = time.time() if now is None else now
    if channel.type == "wecom":
        url = _with_query(channel.url or WECOM_URL, {"key": channel.key} if channel.key else {})
        body: dict[str, Any] = {"msgtype": "text", "text": {"content": text}}
    elif channel.type == "dingtalk":
        url = channel.url
        if channel.secret:
            ts = int(now * 1000)
            url = _with_query(
                url, {"timestamp": str(ts), "sign": dingtalk_sign(channel.secret, ts)}
            )
        body = {"msgtype": "text", "text": {"content": text}}
    elif channel.type == "feishu":
        url = channel.url
        body = {"msg_type": "text", "content": {"text": text}}
        if channel.secret:
            ts = int(now)
            body = {"timestamp": str(ts), "sign": feishu_sign(channel.secret, ts), **body}
    else:
        raise ValueError(f"{channel.name}: not a webhook channel")
    return url, json.dumps(body, ensure_ascii=False).encode("utf-8")


def _post(channel: Channel, text: str) -> None:
    url, body = webhook_request(channel, text)
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            reply = response.read()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise RuntimeError(f"cannot reach the webhook: {getattr(exc, 'reason', exc)}") from None
    try:
        doc = json.loads(reply or b"{}")
    except json.JSONDecodeError:
        raise RuntimeError("the webhook answered with something that is not JSON") from None
    code = doc.get("errcode", doc.get("code", doc.get("StatusCode", 0)))
    if code not in (0, None):
        message = doc.get("errmsg") or doc.get("msg") or doc.get("StatusMessage") or ""
        raise RuntimeError(f"the robot refused the message: {code} {message}".strip())


def _mail(channel: Channel, smtp: Smtp, alert: Alert) -> None:
    msg = EmailMessage()
    text = alert.text(channel.lang)
    msg["Subject"] = (
        text.split("】", 1)[0] + "】" if channel.lang == "zh" else text.split("]")[0] + "]"
    )
    msg["From"] = smtp.sender or smtp.user
    msg["To"] = ", ".join(channel.to)
    msg["X-Alert-Key"] = alert.key
    msg.set_content(text)
    cls = smtplib.SMTP_SSL if smtp.ssl else smtplib.SMTP
    with cls(smtp.host, smtp.port, timeout=TIMEOUT_S) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.user:
            server.login(smtp.user, smtp.password)
        server.send_message(msg)


def deliver(channel: Channel, alert: Alert, smtp: Smtp | None) -> None:
    """Send one alert to one channel; raises ``RuntimeError``/``OSError`` on failure."""
    if channel.type == "email":
        if smtp is None:
            raise RuntimeError("no [smtp] section in the channel file")
        try:
            _mail(channel, smtp, alert)
        except (smtplib.SMTPException, OSError) as exc:
            raise RuntimeError(f"mail not sent: {exc}") from None
    else:
        _post(channel, alert.text(channel.lang))


# --------------------------------------------------------------------------- running


@dataclass
class RunResult:
    """What one run did: alerts raised, deliveries sent / failed / skipped (sent before)."""

    raised: int = 0
    sent: list[tuple[str, str]] = field(default_factory=list)  # (alert key, channel)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (key, channel, error)
    skipped: int = 0
    channels: int = 0


@contextlib.contextmanager
def _run_lock(db_path: Path) -> Iterator[None]:
    lock = Path(db_path).with_name(Path(db_path).name + ".alerts.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _already_sent(cur) -> dict[tuple[str, str], int]:
    """(alert_key, channel) → attempts, for every logged delivery; sent ones get -1."""
    try:
        rows = cur.execute("select alert_key, channel, outcome, attempts from alert_log").fetchall()
    except duckdb.CatalogException:  # published before migration 003: nothing logged yet
        return {}
    return {(k, c): (-1 if o == "sent" else int(a)) for k, c, o, a in rows}


def run(
    db_path: Path,
    config: AlertConfig | None = None,
    as_of: dt.datetime | None = None,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> RunResult:
    """Evaluate the alert rules on the published database and send every alert not sent
    before to each channel that takes it; record the outcomes in ``alert_log``.

    Args:
        db_path: the database file.
        config: the channels (default: the channel file, ``config_path``).
        as_of: the data cut-off (default: the data's latest timestamp).
        today: the day actions are judged overdue on (default: today).
        dry_run: evaluate and report only; nothing is sent or recorded.
    """
    db_path = Path(db_path)
    if config is None:
        config = load_config(config_path(db_path))
    result = RunResult(channels=len(config.channels))
    with _run_lock(db_path):
        cur = store.open_snapshot(db_path)
        try:
            raised = evaluate(cur, as_of, today)
            logged = _already_sent(cur)
        finally:
            cur.close()
        result.raised = len(raised)
        records: list[tuple[Alert, Channel, str, str | None, int, Any]] = []
        now = dt.datetime.now().replace(microsecond=0)
        for alert in raised:
            for channel in config.channels:
                if not channel.accepts(alert):
                    continue
                attempts = logged.get((alert.key, channel.name), 0)
                if attempts == -1:
                    result.skipped += 1
                    continue
                if dry_run:
                    result.sent.append((alert.key, channel.name))
                    continue
                try:
                    deliver(channel, alert, config.smtp)
                except (RuntimeError, OSError) as exc:
                    result.failed.append((alert.key, channel.name, str(exc)))
                    records.append((alert, channel, "failed", str(exc), attempts + 1, now))
                else:
                    result.sent.append((alert.key, channel.name))
                    records.append((alert, channel, "sent", None, attempts + 1, now))
        if records:
            _record(db_path, records)
    return result


def _record(db_path: Path, records: list[tuple[Alert, Channel, str, str | None, int, Any]]) -> None:
    with store.write_transaction(db_path, derive=None) as conn:
        for alert, channel, outcome, error, attempts, now in records:
            conn.execute(
                "insert into alert_log values ($k, $c, $r, $d, $m, $now, $sent, $o, $e, $a)"
                " on conflict (alert_key, channel) do update set outcome = excluded.outcome,"
                " sent_at = excluded.sent_at, error = excluded.error,"
                " attempts = excluded.attempts, message = excluded.message",
                {
                    "k": alert.key,
                    "c": channel.name,
                    "r": alert.rule,
                    "d": alert.department,
                    "m": alert.text(channel.lang),
                    "now": now,
                    "sent": now if outcome == "sent" else None,
                    "o": outcome,
                    "e": error,
                    "a": attempts,
                },
            )


def run_if_configured(db_path: Path) -> RunResult | None:
    """``run`` after a publication when a channel file exists (None when there is none)."""
    path = config_path(db_path)
    if not path.is_file():
        return None
    return run(db_path, load_config(path))


def alert_log(conn: context.Source, limit: int = 200) -> pd.DataFrame:
    """The newest deliveries of ``alert_log`` (masked texts as sent), newest first."""
    cur = conn.cur if isinstance(conn, context.ReadContext) else conn
    try:
        return store.run_sql(
            cur,
            "select alert_key, channel, rule, department, outcome, attempts, first_seen_at,"
            " sent_at, error, message from alert_log"
            " order by coalesce(sent_at, first_seen_at) desc, alert_key limit $n",
            {"n": int(limit)},
        )
    except duckdb.CatalogException:  # published before migration 003
        return pd.DataFrame()
