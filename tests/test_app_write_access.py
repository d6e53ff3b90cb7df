"""Writes need a right, the demo is marked, a vanished database is an error page:
AppTests of the Data and meeting pages in local and non-local mode, the demo banner on
every page, and the page shown when the served database file disappears."""

from __future__ import annotations

import json

import pytest
from streamlit.runtime.context import ContextProxy
from streamlit.testing.v1 import AppTest

from queries.config.roles import INSECURE_ENV_VAR
from queries.reports import meeting
from tests import ROOT
from tests.app_support import build_fixture_db, open_app
from tests.conftest import build_db, serve_on
from tests.meeting_data import sample_pack

DATA_PAGE = "data"
BANNER = "示例数据"


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    return build_fixture_db(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def own_db(tmp_path):
    return build_db(
        tmp_path / "own.duckdb",
        complaints=[
            {"complaint_id": "C1", "received_at": "2025-10-02 10:00:00", "department": "客服中心"}
        ],
    )


def _subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def _banner(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if BANNER in m.value or "Demo data" in m.value]


def test_local_mode_shows_the_import_panel(own_db, monkeypatch, loopback_client):
    monkeypatch.setenv("COMPLAINTS_DB", str(own_db))
    at = open_app(DATA_PAGE)
    assert not at.exception
    assert "导入数据" in _subheaders(at)
    labels = [s.label for s in at.selectbox]
    assert {"数据类型", "已保存的列映射", "日/月顺序（如 03/04/2025）"} <= set(labels)
    assert not _banner(at)  # not a demo database


@pytest.mark.parametrize("server_address", ["0.0.0.0", "", "192.168.1.20"])
def test_a_server_open_to_the_network_shows_no_import_panel(
    own_db, monkeypatch, loopback_client, server_address
):
    serve_on(monkeypatch, server_address)
    monkeypatch.setenv(INSECURE_ENV_VAR, "1")  # started with --insecure-no-auth (else refused)
    monkeypatch.setenv("COMPLAINTS_DB", str(own_db))
    at = open_app(DATA_PAGE)
    assert not at.exception
    assert "导入数据" not in _subheaders(at)
    assert [s.label for s in at.selectbox if s.label == "数据类型"] == []
    assert [c.value for c in at.caption if "仅限在本机" in c.value] == [
        "导入、保存列映射和会议记录仅限在本机（localhost）运行的应用中操作。"
    ]


def test_a_remote_visitor_of_a_local_server_cannot_write(own_db, monkeypatch):
    serve_on(monkeypatch, "127.0.0.1")
    monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: "10.1.2.3"))
    monkeypatch.setenv("COMPLAINTS_DB", str(own_db))
    at = open_app(DATA_PAGE)
    assert not at.exception
    assert "导入数据" not in _subheaders(at)


def _meeting(db_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("COMPLAINTS_DB", str(db_path))
    at = AppTest.from_file(str(ROOT / "dashboard" / "views" / "meeting.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_meeting_notes_are_read_only_for_a_non_local_visitor(own_db, monkeypatch, loopback_client):
    meeting.save(own_db, sample_pack())
    serve_on(monkeypatch, "0.0.0.0")
    monkeypatch.setenv(INSECURE_ENV_VAR, "1")  # started with --insecure-no-auth (else refused)
    at = _meeting(own_db, monkeypatch)
    (box,) = at.text_area
    assert box.disabled
    assert [e.label for e in at.expander if "准备" in e.label] == []  # no prepare form
    assert box.help == "导入、保存列映射和会议记录仅限在本机（localhost）运行的应用中操作。"


def test_meeting_notes_carry_their_author_in_local_mode(own_db, monkeypatch, loopback_client):
    meeting.save(own_db, sample_pack())
    monkeypatch.setattr("queries.audit.os_user", lambda: "质量经理")
    at = _meeting(own_db, monkeypatch)
    box = at.text_area(key="meeting_note_2025-10_title")
    assert not box.disabled
    box.input("下月复查").run()
    pack = json.loads(meeting.meeting_path(own_db, "2025-10").read_text(encoding="utf-8"))
    assert pack["notes"] == {**sample_pack()["notes"], "title": "下月复查"}
    assert list(pack["note_authors"]) == ["title"]
    assert pack["note_authors"]["title"]["author"] == "质量经理"


@pytest.mark.parametrize(
    ("page", "lang", "text"),
    [
        (None, "zh", "示例数据"),
        ("scores", "zh", "示例数据"),
        ("explorer", "en", "Demo data"),
        ("data", "zh", "示例数据"),
    ],
)
def test_every_page_of_the_demo_shows_the_banner(demo_path, monkeypatch, page, lang, text):
    monkeypatch.setenv("COMPLAINTS_DB", str(demo_path))
    at = open_app(page, lang=lang)
    assert not at.exception
    (banner,) = _banner(at)
    assert banner.startswith(f":orange-badge[:material/science: {text}]")


def test_the_demo_takes_no_import_from_the_data_page(demo_path, monkeypatch, loopback_client):
    monkeypatch.setenv("COMPLAINTS_DB", str(demo_path))
    at = open_app(DATA_PAGE)
    assert [i.value for i in at.info if i.value.startswith("当前打开的是示例数据库")]
    assert [s.label for s in at.selectbox if s.label == "数据类型"] == []


def test_a_database_deleted_while_serving_shows_an_error_page(own_db, monkeypatch):
    monkeypatch.setenv("COMPLAINTS_DB", str(own_db))
    at = open_app("overview")
    assert not at.exception and not at.error
    own_db.unlink()
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["数据库文件不见了"]
    assert [e.value for e in at.error] == [
        "配置的数据库文件 own\\.duckdb 已不存在（可能被移动或删除）。页面不会用其他数据代替。"
        "请恢复该文件或检查 COMPLAINTS_DB 设置，然后刷新页面。"
    ]
    assert not own_db.exists()  # nothing was built in its place
    assert list(own_db.parent.glob("*.duckdb")) == []


def test_the_error_page_is_localised(tmp_path, monkeypatch):
    missing = tmp_path / "gone.duckdb"
    monkeypatch.setenv("COMPLAINTS_DB", str(missing))
    at = open_app(None, lang="en")
    assert [t.value for t in at.title] == ["The database file is missing"]
    assert at.error[0].value.startswith("The configured database file gone\\.duckdb no longer")
    assert not missing.exists()
