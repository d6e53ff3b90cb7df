"""AppTest of the import panel: preview, mapping editor, import and results (masked)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from queries import store
from tests.import_fixtures import csv_text


def _script(db_path: str, data: bytes, lang: str) -> None:
    from pathlib import Path

    import streamlit as st

    class Upload:
        name = "投诉.csv"

        def getvalue(self) -> bytes:
            return data

    original = st.file_uploader
    st.file_uploader = lambda *a, **k: [Upload()]
    try:
        from dashboard.views.import_panel import render_import_panel

        render_import_panel(Path(db_path), lang)
    finally:
        st.file_uploader = original


DATA = csv_text(
    ["工单号", "投诉时间", "部门", "手机号", "客户姓名", "备注"],
    [
        ["001", "2025/10/3 9:05", "客服部", "13812345678", "张三丰", "x"],
        ["002", "03/04/2025", "客服部", "13900001111", "李四", "y"],
    ],
).encode("gb18030")


def test_panel_previews_maps_imports_and_masks(tmp_path):
    dbp = tmp_path / "p.duckdb"
    at = AppTest.from_function(_script, args=(str(dbp), DATA, "en"), default_timeout=60)
    at.run()
    assert not at.exception
    preview = at.dataframe[0].value
    assert preview["手机号"].tolist() == ["138****5678", "139****1111"]
    assert preview["客户姓名"].tolist() == ["张**", "李*"]
    boxes = {sb.label: sb.value for sb in at.selectbox}
    assert boxes["工单号"] == "complaint_id"
    assert boxes["手机号"] == "customer_phone"
    assert boxes["备注"] is None
    at.button(key="import_go").click().run()
    assert not at.exception
    summary = next(df.value for df in at.dataframe if "outcome" in df.value.columns)
    assert summary.loc[0, ["source_rows", "imported", "rejected"]].tolist() == [2, 1, 1]
    rejects = [df.value for df in at.dataframe if "reason" in df.value.columns][-1]
    assert rejects["line"].tolist() == ["3"]
    assert rejects["reason"].iloc[0].startswith("ambiguous day/month order")
    conn = store.open_snapshot(dbp)
    assert conn.execute("select complaint_id, customer_phone from complaints").fetchall() == [
        ("001", "13812345678")
    ]
    conn.close()


def test_panel_renders_in_chinese_without_files(tmp_path):
    def script(db_path: str) -> None:
        from pathlib import Path

        from dashboard.views.import_panel import render_import_panel

        render_import_panel(Path(db_path), "zh")

    at = AppTest.from_function(script, args=(str(tmp_path / "x.duckdb"),)).run()
    assert not at.exception
    assert [sb.label for sb in at.selectbox] == [
        "数据类型",
        "已保存的列映射",
        "日/月顺序（如 03/04/2025）",
    ]
