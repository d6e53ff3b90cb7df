"""The Data page's import panel: upload → preview → column mapping → import → results.

All logic lives in ``queries.importer``; this file only lays out widgets. Previews and
imports run in a bounded worker process (a hostile file ends with a message, never the
server). Personal data is masked in every table shown; nothing is rendered as HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.ui import auth, components
from dashboard.ui import components as ui
from queries import i18n, privacy
from queries.config import schema
from queries.importer import (
    Mapping,
    Preview,
    import_files,
    load_mapping,
    preview,
    save_mapping,
)
from queries.importer.errors import ImportRefused
from queries.importer.headers import mapping_names
from queries.importer.suggest import Suggestion
from queries.importer.worker import suggest
from queries.reports import alerts

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "导入投诉数据",
        "upload": "上传导出文件（CSV/TSV/TXT/XLSX/XLS，可多选）",
        "kind": "数据类型",
        "auto": "自动识别",
        "mapping": "已保存的列映射",
        "none": "（无）",
        "date_order": "日/月顺序（如 03/04/2025）",
        "undeclared": "不确定（此类日期将被拒绝）",
        "dayfirst": "日在前",
        "monthfirst": "月在前",
        "sheet": "工作表",
        "detected": "编码 {enc}，分隔符 {delim}，表头在第 {line} 行，跳过行 {skipped}",
        "preview": "前 {n} 行预览",
        "parsed": "解析结果",
        "problems": "预览中发现的问题",
        "map_columns": "列映射（源列 → 标准列）",
        "ignore": "（忽略）",
        "save_as": "保存映射为",
        "save": "保存映射",
        "saved": "已保存：{path}",
        "import": "开始导入",
        "importing": "正在导入 {name} …",
        "done": "导入完成",
        "results": "导入结果",
        "rejects": "被拒绝的行（已脱敏）",
        "download": "下载拒绝报告",
        "already": "{file}：该文件（相同 SHA-256）此前已导入过，本次按幂等方式重新导入。",
        "refused": "{file}：未导入 —— {message}",
        "extra": "忽略的多余列：{cols}",
        "missing": "缺少必填列：{cols}",
        "proposal": "列映射建议来自文件表头与前 {n} 行样本（与 complaints mapping suggest 相同）",
        "must_choose": "需要您决定：{line}",
        "check": "请核对：{line}",
        "top_reasons": "{file}：主要拒绝原因",
        "failed_rejects": "{file}：未发布（数据未改变）—— {message}",
        "latest_rejected": "{file}：{n} 个编号因其最新一行被拒绝而整体拒绝",
    },
    "en": {
        "title": "Import complaint data",
        "upload": "Upload export files (CSV/TSV/TXT/XLSX/XLS, several allowed)",
        "kind": "Data kind",
        "auto": "Detect",
        "mapping": "Saved column mapping",
        "none": "(none)",
        "date_order": "Day/month order (e.g. 03/04/2025)",
        "undeclared": "Not declared (such dates are rejected)",
        "dayfirst": "Day first",
        "monthfirst": "Month first",
        "sheet": "Sheet",
        "detected": "Encoding {enc}, delimiter {delim}, header on line {line}, skipped {skipped}",
        "preview": "First {n} rows",
        "parsed": "As parsed",
        "problems": "Problems in the preview",
        "map_columns": "Column mapping (source → canonical)",
        "ignore": "(ignore)",
        "save_as": "Save mapping as",
        "save": "Save mapping",
        "saved": "Saved: {path}",
        "import": "Import",
        "importing": "Importing {name} …",
        "done": "Import finished",
        "results": "Import results",
        "rejects": "Rejected rows (masked)",
        "download": "Download the reject report",
        "already": "{file}: this exact file (same SHA-256) was imported before; "
        "re-imported idempotently.",
        "refused": "{file}: not imported — {message}",
        "extra": "Extra columns ignored: {cols}",
        "missing": "Missing required columns: {cols}",
        "proposal": "Mapping proposed from the header and {n} sample rows (as complaints"
        " mapping suggest)",
        "must_choose": "You must choose: {line}",
        "check": "Check: {line}",
        "top_reasons": "{file}: top reject reasons",
        "failed_rejects": "{file}: not published (nothing changed) — {message}",
        "latest_rejected": "{file}: {n} ids rejected as a whole: their latest row was rejected",
    },
}
RESULT_COLUMNS = (
    "file",
    "kind",
    "outcome",
    "source_rows",
    "imported",
    "updated",
    "unchanged",
    "superseded",
    "rejected",
    "warnings",
    "message",
)


def _mask_source(df: pd.DataFrame, proposed: dict[str, str | None]) -> pd.DataFrame:
    """Mask a preview of source columns: names and phones by their mapped column, phone-like
    digits in every other text column."""
    out = df.copy()
    for col in out.columns:
        target = proposed.get(col)
        if target in ("customer_name", "person", "handler", "head", "department_head"):
            out[col] = out[col].map(privacy.mask_name)
        elif target == "customer_phone":
            out[col] = out[col].map(privacy.mask_phone)
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(privacy.mask_text)
    return out


def _mapping_names() -> list[str]:
    return mapping_names()


def _alerts_after_import(db_path: Path, lang: str) -> None:
    """Push the alerts the new data raises (when a channel file exists); a problem is shown,
    never undoing the import that already happened."""
    try:
        result = alerts.run_if_configured(db_path)
    except alerts.AlertConfigError as exc:
        st.warning(f"{i18n.t('alerts_not_sent', lang)}: {exc}")
        return
    if result is not None:
        st.caption(i18n.t("alerts_sent", lang, sent=len(result.sent), failed=len(result.failed)))


@st.cache_data(ttl=600, max_entries=20, show_spinner=False)
def _preview(data: bytes, name: str, **kwargs: Any) -> Preview:
    """The worker's preview of an upload, computed once per file and choice (every widget
    change reruns the page; a worker start costs a second or more)."""
    return preview(data, name, **kwargs)


@st.cache_data(ttl=600, max_entries=20, show_spinner=False)
def _suggestion(data: bytes, name: str, kind: str | None, sheet: str | None) -> Suggestion:
    """The worker's proposed mapping of an upload (``mapping suggest``), once per file."""
    return suggest(data, name, kind=kind, sheet=sheet)


