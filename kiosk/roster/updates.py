"""Roster updates from the hub: signed, versioned, complete, applied atomically.

An update is a signed *manifest* plus *chunks*. The manifest names the kind
(``snapshot`` replaces the roster, ``delta`` changes it and names the version it
applies to), the new version, policy, the NIK pseudonym key, and the SHA-256 and
record count of every chunk. The hub signs ``b"sidik-roster/v1\\n"`` + the
canonical JSON of the manifest with its Ed25519 key. A chunk is canonical JSON
``{"chunk": i, "records": [...]}``; its hash in the signed manifest vouches for it,
so chunks can arrive separately and in any order (MQTT, later) and be staged
until all are there. Nothing is applied until every chunk has arrived and checked
out; then it is put in force atomically (a large one staged in shadow tables and
switched in by one short transaction, ``storage/roster_tables.py``), with a
``roster_applied`` event in the chain.

As a file (``kiosk roster import``): JSON lines, the first ``{"manifest": ...,
"signature": ...}``, then one chunk per line.

Records::

    {"type": "recipient", "op": "upsert", "nik": ..., "name": ..., "kk": ..., "village": ...,
     "entitlements": [{"programme": "PKH", "period": "2025-Q1", "eligible": true,
                       "reason": null}, ...]}       # the person's full new state
    {"type": "recipient", "op": "delete", "nik": ...}
    {"type": "officer", "op": "upsert", "officer_id": ..., "nik": ..., "name": ..., "active": true,
     "pin_hash": "scrypt$n$r$p$salt$hash"}      # pin_hash optional (security/pin.py)
    {"type": "officer", "op": "delete", "officer_id": ...}
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..security.crypto import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
    b64url,
    b64url_decode,
    canonical_json,
    sha256_hex,
    verify_signature,
)
from ..security.pin import hash_pin, valid_hash
from ..storage import roster_tables

log = logging.getLogger(__name__)

FORMAT = "sidik-roster/1"
SIGNING_PREFIX = b"sidik-roster/v1\n"
DEFAULT_CHUNK = 2000


class RosterRejected(Exception):
    """The update is not applied; the roster in force stays. ``reason`` is a code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Manifest:
    kind: str
    version: int
    base_version: int | None
    chunks: tuple[tuple[str, int], ...]  # (sha256 hex, records)
    records: int
    policy: dict
    nik_ref_key: str | None
    issued_at: str | None
    digest: str  # SHA-256 of the signed manifest bytes: names this update

    @classmethod
    def from_dict(cls, m: dict, digest: str) -> Manifest:
        try:
            if m.get("format") != FORMAT:
                raise ValueError(f"unknown format {m.get('format')!r}")
            kind = m["kind"]
            if kind not in ("snapshot", "delta"):
                raise ValueError(f"unknown kind {kind!r}")
            version = m["version"]
            base = m.get("base_version")
            if not isinstance(version, int) or version < 1:
                raise ValueError("version must be a positive integer")
            if kind == "delta" and not isinstance(base, int):
                raise ValueError("a delta needs base_version")
            chunks = tuple((str(c["sha256"]), int(c["records"])) for c in m["chunks"])
            if sum(n for _, n in chunks) != m["records"]:
                raise ValueError("chunk record counts do not add up")
            policy = m.get("policy") or {}
            if not isinstance(policy, dict):
                raise ValueError("policy must be an object")
            key = m.get("nik_ref_key")
            if key is not None and len(b64url_decode(key)) != 32:
                raise ValueError("nik_ref_key must be 32 bytes")
        except (KeyError, TypeError, ValueError) as exc:
            raise RosterRejected("malformed", f"roster manifest is malformed: {exc}") from None
        return cls(kind, version, base if kind == "delta" else None, chunks, m["records"],
                   policy, key, m.get("issued_at"), digest)


@dataclass(frozen=True)
class RosterUpdate:
    manifest: Manifest
    records: list[dict]


# ---- building (the hub's side; tests and demos use it too) ----------------------------------
def build_update(records: list[dict], *, version: int, hub_key: Ed25519PrivateKey,
                 kind: str = "snapshot", base_version: int | None = None,
                 chunk_size: int = DEFAULT_CHUNK, policy: dict | None = None,
                 nik_ref_key: bytes | None = None,
                 issued_at: str | None = None) -> tuple[bytes, list[bytes]]:
    """Records -> (signed envelope, chunks)."""
    chunks = [canonical_json({"chunk": i, "records": records[s : s + chunk_size]})
              for i, s in enumerate(range(0, max(len(records), 1), chunk_size))]
    manifest = {
        "format": FORMAT, "kind": kind, "version": version, "records": len(records),
        "chunks": [{"sha256": sha256_hex(c), "records": len(json.loads(c)["records"])}
                   for c in chunks],
        "policy": policy or {}, "issued_at": issued_at,
    }
    if kind == "delta":
        manifest["base_version"] = base_version
    if nik_ref_key is not None:
        manifest["nik_ref_key"] = b64url(nik_ref_key)
    body = canonical_json(manifest)
    envelope = canonical_json({"manifest": manifest,
                               "signature": b64url(hub_key.sign(SIGNING_PREFIX + body))})
    return envelope, chunks


