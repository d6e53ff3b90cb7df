"""The publishing mechanism: atomic replace, read-only snapshots, the writer lock."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from queries import staging, store


def _count(path) -> int:
    conn = store.open_snapshot(path)
    try:
        return conn.execute("select count(*) from complaints").fetchone()[0]
    finally:
        conn.close()


ROW = {"complaint_id": "001", "received_at": "2025-10-10 10:00:00", "department": "客服中心"}


def test_new_database_has_current_schema_version(make_db):
    path = make_db()
    conn = store.open_snapshot(path)
    assert conn.execute("select max(version) from schema_version").fetchone()[0] == (
        store.SCHEMA_VERSION
    )


def test_failed_transaction_leaves_database_and_no_leftovers(make_db):
    path = make_db(complaints=[ROW])
    with pytest.raises(RuntimeError), store.write_transaction(path, derive=staging.refresh) as conn:
        conn.execute("delete from complaints")
        raise RuntimeError("boom")
    assert _count(path) == 1
    assert [p.name for p in path.parent.iterdir() if ".staging-" in p.name] == []


def test_crash_just_before_publish_keeps_old_state(make_db):
    path = make_db(complaints=[ROW])

    def crash() -> None:
        raise KeyboardInterrupt  # stands in for a kill between close and replace

    with (
        pytest.raises(KeyboardInterrupt),
        store.write_transaction(path, before_publish=crash, derive=staging.refresh) as c,
    ):
        c.execute("delete from complaints")
    assert _count(path) == 1


def test_reader_keeps_snapshot_and_sees_new_data_after_refresh(make_db):
    path = make_db(complaints=[ROW])
    reader = store.Reader(path, recheck_seconds=0)
    assert reader.cursor().execute("select count(*) from complaints").fetchone()[0] == 1
    old = reader.cursor()
    with store.write_transaction(path, derive=staging.refresh) as conn:
        conn.execute(
            "insert into complaints (complaint_id, received_at, department)"
            " values ('002', timestamp '2025-10-11 09:00:00', '客服中心')"
        )
    assert old.execute("select count(*) from complaints").fetchone()[0] == 1
    assert reader.cursor().execute("select count(*) from complaints").fetchone()[0] == 2
    assert reader.generation == 2


def test_snapshot_cannot_read_other_files(make_db, tmp_path):
    path = make_db()
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    conn = store.open_snapshot(path)
    with pytest.raises(Exception, match="Permission"):
        conn.execute(f"select * from read_csv('{secret}')").fetchall()
    with pytest.raises(Exception, match=r"Cannot change"):
        conn.execute("set enable_external_access = true")


def test_second_writer_is_refused_with_holder_named(make_db):
    path = make_db()
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.writer_lock(path):
            started.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    started.wait(5)
    try:
        with (
            pytest.raises(store.DatabaseBusyError, match="another import"),
            store.write_transaction(path, wait_seconds=0.2, derive=staging.refresh),
        ):
            pass
    finally:
        release.set()
        t.join()


def test_next_writer_start_removes_a_killed_writers_leftovers(make_db):
    path = make_db(complaints=[ROW])
    leftover = path.with_name(path.name + ".staging-999-deadbeef")
    leftover.write_bytes(b"half-written copy")
    spill = path.with_name(leftover.name + ".tmp")
    spill.mkdir()
    (spill / "spill.block").write_bytes(b"x")
    removed = store.cleanup_if_idle(path)
    assert sorted(p.name for p in removed) == sorted([leftover.name, spill.name])
    assert not leftover.exists() and not spill.exists()
    assert _count(path) == 1


def test_readers_and_writers_run_with_the_configured_memory_threads_and_spill(
    make_db, tmp_path, monkeypatch
):
    path = make_db()
    monkeypatch.setenv(store.READER_MEMORY_ENV, "512MiB")
    monkeypatch.setenv(store.THREADS_ENV, "1")
    monkeypatch.setenv(store.READER_TEMP_ENV, str(tmp_path / "spill"))
    conn = store.open_snapshot(path)
    settings = conn.execute(
        "select current_setting('memory_limit'), current_setting('threads'),"
        " current_setting('temp_directory')"
    ).fetchall()[0]
    assert settings[:2] == ("512.0 MiB", 1)
    assert Path(settings[2]).parent == tmp_path / "spill"
    assert (Path(settings[2]) / store.SPILL_OWNER).is_file()
    monkeypatch.setenv(store.WRITER_MEMORY_ENV, "1GiB")
    with store.write_transaction(path, derive=None) as w:
        assert w.execute("select current_setting('memory_limit')").fetchall()[0][0] == "1.0 GiB"


ROOT = Path(__file__).resolve().parents[1]
_HOLD_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def test_spill_folders_of_readers_that_ended_are_removed_and_live_ones_kept(tmp_path):
    base = tmp_path / "spill"
    dead = base / "111-dead"
    dead.mkdir(parents=True)
    (dead / store.SPILL_OWNER).touch()
    (dead / "duckdb_temp_storage_DEFAULT-0.tmp").write_bytes(b"x" * 1000)
    alive = base / "222-alive"
    alive.mkdir()
    (alive / store.SPILL_OWNER).touch()
    (alive / "duckdb_temp_storage_DEFAULT-0.tmp").write_bytes(b"y")
    unmarked = base / "not-a-reader"
    unmarked.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(alive / store.SPILL_OWNER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        own = Path(store.reader_spill(str(base)))
        assert not dead.exists()
        assert (alive / "duckdb_temp_storage_DEFAULT-0.tmp").read_bytes() == b"y"
        assert unmarked.is_dir()
        assert own.parent == base and (own / store.SPILL_OWNER).is_file()
        assert store.reader_spill(str(base)) == str(own)  # one folder per process
    finally:
        holder.communicate("")
    # the holder has ended: the next process to start cleans its folder up
    script = f"from queries import store; print(store.reader_spill({str(base)!r}))"
    other = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert not alive.exists()
    assert own.is_dir()  # this process lives on
    assert Path(other.stdout.strip()).parent == base


def test_a_bad_memory_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv(store.READER_MEMORY_ENV, "lots")
    with pytest.raises(ValueError, match=r"\$COMPLAINTS_READER_MEMORY: 'lots'"):
        store.reader_resources()
