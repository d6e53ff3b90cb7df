"""Security checks of the quality pages (repeats, satisfaction, accountability, explorer,
data), with the hand-written company of ``tests/quality_pages_data.py``:

* SQL-injection payloads in every shared filter, every page's group-by choice and the
  search box: nothing executes (the database is unchanged, nothing matches) and no error
  leaks (no exception box, no error message);
* formula payloads are neutralised in every export the pages offer (CSV and XLSX);
* PII: for the default role no page table and no export carries a complainant's full name
  or phone number;
* XSS: complaint text reaches the page only as table data, never as Markdown/HTML (the
  real-browser check is ``tests/browser/test_security_browser.py``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest

from queries import exports, store
from tests import ROOT
from tests.app_support import (
    database,
    deferred_downloads,
    frames,
    no_errors,
    open_app,
    run_page,
)
from tests.quality_pages_data import COMPLAINTS, FORMULA, XSS, build, payload_rows

QUALITY_PAGES = ("repeats", "satisfaction", "accountability", "explorer", "data")

_BASE = (
    "' or '1'='1",
    "' or 1=1 --",
    '" or ""="',
    "'; drop table complaints; --",
    "'); drop table penalties; --",
    "1; delete from complaints",
    "' union select complaint_id, customer_phone from complaints --",
    "' union all select null, null, null --",
    "admin'--",
    "' and 1=(select count(*) from complaints) --",
    "1' and sleep(5) --",
    "'; attach '/tmp/evil.db' as evil; --",
    "'; copy complaints to '/tmp/leak.csv'; --",
    "'; install httpfs; load httpfs; --",
    "' || (select customer_name from complaints limit 1) || '",
    "$as_of",
    "$start; drop table complaints",
    "%' or '%'='",
    "\\'; truncate complaints; --",
    "'/**/or/**/1=1/**/--",
    "' or exists(select 1 from penalties) --",
    "read_csv('/etc/passwd')",
    "'; set enable_external_access=true; --",
    "'; pragma database_list; --",
    "department_name_zh; drop table complaints",
)
_WRAP = ("{}", "x{}", "{} ", "C01{}", ")){}")
#: 125 payloads: every base payload in five wrappings.
SQL_PAYLOADS: tuple[str, ...] = tuple(w.format(p) for p in _BASE for w in _WRAP)
FORMULA_PAYLOADS = ("=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", "\t=1", "=cmd|' /C calc'!A0")
PHONE = re.compile(r"(?<![\d.])1\d{10}(?!\d)")


def _with_payloads() -> list[dict]:
    """The company plus October complaints whose every free-text field carries a formula
    payload (handler, product, region, description, resolution; customer fields too)."""
    return payload_rows(FORMULA_PAYLOADS, "F")


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("security") / "company.duckdb", _with_payloads())
    with database(path):
        yield path


def _counts(path) -> dict[str, int]:
    with store.open_snapshot(path) as conn:
        return store.table_counts(conn)


class _Downloads(list):
    """(format, bytes) of every file built; ``fetch()`` builds the deferred ones."""

    def __init__(self, deferred: dict[str, Callable[[], Any]]) -> None:
        super().__init__()
        self.deferred = deferred

    def fetch(self) -> _Downloads:
        for build_file in self.deferred.values():
            build_file()
        return self


@pytest.fixture
def downloads(monkeypatch):
    """Every CSV/XLSX byte string a page hands to a download button during a run (those
    built on click: ``downloads.fetch()`` after the run)."""
    made = _Downloads(deferred_downloads(monkeypatch))
    to_csv, to_xlsx = exports.to_csv_bytes, exports.to_xlsx_bytes

    def csv_bytes(df):
        made.append(("csv", to_csv(df)))
        return made[-1][1]

    def xlsx_bytes(sheets):
        made.append(("xlsx", to_xlsx(sheets)))
        return made[-1][1]

    monkeypatch.setattr(exports, "to_csv_bytes", csv_bytes)
    monkeypatch.setattr(exports, "to_xlsx_bytes", xlsx_bytes)
    return made


def _cells(kind: str, data: bytes) -> list[str]:
    if kind == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]
    book = openpyxl.load_workbook(io.BytesIO(data))
    out = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if cell.value is not None:
                    out.append(str(cell.value))
    return out


# --------------------------------------------------------------------------- SQL injection


@pytest.mark.parametrize("page", QUALITY_PAGES)
def test_sql_injection_in_every_filter_group_by_and_search(fixture_db, page):
    before = _counts(fixture_db)
    payloads = list(SQL_PAYLOADS)
    at = run_page(
        page,
        session={
            "dept": payloads,
            "cat": payloads,
            "ch": payloads,
            "grade": payloads,
            "region": payloads,
            "q": payloads[3],
            "acct_by": payloads[0],
            "csat_by": payloads[1],
            "repeats_by": payloads[2],
        },
    )
    no_errors(at)
    if page != "data":
        # nothing matches: the cohort is empty (payloads were bound as values)
        assert at.info and at.info[0].value.startswith("**所选范围内没有投诉数据**")
        assert not frames(at)
    assert _counts(fixture_db) == before


@pytest.mark.parametrize("payload", SQL_PAYLOADS)
def test_sql_injection_in_search_finds_nothing(fixture_db, payload):
    from queries.marts import kpi

    with store.open_snapshot(fixture_db) as conn:
        found = kpi.complaints_list(conn, kpi.Period.month("2025-10"), search=payload)
    assert found.empty


@pytest.mark.parametrize(
    "key", ["acct_by", "csat_by", "repeats_by"], ids=["accountability", "satisfaction", "repeats"]
)
def test_group_by_outside_the_allow_list_falls_back_to_default(fixture_db, key):
    page = {"acct_by": "accountability", "csat_by": "satisfaction", "repeats_by": "repeats"}[key]
    at = run_page(page, session={key: "received_at; drop table complaints"})
    no_errors(at)
    assert at.session_state[key] == "department"
    assert frames(at)[0].columns[0] == "责任部门"


def test_sql_injection_in_the_url_parameters_of_the_explorer(fixture_db):
    before = _counts(fixture_db)
    at = run_page("explorer", query={"complaint": "C01' or '1'='1", "q": SQL_PAYLOADS[6]})
    no_errors(at)
    assert at.warning[0].value.startswith("找不到投诉 C01' or '1'='1")
    assert _counts(fixture_db) == before


@pytest.mark.parametrize("page", QUALITY_PAGES)
def test_sql_injection_in_a_shared_link(fixture_db, page):
    """Payloads in the URL of a shared link, through the app router (``dashboard/app.py``)."""
    before = _counts(fixture_db)
    payload = SQL_PAYLOADS[3]
    at = open_app(
        page,
        dept=payload,
        cat=payload,
        ch=payload,
        grade=payload,
        region=payload,
        period=payload,
        asof=payload,
        q=payload,
        complaint=payload,
        acct_by=payload,
        csat_by=payload,
        repeats_by=payload,
    )
    no_errors(at)
    assert at.title
    assert _counts(fixture_db) == before


# --------------------------------------------------------------------------- exports


@pytest.mark.parametrize("page", ("explorer", "satisfaction", "accountability", "repeats"))
def test_formula_payloads_are_neutralised_and_no_pii_in_exports(fixture_db, downloads, page):
    session = {"repeats_customer": "K1", "repeats_group": "客服中心", "csat_group": "客服中心"}
    at = run_page(page, session=session)
    no_errors(at)
    assert downloads.fetch(), "the page offers no export"
    full_names = {r["customer_name"] for r in _with_payloads() if r.get("customer_name")}
    phones = {r["customer_phone"] for r in _with_payloads() if r.get("customer_phone")}
    seen_payload = False
    for kind, data in downloads:
        for cell in _cells(kind, data):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (kind, cell)
            assert cell not in phones and not PHONE.search(cell), (kind, cell)
            assert not (cell in full_names and len(cell) > 1), (kind, cell)
            seen_payload |= cell.lstrip("'") in FORMULA_PAYLOADS
    if page in ("explorer", "satisfaction"):
        assert seen_payload, "the formula payload rows were not exported"


# --------------------------------------------------------------------------- PII and XSS


@pytest.mark.parametrize("page", QUALITY_PAGES)
def test_no_unmasked_personal_data_on_the_pages_for_the_default_role(fixture_db, page):
    at = run_page(page, query={"complaint": "C01"} if page == "explorer" else None)
    no_errors(at)
    names = {r["customer_name"] for r in COMPLAINTS if r.get("customer_name")}
    for frame in frames(at):
        for value in (str(v) for v in frame.to_numpy().ravel()):
            assert not PHONE.search(value), (page, value)
            assert value not in names, (page, value)


@pytest.mark.parametrize("page", QUALITY_PAGES)
def test_complaint_text_is_never_markdown(fixture_db, page):
    at = run_page(page, query={"complaint": "C05"} if page == "explorer" else None)
    no_errors(at)
    texts = [e.value for e in (*at.markdown, *at.caption, *at.info, *at.warning, *at.title)]
    assert not any("<script" in t or "onerror" in t for t in texts)
    if page == "explorer":
        record = next(f for f in frames(at) if "字段" in f.columns)  # the record table
        fields = dict(zip(record["字段"], record["值"], strict=True))
        assert fields["投诉内容"] == XSS  # shown verbatim, as data


def test_quality_pages_never_allow_html():
    for stem in QUALITY_PAGES:
        source = (ROOT / "dashboard" / "views" / f"{stem}.py").read_text(encoding="utf-8")
        assert "unsafe_allow_html" not in source, stem
        assert "st.html" not in source, stem


def test_formula_payload_fixture_is_what_the_module_says():
    assert FORMULA.startswith("=")
    assert len(SQL_PAYLOADS) >= 100
