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


def _m(name, zh, en, def_zh, def_en, denominator, unit, better) -> tuple[str, MetricDef]:
    return name, MetricDef(name, zh, en, def_zh, def_en, denominator, unit, better)


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
        ),
        _m(
            "resolution_rate",
            "办结率",
            "Resolution rate",
            "已办结 / 投诉量",
            "resolved / received",
            "n_received",
            "rate",
            "higher",
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
        ),
        _m(
            "backlog_open",
            "未办结",
            "Open",
            "统计期内受理、截止时点尚未办结的投诉数",
            "Received in the period (≤ as-of) and not resolved by the as-of",
            "n_received",
            "count",
            "lower",
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
        ),
        _m(
            "repeat_rate",
            "重复投诉率",
            "Repeat rate",
            "重复投诉 / 投诉量；重复：关联了前次投诉，或同一客户在受理前30×24小时内有同类投诉",
            "Repeats / received; a repeat links to an earlier complaint or the same customer "
            "filed one in the same category within the 30 × 24 h before it",
            "n_received",
            "rate",
            "lower",
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
        ),
        _m(
            "survey_coverage",
            "回访率",
            "Survey coverage",
            "已回访 / 已办结",
            "Surveyed (resolved ones) / resolved",
            "n_resolved",
            "rate",
            "higher",
        ),
        _m(
            "escalation_rate",
            "升级率",
            "Escalation rate",
            "升级层级≥2 / 投诉量",
            "escalation_level ≥ 2 / received",
            "n_received",
            "rate",
            "lower",
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
        ),
    ]
)

#: The metric columns of ``kpi.kpis`` in order (n_* and extra columns follow them).
METRIC_COLUMNS: tuple[str, ...] = tuple(METRICS)
