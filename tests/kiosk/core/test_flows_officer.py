"""The officer at the verification flow: signing in by PIN, and stepping in at any point.

Driven by hand with a fake matcher (fingers are tiny arrays whose first pixel names
the person), then through the roster and the store for what ends up in the event.
"""

from __future__ import annotations

import numpy as np
import pytest
from core_fixtures import ANI, EKO, FAJAR, PERIOD

from kiosk.biometrics.fingerprint.interface import QualityReport
from kiosk.flows import actions as A
from kiosk.flows.base import UnexpectedEvent
from kiosk.flows.verify import (
    AWAITING_NIK,
    CAPTURING,
    LOADING_OFFICERS,
    OFFICER_AUTH,
    OFFICER_DECIDING,
    OFFICER_PIN,
    VerifyFlow,
)
from kiosk.roster.eligibility import Entitlement
from kiosk.roster.updates import officer_record
from kiosk.security.pin import check_pin, hash_pin, valid_hash

EKO_PIN, FAJAR_PIN = "246810", "1357"
# Cheap parameters: the tests check the logic, not the cost.
FAST = {"n": 2 ** 4, "r": 1, "p": 1}


class FakeFingers:
    version = "fake-finger-1"
    verify_threshold = 0.5
    dedup_threshold = 0.8

    def quality(self, image):
        return QualityReport(0.9, True)

    def extract(self, image):
        return bytes([int(image.flat[0])])

    def compare(self, probe, reference):
        return 1.0 if probe == reference else 0.1


def finger(person: int):
    return np.full((4, 4), person, dtype=np.uint8)


def record() -> A.SubjectRecord:
    return A.SubjectRecord(nik=ANI, found=True, name="Ani",
                           entitlements=(Entitlement("PKH", PERIOD, True),),
                           fingers=(A.FingerTemplate(1, "ok", b"\x07", 0.9),))


def officers(pins: bool = True, fingers: bool = True) -> A.OfficersLoaded:
    entries = (A.GalleryEntry(EKO, 1, b"\x02", "OFF-1"),) if fingers else ()
    with_pin = (A.OfficerPin("OFF-1", EKO, "Eko Prasetyo", hash_pin(EKO_PIN, **FAST)),
                A.OfficerPin("OFF-2", FAJAR, "Fajar Nugroho", hash_pin(FAJAR_PIN, **FAST)))
    return A.OfficersLoaded(entries, pins=with_pin if pins else ())


def at_officer_rung(flow: VerifyFlow, loaded: A.OfficersLoaded | None = None) -> list:
    """Ani's NIK, then someone else's finger three times: the ladder reaches the officer."""
    flow.step(A.Start(ANI, "PKH", PERIOD))
    flow.step(A.RecordLoaded(record()))
    for _ in range(3):
        actions = flow.step(A.FingerCaptured(finger(9)))
    assert flow.state == LOADING_OFFICERS and isinstance(actions[-1], A.LoadOfficers)
    return flow.step(loaded or officers())


def ladder(decision):
    return [(r.rung, r.status, r.reason) for r in decision.ladder]


# ---- the PIN itself ------------------------------------------------------------------------
def test_pin_hash_is_salted_and_checked():
    a, b = hash_pin(EKO_PIN), hash_pin(EKO_PIN)
    assert a != b and a.startswith("scrypt$16384$8$1$") and EKO_PIN not in a
    assert check_pin(EKO_PIN, a) and not check_pin("246811", a)
    assert not check_pin(EKO_PIN, None) and not check_pin(EKO_PIN, "scrypt$nonsense")
    assert valid_hash(a) and not valid_hash("plain") and not valid_hash(None)
    # A roster may not make the kiosk spend a gigabyte on one check.
    assert not valid_hash(a.replace("$16384$", f"${2 ** 20}$"))
    with pytest.raises(ValueError):
        hash_pin("12")  # too short
    with pytest.raises(ValueError):
        hash_pin("12a4")


