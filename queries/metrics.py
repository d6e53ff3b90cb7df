"""One home for what each metric means: the table of metric definitions (names in zh and
en, definition, denominator column, unit, better direction) that the engine, the labels,
the reports and ``docs/definitions.md`` all read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricDef:
    """What a KPI means: names, definition, cohort/denominator, unit and good direction."""

    name: str
    zh: str
    en: str
    definition_zh: str
    definition_en: str
    denominator: str  # the n_* column holding the denominator (or the cohort size)
    unit: str  # 'count' | 'rate' | 'hours' | 'score' (1-5 mean) | 'cny' | 'per_10k'
    better: str | None  # 'higher' | 'lower' | None
    # canonical input fields the metric needs besides received_at/department (§11 columns;
    # "business_volume": the loaded volumes); empty: always measured
    inputs: tuple[str, ...] = ()
    # the kpis() count column of cohort rows where those inputs were supplied (coverage =
    # measured / n_received; 0 → the metric is null, "not measured")
    measured: str | None = None


def _m(
    name, zh, en, def_zh, def_en, denominator, unit, better, inputs=(), measured=None
) -> tuple[str, MetricDef]:
    return name, MetricDef(
        name, zh, en, def_zh, def_en, denominator, unit, better, tuple(inputs), measured
    )


_RESOLUTION = (("resolved_at",), "n_measured_resolution")
_RESPONSE = (("first_response_at",), "n_measured_response")
_INPUTS: dict[str, tuple[tuple[str, ...], str]] = {
    "resolved": _RESOLUTION,
    "resolution_rate": _RESOLUTION,
    "on_time_resolution_rate": _RESOLUTION,
    "first_response_median_h": _RESPONSE,
    "first_response_mean_h": _RESPONSE,
    "first_response_p90_h": _RESPONSE,
    "response_sla_rate": _RESPONSE,
    "resolution_median_h": _RESOLUTION,
    "resolution_p90_h": _RESOLUTION,
    "backlog_open": _RESOLUTION,
    "overdue_open": _RESOLUTION,
    "repeat_rate": (("customer_id", "category"), "n_measured_repeat"),
    "group_incidents": (("customer_id", "category"), "n_measured_group"),
    "valid_rate": (("is_valid",), "n_valid_known"),
    "csat_rate": (("satisfaction",), "n_measured_survey"),
    "csat_mean": (("satisfaction",), "n_measured_survey"),
    "survey_coverage": (("satisfaction", "resolved_at"), "n_measured_survey_resolution"),
    "escalation_rate": (("escalation_level",), "n_measured_escalation"),
    "compensation_total": (("compensation_amount",), "n_measured_compensation"),
    "complaint_rate_per_10k": (("business_volume",), "n_received_with_volume"),
}


METRICS: dict[str, MetricDef] = dict(
    [
        _m(
            "received",
            "投诉量",
            "Complaints received",
            "受理时间在统计期内的投诉数",
            "Complaints with received_at in the period (and not after the as-of)",
            "received",
            "count",
            None,
        ),
        _m(
            "resolved",
            "已办结",
            "Resolved",
            "其中办结时间不晚于截止时点的投诉数",
            "Of those, resolved_at set and ≤ as-of",
            "received",
            "count",
            "higher",
            *_INPUTS["resolved"],
        ),
        _m(
            "resolution_rate",
            "办结率",
            "Resolution rate",
            "已办结 / 投诉量",
            "resolved / received",
            "n_measured_resolution",
            "rate",
            "higher",
            *_INPUTS["resolution_rate"],
        ),
        _m(
            "on_time_resolution_rate",
            "按时办结率",
            "On-time resolution rate",
            "在办结时限内办结的 / 已办结或截止时点前已到期的（未到期的未办结投诉不计入）",
            "Resolved by the deadline / received that are resolved or whose deadline ≤ as-of "
            "(open complaints not yet due are left out)",
            "n_on_time",
            "rate",
            "higher",
            *_INPUTS["on_time_resolution_rate"],
        ),
        _m(
            "first_response_median_h",
            "首次响应时长中位数（小时）",
            "First response, median (h)",
            "有首次响应的投诉：首次响应时间 − 受理时间（小时）的中位数",
            "Over complaints with first_response_at ≤ as-of: (first_response_at − received_at) "
            "in hours, median (continuous)",
            "n_first_response",
            "hours",
            "lower",
            *_INPUTS["first_response_median_h"],
        ),
        _m(
            "first_response_mean_h",
            "首次响应时长均值（小时）",
            "First response, mean (h)",
            "有首次响应的投诉：首次响应时长的平均值",
            "Mean of (first_response_at − received_at) in hours",
            "n_first_response",
            "hours",
            "lower",
            *_INPUTS["first_response_mean_h"],
        ),
        _m(
            "first_response_p90_h",
            "首次响应时长P90（小时）",
            "First response, 90th percentile (h)",
            "有首次响应的投诉：首次响应时长的90百分位（线性插值）",
            "90th percentile (continuous) of first response hours",
            "n_first_response",
            "hours",
            "lower",
            *_INPUTS["first_response_p90_h"],
        ),
        _m(
            "response_sla_rate",
            "及时响应率",
            "Response within limit",
            "在首次响应时限内响应的 / 已响应或截止时点前已超过时限的",
            "Responded within the first-response limit / received that responded or whose "
            "limit has passed by the as-of",
            "n_response_sla",
            "rate",
            "higher",
            *_INPUTS["response_sla_rate"],
        ),
        _m(
            "resolution_median_h",
            "处理时长中位数（小时）",
            "Resolution time, median (h)",
            "已办结投诉：办结时间 − 受理时间（小时）的中位数",
            "Over resolved complaints: (resolved_at − received_at) in hours, median",
            "n_resolved",
            "hours",
            "lower",
            *_INPUTS["resolution_median_h"],
        ),
        _m(
            "resolution_p90_h",
            "处理时长P90（小时）",
            "Resolution time, 90th percentile (h)",
            "已办结投诉：处理时长的90百分位（线性插值）",
            "90th percentile (continuous) of resolution hours",
            "n_resolved",
            "hours",
            "lower",
            *_INPUTS["resolution_p90_h"],
        ),
        _m(
            "backlog_open",
            "未办结",
            "Open",
            "统计期内受理、截止时点尚未办结的投诉数",
            "Received in the period (≤ as-of) and not resolved by the as-of",
            "n_measured_resolution",
            "count",
            "lower",
            *_INPUTS["backlog_open"],
        ),
        _m(
            "overdue_open",
            "超期未办结",
            "Open and overdue",
            "未办结且办结时限早于截止时点",
            "Open and resolution deadline < as-of",
            "n_open",
            "count",
            "lower",
            *_INPUTS["overdue_open"],
        ),
        _m(
            "repeat_rate",
            "重复投诉率",
            "Repeat rate",
            "重复投诉 / 投诉量；重复：关联了前次投诉，或同一客户在受理前30×24小时内有同类投诉",
            "Repeats / received; a repeat links to an earlier complaint or the same customer "
            "filed one in the same category within the 30 × 24 h before it",
            "n_measured_repeat",
            "rate",
            "lower",
            *_INPUTS["repeat_rate"],
        ),
        _m(
            "group_incidents",
            "群体投诉",
            "Group incidents",
            "同一部门、同一类别24小时内≥5位不同客户投诉的事件数（至少一件投诉在本期内）",
            "Incidents of ≥ 5 distinct customers, same department and category within 24 h, "
            "with at least one complaint in the cohort, formed by the as-of",
            "n_received",
            "count",
            "lower",
            *_INPUTS["group_incidents"],
        ),
        _m(
            "valid_rate",
            "有理投诉率",
            "Valid rate",
            "认定有理 / 已认定是否有理",
            "is_valid true / is_valid known",
            "n_valid_known",
            "rate",
            "lower",
            *_INPUTS["valid_rate"],
        ),
        _m(
            "csat_rate",
            "满意率",
            "Satisfied",
            "回访满意（4-5分）/ 已回访",
            "Surveyed with 4-5 / surveyed",
            "n_surveyed",
            "rate",
            "higher",
            *_INPUTS["csat_rate"],
        ),
        _m(
            "csat_mean",
            "满意度均分",
            "Satisfaction, mean (1-5)",
            "已回访投诉的满意度平均分（1-5）",
            "Mean satisfaction score (1-5) of surveyed complaints",
            "n_surveyed",
            "score",
            "higher",
            *_INPUTS["csat_mean"],
        ),
        _m(
            "survey_coverage",
            "回访率",
            "Survey coverage",
            "已回访 / 已办结",
            "Surveyed (resolved ones) / resolved",
            "n_resolved_survey",
            "rate",
            "higher",
            *_INPUTS["survey_coverage"],
        ),
        _m(
            "escalation_rate",
            "升级率",
            "Escalation rate",
            "升级层级≥2 / 投诉量",
            "escalation_level ≥ 2 / received",
            "n_measured_escalation",
            "rate",
            "lower",
            *_INPUTS["escalation_rate"],
        ),
        _m(
            "compensation_total",
            "补偿金额",
            "Compensation (CNY)",
            "补偿金额合计（另按补偿方式计件数）",
            "Sum of compensation_amount (counts by type in compensation_n_*)",
            "n_compensation",
            "cny",
            "lower",
            *_INPUTS["compensation_total"],
        ),
        _m(
            "complaint_rate_per_10k",
            "万单投诉率",
            "Complaints per 10,000",
            "投诉量 / 业务量 × 10000（仅计已导入业务量的部门和月份）",
            "Received / business volume × 10,000 over the department-months with a volume",
            "n_volume",
            "per_10k",
            "lower",
            *_INPUTS["complaint_rate_per_10k"],
        ),
    ]
)

#: Handling-ladder stages (docs/definitions.md#handling-ladder), in ladder order: code ->
#: (zh, en, the stage's timestamp column). ``rules.STAGES`` is this order.
LADDER_STAGES: dict[str, tuple[str, str, str]] = {
    "acknowledge": ("确认收到", "Acknowledge", "acknowledged_at"),
    "classify": ("分类分级", "Classify", "classified_at"),
    "assign": ("责任界定", "Assign responsibility", "responsibility_assigned_at"),
    "investigate": ("启动调查", "Start investigation", "investigation_started_at"),
    "manager_contact": ("客服经理联系", "Manager contact", "manager_contacted_at"),
    "escalate_t1": ("升级至主管", "Escalate to supervisor", "escalated_t1_at"),
    "escalate_t2": ("升级至经理", "Escalate to manager", "escalated_t2_at"),
    "escalate_t3": ("升级至总监", "Escalate to director", "escalated_t3_at"),
    "resolve": ("解决答复", "Resolve", "resolved_at"),
    "return_visit": ("回访", "Return visit", "surveyed_at"),
    "revisit": ("再次回访", "Re-visit", "revisited_at"),
    "record": ("记录完成", "Record completed", "record_completed_at"),
}
TIME_SHARE_PHASES: dict[str, tuple[str, str]] = {
    "receive": ("接收", "Receive"),
    "classify": ("分类", "Classify"),
    "investigate": ("调查", "Investigate"),
    "resolve": ("解决", "Resolve"),
    "follow_up": ("回访", "Follow up"),
}


def _ladder_metrics() -> list[tuple[str, MetricDef]]:
    """The handling-ladder metrics (docs/definitions.md#handling-ladder)."""
    out = []
    for stage, (zh, en, column) in LADDER_STAGES.items():
        inputs, measured = (column,), f"n_measured_stage_{stage}"
        out += [
            _m(
                f"stage_{stage}_on_time_rate",
                f"{zh}按时率",
                f"{en}: on-time rate",
                f"{zh}环节在时限内完成的 / 已完成或已到期的（未到期未完成的不计入）",
                f"Stages '{stage}' done within the limit / done or due by the as-of",
                f"n_stage_{stage}",
                "rate",
                "higher",
                inputs,
                measured,
            ),
            _m(
                f"stage_{stage}_median_h",
                f"{zh}用时中位数（小时）",
                f"{en}: median (h)",
                f"已完成的{zh}环节：完成时间 − 环节起点（小时）的中位数",
                f"Over stages '{stage}' done by the as-of: done − start in hours, median",
                f"n_stage_{stage}_done",
                "hours",
                "lower",
                inputs,
                measured,
            ),
            _m(
                f"stage_{stage}_p90_h",
                f"{zh}用时P90（小时）",
                f"{en}: P90 (h)",
                f"已完成的{zh}环节：用时的第90百分位",
                f"Over stages '{stage}' done by the as-of: hours, 90th percentile",
                f"n_stage_{stage}_done",
                "hours",
                "lower",
                inputs,
                measured,
            ),
        ]
    ladder = ("escalated_t1_at", "escalated_t2_at", "escalated_t3_at")
    out += [
        _m(
            "escalation_compliance_rate",
            "升级合规率",
            "Escalation compliance",
            "已升级的投诉中，逐级升级（无跳级）且每级均在时限内的 / 已升级的",
            "Escalated complaints that reached every tier in order (none skipped), each within "
            "its limit / escalated complaints",
            "n_escalated_ladder",
            "rate",
            "higher",
            ladder,
            "n_measured_ladder_escalation",
        ),
        _m(
            "escalation_skipped",
            "跳级升级数",
            "Escalations skipping a tier",
            "已升级的投诉中跳过某一级的件数",
            "Escalated complaints with a lower tier without a time below the highest reached",
            "n_escalated_ladder",
            "count",
            "lower",
            ladder,
            "n_measured_ladder_escalation",
        ),
        _m(
            "return_visit_resolved_rate",
            "回访确认解决率",
            "Return visits: resolved",
            "回访结论为问题已解决的 / 有回访结论的",
            "Return visits whose outcome is 'resolved' / return visits with an outcome",
            "n_visit_outcome",
            "rate",
            "higher",
            ("return_visit_outcome",),
            "n_measured_visit_outcome",
        ),
        _m(
            "revisit_done_rate",
            "不满意再次回访率",
            "Re-visits done",
            "回访不满意（满意度≤2或结论为未解决）的客户中已再次回访的 / 回访不满意的",
            "Dissatisfied return visits (satisfaction ≤ 2 or outcome 'unresolved') re-visited "
            "by the as-of / dissatisfied return visits",
            "n_revisit_due",
            "rate",
            "higher",
            ("revisited_at",),
            "n_measured_revisit",
        ),
        _m(
            "revisit_resolved_rate",
            "再次回访解决率",
            "Re-visits: resolved",
            "再次回访结论为问题已解决的 / 有结论的再次回访",
            "Re-visits whose outcome is 'resolved' / re-visits with an outcome",
            "n_revisit_outcome",
            "rate",
            "higher",
            ("revisit_outcome",),
            "n_measured_revisit_outcome",
        ),
        _m(
            "consecutive_unresolved",
            "连续未解决问题数",
            "Consecutive unresolved problems",
            "同一客户同一类别连续N次及以上未解决的问题数（N：规则 min_in_row）",
            "Customer + category problems unresolved in N or more consecutive complaints "
            "(N: rule min_in_row), one of them in the cohort",
            "n_received",
            "count",
            "lower",
            ("customer_id", "category"),
            "n_measured_repeat",
        ),
        _m(
            "malicious_share",
            "恶意投诉占比",
            "Malicious share",
            "认定为恶意投诉的 / 有恶意认定字段的投诉",
            "Complaints verified malicious / complaints with is_malicious given",
            "n_malicious_known",
            "rate",
            None,
            ("is_malicious",),
            "n_malicious_known",
        ),
        _m(
            "recurring_root_cause_share",
            "反复性原因占比",
            "Recurring root causes",
            "根本原因属反复性问题（M个月内≥N件）的 / 有根本原因的投诉",
            "Complaints whose root cause is recurring (≥ N complaints in M months) / complaints "
            "with a root cause",
            "n_root_cause",
            "rate",
            "lower",
            ("root_cause",),
            "n_measured_root_cause",
        ),
    ]
    share_inputs = (
        "acknowledged_at",
        "classified_at",
        "responsibility_assigned_at",
        "resolved_at",
        "surveyed_at",
    )
    for phase, (zh, en) in TIME_SHARE_PHASES.items():
        out.append(
            _m(
                f"time_share_{phase}",
                f"{zh}环节耗时占比",
                f"Time share: {en.lower()}",
                f"各里程碑齐全的投诉：{zh}环节用时合计 / 处理全程用时合计",
                f"Over complaints with every milestone in order: time in '{phase}' / total "
                "handling time (sums)",
                "n_time_share",
                "rate",
                None,
                share_inputs,
                "n_measured_time_share",
            )
        )
    return out


_LADDER = _ladder_metrics()
METRICS.update(_LADDER)
#: The handling-ladder metric names (computed only by ``kpis(..., ladder=True)``).
LADDER_METRICS: frozenset[str] = frozenset(name for name, _ in _LADDER)

#: The metric columns of ``kpi.kpis`` in order (n_* and extra columns follow them).
METRIC_COLUMNS: tuple[str, ...] = tuple(METRICS)


def coverage(row: dict) -> tuple[dict[str, float], list[str]]:
    """(coverage, not_measured) of one ``kpis`` row: per metric with inputs, the share of the
    cohort (``n_received``) where its inputs were supplied; the metrics with none measured.
    A cohort without complaints has no coverage and nothing "not measured"; a metric the row
    was computed without (no column of its name, e.g. the handling ladder of
    ``kpis(..., ladder=False)``) is in neither."""
    received = row.get("n_received")
    cov: dict[str, float] = {}
    missing: list[str] = []
    if received is None or received != received or not received:
        return cov, missing
    for name, mdef in METRICS.items():
        if mdef.measured is None or name not in row:
            continue
        n = row.get(mdef.measured)
        share = 0.0 if n is None or n != n else min(1.0, float(n) / float(received))
        cov[name] = round(share, 6)
        if share == 0.0:
            missing.append(name)
    return cov, missing


def judge_change(value: float | None, reference: float | None, better: str | None) -> str | None:
    """'better' | 'worse' | 'same' for ``value`` against ``reference`` given the metric's
    direction (None when either is missing or the metric has no direction)."""
    if value is None or reference is None or value != value or reference != reference:
        return None
    if better not in ("higher", "lower"):
        return None
    if value == reference:
        return "same"
    return "better" if (value > reference) == (better == "higher") else "worse"
