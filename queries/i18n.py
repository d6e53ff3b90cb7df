"""Labels in Chinese (default) and English, and number/date/month formatting.

Streamlit-free so the reports and the CLI can use it too. Metric names and definitions
are NOT here: they live in ``metrics.METRICS`` (``metric_name`` / ``metric_definition`` read
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

from queries.config import schema
from queries.metrics import METRICS, MetricDef

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"
MISSING = "—"

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# key -> (zh, en). UI words only; metric names come from metrics.METRICS.
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
    "per_pp": ("每个百分点", "pp"),
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
    "calendar_uncovered": (
        "以下年份不在节假日日历覆盖范围内，按仅周末休息计算工作日：",
        "These years are not covered by the holiday calendar; working days fall back to "
        "weekends only:",
    ),
    # data summary
    "data_loaded": ("数据概况", "Data loaded"),
    "data_loaded_line": (
        "{complaints} 条投诉，{departments} 个部门，受理日期 {first} – {last}，数据截止 {as_of}",
        "{complaints} complaints, {departments} departments, received {first} – {last}, "
        "as of {as_of}",
    ),
    "complaints_total": ("投诉总数", "Complaints"),
    "departments_total": ("部门数", "Departments"),
    "date_range_data": ("受理日期范围", "Received between"),
    "by_month": ("按月投诉量", "Complaints by month"),
    "penalties_total": ("追责记录", "Penalty records"),
    "last_import": ("最近导入", "Last import"),
    "month": ("月份", "Month"),
    "week": ("周（周一起）", "Week (from Monday)"),
    "grain": ("粒度", "Grain"),
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
    "overdue_open_list": ("超期未办结", "Overdue and open"),
    "late_resolution": ("超时办结", "Resolved late"),
    "late_response": ("响应超时", "Responded late"),
    "kpis": ("关键指标", "Key figures"),
    "department_scope_note": (
        "指标含下级部门的投诉；考核得分只计本部门直接负责的投诉。",
        "The figures include sub-departments; the score counts only the department's own "
        "complaints.",
    ),
    "no_department_selected": (
        "在排名中点击一个部门，或在上方选择部门",
        "Click a department in the ranking or pick one above",
    ),
    "complaints_behind": ("对应投诉", "Complaints behind it"),
    "click_row_hint": (
        "点击表格中的一行查看对应投诉",
        "Click a row to see the complaints behind it",
    ),
    "click_row_department": ("点击一行打开该部门详情", "Click a row to open the department"),
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
    "tier_unknown": ("未填升级层级", "No escalation tier recorded"),
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
    "click_complaint_hint": (
        "点击一行在投诉明细中查看该投诉",
        "Click a row to open the complaint in the explorer",
    ),
    "rows_shown": ("显示 {n} 行", "{n} rows shown"),
    # rectification actions (整改), alerts and the period summary (issue 15)
    "page_rectification": ("整改跟踪", "Rectification"),
    "page_summary": ("期间汇总", "Period summary"),
    "overdue_actions_line": ("整改超期 {n} 项", "Overdue rectification actions: {n}"),
    "overdue_actions_none": ("无超期整改", "No overdue rectification actions"),
    "act_state_open": ("进行中", "Open"),
    "act_state_overdue": ("超期", "Overdue"),
    "act_state_done": ("已完成", "Done"),
    "act_state_verified": ("已验证", "Verified"),
    "act_state_all": ("全部", "All"),
    "act_new": ("新建整改行动", "New rectification action"),
    "act_action_id": ("编号", "Id"),
    "act_title": ("整改内容", "What is to be done"),
    "act_owner": ("责任人", "Owner"),
    "act_due_date": ("完成期限", "Due"),
    "act_due_days": ("期限（工作日）", "Due in working days"),
    "act_due_by_date": ("指定日期", "Set a date"),
    "act_department": ("部门", "Department"),
    "act_category": ("类别", "Category"),
    "act_complaint_ids": ("关联投诉", "Complaints"),
    "act_score_item": ("扣分项", "Score item"),
    "act_metric": ("效果检查指标", "Metric checked"),
    "act_meeting_id": ("会议", "Meeting"),
    "act_source": ("来源", "Source"),
    "act_state": ("状态", "State"),
    "act_days_overdue": ("超期天数", "Days overdue"),
    "act_evidence": ("整改证据", "Evidence"),
    "act_verification_result": ("验证结论", "Verification"),
    "act_verified_at": ("验证日期", "Verified on"),
    "act_created_at": ("创建时间", "Created"),
    "act_created_by": ("创建人", "Created by"),
    "act_user": ("操作人", "Recorded by"),
    "act_user_help": (
        "登录功能上线前，请填写您的姓名（默认为系统用户）",
        "Until sign-in exists, type your name (default: the system user)",
    ),
    "act_create": ("创建", "Create"),
    "act_created": ("已创建整改行动 {id}", "Action {id} created"),
    "act_pick": ("选择行动项", "Choose an action"),
    "act_update": ("记录进展", "Record progress"),
    "act_status": ("状态", "Status"),
    "act_result_effective": ("有效", "Effective"),
    "act_result_not_effective": ("无效", "Not effective"),
    "act_note": ("验证说明", "Verification note"),
    "act_save": ("保存", "Save"),
    "act_saved": ("已保存：{fields}", "Saved: {fields}"),
    "act_unchanged": ("没有改动", "Nothing changed"),
    "act_history": ("变更记录", "Change history"),
    "act_changed_at": ("时间", "When"),
    "act_changed_by": ("操作人", "Who"),
    "act_field": ("字段", "Field"),
    "act_old_value": ("原值", "Before"),
    "act_new_value": ("新值", "After"),
    "act_effect": ("整改效果", "Effectiveness"),
    "act_effect_text": (
        "{metric}：期限前 {before}（{bp}）→ 期限后 {after}（{ap}），同长度窗口、同口径",
        "{metric}: {before} before the due date ({bp}) → {after} after ({ap}); equal windows, "
        "same filters",
    ),
    "act_effect_improved": ("已改善", "Improved"),
    "act_effect_worse": ("未改善", "Not improved"),
    "act_effect_pending": (
        "期限后的窗口尚未结束，暂不能判断",
        "The window after the due date is not over yet",
    ),
    "act_none": ("暂无整改行动", "No rectification actions yet"),
    "act_from_complaint": ("为该投诉创建整改行动", "Create an action for this complaint"),
    "act_from_department": ("为该部门创建整改行动", "Create an action for this department"),
    "act_from_slide": ("本议题决定整改行动", "Decide an action on this topic"),
    "alerts_title": ("预警推送记录", "Alert deliveries"),
    "alerts_not_sent": ("预警未发送", "Alerts not sent"),
    "alerts_sent": (
        "已推送预警 {sent} 条，失败 {failed} 条",
        "Alerts sent: {sent}, failed: {failed}",
    ),
    "alerts_none": ("尚无预警推送", "No alerts sent yet"),
    "sum_period": ("汇总期", "Period"),
    "sum_period_help": (
        "如 2026H1（上半年）、2026Q3（季度）、2026（全年）、2026-03（月）",
        "e.g. 2026H1 (half year), 2026Q3 (quarter), 2026 (year), 2026-03 (month)",
    ),
    "sum_by": ("汇总单位", "Unit"),
    "sum_by_none": ("全公司", "Whole company"),
    "sum_by_department": ("按部门", "By department"),
    "sum_by_category": ("按类别", "By category"),
    "sum_unit": ("单位", "Unit"),
    "sum_total": ("合计", "Total"),
    "sum_definitions": ("口径说明", "Definitions"),
    "sum_equal_note": (
        "每个数字与同期“指标”引擎（`complaints kpi`）的结果一致",
        "Every figure equals the KPI engine (`complaints kpi`) over the same period",
    ),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    # sign-in, roles, department scope and audit trail (issue 14)
    "scope_company": ("范围：全公司", "Scope: whole company"),
    "scope_departments": ("范围：{names}（含下级部门）", "Scope: {names} (with sub-departments)"),
    "not_in_scope": (
        "不在您的权限范围内：{what}",
        "Not in your scope: {what}",
    ),
    "sign_in_title": ("请登录", "Please sign in"),
    "sign_in_body": (
        "本看板需要使用公司统一身份认证登录。",
        "This dashboard requires signing in with the company's identity provider.",
    ),
    "sign_in_button": ("登录", "Sign in"),
    "sign_out_button": ("退出登录", "Sign out"),
    "no_role_title": ("您尚未获得访问权限", "You have no access yet"),
    "no_role_body": (
        "账号 {who} 已登录，但未在角色文件中分配角色，因此看不到任何数据。请联系：{contact}",
        "{who} is signed in but has no role in the roles file, so no data is shown. "
        "Please ask: {contact}",
    ),
    "no_role_contact_default": ("看板管理员", "the dashboard administrator"),
    "roles_file_error": (
        "角色文件有误，暂时无法授权：{error}",
        "The roles file is invalid, nobody can be authorised until it is fixed: {error}",
    ),
    "insecure_banner": (
        "未启用登录：本看板在非本机地址上运行且未做身份认证，"
        "任何能访问此端口的人都能看到全部数据。",
        "No sign-in: this dashboard listens on a non-local address without "
        "authentication; anyone who can reach this port sees all data.",
    ),
    "signed_in_as": ("{who} · {role}", "{who} · {role}"),
    "role_executive": ("高管", "Executive"),
    "role_quality": ("质量管理", "Quality"),
    "role_department_head": ("部门负责人", "Department head"),
    "role_admin": ("管理员", "Administrator"),
    "audit_title": ("审计日志", "Audit trail"),
    "audit_caption": (
        "登录、导入、导出下载、查看未脱敏个人信息、规则变更、会议冻结及备注/行动项变更的记录。",
        "Sign-ins, imports, exports and downloads, unmasked personal data views, rule changes, "
        "meeting freezes and note/action changes.",
    ),
    "audit_since": ("起始日期", "Since"),
    "audit_who": ("用户", "User"),
    "audit_none": ("没有审计记录", "No audit records"),
    "unmasked_notice": (
        "您正在查看未脱敏的个人信息，本次查看已记入审计日志。",
        "You are viewing unmasked personal data; this view is recorded in the audit trail.",
    ),
    # ---- pages an executive reads in ten seconds (issue 13)
    "status_line_counts": (
        "{when} {red} 项未达标、{amber} 项预警",
        "{when}: {red} off target, {amber} on warning",
    ),
    "status_line_all_green": ("{when} 全部 {n} 项指标达标", "{when}: all {n} KPIs on target"),
    "status_line_no_targets": ("{when} 未设目标", "{when}: no targets set"),
    "status_line_sep": ("；", "; "),
    "status_line_worst": ("最差：{name} {score} 分", "worst: {name} {score} points"),
    "status_line_item": ("（{item} −{points}）", " ({item} −{points})"),
    "crumb_company": ("公司", "Company"),
    "crumb_complaint": ("投诉", "Complaint"),
    "score_rates_differ": (
        "得分按 {month} 计算且不含经核实的恶意投诉，所以得分用的比率与上方卡片不同：{notes}",
        "Scores count {month} and leave out complaints verified malicious, so the rates "
        "they use differ from the cards above: {notes}",
    ),
    "score_rate_pair": (
        "{metric} 得分 {scored} · 卡片 {card}",
        "{metric} scored {scored} · card {card}",
    ),
    "list_sep": ("；", "; "),
    "page_breakdowns": ("分项分析", "Breakdowns"),
    "upload_button": ("上传", "Upload"),
    "upload_limit": ("每个文件不超过 200MB", "200MB per file"),
    "valid_rate_by_department": ("各部门有理投诉率", "Valid rate by department"),
    "compensation": ("补偿", "Compensation"),
    "no_compensation": ("本期没有补偿", "No compensation in this period"),
    "compensation_by_type": ("按补偿方式", "By type"),
    "compensation_by_department": ("各部门补偿金额", "Amount by department"),
    "compensation_count": ("补偿件数", "Cases"),
    "total": ("合计", "Total"),
    "n_cases": ("{n} 件", "{n} cases"),
    "no_volumes": (
        "未导入业务量，无法计算万件投诉率",
        "No business volumes loaded: the rate per 10,000 cannot be computed",
    ),
    "per_10k_note": (
        "每万笔业务量的投诉数 = 投诉量 ÷ 业务量 × 10,000（括号内：投诉量 / 业务量）",
        "Complaints per 10,000 business volume = complaints ÷ volume × 10,000 "
        "(in brackets: complaints / volume)",
    ),
    "region_breakdown": ("按区域", "By region"),
    "category_pareto": ("投诉类别帕累托", "Category Pareto"),
    "cumulative_share": ("累计占比", "Cumulative share"),
    "pareto_line": ("80% 线", "80% line"),
    "pareto_caption": (
        "{n} / {total} 个类别占投诉量的 {share}（红色柱）· 点击柱子查看投诉",
        "{n} of {total} categories make up {share} of complaints (red bars) · click a bar "
        "for its complaints",
    ),
    # hostile files and careless visitors (issue 18): demo marker, missing database, writes
    "demo_banner": ("示例数据", "Demo data"),
    "demo_banner_help": (
        "这是演示公司（华信电器）的虚构数据，不是贵公司的数据。导入自己的数据请使用"
        " `complaints import 文件 --db data/complaints.duckdb`，再用 `complaints serve` 打开。",
        "These are the made-up records of a demo company (Huaxin Electric), not yours. Import your"
        " own with `complaints import FILE --db data/complaints.duckdb`, then run"
        " `complaints serve`.",
    ),
    "database_missing_title": ("数据库文件不见了", "The database file is missing"),
    "database_missing": (
        "配置的数据库文件 {name} 已不存在（可能被移动或删除）。页面不会用其他数据代替。"
        "请恢复该文件或检查 COMPLAINTS_DB 设置，然后刷新页面。",
        "The configured database file {name} no longer exists (moved or deleted). No other"
        " data is shown in its place. Restore the file or check COMPLAINTS_DB, then reload.",
    ),
    "import_demo_refused": (
        "当前打开的是示例数据库，不接受导入。请将数据导入自己的数据库（`complaints import"
        " 文件 --db data/complaints.duckdb`），再用 `complaints serve` 打开。",
        "This is the demo database; it does not take imports. Import into your own database"
        " (`complaints import FILE --db data/complaints.duckdb`) and open it with"
        " `complaints serve`.",
    ),
    "failure_title": ("无法打开数据", "The data cannot be opened"),
    "failure_hint": (
        "页面没有显示任何数字。请把上面这一行发给管理员；详细信息已写入服务器日志。",
        "No figures are shown. Send the line above to your administrator; details are in"
        " the server log.",
    ),
    "writes_local_only": (
        "导入、保存列映射和会议记录仅限在本机（localhost）运行的应用中操作。",
        "Imports, mapping saves and meeting notes are available only in the app running"
        " on this machine (localhost).",
    ),
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
    # KPI denominators and counts (kpi.kpis n_* columns): the cohort a rate is taken over
    "n_received": ("统计期内受理的投诉", "complaints received in the period"),
    "n_resolved": ("已办结的投诉", "resolved complaints"),
    "n_on_time": (
        "已办结或办结期限已到的投诉",
        "complaints resolved or past their resolution deadline",
    ),
    "n_on_time_num": ("按时办结的投诉", "complaints resolved on time"),
    "n_first_response": ("有首次响应的投诉", "complaints with a first response"),
    "n_response_sla": (
        "已响应或响应时限已过的投诉",
        "complaints responded to or past their response limit",
    ),
    "n_response_sla_num": ("及时响应的投诉", "complaints responded to in time"),
    "n_open": ("未办结的投诉", "open complaints"),
    "n_repeat": ("重复投诉", "repeat complaints"),
    "n_valid": ("有理投诉", "valid complaints"),
    "n_valid_known": ("已认定是否有理的投诉", "complaints with validity known"),
    "n_satisfied": ("满意的回访", "satisfied answers"),
    "n_surveyed": ("已回访的投诉", "surveyed complaints"),
    "n_escalated": ("升级的投诉", "escalated complaints"),
    "n_compensation": ("有补偿的投诉", "complaints with compensation"),
    "n_volume": ("业务量", "business volume"),
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
    "main_item": ("主要扣分项", "Main deduction"),
    "metric": ("指标", "Metric"),
    "min_score": ("最低月得分", "Lowest month"),
    "max_score": ("最高月得分", "Highest month"),
    "n_months": ("月数", "Months"),
    "escalation_level": ("升级层级", "Escalation tier"),
    "points": ("扣分", "Points"),
    "satisfaction_class": ("满意度分类", "Satisfaction class"),
    "department": ("责任部门", "Department"),
    "handler": ("处理人", "Handler"),
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


def _metric_def(metric: str) -> MetricDef | None:
    return METRICS.get(metric)


def metric_name(metric: str, lang: str = DEFAULT_LANG) -> str:
    """The metric's display name from ``metrics.METRICS`` (e.g. 按时办结率 / On-time resolution)."""
    m = _metric_def(metric)
    if m is None:
        return metric
    return m.en if lang == "en" else m.zh


