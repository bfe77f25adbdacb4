"""Officer PINs: a salted, slow hash (scrypt) made on the hub, checked on the kiosk. Pure.

Stored as ``scrypt$n$r$p$salt_b64$hash_b64`` (urlsafe base64, no padding). With
n=2**14, r=8 one check costs about 16 MiB and tens of milliseconds: cheap for one
officer at the screen, expensive for whoever copies the roster and tries every
6-digit PIN. The kiosk also limits wrong PINs per session (the flows).
"""

from __future__ import annotations

import hashlib
import hmac
import os

from .crypto import b64url, b64url_decode

N, R, P, DKLEN, SALT = 2 ** 14, 8, 1, 32, 16
MIN_DIGITS, MAX_DIGITS = 4, 8
# Bounds on parameters read from a roster: a hash may not ask the kiosk for more than this.
MAX_N, MAX_R, MAX_P = 2 ** 17, 16, 4
_DUMMY = None  # compared against when the officer has no PIN, so both take as long


def valid_pin(pin: str) -> bool:
    return isinstance(pin, str) and pin.isascii() and pin.isdigit() and \
        MIN_DIGITS <= len(pin) <= MAX_DIGITS


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=256 * r * n * 2 + 1024 * 1024)


def hash_pin(pin: str, *, salt: bytes | None = None, n: int = N, r: int = R,
             p: int = P) -> str:
    """The stored form of ``pin`` (4 to 8 digits)."""
    if not valid_pin(pin):
        raise ValueError(f"a PIN is {MIN_DIGITS} to {MAX_DIGITS} digits")
    salt = os.urandom(SALT) if salt is None else salt
    return f"scrypt${n}${r}${p}${b64url(salt)}${b64url(_scrypt(pin, salt, n, r, p, DKLEN))}"


def parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    """(n, r, p, salt, hash) of a stored PIN hash; ValueError when malformed or too costly."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        n, r, p = int(n), int(r), int(p)
        salt, digest = b64url_decode(salt), b64url_decode(digest)
    except (AttributeError, ValueError, TypeError) as exc:
        raise ValueError("not a PIN hash") from exc
    if scheme != "scrypt" or n < 2 or n & (n - 1) or n > MAX_N or not 1 <= r <= MAX_R \
            or not 1 <= p <= MAX_P or len(salt) < 8 or len(digest) < 16:
        raise ValueError("not a PIN hash this kiosk accepts")
    return n, r, p, salt, digest


def valid_hash(stored) -> bool:
    try:
        parse(stored)
    except ValueError:
        return False
    return True


def check_pin(pin: str, stored: str | None) -> bool:
    """Whether ``pin`` is the one behind ``stored``; compares in constant time, and takes
    as long when there is no (usable) stored hash, so timing does not say which officers
    have a PIN."""
    global _DUMMY
    try:
        n, r, p, salt, digest = parse(stored)
        usable = True
    except ValueError:
        if _DUMMY is None:
            _DUMMY = hash_pin("0000", salt=b"\0" * SALT)
        n, r, p, salt, digest = parse(_DUMMY)
        usable = False
    candidate = pin if isinstance(pin, str) and pin.isascii() else ""
    same = hmac.compare_digest(_scrypt(candidate, salt, n, r, p, len(digest)), digest)
    return usable and same and valid_pin(pin)