def write_update_file(path: str | Path, envelope: bytes, chunks: list[bytes]) -> None:
    Path(path).write_bytes(b"\n".join([envelope, *chunks]) + b"\n")


def read_update_file(path: str | Path) -> tuple[bytes, list[bytes]]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RosterRejected("unreadable", f"cannot read roster file {path}: "
                             f"{exc.strerror}") from None
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        raise RosterRejected("truncated", f"roster file {path} is empty")
    return lines[0], lines[1:]


# ---- checking (pure) --------------------------------------------------------------------------
def verify_envelope(envelope: bytes, hub_key: Ed25519PublicKey | None) -> Manifest:
    if hub_key is None:
        raise RosterRejected("untrusted", "no hub key is trusted on this device; "
                             "provision it (or pass --hub-key on first import)")
    try:
        outer = json.loads(envelope)
        manifest = outer["manifest"]
        signature = b64url_decode(outer["signature"])
        body = canonical_json(manifest)
    except (ValueError, KeyError, TypeError) as exc:
        raise RosterRejected("malformed", f"roster envelope is malformed: {exc}") from None
    if not verify_signature(hub_key, signature, SIGNING_PREFIX + body):
        raise RosterRejected("bad_signature", "roster signature does not verify with the hub "
                             "key (tampered, or signed by another key)")
    return Manifest.from_dict(manifest, sha256_hex(body))


def verify_chunk(manifest: Manifest, index: int, data: bytes) -> list[dict]:
    if not 0 <= index < len(manifest.chunks):
        raise RosterRejected("chunk_mismatch", f"chunk {index} is not part of this update")
    digest, count = manifest.chunks[index]
    if sha256_hex(data) != digest:
        raise RosterRejected("chunk_mismatch", f"chunk {index} does not match its hash in the "
                             "signed manifest (damaged, truncated or tampered)")
    try:
        chunk = json.loads(data)
        records = chunk.get("records")
    except (ValueError, AttributeError) as exc:
        raise RosterRejected("malformed", f"chunk {index} is not valid JSON: {exc}") from None
    if chunk.get("chunk") != index or not isinstance(records, list) or len(records) != count:
        raise RosterRejected("chunk_mismatch", f"chunk {index} is out of place")
    for r in records:
        _check_record(r)
    return records


def _code(value) -> bool:
    """Programme and period codes go into receipts and QR codes: short printable ASCII."""
    return (isinstance(value, str) and 0 < len(value) <= 32 and value.isascii()
            and value.isprintable())


def _check_record(r: dict) -> None:
    def bad(why: str):
        raise RosterRejected("malformed", f"roster record {str(r)[:80]!r}: {why}")

    if not isinstance(r, dict) or r.get("op") not in ("upsert", "delete"):
        bad("op must be upsert or delete")
    if r.get("type") == "recipient":
        nik = r.get("nik")
        if not (isinstance(nik, str) and len(nik) == 16 and nik.isdigit() and nik.isascii()):
            bad("nik must be 16 digits")
        if r["op"] == "upsert":
            if not isinstance(r.get("name"), str) or not r["name"].strip():
                bad("name missing")
            for e in r.get("entitlements", []):
                if not (isinstance(e, dict) and _code(e.get("programme"))
                        and _code(e.get("period")) and isinstance(e.get("eligible"), bool)):
                    bad("entitlement needs programme and period (short ASCII codes) and "
                        "eligible")
    elif r.get("type") == "officer":
        if not isinstance(r.get("officer_id"), str) or not r["officer_id"]:
            bad("officer_id missing")
        if r["op"] == "upsert" and not (isinstance(r.get("nik"), str) and len(r["nik"]) == 16
                                        and isinstance(r.get("name"), str)):
            bad("officer needs nik and name")
        if r["op"] == "upsert" and r.get("pin_hash") is not None and \
                not valid_hash(r["pin_hash"]):
            bad("pin_hash is not an scrypt PIN hash the kiosk accepts")
    else:
        bad("type must be recipient or officer")


def parse_update(envelope: bytes, chunks: list[bytes],
                 hub_key: Ed25519PublicKey | None) -> RosterUpdate:
    """Check signature and completeness; the records of a whole, untampered update."""
    manifest = verify_envelope(envelope, hub_key)
    if len(chunks) != len(manifest.chunks):
        raise RosterRejected("truncated", f"roster has {len(chunks)} of "
                             f"{len(manifest.chunks)} chunks")
    records = []
    for i, data in enumerate(chunks):
        records += verify_chunk(manifest, i, data)
    return RosterUpdate(manifest, records)


