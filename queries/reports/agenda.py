"""The fixed agenda of the monthly review meeting and what each slide shows.

``slide_views(pack, lang)`` turns a stored meeting pack into renderer-neutral slides: a title,
up to four big numbers, up to two charts (raw values: the renderers draw them) and at most
one short table. The meeting page, the PowerPoint, the PDF and the Excel handout all draw
from these views, so they cannot disagree.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from queries import i18n
from queries.config import vocab
from queries.metrics import LADDER_STAGES, METRICS

#: (slide id, zh title, en title), in meeting order.
AGENDA: tuple[tuple[str, str, str], ...] = (
    ("title", "月度投诉分析会", "Monthly complaint review"),
    ("headline", "核心指标：目标与去年同期", "Headline KPIs against targets and last year"),
    ("trend", "近12个月趋势", "Trend over 12 months"),
    ("ranking", "部门考核排名与变化", "Department ranking and biggest movers"),
    ("worst", "最低分部门：扣分原因", "Lowest-scoring department: why"),
    ("timeliness", "处理时限与风险队列", "Time limits and the at-risk queue"),
    (
        "ladder",
        "处理环节：时限、升级与根本原因",
        "Handling ladder: limits, escalation, root causes",
    ),
    ("repeats", "重复投诉与群体投诉", "Repeat and group complaints"),
    ("satisfaction", "客户满意度", "Satisfaction"),
    ("accountability", "责任追究", "Accountability"),
    ("actions", "会议决定与行动项", "Decisions and actions"),
)
SLIDE_IDS: tuple[str, ...] = tuple(s[0] for s in AGENDA)

HEADLINE_METRICS: tuple[str, ...] = (
    "received",
    "resolution_rate",
    "on_time_resolution_rate",
    "response_sla_rate",
    "repeat_rate",
    "csat_rate",
)
TIMELINESS_METRICS: tuple[str, ...] = (
    "response_sla_rate",
    "on_time_resolution_rate",
    "overdue_open",
    "backlog_open",
)
LADDER_METRICS: tuple[str, ...] = (
    "escalation_compliance_rate",
    "revisit_done_rate",
    "stage_record_on_time_rate",
    "malicious_share",
)
REPEAT_METRICS: tuple[str, ...] = ("repeat_rate", "group_incidents", "escalation_rate")
SATISFACTION_METRICS: tuple[str, ...] = ("csat_rate", "csat_mean", "survey_coverage")
ACCOUNTABILITY_METRICS: tuple[str, ...] = (
    "penalties",
    "n_decided",
    "accountability_overdue",
    "appeals_open",
)
TREND_METRICS: tuple[str, ...] = ("received", "on_time_resolution_rate", "csat_rate")

_TEXT: dict[str, tuple[str, str]] = {
    "company": ("全公司", "Whole company"),
    "as_of": ("数据截至", "Data as of"),
    "filters": ("范围", "Scope"),
    "rules": ("规则版本", "Rules"),
    "prepared": ("编制时间", "Prepared"),
    "meeting": ("会议", "Meeting"),
    "target": ("目标", "target"),
    "last_year": ("去年同期", "last year"),
    "previous": ("上月", "last month"),
    "n": ("n", "n"),
    "stage_on_time": ("各环节按时率", "On-time rate per stage"),
    "root_causes": ("根本原因（帕累托）", "Root causes (Pareto)"),
    "root_cause": ("根本原因", "Root cause"),
    "cumulative": ("累计占比", "Cumulative"),
    "recurring_kind": ("性质", "Kind"),
    "recurring": ("反复性", "recurring"),
    "one_off": ("偶发", "one-off"),
    "continued": ("（续）", "(cont.)"),
    "score": ("得分", "Score"),
    "rank": ("排名", "Rank"),
    "change": ("较上月", "vs last month"),
    "department": ("部门", "Department"),
    "item": ("扣分项", "Item"),
    "deduction": ("扣分", "Points"),
    "complaint_id": ("投诉编号", "Complaint"),
    "category": ("类别", "Category"),
    "severity": ("等级", "Grade"),
    "received_at": ("受理时间", "Received"),
    "hours_left": ("剩余工作小时", "Working h left"),
    "deadline": ("办结期限", "Deadline"),
    "penalty_id": ("追责编号", "Penalty"),
    "due": ("追责期限", "Due"),
    "responsibility": ("责任类型", "Responsibility"),
    "appeal": ("申诉", "Appeal"),
    "slide": ("议题", "Topic"),
    "notes": ("记录与决定", "Notes and decisions"),
    "no_data": ("本月无数据", "No data this month"),
    "no_notes": ("（尚无记录）", "(nothing recorded yet)"),
    "movers": ("变化最大的部门", "Biggest movers"),
    "not_measured": ("未测量", "not measured"),
    "small_sample": ("样本不足", "small sample"),
    "coverage": ("覆盖率", "coverage"),
    "top_complaints": ("扣分背后的投诉", "Complaints behind the deductions"),
    "at_risk": ("风险队列（按剩余时间）", "At-risk queue (least time left first)"),
    "overdue_list": ("超期未追责与申诉", "Overdue decisions and appeals"),
    "overdue_days": ("超期 {n} 天", "{n} days overdue"),
    "state": ("状态", "State"),
    "customers": ("客户数", "Customers"),
    "by_category": ("按类别", "By category"),
    "by_department": ("按部门", "By department"),
    "lowest": ("最低的 {n} 个", "lowest {n}"),
    "highest": ("最高的 {n} 个", "highest {n}"),
    "points": ("分", " pts"),
    "hours": ("小时", "h"),
    "none": ("无", "none"),
    "review": (
        "上月（{month}）行动项：已完成 {done} 项（其中已验证 {verified} 项），"
        "进行中 {open} 项，超期 {overdue} 项",
        "Last month's ({month}) actions: {done} done ({verified} verified), "
        "{open} open, {overdue} overdue",
    ),
    "review_none": ("上月（{month}）无行动项", "No actions from last month ({month})"),
    "overdue_total": ("全部超期整改：{n} 项", "All overdue actions: {n}"),
    "action": ("行动项", "Action"),
    "owner": ("责任人", "Owner"),
    "due_date": ("完成期限", "Due"),
    "decisions": ("本次会议决定的整改行动", "Actions decided at this meeting"),
}

#: Display names and units of the accountability metrics (``kpi.METRICS`` covers the KPIs,
#: ``i18n.item_label`` the scoring items).
EXTRA_LABELS: dict[str, tuple[str, str, str]] = {
    "penalties": ("处罚人次", "Penalties", "count"),
    "n_decided": ("已作出决定", "Decided", "count"),
    "fines_total": ("罚款金额", "Fines (CNY)", "cny"),
    "joint_fine": ("连带罚款", "Joint-liability fines", "cny"),
    "accountability_coverage": ("追责覆盖率", "Accountability coverage", "rate"),
    "accountability_on_time_rate": ("按时追责率", "Decided on time", "rate"),
    "accountability_overdue": ("超期未追责", "Decisions overdue", "count"),
    "appeals_open": ("申诉中", "Appeals open", "count"),
    "repeat_after_penalty": ("处罚后复发", "Repeat after penalty", "count"),
}


def text(key: str, lang: str) -> str:
    """A fixed UI word of the handout in ``zh`` or ``en``."""
    zh, en = _TEXT[key]
    return zh if lang == "zh" else en


def slide_title(slide_id: str, lang: str) -> str:
    """The title of an agenda slide."""
    for sid, zh, en in AGENDA:
        if sid == slide_id:
            return zh if lang == "zh" else en
    raise KeyError(slide_id)


# --------------------------------------------------------------------------- formatting


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_value(value: Any, unit: str, lang: str = "zh") -> str:
    """Format a number for the meeting (``i18n.fmt_value``; score points as ``score``)."""
    return i18n.fmt_value(value, "score" if unit == "points" else unit, lang)


def fmt_change(current: Any, reference: Any, unit: str, lang: str = "zh") -> str:
    """A signed change (``i18n.fmt_delta``), ``—`` when either side is missing."""
    delta = i18n.fmt_delta(current, reference, "score" if unit == "points" else unit, lang)
    return delta if delta is not None else i18n.MISSING


def metric_label(pack: dict, metric: str, lang: str) -> str:
    """Display name of a metric (from the names frozen in the pack)."""
    info = pack.get("metrics", {}).get(metric)
    if info:
        return info["zh"] if lang == "zh" else info["en"]
    if metric in EXTRA_LABELS:
        zh, en, _ = EXTRA_LABELS[metric]
        return zh if lang == "zh" else en
    if metric in METRICS:  # a metric added after the pack was stored
        return i18n.metric_name(metric, lang)
    return i18n.item_label(metric, lang)


def metric_unit(pack: dict, metric: str) -> str:
    """Unit of a metric: count | rate | hours | cny | per_10k | points | score."""
    info = pack.get("metrics", {}).get(metric)
    if info:
        return str(info["unit"])
    if metric in EXTRA_LABELS:
        return EXTRA_LABELS[metric][2]
    if metric in METRICS:
        return METRICS[metric].unit
    return "score"


def department_name(row: dict, lang: str) -> str:
    """A department's display name from a row with ``department`` / ``department_en``."""
    if lang == "en" and row.get("department_en"):
        return str(row["department_en"])
    return str(row.get("department") or "")


