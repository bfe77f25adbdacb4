"""Check an event chain: order, hash links, body hashes and signatures.

Pure: rows in, a report out. The report names the first event that does not
check out and why; everything before it is trustworthy, nothing after it is
vouched for. A missing tail cannot be seen from the chain alone: the hub
compares its acknowledged high-water mark (outbox) with the device's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from .crypto import Ed25519PublicKey, sha256_hex, verify_signature
from .events import SIGNING_PREFIX, genesis_hash


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: str
    reason: str  # gap, unreadable, mismatch, hash_mismatch, bad_signature, broken_link
    message: str


@dataclass(frozen=True)
class ChainReport:
    count: int  # events that checked out, from the start
    last_seq: int
    last_hash: str
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_chain(rows: Iterable[tuple[int, str, bytes, bytes, str]],
                 public_key: Ed25519PublicKey, device_id: str) -> ChainReport:
    """``rows``: (seq, event_id, body, signature, stored hash), ordered by seq."""
    expected, prev, count = 1, genesis_hash(device_id), 0

    def broken(seq, event_id, reason, message):
        return ChainReport(count, expected - 1, prev, ChainBreak(seq, event_id, reason, message))

    for seq, event_id, body, signature, stored_hash in rows:
        body = bytes(body)
        if seq != expected:
            what = "missing" if seq > expected else "repeated or out of order"
            return broken(seq, event_id, "gap",
                          f"event seq {expected} is {what} (found seq {seq} next)")
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return broken(seq, event_id, "unreadable", f"event seq {seq}: body is not JSON")
        if (not isinstance(payload, dict) or payload.get("seq") != seq
                or payload.get("event_id") != event_id or payload.get("device_id") != device_id):
            return broken(seq, event_id, "mismatch",
                          f"event seq {seq}: body does not match its row or this device")
        digest = sha256_hex(body)
        if digest != stored_hash:
            return broken(seq, event_id, "hash_mismatch",
                          f"event seq {seq}: stored hash differs from the body's hash")
        if not verify_signature(public_key, bytes(signature), SIGNING_PREFIX + body):
            return broken(seq, event_id, "bad_signature",
                          f"event seq {seq}: signature does not verify with the device key")
        if payload.get("prev_hash") != prev:
            return broken(seq, event_id, "broken_link",
                          f"event seq {seq}: prev_hash does not match event seq {seq - 1}")
        prev, expected, count = digest, expected + 1, count + 1
    return ChainReport(count, expected - 1, prev, None)
