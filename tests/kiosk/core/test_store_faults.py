"""Storage faults: locked, damaged, full, too new; each a clear outcome, nothing half-done."""

import sqlite3

import pytest
from core_fixtures import ANI, PERIOD

from kiosk.flows.decisions import Decision
from kiosk.storage.db import (
    Database,
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseUnavailable,
    DiskFull,
)
from kiosk.storage.store import KioskStore


def _claim():
    return Decision("verification", "accepted", "matched", nik=ANI, programme="PKH",
                    period=PERIOD, modality="fingerprint")


def test_locked_database(store, paths, clock):
    other = sqlite3.connect(paths.db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        quick = KioskStore.open(paths, clock=clock, timeout=0.2)
        with pytest.raises(DatabaseLocked, match="busy"):
            quick.commit(_claim())
        quick.close()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.commit(_claim()).outcome == "accepted"


def test_garbage_file_is_reported_damaged(paths, clock):
    paths.db.parent.mkdir(parents=True, exist_ok=True)
    paths.db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseCorrupt, match="damaged"):
        KioskStore.open(paths, clock=clock)


def test_damaged_pages_found_by_integrity_check(store, paths, clock):
    for i in range(30):
        store.commit(Decision("verification", "cancelled", "cancelled_by_person", nik=ANI,
                              programme="PKH", period=f"P{i}", detail={"pad": "x" * 500}))
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(paths.db.read_bytes())
    page = 4096
    for off in range(3 * page, len(data) - page, page):  # scribble over interior pages
        data[off + 8 : off + 40] = b"\xff" * 32
    paths.db.write_bytes(bytes(data))
    try:
        damaged = KioskStore.open(paths, clock=clock)
    except DatabaseCorrupt:
        return
    try:
        assert damaged.db.integrity_problems()
    except DatabaseCorrupt:
        pass
    finally:
        damaged.close()


def test_newer_schema_refused(tmp_path):
    db = Database(tmp_path / "x.db")
    db.conn.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(DatabaseUnavailable, match="newer"):
        Database(tmp_path / "x.db")


def test_full_database_is_disk_full(tmp_path):
    db = Database(tmp_path / "x.db")
    pages = db.query("PRAGMA page_count")[0][0]
    db.conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(DiskFull), db.write() as c:
        c.execute("CREATE TABLE t (x BLOB)")
        c.execute("INSERT INTO t VALUES (randomblob(100000))")
    assert db.query("SELECT count(*) FROM sqlite_master WHERE name = 't'") == [(0,)]


def test_unusable_folder(tmp_path):
    (tmp_path / "file").write_text("a file where the data folder should be")
    with pytest.raises(DatabaseUnavailable):
        Database(tmp_path / "file" / "db" / "x.db")