# ---- applying -------------------------------------------------------------------------------
IN_PLACE_MAX = 2000  # a delta this small is applied in one transaction, in place
BATCH = 5000  # records per transaction while a large update is staged


def _in_force(conn) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'roster_version'").fetchone()
    return int(row[0]) if row else 0


def _check_version(m: Manifest, current: int) -> None:
    if m.version <= current:
        raise RosterRejected("stale", f"roster version {m.version} is not newer than "
                             f"version {current} in force")
    if m.kind == "delta" and m.base_version != current:
        raise RosterRejected("out_of_sequence", f"delta applies to version "
                             f"{m.base_version}, but version {current} is in force")


def apply_update(store, update: RosterUpdate, *, batch: int = BATCH) -> int:
    """Apply atomically (version checks inside the final transaction); the new version.

    A small delta is written in place in one transaction. Anything larger is staged in
    shadow tables ``batch`` records at a time and put in force by a rename
    (``storage/roster_tables.py``), so decisions committed meanwhile never wait long.
    """
    m = update.manifest
    with store.db.read() as conn:
        seen = _in_force(conn)
    _check_version(m, seen)
    staged = m.kind == "snapshot" or len(update.records) > IN_PLACE_MAX
    if staged:
        roster_tables.build_shadow(store.db, update.records, _apply_record,
                                   copy_live=m.kind == "delta", generation=m.version,
                                   batch=batch)
    with store.db.write() as conn:
        current = _in_force(conn)
        _check_version(m, current)
        if staged:
            if current != seen:  # another update landed while this one was staged
                raise RosterRejected("concurrent", f"roster version {current} came into force "
                                     f"while version {m.version} was being staged")
            roster_tables.swap(conn)
        else:
            for r in update.records:
                _apply_record(conn, r)
        meta = {"roster_version": str(m.version), "roster_policy": canonical_json(m.policy)
                .decode(), "roster_digest": m.digest}
        if m.nik_ref_key:
            meta["nik_ref_key"] = m.nik_ref_key
            meta["nik_ref_key_id"] = sha256_hex(b64url_decode(m.nik_ref_key))[:16]
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO "
                         "UPDATE SET value = excluded.value", list(meta.items()))
        event = store._append(conn, {**store._base_fields("roster_applied"),
                                     "roster_version": m.version, "kind": m.kind,
                                     "digest": m.digest, "records": m.records,
                                     "previous_version": current})
        conn.execute("INSERT INTO roster_log (version, kind, digest, records, applied_at, "
                     "event_id) VALUES (?, ?, ?, ?, ?, ?)",
                     (m.version, m.kind, m.digest, m.records, event.payload()["time"]["wall"],
                      event.event_id))
    if staged:
        roster_tables.retire(store.db)
    log.info("roster version %d applied (%s, %d records)", m.version, m.kind, m.records)
    return m.version


def _apply_record(conn, r: dict, suffix: str = "") -> None:
    """One record into the live tables, or (``suffix``) into the shadow ones."""
    recipients, entitlements, officers = (f"{t}{suffix}" for t in roster_tables.TABLES)
    if r["type"] == "recipient":
        conn.execute(f"DELETE FROM {entitlements} WHERE nik = ?", (r["nik"],))
        if r["op"] == "delete":
            conn.execute(f"DELETE FROM {recipients} WHERE nik = ?", (r["nik"],))
            return
        conn.execute(f"INSERT INTO {recipients} (nik, name, kk, village) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT(nik) DO UPDATE SET name = excluded.name, kk = excluded.kk, "
                     "village = excluded.village",
                     (r["nik"], r["name"].strip(), r.get("kk"), r.get("village")))
        conn.executemany(
            f"INSERT OR REPLACE INTO {entitlements} (nik, programme, period, eligible, reason) "
            "VALUES (?, ?, ?, ?, ?)",
            [(r["nik"], e["programme"], e["period"], int(e["eligible"]), e.get("reason"))
             for e in r.get("entitlements", [])])
    elif r["op"] == "delete":
        conn.execute(f"DELETE FROM {officers} WHERE officer_id = ?", (r["officer_id"],))
    else:
        conn.execute(f"INSERT INTO {officers} (officer_id, nik, name, active, pin_hash) "
                     "VALUES (?, ?, ?, ?, ?) ON CONFLICT(officer_id) DO UPDATE SET "
                     "nik = excluded.nik, name = excluded.name, active = excluded.active, "
                     "pin_hash = excluded.pin_hash",
                     (r["officer_id"], r["nik"], r["name"], int(r.get("active", True)),
                      r.get("pin_hash")))