def _code(kind: str, code: Any, lang: str) -> str:
    return "" if _missing(code) else vocab.label(kind, str(code), lang)


# --------------------------------------------------------------------------- views


@dataclass
class Stat:
    """One big number: label, exact value, its text and a comparison line."""

    metric: str
    label: str
    value: float | None
    text: str
    detail: str = ""
    status: str | None = None  # green | amber | red | None


@dataclass
class Chart:
    """A chart: ``kind`` column | bar (horizontal) | line; values are the exact numbers."""

    kind: str
    title: str
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    unit: str = "count"  # how the values are formatted (rate: 0.0%)
    targets: dict[str, float] = field(default_factory=dict)  # series name -> its target


@dataclass
class Table:
    """A short table of display text."""

    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class SlideView:
    """What one slide shows, in one language."""

    id: str
    number: int
    total: int
    title: str
    subtitle: str = ""
    stats: list[Stat] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    table: Table | None = None
    lines: list[str] = field(default_factory=list)
    notes: str = ""


def _card(pack: dict, metric: str) -> dict:
    for card in pack.get("cards", []):
        if card.get("metric") == metric:
            return card
    return {"metric": metric, "value": pack.get("kpis", {}).get(metric)}


def _stat(pack: dict, metric: str, lang: str, compare: str = "year_ago") -> Stat:
    card = _card(pack, metric)
    unit = metric_unit(pack, metric)
    value: Any = card.get("value")
    parts = []
    if not _missing(card.get("target")):
        parts.append(f"{text('target', lang)} {fmt_value(card['target'], unit, lang)}")
    other = card.get(compare)
    if not _missing(other):
        key = "last_year" if compare == "year_ago" else "previous"
        when = card.get(f"{compare}_as_of")  # the comparison's own as-of (same maturity)
        at = f" ({str(when)[:16]})" if when else ""
        parts.append(f"{text(key, lang)} {fmt_value(other, unit, lang)}{at}")
    if card.get("small_sample"):
        parts.append(f"{text('small_sample', lang)} (n={card.get('n')})")
    elif not _missing(card.get("n")) and unit not in ("count",):
        parts.append(f"n={int(card['n']):,}")
    coverage = card.get("coverage")
    if not card.get("not_measured") and isinstance(coverage, int | float) and coverage < 1:
        parts.append(f"{text('coverage', lang)} {fmt_value(coverage, 'rate', lang)}")
    return Stat(
        metric=metric,
        label=metric_label(pack, metric, lang),
        value=None if _missing(value) else float(value),
        text=text("not_measured", lang)
        if card.get("not_measured")
        else fmt_value(value, unit, lang),
        detail=" · ".join(parts),
        status=card.get("status"),
    )


