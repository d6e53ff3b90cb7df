"""File-level import behaviour: encodings, formats, headers, accounting, kinds, mappings,
the CLI and the Python API used by the Data page."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pandas as pd
import pytest

from queries import store
from queries.importer import (
    ImportRefused,
    import_file,
    import_files,
    load_mapping,
    preview,
    save_mapping,
)
from tests import ROOT
from tests.import_fixtures import (
    RECORDS,
    ZH_HEADERS,
    checksum,
    csv_text,
    table_text,
    write_csv,
    write_xlsx,
)


def _report(result) -> pd.DataFrame:
    return pd.read_csv(result.reject_report, encoding="utf-8-sig", dtype=str)


# ----------------------------------------------------------------- encodings and formats


@pytest.mark.parametrize(
    "fmt", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "tsv-utf-8", "xlsx", "xlsx-1904"]
)
def test_encoding_matrix_gives_identical_tables(tmp_path, fmt):
    golden = tmp_path / "golden.duckdb"
    import_file(golden, write_csv(tmp_path / "g.csv", ZH_HEADERS, RECORDS))
    path = tmp_path / "f.csv"
    if fmt.startswith("xlsx"):
        path = write_xlsx(tmp_path / "f.xlsx", ZH_HEADERS, RECORDS, date_1904=fmt == "xlsx-1904")
    elif fmt == "tsv-utf-8":
        path = write_csv(tmp_path / "f.tsv", ZH_HEADERS, RECORDS, delimiter="\t")
    else:
        path = write_csv(path, ZH_HEADERS, RECORDS, encoding=fmt)
    res = import_file(tmp_path / "x.duckdb", path)
    assert (res.outcome, res.imported, res.rejected) == ("ok", 3, 0)
    assert table_text(tmp_path / "x.duckdb") == table_text(golden)
    assert "\ufffd" not in table_text(tmp_path / "x.duckdb")


def test_xlsx_real_date_cells_and_numbers(tmp_path):
    rows = [
        ["00123", dt.datetime(2025, 10, 3, 9, 5, 7), "客服部", 13812341234, 1234.5],
        [124, dt.datetime(2025, 1, 1), "客服部", None, 12],
    ]
    for opts in ({}, {"date_1904": True}):
        path = write_xlsx(
            tmp_path / "d.xlsx",
            ["投诉编号", "受理时间", "责任部门", "联系电话", "补偿金额"],
            rows,
            **opts,
        )
        dbp = tmp_path / f"d{len(opts)}.duckdb"
        assert import_file(dbp, path).imported == 2
        conn = store.open_snapshot(dbp)
        got = conn.execute(
            "select complaint_id, received_at, customer_phone, compensation_amount::varchar"
            " from complaints order by complaint_id"
        ).fetchall()
        conn.close()
        assert got == [
            ("00123", dt.datetime(2025, 10, 3, 9, 5, 7), "13812341234", "1234.50"),
            ("124", dt.datetime(2025, 1, 1), None, "12.00"),
        ]


def test_undecodable_file_is_refused_naming_the_encodings(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("投诉编号,受理时间,责任部门\n".encode() + b"\x81\x30\xff\xff,x,y\n")
    res = import_file(tmp_path / "b.duckdb", path)
    assert res.outcome == "refused"
    assert "utf-8, gb18030" in res.message


def test_explicit_encoding_overrides_detection(tmp_path):
    rows = [["A1", "2025-10-01", "Café Süd"]]
    path = write_csv(
        tmp_path / "l1.csv", ["complaint_id", "received_at", "department"], rows, "cp1252"
    )
    refused = import_file(tmp_path / "a.duckdb", path)
    assert refused.outcome == "refused"
    res = import_file(tmp_path / "b.duckdb", path, encoding="cp1252")
    assert (res.outcome, res.imported, res.encoding) == ("ok", 1, "cp1252")
    assert "Café Süd" in table_text(tmp_path / "b.duckdb")


def test_utf16_without_bom_is_refused_with_a_hint(tmp_path):
    path = write_csv(tmp_path / "u16.csv", ZH_HEADERS, RECORDS, encoding="utf-16-le")
    res = import_file(tmp_path / "b.duckdb", path)
    assert res.outcome == "refused"
    assert "UTF-16" in res.message


def test_nul_bytes_reject_their_rows_never_stripped(tmp_path):
    text = "投诉编号,受理时间,责任部门\r\nA1,2025-10-01,客服部\r\nA2,2025-10-01,客\x00服部\r\n"
    path = tmp_path / "nul.csv"
    path.write_bytes(text.encode())
    res = import_file(tmp_path / "n.duckdb", path)
    assert (res.source_rows, res.imported, res.rejected) == (2, 1, 1)
    rep = _report(res)
    assert rep.loc[0, ["line", "column", "reason"]].tolist() == [
        "3",
        "责任部门",
        "NUL byte in field",
    ]


def test_embedded_newlines_and_quotes_keep_physical_line_numbers(tmp_path):
    text = (
        "投诉编号,受理时间,责任部门,投诉内容\n"
        'A1,2025-10-01,客服部,"第一行\n第二行 ""引号"""\n'
        "A2,2025-10-01,客服部,x\r\n"
        "A3,bad,客服部,y\r"
        "A4,2025-10-01,客服部,z\n"
    )
    path = tmp_path / "nl.csv"
    path.write_bytes(text.encode())
    res = import_file(tmp_path / "nl.duckdb", path)
    assert (res.source_rows, res.imported, res.rejected) == (4, 3, 1)
    assert _report(res).loc[0, "line"] == "5"
    conn = store.open_snapshot(tmp_path / "nl.duckdb")
    desc = conn.execute("select description from complaints where complaint_id='A1'").fetchall()
    conn.close()
    assert desc == [('第一行\n第二行 "引号"',)]


