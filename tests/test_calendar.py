"""Company calendar: statutory days, make-up working days, overrides, uncovered years."""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from queries import cli, store
from queries.config import workcalendar


def test_statutory_holidays_and_make_up_days():
    assert workcalendar.is_working_day(dt.date(2025, 10, 1)) is False  # National Day
    assert workcalendar.is_working_day(dt.date(2025, 10, 11)) is True  # make-up Saturday
    assert workcalendar.is_working_day(dt.date(2025, 10, 12)) is False  # ordinary Sunday
    assert workcalendar.is_working_day(dt.date(2025, 10, 13)) is True


def test_covered_years_span_the_library_data():
    years = workcalendar.covered_years()
    assert years.start == 2004 and 2026 in years and 2003 not in years


def test_override_file_adds_days_off_and_working_days(tmp_path, monkeypatch):
    path = tmp_path / "cal.toml"
    path.write_text("days_off = [2025-10-13]\nworking_days = [2025-10-12]\n", encoding="utf-8")
    assert workcalendar.is_working_day(dt.date(2025, 10, 13), path) is False
    assert workcalendar.is_working_day(dt.date(2025, 10, 12), path) is True
    monkeypatch.setenv(workcalendar.OVERRIDES_ENV_VAR, str(path))
    frame = workcalendar.calendar_frame(dt.date(2025, 10, 11), dt.date(2025, 10, 14))
    assert frame["is_working"].tolist() == [True, True, False, True]
    assert list(frame.columns) == ["date", "is_working", "covered"]


def test_override_moves_a_deadline(make_db, tmp_path, monkeypatch):
    # Monday 13th off: Friday 10th + 3 working days = Sat 11th, Tue 14th, Wed 15th
    path = tmp_path / "cal.toml"
    path.write_text("days_off = [2025-10-13]\n", encoding="utf-8")
    monkeypatch.setenv(workcalendar.OVERRIDES_ENV_VAR, str(path))
    p = make_db(
        complaints=[
            dict(complaint_id="A", received_at=dt.datetime(2025, 10, 10, 10), department="D")
        ]
    )
    conn = store.open_snapshot(p)
    deadline = conn.execute("select resolution_deadline from stg_complaints").fetchall()[0][0]
    assert deadline == dt.datetime(2025, 10, 16)


def test_invalid_override_file_is_an_error(tmp_path):
    path = tmp_path / "cal.toml"
    path.write_text('days_off = ["2025-10-13"]\n', encoding="utf-8")
    try:
        workcalendar.load_overrides(path)
    except workcalendar.CalendarError as exc:
        assert "must hold dates" in str(exc)
    else:
        raise AssertionError("a string date must be rejected")


def test_uncovered_year_falls_back_to_weekends_and_is_reported(make_db, capsys):
    assert workcalendar.covered(dt.date(2027, 1, 1)) is False
    assert workcalendar.is_working_day(dt.date(2027, 1, 1)) is True  # a Friday, no holiday data
    assert workcalendar.is_working_day(dt.date(2027, 1, 2)) is False  # Saturday
    p = make_db(
        complaints=[
            dict(complaint_id="A", received_at=dt.datetime(2027, 1, 1, 9), department="D"),
            dict(complaint_id="B", received_at=dt.datetime(2026, 6, 1, 9), department="D"),
        ]
    )
    conn = store.open_snapshot(p)
    assert workcalendar.uncovered_years(conn) == [2027]
    covered = dict(
        conn.execute("select complaint_id, calendar_covered from stg_complaints").fetchall()
    )
    assert covered == {"A": False, "B": True}
    # weekends only: Fri 1st + 3 working days = Mon 4th, Tue 5th, Wed 6th -> 7th 00:00
    deadline = conn.execute(
        "select resolution_deadline from stg_complaints where complaint_id = 'A'"
    ).fetchall()[0][0]
    assert deadline == dt.datetime(2027, 1, 7)
    # an explicit as-of: by default times after now (+ the import tolerance) are ignored
    args = ["kpi", "--from", "2027-01-01", "--to", "2027-02-01", "--as-of", "2027-01-02 00:00:00"]
    code = cli.main(["--db", str(p), *args])
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out)[0]["received"] == 1
    warnings = [line for line in err.splitlines() if "2027" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning:")


def test_uncovered_years_are_the_data_years_only_with_a_deadline_in_its_last_second_year():
    conn = duckdb.connect()
    conn.execute("create table stg_complaints (received_date date, resolution_deadline timestamp)")
    rows = [
        (dt.date(2026, 12, 30), dt.datetime(2027, 1, 1)),  # deadline 00:00: its last second is 2026
        (dt.date(2026, 12, 31), None),
        (dt.date(2026, 5, 4), dt.datetime(2030, 1, 1, 0, 0, 1)),  # one second into 2030
        (dt.date(2003, 6, 2), dt.datetime(2003, 6, 9)),  # before the library's data
    ]
    conn.executemany("insert into stg_complaints values (?, ?)", rows)
    # 2027-2029 lie between the first and last years but hold no date: not reported
    assert workcalendar.uncovered_years(conn) == [2003, 2030]
    conn.execute("delete from stg_complaints where received_date < '2004-01-01'")
    conn.execute("update stg_complaints set resolution_deadline = '2030-01-01 00:00:00'")
    assert workcalendar.uncovered_years(conn) == [2029]
    conn.execute("update stg_complaints set resolution_deadline = '2027-01-01 00:00:00'")
    assert workcalendar.uncovered_years(conn) == []
    conn.execute("delete from stg_complaints")
    assert workcalendar.uncovered_years(conn) == []


def test_no_warning_for_covered_data(make_db, capsys):
    p = make_db(
        complaints=[dict(complaint_id="B", received_at=dt.datetime(2025, 6, 3, 9), department="D")]
    )
    assert cli.main(["--db", str(p), "kpi", "--from", "2025-06-01", "--to", "2025-07-01"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_working_hours_between_counts_working_days_only():
    fri, mon = dt.datetime(2025, 10, 17, 12), dt.datetime(2025, 10, 20, 12)
    assert workcalendar.working_hours_between(fri, mon) == 24.0  # weekend skipped
    assert workcalendar.working_hours_between(mon, fri) == -24.0
    # Fri 10th 10:00 -> Wed 15th 00:00 across the make-up Saturday: 14 + 24 + 24 + 24
    end = dt.datetime(2025, 10, 15)
    assert workcalendar.working_hours_between(dt.datetime(2025, 10, 10, 10), end) == 86.0
