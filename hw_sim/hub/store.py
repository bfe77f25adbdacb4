"""The hub's books (SQLite): registered devices, their events, commands, refusals.

An event is booked only when it extends its device's chain: the next seq, the
previous hash linked, the device's signature valid. So the books hold, per
device, a contiguous verified prefix of its chain, each event exactly once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hw_sim.hub.clock import corrected_times
from kiosk.security.chain import verify_chain
from kiosk.security.crypto import Ed25519PublicKey, public_key_from_bytes
from kiosk.security.events import genesis_hash
from kiosk.security.keys import device_id_for

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS devices (
        device_id TEXT PRIMARY KEY, village TEXT NOT NULL, public_key BLOB NOT NULL,
        registered_at TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0,
        last_hash TEXT NOT NULL, duplicates INTEGER NOT NULL DEFAULT 0,
        held_back INTEGER NOT NULL DEFAULT 0, cmd_seq INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS events (
        arrival INTEGER PRIMARY KEY AUTOINCREMENT,
        device_id TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE,
        body BLOB NOT NULL, signature BLOB NOT NULL, hash TEXT NOT NULL,
        received_at TEXT NOT NULL, UNIQUE (device_id, seq))""",
    """CREATE TABLE IF NOT EXISTS rejects (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, device_id TEXT, topic TEXT,
        reason TEXT NOT NULL, detail TEXT)""",
    """CREATE TABLE IF NOT EXISTS commands (
        cmd_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, seq INTEGER NOT NULL,
        type TEXT NOT NULL, payload BLOB NOT NULL, expires_at INTEGER NOT NULL,
        created_at TEXT NOT NULL, status TEXT, reason TEXT, detail TEXT, replied_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS presence (
        device_id TEXT PRIMARY KEY, state TEXT NOT NULL, payload TEXT NOT NULL,
        at TEXT NOT NULL)""",
)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Device:
    device_id: str
    village: str
    public_key: Ed25519PublicKey
    last_seq: int
    last_hash: str


class HubStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                    check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode = WAL")
        # FULL: an event is acknowledged only after its commit, so it must survive power loss.
        self.conn.execute("PRAGMA synchronous = FULL")
        with self.write() as c:
            for statement in SCHEMA:
                c.execute(statement)

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    # ---- devices --------------------------------------------------------------------------
    def register_device(self, village: str, public_key: bytes, device_id: str | None = None) -> str:
        derived = device_id_for(public_key)
        if device_id and device_id != derived:
            raise ValueError(f"device id {device_id} does not belong to this public key "
                             f"({derived})")
        public_key_from_bytes(public_key)  # refuse anything that is not an Ed25519 key
        with self.write() as c:
            row = c.execute("SELECT public_key FROM devices WHERE device_id = ?",
                            (derived,)).fetchone()
            if row:
                if bytes(row[0]) != public_key:
                    raise ValueError(f"{derived} is registered with another key")
                c.execute("UPDATE devices SET village = ? WHERE device_id = ?", (village, derived))
            else:
                c.execute("INSERT INTO devices (device_id, village, public_key, registered_at, "
                          "last_hash) VALUES (?, ?, ?, ?, ?)",
                          (derived, village, public_key, now_iso(), genesis_hash(derived)))
        return derived

    def device(self, device_id: str) -> Device | None:
        row = self.conn.execute("SELECT device_id, village, public_key, last_seq, last_hash FROM "
                                "devices WHERE device_id = ?", (device_id,)).fetchone()
        if not row:
            return None
        return Device(row[0], row[1], public_key_from_bytes(bytes(row[2])), row[3], row[4])

    def devices(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT device_id FROM devices ORDER BY 1")]

    # ---- reading ----------------------------------------------------------------------------
    def event_rows(self, device_id: str) -> list[tuple[int, str, bytes, bytes, str]]:
        return [(s, e, bytes(b), bytes(g), h) for s, e, b, g, h in self.conn.execute(
            "SELECT seq, event_id, body, signature, hash FROM events WHERE device_id = ? "
            "ORDER BY seq", (device_id,))]

    def arrival_seqs(self, device_id: str) -> list[int]:
        return [r[0] for r in self.conn.execute(
            "SELECT seq FROM events WHERE device_id = ? ORDER BY arrival", (device_id,))]

    def reject(self, conn, device_id: str | None, topic: str | None, reason: str,
               detail: str) -> None:
        conn.execute("INSERT INTO rejects (at, device_id, topic, reason, detail) VALUES "
                     "(?, ?, ?, ?, ?)", (now_iso(), device_id, topic, reason, detail[:300]))

    def reject_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT reason, count(*) FROM rejects GROUP BY reason"))

    def summary(self) -> dict:
        """Per device: last seq, gaps, chain check, decisions by reason; refusals by reason."""
        out = {"devices": {}, "rejects": self.reject_counts()}
        for dev_id in self.devices():
            dev = self.device(dev_id)
            rows = self.event_rows(dev_id)
            seqs = [r[0] for r in rows]
            gaps = (max(seqs) - len(seqs)) if seqs else 0
            report = verify_chain(rows, dev.public_key, dev_id)
            decisions: Counter = Counter()
            payloads = []
            for _, _, body, _, _ in rows:
                p = json.loads(body)
                payloads.append(p)
                decisions[f"{p.get('type')}:{p.get('decision') or '-'}:{p.get('reason') or '-'}"
                          ] += 1
            dup, held = self.conn.execute("SELECT duplicates, held_back FROM devices WHERE "
                                          "device_id = ?", (dev_id,)).fetchone()
            presence = self.conn.execute("SELECT state, at FROM presence WHERE device_id = ?",
                                         (dev_id,)).fetchone()
            cmds = dict(self.conn.execute(
                "SELECT coalesce(status, 'unanswered'), count(*) FROM commands WHERE "
                "device_id = ? GROUP BY 1", (dev_id,)))
            out["devices"][dev_id] = {
                "village": dev.village, "events": len(rows), "last_seq": dev.last_seq,
                "gaps": gaps, "chain_ok": report.ok,
                "chain_break": None if report.ok else report.first_break.message,
                "duplicates": dup, "held_back": held, "decisions": dict(sorted(
                    decisions.items())), "presence": list(presence) if presence else None,
                "clock": dict(Counter(c["method"] for c in corrected_times(payloads).values())),
                "commands": cmds}
        return out
