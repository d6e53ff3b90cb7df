"""The meeting handout as an Excel workbook: one sheet per table of the meeting pack, exact
values (rates as fractions, as ``complaints kpi --format json`` prints them), personal data
masked and formula-like text neutralised (``exports.to_xlsx_bytes``)."""

from __future__ import annotations

import pandas as pd

from queries import exports, i18n, privacy
from queries.reports import agenda

SHEETS: dict[str, tuple[str, str]] = {
    "about": ("说明", "About"),
    "kpis": ("核心指标", "KPIs"),
    "trend": ("趋势", "Trend"),
    "scores": ("部门评分", "Department scores"),
    "worst_items": ("最低分部门扣分", "Lowest dept deductions"),
    "worst_complaints": ("扣分背后的投诉", "Complaints behind"),
    "by_department": ("部门指标", "Department KPIs"),
    "by_category": ("类别指标", "Category KPIs"),
    "group_incidents": ("群体投诉", "Group incidents"),
    "at_risk": ("风险队列", "At-risk queue"),
    "accountability": ("责任追究", "Accountability"),
    "overdue": ("超期未追责", "Overdue decisions"),
    "appealed": ("申诉", "Appeals"),
    "notes": ("会议记录", "Notes"),
}
_HEAD: dict[str, tuple[str, str]] = {
    "metric": ("指标代码", "Metric code"),
    "name": ("指标", "Metric"),
    "value": ("本月", "This month"),
    "display": ("显示值", "Shown as"),
    "previous": ("上期", "Previous period"),
    "year_ago": ("去年同期", "Last year"),
    "target": ("目标", "Target"),
    "status": ("状态", "Status"),
    "n": ("分母 n", "Denominator n"),
    "key": ("项目", "Field"),
    "slide": ("议题", "Topic"),
    "notes": ("记录与决定", "Notes and decisions"),
}


def _h(key: str, lang: str) -> str:
    zh, en = _HEAD[key]
    return zh if lang == "zh" else en


def _header(column: str, lang: str) -> str:
    if column.startswith("ded_"):
        return f"{i18n.t('deduction', lang)}: {i18n.item_label(column[4:], lang)}"
    if column in agenda.EXTRA_LABELS:
        return agenda.metric_label({}, column, lang)
    return i18n.column_label(column, lang)


def _frame(rows: list[dict], lang: str) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame({i18n.t("empty_title", lang): []})
    df = privacy.mask_frame(df)
    labels = [_header(str(c), lang) for c in df.columns]
    seen: dict[str, int] = {}
    unique = []
    for label in labels:  # two codes may share a display name: keep both columns
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    df.columns = unique
    return df


def sheets(pack: dict, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The workbook's sheets (display name → table) for a meeting pack."""
    name = {k: (zh if lang == "zh" else en) for k, (zh, en) in SHEETS.items()}
    about = [
        (agenda.text("meeting", lang), pack["meeting_id"]),
        (i18n.t("month", lang), pack["month"]),
        (agenda.text("as_of", lang), pack["as_of"]),
        (agenda.text("filters", lang), agenda.footer(pack, lang).split(" · ")[0]),
        (agenda.text("rules", lang), (pack.get("rules_version") or {}).get("id")),
        (agenda.text("prepared", lang), pack.get("prepared_at")),
    ]
    cards = {c["metric"]: c for c in pack.get("cards", [])}
    kpi_rows = []
    for metric, value in pack.get("kpis", {}).items():
        card = cards.get(metric, {})
        unit = agenda.metric_unit(pack, metric)
        kpi_rows.append(
            {
                _h("metric", lang): metric,
                _h("name", lang): agenda.metric_label(pack, metric, lang),
                _h("value", lang): value,
                _h("display", lang): agenda.fmt_value(value, unit, lang)
                if metric in pack.get("metrics", {})
                else "",
                _h("previous", lang): card.get("previous"),
                _h("year_ago", lang): card.get("year_ago"),
                _h("target", lang): card.get("target"),
                _h("status", lang): i18n.status_label(card.get("status"), lang)
                if card.get("status")
                else "",
                _h("n", lang): card.get("n"),
            }
        )
    acc_rows = [
        {
            _h("metric", lang): metric,
            _h("name", lang): agenda.metric_label(pack, metric, lang),
            _h("value", lang): value,
            _h("display", lang): agenda.fmt_value(value, agenda.metric_unit(pack, metric), lang)
            if metric in agenda.EXTRA_LABELS
            else "",
        }
        for metric, value in (pack.get("accountability") or {}).items()
    ]
    worst = pack.get("worst") or {}
    notes = pack.get("notes") or {}
    note_rows = [
        {_h("slide", lang): agenda.slide_title(sid, lang), _h("notes", lang): notes[sid]}
        for sid in agenda.SLIDE_IDS
        if str(notes.get(sid, "")).strip()
    ]
    out = {
        name["about"]: pd.DataFrame(about, columns=[_h("key", lang), _h("value", lang)]),
        name["kpis"]: pd.DataFrame(kpi_rows),
        name["trend"]: _frame(pack.get("trend", []), lang),
        name["scores"]: _frame(pack.get("scores", []), lang),
        name["worst_items"]: _frame(worst.get("items", []), lang),
        name["worst_complaints"]: _frame(worst.get("complaints", []), lang),
        name["by_department"]: _frame(pack.get("by_department", []), lang),
        name["by_category"]: _frame(pack.get("by_category", []), lang),
        name["group_incidents"]: _frame(pack.get("group_incidents", []), lang),
        name["at_risk"]: _frame(pack.get("at_risk", []), lang),
        name["accountability"]: pd.DataFrame(acc_rows),
        name["overdue"]: _frame(pack.get("accountability_overdue", []), lang),
        name["appealed"]: _frame(pack.get("accountability_appealed", []), lang),
        name["notes"]: pd.DataFrame(note_rows, columns=[_h("slide", lang), _h("notes", lang)]),
    }
    return out


def render(pack: dict, lang: str = "zh") -> bytes:
    """The meeting pack as XLSX bytes."""
    return exports.to_xlsx_bytes(sheets(pack, lang))
