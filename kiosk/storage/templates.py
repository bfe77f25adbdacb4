"""Templates (and exception images) encrypted at rest with AES-256-GCM.

The key is derived (HKDF-SHA256) from the device secret, a file kept apart from
the database. The associated data binds each blob to its NIK, finger and
matcher version: a blob copied onto another person's row does not decrypt.

The face template lives in the same table under the slot ``FACE_SLOT`` (fingers
are 0..9), so the (nik, finger) key and the binding need no schema change.
"""

from __future__ import annotations

from ..security.crypto import InvalidTag, aead_decrypt, aead_encrypt, hkdf

FACE_SLOT = 10  # the "finger" of a person's face template


class CorruptTemplate(Exception):
    """A stored template does not decrypt (damaged, moved to another row, wrong key)."""


class TemplateVault:
    def __init__(self, device_secret: bytes):
        self._key = hkdf(bytes(device_secret), b"sidik/template-key/v1")

    @staticmethod
    def _ad(kind: str, nik: str, finger: int, matcher: str = "") -> bytes:
        return f"sidik-{kind}/v1|{nik}|{int(finger)}|{matcher}".encode()

    def seal(self, nik: str, finger: int, matcher: str, template: bytes) -> bytes:
        return aead_encrypt(self._key, template, self._ad("template", nik, finger, matcher))

    def open(self, nik: str, finger: int, matcher: str, blob: bytes) -> bytes:
        try:
            return aead_decrypt(self._key, bytes(blob), self._ad("template", nik, finger,
                                                                 matcher))
        except InvalidTag:
            raise CorruptTemplate(f"template of finger {finger} does not decrypt") from None

    def seal_image(self, nik: str, finger: int, image: bytes) -> bytes:
        return aead_encrypt(self._key, image, self._ad("image", nik, finger))

    def open_image(self, nik: str, finger: int, blob: bytes) -> bytes:
        try:
            return aead_decrypt(self._key, bytes(blob), self._ad("image", nik, finger))
        except InvalidTag:
            raise CorruptTemplate(f"exception image of finger {finger} does not decrypt") from None