def scope_name(pack: dict, lang: str) -> str:
    """The meeting's scope in words: the department the meeting is about, else the viewer's
    department scope (a department head's pack), else the filters, else 全公司 / Company."""
    for key in ("department_scope", "scope"):
        scope = pack.get(key) or {}
        if key == "scope" and scope.get("ids") is None:
            continue  # a company-wide viewer
        if scope.get("zh") or scope.get("en"):
            return str((scope.get("en") if lang == "en" else None) or scope.get("zh"))
    filters = {k: v for k, v in (pack.get("filters") or {}).items() if v}
    if filters:
        return "; ".join(f"{k}={','.join(map(str, v))}" for k, v in filters.items())
    return text("company", lang)


def footer(pack: dict, lang: str) -> str:
    """The footer line of every slide: scope, as-of, rule version, meeting id."""
    viewer = pack.get("scope") or {}
    if viewer.get("ids") is not None and not pack.get("department_scope"):
        head = str(viewer.get(lang) or viewer.get("zh"))  # "范围：华东区（含下级部门）"
    else:
        head = f"{text('filters', lang)}: {scope_name(pack, lang)}"
    rules = (pack.get("rules_version") or {}).get("id") or "—"
    return (
        f"{head} · {text('as_of', lang)} {pack['as_of'][:16]} · "
        f"{text('rules', lang)} {rules} · {text('meeting', lang)} {pack['meeting_id']}"
    )


