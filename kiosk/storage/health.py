"""Component health, written by the process that uses a device and read by the reporter.

The kiosk process owns the sensor and the camera; the reporter, a separate process,
sends the heartbeat. They meet in the database's ``device_health`` table: the user
of a component reports what it saw (a capture worked, the sensor stopped answering),
and the reporter reads the latest word with its age. A report that did not change
is written at most once a minute, so healthy operation costs the SD card nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from .db import Database, StorageError

REFRESH_S = 60.0  # rewrite an unchanged report this often, so its age stays meaningful


class HealthBoard:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time):
        self.db = db
        self.clock = clock
        self._written: dict[str, tuple[bool, str, float]] = {}

    def report(self, component: str, ok: bool, **detail) -> None:
        """Record what the user of ``component`` saw. Never raises: health reporting
        must not break the flow that a recipient is in."""
        now = self.clock()
        text = json.dumps(detail, sort_keys=True, default=str)
        last = self._written.get(component)
        if last and last[:2] == (ok, text) and now - last[2] < REFRESH_S:
            return
        try:
            with self.db.write() as conn:
                conn.execute(
                    "INSERT INTO device_health (component, ok, detail, changed_at, seen_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(component) DO UPDATE SET "
                    "changed_at = CASE WHEN ok = excluded.ok AND detail = excluded.detail "
                    "THEN changed_at ELSE excluded.changed_at END, ok = excluded.ok, "
                    "detail = excluded.detail, seen_at = excluded.seen_at",
                    (component, int(ok), text, now, now))
        except StorageError:
            return  # the next report tries again
        self._written[component] = (ok, text, now)

    def read(self, component: str) -> dict:
        """``{"ok", "since_s", "seen_s_ago", **detail}``; ``ok`` None if never reported."""
        rows = self.db.query("SELECT ok, detail, changed_at, seen_at FROM device_health "
                             "WHERE component = ?", (component,))
        if not rows:
            return {"ok": None, "detail": "not reported yet"}
        ok, detail, changed, seen = rows[0]
        now = self.clock()
        return {"ok": bool(ok), **json.loads(detail), "since_s": round(now - changed),
                "seen_s_ago": round(now - seen)}

    def probes(self, components=("sensor", "camera", "matcher")) -> dict[str, Callable]:
        """Heartbeat probes for :class:`kiosk.reporting.reporter.Reporter`."""
        return {c: (lambda c=c: self.read(c)) for c in components}
