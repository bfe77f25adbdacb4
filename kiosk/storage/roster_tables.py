"""The roster tables, replaced whole without holding the database for long.

A large roster update (a 250,000-person snapshot) takes seconds to write. Done in
one transaction it would hold SQLite's single write lock that long, and a
recipient's decision committed meanwhile would wait past its busy timeout. So a
large update is written into *shadow* tables (``recipients_next`` ...) in many short
transactions, and put in force by renaming tables in one short transaction: the
roster in force changes atomically, and a writer in between waits at most about one
batch. SQLite's lock is not fair (a waiting connection sleeps up to 100 ms between
tries), so after each batch the builder steps aside for at least that long.

A crash while the shadow is being built leaves the live tables untouched; the next
update drops the leftovers and starts again.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable

from .db import Database

TABLES = ("recipients", "entitlements", "officers")  # parents before children
NEXT = "_next"
OLD = "_old"

# The live tables' definitions (schema.py migrations 1 and 3, columns in the same order:
# a delta copies rows with SELECT *), with the name suffix as {s}.
_DDL = (
    """CREATE TABLE recipients{s} (
        nik TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kk TEXT,
        village TEXT)""",
    """CREATE TABLE entitlements{s} (
        nik TEXT NOT NULL REFERENCES recipients{s}(nik) ON DELETE CASCADE,
        programme TEXT NOT NULL,
        period TEXT NOT NULL,
        eligible INTEGER NOT NULL,
        reason TEXT,
        PRIMARY KEY (nik, programme, period))""",
    """CREATE TABLE officers{s} (
        officer_id TEXT PRIMARY KEY,
        nik TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        pin_hash TEXT)""",
)

# SQLite's default busy handler sleeps at most 100 ms between tries; a longer gap
# means a waiting writer always gets its turn.
GAP_S = 0.11

ApplyRecord = Callable[[sqlite3.Connection, dict, str], None]


def _drop(conn: sqlite3.Connection, suffix: str) -> None:
    # Children first: dropping a parent would run the cascade over every child row.
    for table in reversed(TABLES):
        conn.execute(f"DROP TABLE IF EXISTS {table}{suffix}")


def drop_leftovers(db: Database) -> None:
    """Remove shadow or retired tables that an interrupted update left behind."""
    with db.write() as conn:
        _drop(conn, OLD)
        _drop(conn, NEXT)


def build_shadow(db: Database, records: Iterable[dict], apply_record: ApplyRecord, *,
                 copy_live: bool, generation: int, batch: int = 5000) -> None:
    """Write the future roster into the shadow tables, ``batch`` records a transaction.

    ``copy_live`` starts from the roster in force (a delta), else from nothing (a
    snapshot). ``generation`` names the shadow's indexes, which keep their names when
    the tables are renamed.
    """
    drop_leftovers(db)
    with db.write() as conn:
        for ddl in _DDL:
            conn.execute(ddl.format(s=NEXT))
        conn.execute(f"CREATE INDEX entitlements_programme_g{generation} "
                     f"ON entitlements{NEXT}(programme, period)")
    turns = _Turns()
    if copy_live:
        for table in TABLES:
            _copy(db, table, batch, turns)
    pending: list[dict] = []
    for record in records:
        pending.append(record)
        if len(pending) >= batch:
            _write(db, pending, apply_record, turns)
            pending = []
    if pending:
        _write(db, pending, apply_record, turns)


class _Turns:
    """Before each transaction after the first, give other writers a turn: a gap at
    least as long as the last transaction held the lock (and at least GAP_S)."""

    def __init__(self):
        self.held: float | None = None
        self.started = 0.0

    def next(self) -> None:
        if self.held is not None:
            time.sleep(max(GAP_S, self.held))
        self.started = time.monotonic()

    def done(self) -> None:
        self.held = time.monotonic() - self.started


def _write(db: Database, records: list[dict], apply_record: ApplyRecord, turns: _Turns) -> None:
    turns.next()
    with db.write() as conn:
        for record in records:
            apply_record(conn, record, NEXT)
    turns.done()


def _copy(db: Database, table: str, batch: int, turns: _Turns) -> None:
    last = -1
    while True:
        turns.next()
        with db.write() as conn:
            rows = conn.execute(f"SELECT rowid FROM {table} WHERE rowid > ? ORDER BY rowid "
                                f"LIMIT 1 OFFSET ?", (last, batch - 1)).fetchone()
            upto = rows[0] if rows else None
            where = "rowid > ?" + ("" if upto is None else " AND rowid <= ?")
            params = (last,) if upto is None else (last, upto)
            conn.execute(f"INSERT INTO {table}{NEXT} SELECT * FROM {table} WHERE {where}",
                         params)
        turns.done()
        if upto is None:
            return
        last = upto


def swap(conn: sqlite3.Connection) -> None:
    """Put the shadow in force, inside the caller's (short) write transaction.

    Renaming a parent table makes SQLite rewrite the children's references: the
    live entitlements follow recipients to ``_old``, the shadow's follow it in.
    """
    for table in TABLES:
        conn.execute(f"ALTER TABLE {table} RENAME TO {table}{OLD}")
    for table in TABLES:
        conn.execute(f"ALTER TABLE {table}{NEXT} RENAME TO {table}")


def retire(db: Database) -> None:
    """Drop the tables the last swap retired (their own short transaction)."""
    with db.write() as conn:
        _drop(conn, OLD)