def test_junk_lines_above_the_header_are_skipped_and_reported(tmp_path):
    text = (
        "Archive:  complaints.zip\n  inflating: complaints.csv\n"
        + "投诉编号,受理时间,责任部门\nA1,2025-10-01,客服部\n"
    )
    path = tmp_path / "junk.csv"
    path.write_bytes(text.encode())
    res = import_file(tmp_path / "j.duckdb", path)
    assert (res.skipped_lines, res.header_line, res.imported) == ([1, 2], 3, 1)


# ----------------------------------------------------------------- headers


def test_headers_any_order_english_synonyms_width_and_case(tmp_path):
    path = write_csv(
        tmp_path / "h.csv",
        ["ＤＥＰＡＲＴＭＥＮＴ", "工单号", "Received At", "手机号", "备注", "内部字段"],
        [["客服部", "007", "2025-10-01 08:00", "13812341234", "x", "y"]],
    )
    res = import_file(tmp_path / "h.duckdb", path)
    assert res.imported == 1
    assert res.extra_columns == ["备注", "内部字段"]
    conn = store.open_snapshot(tmp_path / "h.duckdb")
    assert conn.execute(
        "select complaint_id, department, customer_phone from complaints"
    ).fetchall() == [("007", "客服部", "13812341234")]
    conn.close()


def test_missing_required_columns_refused_with_the_list(tmp_path):
    path = write_csv(tmp_path / "m.csv", ["投诉编号", "投诉渠道"], [["A1", "电话"]])
    res = import_file(tmp_path / "m.duckdb", path, kind="complaints")
    assert res.outcome == "refused"
    assert res.message == (
        "tried kind complaints: missing required columns received_at (受理时间), department"
        " (责任部门); headers found: '投诉编号', '投诉渠道'. Next: complaints mapping suggest"
        " m.csv -o m.toml  (then: complaints import m.csv --mapping m.toml)"
    )
    conn = store.open_snapshot(tmp_path / "m.duckdb")
    log = conn.execute("select outcome, message, file_name from import_log").fetchall()
    conn.close()
    assert log == [("refused", res.message, "m.csv")]


def test_duplicated_header_first_is_used_later_listed_as_extra(tmp_path):
    path = write_csv(
        tmp_path / "d.csv",
        ["投诉编号", "受理时间", "责任部门", "x", "x"],
        [["A1", "2025-10-01", "客服部", "1", "2"]],
    )
    res = import_file(tmp_path / "d.duckdb", path)
    assert res.extra_columns == ["x", "x (2)"]