# ---- signing in by PIN ---------------------------------------------------------------------
def test_officer_signs_in_with_the_right_pin():
    flow = VerifyFlow(FakeFingers())
    actions = at_officer_rung(flow)
    assert flow.state == OFFICER_AUTH and actions[-1] == A.RequestCapture(None, "officer", 1)
    actions = flow.step(A.OfficerUsePin())
    req = actions[-1]
    assert flow.state == OFFICER_PIN and isinstance(req, A.RequestOfficerPin)
    assert req.officers == (("OFF-1", "Eko Prasetyo"), ("OFF-2", "Fajar Nugroho"))
    assert req.tries_left == 3
    actions = flow.step(A.OfficerPinEntered("OFF-1", EKO_PIN))
    assert flow.state == OFFICER_DECIDING
    assert actions[0].code == "officer_authenticated" and "OFF-1" in actions[0].pesan
    assert isinstance(actions[-1], A.RequestOfficerChoice)
    assert actions[-1].choices == ("approve", "deny", "refer")
    (commit,) = flow.step(A.OfficerChoice("approve", "identity_confirmed_ktp"))
    d = commit.decision
    assert (d.outcome, d.reason, d.modality) == ("accepted", "officer_approved", "officer")
    assert (d.officer.officer_id, d.officer.auth, d.officer.score) == ("OFF-1", "pin", None)
    assert ladder(d)[-1] == ("officer", "used", "approve")
    assert [a.compact() for a in d.attempts][-1] == {"p": "officer", "f": None,
                                                      "r": "pin_match"}
    assert EKO_PIN not in repr(A.OfficerPinEntered("OFF-1", EKO_PIN))  # not in any log


def test_finger_sign_in_is_recorded_as_fingerprint():
    flow = VerifyFlow(FakeFingers())
    at_officer_rung(flow)
    flow.step(A.FingerCaptured(finger(2)))
    (commit,) = flow.step(A.OfficerChoice("deny", "impostor_suspected"))
    assert commit.decision.officer.auth == "fingerprint"


def test_three_wrong_pins_close_the_pin_route():
    flow = VerifyFlow(FakeFingers())
    at_officer_rung(flow)
    flow.step(A.OfficerUsePin())
    actions = flow.step(A.OfficerPinEntered("OFF-1", "000000"))
    assert actions[0].code == "officer_pin_wrong" and "2" in actions[0].pesan
    assert actions[-1] == A.RequestOfficerPin(
        (("OFF-1", "Eko Prasetyo"), ("OFF-2", "Fajar Nugroho")), 2, "pin_wrong")
    # An unknown officer id is just a wrong PIN (it says nothing about who exists).
    actions = flow.step(A.OfficerPinEntered("OFF-9", EKO_PIN))
    assert actions[0].code == "officer_pin_wrong" and actions[-1].tries_left == 1
    actions = flow.step(A.OfficerPinEntered("OFF-2", EKO_PIN))  # Eko's PIN, Fajar's name
    assert flow.state == OFFICER_AUTH
    assert actions[0].code == "officer_pin_closed"
    assert actions[-1] == A.RequestCapture(None, "officer", 1)  # the finger is still there
    # Closed for the rest of the session, even with the right PIN.
    actions = flow.step(A.OfficerUsePin())
    assert actions[0].code == "officer_pin_closed" and flow.state == OFFICER_AUTH
    actions = flow.step(A.OfficerPinEntered("OFF-1", EKO_PIN))
    assert actions[0].code == "officer_pin_closed" and flow.state == OFFICER_AUTH
    assert flow.to_dict()["pin_tries"] == 3
    # The officer's finger still works, and the wrong PINs are on the record.
    flow.step(A.FingerCaptured(finger(2)))
    (commit,) = flow.step(A.OfficerChoice("refer", "needs_review"))
    d = commit.decision
    assert d.officer.auth == "fingerprint"
    assert [a.result for a in d.attempts if a.purpose == "officer"] == [
        "pin_wrong", "pin_wrong", "pin_wrong", "match"]


def test_pin_route_back_to_finger_and_self_signoff_refused():
    flow = VerifyFlow(FakeFingers())
    flow.step(A.Start(EKO, "PKH", PERIOD))  # the officer claims for themself
    flow.step(A.RecordLoaded(A.SubjectRecord(
        nik=EKO, found=True, name="Eko", entitlements=(Entitlement("PKH", PERIOD, True),),
        fingers=(A.FingerTemplate(1, "ok", b"\x02", 0.9),), officer_id="OFF-1")))
    for _ in range(3):
        flow.step(A.FingerCaptured(finger(9)))
    flow.step(officers())
    flow.step(A.OfficerUsePin())
    actions = flow.step(A.OfficerUseFinger())
    assert flow.state == OFFICER_AUTH and actions[-1] == A.RequestCapture(None, "officer", 1)
    actions = flow.step(A.OfficerPinEntered("OFF-1", EKO_PIN))
    assert actions[0].code == "officer_self" and flow.state == OFFICER_AUTH
    flow.step(A.OfficerUsePin())
    actions = flow.step(A.OfficerPinEntered("OFF-2", FAJAR_PIN))  # another officer may
    assert flow.state == OFFICER_DECIDING


