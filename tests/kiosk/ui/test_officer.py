"""An officer steps in during a person's capture and signs in with a PIN, on the screen."""

from __future__ import annotations

import threading

from kiosk.runtime.capture import NoCapture
from kiosk.ui import demo_world

BUDI = demo_world.PEOPLE[1].nik


class Gate:
    """A finger source whose captures each wait for the test to let one through; the
    officer never puts a finger down (their captures time out)."""

    def __init__(self, inner):
        self.inner = inner
        self.entered: list[str] = []
        self.arrived = threading.Semaphore(0)
        self.go = threading.Semaphore(0)

    def capture(self, purpose, finger, attempt):
        self.entered.append(purpose)
        self.arrived.release()
        assert self.go.acquire(timeout=30)
        if purpose == "officer":
            raise NoCapture("no_finger")
        return self.inner.capture(purpose, finger, attempt)

    def let_one_through(self) -> None:
        assert self.arrived.acquire(timeout=30), "no capture started"
        self.go.release()


def texts(journey) -> str:
    return " ".join(t.text for t in journey.app.canvas.texts)


def test_officer_steps_in_mid_capture_and_signs_in_with_pin(journey):
    gate = Gate(journey.app.driver.session.fingers)
    journey.app.driver.session.fingers = gate
    journey.start("id")
    journey.type_nik(BUDI)
    journey.tap("ok")
    journey.wait_for("card")
    assert journey.app.canvas.target("step_in") is not None  # on the card too
    journey.tap("yes")
    journey.wait_for("finger")
    step_in = journey.app.canvas.target("step_in")
    assert step_in.rect.h >= 64 and "Petugas" in step_in.label
    journey.tap("step_in")  # the person's capture is still running
    assert journey.view.screen == "wait" and journey.view.officer_mode
    gate.let_one_through()  # it returns; its answer is dropped, the step-in goes in
    journey.wait_for("finger")
    assert journey.view.capture.purpose == "officer" and journey.view.officer_mode
    assert journey.app.canvas.target("step_in") is None  # the officer is here already
    journey.tap("pin")
    gate.let_one_through()  # the officer's finger capture gives up; the keypad comes
    journey.wait_for("officer_pin")
    assert journey.view.pin_officer == "OFF-1"  # the only officer with a PIN: picked
    for digit in "1111":
        journey.tap(f"pin:{digit}")
    assert "* * * *" in texts(journey) and "1111" not in texts(journey).replace(" ", "")
    journey.tap("pin_ok")
    journey.wait_for("officer_pin")
    assert journey.view.pin_wrong and journey.view.pin_tries_left == 2
    assert "Sisa 2" in texts(journey)
    for digit in demo_world.OFFICER_PIN:
        journey.tap(f"pin:{digit}")
    journey.tap("pin_ok")
    journey.wait_for("officer_decide")
    journey.tap("choice:approve")
    journey.tap("reason:identity_confirmed_ktp")
    journey.wait_for("result")
    result = journey.view.result
    assert (result.outcome, result.reason) == ("accepted", "officer_approved")
    event = journey.app.store.event(result.event_id)
    assert event["officer"]["auth"] == "pin" and event["officer"]["officer_id"] == "OFF-1"
    assert event["ladder"][-1] == {"rung": "officer", "status": "used", "reason": "stepped_in"}
    assert event["ladder"][0]["status"] == "interrupted"
    assert event["detail"]["officer_stepped_in"] == "capturing"
    officer = [a["r"] for a in event["attempts"] if a["p"] == "officer"]
    assert officer == ["pin_wrong", "pin_match"]  # the dropped captures are not attempts
    assert gate.entered == ["recipient", "officer"]


def test_officer_steps_in_at_the_nik_screen_and_can_only_refer(journey):
    journey.start("en")
    journey.type_nik(BUDI[:5])  # the person cannot go on
    journey.tap("step_in")
    journey.wait_for("officer_decide", limit=60)  # Eko's finger signs him in
    choices = [t.id for t in journey.app.canvas.targets if t.id.startswith("choice:")]
    assert choices == ["choice:refer"]  # no NIK checked: no approval
    journey.tap("choice:refer")
    journey.tap("reason:needs_review")
    journey.wait_for("result")
    result = journey.view.result
    assert (result.outcome, result.reason) == ("referred", "officer_referred")
    event = journey.app.store.event(result.event_id)
    assert event["ladder"] == [{"rung": "officer", "status": "used", "reason": "stepped_in"}]
    assert event["officer"]["auth"] == "fingerprint"
    assert event["detail"]["officer_stepped_in"] == "awaiting_nik"
