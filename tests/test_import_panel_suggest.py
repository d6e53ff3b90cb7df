"""AppTest: the Data page's mapping editor starts from the ``mapping suggest`` proposal;
the results show the top reject reasons and a file that is not published."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from queries import store
from tests.import_fixtures import csv_text
from tests.test_import_panel import _script

DATA = csv_text(
    ["Ticket", "Opened", "Team", "Closed At"],
    [
        ["A1", "12/25/2013 12:00:00 AM", "Ops", "?"],
        ["A2", "12/26/2013 1:05:00 PM", "Ops", "12/27/2013 9:00:00 AM"],
        ["A3", "?", "Sales", ""],
        ["A4", "01/02/2014 3:00:00 PM", "Sales", ""],
    ],
).encode("utf-8")


def test_editor_starts_from_the_proposal_and_imports_12_hour_times(tmp_path):
    dbp = tmp_path / "p.duckdb"
    at = AppTest.from_function(_script, args=(str(dbp), DATA, "en"), default_timeout=60)
    at.run()
    assert not at.exception
    boxes = {sb.label: sb.value for sb in at.selectbox}
    assert (boxes["Ticket"], boxes["Opened"], boxes["Team"], boxes["Closed At"]) == (
        "complaint_id",
        "received_at",
        "department",
        "closed_at",
    )
    assert any(c.value.startswith("Mapping proposed from the header and 4") for c in at.caption)
    at.button(key="import_go").click().run()
    assert not at.exception
    summary = next(df.value for df in at.dataframe if "outcome" in df.value.columns)
    assert summary.loc[0, ["outcome", "imported", "rejected"]].tolist() == ["ok", 3, 1]
    top = next(df.value for df in at.dataframe if "count" in df.value.columns)
    assert top.to_dict("records") == [
        {"field": "received_at", "reason": "missing value (?)", "count": 1, "example": "?"}
    ]
    conn = store.open_snapshot(dbp)
    got = conn.execute("select complaint_id, received_at, closed_at from complaints order by 1")
    assert [(a, str(b), str(c)) for a, b, c in got.fetchall()] == [
        ("A1", "2013-12-25 00:00:00", "None"),
        ("A2", "2013-12-26 13:05:00", "2013-12-27 09:00:00"),
        ("A4", "2014-01-02 15:00:00", "None"),
    ]
    conn.close()


def test_a_file_that_rejects_everything_is_shown_as_not_published(tmp_path):
    data = csv_text(["工单编号", "受理时间", "承办单位"], [["A1", "yesterday", "x"]]).encode()
    at = AppTest.from_function(
        _script, args=(str(tmp_path / "q.duckdb"), data, "zh"), default_timeout=60
    )
    at.run()
    at.button(key="import_go").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors == [
        "投诉.csv：未发布（数据未改变）—— nothing imported: all 1 of 1 rows rejected; most"
        " frequent: received_at: not a recognised date/time (1); see "
        + next(df.value for df in at.dataframe if "outcome" in df.value.columns)
        .loc[0, "message"]
        .split("see ")[1]
    ]
