"""Large roster updates are staged in shadow tables and switched in atomically, so a
decision committed meanwhile does not wait behind the whole update."""

import sqlite3
import threading
import time

import pytest
from core_fixtures import ANI, PERIOD, roster_records

from kiosk.roster import updates
from kiosk.roster.updates import RosterRejected, import_update, recipient_record
from kiosk.security.chain import verify_chain
from kiosk.storage import roster_tables


def _people(n, start=0, eligible=True):
    return [recipient_record(f"32{i:014d}", f"Warga {i}", [("PKH", PERIOD, eligible)])
            for i in range(start, start + n)]


def _tables(store):
    return {r[0] for r in store.db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _healthy(store):
    assert not any(t.endswith(("_next", "_old")) for t in _tables(store))
    assert store.db.query("PRAGMA foreign_key_check") == []
    assert store.db.integrity_problems() == []
    # The programme index exists on the table in force, whatever its generation's name.
    indexes = store.db.query("SELECT name FROM sqlite_master WHERE type = 'index' "
                             "AND tbl_name = 'entitlements' AND sql IS NOT NULL")
    assert len(indexes) == 1
    rows = list(store.event_rows())
    assert verify_chain(rows, store.identity.public_key, store.identity.device_id).ok


def test_staged_snapshot_then_deltas_small_and_large(store, hub, monkeypatch):
    monkeypatch.setattr(updates, "IN_PLACE_MAX", 50)
    # Snapshot (always staged), several batches.
    env, ch = hub.update([*roster_records(), *_people(230)], 2, chunk_size=40)
    assert updates.apply_update(store, updates.parse_update(env, ch, hub.public),
                                batch=60) == 2
    assert store.db.query("SELECT count(*) FROM recipients")[0][0] == 230 + len(
        [r for r in roster_records() if r["type"] == "recipient"])
    assert store.recipient(ANI).name == "Ani Suryani"
    assert [o.officer_id for o in store.officers()] == ["OFF-1", "OFF-2"]
    _healthy(store)
    # A small delta, in place.
    env, ch = hub.update([{"type": "recipient", "op": "delete", "nik": f"32{0:014d}"}], 3,
                         kind="delta", base_version=2)
    assert import_update(store, env, ch, hub.public) == 3
    assert store.recipient(f"32{0:014d}") is None
    # A large delta: the roster in force is copied into the shadow, then changed.
    changed = _people(120, start=100, eligible=False)
    env, ch = hub.update(changed, 4, kind="delta", base_version=3)
    assert updates.apply_update(store, updates.parse_update(env, ch, hub.public),
                                batch=70) == 4
    assert store.recipient(f"32{0:014d}") is None  # the earlier delta survives the copy
    assert store.recipient(f"32{5:014d}").name == "Warga 5"
    assert [e.eligible for e in store.entitlements(f"32{150:014d}")] == [False]
    assert [e.eligible for e in store.entitlements(f"32{219:014d}")] == [False]
    assert store.recipient(f"32{219:014d}") is not None
    assert store.recipient(ANI) is not None
    assert store.roster_version() == 4
    _healthy(store)


def test_interrupted_staging_leaves_roster_in_force(store, hub, monkeypatch):
    calls = {"n": 0}
    real = updates._apply_record

    def failing(conn, record, suffix=""):
        calls["n"] += 1
        if calls["n"] == 150:
            raise OSError("power cut")
        real(conn, record, suffix)

    monkeypatch.setattr(updates, "_apply_record", failing)
    env, ch = hub.update(_people(300), 2)
    with pytest.raises(OSError):
        updates.apply_update(store, updates.parse_update(env, ch, hub.public), batch=50)
    assert store.roster_version() == 1
    assert store.recipient(ANI).name == "Ani Suryani"
    assert store.recipient(f"32{0:014d}") is None
    assert "recipients_next" in _tables(store)  # the half-built shadow, not in force
    # The next attempt clears the leftovers and goes through.
    monkeypatch.setattr(updates, "_apply_record", real)
    assert import_update(store, env, ch, hub.public) == 2
    assert store.recipient(ANI) is None and store.recipient(f"32{299:014d}") is not None
    _healthy(store)


def test_stale_update_refused_before_staging(store, hub):
    env, ch = hub.update(_people(10), 1)
    with pytest.raises(RosterRejected) as exc:
        import_update(store, env, ch, hub.public)
    assert exc.value.reason == "stale"
    assert not any(t.endswith("_next") for t in _tables(store))


def test_update_landing_during_staging_is_refused(store, hub, monkeypatch):
    real_write = roster_tables._write

    def write_then_race(db, records, apply_record, turns):
        real_write(db, records, apply_record, turns)
        monkeypatch.setattr(roster_tables, "_write", real_write)
        with db.write() as conn:  # someone else puts version 2 in force meanwhile
            conn.execute("UPDATE meta SET value = '2' WHERE key = 'roster_version'")

    monkeypatch.setattr(roster_tables, "_write", write_then_race)
    env3, ch3 = hub.update(_people(5, start=10), 3)
    with pytest.raises(RosterRejected) as exc:
        updates.apply_update(store, updates.parse_update(env3, ch3, hub.public))
    assert exc.value.reason == "concurrent"
    assert store.recipient(ANI) is not None  # the shadow never came into force


def test_writer_gets_turns_while_large_roster_is_staged(store, hub, paths):
    """A second connection with a short busy timeout keeps committing while a roster many
    batches long is staged: it never times out, and commits land between batches."""
    env, ch = hub.update(_people(6000), 2, chunk_size=1000)
    update = updates.parse_update(env, ch, hub.public)
    done = threading.Event()
    batches: list[float] = []
    real_write = roster_tables._write

    def timed_write(*args):
        real_write(*args)
        batches.append(time.monotonic())

    commits: list[float] = []
    failures: list[Exception] = []

    def writer():
        conn = sqlite3.connect(paths.db, timeout=1.0, isolation_level=None)
        conn.execute("CREATE TABLE IF NOT EXISTS t_writer (x)")
        while not done.is_set():
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO t_writer VALUES (1)")
                conn.execute("COMMIT")
                commits.append(time.monotonic())
            except sqlite3.OperationalError as exc:
                failures.append(exc)
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            time.sleep(0.02)
        conn.close()

    roster_tables._write = timed_write
    try:
        th = threading.Thread(target=writer)
        th.start()
        updates.apply_update(store, update, batch=500)
    finally:
        roster_tables._write = real_write
        done.set()
        th.join(10)
    assert failures == []
    assert len(batches) == 12
    between = [t for t in commits if batches[0] < t < batches[-1]]
    assert len(between) >= 5, (len(between), len(commits))
    assert store.roster_version() == 2
