"""Mapping files with formats, null markers, positions and zones; loud outcomes; the
latest-row rule; ``mapping suggest`` end to end. Every file is generated here, in styles
unlike the template (12-hour times, ``?`` as null, headerless, event logs)."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest

from queries import store
from queries.cli import main
from queries.importer import ImportRefused, import_file, load_mapping
from queries.importer.suggest import suggest
from tests.import_fixtures import checksum, write_csv

T = dt.datetime
HEADERS = ["工单编号", "受理时间", "承办单位"]  # synonyms / template headers


def _received(db_path):
    conn = store.open_snapshot(db_path)
    try:
        return conn.execute(
            "select complaint_id, received_at from complaints order by 1"
        ).fetchall()
    finally:
        conn.close()


# every style, with and without seconds: (values, expected naive Asia/Shanghai times)
STYLES = {
    "us_12h": (
        ["12/25/2013 12:00:00 AM", "12/25/2013 1:05 PM", "01/02/2014 11:59:59 PM"],
        [T(2013, 12, 25, 0, 0), T(2013, 12, 25, 13, 5), T(2014, 1, 2, 23, 59, 59)],
    ),
    "zh_ampm": (
        ["2024/3/5 下午3:04:05", "2024/3/6 上午9:30", "2024/3/7 下午12:00"],
        [T(2024, 3, 5, 15, 4, 5), T(2024, 3, 6, 9, 30), T(2024, 3, 7, 12, 0)],
    ),
    "rfc2822": (
        [
            "Tue Oct 31 22:10:47 +0000 2017",
            "Tue, 31 Oct 2017 23:00 +0000",
            "1 Nov 2017 01:02:03 +0800",
        ],
        [T(2017, 11, 1, 6, 10, 47), T(2017, 11, 1, 7, 0), T(2017, 11, 1, 1, 2, 3)],
    ),
    "unix_s": (
        ["1700000000", "1700003600", "1700007261"],
        [T(2023, 11, 15, 6, 13, 20), T(2023, 11, 15, 7, 13, 20), T(2023, 11, 15, 8, 14, 21)],
    ),
    "unix_ms": (
        ["1700000000000", "1700000000500", "1700003600000"],
        [
            T(2023, 11, 15, 6, 13, 20),
            T(2023, 11, 15, 6, 13, 20, 500000),
            T(2023, 11, 15, 7, 13, 20),
        ],
    ),
    "excel_serial": (
        ["45356.5", "45357", "45358.25"],
        [T(2024, 3, 5, 12), T(2024, 3, 6), T(2024, 3, 7, 6)],
    ),
    "dayfirst_proven": (
        ["25/12/2013 13:05:00", "03/04/2014 09:00", "13/01/2014 00:00:01"],
        [T(2013, 12, 25, 13, 5), T(2014, 4, 3, 9, 0), T(2014, 1, 13, 0, 0, 1)],
    ),
    "jira": (
        ["15/Jan/24 10:22 AM", "01/Feb/24 12:05 PM", "29/Feb/24 11:59 PM"],
        [T(2024, 1, 15, 10, 22), T(2024, 2, 1, 12, 5), T(2024, 2, 29, 23, 59)],
    ),
    "iso_auto": (
        ["2025-10-03 09:05:07", "2025-10-03 09:05", "2025年10月3日 09:05"],
        [T(2025, 10, 3, 9, 5, 7), T(2025, 10, 3, 9, 5), T(2025, 10, 3, 9, 5)],
    ),
}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_suggest_then_import_reads_every_date_style_without_edits(tmp_path, style):
    values, expected = STYLES[style]
    rows = [[f"W{i}", v, "市场监管局"] for i, v in enumerate(values)]
    path = write_csv(tmp_path / f"{style}.csv", HEADERS, rows)
    sugg = suggest(path)
    assert sugg.must_choose == []
    mapping = tmp_path / "m.toml"
    mapping.write_text(sugg.to_toml(), encoding="utf-8")
    res = import_file(tmp_path / "d.duckdb", path, mapping=mapping)
    assert (res.outcome, res.imported, res.rejected) == ("ok", 3, 0), res.message
    assert _received(tmp_path / "d.duckdb") == [(f"W{i}", e) for i, e in enumerate(expected)]


def test_suggest_names_the_format_and_the_proven_order(tmp_path):
    path = write_csv(
        tmp_path / "x.csv",
        ["Ticket", "Opened", "Team", "Closed At"],
        [
            ["A1", "12/25/2013 12:00:00 AM", "ops", "?"],
            ["A2", "?", "ops", "12/26/2013 1:05 PM"],
            ["A3", "01/02/2014 3:00:00 PM", "sales", ""],
        ],
    )
    s = suggest(path)
    by = {c.header: c for c in s.columns}
    assert by["Opened"].targets == ["received_at"]
    assert by["Opened"].formats == ["%m/%d/%Y %I:%M:%S %p"]
    assert by["Opened"].date_order == "monthfirst"
    assert by["Opened"].nulls == ["?"]
    assert by["Closed At"].formats == ["%m/%d/%Y %I:%M %p"]
    m = load_mapping(_write(tmp_path, s.to_toml()))
    assert m.formats["received_at"] == ["%m/%d/%Y %I:%M:%S %p"]
    assert m.nulls == {"received_at": ["?"], "closed_at": ["?"]}


def _write(tmp_path, text, name="m.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_unproven_day_month_order_is_a_must_choose_line(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        HEADERS,
        [["W1", "03/04/2025 10:00", "A"], ["W2", "05/06/2025 11:00", "B"]],
    )
    s = suggest(path)
    assert s.must_choose == [
        "received_at: day/month order of column '受理时间' (no day above 12 in the sample)"
    ]
    text = s.to_toml()
    assert '# "received_at" = ["%m/%d/%Y %H:%M"]  # month first (03/04 = 4 March)' in text
    # editing only the must-choose line (uncomment the day-first reading) imports
    edited = text.replace(
        '# "received_at" = ["%d/%m/%Y %H:%M"]', '"received_at" = ["%d/%m/%Y %H:%M"]'
    )
    res = import_file(tmp_path / "d.duckdb", path, mapping=_write(tmp_path, edited))
    assert (res.imported, res.rejected) == (2, 0)
    assert _received(tmp_path / "d.duckdb") == [
        ("W1", T(2025, 4, 3, 10)),
        ("W2", T(2025, 6, 5, 11)),
    ]


def test_missing_department_is_a_must_choose_line_and_editing_it_imports(tmp_path):
    path = write_csv(
        tmp_path / "b.csv",
        ["Ref", "Created", "Body"],
        [["R1", "2025-10-01 08:00", "x"], ["R2", "2025-10-02 08:00", "y"]],
    )
    s = suggest(path)
    assert s.must_choose[0].startswith(
        "department (责任部门): no column supplies it; map one of 'Body'"
    )
    text = s.to_toml()
    assert '# department = "客服部"' in text
    bad = import_file(tmp_path / "d.duckdb", path, mapping=_write(tmp_path, text))
    assert bad.outcome == "refused" and "department" in bad.message
    fixed = text.replace('# department = "客服部"', 'department = "客服部"')
    res = import_file(tmp_path / "d.duckdb", path, mapping=_write(tmp_path, fixed))
    assert (res.outcome, res.imported) == ("ok", 2)


def test_headerless_file_is_proposed_by_position_and_imports(tmp_path):
    text = (
        "W001,2024/3/5 下午3:04,-,市场监管局,已办结\n"
        "W002,2024/3/13 上午10:00,2024/3/14 上午9:00,住建局,处理中\n"
        "W003,2024/3/14 下午1:15,-,市场监管局,撤销\n"
        "W004,2024/3/15 上午8:00,2024/3/15 下午5:00,住建局,已办结\n"
    )
    path = tmp_path / "h.csv"
    path.write_text(text, encoding="utf-8")
    s = suggest(path)
    assert s.header is False
    assert [(c.header, c.targets) for c in s.columns] == [
        ("1", ["complaint_id"]),
        ("2", ["received_at"]),
        ("3", ["resolved_at"]),
        ("4", ["department"]),
        ("5", ["status"]),
    ]
    res = import_file(tmp_path / "d.duckdb", path, mapping=_write(tmp_path, s.to_toml()))
    assert (res.source_rows, res.imported, res.rejected, res.header_line) == (4, 4, 0, 0)
    conn = store.open_snapshot(tmp_path / "d.duckdb")
    got = conn.execute(
        "select complaint_id, received_at, resolved_at, status from complaints order by 1"
    ).fetchall()
    conn.close()
    assert got == [
        ("W001", T(2024, 3, 5, 15, 4), None, "resolved"),
        ("W002", T(2024, 3, 13, 10, 0), T(2024, 3, 14, 9, 0), "in_progress"),
        ("W003", T(2024, 3, 14, 13, 15), None, "withdrawn"),
        ("W004", T(2024, 3, 15, 8, 0), T(2024, 3, 15, 17, 0), "resolved"),
    ]


def test_position_past_the_last_column_is_an_error(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("A1,2025-10-01,x\n", encoding="utf-8")
    m = {
        "kind": "complaints",
        "header": False,
        "columns": {"1": "complaint_id", "2": "received_at", "4": "department"},
    }
    res = import_file(tmp_path / "d.duckdb", path, mapping=m)
    assert res.outcome == "refused"
    assert res.message == "mapping (custom): column position 4 is past the file's last column (3)"


def test_null_markers_in_required_optional_and_text_columns(tmp_path):
    headers = ["工单编号", "受理时间", "办结时间", "承办单位", "诉求类型", "诉求内容"]
    rows = [
        ["A1", "2025-10-01 09:00", "?", "住建局", "Unspecified", "Unspecified"],
        ["A2", "?", "2025-10-03 09:00", "住建局", "噪音", "n"],
        ["A3", "2025-10-02 09:00", "N/A", "?", "?", "?"],
        ["A4", "2025-10-02 09:00", "2025-10-04 10:00", "交通局", "道路", "—"],
    ]
    path = write_csv(tmp_path / "n.csv", headers, rows)
    m = {
        "kind": "complaints",
        "null_markers": ["?"],
        "nulls": {"category": ["Unspecified"], "description": ["—"]},
        "columns": {
            h: c
            for h, c in zip(
                headers,
                [
                    "complaint_id",
                    "received_at",
                    "resolved_at",
                    "department",
                    "category",
                    "description",
                ],
                strict=True,
            )
        },
    }
    res = import_file(tmp_path / "d.duckdb", path, mapping=m, max_reject_rate=1.0)
    assert (res.imported, res.rejected) == (2, 2)
    assert res.top_reject_reasons == [
        {"field": "department", "reason": "missing value (?)", "count": 1, "example": "?"},
        {"field": "received_at", "reason": "missing value (?)", "count": 1, "example": "?"},
    ]
    conn = store.open_snapshot(tmp_path / "d.duckdb")
    got = conn.execute(
        "select complaint_id, resolved_at, category, description from complaints order by 1"
    ).fetchall()
    conn.close()
    assert got == [("A1", None, None, "Unspecified"), ("A4", T(2025, 10, 4, 10), "道路", None)]


def test_source_time_zone_is_converted_dst_correctly(tmp_path):
    path = write_csv(
        tmp_path / "z.csv",
        HEADERS,
        [
            ["E1", "2024-03-09 12:00", "A"],
            ["E2", "2024-03-11 12:00", "A"],
            ["E3", "2024-11-04 01:30", "A"],
            ["E4", "2024-11-03 01:30", "A"],  # repeated at the autumn change: first (EDT)
        ],
    )
    m = {
        "kind": "complaints",
        "source_timezone": "America/New_York",
        "timezone": "Asia/Shanghai",
        "columns": {
            "工单编号": "complaint_id",
            "受理时间": "received_at",
            "承办单位": "department",
        },
    }
    res = import_file(tmp_path / "d.duckdb", path, mapping=m)
    assert res.imported == 4
    ny, sh = zoneinfo.ZoneInfo("America/New_York"), zoneinfo.ZoneInfo("Asia/Shanghai")

    def conv(t):
        return t.replace(tzinfo=ny).astimezone(sh).replace(tzinfo=None)

    expected = [
        conv(T(2024, 3, 9, 12)),
        conv(T(2024, 3, 11, 12)),
        conv(T(2024, 11, 4, 1, 30)),
        conv(T(2024, 11, 3, 1, 30)),
    ]
    assert expected[3] == T(2024, 11, 3, 13, 30)
    assert expected[:2] == [T(2024, 3, 10, 1), T(2024, 3, 12, 0)]  # EST then EDT
    assert [t for _, t in _received(tmp_path / "d.duckdb")] == expected


def test_declared_format_mismatch_says_the_format_and_the_value(tmp_path):
    path = write_csv(
        tmp_path / "f.csv",
        HEADERS,
        [
            ["A1", "12/25/2013 1:05 PM", "x"],
            ["A2", "2013-12-25", "x"],
            ["A3", "12/26/2013 2:00 PM", "x"],
        ],
    )
    m = {
        "kind": "complaints",
        "formats": {"received_at": "%m/%d/%Y %I:%M %p"},
        "columns": {
            "工单编号": "complaint_id",
            "受理时间": "received_at",
            "承办单位": "department",
        },
    }
    res = import_file(tmp_path / "d.duckdb", path, mapping=m)
    assert (res.imported, res.rejected) == (2, 1)
    import pandas as pd

    rep = pd.read_csv(res.reject_report, encoding="utf-8-sig", dtype=str)
    assert rep["reason"].tolist() == [
        "not a date/time in the declared format: expected %m/%d/%Y %I:%M %p;"
        " value seen: '2013-12-25'"
    ]


def test_event_log_latest_row_rejected_rejects_the_id(tmp_path):
    rows = [
        ["INC1", "2025-10-01 08:00", "网络组", "New"],
        ["INC2", "2025-10-01 09:00", "网络组", "New"],
        ["INC1", "2025-10-01 08:00", "网络组", "In Progress"],
        ["INC2", "2025-10-01 09:00", "网络组", "Resolved"],
        ["INC1", "2025-13-01 08:00", "网络组", "Resolved"],  # latest INC1 row: bad date
        ["INC3", "2025-10-02 10:00", "", "New"],  # only row, rejected
    ]
    path = write_csv(
        tmp_path / "log.csv", ["number", "opened_at", "assignment_group", "state"], rows
    )
    res = import_file(tmp_path / "d.duckdb", path, mapping="servicenow_incident", max_reject_rate=1)
    assert (res.source_rows, res.imported, res.superseded, res.rejected) == (6, 1, 1, 4)
    assert res.latest_rejected_ids == 1
    conn = store.open_snapshot(tmp_path / "d.duckdb")
    assert conn.execute("select complaint_id, status from complaints").fetchall() == [
        ("INC2", "resolved")
    ]
    conn.close()


def test_all_rejected_file_exits_5_and_changes_nothing(tmp_path, capsys):
    dbp = tmp_path / "d.duckdb"
    good = write_csv(tmp_path / "g.csv", HEADERS, [["A1", "2025-10-01 08:00", "x"]])
    assert main(["--db", str(dbp), "import", str(good)]) == 0
    before = checksum(dbp)
    bad = write_csv(tmp_path / "b.csv", HEADERS, [["A1", "?", "y"], ["A2", "13/13/2025", "y"]])
    capsys.readouterr()
    assert main(["--db", str(dbp), "import", str(bad), "--format", "json"]) == 5
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert (doc["outcome"], doc["failed_on_rejects"], doc["imported"], doc["rejected"]) == (
        "failed",
        True,
        0,
        2,
    )
    assert doc["message"].startswith("nothing imported: all 2 of 2 rows rejected")
    assert checksum(dbp) == before
    conn = store.open_snapshot(dbp)
    assert conn.execute("select outcome from import_log order by started_at").fetchall() == [
        ("ok",),
        ("failed",),
    ]
    conn.close()


def test_max_reject_rate_refuses_to_publish(tmp_path, capsys):
    dbp = tmp_path / "d.duckdb"
    path = write_csv(
        tmp_path / "r.csv",
        HEADERS,
        [["A1", "2025-10-01 08:00", "x"], ["A2", "bad", "x"], ["A3", "bad", "x"]],
    )
    assert main(["--db", str(dbp), "import", str(path)]) == 5
    assert (
        "not published: 2 of 3 rows rejected (67% > --max-reject-rate 0.5)"
        in capsys.readouterr().err
    )
    assert not dbp.exists() or _received(dbp) == []
    assert main(["--db", str(dbp), "import", str(path), "--max-reject-rate", "0.9"]) == 0
    assert _received(dbp) == [("A1", T(2025, 10, 1, 8))]


MISTAKES = [
    (
        {"kind": "complaints", "date_ordr": "dayfirst"},
        "mapping m: unknown key 'date_ordr' (did you mean 'date_order'?)",
    ),
    (
        {"kind": "complaints", "columns": {"Opened": "recieved_at"}},
        "mapping m: columns.'Opened': 'recieved_at' is not a canonical column"
        " (did you mean 'received_at'?)",
    ),
    (
        {"kind": "complaints", "values": {"department": {"a": "b"}}},
        "mapping m: values.department: department is not a coded column, so it takes no value"
        " map (coded columns: channel, compensation_type, concealed, is_malicious, is_valid,"
        " multi_department, return_visit_outcome, revisit_outcome, root_cause, satisfaction,"
        " severity, status)",
    ),
    (
        {"kind": "complaints", "formats": {"received_at": "YYYY-MM-DD"}},
        "mapping m: formats.received_at: 'YYYY-MM-DD' is not a strftime pattern"
        " (e.g. '%m/%d/%Y %I:%M %p') nor one of iso, rfc2822, unix_s, unix_ms, excel_serial",
    ),
    (
        {"kind": "complaints", "formats": {"department": "%Y"}},
        "mapping m: formats.department: department is not a date/time column",
    ),
    (
        {"kind": "complaints", "timezone": "Asia/Shangai"},
        "mapping m: timezone: unknown time zone 'Asia/Shangai' (did you mean 'Asia/Shanghai'?)",
    ),
    (
        {"kind": "complaints", "header": False, "columns": {"Opened": "received_at"}},
        "mapping m: header = false, so columns are positions 1, 2, ...; got 'Opened'",
    ),
    ({"kind": "complaint"}, "mapping m: unknown kind 'complaint' (did you mean 'complaints'?)"),
]


@pytest.mark.parametrize(("doc", "message"), MISTAKES)
def test_mapping_mistakes_are_errors_naming_the_key(tmp_path, doc, message):
    from queries.importer.headers import Mapping

    with pytest.raises(ImportRefused) as exc:
        Mapping.from_dict(doc, name="m")
    assert str(exc.value) == message


def test_mapped_header_absent_from_the_file_is_an_error(tmp_path):
    path = write_csv(tmp_path / "a.csv", ["Ticket", "Opened", "Team"], [["A1", "2025-10-01", "x"]])
    m = {
        "kind": "complaints",
        "columns": {"Ticket": "complaint_id", "Opend": "received_at", "Team": "department"},
    }
    res = import_file(tmp_path / "d.duckdb", path, mapping=m)
    assert res.outcome == "refused"
    assert res.message == (
        "mapping (custom): mapped header 'Opend' is not in the file (did you mean 'Opened'?);"
        " headers found: Ticket, Opened, Team"
    )


def test_refusal_without_mapping_names_kind_headers_and_next_command(tmp_path, capsys):
    path = write_csv(
        tmp_path / "my export.csv", ["Ref", "When", "Unit"], [["A1", "2025-10-01", "x"]]
    )
    assert main(["--db", str(tmp_path / "d.duckdb"), "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "refused: tried kind complaints: missing required columns" in err
    assert "headers found: 'Ref', 'When', 'Unit'" in err
    assert "Next: complaints mapping suggest 'my export.csv' -o my_export.toml" in err
    assert "departments" not in err


def test_mapping_suggest_cli_writes_a_file_that_imports(tmp_path, capsys):
    path = write_csv(
        tmp_path / "s.csv",
        ["留言编号", "留言时间", "留言用户", "答复时间", "答复意见", "留言详情", "承办单位"],
        [
            [
                "M1",
                "2024/3/5 下午3:04",
                "网友甲",
                "2024/3/7 上午10:00",
                "已转交",
                "路灯坏了",
                "城管局",
            ],
            ["M2", "2024/3/6 上午8:00", "网友乙", "暂无", "", "噪音扰民", "环保局"],
        ],
    )
    out = tmp_path / "s.toml"
    assert main(["mapping", "suggest", str(path), "-o", str(out), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["must_choose"] == []
    assert [c["targets"] for c in doc["columns"]] == [
        ["complaint_id"],
        ["received_at"],
        ["customer_name"],
        ["resolved_at"],
        ["resolution"],
        ["description"],
        ["department"],
    ]
    assert doc["columns"][3]["nulls"] == ["暂无"]
    assert out.read_text(encoding="utf-8") == doc["toml"]
    assert (
        main(["--db", str(tmp_path / "d.duckdb"), "import", str(path), "--mapping", str(out)]) == 0
    )
    conn = store.open_snapshot(tmp_path / "d.duckdb")
    assert conn.execute(
        "select complaint_id, received_at, resolved_at, department from complaints order by 1"
    ).fetchall() == [
        ("M1", T(2024, 3, 5, 15, 4), T(2024, 3, 7, 10), "城管局"),
        ("M2", T(2024, 3, 6, 8), None, "环保局"),
    ]
    conn.close()


def test_mapping_round_trips_every_new_key(tmp_path):
    from queries.importer import save_mapping

    doc = {
        "kind": "complaints",
        "header": False,
        "columns": {"1": "complaint_id", "2": "received_at", "3": "department"},
        "optional_headers": ["4"],
        "formats": {"received_at": ["%m/%d/%Y %I:%M %p", "%m/%d/%Y"]},
        "null_markers": ["?"],
        "nulls": {"department": ["-"]},
        "source_timezone": "Europe/London",
        "timezone": "Asia/Shanghai",
    }
    loaded = load_mapping(save_mapping("rt", doc, directory=tmp_path))
    assert (loaded.header, loaded.columns["2"], loaded.optional_headers) == (
        False,
        ["received_at"],
        ["4"],
    )
    assert loaded.formats == {"received_at": ["%m/%d/%Y %I:%M %p", "%m/%d/%Y"]}
    assert (loaded.null_markers, loaded.nulls) == (["?"], {"department": ["-"]})
    assert (loaded.source_timezone, loaded.timezone) == ("Europe/London", "Asia/Shanghai")