def review_line(pack: dict, lang: str) -> str | None:
    """The opening line on last month's actions ("7 done, 2 overdue"), None in packs
    prepared before actions existed."""
    review = pack.get("actions_review")
    if not review:
        return None
    c = review["counts"]
    if not sum(c.values()):
        return text("review_none", lang).format(month=review["month"])
    return text("review", lang).format(
        month=review["month"],
        done=c["done"] + c["verified"],
        verified=c["verified"],
        open=c["open"],
        overdue=c["overdue"],
    )


def _title_view(pack: dict, lang: str) -> dict:
    month = pack["month"]
    y, m = month.split("-")
    heading = f"{y}年{int(m)}月 投诉分析会" if lang == "zh" else f"Complaint review {month}"
    lines = []
    review = pack.get("actions_review")
    if review:
        lines += [
            review_line(pack, lang),
            text("overdue_total", lang).format(n=review["overdue_total"]),
        ]
    lines += [
        f"{text('as_of', lang)}: {pack['as_of'][:16]}",
        f"{text('rules', lang)}: {(pack.get('rules_version') or {}).get('id') or '—'}",
        f"{text('prepared', lang)}: {pack.get('prepared_at', '')[:16]}",
    ]
    return {"title": heading, "subtitle": scope_name(pack, lang), "lines": lines}


def _targets(pack: dict, metrics: tuple[str, ...], lang: str) -> dict[str, float]:
    """``{series name: target}`` of the metrics that have a target in the pack's cards."""
    out = {}
    for m in metrics:
        target = _card(pack, m).get("target")
        if isinstance(target, int | float) and not _missing(target):
            out[metric_label(pack, m, lang)] = float(target)
    return out


def _trend_view(pack: dict, lang: str) -> dict:
    rows = pack.get("trend", [])
    months = [str(r["month"]) for r in rows]
    charts = [
        Chart(
            "column",
            metric_label(pack, "received", lang),
            months,
            [(metric_label(pack, "received", lang), [r.get("received") for r in rows])],
            "count",
        ),
        Chart(
            "line",
            " / ".join(metric_label(pack, m, lang) for m in TREND_METRICS[1:]),
            months,
            [(metric_label(pack, m, lang), [r.get(m) for r in rows]) for m in TREND_METRICS[1:]],
            "rate",
            _targets(pack, TREND_METRICS[1:], lang),
        ),
    ]
    return {"charts": charts}


