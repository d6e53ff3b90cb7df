"""The canonical columns (the export templates): one source of truth for DDL tests, the
importer's header matching, the demo's export files and the display labels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One canonical column of an import template."""

    name: str
    zh: str
    sql_type: str
    required: bool = False
    personal: bool = False


COMPLAINT_COLUMNS: tuple[Column, ...] = (
    Column("complaint_id", "投诉编号", "VARCHAR", required=True),
    Column("received_at", "受理时间", "TIMESTAMP", required=True),
    Column("acknowledged_at", "确认时间", "TIMESTAMP"),
    Column("first_response_at", "首次响应时间", "TIMESTAMP"),
    Column("resolved_at", "办结时间", "TIMESTAMP"),
    Column("closed_at", "结案时间", "TIMESTAMP"),
    Column("channel", "投诉渠道", "VARCHAR"),
    Column("category", "投诉类别", "VARCHAR"),
    Column("severity", "投诉等级", "VARCHAR"),
    Column("department", "责任部门", "VARCHAR", required=True),
    Column("handler", "处理人", "VARCHAR"),
    Column("customer_id", "客户编号", "VARCHAR"),
    Column("customer_name", "客户姓名", "VARCHAR", personal=True),
    Column("customer_phone", "联系电话", "VARCHAR", personal=True),
    Column("status", "处理状态", "VARCHAR"),
    Column("is_valid", "是否有理", "BOOLEAN"),
    Column("is_malicious", "是否恶意", "BOOLEAN"),
    Column("satisfaction", "满意度", "SMALLINT"),
    Column("surveyed_at", "回访时间", "TIMESTAMP"),
    Column("escalation_level", "升级层级", "SMALLINT"),
    Column("parent_complaint_id", "关联投诉编号", "VARCHAR"),
    Column("multi_department", "是否跨部门", "BOOLEAN"),
    Column("extended_deadline", "延期截止时间", "TIMESTAMP"),
    Column("concealed", "是否隐瞒不报", "BOOLEAN"),
    Column("compensation_type", "补偿方式", "VARCHAR"),
    Column("compensation_amount", "补偿金额", "DECIMAL(14,2)"),
    Column("region", "区域", "VARCHAR"),
    Column("product", "产品/业务", "VARCHAR"),
    Column("description", "投诉内容", "VARCHAR"),
    Column("resolution", "处理结果", "VARCHAR"),
    # handling-ladder stages (migration 005; docs/definitions.md#handling-ladder): optional,
    # a source without them leaves them null and its stages are "not measured"
    Column("classified_at", "分类分级时间", "TIMESTAMP"),
    Column("responsibility_assigned_at", "责任界定时间", "TIMESTAMP"),
    Column("investigation_started_at", "调查启动时间", "TIMESTAMP"),
    Column("manager_contacted_at", "客服经理联系时间", "TIMESTAMP"),
    Column("escalated_t1_at", "升级主管时间", "TIMESTAMP"),
    Column("escalated_t2_at", "升级经理时间", "TIMESTAMP"),
    Column("escalated_t3_at", "升级总监时间", "TIMESTAMP"),
    Column("return_visit_outcome", "回访结论", "VARCHAR"),
    Column("revisited_at", "再次回访时间", "TIMESTAMP"),
    Column("revisit_outcome", "再次回访结论", "VARCHAR"),
    Column("record_completed_at", "记录完成时间", "TIMESTAMP"),
    Column("root_cause", "根本原因", "VARCHAR"),
)

PENALTY_COLUMNS: tuple[Column, ...] = (
    Column("penalty_id", "追责编号", "VARCHAR", required=True),
    Column("complaint_id", "投诉编号", "VARCHAR", required=True),
    Column("person", "责任人", "VARCHAR", required=True),
    Column("department", "责任部门", "VARCHAR", required=True),
    Column("responsibility_type", "责任类型", "VARCHAR"),
    Column("cause", "处罚原因", "VARCHAR"),
    Column("measure", "处理措施", "VARCHAR"),
    Column("fine_amount", "罚款金额", "DECIMAL(14,2)"),
    Column("joint_fine_amount", "连带罚款", "DECIMAL(14,2)"),
    Column("department_head", "部门负责人", "VARCHAR"),
    Column("investigation_end", "调查结束日期", "DATE"),
    Column("decided_at", "决定日期", "DATE"),
    Column("executed_at", "执行日期", "DATE"),
    Column("publicized_from", "公示开始日期", "DATE"),
    Column("appeal_status", "申诉状态", "VARCHAR"),
    Column("status", "状态", "VARCHAR"),
)

