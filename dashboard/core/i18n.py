"""Labels in Chinese (default) and English, and number/date/month formatting.

Streamlit-free so the reports and the CLI can use it too. Metric names and definitions
are NOT here: they live in ``kpi.METRICS`` (``metric_name`` / ``metric_definition`` read
them); column headers of canonical columns come from ``schema.py``; coded values
(channel, severity, status...) from ``vocab.label``.

Formats (both languages): integers ``12,345``; rates ``87.5%``; hours ``3.2 小时`` /
``3.2 h``; months ``2025年10月`` / ``Oct 2025``; dates ``2025年10月15日`` / ``15 Oct 2025``.
Missing values show as ``—``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"
MISSING = "—"

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# key -> (zh, en). UI words only; metric names come from kpi.METRICS.
LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("投诉管理指标看板", "Complaint KPI dashboard"),
    "language": ("语言", "Language"),
    "filters": ("筛选", "Filters"),
    "period": ("统计期", "Period"),
    "period_this_month": ("本月", "This month"),
    "period_last_month": ("上月", "Last month"),
    "period_quarter": ("本季度", "This quarter"),
    "period_ytd": ("本年累计", "Year to date"),
    "period_custom": ("自定义", "Custom range"),
    "date_range": ("日期范围", "Date range"),
    "as_of": ("数据截止", "As of"),
    "as_of_help": (
        "默认为数据中最新的时间点；此后发生的事均视为不存在",
        "Defaults to the latest timestamp in the data; nothing after it exists",
    ),
    "department": ("责任部门", "Department"),
    "category": ("投诉类别", "Category"),
    "channel": ("投诉渠道", "Channel"),
    "severity": ("投诉等级", "Grade"),
    "region": ("区域", "Region"),
    "all": ("全部", "All"),
    "role": ("角色", "Role"),
    "role_viewer": ("查看者（个人信息已脱敏）", "Viewer (personal data masked)"),
    "role_analyst": ("分析员（个人信息已脱敏）", "Analyst (personal data masked)"),
    "role_privacy_officer": ("隐私专员（可见个人信息）", "Privacy officer (sees personal data)"),
    "reset_filters": ("重置筛选", "Reset filters"),
    # navigation
    "nav_executive": ("管理层", "Executive"),
    "nav_quality": ("质量分析", "Quality"),
    "nav_meeting": ("会议", "Meeting"),
    "page_overview": ("总览", "Overview"),
    "page_departments": ("部门", "Departments"),
    "page_time_limits": ("处理时限", "Time limits"),
    "page_scores": ("考核评分", "Scores"),
    "page_repeats": ("重复与群体投诉", "Repeats & groups"),
    "page_satisfaction": ("满意度", "Satisfaction"),
    "page_accountability": ("责任追究", "Accountability"),
    "page_explorer": ("投诉明细", "Complaint explorer"),
    "page_data": ("数据", "Data"),
    "page_meeting": ("月度分析会", "Monthly meeting"),
    # KPI cards
    "vs_previous": ("较上期", "vs previous"),
    "vs_year_ago": ("较去年同期", "vs last year"),
    "target": ("目标", "Target"),
    "definition": ("口径", "Definition"),
    "cohort": ("统计对象", "Cohort"),
    "denominator_n": ("分母 n", "Denominator n"),
    "status_green": ("✔ 达标", "✔ On target"),
    "status_amber": ("▲ 预警", "▲ Warning"),
    "status_red": ("✖ 未达标", "✖ Off target"),
    "status_none": ("无目标", "No target"),
    "pp": ("个百分点", "pp"),
    "hours": ("小时", "h"),
    "days": ("天", "days"),
    "yuan": ("元", "CNY"),
    # states
    "empty_title": ("所选范围内没有投诉数据", "No complaints in the selected range"),
    "empty_help": (
        "请调整统计期或筛选条件；若尚未导入数据，可运行 `complaints demo` 生成演示数据，"
        "或用 `complaints import 文件.csv` 导入投诉系统导出的文件。",
        "Change the period or filters. If no data is loaded yet, run `complaints demo` for "
        "the demo database or `complaints import FILE.csv` to load your system's export.",
    ),
    "no_database": ("还没有数据库", "No database yet"),
    "building_demo": (
        "首次启动：正在生成演示数据库（约需一分钟）……",
        "First start: building the demo database (about a minute)…",
    ),
    "error_query": ("查询失败", "The query failed"),
    "error_hint": (
        "页面其余部分不受影响。详细信息已写入服务器日志。",
        "The rest of the page is unaffected. Details are in the server log.",
    ),
    "not_available": ("该功能尚未提供", "Not available yet"),
    "calendar_uncovered": (
        "以下年份不在节假日日历覆盖范围内，按仅周末休息计算工作日：",
        "These years are not covered by the holiday calendar; working days fall back to "
        "weekends only:",
    ),
    # data summary
    "data_loaded": ("数据概况", "Data loaded"),
    "complaints_total": ("投诉总数", "Complaints"),
    "departments_total": ("部门数", "Departments"),
    "date_range_data": ("受理日期范围", "Received between"),
    "by_month": ("按月投诉量", "Complaints by month"),
    "penalties_total": ("追责记录", "Penalty records"),
    "last_import": ("最近导入", "Last import"),
    "month": ("月份", "Month"),
    "week": ("周（周一起）", "Week (from Monday)"),
    "count": ("数量", "Count"),
    # overview
    "overview_title": ("投诉管理总览", "Complaint handling overview"),
    "trend": ("趋势", "Trend"),
    "trend_metric": ("趋势指标", "Trend metric"),
    "top_categories": ("投诉类别排行", "Top categories"),
    "departments_at_risk": ("重点关注部门", "Departments most at risk"),
    "score": ("得分", "Score"),
    "rank": ("排名", "Rank"),
    "rules_version": ("规则版本", "Rules version"),
    "effective": ("生效期", "In force"),
    "change_vs_prev_month": ("较上月", "vs previous month"),
    "n_complaints": ("投诉数", "Complaints"),
    # departments
    "departments_title": ("部门考核与分析", "Departments"),
    "scorecard": ("考核评分排名", "Scorecard ranking"),
    "select_department": ("选择部门", "Select a department"),
    "department_view": ("部门详情", "Department view"),
    "why_score_moved": ("得分变动原因", "Why the score moved"),
    "previous_score": ("上月得分", "Previous month"),
    "current_score": ("本月得分", "This month"),
    "item": ("扣分项", "Item"),
    "deduction": ("扣分", "Deduction"),
    "measured": ("实际值", "Measured"),
    "cap": ("上限", "Cap"),
    "handlers": ("处理人", "Handlers"),
    "breaches": ("超时投诉", "Breaches"),
    "complaints_behind": ("对应投诉", "Complaints behind it"),
    "click_row_hint": (
        "点击表格中的一行查看对应投诉",
        "Click a row to see the complaints behind it",
    ),
    "click_bar_hint": (
        "点击图中的柱形查看对应投诉",
        "Click a bar to see the complaints behind it",
    ),
    "score_month": ("考核月份", "Month scored"),
    # time limits
    "time_limits_title": ("处理时限", "Time limits"),
    "first_response_dist": ("首次响应时长分布（小时）", "First response time (hours)"),
    "resolution_dist": ("办结时长分布（小时）", "Resolution time (hours)"),
    "compliance_by": ("时限达标率：按", "Compliance by"),
    "backlog_age": ("未办结投诉账龄", "Open complaints by age"),
    "age_bucket": ("账龄", "Age"),
    "at_risk_queue": ("即将超时队列", "At-risk queue"),
    "at_risk_help": (
        "未办结投诉按距办结期限的剩余工作时间排序（负数为已超期）",
        "Open complaints ordered by working time left to their resolution deadline "
        "(negative = overdue)",
    ),
    "due_within": ("截止时间范围", "Deadline within"),
    "due_all": ("全部未办结", "All open"),
    "due_overdue": ("已超期", "Overdue"),
    "due_next_working_day": ("下一个工作日内到期", "Due by end of next working day"),
    "due_3_days": ("3个工作日内到期", "Due within 3 working days"),
    "escalation_tiers": ("升级层级", "Escalation tiers"),
    "tier": ("层级", "Tier"),
    "tier_1": ("1 一线", "1 Frontline"),
    "tier_2": ("2 经理", "2 Managers"),
    "tier_3": ("3 总监/总经理", "3 Directors / GM"),
    "working_hours_left": ("剩余工作小时", "Working hours left"),
    # scores
    "scores_title": ("部门考核评分", "Department scores"),
    "monthly_scores": ("月度得分", "Monthly scores"),
    "rollup": ("汇总", "Roll-up"),
    "quarter": ("季度", "Quarter"),
    "year": ("全年", "Year"),
    "rule_table": ("扣分规则表", "Deduction rule table"),
    "kind": ("类型", "Kind"),
    "points": ("扣分标准", "Points"),
    "base_score": ("基础分", "Base score"),
    "score_history": ("得分走势", "Score history"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "rows_shown": ("显示 {n} 行", "{n} rows shown"),
}

# department / item / bucket words shared with reports
ITEM_LABELS: dict[str, tuple[str, str]] = {
    "valid_complaints": ("有理投诉", "Valid complaints"),
    "response_timeliness": ("响应及时性", "Response timeliness"),
    "resolution_timeliness": ("办结及时性", "Resolution timeliness"),
    "repeat_complaints": ("重复投诉", "Repeat complaints"),
    "satisfaction": ("满意度", "Satisfaction"),
    "concealed_major": ("隐瞒重大投诉", "Concealed major complaints"),
    "per_event": ("按件扣分", "Per event"),
    "rate_gap": ("按差距扣分", "Rate gap"),
}

# extra column headers for derived columns (canonical ones come from schema.py)
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "department_name_zh": ("责任部门", "Department"),
    "department_name_en": ("部门（英文）", "Department (en)"),
    "department_en": ("部门（英文）", "Department (en)"),
    "department_id": ("部门编号", "Department id"),
    "score": ("得分", "Score"),
    "rank": ("排名", "Rank"),
    "rank_change": ("名次变化", "Rank change"),
    "score_change": ("得分变化", "Score change"),
    "n_complaints": ("投诉数", "Complaints"),
    "rules_version": ("规则版本", "Rules version"),
    "rules_effective_from": ("生效日期", "In force from"),
    "rules_effective_to": ("失效日期", "In force until"),
    "response_due_at": ("响应时限", "Response due"),
    "resolution_deadline": ("办结期限", "Resolution deadline"),
    "working_hours_left": ("剩余工作小时", "Working hours left"),
    "first_response_h": ("首次响应（小时）", "First response (h)"),
    "resolution_h": ("办结时长（小时）", "Resolution (h)"),
    "responded_within_limit": ("及时响应", "Responded in time"),
    "resolved_by_deadline": ("按时办结", "Resolved on time"),
    "is_repeat": ("重复投诉", "Repeat"),
    "item": ("扣分项", "Item"),
    "kind": ("类型", "Kind"),
    "measured": ("实际值", "Measured"),
    "target": ("目标", "Target"),
    "points_rule": ("扣分标准", "Points"),
    "cap": ("上限", "Cap"),
    "deduction": ("扣分", "Deduction"),
    "month": ("月份", "Month"),
    "quarter": ("季度", "Quarter"),
    "year": ("年度", "Year"),
    "count": ("数量", "Count"),
    "age_bucket": ("账龄", "Age"),
}


def t(key: str, lang: str = DEFAULT_LANG, **kwargs: Any) -> str:
    """The label ``key`` in ``lang``; ``{name}`` placeholders are filled from kwargs.
    Unknown keys come back as the key itself (visible, never a crash)."""
    pair = LABELS.get(key) or ITEM_LABELS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**kwargs) if kwargs else text


def item_label(item: str, lang: str = DEFAULT_LANG) -> str:
    """Display name of a scoring item id (``valid_complaints`` → 有理投诉)."""
    pair = ITEM_LABELS.get(item)
    if pair is None:
        return item
    return pair[1] if lang == "en" else pair[0]


def _metric_def(metric: str) -> Any:
    from dashboard.core import kpi  # local: kpi imports duckdb/pandas, i18n stays light

    return kpi.METRICS.get(metric)


def metric_name(metric: str, lang: str = DEFAULT_LANG) -> str:
    """The metric's display name from ``kpi.METRICS`` (e.g. 按时办结率 / On-time resolution)."""
    m = _metric_def(metric)
    if m is None:
        return metric
    return m.en if lang == "en" else m.zh


