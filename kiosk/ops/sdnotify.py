"""systemd's notify protocol: READY, STATUS, STOPPING and the watchdog heartbeat.

The kiosk unit is ``Type=notify`` with ``WatchdogSec``: systemd restarts the kiosk
when its main loop stops calling :meth:`Notifier.watchdog` (a hung capture thread
does not count, a hung screen does). Without ``$NOTIFY_SOCKET`` (a terminal, the
tests, the demo) every call does nothing. Speaks the datagram protocol directly,
so no libsystemd binding is needed.
"""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, address: str | None, watchdog_usec: int | None = None,
                 clock=time.monotonic):
        self.address = address
        self.interval = watchdog_usec / 1e6 / 2 if watchdog_usec else None
        self.clock = clock
        self._last_ping = None
        self._sock = None
        if address:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    @classmethod
    def from_env(cls, environ=os.environ) -> Notifier:
        """As systemd started us; the watchdog only if it is meant for this process."""
        address = environ.get("NOTIFY_SOCKET") or None
        usec = environ.get("WATCHDOG_USEC")
        pid = environ.get("WATCHDOG_PID")
        watchdog = int(usec) if usec and usec.isdigit() and (
            not pid or pid == str(os.getpid())) else None
        return cls(address, watchdog)

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    @property
    def watchdog_enabled(self) -> bool:
        return self.enabled and self.interval is not None

    def send(self, *fields: str) -> bool:
        if self._sock is None:
            return False
        address = self.address
        if address.startswith("@"):  # abstract namespace
            address = "\0" + address[1:]
        try:
            self._sock.sendto("\n".join(fields).encode(), address)
            return True
        except OSError as exc:  # systemd gone or restarting: never a reason to stop the kiosk
            log.debug("sd_notify failed: %s", exc)
            return False

    def ready(self, status: str | None = None) -> bool:
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={text}")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")

    def watchdog(self) -> bool:
        """Call from the main loop as often as you like; pings at half the watchdog period."""
        if not self.watchdog_enabled:
            return False
        now = self.clock()
        if self._last_ping is not None and now - self._last_ping < self.interval:
            return False
        self._last_ping = now
        return self.send("WATCHDOG=1")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
