"""Local mode (no ``[auth]``): the app serves one user on a loopback address; on any other
address it refuses unless started with ``--insecure-no-auth``, and then every page carries a
red banner. ``complaints serve`` refuses a non-loopback address without sign-in."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from queries import i18n
from queries.cli import CliError
from queries.cli.commands import serve
from queries.config import roles
from tests import scope_data
from tests.app_support import APP, TIMEOUT


@pytest.fixture
def company(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = scope_data.build(tmp_path / "company.duckdb")
    monkeypatch.setenv("COMPLAINTS_DB", str(path))
    return path


@pytest.fixture
def address():
    before = st_config.get_option("server.address")

    def set_address(value: str) -> None:
        st_config.set_option("server.address", value)

    yield set_address
    st_config.set_option("server.address", before)


def _run() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    return at


def test_loopback_local_mode_shows_the_company_without_sign_in(company, address):
    address("127.0.0.1")
    at = _run()
    assert not at.exception
    assert [e.value for e in at.error] == []
    assert at.title[0].value == "投诉管理总览"
    received = {m.label: m.value for m in at.metric}[i18n.metric_name("received", "zh")]
    assert received == "9"


def test_other_address_without_auth_is_refused(company, address, monkeypatch):
    monkeypatch.delenv(roles.INSECURE_ENV_VAR, raising=False)
    address("0.0.0.0")
    at = _run()
    assert [e.value for e in at.error] == [i18n.t("insecure_banner")]
    assert not at.metric and not at.title


def test_insecure_no_auth_serves_with_a_red_banner(company, address, monkeypatch):
    monkeypatch.setenv(roles.INSECURE_ENV_VAR, "1")
    address("10.1.2.3")
    at = _run()
    assert [e.value for e in at.error] == [i18n.t("insecure_banner")]
    assert {m.label: m.value for m in at.metric}[i18n.metric_name("received", "zh")] == "9"


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("", False),
        ("10.0.0.5", False),
        ("dashboard.corp", False),
    ],
)
def test_is_loopback(address: str, loopback: bool):
    assert roles.is_loopback(address) is loopback


def test_serve_refuses_a_public_address_without_auth(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    args = argparse.Namespace(
        db=str(tmp_path / "x.duckdb"), port=8599, address="0.0.0.0", insecure_no_auth=False
    )
    with pytest.raises(CliError, match=r"--address 0\.0\.0\.0 is not a loopback address"):
        serve.run(args)
    assert not (tmp_path / "x.duckdb").exists()  # refused before doing anything