def metric_definition(metric: str, lang: str = DEFAULT_LANG) -> str:
    """The metric's definition text from ``kpi.METRICS``."""
    m = _metric_def(metric)
    if m is None:
        return ""
    return m.definition_en if lang == "en" else m.definition_zh


def metric_unit(metric: str) -> str:
    """The metric's unit from ``kpi.METRICS`` ('count' when unknown)."""
    m = _metric_def(metric)
    return m.unit if m is not None else "count"


def column_label(column: str, lang: str = DEFAULT_LANG) -> str:
    """A table header: canonical columns from ``schema.py``, metrics from ``kpi.METRICS``,
    derived columns from ``COLUMN_LABELS``; anything else unchanged."""
    if column in COLUMN_LABELS:
        pair = COLUMN_LABELS[column]
        return pair[1] if lang == "en" else pair[0]
    if column in LABELS:
        return t(column, lang)
    if _metric_def(column) is not None:
        return metric_name(column, lang)
    from dashboard.core import schema

    for cols in schema.TEMPLATES.values():
        for c in cols:
            if c.name == column:
                return column if lang == "en" else c.zh
    return column


def column_labels(columns: Iterable[str], lang: str = DEFAULT_LANG) -> dict[str, str]:
    """``{column: header}`` for ``DataFrame.rename``."""
    return {c: column_label(str(c), lang) for c in columns}