def metric_definition(metric: str, lang: str = DEFAULT_LANG) -> str:
    """The metric's definition text from ``metrics.METRICS``."""
    m = _metric_def(metric)
    if m is None:
        return ""
    return m.definition_en if lang == "en" else m.definition_zh


def metric_unit(metric: str) -> str:
    """The metric's unit from ``metrics.METRICS`` ('count' when unknown)."""
    m = _metric_def(metric)
    return m.unit if m is not None else "count"


def column_label(column: str, lang: str = DEFAULT_LANG) -> str:
    """A table header: canonical columns from ``schema.py``, metrics from ``metrics.METRICS``,
    derived columns from ``COLUMN_LABELS``; anything else unchanged."""
    if column in COLUMN_LABELS:
        pair = COLUMN_LABELS[column]
        return pair[1] if lang == "en" else pair[0]
    if column.startswith("ded_") and column[4:] in ITEM_LABELS:
        return f"{item_label(column[4:], lang)} ({t('deduction', lang)})"
    if column in LABELS:
        return t(column, lang)
    if _metric_def(column) is not None:
        return metric_name(column, lang)
    for cols in schema.TEMPLATES.values():
        for c in cols:
            if c.name == column:
                return column.replace("_", " ").capitalize() if lang == "en" else c.zh
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


