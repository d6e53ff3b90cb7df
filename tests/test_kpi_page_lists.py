"""``kpi.customer_complaints``, ``kpi.group_incidents``, ``kpi.group_incident_complaints``
(the lists of the Repeats page) and ``kpi.dissatisfied`` (Satisfaction page) on the
hand-written company of ``tests/quality_pages_data.py``."""

from __future__ import annotations

import datetime as dt

import pytest

from queries import store
from queries.marts import kpi
from tests.quality_pages_data import build

OCTOBER = kpi.Period.month("2025-10")


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("repeat_lists") / "company.duckdb")
    c = store.open_snapshot(path)
    yield c
    c.close()


def test_customer_chain_starts_before_the_period(conn):
    chain = kpi.customer_complaints(conn, "K1")
    assert list(chain["complaint_id"]) == ["C00", "C01", "C02"]
    assert list(chain["is_repeat"]) == [False, True, True]
    assert list(chain["repeat_of_complaint_id"].fillna("")) == ["", "C00", "C01"]
    assert chain["customer_name"].iloc[0] == "张三丰"  # unmasked: the caller masks


def test_customer_chain_stops_at_the_as_of_and_matches_the_id_exactly(conn):
    chain = kpi.customer_complaints(conn, "K1", as_of=dt.datetime(2025, 10, 6, 9, 0))
    assert list(chain["complaint_id"]) == ["C00", "C01"]
    assert kpi.customer_complaints(conn, "K").empty  # no substring match
    assert kpi.customer_complaints(conn, "K1' or '1'='1").empty


def test_group_incidents_are_those_counted_by_kpis(conn):
    incidents = kpi.group_incidents(conn, OCTOBER)
    assert len(incidents) == kpi.kpis(conn, OCTOBER)["group_incidents"].iloc[0] == 1
    row = incidents.iloc[0]
    assert row["group_incident_id"] == "G-G1"
    assert row["department_name_zh"] == "售后服务部"
    assert row["category"] == "交付延迟"
    assert (row["n_complaints"], row["n_customers"]) == (5, 5)
    assert row["first_received_at"] == dt.datetime(2025, 10, 20, 9, 0)
    assert row["last_received_at"] == dt.datetime(2025, 10, 20, 13, 0)


def test_group_incidents_follow_the_filters_and_the_as_of(conn):
    assert kpi.group_incidents(conn, OCTOBER, kpi.Filters(department=("客服中心",))).empty
    assert kpi.group_incidents(conn, kpi.Period.month("2025-09")).empty
    # before the fifth customer complained the incident does not exist yet
    assert kpi.group_incidents(conn, OCTOBER, as_of=dt.datetime(2025, 10, 20, 12, 0)).empty


def test_group_incident_complaints(conn):
    members = kpi.group_incident_complaints(conn, "G-G1")
    assert list(members["complaint_id"]) == ["G1", "G2", "G3", "G4", "G5"]
    early = kpi.group_incident_complaints(conn, "G-G1", as_of=dt.datetime(2025, 10, 20, 10, 0))
    assert list(early["complaint_id"]) == ["G1", "G2"]
    assert kpi.group_incident_complaints(conn, "G-NOPE").empty


def test_dissatisfied_rows_are_those_counted_by_kpis(conn):
    rows = kpi.dissatisfied(conn, OCTOBER)
    assert sorted(rows["complaint_id"]) == ["C01", "C02", "G1"]
    assert len(rows) == kpi.kpis(conn, OCTOBER)["n_dissatisfied"].iloc[0]
    assert set(rows["satisfaction_class"]) == {"dissatisfied"}


def test_dissatisfied_follows_filters_and_as_of(conn):
    d1 = kpi.dissatisfied(conn, OCTOBER, kpi.Filters(department=("客服中心",)))
    assert sorted(d1["complaint_id"]) == ["C01", "C02"]
    # C02 was surveyed on 10-12 09:00: not yet at 10-10 18:00
    early = kpi.dissatisfied(conn, OCTOBER, as_of=dt.datetime(2025, 10, 10, 18, 0))
    assert list(early["complaint_id"]) == ["C01"]
