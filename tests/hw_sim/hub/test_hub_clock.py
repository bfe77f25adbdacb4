"""The hub corrects the time of events decided before the kiosk's clock synchronised,
from a synchronised event of the same boot; events without one say so."""

from hw_sim.hub.clock import corrected_times


def _event(eid, wall, mono_s, boot, synced):
    return {"event_id": eid, "time": {"wall": wall, "mono_ns": int(mono_s * 1e9),
                                      "boot": boot, "synced": synced}}


def test_unsynced_events_anchored_within_their_boot():
    events = [
        # Boot A: the Pi woke in 1970-ish time; NTP answered at mono 100 s.
        _event("a1", "1970-01-01T00:00:30.000Z", 30, "A", False),
        _event("a2", "1970-01-01T00:01:30.000Z", 90, "A", False),
        _event("a3", "2026-11-28T08:00:00.000Z", 100, "A", True),
        _event("a4", "2026-11-28T08:05:00.000Z", 400, "A", True),
        # Boot B: never synchronised.
        _event("b1", "1970-01-01T00:00:10.000Z", 10, "B", False),
    ]
    fixed = corrected_times(events)
    assert fixed["a1"] == {"wall": "2026-11-28T07:58:50.000Z", "method": "anchored"}
    assert fixed["a2"] == {"wall": "2026-11-28T07:59:50.000Z", "method": "anchored"}
    assert fixed["a3"]["method"] == fixed["a4"]["method"] == "synced"
    assert fixed["b1"] == {"wall": "1970-01-01T00:00:10.000Z", "method": "unanchored"}


def test_nearest_anchor_wins():
    events = [_event("s1", "2026-11-28T08:00:00.000Z", 100, "A", True),
              _event("s2", "2026-11-28T09:00:00.500Z", 3700, "A", True),  # clock stepped
              _event("u", "2000-01-01T00:00:00.000Z", 3600, "A", False)]
    assert corrected_times(events)["u"]["wall"] == "2026-11-28T08:58:20.500Z"
