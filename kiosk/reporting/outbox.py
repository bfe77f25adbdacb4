"""The outbox as the reporter sees it: pending events, acknowledgements, queue health.

It opens the kiosk's database (``kiosk.storage.db.Database``: WAL, synchronous=FULL)
from its own process; the verification core writes events and outbox rows, this
module only reads them and sets ``acked``/``acked_at``. Its own small state (the
command replay guard, settings from the hub, revocations) lives in the
``reporting_*`` tables of the store's schema. An acknowledgement only counts when
the (seq, event id) pair matches this device's chain, so an ack for someone else's
event changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..security.uuid7 import uuid7_time_ms
from ..storage.db import Database
from .commands import ReplayGuard


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    oldest_pending_age_s: float | None
    last_seq: int
    acked_upto: int  # every event up to here is acknowledged
    disk_free_bytes: int
    disk_total_bytes: int
    db_bytes: int

    @property
    def disk_free_fraction(self) -> float:
        return self.disk_free_bytes / self.disk_total_bytes if self.disk_total_bytes else 0.0


def disk_alarm(stats: OutboxStats, warn_free_bytes: int, critical_free_bytes: int) -> str | None:
    """'critical' / 'warning' / None: raised long before the disk fills, since once it is
    full the kiosk can no longer record decisions at all."""
    if stats.disk_free_bytes < critical_free_bytes:
        return "critical"
    if stats.disk_free_bytes < warn_free_bytes or stats.disk_free_fraction < 0.10:
        return "warning"
    return None


class Outbox:
    def __init__(self, db_path: str | Path, timeout: float = 10.0):
        self.db = Database(db_path, timeout=timeout)

    def close(self) -> None:
        self.db.close()

    def pending(self, from_seq: int = 0, limit: int = 100) -> list[tuple[int, str, bytes, bytes]]:
        """(seq, event_id, body, signature) of unacknowledged events from ``from_seq`` on."""
        return [(s, e, bytes(b), bytes(g)) for s, e, b, g in self.db.query(
            "SELECT e.seq, e.event_id, e.body, e.signature FROM outbox o JOIN events e "
            "USING (seq) WHERE o.acked = 0 AND o.seq >= ? ORDER BY o.seq LIMIT ?",
            (from_seq, limit))]

    def mark_acked(self, acks: list[tuple[int, str]]) -> list[int]:
        """Mark the pairs that match our chain; returns the seqs newly acknowledged."""
        if not acks:
            return []
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        done = []
        with self.db.write() as conn:
            for seq, event_id in acks:
                cur = conn.execute(
                    "UPDATE outbox SET acked = 1, acked_at = ? WHERE seq = ? AND acked = 0 AND "
                    "seq IN (SELECT seq FROM events WHERE seq = ? AND event_id = ?)",
                    (stamp, seq, seq, event_id))
                if cur.rowcount:
                    done.append(seq)
        return done

    def is_acked(self, seq: int) -> bool:
        rows = self.db.query("SELECT acked FROM outbox WHERE seq = ?", (seq,))
        return bool(rows and rows[0][0])

    def stats(self, now_ms: int | None = None) -> OutboxStats:
        now_ms = now_ms if now_ms is not None else time.time_ns() // 1_000_000
        with self.db.read() as conn:
            pending = conn.execute("SELECT count(*) FROM outbox WHERE acked = 0").fetchone()[0]
            oldest = conn.execute("SELECT e.event_id FROM outbox o JOIN events e USING (seq) "
                                  "WHERE o.acked = 0 ORDER BY o.seq LIMIT 1").fetchone()
            last = conn.execute("SELECT max(seq) FROM events").fetchone()[0] or 0
            first_pending = conn.execute("SELECT min(seq) FROM outbox WHERE acked = 0"
                                         ).fetchone()[0]
        age = None
        if oldest:
            try:
                age = max(0.0, (now_ms - uuid7_time_ms(oldest[0])) / 1000)
            except ValueError:
                age = None
        usage = shutil.disk_usage(self.db.path.parent)
        size = sum(p.stat().st_size for p in self.db.path.parent.glob(self.db.path.name + "*"))
        return OutboxStats(pending, age, last, (first_pending - 1) if first_pending else last,
                           usage.free, usage.total, size)

    # ---- the reporter's own state ---------------------------------------------------------
    def state(self, key: str, default=None):
        rows = self.db.query("SELECT value FROM reporting_state WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set_state(self, key: str, value) -> None:
        with self.db.write() as conn:
            conn.execute("INSERT INTO reporting_state (key, value) VALUES (?, ?) ON CONFLICT(key) "
                         "DO UPDATE SET value = excluded.value", (key, json.dumps(value)))

    def load_guard(self) -> ReplayGuard:
        s = self.state("replay_guard", {})
        return ReplayGuard(s.get("high_seq", 0), set(s.get("seqs", [])), dict(s.get("nonces", {})))

    def save_guard(self, guard: ReplayGuard) -> None:
        # Saved before the command takes effect: a crash then cannot let it run twice.
        self.set_state("replay_guard", {"high_seq": guard.high_seq, "seqs": sorted(guard.seqs),
                                        "nonces": guard.nonces})

    def revoke(self, kind: str, ident: str, reason: str | None, cmd_id: str) -> None:
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self.db.write() as conn:
            conn.execute("INSERT OR REPLACE INTO reporting_revocations VALUES (?, ?, ?, ?, ?)",
                         (kind, ident, reason, cmd_id, stamp))

    def revocations(self) -> list[tuple[str, str, str | None]]:
        return self.db.query("SELECT kind, id, reason FROM reporting_revocations ORDER BY kind, id")
