"""Device identity (Ed25519), the device secret, and the trusted hub key, on disk.

Layout under the data directory (``--data-dir``, $SIDIK_DATA_DIR, ~/.local/share/sidik)::

    db/sidik.sqlite3          roster, templates (encrypted), claims, events, outbox
    keys/device_ed25519.key   private key, PKCS#8 PEM, mode 0600
    keys/device_ed25519.pub   public key, base64url of the 32 raw bytes
    keys/device_secret        32 random bytes, mode 0600: root of the template and NIK keys
    keys/hub_ed25519.pub      the hub's roster-signing key, base64url

The key folder can live elsewhere (``--key-dir``, $SIDIK_KEY_DIR), e.g. on a
root-only path, so that a copy of the database alone never opens a template.
Keys are created once, at provisioning, and never silently replaced: a new
device key would start a new event chain.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from .crypto import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
    b64url,
    b64url_decode,
    public_key_bytes,
    public_key_from_bytes,
)

SECRET_BYTES = 32


class KeyFileError(Exception):
    """A key file is missing, unreadable, malformed or too open; the message says which."""


class NotProvisioned(KeyFileError):
    """The device has no identity yet."""


def default_data_dir() -> Path:
    env = os.environ.get("SIDIK_DATA_DIR")
    return Path(env) if env else Path.home() / ".local" / "share" / "sidik"


@dataclass(frozen=True)
class DataPaths:
    data_dir: Path
    key_dir: Path

    @classmethod
    def resolve(cls, data_dir: str | Path | None = None,
                key_dir: str | Path | None = None) -> DataPaths:
        base = Path(data_dir) if data_dir else default_data_dir()
        keys = key_dir or os.environ.get("SIDIK_KEY_DIR") or base / "keys"
        return cls(base, Path(keys))

    @property
    def db(self) -> Path:
        return self.data_dir / "db" / "sidik.sqlite3"

    @property
    def device_key(self) -> Path:
        return self.key_dir / "device_ed25519.key"

    @property
    def device_pub(self) -> Path:
        return self.key_dir / "device_ed25519.pub"

    @property
    def device_secret(self) -> Path:
        return self.key_dir / "device_secret"

    @property
    def hub_pub(self) -> Path:
        return self.key_dir / "hub_ed25519.pub"


def key_id(public: Ed25519PublicKey | bytes) -> bytes:
    """8-byte fingerprint of a public key (names the key inside receipts)."""
    raw = public if isinstance(public, bytes) else public_key_bytes(public)
    return hashlib.sha256(raw).digest()[:8]


def device_id_for(public: Ed25519PublicKey | bytes) -> str:
    """Stable printable device id derived from the public key."""
    raw = public if isinstance(public, bytes) else public_key_bytes(public)
    digest = hashlib.sha256(b"sidik-device:" + raw).digest()[:10]
    return "SDK-" + base64.b32encode(digest).decode("ascii")


@dataclass(frozen=True)
class DeviceIdentity:
    private_key: Ed25519PrivateKey
    public_key: Ed25519PublicKey
    device_id: str

    @property
    def key_id(self) -> bytes:
        return key_id(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    @classmethod
    def from_private(cls, private: Ed25519PrivateKey) -> DeviceIdentity:
        public = private.public_key()
        return cls(private, public, device_id_for(public))


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write a file that must not exist yet, durably, with ``mode`` from the start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if the file appeared meanwhile: never overwrite a key
    finally:
        tmp.unlink()
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_private(path: Path, what: str) -> bytes:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise NotProvisioned(f"{what} {path} is missing: the device is not provisioned") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{what} {path} is readable by others (mode {st.st_mode & 0o777:o}); "
                        f"run: chmod 600 {path}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read {what} {path}: {exc.strerror}") from None


def is_provisioned(paths: DataPaths) -> bool:
    return paths.device_key.exists() and paths.device_secret.exists()


def provision(paths: DataPaths, hub_public_key: bytes | None = None) -> DeviceIdentity:
    """Create the device key pair and secret (and trust a hub key); never overwrites.

    The provisioning command (a later issue) calls this; ``kiosk`` commands call it
    on a fresh data directory.
    """
    if paths.device_key.exists() or paths.device_secret.exists():
        raise KeyFileError(f"the device in {paths.key_dir} is already provisioned; "
                        "keys are never replaced (a new key would start a new event chain)")
    paths.key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    _write_new(paths.device_secret, secrets.token_bytes(SECRET_BYTES), 0o600)
    _write_new(paths.device_key, pem, 0o600)
    _write_new(paths.device_pub, (b64url(public_key_bytes(private)) + "\n").encode(), 0o644)
    if hub_public_key is not None:
        trust_hub_key(paths, hub_public_key)
    return DeviceIdentity.from_private(private)


def load_identity(paths: DataPaths) -> DeviceIdentity:
    pem = _read_private(paths.device_key, "device key")
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"device key {paths.device_key} is damaged: {exc}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyFileError(f"device key {paths.device_key} is not an Ed25519 key")
    return DeviceIdentity.from_private(private)


def load_device_secret(paths: DataPaths) -> bytes:
    secret = _read_private(paths.device_secret, "device secret")
    if len(secret) != SECRET_BYTES:
        raise KeyFileError(f"device secret {paths.device_secret} has {len(secret)} bytes, "
                        f"expected {SECRET_BYTES}")
    return secret


def read_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file: base64url of the 32 raw bytes (the format written here)."""
    try:
        raw = b64url_decode(path.read_text().strip())
        return public_key_from_bytes(raw)
    except FileNotFoundError:
        raise KeyFileError(f"public key file {path} does not exist") from None
    except (ValueError, OSError) as exc:
        raise KeyFileError(f"{path} is not an Ed25519 public key: {exc}") from None


def load_hub_key(paths: DataPaths) -> Ed25519PublicKey | None:
    return read_public_key(paths.hub_pub) if paths.hub_pub.exists() else None


def trust_hub_key(paths: DataPaths, raw: bytes) -> Ed25519PublicKey:
    """Record the hub's roster key; a different key than the one trusted is refused."""
    key = public_key_from_bytes(raw)
    current = load_hub_key(paths)
    if current is not None:
        if public_key_bytes(current) != raw:
            raise KeyFileError(f"a different hub key is already trusted ({paths.hub_pub}); "
                            "replacing it needs re-provisioning")
        return current
    _write_new(paths.hub_pub, (b64url(raw) + "\n").encode(), 0o644)
    return key