def test_officers_with_only_a_pin_are_available():
    flow = VerifyFlow(FakeFingers())
    at_officer_rung(flow, officers(fingers=False))
    assert flow.state == OFFICER_AUTH
    flow.step(A.OfficerUsePin())
    flow.step(A.OfficerPinEntered("OFF-2", FAJAR_PIN))
    assert flow.state == OFFICER_DECIDING
    nobody = VerifyFlow(FakeFingers())
    (commit,) = at_officer_rung(nobody, officers(pins=False, fingers=False))
    assert commit.decision.reason == "officer_unavailable"


def test_pin_state_survives_a_restart():
    flow = VerifyFlow(FakeFingers())
    at_officer_rung(flow)
    flow.step(A.OfficerUsePin())
    flow.step(A.OfficerPinEntered("OFF-1", "999999"))
    again = VerifyFlow.from_dict(FakeFingers(), flow.to_dict())
    (load,) = again.resume()
    assert isinstance(load, A.LoadRecord)
    assert again.step(A.RecordLoaded(record())) == [A.LoadOfficers()]
    (req,) = again.step(officers())
    assert isinstance(req, A.RequestOfficerPin) and req.tries_left == 2


# ---- stepping in ---------------------------------------------------------------------------
def test_officer_steps_in_at_the_nik_entry():
    flow = VerifyFlow(FakeFingers())
    flow.step(A.Start(None, "PKH", PERIOD))
    assert flow.state == AWAITING_NIK and flow.accepts(A.OfficerStepIn())
    actions = flow.step(A.OfficerStepIn())
    assert actions[0].code == "officer_step_in" and actions[-1] == A.LoadOfficers()
    flow.step(officers())
    flow.step(A.OfficerUsePin())
    actions = flow.step(A.OfficerPinEntered("OFF-1", EKO_PIN))
    # No NIK, no eligibility checked: the officer can refer, never approve.
    assert actions[-1].choices == ("refer",)
    with pytest.raises(UnexpectedEvent):
        flow.step(A.OfficerChoice("approve", "known_personally"))
    (commit,) = flow.step(A.OfficerChoice("refer", "needs_review", "tidak bisa mengetik"))
    d = commit.decision
    assert (d.outcome, d.reason, d.nik) == ("referred", "officer_referred", None)
    assert ladder(d) == [("officer", "used", "stepped_in")]
    assert d.detail["officer_stepped_in"] == "awaiting_nik"
    assert (d.officer.auth, d.officer.note) == ("pin", "tidak bisa mengetik")
    assert not flow.accepts(A.OfficerStepIn())  # committing


def test_officer_steps_in_during_a_capture():
    flow = VerifyFlow(FakeFingers())
    flow.step(A.Start(ANI, "PKH", PERIOD))
    flow.step(A.RecordLoaded(record()))
    flow.step(A.FingerCaptured(finger(9)))  # one miss, then the officer comes over
    assert flow.state == CAPTURING
    flow.step(A.OfficerStepIn())
    assert flow.state == LOADING_OFFICERS
    flow.step(officers())
    assert flow.state == OFFICER_AUTH and not flow.accepts(A.OfficerStepIn())
    flow.step(A.FingerCaptured(finger(2)))
    actions = flow.step(A.OfficerChoice("approve", "identity_confirmed_ktp"))
    d = actions[0].decision
    assert (d.outcome, d.reason, d.nik) == ("accepted", "officer_approved", ANI)
    assert ladder(d) == [("finger:1", "interrupted", "officer_stepped_in"),
                         ("officer", "used", "stepped_in")]
    assert d.detail["officer_stepped_in"] == "capturing"
    assert d.officer.auth == "fingerprint" and d.claims


def test_step_in_is_refused_where_nobody_waits():
    flow = VerifyFlow(FakeFingers())
    flow.step(A.Start(ANI, "PKH", PERIOD))  # loading the record: the driver is busy
    assert not flow.accepts(A.OfficerStepIn())
    with pytest.raises(UnexpectedEvent):
        flow.step(A.OfficerStepIn())


