"""Time as the kiosk sees it: wall clock, monotonic clock, and whether NTP has synced.

Injected everywhere time is recorded, so tests fix it and events say how far
their timestamps can be trusted (a Pi has no battery-backed clock: until NTP
syncs after boot, wall time may be far off; the monotonic time and boot id
still order events within one boot).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

# systemd-timesyncd creates this file once the clock is synchronised.
TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


class Clock:
    def wall_ns(self) -> int:
        return time.time_ns()

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()

    def synchronised(self) -> bool:
        return TIMESYNC_FLAG.exists()

    def boot_id(self) -> str:
        try:
            return BOOT_ID.read_text().strip()
        except OSError:
            return "unknown"

    def stamp(self) -> dict:
        """The time fields of an event."""
        wall = self.wall_ns()
        iso = dt.datetime.fromtimestamp(wall / 1e9, dt.UTC).isoformat(timespec="milliseconds")
        return {"wall": iso.replace("+00:00", "Z"), "mono_ns": self.monotonic_ns(),
                "boot": self.boot_id(), "synced": self.synchronised()}


@dataclass
class FixedClock(Clock):
    """A clock for tests: advances only when told."""

    wall: int = 1_750_000_000 * 10**9
    mono: int = 10**9
    synced: bool = True
    boot: str = "test-boot"

    def wall_ns(self) -> int:
        return self.wall

    def monotonic_ns(self) -> int:
        return self.mono

    def synchronised(self) -> bool:
        return self.synced

    def boot_id(self) -> str:
        return self.boot

    def advance(self, seconds: float) -> None:
        self.wall += int(seconds * 1e9)
        self.mono += int(seconds * 1e9)