def _ranking_view(pack: dict, lang: str) -> dict:
    scores = sorted(pack.get("scores", []), key=lambda r: (r["rank"], r["department"]))
    prev = {r["department"]: r for r in pack.get("scores_previous", [])}
    chart = Chart(
        "bar",
        text("score", lang),
        [department_name(r, lang) for r in scores],
        [(text("score", lang), [r["score"] for r in scores])],
        "points",
    )
    movers = []
    min_n = pack.get("min_n_score") or 0
    for r in scores:
        if (r.get("n_complaints") or 0) < min_n:
            continue  # a small sample is never a "biggest mover" (§5)
        before = prev.get(r["department"])
        if before is not None and not _missing(before.get("score")):
            movers.append((r["score"] - before["score"], r))
    movers.sort(key=lambda t: (-abs(t[0]), t[1]["department"]))
    rows = [
        [
            department_name(r, lang),
            fmt_value(r["score"], "points", lang),
            fmt_change(r["score"], r["score"] - delta, "points", lang),
            f"{r['rank']}",
        ]
        for delta, r in movers[:6]
        if delta != 0
    ]
    table = Table(
        text("movers", lang),
        [text("department", lang), text("score", lang), text("change", lang), text("rank", lang)],
        rows,
    )
    return {"charts": [chart], "table": table}


def _worst_view(pack: dict, lang: str) -> dict:
    worst = pack.get("worst")
    if not worst:
        return {"lines": [text("no_data", lang)]}
    items = [i for i in worst.get("items", []) if (i.get("deduction") or 0) > 0]
    chart = Chart(
        "bar",
        text("deduction", lang),
        [metric_label(pack, i["item"], lang) for i in items],
        [(text("deduction", lang), [i["deduction"] for i in items])],
        "points",
    )
    rows = [
        [
            str(c.get("complaint_id", "")),
            metric_label(pack, str(c.get("item", "")), lang),
            _code("category", c.get("category"), lang),
            _code("severity", c.get("severity"), lang),
        ]
        for c in worst.get("complaints", [])[:6]
    ]
    table = Table(
        text("top_complaints", lang),
        [
            text("complaint_id", lang),
            text("item", lang),
            text("category", lang),
            text("severity", lang),
        ],
        rows,
    )
    name = department_name(worst, lang)
    score = fmt_value(worst.get("score"), "points", lang)
    subtitle = f"{name} · {text('score', lang)} {score}"
    return {"subtitle": subtitle, "charts": [chart] if items else [], "table": table}


def _timeliness_view(pack: dict, lang: str) -> dict:
    rows = [
        [
            str(r.get("complaint_id", "")),
            department_name(r, lang),
            _code("severity", r.get("severity"), lang),
            fmt_value(r.get("working_hours_left"), "hours", lang),
        ]
        for r in pack.get("at_risk", [])[:6]
    ]
    table = Table(
        text("at_risk", lang),
        [
            text("complaint_id", lang),
            text("department", lang),
            text("severity", lang),
            text("hours_left", lang),
        ],
        rows,
    )
    return {
        "stats": [_stat(pack, m, lang) for m in TIMELINESS_METRICS],
        "table": table,
    }


def _by_chart(
    pack: dict, key: str, metric: str, lang: str, top: int = 10, lowest: bool = False
) -> Chart:
    """A bar chart of ``metric`` per category/department: the ``top`` highest (or lowest)."""
    rows = [r for r in pack.get(key, []) if not _missing(r.get(metric))]
    rows.sort(
        key=lambda r: (
            float(r[metric]) if lowest else -float(r[metric]),
            str(r.get("department") or r.get("category")),
        )
    )
    rows = rows[:top]
    dim = "category" if key == "by_category" else "department"
    cats = [
        department_name(r, lang) if dim == "department" else _code("category", r[dim], lang)
        for r in rows
    ]
    which = text("lowest" if lowest else "highest", lang).format(n=len(rows))
    title = f"{metric_label(pack, metric, lang)} · {text(key, lang)} · {which}"
    return Chart(
        "bar",
        title,
        cats,
        [(metric_label(pack, metric, lang), [r[metric] for r in rows])],
        metric_unit(pack, metric),
        _targets(pack, (metric,), lang),
    )


