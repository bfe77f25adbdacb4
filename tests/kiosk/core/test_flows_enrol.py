"""Enrolment: officer sign-in, quality and consistency, duplicates, exceptions, storage."""

import json

import numpy as np
from core_fixtures import ANI, ANI_ID, BUDI, DEWI, EKO, EKO_ID, STRANGER_ID

from kiosk.flows import actions as A
from kiosk.flows.enrol import EnrolConfig, EnrolFlow
from kiosk.runtime.capture import Hand


def test_enrolled_templates_are_encrypted_and_bound(kiosk):
    store = kiosk.store
    fingers = store.fingers(ANI, kiosk.matcher.version)
    assert [f.status for f in fingers] == ["ok", "ok"] and {f.finger for f in fingers} == {1, 6}
    raw = store.path.read_bytes() + store.path.with_name(store.path.name + "-wal").read_bytes() \
        if store.path.with_name(store.path.name + "-wal").exists() else store.path.read_bytes()
    for f in fingers:
        assert f.template[:16] not in raw  # no plaintext template in the database file
    # A template moved onto another person's row does not decrypt.
    blob = store.db.query("SELECT blob FROM templates WHERE nik = ? AND finger = 1", (ANI,))[0][0]
    store.db.conn.execute("UPDATE templates SET blob = ? WHERE nik = ? AND finger = 1",
                          (blob, BUDI))
    assert {f.finger: f.status for f in store.fingers(BUDI, kiosk.matcher.version)}[1] == \
        "corrupt"
    # Another matcher's templates are not used, but are not lost either.
    assert {f.status for f in store.fingers(ANI, "other-matcher-2")} == {"incompatible"}


def test_enrolment_event_and_officer(kiosk):
    result, _ = kiosk.enrol(DEWI, Hand(STRANGER_ID))
    assert (result.outcome, result.reason) == ("enrolled", "enrolled"), kiosk.last.trace
    ev = kiosk.event(result)
    assert ev["type"] == "enrolment" and ev["officer"]["officer_id"] == "OFF-1"
    assert set(ev["detail"]["fingers"]) == {"1", "6"}
    assert "template" not in json.dumps(ev)
    assert len(kiosk.store.fingers(DEWI, kiosk.matcher.version)) == 2


def test_duplicate_finger_under_another_nik_is_flagged(kiosk):
    result, _ = kiosk.enrol(DEWI, Hand(ANI_ID))
    assert (result.outcome, result.reason) == ("flagged", "duplicate_finger")
    ev = kiosk.event(result)
    assert ev["detail"]["duplicate_of"]["nik_ref"] == kiosk.store.nik_ref(ANI)[0]
    assert ANI not in json.dumps(ev) and ev["score"] >= kiosk.matcher.dedup_threshold
    assert kiosk.store.fingers(DEWI, kiosk.matcher.version) == []


def test_recipient_needs_an_officer(kiosk):
    result, _ = kiosk.enrol(DEWI, Hand(STRANGER_ID), officer=Hand(STRANGER_ID))
    assert (result.outcome, result.reason) == ("referred", "officer_auth_failed")
    assert kiosk.store.fingers(DEWI, kiosk.matcher.version) == []


def test_officer_cannot_enrol_themselves(kiosk):
    result, _ = kiosk.enrol(EKO, Hand(EKO_ID), officer=Hand(EKO_ID))
    assert result.reason == "officer_auth_failed"
    attempts = kiosk.event(result)["attempts"]
    assert any(a["r"] == "self_signoff_refused" for a in attempts)


def test_unreadable_finger_exception_with_image(kiosk):
    """Finger 1 cannot be read: the officer records it (keeping the image), finger 6 enrols."""
    def officer(req):
        assert req.question == "finger_failed" and req.finger == 1
        return A.FingerExceptionMarked(1, "unreadable", "bekas luka", keep_image=True)

    hand = Hand(STRANGER_ID, conditions={1: "sliver"})
    result, _ = kiosk.enrol(DEWI, hand, ask_officer=officer,
                            config=EnrolConfig(order=(1, 6), captures_per_finger=3))
    assert (result.outcome, result.reason) == ("enrolled", "enrolled_with_exceptions")
    ev = kiosk.event(result)
    assert ev["detail"]["exceptions"] == [{"finger": 1, "kind": "unreadable",
                                           "note": "bekas luka", "image_kept": True}]
    ((finger, kind, officer_id, note, kept),) = kiosk.store.exceptions(DEWI)
    assert note == "bekas luka"
    assert (finger, kind, officer_id, kept) == (1, "unreadable", "OFF-1", True)
    blob = kiosk.store.db.query("SELECT image FROM finger_exceptions WHERE nik = ?", (DEWI,))[0][0]
    raw = kiosk.store.vault.open_image(DEWI, 1, blob)
    assert raw.startswith(b"288x256:") and len(raw) == 8 + 288 * 256
    assert [f.finger for f in kiosk.store.fingers(DEWI, kiosk.matcher.version)] == [6]
    # Verification of Dewi then skips the finger without a template.
    subject = kiosk.store.subject(DEWI, "BPNT", "2025-06", kiosk.matcher.version)
    assert subject.exceptions == ((1, "unreadable"),)


