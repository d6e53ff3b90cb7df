"""The app's data boundary (``dashboard/ui/data.py``): masking by role inside the cache,
the cache never handing one role's rows to another, and new publications showing up."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dashboard.ui import data
from queries import privacy, staging, store
from queries.marts import kpi
from queries.marts.kpi import Filters, Period


def _drill(role: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COMPLAINTS_ROLE", role)
    data.begin_run()
    return data.drill("received", Period.month("2025-10"), Filters(), data.default_as_of())


def test_roles_get_their_own_masked_or_full_rows(app_db: Path, monkeypatch):
    monkeypatch.setenv("COMPLAINTS_DB", str(app_db))
    viewer = _drill("viewer", monkeypatch)
    officer = _drill("privacy_officer", monkeypatch)  # same arguments, other role
    viewer_again = _drill("viewer", monkeypatch)  # served from the cache
    conn = store.open_snapshot(app_db)
    try:
        raw = kpi.drill(
            conn, "received", Period.month("2025-10"), Filters(), kpi.default_as_of(conn)
        )
    finally:
        conn.close()
    assert list(officer["customer_name"]) == list(raw["customer_name"])
    assert list(officer["customer_phone"]) == list(raw["customer_phone"])
    expected_names = [privacy.mask_name(n) for n in raw["customer_name"]]
    expected_phones = [privacy.mask_phone(p) for p in raw["customer_phone"]]
    for frame in (viewer, viewer_again):
        assert list(frame["customer_name"]) == expected_names
        assert list(frame["customer_phone"]) == expected_phones
    assert all("*" in p for p in viewer["customer_phone"].dropna())


def test_unknown_role_falls_back_to_viewer(monkeypatch):
    monkeypatch.setenv("COMPLAINTS_ROLE", "admin")
    assert data.role() == "viewer"
    monkeypatch.setenv("COMPLAINTS_ROLE", "privacy_officer")
    assert data.role() == "privacy_officer"


def test_a_new_publication_changes_the_snapshot_generation(make_db, monkeypatch):
    dept = {"department_id": "D1", "name_zh": "客服中心"}
    row = {"complaint_id": "C1", "received_at": "2025-10-01 09:00:00", "department": "客服中心"}
    path = make_db(departments=[dept], complaints=[row])
    monkeypatch.setenv("COMPLAINTS_DB", str(path))
    data.begin_run()
    first = data.generation()
    assert data.data_totals()["complaints"] == 1
    with store.write_transaction(path, derive=staging.refresh) as conn:
        conn.execute(
            "insert into complaints (complaint_id, received_at, department)"
            " values ('C2', timestamp '2025-10-02 09:00:00', '客服中心')"
        )
    deadline = time.monotonic() + 60  # the reader re-checks the file each second: poll
    while data.generation() == first and time.monotonic() < deadline:
        time.sleep(0.05)  # poll until the reader has noticed the new file
        data.begin_run()
    assert data.generation() == first + 1
    assert data.data_totals()["complaints"] == 2  # not the cached 1
