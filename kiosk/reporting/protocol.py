"""The wire protocol between kiosk and hub: topics, broker URLs, message codecs. Pure.

Topics: ``sidik/v1/<village>/<device>/<kind>``. Every message is JSON; what one
side asserts to the other is signed (Ed25519) over a domain prefix plus
canonical JSON, so a message meant for one purpose cannot be replayed as another.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..security.crypto import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
    b64url,
    b64url_decode,
    canonical_json,
    verify_signature,
)

ROOT = "sidik/v1"
KINDS = ("events", "ack", "status", "cmd", "cmd-reply", "roster")
# Kiosk -> hub and hub -> kiosk; the broker's ACL mirrors this split.
KIOSK_WRITES = ("events", "status", "cmd-reply")
KIOSK_READS = ("ack", "cmd", "roster")

ACK_PREFIX = b"sidik-ack/v1\n"
CMD_PREFIX = b"sidik-cmd/v1\n"
REPLY_PREFIX = b"sidik-cmd-reply/v1\n"
STATUS_PREFIX = b"sidik-status/v1\n"

_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ProtocolError(ValueError):
    """A message that does not fit the protocol; ``reason`` is a short code for logs."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def check_segment(value: str, what: str) -> str:
    """Village codes and device ids become topic levels: no wildcards, no slashes."""
    if not isinstance(value, str) or not _SEGMENT.match(value):
        raise ValueError(f"{what} {value!r} is not usable in a topic (letters, digits, _ . -)")
    return value


def topic(village: str, device: str, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown topic kind {kind!r}")
    return f"{ROOT}/{check_segment(village, 'village')}/{check_segment(device, 'device')}/{kind}"


def parse_topic(name: str) -> tuple[str, str, str]:
    """Topic -> (village, device, kind); ProtocolError when it is not one of ours."""
    parts = name.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != ROOT or parts[4] not in KINDS:
        raise ProtocolError("bad_topic", f"not a Sidik topic: {name[:120]!r}")
    try:
        check_segment(parts[2], "village")
        check_segment(parts[3], "device")
    except ValueError as exc:
        raise ProtocolError("bad_topic", str(exc)) from None
    return parts[2], parts[3], parts[4]


def subscription(kind: str, village: str = "+", device: str = "+") -> str:
    return f"{ROOT}/{village}/{device}/{kind}"


@dataclass(frozen=True)
class BrokerURL:
    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None


def parse_broker_url(url: str) -> BrokerURL:
    """``mqtt://[user:pass@]host[:1883]`` or ``mqtts://...[:8883]``."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ValueError(f"broker URL {url!r} must start with mqtt:// or mqtts://")
    if not parts.hostname:
        raise ValueError(f"broker URL {url!r} has no host")
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise ValueError(f"broker URL {url!r} has a bad port") from None
    return BrokerURL(parts.hostname, port, tls,
                     unquote(parts.username) if parts.username else None,
                     unquote(parts.password) if parts.password else None)


def _loads(payload: bytes, limit: int, what: str) -> dict:
    if len(payload) > limit:
        raise ProtocolError("oversized", f"{what} of {len(payload)} bytes exceeds {limit}")
    try:
        obj = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("malformed", f"{what} is not JSON") from None
    if not isinstance(obj, dict):
        raise ProtocolError("malformed", f"{what} is not a JSON object")
    return obj


def sign_envelope(key: Ed25519PrivateKey, prefix: bytes, field: str, body: dict) -> bytes:
    return canonical_json({field: body, "sig": b64url(key.sign(prefix + canonical_json(body)))})


def open_envelope(payload: bytes, key: Ed25519PublicKey | None, prefix: bytes, field: str,
                  limit: int) -> dict:
    """Check size, shape and signature of ``{field: {...}, "sig": ...}``; the inner object."""
    outer = _loads(payload, limit, field)
    body, sig = outer.get(field), outer.get("sig")
    if not isinstance(body, dict):
        raise ProtocolError("malformed", f"{field} message has no {field} object")
    if not isinstance(sig, str):
        raise ProtocolError("unsigned", f"{field} message is not signed")
    if key is None:
        raise ProtocolError("untrusted", f"no key to check the {field} message with")
    try:
        raw_sig = b64url_decode(sig)
        signed = prefix + canonical_json(body)
    except (ValueError, TypeError):
        raise ProtocolError("malformed", f"{field} signature or body is not encodable") from None
    if not verify_signature(key, raw_sig, signed):
        raise ProtocolError("bad_signature", f"{field} signature does not verify")
    return body


# ---- events (kiosk -> hub) ----------------------------------------------------------------------
def encode_event(body: bytes, signature: bytes) -> bytes:
    """The signed body travels as a string, so the hub checks exactly the bytes signed."""
    return json.dumps({"v": 1, "body": body.decode("utf-8"), "sig": b64url(signature)},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_event(payload: bytes, limit: int) -> tuple[bytes, bytes]:
    obj = _loads(payload, limit, "event")
    body, sig = obj.get("body"), obj.get("sig")
    if not isinstance(body, str):
        raise ProtocolError("malformed", "event message has no body")
    if not isinstance(sig, str):
        raise ProtocolError("unsigned", "event message is not signed")
    try:
        return body.encode("utf-8"), b64url_decode(sig)
    except ValueError:
        raise ProtocolError("malformed", "event signature is not base64url") from None


# ---- acknowledgements (hub -> kiosk) -------------------------------------------------------------
def make_ack(key: Ed25519PrivateKey, device: str, events: list[tuple[int, str]],
             next_seq: int) -> bytes:
    """``events``: (seq, event_id) now in the hub's books; ``next_seq``: what it expects next."""
    return sign_envelope(key, ACK_PREFIX, "ack", {
        "v": 1, "device": device, "events": [[s, e] for s, e in events], "next": next_seq})


def read_ack(payload: bytes, hub_key: Ed25519PublicKey | None, device: str,
             limit: int = 256 * 1024) -> tuple[list[tuple[int, str]], int]:
    body = open_envelope(payload, hub_key, ACK_PREFIX, "ack", limit)
    if body.get("device") != device:
        raise ProtocolError("wrong_device", "acknowledgement names another device")
    events, nxt = body.get("events"), body.get("next")
    if not isinstance(events, list) or not isinstance(nxt, int):
        raise ProtocolError("malformed", "acknowledgement lacks events or next")
    out = []
    for item in events:
        if (not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], int)
                or not isinstance(item[1], str)):
            raise ProtocolError("malformed", "acknowledgement entry is not [seq, event_id]")
        out.append((item[0], item[1]))
    return out, nxt


# ---- presence --------------------------------------------------------------------------------
def status_message(state: str, device: str, **fields) -> bytes:
    """Retained presence/heartbeat. Unsigned on purpose: the last will is fixed at connect
    time and the broker's ACL already binds the topic to the device's certificate."""
    return canonical_json({"v": 1, "state": state, "device": device, **fields})