# ----------------------------------------------------------------- accounting


def test_last_row_of_an_id_wins_and_a_rejected_last_row_rejects_the_id(tmp_path):
    rows = [
        ["A1", "2025-10-01", "客服部", "电话"],
        ["A2", "2025-10-01", "客服部", "电话"],
        ["A1", "2025-10-02", "客服部", "邮件"],
        ["A1", "2025-10-03", "零售部", "微信"],
        ["A2", "bad date", "客服部", "电话"],
    ]
    path = write_csv(tmp_path / "s.csv", ["投诉编号", "受理时间", "责任部门", "投诉渠道"], rows)
    res = import_file(tmp_path / "s.duckdb", path)
    # A2's latest row (line 6) is rejected: A2 is rejected as a whole, never its older row
    assert (res.source_rows, res.imported, res.superseded, res.rejected) == (5, 1, 2, 2)
    assert res.latest_rejected_ids == 1
    assert _report(res)[["line", "field", "reason"]].values.tolist() == [
        ["3", "complaint_id", "latest row rejected (line 6 of this id)"],
        ["6", "received_at", "not a recognised date/time; value seen: 'bad date'"],
    ]
    conn = store.open_snapshot(tmp_path / "s.duckdb")
    got = conn.execute(
        "select complaint_id, received_at, department, channel from complaints order by 1"
    ).fetchall()
    conn.close()
    assert got == [("A1", dt.datetime(2025, 10, 3), "零售部", "social")]


def test_reimport_three_times_is_idempotent_and_says_so(tmp_path):
    path = write_csv(tmp_path / "r.csv", ZH_HEADERS, RECORDS)
    dbp = tmp_path / "r.duckdb"
    results = [import_file(dbp, path) for _ in range(3)]
    sums = {checksum(dbp)}
    assert [(r.imported, r.unchanged, r.already_imported) for r in results] == [
        (3, 0, False),
        (3 - 3, 3, True),
        (0, 3, True),
    ]
    sums.add(checksum(dbp))
    assert len(sums) == 1


def test_update_changes_only_imported_columns(tmp_path):
    dbp = tmp_path / "u.duckdb"
    import_file(dbp, write_csv(tmp_path / "a.csv", ZH_HEADERS, RECORDS))
    changed = write_csv(
        tmp_path / "b.csv",
        ["投诉编号", "受理时间", "责任部门", "处理状态"],
        [
            ["00123", "2025-10-03 09:05:07", "客服部", "已办结"],
            ["00124", "2025/10/3 9:05", "零售部", ""],
            ["NEW", "2025-10-04", "客服部", ""],
        ],
    )
    res = import_file(dbp, changed)
    assert (res.imported, res.updated, res.unchanged) == (1, 1, 1)
    conn = store.open_snapshot(dbp)
    got = conn.execute(
        "select complaint_id, status, customer_phone from complaints order by 1"
    ).fetchall()
    conn.close()
    assert got == [
        ("00123", "resolved", "01012345678"),
        ("00124", None, "13812341234"),
        ("A-7", None, None),
        ("NEW", None, None),
    ]


# ----------------------------------------------------------------- other templates


