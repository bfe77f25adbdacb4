"""Commands from the hub: the schema, signature, freshness and replay checks. Pure.

A command is ``{"cmd": {...}, "sig": ...}``; the hub signs ``b"sidik-cmd/v1\\n"`` +
canonical JSON of ``cmd`` with its Ed25519 key (the key the kiosk trusts for rosters).
Each command names the device, carries the hub's per-device sequence number, a
nonce, and an issue and expiry time (Unix milliseconds). Refused: oversized,
malformed, unsigned, badly signed, for another device, expired, issued in the
future, valid for too long, replayed (nonce or sequence seen) or too old a sequence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..security.crypto import Ed25519PrivateKey, Ed25519PublicKey
from .protocol import CMD_PREFIX, REPLY_PREFIX, ProtocolError, open_envelope, sign_envelope

MAX_COMMAND_BYTES = 64 * 1024
MAX_LIFETIME_MS = 24 * 3600 * 1000
CLOCK_SKEW_MS = 5 * 60 * 1000
SEQ_WINDOW = 256  # a sequence this far below the highest accepted one is stale

# Runtime settings the hub may change, with their type and range.
CONFIG_KEYS: dict[str, tuple[type, float, float]] = {
    "heartbeat_s": (float, 5, 3600),
    "ack_timeout_s": (float, 1, 600),
    "window": (int, 1, 1000),
    "disk_warn_mb": (int, 10, 100_000),
}
REVOKE_KINDS = ("officer", "receipt", "device_key")
COMMAND_TYPES = ("ping", "config.set", "revoke", "roster.status")


@dataclass(frozen=True)
class Command:
    id: str
    device: str
    seq: int
    nonce: str
    issued_at: int
    expires_at: int
    type: str
    args: dict


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise ProtocolError("schema", message)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_args(kind: str, args: dict) -> None:
    if kind in ("ping", "roster.status"):
        _require(not args, f"{kind} takes no arguments")
    elif kind == "config.set":
        values = args.get("values")
        _require(isinstance(values, dict) and values and set(args) == {"values"},
                 "config.set needs a non-empty 'values' object")
        for key, value in values.items():
            _require(key in CONFIG_KEYS, f"config key {key!r} cannot be set remotely")
            kind_, low, high = CONFIG_KEYS[key]
            ok = _is_int(value) if kind_ is int else (_is_int(value) or isinstance(value, float))
            _require(ok and low <= value <= high, f"config {key} must be {kind_.__name__} in "
                     f"[{low}, {high}]")
    elif kind == "revoke":
        _require(args.get("kind") in REVOKE_KINDS, f"revoke kind must be one of {REVOKE_KINDS}")
        _require(isinstance(args.get("id"), str) and 0 < len(args["id"]) <= 128,
                 "revoke needs an id")
        _require(set(args) <= {"kind", "id", "reason"}, "revoke has unknown arguments")
        _require(isinstance(args.get("reason", ""), str), "revoke reason must be text")


def parse_command(payload: bytes, hub_key: Ed25519PublicKey | None, device: str) -> Command:
    """Size, signature, schema and addressee; freshness and replay are the guard's job."""
    body = open_envelope(payload, hub_key, CMD_PREFIX, "cmd", MAX_COMMAND_BYTES)
    _require(body.get("v") == 1, "unknown command version")
    _require(set(body) == {"v", "id", "device", "seq", "nonce", "issued_at", "expires_at",
                           "type", "args"}, "command fields are not the expected ones")
    _require(isinstance(body["id"], str) and 0 < len(body["id"]) <= 64, "bad command id")
    _require(isinstance(body["nonce"], str) and 16 <= len(body["nonce"]) <= 64, "bad nonce")
    for key in ("seq", "issued_at", "expires_at"):
        _require(_is_int(body[key]) and body[key] >= 0, f"{key} must be a whole number")
    _require(body["seq"] >= 1, "seq starts at 1")
    _require(body["type"] in COMMAND_TYPES, f"unknown command type {body['type']!r}")
    _require(isinstance(body["args"], dict), "args must be an object")
    _check_args(body["type"], body["args"])
    if body["device"] != device:
        raise ProtocolError("wrong_device", "command is addressed to another device")
    return Command(body["id"], body["device"], body["seq"], body["nonce"], body["issued_at"],
                   body["expires_at"], body["type"], body["args"])


@dataclass
class ReplayGuard:
    """Nonces seen (kept until they expire) and the sequence numbers accepted recently."""

    high_seq: int = 0
    seqs: set[int] = field(default_factory=set)
    nonces: dict[str, int] = field(default_factory=dict)  # nonce -> expires_at

    def check(self, cmd: Command, now_ms: int) -> None:
        if cmd.expires_at <= cmd.issued_at or cmd.expires_at - cmd.issued_at > MAX_LIFETIME_MS:
            raise ProtocolError("bad_lifetime", "command validity is empty or too long")
        if now_ms >= cmd.expires_at:
            raise ProtocolError("expired", "command has expired")
        if cmd.issued_at > now_ms + CLOCK_SKEW_MS:
            raise ProtocolError("future", "command is issued in the future (clock?)")
        if cmd.nonce in self.nonces or cmd.seq in self.seqs:
            raise ProtocolError("replayed", f"command seq {cmd.seq} was seen before")
        if cmd.seq <= self.high_seq - SEQ_WINDOW:
            raise ProtocolError("stale", f"command seq {cmd.seq} is far below {self.high_seq}")

    def accept(self, cmd: Command, now_ms: int) -> None:
        self.check(cmd, now_ms)
        self.nonces[cmd.nonce] = cmd.expires_at
        self.seqs.add(cmd.seq)
        self.high_seq = max(self.high_seq, cmd.seq)
        self.prune(now_ms)

    def prune(self, now_ms: int) -> None:
        # An expired nonce can go: its command is refused as expired anyway.
        self.nonces = {n: e for n, e in self.nonces.items() if e > now_ms}
        self.seqs = {s for s in self.seqs if s > self.high_seq - SEQ_WINDOW}


def make_command(key: Ed25519PrivateKey, *, device: str, seq: int, type: str, args: dict,
                 nonce: str, issued_at: int, lifetime_ms: int = 3600_000,
                 cmd_id: str | None = None) -> bytes:
    """The hub's side (and the tests'): a signed command."""
    body = {"v": 1, "id": cmd_id or f"{device}:{seq}", "device": device, "seq": seq,
            "nonce": nonce, "issued_at": issued_at, "expires_at": issued_at + lifetime_ms,
            "type": type, "args": args}
    return sign_envelope(key, CMD_PREFIX, "cmd", body)


def make_reply(key: Ed25519PrivateKey, *, device: str, cmd_id: str | None, status: str,
               reason: str | None = None, detail: dict | None = None,
               time_ms: int = 0) -> bytes:
    """The kiosk's signed answer to a command (``status``: ok, refused, error)."""
    return sign_envelope(key, REPLY_PREFIX, "reply", {
        "v": 1, "device": device, "cmd_id": cmd_id, "status": status, "reason": reason,
        "detail": detail or {}, "time": time_ms})


def read_reply(payload: bytes, device_key: Ed25519PublicKey, limit: int = 64 * 1024) -> dict:
    return open_envelope(payload, device_key, REPLY_PREFIX, "reply", limit)
