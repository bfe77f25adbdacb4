"""Device work runs on the flow thread: the screen keeps drawing while a capture hangs,
and a device that fails in an unexpected way ends in a plain message, not a frozen kiosk."""

from __future__ import annotations

import threading

from kiosk.ui import demo_world

ANI = demo_world.PEOPLE[0].nik
BUDI = demo_world.PEOPLE[1].nik


class Held:
    """A finger source whose captures wait until the test lets them go."""

    def __init__(self, inner):
        self.inner = inner
        self.release = threading.Event()
        self.entered = threading.Event()
        self.explode = False

    def capture(self, purpose, finger, attempt):
        self.entered.set()
        assert self.release.wait(30)
        if self.explode:
            raise OSError("USB adapter unplugged mid-transfer")
        return self.inner.capture(purpose, finger, attempt)


def _to_capture(journey, nik):
    held = Held(journey.app.driver.session.fingers)
    journey.app.driver.session.fingers = held
    journey.start("id")
    journey.type_nik(nik)
    journey.tap("ok")
    journey.wait_for("card")
    journey.tap("yes")
    journey.wait_for("finger")
    assert held.entered.wait(30)
    return held


def test_screen_animates_while_a_capture_is_in_progress(journey):
    held = _to_capture(journey, ANI)
    frames = journey.app.frames
    before = journey.app.surface.copy()
    for _ in range(10):
        journey.clock.advance(0.13)
        journey.tick()  # returns although the capture has not
    assert journey.app.frames == frames + 10
    assert journey.view.screen == "finger"
    changed = any(before.get_at((x, y)) != journey.app.surface.get_at((x, y))
                  for x in range(16, 266, 5) for y in range(100, 350, 5))
    assert changed, "the finger animation did not move"
    journey.tap("lang")  # and it still takes touches
    journey.tap("lang:en")
    assert journey.view.screen == "finger" and journey.view.lang == "en"
    held.release.set()
    journey.wait_for("result")
    assert journey.view.result.outcome == "accepted"


def test_unexpected_device_failure_ends_in_a_plain_message(journey):
    held = _to_capture(journey, BUDI)
    held.explode = True
    held.release.set()
    journey.wait_for("result")
    result = journey.view.result
    assert result.outcome == "error"
    texts = " ".join(t.text for t in journey.app.canvas.texts)
    assert "BELUM tercatat" in texts  # nothing recorded, and the person is told so
    journey.tap("done")
    held.explode = False  # the next person: the flow thread is still alive
    journey.start("id")
    journey.type_nik(BUDI)
    journey.tap("ok")
    journey.wait_for("card")