def _ladder_view(pack: dict, lang: str) -> dict:
    """Stage on-time rates (with n), the ladder numbers and the top root causes."""
    kpis = pack.get("kpis") or {}
    stages = [s for s in LADDER_STAGES if not _missing(kpis.get(f"stage_{s}_on_time_rate"))]
    names = [
        f"{LADDER_STAGES[s][0 if lang == 'zh' else 1]} (n={kpis.get(f'n_stage_{s}')})"
        for s in stages
    ]
    chart = Chart(
        "bar",
        text("stage_on_time", lang),
        names,
        [(text("stage_on_time", lang), [kpis.get(f"stage_{s}_on_time_rate") for s in stages])],
        "rate",
    )
    rows = [
        [
            _code("root_cause", r.get("root_cause"), lang),
            fmt_value(r.get("n"), "count", lang),
            fmt_value(r.get("cumulative_share"), "rate", lang),
            text("recurring" if r.get("recurring") else "one_off", lang),
        ]
        for r in (pack.get("root_causes") or [])[:6]
    ]
    table = Table(
        text("root_causes", lang),
        [
            text("root_cause", lang),
            text("n", lang),
            text("cumulative", lang),
            text("recurring_kind", lang),
        ],
        rows,
    )
    return {
        "stats": [_stat(pack, m, lang) for m in LADDER_METRICS],
        "charts": [chart] if stages else [],
        "table": table if rows else None,
    }


def _repeats_view(pack: dict, lang: str) -> dict:
    rows = [
        [
            department_name(g, lang),
            _code("category", g.get("category"), lang),
            str(g.get("first_received_at") or "")[:16],
            fmt_value(g.get("n_customers"), "count", lang),
        ]
        for g in pack.get("group_incidents", [])[:6]
    ]
    table = Table(
        metric_label(pack, "group_incidents", lang),
        [
            text("department", lang),
            text("category", lang),
            text("received_at", lang),
            text("customers", lang),
        ],
        rows,
    )
    return {
        "stats": [_stat(pack, m, lang) for m in REPEAT_METRICS],
        "charts": [_by_chart(pack, "by_category", "repeat_rate", lang, top=8)],
        "table": table if rows else None,
    }


def _accountability_view(pack: dict, lang: str) -> dict:
    acc = pack.get("accountability") or {}
    stats = []
    details = {
        "penalties": ("fines_total", acc.get("fines_total")),
        "n_decided": ("accountability_on_time_rate", acc.get("accountability_on_time_rate")),
    }
    for m in ACCOUNTABILITY_METRICS:
        unit = metric_unit(pack, m)
        detail = ""
        if m in details:
            other, value = details[m]
            shown = fmt_value(value, metric_unit(pack, other), lang)
            detail = f"{metric_label(pack, other, lang)} {shown}"
        stats.append(
            Stat(
                m,
                metric_label(pack, m, lang),
                acc.get(m),
                fmt_value(acc.get(m), unit, lang),
                detail,
            )
        )
    rows = []
    for r in pack.get("accountability_overdue", []):
        days = r.get("days_overdue")
        state = text("overdue_days", lang).format(n="—" if _missing(days) else int(days))
        rows.append(
            [
                str(r.get("penalty_id", "")),
                department_name(r, lang),
                _code("responsibility_type", r.get("responsibility_type"), lang),
                state,
            ]
        )
    for r in pack.get("accountability_appealed", []):
        state = f"{text('appeal', lang)}: {_code('appeal_status', r.get('appeal_status'), lang)}"
        rows.append(
            [
                str(r.get("penalty_id", "")),
                department_name(r, lang),
                _code("responsibility_type", r.get("responsibility_type"), lang),
                state,
            ]
        )
    table = Table(
        text("overdue_list", lang),
        [
            text("penalty_id", lang),
            text("department", lang),
            text("responsibility", lang),
            text("state", lang),
        ],
        rows[:6],
    )
    return {"stats": stats, "table": table}