def _no_negative_zero(text: str) -> str:
    """``-0.0`` → ``0.0`` (a value that rounds to zero has no sign)."""
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def fmt_number(value: Any, digits: int = 1, lang: str = DEFAULT_LANG) -> str:
    """``1,234.5`` with ``digits`` decimals (never ``-0.0``); ``—`` when missing."""
    if _missing(value):
        return MISSING
    return _no_negative_zero(f"{float(value):,.{digits}f}")


def fmt_score(value: Any, lang: str = DEFAULT_LANG) -> str:
    """A score or points with one decimal: ``24.4``; ``—`` when missing."""
    return fmt_number(value, 1, lang)


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
    """Format a metric value by its ``metrics.METRICS`` unit."""
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
    """Format a value of a ``metrics.METRICS`` metric."""
    return fmt_value(value, metric_unit(metric), lang)


def fmt_delta(current: Any, reference: Any, unit: str, lang: str = DEFAULT_LANG) -> str | None:
    """The change from ``reference`` to ``current``: rates in percentage points
    (``+2.5 个百分点`` / ``+2.5 pp``), counts ``+12``, hours ``-1.5 h``; None if either is
    missing."""
    if _missing(current) or _missing(reference):
        return None
    diff = float(current) - float(reference)
    if unit == "rate":
        return f"{_signed(diff * 100, 1)} {t('pp', lang)}"
    if unit == "hours":
        return f"{_signed(diff, 1)} {t('hours', lang)}"
    if unit == "cny":
        text = _signed(diff, 0)
        return f"{text[0]}¥{text[1:]}" if text[0] in "+-" else f"¥{text}"
    if unit in ("per_10k", "score"):
        return _signed(diff, 2 if unit == "per_10k" else 1)
    return _signed(diff, 0)