def test_penalties_departments_volumes_detected_and_upserted(tmp_path):
    dbp = tmp_path / "k.duckdb"
    deps = write_csv(
        tmp_path / "deps.csv",
        ["部门编号", "部门名称", "英文名称", "上级部门", "部门负责人"],
        [["D1", "总行", "Head office", "", "赵一"], ["D2", "客服部", "Service", "D1", "钱二"]],
    )
    vols = write_csv(
        tmp_path / "vols.csv",
        ["部门", "月份", "业务量"],
        [
            ["客服部", "2025-10", "12,000"],
            ["客服部", "2025年11月", "13000"],
            ["客服部", "2025-10", "12500"],
        ],
    )
    pens = write_csv(
        tmp_path / "pens.csv",
        [
            "追责编号",
            "投诉编号",
            "责任人",
            "责任部门",
            "责任类型",
            "处理措施",
            "罚款金额",
            "决定日期",
            "申诉状态",
        ],
        [
            ["P1", "00123", "孙三", "客服部", "员工责任", "罚款", "200", "2025/10/9", "无"],
            ["P2", "00124", "李四", "客服部", "不知道", "罚款", "", "", ""],
        ],
    )
    res = import_files(dbp, [deps, vols, pens])
    assert [(r.kind, r.source_rows, r.imported, r.superseded, r.rejected) for r in res] == [
        ("departments", 2, 2, 0, 0),
        ("volumes", 3, 2, 1, 0),
        ("penalties", 2, 1, 0, 1),
    ]
    conn = store.open_snapshot(dbp)
    assert conn.execute("select * from departments order by 1").fetchall() == [
        ("D1", "总行", "Head office", None, "赵一"),
        ("D2", "客服部", "Service", "D1", "钱二"),
    ]
    assert conn.execute("select * from business_volumes order by month").fetchall() == [
        ("客服部", dt.date(2025, 10, 1), 12500),
        ("客服部", dt.date(2025, 11, 1), 13000),
    ]
    assert conn.execute(
        "select penalty_id, responsibility_type, measure, fine_amount::varchar, decided_at,"
        " appeal_status from penalties"
    ).fetchall() == [("P1", "employee", "fine", "200.00", dt.date(2025, 10, 9), "none")]
    conn.close()


# ----------------------------------------------------------------- mappings and API


def test_mapping_round_trip_and_use(tmp_path):
    mapping = {
        "kind": "complaints",
        "date_order": "dayfirst",
        "columns": {
            "Ticket": "complaint_id",
            "Opened": "received_at",
            "Team": "department",
            "Via": "channel",
        },
        "constants": {"severity": "一般"},
        "values": {"channel": {"Carrier pigeon": "letter"}},
    }
    mapping["columns"]["Notes"] = ["description", "resolution"]
    mapping["columns"]["Internal"] = ""
    mapping["optional_headers"] = ["Notes", "Internal"]  # not in the file below
    path = save_mapping("test_map", mapping, directory=tmp_path)
    loaded = load_mapping(path)
    assert loaded.columns["Ticket"] == ["complaint_id"]
    assert loaded.columns["Notes"] == ["description", "resolution"]
    assert loaded.columns["Internal"] == []
    assert loaded.constants == {"severity": "一般"}
    assert (loaded.kind, loaded.date_order, loaded.name) == ("complaints", "dayfirst", "test_map")
    assert loaded.values == {"channel": {"Carrier pigeon": "letter"}}
    data = write_csv(
        tmp_path / "m.csv",
        ["ticket", "OPENED", "team", "via"],
        [["T1", "03/04/2025 10:00", "Ops", "Carrier pigeon"]],
    )
    res = import_file(tmp_path / "m.duckdb", data, mapping=path)
    assert (res.imported, res.mapping) == (1, "test_map")
    conn = store.open_snapshot(tmp_path / "m.duckdb")
    assert conn.execute(
        "select complaint_id, received_at, department, channel, severity from complaints"
    ).fetchall() == [("T1", dt.datetime(2025, 4, 3, 10), "Ops", "letter", "general")]
    conn.close()


def test_mapping_with_unknown_target_is_refused(tmp_path):
    with pytest.raises(ImportRefused, match="'colour' is not a canonical column"):
        save_mapping("bad", {"columns": {"A": "colour"}}, directory=tmp_path)


def test_preview_proposes_a_mapping(tmp_path):
    data = ("junk line\n" + "工单号,投诉时间,部门,备注\nA1,2025/10/3 9:05,客服部,x\n").encode(
        "gb18030"
    )
    p = preview(data, "p.csv")
    assert (p.encoding, p.delimiter, p.header_line, p.kind) == ("gb18030", ",", 2, "complaints")
    assert p.proposed == {
        "工单号": "complaint_id",
        "投诉时间": "received_at",
        "部门": "department",
        "备注": None,
    }
    assert p.unmatched == ["备注"]
    assert p.parsed.loc[0, "received_at"] == pd.Timestamp(2025, 10, 3, 9, 5)