def _rejected(store, exc: RosterRejected, what: str) -> RosterRejected:
    log.warning("roster update %s rejected (%s): %s; roster version %d stays in force",
                what, exc.reason, exc, store.roster_version())
    try:
        store.record("roster_rejected", reason=exc.reason, message=str(exc), source=what)
    except Exception:  # the rejection itself must surface even if it cannot be recorded
        log.exception("could not record the roster rejection")
    return exc


def import_update(store, envelope: bytes, chunks: list[bytes],
                  hub_key: Ed25519PublicKey | None, source: str = "update") -> int:
    """Check and apply an update; on rejection log, record an event and re-raise."""
    try:
        return apply_update(store, parse_update(envelope, chunks, hub_key))
    except RosterRejected as exc:
        raise _rejected(store, exc, source) from None


def import_file(store, path: str | Path, hub_key: Ed25519PublicKey | None) -> int:
    try:
        envelope, chunks = read_update_file(path)
    except RosterRejected as exc:
        raise _rejected(store, exc, str(path)) from None
    return import_update(store, envelope, chunks, hub_key, str(path))


class RosterAssembler:
    """Stages an update arriving in pieces; applies it once whole. State lives in the database,
    so a restart mid-transfer keeps the chunks already received."""

    def __init__(self, store, hub_key: Ed25519PublicKey | None):
        self.store = store
        self.hub_key = hub_key

    def offer_manifest(self, envelope: bytes) -> Manifest:
        manifest = verify_envelope(envelope, self.hub_key)
        with self.store.db.write() as conn:
            conn.execute("INSERT OR IGNORE INTO roster_staging_manifest (digest, envelope, "
                         "received_at) VALUES (?, ?, ?)",
                         (manifest.digest, envelope, self.store.clock.stamp()["wall"]))
        return manifest

    def _manifest(self, digest: str) -> tuple[bytes, Manifest]:
        rows = self.store.db.query("SELECT envelope FROM roster_staging_manifest WHERE "
                                   "digest = ?", (digest,))
        if not rows:
            raise RosterRejected("unknown_update", f"no manifest staged for update {digest[:12]}")
        return bytes(rows[0][0]), verify_envelope(bytes(rows[0][0]), self.hub_key)

    def offer_chunk(self, digest: str, index: int, data: bytes) -> None:
        """Check a chunk against the signed manifest and stage it (duplicates are fine)."""
        _, manifest = self._manifest(digest)
        verify_chunk(manifest, index, data)
        with self.store.db.write() as conn:
            conn.execute("INSERT OR IGNORE INTO roster_staging (digest, chunk, data) VALUES "
                         "(?, ?, ?)", (digest, index, data))

    def missing(self, digest: str) -> list[int]:
        _, manifest = self._manifest(digest)
        have = {r[0] for r in self.store.db.query(
            "SELECT chunk FROM roster_staging WHERE digest = ?", (digest,))}
        return [i for i in range(len(manifest.chunks)) if i not in have]

    def apply(self, digest: str) -> int:
        envelope, _ = self._manifest(digest)
        chunks = [bytes(r[0]) for r in self.store.db.query(
            "SELECT data FROM roster_staging WHERE digest = ? ORDER BY chunk", (digest,))]
        version = import_update(self.store, envelope, chunks, self.hub_key,
                                f"staged {digest[:12]}")
        self.discard(digest)
        return version

    def discard(self, digest: str) -> None:
        with self.store.db.write() as conn:
            conn.execute("DELETE FROM roster_staging WHERE digest = ?", (digest,))
            conn.execute("DELETE FROM roster_staging_manifest WHERE digest = ?", (digest,))


def recipient_record(nik: str, name: str, entitlements: Iterable[tuple], kk: str | None = None,
                     village: str | None = None) -> dict:
    """Convenience for builders: entitlements as (programme, period, eligible[, reason])."""
    ents = []
    for e in entitlements:
        programme, period, eligible, *rest = e
        ents.append({"programme": programme, "period": period, "eligible": bool(eligible),
                     "reason": rest[0] if rest else None})
    return {"type": "recipient", "op": "upsert", "nik": nik, "name": name, "kk": kk,
            "village": village, "entitlements": ents}


def officer_record(officer_id: str, nik: str, name: str, pin: str | None = None,
                   active: bool = True) -> dict:
    """Convenience for builders: an officer, with the scrypt hash of their PIN if given
    (the PIN itself never leaves the hub)."""
    record = {"type": "officer", "op": "upsert", "officer_id": officer_id, "nik": nik,
              "name": name, "active": active}
    if pin is not None:
        record["pin_hash"] = hash_pin(pin)
    return record
