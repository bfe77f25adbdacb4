"""Scripted journeys through the real screen, the simulated sensor and the store."""

from __future__ import annotations

from kiosk.ui import demo_world

ANI, CITRA, DEWI, SRI = (p.nik for p in demo_world.PEOPLE if p.name.split()[0] in
                         ("Ani", "Citra", "Dewi", "Sri"))


def test_first_time_recipient_is_verified(journey):
    journey.start("id")
    journey.shot("nik")
    journey.type_nik(ANI)
    journey.tap("ok")
    journey.wait_for("card")
    assert journey.view.card["name"] == "Ani Suryani"
    assert any("PKH" in p for p in journey.view.card["programmes"])
    journey.tap("yes")
    journey.wait_for("result")
    result = journey.view.result
    assert result.outcome == "accepted" and result.reason == "matched"
    assert "finger" in journey.seen
    assert journey.app.store.event(result.event_id)["modality"] == "fingerprint"
    health = journey.app.store.health.read("sensor")  # for the reporter's heartbeat
    assert health["ok"] is True
    journey.tap("receipt")
    assert journey.view.screen == "receipt"
    journey.shot("receipt")
    journey.tap("done")
    assert journey.view.screen == "idle" and journey.view.result is None


def test_ineligible_person_is_told_why(journey):
    journey.start("id")
    journey.type_nik(CITRA)
    journey.tap("ok")
    journey.wait_for("result")
    result = journey.view.result
    assert (result.outcome, result.reason) == ("rejected", "deceased")
    assert "card" not in journey.seen and "finger" not in journey.seen  # no biometric taken
    said = " ".join(t.text for t in journey.app.canvas.texts)
    assert "meninggal" in said and "petugas desa" in said  # why, and where to go next
    journey.shot("ineligible")


def test_worn_finger_goes_down_the_ladder_to_the_officer(journey):
    journey.start("id")
    journey.type_nik(SRI)
    journey.tap("ok")
    journey.wait_for("card")
    journey.tap("yes")
    journey.wait_for("officer_decide", limit=60)
    assert journey.view.officer_mode
    bar_colour = journey.app.surface.get_at((2, 2))[:3]
    assert bar_colour == (250, 176, 40)  # officer mode is visible: the orange bar
    journey.shot("officer_decide")
    journey.tap("choice:approve")
    assert journey.view.screen == "officer_reason"
    journey.tap("reason:worn_fingerprints")
    journey.wait_for("result")
    result = journey.view.result
    assert (result.outcome, result.reason) == ("accepted", "officer_approved")
    assert journey.view.officer_assisted
    assert any(t.text == "Dibantu petugas" for t in journey.app.canvas.texts)
    event = journey.app.store.event(result.event_id)
    assert event["modality"] == "officer"
    rungs = [(r["rung"], r["status"]) for r in event["ladder"]]
    assert rungs[0][1] == "exhausted" and rungs[1][1] == "exhausted"
    assert ("officer", "used") in rungs
    journey.shot("officer_result")


def test_language_switch_mid_flow(journey):
    journey.start("id")
    for digit in ANI[:6]:
        journey.touch(f"key:{digit}")  # the touch screen's own events
    assert journey.view.nik == ANI[:6]  # each touch taken once
    assert any("KTP" in t.text for t in journey.app.canvas.texts)
    journey.tap("lang")
    assert journey.view.screen == "language"
    journey.tap("lang:en")
    assert journey.view.screen == "nik" and journey.view.nik == ANI[:6]  # nothing lost
    texts = " ".join(t.text for t in journey.app.canvas.texts)
    assert "ID card" in texts and "Next" in texts
    journey.type_nik(ANI[6:])
    journey.tap("ok")
    journey.wait_for("card")
    journey.tap("lang")
    journey.tap("lang:jv")
    assert journey.view.screen == "card"
    assert any("Inggih" in t.text for t in journey.app.canvas.texts)
    journey.tap("yes")
    journey.wait_for("result")
    assert journey.view.result.outcome == "accepted"
    assert any("Kasil" in t.text for t in journey.app.canvas.texts)


def test_inactivity_wipes_the_screen(journey):
    journey.start("en")
    journey.type_nik(ANI)
    journey.tap("ok")
    journey.wait_for("card")
    assert journey.view.card["name"] == "Ani Suryani"
    journey.clock.advance(46)
    journey.tick()
    assert journey.view.screen == "idle"
    assert journey.view.nik == "" and journey.view.card is None and journey.view.lang == "id"
    texts = " ".join(t.text for t in journey.app.canvas.texts)
    assert "Ani" not in texts and ANI[:4] not in texts.replace(" ", "")
    # The abandoned session is recorded as cancelled by the person, not lost.
    deadline_ticks = 500
    while not journey.app.driver.idle() and deadline_ticks:
        journey.tick()
        deadline_ticks -= 1
    rows = journey.app.store.db.query("SELECT body FROM events ORDER BY seq DESC LIMIT 1")
    assert b'"cancelled"' in bytes(rows[0][0])
    journey.tick()
    assert journey.view.screen == "idle"  # the late cancellation result is not shown


def test_nik_keypad_corrects_and_explains_mistakes(journey):
    journey.start("id")
    journey.type_nik("32010155019000011")  # one digit too many: the 17th is not taken
    assert journey.view.nik == ANI
    journey.tap("key:del")
    journey.tap("key:del")
    assert journey.view.nik == ANI[:14]
    journey.tap("ok")  # 14 digits: the flow says what is wrong, in words
    journey.wait_for("nik")
    texts = " ".join(t.text for t in journey.app.canvas.texts)
    assert "16 angka" in texts and "14" in texts
    assert journey.view.nik == ANI[:14]  # kept, to correct rather than retype
    journey.type_nik(ANI[14:])
    journey.tap("ok")
    journey.wait_for("card")