def _actions_view(pack: dict, lang: str) -> dict:
    notes = pack.get("notes") or {}
    decisions = pack.get("decisions") or []
    if decisions:
        rows = [
            [
                f"{d['action_id']} {d['title']}",
                str(d.get("department") or ""),
                str(d["owner"]),
                str(d["due_date"]),
            ]
            for d in decisions
        ]
        columns = [
            text("action", lang),
            text("department", lang),
            text("owner", lang),
            text("due_date", lang),
        ]
        # the notes of the other slides stay on those slides (every renderer shows them there)
        return {"table": Table(text("decisions", lang), columns, rows[:8])}
    rows = [
        [slide_title(sid, lang), notes[sid].strip()]
        for sid in SLIDE_IDS
        if sid != "actions" and notes.get(sid, "").strip()
    ]
    if not rows:
        return {"lines": [text("no_notes", lang)]}
    return {"table": Table(text("notes", lang), [text("slide", lang), text("notes", lang)], rows)}


def slide_views(pack: dict, lang: str = "zh") -> list[SlideView]:
    """All slides of a meeting pack in agenda order, in ``zh`` or ``en``."""
    builders = {
        "title": _title_view,
        "headline": lambda p, lg: {"stats": [_stat(p, m, lg) for m in HEADLINE_METRICS]},
        "trend": _trend_view,
        "ranking": _ranking_view,
        "worst": _worst_view,
        "timeliness": _timeliness_view,
        "ladder": _ladder_view,
        "repeats": _repeats_view,
        "satisfaction": lambda p, lg: {
            "stats": [_stat(p, m, lg) for m in SATISFACTION_METRICS],
            "charts": [_by_chart(p, "by_department", "csat_rate", lg, top=10, lowest=True)],
        },
        "accountability": _accountability_view,
        "actions": _actions_view,
    }
    views = []
    notes = pack.get("notes") or {}
    for number, sid in enumerate(SLIDE_IDS, start=1):
        parts = builders[sid](pack, lang)
        parts.setdefault("title", slide_title(sid, lang))
        views.append(
            SlideView(
                id=sid,
                number=number,
                total=len(SLIDE_IDS),
                notes=str(notes.get(sid, "") or ""),
                **parts,
            )
        )
    return views


def paginate(views: list[SlideView], rows_per_slide: int = 10, lang: str = "zh") -> list[SlideView]:
    """Slides that fit their box: a table longer than ``rows_per_slide`` rows (half that
    beside stats or a chart) continues on continuation slides (table only, the title
    marked ``（续）`` / ``(cont.)``); numbers and totals follow the new order."""
    out: list[SlideView] = []
    for view in views:
        table = view.table
        first = min(6, rows_per_slide) if (view.stats or view.charts) else rows_per_slide
        if table is None or len(table.rows) <= first:
            out.append(view)
            continue
        rest = range(first, len(table.rows), rows_per_slide)
        chunks = [table.rows[:first]] + [table.rows[i : i + rows_per_slide] for i in rest]
        for part, rows in enumerate(chunks):
            piece = Table(table.title, table.columns, rows)
            if part == 0:
                out.append(dataclasses.replace(view, table=piece))
                continue
            mark = f"{text('continued', lang)} {part + 1}/{len(chunks)}"
            out.append(
                dataclasses.replace(
                    view,
                    title=f"{view.title} {mark}",
                    subtitle=view.subtitle,
                    stats=[],
                    charts=[],
                    lines=[],
                    table=piece,
                )
            )
    return [dataclasses.replace(v, number=i, total=len(out)) for i, v in enumerate(out, start=1)]
