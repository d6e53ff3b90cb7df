"""Value vocabularies: canonical codes with their Chinese and English words.

The importer maps any listed word (case- and width-insensitive) onto the code; the demo
writes the Chinese word into its export files; the UI shows ``label(kind, code, lang)``.
Companies extend the words in ``data/vocabulary.toml`` (same shape as ``VOCAB`` below).
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import cache
from pathlib import Path

from queries.paths import work_dir

# kind -> code -> (zh label, en label, extra synonyms...)
VOCAB: dict[str, dict[str, tuple[str, ...]]] = {
    "severity": {
        "general": ("一般", "General", "普通", "normal", "一般投诉"),
        "urgent": ("紧急", "Urgent", "加急", "紧急投诉"),
        "major": ("重大", "Major", "重大投诉", "升级", "escalated", "critical"),
    },
    "channel": {
        "phone": (
            "电话",
            "Phone",
            "热线",
            "电话热线",
            "hotline",
            "call",
            "400电话",
            "95热线",
            "12345热线",
            "来电",
            "phone call",
        ),
        "online": (
            "在线",
            "Online",
            "网站",
            "网上",
            "app",
            "web",
            "网络",
            "在线客服",
            "chat",
            "portal",
            "web form",
            "self service",
            "网页",
            "小程序",
            "留言板",
            "网上留言",
            "网站留言",
        ),
        "email": ("邮件", "Email", "电子邮件", "e-mail", "mail"),
        "social": ("社交媒体", "Social media", "微信", "wechat", "微博", "weibo", "social"),
        "walk_in": ("来访", "Walk-in", "现场", "柜台", "门店", "counter", "visit", "walkin"),
        "letter": ("信函", "Letter", "来信", "书信", "post", "postal mail"),
        "transfer": ("转办", "Transferred", "12315", "监管转办", "regulator", "referral"),
    },
    "status": {
        "pending": (
            "待处理",
            "Pending",
            "未处理",
            "new",
            "open",
            "待受理",
            "未受理",
            "未答复",
            "to do",
        ),
        "in_progress": (
            "处理中",
            "In progress",
            "办理中",
            "processing",
            "已受理",
            "已签收",
            "已派单",
            "on hold",
            "hold",
            "assigned",
            "waiting for customer",
            "waiting for support",
        ),
        "resolved": ("已办结", "Resolved", "办结", "已解决", "已处理", "已答复", "solved", "done"),
        "closed": ("已结案", "Closed", "结案", "已关闭", "已归档", "归档"),
        "withdrawn": ("已撤销", "Withdrawn", "撤销", "已撤回", "撤回", "撤诉", "withdrew"),
        "duplicate": ("重复", "Duplicate", "重复投诉", "重复件", "重复工单", "已合并", "dup"),
        "cancelled": ("已取消", "Cancelled", "取消", "作废", "已作废", "canceled", "void"),
    },
    "compensation_type": {
        "money": ("现金", "Money", "cash", "赔款", "退款", "refund"),
        "service": ("服务", "Service", "服务补偿"),
        "product": ("产品", "Product", "实物", "换货"),
        "coupon": ("优惠券", "Coupon", "代金券", "voucher", "积分"),
    },
    "responsibility_type": {
        "employee": ("员工责任", "Employee", "员工", "个人责任"),
        "management": ("管理责任", "Management", "管理"),
        "institutional": ("制度责任", "Institutional", "制度"),
    },
    "measure": {
        "verbal_warning": ("口头警告", "Verbal warning"),
        "written_warning": ("书面警告", "Written warning"),
        "fine": ("罚款", "Fine"),
        "suspension": ("停职检查", "Suspension", "停职"),
        "demotion": ("降职", "Demotion"),
        "dismissal": ("解除劳动合同", "Dismissal", "辞退", "开除"),
    },
    "appeal_status": {
        "none": ("无", "None", "未申诉", "-"),
        "pending": ("申诉中", "Pending", "appealed"),
        "upheld": ("维持", "Upheld", "维持原决定"),
        "revoked": ("撤销", "Revoked", "撤销处罚"),
        "changed": ("变更", "Changed", "变更处罚"),
    },
    "boolean": {
        "true": ("是", "Yes", "true", "y", "1", "t", "√", "有"),
        "false": ("否", "No", "false", "n", "0", "f", "×", "无"),
    },
    # handling ladder (docs/definitions.md#handling-ladder): return-visit outcomes, root causes
    "visit_outcome": {
        "resolved": ("问题已解决", "Resolved", "已解决", "解决", "满意", "confirmed"),
        "unresolved": ("问题未解决", "Unresolved", "未解决", "不满意", "not resolved"),
        "unreachable": ("无法联系", "Unreachable", "联系不上", "未接通", "no answer"),
    },
    "root_cause": {
        "product_defect": ("产品缺陷", "Product defect", "质量缺陷", "产品问题"),
        "process_gap": ("流程缺陷", "Process gap", "流程问题", "流程不规范"),
        "staff_skill": ("员工技能不足", "Staff skill", "业务不熟", "技能不足"),
        "staff_attitude": ("员工态度", "Staff attitude", "态度问题", "服务态度差"),
        "system_failure": ("系统故障", "System failure", "系统问题", "IT故障"),
        "supplier": ("供应商问题", "Supplier", "供应商", "外包方"),
        "communication": ("沟通不畅", "Communication", "信息不对称", "告知不清"),
        "policy": ("制度政策", "Policy", "政策限制", "制度问题"),
        "customer_misunderstanding": ("客户误解", "Customer misunderstanding", "误解"),
        "other": ("其他原因", "Other", "其它原因"),
    },
    # satisfaction words map to the 1-5 score (docs/definitions.md#csat_rate)
    "satisfaction": {
        "5": ("非常满意", "Very satisfied", "5"),
        "4": ("满意", "Satisfied", "基本满意", "fairly satisfied", "4"),
        "3": ("一般", "Neutral", "3"),
        "2": ("不满意", "Dissatisfied", "2"),
        "1": ("非常不满意", "Very dissatisfied", "1"),
    },
}

# Categories are free text from the company's system; these are the usual ones, with English.
CATEGORIES: dict[str, str] = {
    "产品质量": "Product quality",
    "服务态度": "Service attitude",
    "价格/收费": "Price / billing",
    "交付延迟": "Delivery delay",
    "广告宣传": "Misleading advertising",
    "合同纠纷": "Contract dispute",
    "售后维修": "After-sales / repair",
    "其他": "Other",
}


def normalize_word(text: str) -> str:
    """Fold a value for matching: NFKC (full-width → half-width), trimmed, lower case,
    inner spaces removed."""
    return "".join(unicodedata.normalize("NFKC", text).strip().lower().split())


def _extensions(path: Path) -> dict[str, dict[str, list[str]]]:
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


@cache
def lookup(kind: str, extra_file: Path | None = None) -> dict[str, str]:
    """Return ``normalized word -> code`` for one vocabulary kind, including extensions.

    Args:
        kind: a key of ``VOCAB`` (``severity``, ``channel``, ...).
        extra_file: an extension file; defaults to ``data/vocabulary.toml``.
    """
    table: dict[str, str] = {}
    for code, words in VOCAB[kind].items():
        table[normalize_word(code)] = code
        for w in words:
            table[normalize_word(w)] = code
    ext = _extensions(extra_file or work_dir() / "vocabulary.toml").get(kind, {})
    for code, ext_words in ext.items():
        for w in ext_words:
            table[normalize_word(str(w))] = code
    return table


def label(kind: str, code: str | None, lang: str = "zh") -> str:
    """Display label of a code in ``zh`` or ``en``; unknown codes are returned as given."""
    if code is None:
        return ""
    if kind == "category":
        return CATEGORIES.get(code, code) if lang == "en" else code
    words = VOCAB.get(kind, {}).get(str(code))
    if not words:
        return str(code)
    return words[0] if lang == "zh" else words[1]