DEPARTMENT_COLUMNS: tuple[Column, ...] = (
    Column("department_id", "部门编号", "VARCHAR", required=True),
    Column("name_zh", "部门名称", "VARCHAR", required=True),
    Column("name_en", "英文名称", "VARCHAR"),
    Column("parent_id", "上级部门", "VARCHAR"),
    Column("head", "部门负责人", "VARCHAR"),
)

VOLUME_COLUMNS: tuple[Column, ...] = (
    Column("department", "部门", "VARCHAR", required=True),
    Column("month", "月份", "DATE", required=True),
    Column("volume", "业务量", "BIGINT", required=True),
)

TEMPLATES: dict[str, tuple[Column, ...]] = {
    "complaints": COMPLAINT_COLUMNS,
    "penalties": PENALTY_COLUMNS,
    "departments": DEPARTMENT_COLUMNS,
    "volumes": VOLUME_COLUMNS,
}

# Canonical codes stored in the database; the importer maps Chinese/English words onto them
# and the UI translates them back (queries.config.vocab holds the words).
SEVERITIES = ("general", "urgent", "major")
CHANNELS = ("phone", "online", "email", "social", "walk_in", "letter", "transfer")
STATUSES = (
    "pending",
    "in_progress",
    "resolved",
    "closed",
    "withdrawn",
    "duplicate",
    "cancelled",
)
# Statuses that void a complaint: excluded from every KPI denominator and from the backlog,
# counted on their own (README, section KPIs; stg_complaints.is_void).
VOID_STATUSES = ("withdrawn", "duplicate", "cancelled")
COMPENSATION_TYPES = ("money", "service", "product", "coupon")
RESPONSIBILITY_TYPES = ("employee", "management", "institutional")
MEASURES = ("verbal_warning", "written_warning", "fine", "suspension", "demotion", "dismissal")
APPEAL_STATUSES = ("none", "pending", "upheld", "revoked", "changed")
# Outcome of a return visit (回访) or a re-visit (再次回访).
VISIT_OUTCOMES = ("resolved", "unresolved", "unreachable")
# Root causes (根本原因): the product's codes; companies add their own words and codes in
# data/vocabulary.toml ([root_cause]); an unknown word is kept as written.
ROOT_CAUSES = (
    "product_defect",
    "process_gap",
    "staff_skill",
    "staff_attitude",
    "system_failure",
    "supplier",
    "communication",
    "policy",
    "customer_misunderstanding",
    "other",
)


# Coded columns: column -> (vocabulary kind, an unknown word is a reject). Booleans are coded
# too (vocabulary ``boolean``). Only these columns take a mapping's ``[values.<column>]``.
CODED_COLUMNS: dict[str, dict[str, tuple[str, bool]]] = {
    "complaints": {
        "severity": ("severity", True),
        "channel": ("channel", False),
        "status": ("status", False),
        "compensation_type": ("compensation_type", False),
        "satisfaction": ("satisfaction", True),
        "return_visit_outcome": ("visit_outcome", True),
        "revisit_outcome": ("visit_outcome", True),
        "root_cause": ("root_cause", False),
    },
    "penalties": {
        "responsibility_type": ("responsibility_type", True),
        "measure": ("measure", False),
        "appeal_status": ("appeal_status", False),
    },
    "departments": {},
    "volumes": {},
}


def is_coded(kind: str, column: str) -> bool:
    """Whether a canonical column holds coded values (a vocabulary or a boolean)."""
    if column in CODED_COLUMNS[kind]:
        return True
    return any(c.name == column and c.sql_type == "BOOLEAN" for c in TEMPLATES[kind])


def column_names(kind: str) -> list[str]:
    """Return the canonical column names of an import template (``complaints``, ``penalties``,
    ``departments`` or ``volumes``)."""
    return [c.name for c in TEMPLATES[kind]]
