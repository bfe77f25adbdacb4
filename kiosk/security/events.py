"""Signed decision events forming a per-device hash chain.

An event's body is canonical JSON; it carries its ``seq`` (1, 2, ... per device)
and ``prev_hash``, the SHA-256 of the previous body (for seq 1, of a genesis
string naming the device). The device key signs ``b"sidik-event/v1\\n" + body``.
Editing, removing, reordering or inserting an event therefore breaks a hash
link or a signature (see chain.py). See docs/verification_core.md for the fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .crypto import canonical_json, sha256_hex
from .keys import DeviceIdentity

EVENT_FORMAT = 1
SIGNING_PREFIX = b"sidik-event/v1\n"


def genesis_hash(device_id: str) -> str:
    return sha256_hex(b"sidik-genesis:" + device_id.encode("ascii"))


@dataclass(frozen=True)
class SignedEvent:
    seq: int
    event_id: str
    body: bytes
    signature: bytes
    hash: str

    def payload(self) -> dict:
        return json.loads(self.body)


def seal(fields: dict, *, identity: DeviceIdentity, seq: int, prev_hash: str,
         event_id: str) -> SignedEvent:
    """Add the chain fields to ``fields``, serialise canonically and sign."""
    reserved = {"v", "event_id", "device_id", "seq", "prev_hash"} & fields.keys()
    if reserved:
        raise ValueError(f"event fields {sorted(reserved)} are set by the chain")
    body = dict(fields, v=EVENT_FORMAT, event_id=event_id, device_id=identity.device_id,
                seq=seq, prev_hash=prev_hash)
    data = canonical_json(body)
    return SignedEvent(seq, event_id, data, identity.sign(SIGNING_PREFIX + data),
                       sha256_hex(data))
