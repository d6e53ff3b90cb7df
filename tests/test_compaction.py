"""A publication whose file is mostly free blocks after its checkpoint publishes a compacted
copy (``copy from database``) through the same crash-safe path; below the threshold it
publishes the copy as it is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from queries import staging, store
from queries.cli import main


def _objects(path: Path) -> dict[str, list[tuple]]:
    """The schema objects and the content of the small tables of a database file."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "tables": conn.execute(
                "select table_name, sql from duckdb_tables() order by 1"
            ).fetchall(),
            "views": conn.execute(
                "select view_name, sql from duckdb_views() where not internal order by 1"
            ).fetchall(),
            "constraints": conn.execute(
                "select table_name, constraint_type, constraint_text from duckdb_constraints()"
                " order by all"
            ).fetchall(),
            "meta": conn.execute(
                "select * from meta where key <> 'staging_refreshed_at' order by all"
            ).fetchall(),
            "filler": conn.execute("select count(*), sum(n) from filler").fetchall(),
        }
    finally:
        conn.close()


def _free_share(path: Path) -> float:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return store.free_share(conn)
    finally:
        conn.close()


def _publish_then_delete(path: Path) -> None:
    """One publication writing 300,000 rows, the next deleting 95 % of them (whole row
    groups: their blocks become free)."""
    with store.write_transaction(path, derive=None) as conn:
        conn.execute(
            "create table filler as"
            " select range as n, md5(range::varchar) as pad from range(300000)"
        )
    with store.write_transaction(path, derive=staging.refresh) as conn:
        conn.execute("delete from filler where n >= 15000")


def test_mostly_free_file_is_published_compacted(make_db, tmp_path, monkeypatch):
    path = make_db()
    kept = tmp_path / "kept.duckdb"
    shutil.copyfile(path, kept)
    monkeypatch.setenv(store.COMPACT_FREE_ENV, "100")  # never: the file as it was
    _publish_then_delete(kept)
    monkeypatch.setenv(store.COMPACT_FREE_ENV, "15")
    _publish_then_delete(path)
    assert _free_share(kept) > 0.15
    assert _free_share(path) <= 0.15
    assert path.stat().st_size < kept.stat().st_size
    assert _objects(path) == _objects(kept)
    assert _objects(path)["filler"] == [(15000, sum(range(15000)))]
    assert list(tmp_path.glob("*.staging-*")) == []


def test_a_failed_compaction_leaves_the_database_and_no_leftovers(make_db, monkeypatch):
    path = make_db()
    with store.write_transaction(path, derive=None) as conn:
        conn.execute(
            "create table filler as"
            " select range as n, md5(range::varchar) as pad from range(300000)"
        )
    before = path.read_bytes()
    real = store._compact

    def broken(conn: duckdb.DuckDBPyConnection, target: Path) -> None:
        real(conn, target)
        raise OSError("disk full")

    monkeypatch.setattr(store, "_compact", broken)
    with (
        pytest.raises(OSError, match="disk full"),
        store.write_transaction(path, derive=None) as conn,
    ):
        conn.execute("delete from filler where n >= 15000")
    assert path.read_bytes() == before
    assert list(path.parent.glob(path.name + ".staging-*")) == []


def test_a_bad_compaction_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv(store.COMPACT_FREE_ENV, "lots")
    with pytest.raises(ValueError, match=r"\$COMPLAINTS_COMPACT_FREE: 'lots'"):
        store.compact_free_share()
    monkeypatch.setenv(store.COMPACT_FREE_ENV, "25%")
    assert store.compact_free_share() == 0.25


def test_info_shows_the_threshold_in_force(make_db, monkeypatch, capsys):
    path = make_db()
    monkeypatch.setenv(store.COMPACT_FREE_ENV, "20")
    assert main(["--db", str(path), "info", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["resources"]["compact_free_percent"] == 20.0