def _proposal(
    data: bytes, name: str, kind: str | None, mapping_name: str | None, sheet: str | None
) -> tuple[Suggestion | None, str | Mapping | None]:
    """The mapping the editor starts from: the saved one chosen, else the proposal of
    ``mapping suggest`` for this file (None when the file cannot be sampled)."""
    if mapping_name is not None:
        return None, mapping_name
    try:
        sugg = _suggestion(data, name, kind, sheet)
    except ImportRefused:
        return None, None
    return sugg, sugg.mapping()


def render_import_panel(db_path: Path, lang: str, user: str | None = None) -> None:
    """Draw the import panel for ``db_path`` with labels in ``lang`` (``zh`` or ``en``);
    imports are logged under ``user`` (default: the OS user)."""
    t = LABELS.get(lang, LABELS["zh"])
    ui.localize_uploader("import_files", lang)
    files = st.file_uploader(
        t["upload"],
        type=["csv", "tsv", "txt", "xlsx", "xlsm", "xls"],
        accept_multiple_files=True,
        key="import_files",
    )
    c1, c2, c3 = st.columns(3)
    kinds = [None, *schema.TEMPLATES]
    kind = c1.selectbox(
        t["kind"], kinds, format_func=lambda k: t["auto"] if k is None else k, key="import_kind"
    )
    names = [None, *_mapping_names()]
    mapping_name = c2.selectbox(
        t["mapping"],
        names,
        format_func=lambda n: t["none"] if n is None else n,
        key="import_mapping",
    )
    date_order = c3.selectbox(
        t["date_order"],
        [None, "dayfirst", "monthfirst"],
        format_func=lambda o: t["undeclared"] if o is None else t[o],
        key="import_date_order",
    )
    if not files:
        return
    first = files[0]
    data = first.getvalue()
    sheet = None
    try:
        sugg, ref = _proposal(data, first.name, kind, mapping_name, None)
        p = _preview(data, first.name, kind=kind, mapping=ref, date_order=date_order)
    except ImportRefused as exc:
        st.error(str(exc))
        return
    if p.sheets:
        sheet = st.selectbox(t["sheet"], p.sheets, key="import_sheet")
        if sheet != p.sheet:
            sugg, ref = _proposal(data, first.name, kind, mapping_name, sheet)
            try:
                p = _preview(
                    data,
                    first.name,
                    kind=kind,
                    mapping=ref,
                    sheet=sheet,
                    date_order=date_order,
                )
            except ImportRefused as exc:
                st.error(str(exc))
                return
    if sugg is not None:
        st.caption(t["proposal"].format(n=sugg.sample_rows))
        for line in sugg.must_choose:
            st.warning(t["must_choose"].format(line=line))
        for line in sugg.undecided:
            st.caption(t["check"].format(line=line))
    if p.error:
        st.warning(p.error)
    if p.encoding or p.sheet:
        st.caption(
            t["detected"].format(
                enc=p.encoding or "xlsx",
                delim=repr(p.delimiter) if p.delimiter else "-",
                line=p.header_line,
                skipped=p.skipped_lines or "-",
            )
        )
    st.markdown(f"**{t['preview'].format(n=len(p.rows))}**")
    st.dataframe(_mask_source(p.rows, p.proposed), hide_index=True)
    # mapping editor: one selectbox per source column
    st.markdown(f"**{t['map_columns']}**")
    target_kind = p.kind or kind or "complaints"
    options = [None, *schema.column_names(target_kind)]
    edited: dict[str, list[str]] = {}
    cols = st.columns(3)
    for i, header in enumerate(p.headers):
        default = p.proposed.get(header)
        choice = cols[i % 3].selectbox(
            header or f"#{i + 1}",
            options,
            index=options.index(default) if default in options else 0,
            format_func=lambda c: t["ignore"] if c is None else c,
            key=f"import_map_{target_kind}_{i}",
        )
        edited[header] = [choice] if choice else []
    base = load_mapping(ref) or Mapping()
    mapping = Mapping(
        name=base.name,
        kind=target_kind,
        header=base.header,
        columns=edited,
        constants=base.constants,
        values=base.values,
        formats=base.formats,
        null_markers=base.null_markers,
        nulls=base.nulls,
        date_order=date_order or base.date_order,
        timezone=base.timezone,
        source_timezone=base.source_timezone,
        excel_serial_dates=base.excel_serial_dates,
        auto_match=False,
        note=base.note,
    )
    if p.error is None and not p.parsed.empty:
        st.markdown(f"**{t['parsed']}**")
        st.dataframe(privacy.mask_frame(p.parsed), hide_index=True)
    if not p.problems.empty:
        st.markdown(f"**{t['problems']}**")
        st.dataframe(p.problems, hide_index=True)
    s1, s2 = st.columns([3, 1])
    new_name = s1.text_input(t["save_as"], key="import_save_name")
    if s2.button(t["save"], key="import_save") and new_name:
        try:
            st.success(t["saved"].format(path=save_mapping(new_name, mapping)))
        except ImportRefused as exc:
            st.error(str(exc))
    if not st.button(t["import"], type="primary", key="import_go"):
        return
    bar = st.progress(0.0, text="")

    def progress(fraction: float, name: str) -> None:
        bar.progress(min(fraction, 1.0), text=t["importing"].format(name=name) if name else "")

    results = import_files(
        db_path,
        [(f.name, f.getvalue()) for f in files],
        kind=target_kind,
        mapping=mapping,
        sheet=sheet,
        date_order=date_order,
        progress=progress,
        user=user or auth.viewer().identity,
    )
    bar.progress(1.0, text=t["done"])
    if any(r.outcome == "ok" for r in results):
        _alerts_after_import(db_path, lang)
    st.markdown(f"**{t['results']}**")
    docs = [r.to_dict() for r in results]
    st.dataframe(pd.DataFrame([{k: d[k] for k in RESULT_COLUMNS} for d in docs]), hide_index=True)
    for r in results:
        if r.top_reject_reasons:
            st.markdown(f"**{t['top_reasons'].format(file=r.file)}**")
            st.dataframe(pd.DataFrame(r.top_reject_reasons), hide_index=True)
        if r.latest_rejected_ids:
            st.caption(t["latest_rejected"].format(file=r.file, n=r.latest_rejected_ids))
        if r.failed_on_rejects:
            st.error(t["failed_rejects"].format(file=r.file, message=r.message))
            continue
        if r.outcome != "ok":
            st.error(t["refused"].format(file=r.file, message=r.message))
            continue
        if r.already_imported:
            st.info(t["already"].format(file=r.file))
        if r.extra_columns:
            st.caption(t["extra"].format(cols=", ".join(r.extra_columns)))
        if r.reject_report:
            report = Path(r.reject_report)
            st.markdown(f"**{r.file} — {t['rejects']}**")
            st.dataframe(
                pd.read_csv(report, encoding="utf-8-sig", dtype=str, keep_default_na=False),
                hide_index=True,
            )
            components.download(
                t["download"],
                report.read_bytes(),
                file_name=report.name,
                mime="text/csv",
                key=f"import_dl_{r.import_id}",
                rows=r.rejected,
                kind="rejects",
            )
