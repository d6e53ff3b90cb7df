"""Meetings: ids, storage next to the database (atomic JSON), notes, freezing against later
imports, and ``complaints report`` as cron runs it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from queries import cli, staging, store
from queries.marts import kpi
from queries.reports import meeting
from tests.conftest import insert_rows
from tests.meeting_data import DEMO_AS_OF, DEMO_MONTH, build_demo_meeting, sample_pack


def test_resolve_month_last_and_validation():
    assert meeting.resolve_month("last", today=dt.date(2025, 11, 3)) == "2025-10"
    assert meeting.resolve_month("last", today=dt.date(2026, 1, 1)) == "2025-12"
    assert meeting.resolve_month("2025-10") == "2025-10"
    for bad in ("2025-13", "2025-1", "10/2025", "last month"):
        with pytest.raises(meeting.MeetingError):
            meeting.resolve_month(bad)


def test_meeting_ids_are_validated_and_versioned(tmp_path):
    db_path = tmp_path / "c.duckdb"
    assert meeting.meeting_path(db_path, "2025-10") == tmp_path / "meetings" / "2025-10.json"
    for bad in ("../x", "2025-10/../../etc", "2025-10-v1", "2025-10-v", "x"):
        with pytest.raises(meeting.MeetingError):
            meeting.meeting_path(db_path, bad)
    assert meeting.next_meeting_id(db_path, "2025-10") == "2025-10"
    meeting.save(db_path, sample_pack("2025-10"))
    assert meeting.next_meeting_id(db_path, "2025-10") == "2025-10-v2"
    meeting.save(db_path, sample_pack("2025-10-v2"))
    assert meeting.next_meeting_id(db_path, "2025-10") == "2025-10-v3"
    assert [m["meeting_id"] for m in meeting.list_meetings(db_path)] == ["2025-10-v2", "2025-10"]


def test_save_load_and_notes_round_trip_without_leftovers(tmp_path):
    db_path = tmp_path / "c.duckdb"
    pack = sample_pack()
    meeting.save(db_path, pack)
    assert meeting.load(db_path, "2025-10") == pack
    meeting.set_note(db_path, "2025-10", "ranking", "物流配送部：下月复盘")
    meeting.set_note(db_path, "2025-10", "headline", "")
    stored = meeting.load(db_path, "2025-10")
    assert stored["notes"] == {"ranking": "物流配送部：下月复盘"}
    assert stored["kpis"] == pack["kpis"]
    assert sorted(p.name for p in (tmp_path / "meetings").iterdir()) == [".lock", "2025-10.json"]
    with pytest.raises(meeting.MeetingError, match="unknown slide"):
        meeting.set_note(db_path, "2025-10", "nope", "x")
    with pytest.raises(meeting.MeetingError, match="no meeting"):
        meeting.load(db_path, "2025-09")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_meeting(tmp_path_factory.mktemp("meeting"))


def _kpis(db_path, as_of):
    conn = store.open_snapshot(db_path)
    try:
        return kpi.kpis(conn, kpi.Period.month(DEMO_MONTH), kpi.Filters(), as_of).iloc[0]
    finally:
        conn.close()


def test_pack_numbers_equal_kpi_engine(demo):
    db_path, pack = demo
    row = _kpis(db_path, dt.datetime.fromisoformat(DEMO_AS_OF))
    assert pack["as_of"] == DEMO_AS_OF
    for metric in kpi.METRIC_COLUMNS:
        expected = row[metric]
        got = pack["kpis"][metric]
        if expected != expected or expected is None:
            assert got is None, metric
        else:
            assert got == pytest.approx(float(expected), abs=0), metric
    assert {c["metric"]: c["value"] for c in pack["cards"]}["received"] == row["received"]


def test_meeting_is_frozen_against_a_later_import(tmp_path):
    db_path, pack = build_demo_meeting(tmp_path)  # its own database: this test imports
    as_of = dt.datetime.fromisoformat(DEMO_AS_OF)
    before = _kpis(db_path, as_of)
    with store.write_transaction(db_path, derive=staging.refresh) as conn:
        department = conn.execute("select name_zh from departments limit 1").fetchone()[0]
        insert_rows(
            conn,
            "complaints",
            [
                {
                    "complaint_id": f"LATE-{i}",
                    "received_at": dt.datetime(2025, 10, 20, 9, i),
                    "department": department,
                    "severity": "general",
                    "category": "产品质量",
                }
                for i in range(7)
            ],
        )
    after = _kpis(db_path, as_of)
    assert after["received"] == before["received"] + 7
    stored = meeting.load(db_path, pack["meeting_id"])
    assert stored["kpis"]["received"] == before["received"]
    assert stored == pack


def test_report_command_writes_each_format_from_the_stored_meeting(demo, tmp_path, capsys):
    db_path, pack = demo
    for fmt in ("pptx", "pdf", "xlsx"):
        out = tmp_path / f"m.{fmt}"
        code = cli.main(
            [
                "--db",
                str(db_path),
                "report",
                "--meeting",
                pack["meeting_id"],
                "--format",
                fmt,
                "-o",
                str(out),
            ]
        )
        assert code == 0 and out.stat().st_size > 1000
    err = capsys.readouterr().err
    assert err.count("wrote ") == 3


def test_report_command_month_last_and_save(demo, tmp_path, capsys, monkeypatch):
    db_path, _ = demo
    out = tmp_path / "x.xlsx"
    code = cli.main(
        [
            "--db",
            str(db_path),
            "report",
            "--month",
            "2025-09",
            "--as-of",
            "2025-10-31",
            "--format",
            "xlsx",
            "--save",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    saved = meeting.load(db_path, "2025-09")
    assert saved["as_of"] == "2025-10-31 00:00:00"  # a bare date is 00:00, as in `kpi`
    assert "stored meeting 2025-09" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--month", "2025-13", "--format", "pdf"], 1, "month must be YYYY-MM"),
        (["--format", "pdf"], 2, "give --month"),
        (["--meeting", "2030-01", "--format", "pdf"], 1, "no meeting '2030-01'"),
        (["--month", "2025-10", "--as-of", "yesterday", "--format", "pdf"], 1, "--as-of"),
    ],
)
def test_report_command_failures_are_one_line(demo, tmp_path, capsys, argv, code, message):
    db_path, _ = demo
    out = tmp_path / "never.pdf"
    assert cli.main(["--db", str(db_path), "report", *argv, "-o", str(out)]) == code
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and err.startswith("complaints report:")
    assert not out.exists()


def test_report_command_without_database_exits_4(tmp_path, capsys):
    code = cli.main(
        [
            "--db",
            str(tmp_path / "none.duckdb"),
            "report",
            "--month",
            "2025-10",
            "--format",
            "pdf",
            "-o",
            str(tmp_path / "a.pdf"),
        ]
    )
    assert code == 4
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_pack_is_plain_json(demo):
    db_path, pack = demo
    text = meeting.meeting_path(db_path, pack["meeting_id"]).read_text(encoding="utf-8")
    assert json.loads(text)["month"] == DEMO_MONTH
    assert "customer_name" not in text and "customer_phone" not in text


def test_pack_equals_the_kpi_and_scores_commands(demo, capsys):
    db_path, pack = demo
    capsys.readouterr()
    as_of = ["--as-of", DEMO_AS_OF]
    assert (
        cli.main(
            [
                "--db",
                str(db_path),
                "kpi",
                "--from",
                "2025-10-01",
                "--to",
                "2025-11-01",
                *as_of,
                "--ladder",
                "--format",
                "json",
            ]
        )
        == 0
    )
    (kpis,) = json.loads(capsys.readouterr().out)
    for metric in kpi.METRIC_COLUMNS:
        assert pack["kpis"][metric] == kpis[metric], metric
    assert (
        cli.main(
            ["--db", str(db_path), "scores", "--month", DEMO_MONTH, *as_of, "--format", "json"]
        )
        == 0
    )
    scores = json.loads(capsys.readouterr().out)
    assert [(s["department"], s["score"], s["rank"]) for s in scores] == [
        (s["department"], s["score"], s["rank"]) for s in pack["scores"]
    ]


def test_month_after_the_data_is_refused(demo, tmp_path, capsys):
    db_path, _ = demo
    out = tmp_path / "next.pdf"
    argv = ["--db", str(db_path), "report", "--month", "2026-01", "--format", "pdf", "-o", str(out)]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert "is before 2026-01: no data for that month yet" in err and len(err.splitlines()) == 1
    assert not out.exists()
