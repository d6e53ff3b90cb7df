"""Sign-in through a real OpenID Connect provider (``oidc-provider-mock`` on 127.0.0.1) and
Chromium: department scope on every page, two viewers at once, tampered URLs, signed-out
requests, personal data only for the privacy officer, and the audit of every download.

The provider and the roles file follow the README's Keycloak example: users by e-mail,
groups from the ``groups`` claim.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from queries import audit, i18n, store
from tests import ROOT, scope_data
from tests.browser.conftest import RUNNING, free_port, serve_app

pytestmark = pytest.mark.browser

ROLES = """\
[settings]
contact = "质量管理部 王芳 (wang.fang@example.com)"
groups_claim = "groups"

[users."li.na@example.com"]
role = "department_head"
departments = ["EAST"]

[users."zhao.min@example.com"]
role = "privacy_officer"
departments = "all"

[users."admin@example.com"]
role = "admin"
departments = "all"

[groups."/complaints/executives"]
role = "executive"
departments = "all"

[groups."/complaints/west"]
role = "department_head"
departments = ["华西区"]
"""
USERS = {
    "li.na@example.com": [],
    "wu.gang@example.com": ["/complaints/west"],
    "wang.fang@example.com": ["/complaints/executives"],
    "zhao.min@example.com": [],
    "admin@example.com": [],
    "stranger@example.com": ["/other"],
}
EAST_IDS = {"E1-1", "E1-2", "E1-3", "E-1", "E-2"}
WEST_IDS = {"W-1", "W-2", "W-3", "W-4"}
RECEIVED = i18n.metric_name("received", "zh")


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("signin")
    path = scope_data.build(folder / "company.duckdb")
    (folder / "roles.toml").write_text(ROLES, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The OIDC provider on 127.0.0.1 with the users above."""
    import oidc_provider_mock
    import werkzeug.serving

    users = [
        oidc_provider_mock.User(sub=email, claims={"email": email, "groups": groups})
        for email, groups in USERS.items()
    ]
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(user_claims=users), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture(scope="module")
def app(company: Path, provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("signin_app")
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "test-cookie-secret-0123456789abcdef"\n'
        'client_id = "complaints-dashboard"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    with serve_app(
        company,
        folder / "streamlit.log",
        port=port,
        extra_args=("--secrets.files", str(secrets)),
        extra_env={
            "COMPLAINTS_ROLES": str(company.parent / "roles.toml"),
            "AUTHLIB_INSECURE_TRANSPORT": "1",  # the test provider speaks plain http
        },
    ) as url:
        yield url


def _wait_text(page, text: str, timeout: float = 60) -> None:
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout * 1000)


def _settle(page) -> None:
    """Wait until the script run is over (no running indicator) and the page has content."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_function(
        f"() => !document.querySelector({json.dumps(RUNNING)})"
        " && document.querySelector('[data-testid=\"stMainBlockContainer\"]')"
        "?.innerText.trim().length > 0",
        timeout=60_000,
    )


def sign_in(browser, app: str, email: str):
    """A new browser context signed in as ``email``; returns its page (on the overview)."""
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(app)
    page.get_by_role("button", name=i18n.t("sign_in_button")).click()
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"), timeout=60_000)
    page.fill('input[name="sub"]', email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(rf"^{re.escape(app)}/?(\?.*)?$"), timeout=60_000)
    _settle(page)
    return page


def _metric(page, label: str) -> str:
    label_el = page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(rf"^{label}$"))
    card = page.locator('[data-testid="stMetric"]', has=label_el).first
    card.wait_for(timeout=60_000)
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _open(page, app: str, path: str) -> str:
    page.goto(f"{app}/{path}")
    _settle(page)
    return page.locator('[data-testid="stApp"]').inner_text()


#: Every download made by this module: (who, rows); the audit must hold exactly these.
DOWNLOADS: list[tuple[str, int]] = []
#: (who, the file name the browser was offered)
FILE_NAMES: list[tuple[str, str]] = []


def _explorer_csv(page, app: str, who: str, folder: Path) -> str:
    """Download the Explorer's CSV (the table itself is drawn on a canvas) and return it."""
    _open(page, app, "explorer")
    with page.expect_download() as info:
        page.get_by_role("button", name=i18n.t("download_csv")).first.click()
    target = folder / f"{who}-{len(DOWNLOADS)}.csv"
    info.value.save_as(target)
    FILE_NAMES.append((who, info.value.suggested_filename))
    text = target.read_text("utf-8-sig")
    DOWNLOADS.append((who, len(text.strip().splitlines()) - 1))
    return text


