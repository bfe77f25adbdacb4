"""Correcting the time of events decided before the kiosk's clock was synchronised.

A Raspberry Pi has no battery-backed clock: after a power cut it counts from an old
date until NTP answers, and the kiosk keeps working meanwhile (it refuses nobody for
that). Every event carries its wall time, the monotonic time, the boot id and whether
the clock was synchronised. Within one boot the monotonic clock is right, so an event
decided before synchronisation gets its time from a synchronised event of the same boot:
``anchor.wall + (event.mono - anchor.mono)``. Without such an anchor the device's wall
time is all there is, and the event says so.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left


def _parse(wall: str) -> dt.datetime:
    return dt.datetime.fromisoformat(wall.replace("Z", "+00:00"))


def _iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def corrected_times(payloads: list[dict]) -> dict[str, dict]:
    """event id -> {"wall": ISO time, "method": "synced" | "anchored" | "unanchored"}."""
    anchors: dict[str, list[tuple[int, dt.datetime]]] = {}
    for p in payloads:
        t = p.get("time") or {}
        if t.get("synced") and "mono_ns" in t and t.get("boot"):
            anchors.setdefault(t["boot"], []).append((t["mono_ns"], _parse(t["wall"])))
    for points in anchors.values():
        points.sort(key=lambda a: a[0])
    out = {}
    for p in payloads:
        t = p.get("time") or {}
        if t.get("synced"):
            out[p["event_id"]] = {"wall": t["wall"], "method": "synced"}
            continue
        points = anchors.get(t.get("boot"), [])
        if not points or "mono_ns" not in t:
            out[p["event_id"]] = {"wall": t.get("wall"), "method": "unanchored"}
            continue
        # The nearest synchronised event of the same boot, by monotonic time.
        i = bisect_left(points, t["mono_ns"], key=lambda a: a[0])
        near = min(points[max(0, i - 1):i + 1], key=lambda a: abs(a[0] - t["mono_ns"]))
        wall = near[1] + dt.timedelta(microseconds=(t["mono_ns"] - near[0]) / 1000)
        out[p["event_id"]] = {"wall": _iso(wall), "method": "anchored"}
    return out
