"""Small cryptographic building blocks over the ``cryptography`` package.

Canonical JSON is what gets signed and hashed: sorted keys, no spaces, UTF-8,
no NaN. Verifiers check signatures over the stored bytes and never re-serialise,
so other languages only have to parse it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "InvalidSignature",
    "InvalidTag",
    "aead_decrypt",
    "aead_encrypt",
    "b64url",
    "b64url_decode",
    "canonical_json",
    "hkdf",
    "keyed_hash",
    "public_key_bytes",
    "public_key_from_bytes",
    "sha256_hex",
    "verify_signature",
]


def canonical_json(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError("base64url text expected")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hkdf(secret: bytes, info: bytes, length: int = 32, salt: bytes = b"sidik/v1") -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def keyed_hash(key: bytes, message: str) -> str:
    """HMAC-SHA256, 128 bits as base64url: a pseudonym that cannot be brute-forced
    from the small NIK space without the key."""
    return b64url(hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()[:16])


def aead_encrypt(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """AES-256-GCM: 12-byte random nonce || ciphertext || 16-byte tag."""
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def aead_decrypt(key: bytes, blob: bytes, associated: bytes) -> bytes:
    """Raises InvalidTag when the blob, key or associated data do not fit together."""
    if len(blob) < 12 + 16:
        raise InvalidTag()
    return AESGCM(key).decrypt(blob[:12], blob[12:], associated)


def public_key_bytes(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_signature(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