def _explorer_ids(page, app: str, who: str, folder: Path) -> set[str]:
    return set(re.findall(r"\b(?:E1|E|W)-\d\b", _explorer_csv(page, app, who, folder)))


def _audited_downloads(company: Path) -> list[tuple[str, int]]:
    """The audit's download rows (who, rows), once they are all there (the click callback
    writes them on the rerun after the download)."""
    deadline = time.monotonic() + 30
    while True:
        trail = audit.read(company)
        got = trail[trail["action"] == "download"]
        rows = sorted(zip(got["who"], got["rows"].astype(int), strict=True))
        if len(rows) >= len(DOWNLOADS) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)  # poll interval, until the downloads are audited


def _cli(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return out.stdout


def test_signed_out_request_gets_nothing(browser, app) -> None:
    ctx = browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    for path in ("", "explorer?complaint=E1-1", "departments?dept=EAST", "audit"):
        page.goto(f"{app}/{path}")
        _wait_text(page, i18n.t("sign_in_title"))
        text = page.locator('[data-testid="stApp"]').inner_text()
        assert i18n.t("sign_in_button") in text
        assert not re.search(r"\b(?:E1|E|W)-\d\b|客户|华东|华西", text), text
    ctx.close()


def test_department_head_sees_only_her_subtree_matching_the_cli(
    browser, app, company, screenshots, tmp_path
):
    page = sign_in(browser, app, "li.na@example.com")
    assert _metric(page, RECEIVED) == "5"
    text = page.locator('[data-testid="stApp"]').inner_text()
    assert "范围：华东区（含下级部门）" in text
    assert "华西区" not in text
    page.screenshot(path=str(screenshots / "signin_department_head.png"), full_page=True)
    cli = json.loads(
        _cli(
            "--db",
            str(company),
            "kpi",
            "--from",
            "2026-03-01",
            "--to",
            "2026-04-01",
            "--where",
            "department=EAST",
            "--format",
            "json",
        )
    )
    assert (cli[0]["received"], cli[0]["resolution_rate"], cli[0]["backlog_open"]) == (5, 0.6, 2)
    _open(page, app, "")
    assert _metric(page, i18n.metric_name("resolution_rate", "zh")) == "60.0%"
    assert _metric(page, i18n.metric_name("backlog_open", "zh")) == "2"
    assert _explorer_ids(page, app, "li.na@example.com", tmp_path) == EAST_IDS
    for path in (
        "departments",
        "time_limits",
        "scores",
        "repeats",
        "satisfaction",
        "accountability",
        "data",
        "meeting",
    ):
        text = _open(page, app, path)
        assert "华西区" not in text and not re.search(r"\bW-\d\b", text), path
    # no import panel, no audit page for a department head
    assert i18n.t("import_data") not in _open(page, app, "data")
    assert i18n.t("audit_title") not in page.locator('[data-testid="stSidebar"]').inner_text()
    page.context.close()


def test_executive_sees_the_company(browser, app, tmp_path):
    page = sign_in(browser, app, "wang.fang@example.com")
    assert _metric(page, RECEIVED) == "9"
    assert "范围：全公司" in page.locator('[data-testid="stApp"]').inner_text()
    assert _explorer_ids(page, app, "wang.fang@example.com", tmp_path) == EAST_IDS | WEST_IDS
    page.context.close()


def test_two_viewers_at_once_never_see_each_other(browser, app, company, tmp_path):
    east = sign_in(browser, app, "li.na@example.com")
    west = sign_in(browser, app, "wu.gang@example.com")
    for _ in range(2):  # the second round is served from the cache
        assert _metric(east, RECEIVED) == "5"
        assert _metric(west, RECEIVED) == "4"
        assert _explorer_ids(east, app, "li.na@example.com", tmp_path) == EAST_IDS
        assert _explorer_ids(west, app, "wu.gang@example.com", tmp_path) == WEST_IDS
        _open(east, app, "")
        _open(west, app, "")
    # every download so far is in the audit trail with its row count and the scope
    assert _audited_downloads(company) == sorted(DOWNLOADS)
    trail = audit.read(company)
    scopes = set(trail.loc[trail["action"] == "download", ["who", "scope"]].itertuples(index=False))
    assert ("li.na@example.com", "EAST") in scopes
    assert ("wu.gang@example.com", "华西区") in scopes
    names = dict(FILE_NAMES)
    assert names["li.na@example.com"].endswith("-EAST.csv")
    assert names["wu.gang@example.com"].endswith("-华西区.csv")
    east.context.close()
    west.context.close()


def _tampered() -> list[str]:
    """50 links a department head of 华东区 must not get anything from."""
    links = []
    for page in (
        "",
        "departments",
        "time_limits",
        "scores",
        "repeats",
        "satisfaction",
        "accountability",
        "explorer",
    ):
        links += [f"{page}?dept=WEST", f"{page}?dept=HQ", f"{page}?role=admin"]
    links += [f"explorer?complaint=W-{i}" for i in range(1, 5)]
    links += [
        "explorer?complaint=NOPE-1",
        "?role=executive",
        "?scope=all",
        "?user=wang.fang",
        "departments?dept=WEST&dept=EAST",
        "?dept=WEST&role=privacy_officer",
    ]
    links += [f"explorer?complaint=W-{i}&dept=WEST" for i in range(1, 5)]
    links += [
        "scores?who=admin@example.com",
        "overview?as_user=admin@example.com",
        "accountability?admin=1",
        "meeting?role=admin",
        "data?dept=HQ",
        "data?role=quality",
        "meeting?dept=WEST",
        "satisfaction?scope=HQ",
        "repeats?roles=admin",
        "explorer?complaint=E1-1&role=admin",
        "scores?dept=WEST&period=quarter",
        "time_limits?dept=WEST&dept=HQ",
    ]
    return links


def test_fifty_tampered_urls_are_not_in_scope(browser, app):
    links = _tampered()
    assert len(links) == 50
    page = sign_in(browser, app, "li.na@example.com")
    marker = i18n.t("not_in_scope", what="")
    for link in links:
        page.goto(f"{app}/{link}")
        _wait_text(page, marker.rstrip("："))
        text = page.locator('[data-testid="stApp"]').inner_text()
        assert not re.search(r"\bW-\d\b", text.replace(link, "")) or "complaint=W" in link, link
        assert "华西区" not in text, link
    page.context.close()


def test_personal_data_only_for_the_privacy_officer(browser, app, company, tmp_path):
    officer = sign_in(browser, app, "zhao.min@example.com")
    text = _explorer_csv(officer, app, "zhao.min@example.com", tmp_path)
    assert "E1客户1号" in text and "13800000001" in text
    head = sign_in(browser, app, "li.na@example.com")
    text = _explorer_csv(head, app, "li.na@example.com", tmp_path)
    assert "E1客户1号" not in text and "13800000001" not in text
    assert "138****0001" in text
    trail = audit.read(company)
    seen = trail[trail["action"] == "unmasked_view"]["who"].unique().tolist()
    assert seen == ["zhao.min@example.com"]
    assert _audited_downloads(company) == sorted(DOWNLOADS)
    officer.context.close()
    head.context.close()


def test_unknown_user_gets_a_page_saying_whom_to_ask(browser, app):
    page = sign_in(browser, app, "stranger@example.com")
    _wait_text(page, "wang.fang@example.com")
    text = page.locator('[data-testid="stApp"]').inner_text()
    assert i18n.t("no_role_title") in text
    assert "王芳 (wang.fang@example.com)" in text
    assert not re.search(r"\b(?:E1|E|W)-\d\b|华东|华西", text)
    page.context.close()


def test_admin_sees_the_audit_and_the_cli_lists_sign_ins(browser, app, company):
    page = sign_in(browser, app, "admin@example.com")
    _open(page, app, "audit")
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
    assert i18n.t("audit_none") not in page.locator('[data-testid="stApp"]').inner_text()
    page.context.close()
    with store.write_transaction(company, derive=None):
        pass  # a publication moves the pending rows into the database
    rows = json.loads(_cli("--db", str(company), "audit", "--format", "json"))
    actions = {(r["who"], r["action"]) for r in rows}
    assert ("admin@example.com", "sign_in") in actions
    assert {(who, "download") for who, _ in DOWNLOADS} <= actions
    assert audit.read(company).empty  # nothing left pending after the publication