def _signed(value: float, digits: int) -> str:
    """``+1,234.5`` / ``-0.5``; a value that rounds to zero is ``0`` without a sign."""
    text = f"{value:+,.{digits}f}"
    return text[1:] if not any(c in "123456789" for c in text) else text


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


def fmt_week(value: Any, lang: str = DEFAULT_LANG) -> str:
    """A Monday-first week by its Monday: ``10月6日当周`` / ``Week of 6 Oct`` (year added
    when it is January's first week or the caller needs it)."""
    d = _as_date(value)
    if d is None:
        return MISSING
    if lang == "en":
        return f"Week of {d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    return f"{d.year}年{d.month}月{d.day}日当周"


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


# --------------------------------------------------------------------------- quality pages
# Labels of the repeats, satisfaction, accountability, explorer and data pages (appended as
# one block so the shell's LABELS above stay untouched).
QUALITY_LABELS: dict[str, tuple[str, str]] = {
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "field": ("字段", "Field"),
    "value": ("值", "Value"),
    "examples": ("示例", "Examples"),
    "n_complaints_count": ("{n} 件投诉", "{n} complaint(s)"),
    "open_in_explorer_hint": (
        "点击一行在投诉明细中打开该投诉",
        "Click a row to open the complaint in the explorer",
    ),
    "group_by": ("分组", "Group by"),
    "no_rows": ("没有符合条件的记录", "No matching records"),
    # explorer
    "search": ("搜索", "Search"),
    "search_placeholder": (
        "投诉编号、客户编号、处理人或投诉内容",
        "Id, customer id, handler or text",
    ),
    "search_help": (
        "在当前统计期与筛选范围内，按投诉编号、投诉内容、处理人或客户编号模糊查找（不区分大小写）",
        "Finds complaints of the current period and filters whose id, description, handler "
        "or customer id contains the text (case-insensitive)",
    ),
    "click_row_detail": ("点击一行查看投诉详情", "Click a row to see the complaint's detail"),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    "complaint_detail": ("投诉详情", "Complaint detail"),
    "close_detail": ("关闭", "Close"),
    "unknown_complaint": (
        "找不到投诉 {id}（或其受理时间晚于数据截止时间）",
        "No complaint {id} (or it was received after the as-of)",
    ),
    "excluded_note": (
        "该投诉已核实为恶意投诉：不计入考核扣分与责任追究",
        "Verified malicious: left out of score deductions and penalties",
    ),
    "record": ("投诉记录", "Record"),
    "derived_facts": ("派生结论", "Derived facts"),
    "fact": ("项目", "Fact"),
    "timeline": ("处理时间线", "Timeline"),
    "step": ("环节", "Step"),
    "time": ("时间", "Time"),
    "deadline": ("时限", "Deadline"),
    "met_deadline": ("是否按时", "Within the deadline"),
    "met": ("按时", "met"),
    "missed": ("超时", "missed"),
    "after_as_of": ("晚于数据截止（尚未发生）", "After the as-of (not yet)"),
    "step_received": ("接收", "Received"),
    "step_acknowledged": ("确认", "Acknowledged"),
    "step_first_response": ("首次响应", "First response"),
    "step_resolved": ("办结", "Resolved"),
    "step_surveyed": ("回访", "Surveyed"),
    "step_closed": ("结案", "Closed"),
    "score_items_fed": ("涉及的考核扣分项", "Score items it feeds"),
    "no_score_items": (
        "不涉及考核扣分项（恶意投诉不计）",
        "Feeds no score item (malicious complaints do not count)",
    ),
    "complaint_part": ("本投诉的作用", "This complaint's part"),
    "points_or_rate": ("扣分 / 实际值", "Points / measured"),
    "item_deduction": ("该项部门当月扣分", "Item deduction (department, month)"),
    "role_counts": ("计入扣分", "Counts"),
    "role_not_counted": ("不计入", "Not counted"),
    "role_not_in_the_rate": ("不在该比率中", "Not in the rate"),
    "role_numerator_and_denominator": ("分子与分母", "Numerator and denominator"),
    "role_denominator_only": ("仅分母（拉低比率）", "Denominator only"),
    "penalty_records": ("责任追究记录", "Penalty records"),
    "no_penalties": ("无责任追究记录", "No penalty records"),
    "fact_department": ("责任部门", "Department"),
    "fact_response_limit_h": ("首次响应时限（小时）", "First-response limit (h)"),
    "fact_response_due_at": ("首次响应截止", "First response due"),
    "fact_first_response_h": ("首次响应用时", "First response after"),
    "fact_responded_within_limit": ("及时响应", "Responded in time"),
    "fact_response_status": ("响应情况", "Response"),
    "fact_resolution_rule": ("办结时限依据", "Deadline rule"),
    "fact_resolution_days": ("办结时限（工作日）", "Resolution limit (working days)"),
    "fact_resolution_deadline": ("办结期限", "Resolution deadline"),
    "fact_resolution_h": ("办结用时", "Resolved after"),
    "fact_resolution_status": ("办结情况", "Resolution"),
    "fact_resolved_by_deadline": ("按时办结", "Resolved on time"),
    "fact_late_by_h": ("超时（小时）", "Late by (h)"),
    "fact_late_by_working_h": ("超时（工作小时）", "Late by (working h)"),
    "fact_is_repeat": ("重复投诉", "Repeat"),
    "fact_repeat_of_complaint_id": ("重复于投诉", "Repeat of"),
    "fact_group_incident_id": ("群体投诉事件", "Group incident"),
    "fact_satisfaction_class": ("满意度分类", "Satisfaction"),
    "fact_escalation_level": ("升级层级", "Escalation level"),
    "fact_is_excluded": ("恶意投诉（不计）", "Malicious (excluded)"),
    "fact_calendar_covered": ("节假日日历已覆盖", "Holiday calendar covered"),
    "fact_value_within_limit": ("在时限内", "Within the limit"),
    "fact_value_late": ("超时", "Late"),
    "fact_value_no_response_past_limit": ("超过时限仍未响应", "No response, limit passed"),
    "fact_value_awaiting_response": ("等待响应（未超时）", "Awaiting response"),
    "fact_value_extension": ("客户同意的延期", "Extension agreed with the customer"),
    "fact_value_multi_department": ("跨部门（7个工作日）", "Multi-department"),
    "fact_value_grade": ("按投诉等级", "By grade"),
    "fact_value_on_time": ("按时办结", "On time"),
    "fact_value_open_overdue": ("未办结且已超期", "Open and overdue"),
    "fact_value_open": ("未办结（未到期）", "Open, not yet due"),
    "fact_value_satisfied": ("满意", "Satisfied"),
    "fact_value_neutral": ("一般", "Neutral"),
    "fact_value_dissatisfied": ("不满意", "Dissatisfied"),
    # data page
    "data_quality": ("数据质量提示", "Data-quality warnings"),
    "no_data_warnings": ("未发现数据质量问题", "No data-quality problems found"),
    "recent_imports": ("最近导入", "Last imports"),
    "no_imports": ("尚无导入记录", "No imports yet"),
    "rejects_hint": (
        "以上导入共拒绝 {n} 行；每一行的文件、行号、列与原因见拒绝报告文件",
        "{n} rows were rejected by these imports; the reject report file lists each "
        "with file, line, column and reason",
    ),
    "import_data": ("导入数据", "Import data"),
    "import_kind_complaints": ("投诉记录", "Complaints"),
    "import_kind_penalties": ("责任追究记录", "Penalty records"),
    "import_kind_departments": ("部门", "Departments"),
    "import_kind_volumes": ("业务量", "Business volumes"),
    "import_outcome_ok": ("成功", "OK"),
    "import_outcome_refused": ("未导入", "Refused"),
    # repeats
    "repeat_trend": ("重复投诉率走势（近12个月）", "Repeat rate, last 12 months"),
    "repeats_by": ("重复投诉：按维度", "Repeats by dimension"),
    "repeat_chains": ("客户重复投诉链", "Repeat chains of one customer"),
    "repeat_list_help": (
        "本期的重复投诉；点击一行查看该客户的全部投诉（含本期之前的）",
        "This period's repeat complaints; click a row to see all of that customer's "
        "complaints (including earlier ones)",
    ),
    "customer_chain": ("客户 {id} 的投诉", "Complaints of customer {id}"),
    "no_customer_id": ("该投诉没有客户编号", "This complaint has no customer id"),
    "no_repeats": ("本期没有重复投诉", "No repeat complaints in this period"),
    "group_incident_list": ("群体投诉事件", "Group incidents"),
    "group_incident_help": (
        "同一部门、同一类别，{hours} 小时内至少 {k} 位不同客户；点击一行查看事件中的投诉",
        "At least {k} distinct customers, same department and category, within {hours} "
        "hours; click a row to see its complaints",
    ),
    "group_incident_complaints": ("事件 {id} 的投诉", "Complaints of incident {id}"),
    "no_group_incidents": ("本期没有群体投诉事件", "No group incidents in this period"),
    # satisfaction
    "csat_by": ("满意度：按维度", "Satisfaction by dimension"),
    "csat_beside_coverage": (
        "满意率只统计已回访的投诉，请结合回访率一起看",
        "The satisfaction rate counts surveyed complaints only: read it with the survey coverage",
    ),
    "dissatisfied_list": ("不满意投诉（需跟进）", "Dissatisfied complaints to follow up"),
    "dissatisfied_help": (
        "本期受理、回访结果为不满意（1-2分或不满意/非常不满意）的投诉",
        "Complaints of the period whose survey answer was dissatisfied (1-2, or "
        "dissatisfied / very dissatisfied)",
    ),
    "no_dissatisfied": ("本期没有不满意的回访", "No dissatisfied answers in this period"),
    # accountability
    "acct_by": ("责任追究：按维度", "Accountability by dimension"),
    "acct_on_time_vs_overdue": ("按时追责与超期未追责", "On-time vs overdue accountability"),
    "acct_decided_on_time": ("按期作出决定", "Decided on time"),
    "acct_lists": ("明细", "Lists"),
    "joint_fine_source_record": ("记录填写", "As recorded"),
    "joint_fine_source_derived": ("按规则计算", "Derived by the rule"),
    "list_ledger": ("追责台账", "Penalty ledger"),
    "list_overdue": ("超期未追责", "Overdue"),
    "list_appealed": ("申诉", "Appeals"),
    "list_without_record": ("有理投诉未追责", "Valid without accountability"),
    "list_repeat_after_penalty": ("处罚后复发", "Repeat after penalty"),
    "acct_cohort": (
        "统计对象：受理时间在统计期内的投诉及其追责记录",
        "Cohort: complaints received in the period and their penalty records",
    ),
    "def_accountability_coverage": (
        "至少有一条追责记录的有理投诉 / 有理投诉（不含恶意投诉）",
        "Valid complaints with at least one penalty record / valid complaints (malicious left out)",
    ),
    "def_penalties": ("追责记录条数（处罚人次）", "Penalty records"),
    "def_fines_total": (
        "罚款金额加连带罚款（元）",
        "Fines plus joint-liability fines (CNY)",
    ),
    "def_joint_fine": (
        "连带罚款：记录中未填写时，投诉升级到{level}级及以上的按罚款的{share}计",
        "Joint-liability fines: where the record does not carry one, {share} of the fine "
        "when the complaint reached tier {level}",
    ),
    "def_accountability_on_time_rate": (
        "在追责期限内作出决定的记录 / 已作出决定或已过期限的记录",
        "Records decided on or before the due date / records decided or past due",
    ),
    "def_accountability_overdue": (
        "未作出决定且已过追责期限（员工责任调查结束后{employee_days}天，"
        "管理责任{management_days}天，制度责任{institutional_days}天）",
        "Not decided and past the due date (investigation end + {employee_days} days for "
        "employees, + {management_days} management, + {institutional_days} institutional)",
    ),
    "def_appeals_open": ("申诉状态为申诉中的记录", "Records whose appeal is pending"),
    "def_repeat_after_penalty": (
        "处罚执行后{repeat_days}天内，同一部门同一类别又发生有理投诉的追责记录",
        "Penalty records followed within {repeat_days} days of execution by a valid "
        "complaint in the same department and category",
    ),
}
QUALITY_COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "customer_id": ("客户编号", "Customer id"),
    "repeat_of_complaint_id": ("重复于投诉", "Repeat of"),
    "group_incident_id": ("群体投诉事件", "Group incident"),
    "n_customers": ("客户数", "Customers"),
    "first_received_at": ("首次受理", "First received"),
    "last_received_at": ("最后受理", "Last received"),
    "qualified_at": ("达到群体标准时间", "Qualified at"),
    "n_dissatisfied": ("不满意的回访", "dissatisfied answers"),
    "n_surveyed_resolved": ("已办结且已回访的投诉", "resolved and surveyed complaints"),
    # import log
    "file_name": ("文件", "File"),
    "outcome": ("结果", "Outcome"),
    "source_rows": ("源文件行数", "Source rows"),
    "imported": ("新增", "Imported"),
    "updated": ("更新", "Updated"),
    "unchanged": ("未变", "Unchanged"),
    "superseded": ("被覆盖", "Superseded"),
    "rejected": ("拒绝", "Rejected"),
    "reject_report": ("拒绝报告", "Reject report"),
    "user_name": ("操作人", "User"),
    "message": ("说明", "Message"),
    "started_at": ("开始时间", "Started"),
    "finished_at": ("完成时间", "Finished"),
    # accountability
    "accountability_coverage": ("追责覆盖率", "Accountability coverage"),
    "penalties": ("处罚人次", "Penalties"),
    "fines_total": ("罚款合计（含连带）", "Fines total (incl. joint)"),
    "joint_fine": ("连带罚款", "Joint-liability fines"),
    "accountability_on_time_rate": ("按时追责率", "On-time accountability"),
    "accountability_overdue": ("超期未追责", "Overdue accountability"),
    "appeals_open": ("申诉中", "Appeals open"),
    "repeat_after_penalty": ("处罚后复发", "Repeat after penalty"),
    "n_valid_with_record": ("已追责的有理投诉", "Valid with a record"),
    "acct_n_due": ("已决定或已到期记录", "Decided or past due"),
    "n_decided_on_time": ("按期决定数", "Decided on time"),
    "n_decided": ("已决定数", "Decided"),
    "n_executed": ("已执行数", "Executed"),
    "fines": ("罚款（不含连带）", "Fines (without joint)"),
    "complaint_received_at": ("投诉受理时间", "Complaint received"),
    "complaint_department": ("投诉部门", "Complaint's department"),
    "accountability_due": ("追责期限", "Accountability due"),
    "joint_fine_source": ("连带罚款来源", "Joint fine source"),
    "publication_end": ("公示结束", "Publication ends"),
    "days_overdue": ("超期天数", "Days overdue"),
    "is_overdue": ("超期", "Overdue"),
    "is_decided": ("已决定", "Decided"),
    "decided_on_time": ("按期决定", "Decided on time"),
    "repeat_complaint_id": ("复发投诉", "Recurring complaint"),
    "repeat_received_at": ("复发受理时间", "Recurring received"),
    "days_after": ("执行后天数", "Days after execution"),
}
LABELS.update(QUALITY_LABELS)
COLUMN_LABELS.update(QUALITY_COLUMN_LABELS)

