"""Claim receipts: a small signed token a disbursement point checks offline.

Binary layout (then base45, RFC 9285, so it fits a QR code's alphanumeric mode)::

    u8  format (1)
    8   key id of the device key (SHA-256 of the public key, first 8 bytes)
    16  event id (UUIDv7 of the claim event; its first 48 bits are the time)
    8   salt, 8  first bytes of SHA-256(salt || NIK)
    u8 len + programme (ASCII), u8 len + period (ASCII)
    64  Ed25519 signature over b"sidik-receipt/v1\\n" + everything above

The NIK is not in the token, only a salted tag: whoever holds the person's KTP
can check it matches, a photo of the QR alone does not give the NIK away (at
least not without a brute-force search over NIKs; the tag is short on purpose).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from .crypto import Ed25519PublicKey, verify_signature
from .keys import DeviceIdentity, key_id
from .uuid7 import uuid7_time_ms

FORMAT = 1
PREFIX = "SR1:"
SIGNING_PREFIX = b"sidik-receipt/v1\n"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}


class InvalidReceipt(Exception):
    """The token is malformed, forged, from an unknown device, or for another person."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def base45_encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        c, n = n % 45, n // 45
        out += [_ALPHABET[c], _ALPHABET[n % 45], _ALPHABET[n // 45]]
    if len(data) % 2:
        n = data[-1]
        out += [_ALPHABET[n % 45], _ALPHABET[n // 45]]
    return "".join(out)


def base45_decode(text: str) -> bytes:
    try:
        values = [_INDEX[c] for c in text]
    except KeyError as exc:
        raise ValueError(f"not base45: {exc.args[0]!r}") from None
    if len(values) % 3 == 1:
        raise ValueError("base45 text has a dangling character")
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45
            if n > 0xFFFF:
                raise ValueError("base45 triple out of range")
            out += n.to_bytes(2, "big")
        else:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                raise ValueError("base45 pair out of range")
            out.append(n)
    return bytes(out)


@dataclass(frozen=True)
class Receipt:
    key_id: bytes
    event_id: str
    programme: str
    period: str
    issued_ms: int
    nik_salt: bytes
    nik_tag: bytes

    def matches_nik(self, nik: str) -> bool:
        return hmac.compare_digest(_nik_tag(self.nik_salt, nik), self.nik_tag)


def _nik_tag(salt: bytes, nik: str) -> bytes:
    return hashlib.sha256(salt + nik.encode("ascii", "replace")).digest()[:8]


def _short(text: str, what: str) -> bytes:
    raw = text.encode("ascii")
    if len(raw) > 255:
        raise ValueError(f"{what} too long for a receipt")
    return bytes([len(raw)]) + raw


def issue_receipt(identity: DeviceIdentity, *, event_id: str, nik: str, programme: str,
                  period: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(8)
    body = (bytes([FORMAT]) + identity.key_id + uuid.UUID(event_id).bytes + salt
            + _nik_tag(salt, nik) + _short(programme, "programme") + _short(period, "period"))
    return PREFIX + base45_encode(body + identity.sign(SIGNING_PREFIX + body))


def parse_receipt(token: str) -> tuple[Receipt, bytes, bytes]:
    """Token -> (receipt, signed bytes, signature), without checking the signature."""
    text = token.strip()
    if not text.startswith(PREFIX):
        raise InvalidReceipt("malformed", "not a Sidik receipt (prefix)")
    try:
        raw = base45_decode(text[len(PREFIX):])
        if len(raw) < 1 + 8 + 16 + 16 + 2 + 64 or raw[0] != FORMAT:
            raise ValueError("too short or unknown format")
        body, signature = raw[:-64], raw[-64:]
        pos = 1 + 8 + 16 + 16
        (n,) = struct.unpack_from("B", body, pos)
        programme = body[pos + 1 : pos + 1 + n].decode("ascii")
        pos += 1 + n
        (m,) = struct.unpack_from("B", body, pos)
        period = body[pos + 1 : pos + 1 + m].decode("ascii")
        if pos + 1 + m != len(body) or len(programme) != n or len(period) != m:
            raise ValueError("lengths do not add up")
        event = uuid.UUID(bytes=body[9:25])
        receipt = Receipt(body[1:9], str(event), programme, period, uuid7_time_ms(event),
                          body[25:33], body[33:41])
    except (ValueError, struct.error, UnicodeDecodeError) as exc:
        raise InvalidReceipt("malformed", f"receipt is malformed: {exc}") from None
    return receipt, body, signature


def verify_receipt(token: str, keys: Ed25519PublicKey | Mapping[bytes, Ed25519PublicKey],
                   nik: str | None = None) -> Receipt:
    """Check a receipt offline against one device key or a {key id: key} map.

    With ``nik`` (read from the person's KTP) it also checks the receipt is theirs.
    """
    receipt, body, signature = parse_receipt(token)
    if isinstance(keys, Ed25519PublicKey):
        keys = {key_id(keys): keys}
    public = keys.get(receipt.key_id)
    if public is None:
        raise InvalidReceipt("unknown_device", "receipt signed by an unknown device key")
    if not verify_signature(public, signature, SIGNING_PREFIX + body):
        raise InvalidReceipt("bad_signature", "receipt signature does not verify (forged or "
                             "damaged)")
    if nik is not None and not receipt.matches_nik(nik):
        raise InvalidReceipt("other_person", "receipt belongs to another NIK")
    return receipt
