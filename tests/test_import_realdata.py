"""Real public exports (CFPB, Boston 311) through the shipped mappings, with the exact
accounting observed. Skipped when the shared real-data folder is not beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from queries import store
from queries.importer import import_file

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
pytestmark = pytest.mark.realdata

CFPB_EXTRA = [
    "Issue",
    "Sub-issue",
    "Company public response",
    "ZIP code",
    "Tags",
    "Consumer consent provided?",
    "Timely response?",
    "Consumer disputed?",
]


def _file(*parts: str) -> Path:
    path = REALDATA.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


def _query(dbp: Path, sql: str) -> list[tuple]:
    conn = store.open_snapshot(dbp)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("name", "skipped"), [("complaints_sample.csv", []), ("complaints_sample_raw.csv", [1, 2])]
)
def test_cfpb_sample_imports_with_the_cfpb_mapping(tmp_path, name, skipped):
    dbp = tmp_path / "cfpb.duckdb"
    res = import_file(dbp, _file("cfpb", name), mapping="cfpb")
    assert (res.source_rows, res.imported, res.superseded, res.rejected, res.warnings) == (
        6623,
        6623,
        0,
        0,
        0,
    )
    assert res.skipped_lines == skipped
    assert res.extra_columns == CFPB_EXTRA
    assert _query(dbp, "select channel, count(*) from complaints group by 1 order by 1") == [
        ("email", 2),
        ("letter", 369),
        ("online", 5143),
        ("phone", 482),
        ("transfer", 627),
    ]
    assert _query(dbp, "select status, count(*) from complaints group by 1 order by 1") == [
        ("closed", 6551),
        ("in_progress", 35),
        ("pending", 37),
    ]
    assert _query(
        dbp,
        "select min(received_at)::varchar, max(received_at)::varchar,"
        " count(*) filter (where description like '%' || chr(10) || '%') from complaints",
    ) == [("2015-04-06 00:00:00", "2020-03-19 00:00:00", 602)]


def test_cfpb_raw_after_clean_is_unchanged(tmp_path):
    dbp = tmp_path / "cfpb.duckdb"
    import_file(dbp, _file("cfpb", "complaints_sample.csv"), mapping="cfpb")
    res = import_file(dbp, _file("cfpb", "complaints_sample_raw.csv"), mapping="cfpb")
    assert (res.imported, res.updated, res.unchanged, res.already_imported) == (0, 0, 6623, False)


def test_boston_raw_sample_with_duplicated_headers(tmp_path):
    dbp = tmp_path / "b.duckdb"
    res = import_file(dbp, _file("boston311", "raw_sample.csv"), mapping="boston311")
    assert (res.source_rows, res.imported, res.rejected, res.superseded) == (4995, 4995, 0, 0)
    # City Worker App 593 + Employee Generated 180 + Maximo Integration 2, kept as given
    assert res.warnings == 775
    assert res.extra_columns[-5:] == [
        "resolution_hours",
        "resolution_days",
        "resolution_hours (2)",
        "resolution_days (2)",
        "resolution_days_log",
    ]
    assert len(res.notes) == 2
    assert _query(
        dbp, "select count(*) filter (where extended_deadline is null), count(*) from complaints"
    ) == [(711, 4995)]


def test_boston_portal_export_lowercase_headers(tmp_path):
    dbp = tmp_path / "b.duckdb"
    res = import_file(dbp, _file("boston311", "boston311-100_qsv_raw.csv"), mapping="boston311")
    assert (res.source_rows, res.imported, res.rejected, res.warnings) == (100, 100, 0, 11)
    assert _query(
        dbp,
        "select status, count(*), count(resolved_at), count(extended_deadline)"
        " from complaints group by 1 order by 1",
    ) == [("closed", 85, 85, 77), ("in_progress", 15, 0, 12)]  # target_dt empty in 11
    assert _query(dbp, "select count(*) from complaints where resolution is null") == [(15,)]