# ---- through the roster and the store ------------------------------------------------------
@pytest.mark.parametrize("large", [False, True], ids=["in_place", "shadow_tables"])
def test_pin_hash_travels_in_the_signed_roster_into_the_event(store, hub, monkeypatch, large):
    from kiosk.roster import updates
    from kiosk.roster.updates import RosterRejected, import_update

    if large:  # the path a 250,000-person update takes: shadow tables renamed in
        monkeypatch.setattr(updates, "IN_PLACE_MAX", 0)
    records = [officer_record("OFF-1", EKO, "Eko Prasetyo", pin=EKO_PIN),
               officer_record("OFF-2", FAJAR, "Fajar Nugroho")]
    assert EKO_PIN not in str(records)
    envelope, chunks = hub.update(records, 2, kind="delta", base_version=1)
    import_update(store, envelope, chunks, hub.public)
    pins = store.officer_pins()
    assert [(p.officer_id, p.name) for p in pins] == [("OFF-1", "Eko Prasetyo")]
    assert check_pin(EKO_PIN, pins[0].pin_hash)
    bad = dict(records[1], pin_hash="md5$abc")
    envelope, chunks = hub.update([bad], 3, kind="delta", base_version=2)
    with pytest.raises(RosterRejected):
        import_update(store, envelope, chunks, hub.public)

    flow = VerifyFlow(FakeFingers())
    at_officer_rung(flow, A.OfficersLoaded((), pins=tuple(pins)))
    flow.step(A.OfficerUsePin())
    flow.step(A.OfficerPinEntered("OFF-1", EKO_PIN))
    (commit,) = flow.step(A.OfficerChoice("approve", "known_personally"))
    committed = store.commit(commit.decision)
    event = store.event(committed.event_id)
    assert event["officer"]["auth"] == "pin" and event["officer"]["officer_id"] == "OFF-1"
    assert event["ladder"][-1] == {"rung": "officer", "status": "used", "reason": "approve"}
    assert {"p": "officer", "f": None, "r": "pin_match"} in event["attempts"]



def test_a_kiosk_from_before_pins_migrates_and_takes_a_large_update(paths, hub, monkeypatch):
    """Schema 2 (no pin_hash) -> 3: the officers keep their rows, and a large delta (shadow
    tables built from a copy of the live ones, SELECT *) lines up with the new column."""
    import sqlite3

    from core_fixtures import roster_records

    from kiosk.roster import updates
    from kiosk.roster.updates import import_update
    from kiosk.storage.schema import MIGRATIONS
    from kiosk.storage.store import KioskStore

    paths.db.unlink(missing_ok=True)
    paths.db.parent.mkdir(parents=True, exist_ok=True)
    old = sqlite3.connect(paths.db)
    for statement in MIGRATIONS[0] + MIGRATIONS[1]:
        old.execute(statement)
    old.execute("PRAGMA user_version = 2")
    old.commit()
    old.close()
    store = KioskStore.open(paths)
    try:
        envelope, chunks = hub.update(roster_records(), 1)
        import_update(store, envelope, chunks, hub.public)
        assert store.officer_pins() == [] and len(store.officers()) == 2
        monkeypatch.setattr(updates, "IN_PLACE_MAX", 0)
        envelope, chunks = hub.update([officer_record("OFF-2", FAJAR, "Fajar Nugroho",
                                                      pin=FAJAR_PIN)], 2, kind="delta",
                                      base_version=1)
        import_update(store, envelope, chunks, hub.public)
        (pin,) = store.officer_pins()
        assert pin.officer_id == "OFF-2" and check_pin(FAJAR_PIN, pin.pin_hash)
        assert {o.officer_id for o in store.officers()} == {"OFF-1", "OFF-2"}
        assert store.db.query("PRAGMA user_version")[0][0] == len(MIGRATIONS) == 3
    finally:
        store.close()


@pytest.mark.parametrize("reason, code", [("documents_missing", "officer_referred_documents"),
                                          ("needs_review", None)])
def test_sent_home_for_the_ktp_hears_they_can_come_back(reason, code):
    """Referred for a missing KTP: the claim stays open this period, and the person is told
    to come back to the kiosk with it, not sent off to the village office."""
    from kiosk.ui import i18n
    from kiosk.ui.screens import result_text, result_title

    flow = VerifyFlow(FakeFingers())
    at_officer_rung(flow)
    flow.step(A.FingerCaptured(finger(2)))
    # The kiosk restarts while the officer decides: the restored flow says the same.
    flow = VerifyFlow.from_dict(FakeFingers(), flow.to_dict())
    assert flow.state == OFFICER_DECIDING
    (commit,) = flow.step(A.OfficerChoice("refer", reason))
    assert commit.decision.reason == "officer_referred"  # what the hub books is unchanged
    (shown,) = flow.step(A.Committed("e1", 1, "referred", "officer_referred"))
    assert (shown.reason, shown.text_code) == ("officer_referred", code)
    assert result_title(shown) == ("ui.result_come_back" if code else "ui.result_refer")
    if code:
        assert "datang lagi" in shown.pesan and PERIOD in shown.pesan
        for lang in ("id", "en", "jv"):
            text = result_text(lang, shown, "PKH", PERIOD)
            assert text == i18n.text(lang, f"result.{code}", programme="PKH", period=PERIOD)
            assert PERIOD in text
    else:
        assert "kantor desa" in shown.pesan