# --- like-for-like numbers (issue 11): not measured, coverage, small samples, comparisons,
# score items not scored / at cap / main deduction
LABELS.update(
    {
        "not_measured": ("未测量", "not measured"),
        "not_measured_help": (
            "数据源未提供该指标所需字段，不计为0",
            "the source did not supply this metric's input fields; not counted as 0",
        ),
        "coverage_short": ("覆盖率", "coverage"),
        "small_sample": ("样本不足", "small sample"),
        "vs_target": ("较目标", "vs target"),
        "change_better": ("改善", "better"),
        "change_worse": ("变差", "worse"),
        "change_same": ("持平", "same"),
        "comparison_as_of": ("截至", "as of"),
        "not_scored": ("未评分：无数据", "not scored: no data"),
        "cap_reached": ("已达上限", "cap reached"),
        "main_deduction": ("主要扣分项", "Main deduction"),
        "main_deduction_none": ("无突出扣分项", "no item above the company median"),
        "vs_median": ("比公司中位数", "vs company median"),
        "note": ("说明", "Note"),
        "per_100_complaints": ("每百件投诉，超出目标每1点", "per point above target per 100"),
        "per_10k_volume": ("每万业务量，超出目标每1点", "per point above target per 10,000"),
        "rules_before_first": (
            "该月早于首个规则版本生效日，仍按首个版本评判",
            "this month is before the first rule version took effect; judged by it anyway",
        ),
    }
)