def test_same_finger_presented_twice_is_caught(kiosk):
    # Asked for the left index (6), the person puts the right index (1) down again.
    hand = Hand(STRANGER_ID, swap={6: 1})
    answers = iter([A.OfficerChoice("skip")])
    result, _ = kiosk.enrol(DEWI, hand, ask_officer=lambda _r: next(answers),
                            config=EnrolConfig(order=(1, 6), captures_per_finger=4))
    attempts = kiosk.event(result)["attempts"]
    assert any(a["r"] == "same_as_finger:1" for a in attempts)
    assert result.reason == "enrolment_incomplete" or result.outcome == "enrolled"


def _record(nik, officer_id=None, found=True):
    return A.SubjectRecord(nik=nik, found=found, name="X", officer_id=officer_id)


def test_flow_without_devices_missing_finger_and_finish(kiosk):
    """Pure stepping: exceptions for missing fingers up front, then Finish with one finger."""
    m = kiosk.matcher
    flow = EnrolFlow(m, EnrolConfig(order=(1, 6, 0)))
    assert flow.step(A.Start(DEWI))[0] == A.LoadRecord(DEWI, None, None)
    assert flow.step(A.RecordLoaded(_record(DEWI)))[0].kind == "load_officers"
    # No officer enrolled and Dewi is not one: no bootstrap for recipients.
    flow2 = EnrolFlow(m)
    flow2.step(A.Start(DEWI))
    flow2.step(A.RecordLoaded(_record(DEWI)))
    (commit,) = flow2.step(A.OfficersLoaded(()))
    assert commit.decision.reason == "officer_unavailable"
    # The first officer enrols without sign-in (bootstrap).
    flow3 = EnrolFlow(m)
    flow3.step(A.Start(EKO))
    flow3.step(A.RecordLoaded(_record(EKO, officer_id="OFF-1", found=False)))
    actions = flow3.step(A.OfficersLoaded(()))
    assert actions == [A.LoadGallery(exclude_nik=EKO)] and flow3.s.bootstrap
    actions = flow3.step(A.GalleryLoaded(()))
    assert actions[-1] == A.RequestCapture(1, "enrol", 1)
    # Finishing with no finger and no exception is refused.
    assert flow3.step(A.Finish())[0].code == "finish_needs_exception"
    # Left index missing (amputated): recorded up front while finger 1 is being captured.
    assert flow3.step(A.FingerExceptionMarked(6, "missing", "amputasi")) == []
    (commit,) = flow3.step(A.Finish())
    d = commit.decision
    assert (d.outcome, d.reason) == ("enrolled", "enrolled_with_exceptions")
    assert d.officer.officer_id == "bootstrap" and d.detail["bootstrap"]
    assert [(e.finger, e.kind) for e in d.exceptions] == [(6, "missing")]


def test_state_serialises_and_resumes(kiosk, finger_bank):
    from kiosk.flows.verify import VerifyFlow

    flow = VerifyFlow(kiosk.matcher)
    flow.step(A.Start(ANI, "PKH", "2025-Q1"))
    record = kiosk.store.subject(ANI, "PKH", "2025-Q1", kiosk.matcher.version)
    flow.step(A.RecordLoaded(record))
    image = finger_bank(ANI_ID, 1, "faint", 30)
    flow.step(A.FingerCaptured(image))
    state = json.loads(json.dumps(flow.to_dict()))
    assert state["state"] == "capturing" and state["quality_tries"] == 1
    restored = VerifyFlow.from_dict(kiosk.matcher, state)
    assert restored.resume() == [A.LoadRecord(ANI, "PKH", "2025-Q1")]
    (again,) = restored.step(A.RecordLoaded(record))
    assert again == A.RequestCapture(1, "recipient", 2)
    out = restored.step(A.FingerCaptured(finger_bank(ANI_ID, 1, "normal", 31)))
    assert out[-1].kind in ("commit", "request_capture", "prompt")
    assert np.asarray(image).dtype == np.uint8