# --------------------------------------------------------------------------- numbers


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: not a scalar missing value
        return False


def fmt_int(value: Any, lang: str = DEFAULT_LANG) -> str:
    """``12,345`` (both languages); ``—`` when missing."""
    if _missing(value):
        return MISSING
    return f"{round(float(value)):,}"


def fmt_number(value: Any, digits: int = 1, lang: str = DEFAULT_LANG) -> str:
    """``1,234.5`` with ``digits`` decimals; ``—`` when missing."""
    if _missing(value):
        return MISSING
    return f"{float(value):,.{digits}f}"


def fmt_pct(value: Any, digits: int = 1, lang: str = DEFAULT_LANG) -> str:
    """A rate in [0, 1] as ``87.5%``; ``—`` when missing (a rate with no denominator)."""
    if _missing(value):
        return MISSING
    return f"{float(value) * 100:.{digits}f}%"


def fmt_hours(value: Any, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """Hours as ``3.2 小时`` / ``3.2 h``."""
    if _missing(value):
        return MISSING
    return f"{float(value):,.{digits}f} {t('hours', lang)}"


def fmt_cny(value: Any, lang: str = DEFAULT_LANG) -> str:
    """Money as ``¥12,345``."""
    if _missing(value):
        return MISSING
    return f"¥{float(value):,.0f}"


def fmt_value(value: Any, unit: str, lang: str = DEFAULT_LANG) -> str:
    """Format a metric value by its ``kpi.METRICS`` unit."""
    if unit == "rate":
        return fmt_pct(value, lang=lang)
    if unit == "hours":
        return fmt_hours(value, lang)
    if unit == "cny":
        return fmt_cny(value, lang)
    if unit == "per_10k":
        return fmt_number(value, 2, lang)
    if unit == "score":
        return fmt_number(value, 1, lang)
    return fmt_int(value, lang)


def fmt_metric(metric: str, value: Any, lang: str = DEFAULT_LANG) -> str:
    """Format a value of a ``kpi.METRICS`` metric."""
    return fmt_value(value, metric_unit(metric), lang)


def fmt_delta(current: Any, reference: Any, unit: str, lang: str = DEFAULT_LANG) -> str | None:
    """The change from ``reference`` to ``current``: rates in percentage points
    (``+2.5 个百分点`` / ``+2.5 pp``), counts ``+12``, hours ``-1.5 h``; None if either is
    missing."""
    if _missing(current) or _missing(reference):
        return None
    diff = float(current) - float(reference)
    if unit == "rate":
        return f"{diff * 100:+.1f} {t('pp', lang)}"
    if unit == "hours":
        return f"{diff:+,.1f} {t('hours', lang)}"
    if unit == "cny":
        return f"{diff:+,.0f}"
    if unit in ("per_10k", "score"):
        return f"{diff:+,.2f}" if unit == "per_10k" else f"{diff:+,.1f}"
    return f"{diff:+,.0f}"


# --------------------------------------------------------------------------- dates


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 7:  # YYYY-MM
            return dt.date(int(text[:4]), int(text[5:7]), 1)
        return dt.datetime.fromisoformat(text).date()
    if hasattr(value, "to_pydatetime"):
        if _missing_ts(value):
            return None
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _missing_ts(value: Any) -> bool:
    return _missing(value)


def fmt_month(value: Any, lang: str = DEFAULT_LANG) -> str:
    """``2025年10月`` / ``Oct 2025`` from a date, datetime or ``"2025-10"``."""
    d = _as_date(value)
    if d is None:
        return MISSING
    return f"{_MONTHS_EN[d.month - 1]} {d.year}" if lang == "en" else f"{d.year}年{d.month}月"


def fmt_date(value: Any, lang: str = DEFAULT_LANG) -> str:
    """``2025年10月15日`` / ``15 Oct 2025``."""
    d = _as_date(value)
    if d is None:
        return MISSING
    if lang == "en":
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    return f"{d.year}年{d.month}月{d.day}日"


def fmt_datetime(value: Any, lang: str = DEFAULT_LANG) -> str:
    """``2025年10月15日 14:05`` / ``15 Oct 2025 14:05``."""
    if value is None or _missing_ts(value):
        return MISSING
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if not isinstance(value, dt.datetime):
        return fmt_date(value, lang)
    return f"{fmt_date(value, lang)} {value:%H:%M}"


def fmt_quarter(year: int, quarter: int, lang: str = DEFAULT_LANG) -> str:
    """``2025年第3季度`` / ``Q3 2025``."""
    return f"Q{quarter} {year}" if lang == "en" else f"{year}年第{quarter}季度"


def fmt_period(start: dt.date, end_exclusive: dt.date, lang: str = DEFAULT_LANG) -> str:
    """A [start, end) period: a calendar month as ``2025年10月``, else
    ``2025年10月1日 – 2025年10月15日`` (end shown inclusive)."""
    last = end_exclusive - dt.timedelta(days=1)
    nxt = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    if start.day == 1 and end_exclusive == nxt:
        return fmt_month(start, lang)
    return f"{fmt_date(start, lang)} – {fmt_date(last, lang)}"


def status_label(status: str | None, lang: str = DEFAULT_LANG) -> str:
    """Red/amber/green as symbol + text (never colour alone): ✔ 达标 / ▲ 预警 / ✖ 未达标."""
    if status in ("green", "amber", "red"):
        return t(f"status_{status}", lang)
    return t("status_none", lang)