# --- page read cost (issue 12): lists paged in the database
LABELS.update(
    {
        "list_page": ("页", "Page"),
        "rows_range": ("第 {first}–{last} 条，共 {total} 条", "rows {first}–{last} of {total}"),
    }
)

# --- handling ladder (issue 16): the Handling ladder page, its columns and states
LABELS.update(
    {
        "page_ladder": ("处理环节", "Handling ladder"),
        "ladder_intro": (
            "每个处理环节对照其时限（规则文件中的环节时限）；"
            "未提供该环节时间列的数据源为“未测量”，不计为超时。",
            "Every handling stage against its limit (rules version.stages); a source without "
            "the stage's timestamp column is 'not measured', never late.",
        ),
        "ladder_stages": ("各环节时限达成", "Stages against their limits"),
        "ladder_pick_stage": ("查看环节明细", "Show the complaints of a stage"),
        "ladder_stage_rows": ("环节明细", "Stage rows"),
        "ladder_other": ("升级、回访与投诉性质", "Escalation, visits and complaint nature"),
        "ladder_time_shares": ("环节耗时占比", "Stage time shares"),
        "ladder_benchmark": ("种子基准（004）", "Seed benchmark (004)"),
        "ladder_measured": ("本数据", "This data"),
        "ladder_root_causes": ("根本原因帕累托", "Root-cause Pareto"),
        "ladder_root_cause_help": (
            "反复性：近 M 个月内至少 N 件（规则文件中的根本原因设置）；其余为偶发。",
            "Recurring: at least N complaints in M months (rules version.root_cause); "
            "the rest are one-off.",
        ),
        "ladder_no_root_causes": ("本期没有填写根本原因的投诉", "No complaint with a root cause"),
        "stage": ("环节", "Stage"),
        "state": ("状态", "State"),
        "due_at": ("到期时间", "Due"),
        "done_at": ("完成时间", "Done"),
        "duration_h": ("用时（小时）", "Duration (h)"),
        "limit_value": ("时限", "Limit"),
        "limit_general": ("时限（一般）", "Limit (general)"),
        "limit_urgent": ("时限（紧急）", "Limit (urgent)"),
        "limit_major": ("时限（重大）", "Limit (major)"),
        "unit": ("单位", "Unit"),
        "on_time_rate": ("按时率", "On-time rate"),
        "median_h": ("用时中位数（小时）", "Median (h)"),
        "p90_h": ("用时P90（小时）", "P90 (h)"),
        "n_done": ("已完成", "Done"),
        "coverage": ("覆盖率", "Coverage"),
        "share": ("占比", "Share"),
        "n_window": ("窗口内件数", "In the window"),
        "recurring": ("反复性", "Recurring"),
        "one_off": ("偶发", "One-off"),
        "root_cause": ("根本原因", "Root cause"),
        "unit_hours": ("小时", "hours"),
        "unit_working_days": ("工作日", "working days"),
        "state_on_time": ("按时", "on time"),
        "state_late": ("超时完成", "late"),
        "state_skipped": ("跳级", "skipped"),
        "state_overdue": ("已超时未完成", "overdue"),
        "state_open": ("未到期", "open"),
        "state_not_measured": ("未测量", "not measured"),
        "ladder_slide": ("处理环节时限", "Handling ladder"),
    }
)
