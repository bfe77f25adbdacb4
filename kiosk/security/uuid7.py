"""UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then randomness.

Python 3.11 has no ``uuid.uuid7``. Within one generator the ids are strictly
increasing even when the wall clock stalls or steps back: the 12-bit ``rand_a``
field is used as a counter inside a millisecond (RFC 9562, section 6.2, method 1),
and the timestamp never goes below the last one issued.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable


class UUID7Generator:
    """Monotonic UUIDv7 source; ``now_ms`` and ``random_bytes`` are injectable for tests."""

    def __init__(self, now_ms: Callable[[], int] | None = None,
                 random_bytes: Callable[[int], bytes] = os.urandom):
        self._now_ms = now_ms or (lambda: time.time_ns() // 1_000_000)
        self._random = random_bytes
        self._lock = threading.Lock()
        self._last_ms = -1
        self._counter = 0

    def __call__(self) -> uuid.UUID:
        rand = self._random(10)
        with self._lock:
            ms = self._now_ms()
            if ms > self._last_ms:
                # Start the counter low but random, leaving room to count up.
                self._last_ms, self._counter = ms, int.from_bytes(rand[:2], "big") & 0x3FF
            else:
                self._counter += 1
                if self._counter > 0xFFF:  # 4096 ids in one millisecond: borrow the next one
                    self._last_ms, self._counter = self._last_ms + 1, 0
            ms, counter = self._last_ms, self._counter
        if not 0 <= ms < 1 << 48:
            raise ValueError(f"timestamp {ms} ms does not fit UUIDv7")
        rand_b = int.from_bytes(rand[2:], "big") & ((1 << 62) - 1)
        value = (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand_b
        return uuid.UUID(int=value)


_default = UUID7Generator()


def uuid7() -> uuid.UUID:
    """A new UUIDv7 from the process-wide generator."""
    return _default()


def uuid7_time_ms(value: uuid.UUID | str) -> int:
    """The Unix millisecond timestamp inside a UUIDv7."""
    u = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    if u.version != 7:
        raise ValueError(f"{u} is not a version 7 UUID")
    return u.int >> 80