def test_preview_without_required_columns_offers_first_row(tmp_path):
    p = preview(b"Ref,When,Unit\nT1,2025-10-01,Ops\n", "x.csv")
    assert p.error is not None and "missing required columns" in p.error
    assert p.headers == ["Ref", "When", "Unit"]
    assert p.rows.loc[0, "Ref"] == "T1"


def test_cli_json_output_and_exit_codes(tmp_path):
    good = write_csv(tmp_path / "g.csv", ZH_HEADERS, RECORDS)
    bad = write_csv(tmp_path / "b.csv", ["投诉编号"], [["A1"]])
    cmd = [
        sys.executable,
        "-m",
        "dashboard",
        "--db",
        str(tmp_path / "c.duckdb"),
        "import",
        str(good),
        "--format",
        "json",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert {
        k: doc[k] for k in ("kind", "source_rows", "imported", "rejected", "already_imported")
    } == {
        "kind": "complaints",
        "source_rows": 3,
        "imported": 3,
        "rejected": 0,
        "already_imported": False,
    }
    out = subprocess.run(
        [*cmd[:-3], str(good), str(bad), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 1
    docs = json.loads(out.stdout)
    assert [d["outcome"] for d in docs] == ["ok", "refused"]
    assert docs[0]["already_imported"] is True
    assert "was imported before" in out.stderr
    assert "b.csv: refused: tried kind complaints: missing required columns" in out.stderr


def test_cli_busy_database_exits_3(tmp_path):
    good = write_csv(tmp_path / "g.csv", ZH_HEADERS, RECORDS)
    dbp = tmp_path / "busy.duckdb"
    cmd = [
        sys.executable,
        "-m",
        "dashboard",
        "--db",
        str(dbp),
        "import",
        str(good),
        "--wait",
        "0.5",
    ]
    with store.writer_lock(dbp):
        code = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert code.returncode == 3
    assert "another import or update is running" in code.stderr


# ----------------------------------------------------------------- the "done when" test


def test_done_when_gb18030_and_xlsx_in_chinese_template(tmp_path):
    """Shuffled columns, extra columns, mixed timestamps, Chinese words, a duplicated id
    and broken rows: exact accounting and a readable, masked reject report."""
    headers = [
        "责任部门",
        "备注",
        "受理时间",
        "投诉编号",
        "投诉渠道",
        "投诉等级",
        "客户姓名",
        "联系电话",
        "是否有理",
        "满意度",
        "补偿金额",
        "办结时间",
        "内部流水号",
    ]
    rows = [
        [
            "客服部",
            "",
            "2025-10-03 09:05:07",
            "C0001",
            "电话",
            "一般",
            "张三",
            "13812345678",
            "是",
            "满意",
            "1,200.00",
            "2025/10/4 10:00",
            "1",
        ],
        [
            "零售部",
            "",
            "2025/10/3 9:05",
            "C0002",
            "微信",
            "紧急",
            "李四",
            "13900001111",
            "否",
            "非常满意",
            "¥50",
            "",
            "2",
        ],
        [
            "客服部",
            "重复",
            "2025年10月3日9时5分",
            "C0001",
            "邮件",
            "重大",
            "张三",
            "13812345678",
            "是",
            "一般",
            "",
            "2025年10月5日 08:00",
            "3",
        ],
        [
            "客服部",
            "",
            "03/10/2025",
            "C0003",
            "电话",
            "一般",
            "王五",
            "13700002222",
            "是",
            "",
            "",
            "",
            "4",
        ],
        [
            "客服部",
            "",
            "2025-10-04",
            "C0004",
            "电话",
            "超级",
            "赵六",
            "13600003333",
            "是",
            "",
            "",
            "",
            "5",
        ],
        ["", "", "2025-10-04", "C0005", "来访", "一般", "孙七", "", "否", "", "", "", "6"],
        [
            "零售部",
            "",
            "2025-10-05 14:00",
            "C0006",
            "信函",
            "一般",
            "周八",
            "",
            "是",
            "不满意",
            "50元",
            "",
            "7",
        ],
    ]
    gb = tmp_path / "投诉导出.csv"
    gb.write_bytes(csv_text(headers, rows).encode("gb18030"))
    xl = write_xlsx(tmp_path / "投诉导出.xlsx", headers, rows)
    for path in (gb, xl):
        dbp = tmp_path / f"{path.suffix[1:]}.duckdb"
        res = import_file(dbp, path, user="质检员")
        assert (res.source_rows, res.imported, res.superseded, res.rejected) == (7, 3, 1, 3)
        assert res.extra_columns == ["备注", "内部流水号"]
        rep = _report(res)
        assert rep[["line", "column", "field", "reason"]].values.tolist() == [
            [
                "5",
                "受理时间",
                "received_at",
                "ambiguous day/month order: declare --dayfirst or --monthfirst"
                " (or date_order in the mapping); value seen: '03/10/2025'",
            ],
            ["6", "投诉等级", "severity", "unknown severity word; value seen: '超级'"],
            ["7", "责任部门", "department", "missing required value"],
        ]
        assert "13812345678" not in rep.to_csv()
        conn = store.open_snapshot(dbp)
        got = conn.execute(
            "select complaint_id, received_at, resolved_at, channel, severity, is_valid,"
            " satisfaction, compensation_amount::varchar from complaints order by 1"
        ).fetchall()
        log = conn.execute(
            "select user_name, source_rows, rejected, outcome from import_log"
        ).fetchall()
        conn.close()
        assert got == [
            (
                "C0001",
                dt.datetime(2025, 10, 3, 9, 5),
                dt.datetime(2025, 10, 5, 8),
                "email",
                "major",
                True,
                3,
                None,
            ),
            ("C0002", dt.datetime(2025, 10, 3, 9, 5), None, "social", "urgent", False, 5, "50.00"),
            ("C0006", dt.datetime(2025, 10, 5, 14), None, "letter", "general", True, 2, "50.00"),
        ]
        assert log == [("质检员", 7, 3, "ok")]


@pytest.mark.parametrize(
    "body",
    [
        'A1,2025-10-01,"多行\n内容"\r\nA2,2025-10-02,"x ""q"" y"\rA3,2025-10-03,"a\r\nb\rc"\n',
        "A1,2025-10-01,x\nA2,2025-10-02,y",
        "A1,2025-10-01,x\n,,\nA2,2025-10-02,y\n",
        "A1,2025-10-01,x\nA2,2025-10-02\nA3,2025-10-03,z\n",
        "A1,2025-10-01,x\n\nA3,2025-10-03,z\n",
    ],
)
def test_arrow_fast_path_reads_exactly_like_the_record_reader(monkeypatch, body):
    from queries.importer import headers as hdr
    from queries.importer import readers

    data = ("junk\n投诉编号,受理时间,责任部门\n" + body).encode()
    test = hdr.HeaderTest("complaints", None)
    got = []
    for threshold in (10**12, 0):
        monkeypatch.setattr(readers, "FAST_PATH_MIN_CHARS", threshold)
        raw = readers.read_text(data, test)
        got.append((raw.table.to_pylist(), raw.source_rows, raw.blank_rows, raw.pre_rejects))
    assert got[0] == got[1]
    assert got[0][0][0]["line"] == 3


def test_failure_while_publishing_leaves_data_untouched_and_is_logged(tmp_path, monkeypatch):
    import duckdb

    from queries.importer import pipeline

    dbp = tmp_path / "f.duckdb"
    import_file(dbp, write_csv(tmp_path / "a.csv", ZH_HEADERS, RECORDS[:1]))
    before = checksum(dbp)

    def broken(conn, kind, rows):
        raise duckdb.ConstraintException("simulated")

    monkeypatch.setattr(pipeline, "_upsert", broken)
    res = import_file(dbp, write_csv(tmp_path / "b.csv", ZH_HEADERS, RECORDS))
    assert (res.outcome, res.imported, res.message) == (
        "failed",
        0,
        "ConstraintException: simulated",
    )
    assert checksum(dbp) == before
    conn = store.open_snapshot(dbp)
    outcomes = conn.execute("select outcome from import_log order by outcome").fetchall()
    assert outcomes == [("failed",), ("ok",)]
    conn.close()


def test_xlsx_cell_with_nul_rejects_its_row(tmp_path):
    path = write_xlsx(
        tmp_path / "nul.xlsx",
        ["投诉编号", "受理时间", "责任部门"],
        [["A1", "2025-10-01", "客\x00服部"], ["A2", "2025-10-01", "客服部"]],
    )
    res = import_file(tmp_path / "nx.duckdb", path)
    assert (res.source_rows, res.imported, res.rejected) == (2, 1, 1)
    rep = _report(res)
    assert rep.loc[0, ["line", "column", "reason"]].tolist() == [
        "2",
        "责任部门",
        "NUL byte in field",
    ]


def test_shipped_mappings_on_small_lookalike_files(tmp_path):
    cfpb = (
        "Archive:  complaints.csv.zip\n  inflating: complaints.csv\n"
        "Date received,Product,Sub-product,Issue,Consumer complaint narrative,Company,State,"
        "Submitted via,Date sent to company,Company response to consumer,Timely response?,"
        "Complaint ID\n"
        '2019-09-24,Debt collection,I do not know,Debt,"line one\nline two",ACME INC,FL,'
        "Referral,2019-09-25,Untimely response,No,0003384392\n"
        "11/13/2014,Mortgage,FHA,Escrow,,BANK,,Postal mail,11/14/2014,"
        "Closed with explanation,Yes,1114245\n"
    )
    (tmp_path / "cfpb.csv").write_text(cfpb, encoding="utf-8")
    res = import_file(tmp_path / "c.duckdb", tmp_path / "cfpb.csv", mapping="cfpb")
    assert (res.skipped_lines, res.imported, res.rejected) == ([1, 2], 2, 0)
    assert res.extra_columns == ["Issue", "Timely response?"]
    conn = store.open_snapshot(tmp_path / "c.duckdb")
    assert conn.execute(
        "select complaint_id, received_at, acknowledged_at, department, category, product,"
        " region, channel, status, resolution, description from complaints order by 1"
    ).fetchall() == [
        (
            "0003384392",
            dt.datetime(2019, 9, 24),
            dt.datetime(2019, 9, 25),
            "ACME INC",
            "Debt collection",
            "I do not know",
            "FL",
            "transfer",
            "pending",
            "Untimely response",
            "line one\nline two",
        ),
        (
            "1114245",
            dt.datetime(2014, 11, 13),
            dt.datetime(2014, 11, 14),
            "BANK",
            "Mortgage",
            "FHA",
            None,
            "letter",
            "closed",
            "Closed with explanation",
            None,
        ),
    ]
    conn.close()
    boston = (
        "CASE_ENQUIRY_ID,OPEN_DT,TARGET_DT,CLOSED_DT,CASE_STATUS,CLOSURE_REASON,CASE_TITLE,TYPE,"
        "Department,neighborhood,Source,resolution_hours,resolution_hours\n"
        "101004128563,2022-01-17 11:20:00,2022-01-18 11:20:22,2022-01-18 10:08:24,Closed,"
        "Case Closed.  ,Street Light,Street Light Knock Downs,PWDx,Downtown,City Worker App,1,2\n"
        "101004155594,2022-01-31 11:46:00,,,Open, ,Snow,Misc. Snow Complaint,PWDx,Roslindale,"
        "Constituent Call,,\n"
    )
    (tmp_path / "boston.csv").write_text(boston, encoding="utf-8")
    res = import_file(tmp_path / "b.duckdb", tmp_path / "boston.csv", mapping="boston311")
    assert (res.imported, res.rejected, res.warnings) == (2, 0, 1)
    assert res.extra_columns == ["resolution_hours", "resolution_hours (2)"]
    conn = store.open_snapshot(tmp_path / "b.duckdb")
    assert conn.execute(
        "select complaint_id, extended_deadline, resolved_at, status, channel, resolution"
        " from complaints order by 1"
    ).fetchall() == [
        (
            "101004128563",
            dt.datetime(2022, 1, 18, 11, 20, 22),
            dt.datetime(2022, 1, 18, 10, 8, 24),
            "closed",
            "City Worker App",
            "Case Closed.",
        ),
        ("101004155594", None, None, "in_progress", "phone", None),
    ]
    conn.close()
