"""The officer's override gated on the evidence: when the person's fingers read well and every
capture scored far below the verify threshold, the officer may deny or refer, not approve.

Driven by hand with a fake matcher: a capture is a tiny array naming the person, the
capture's quality and the score it gets against anyone else's template.
"""

from __future__ import annotations

import numpy as np
import pytest
from core_fixtures import ANI, EKO, PERIOD

from kiosk.biometrics.fingerprint.interface import QualityReport
from kiosk.flows import actions as A
from kiosk.flows.base import UnexpectedEvent
from kiosk.flows.verify import LOADING_OFFICERS, OFFICER_DECIDING, VerifyConfig, VerifyFlow
from kiosk.roster.eligibility import Entitlement


class ScoredFingers:
    version = "fake-scored-1"
    verify_threshold = 0.5  # far below: under 0.6 x 0.5 = 0.3
    dedup_threshold = 0.8

    def quality(self, image):
        return QualityReport(image.flat[1] / 100, True)

    def extract(self, image):
        return bytes(int(x) for x in image.flat[:3])

    def compare(self, probe, reference):
        return 1.0 if probe[0] == reference[0] else probe[2] / 100


def capture(person: int = 9, quality: float = 0.9, score: float = 0.1) -> A.FingerCaptured:
    image = np.zeros((4, 4), np.uint8)
    image.flat[:3] = (person, round(quality * 100), round(score * 100))
    return A.FingerCaptured(image)


def record(fingers=(1, 6)) -> A.SubjectRecord:
    return A.SubjectRecord(nik=ANI, found=True, name="Ani",
                           entitlements=(Entitlement("PKH", PERIOD, True),),
                           fingers=tuple(A.FingerTemplate(f, "ok", b"\x07\x00\x00", 0.9)
                                         for f in fingers))


def to_officer(captures, fingers=(1, 6), config=None) -> tuple[VerifyFlow, list]:
    """Ani's NIK, the given captures (3 a finger), the officer signs in: the choice."""
    flow = VerifyFlow(ScoredFingers(), config or VerifyConfig())
    flow.step(A.Start(ANI, "PKH", PERIOD))
    flow.step(A.RecordLoaded(record(fingers)))
    for c in captures:
        actions = flow.step(c)
    assert flow.state == LOADING_OFFICERS and isinstance(actions[-1], A.LoadOfficers)
    flow.step(A.OfficersLoaded((A.GalleryEntry(EKO, 1, b"\x02\x00\x00", "OFF-1"),)))
    actions = flow.step(capture(person=2))
    assert flow.state == OFFICER_DECIDING and isinstance(actions[-1], A.RequestOfficerChoice)
    return flow, actions


def decided(flow: VerifyFlow, choice: str, reason: str):
    commit = flow.step(A.OfficerChoice(choice, reason, "test"))[-1]
    assert isinstance(commit, A.Commit)
    return commit.decision


def test_good_captures_far_below_on_two_fingers_withhold_approval():
    flow, actions = to_officer([capture(score=0.1)] * 6)
    ask = actions[-1]
    assert ask.choices == ("deny", "refer") and "approve" not in ask.reasons
    codes = [a.code for a in actions if isinstance(a, A.Prompt)]
    assert "officer_strong_mismatch" in codes
    with pytest.raises(UnexpectedEvent):
        flow.step(A.OfficerChoice("approve", "identity_confirmed_kk", None))
    d = decided(flow, "refer", "needs_review")
    assert (d.outcome, d.reason) == ("referred", "officer_referred")
    assert d.detail["strong_mismatch"] == {"captures": 6, "fingers": [1, 6],
                                           "best_score": 0.1, "below": 0.3}


def test_a_capture_near_the_threshold_keeps_approval():
    flow, actions = to_officer([capture(score=0.1)] * 5 + [capture(score=0.4)])
    assert "approve" in actions[-1].choices
    assert "officer_strong_mismatch" not in [a.code for a in actions
                                             if isinstance(a, A.Prompt)]
    d = decided(flow, "approve", "identity_confirmed_ktp")
    assert d.outcome == "accepted" and "strong_mismatch" not in d.detail


def test_poor_readings_count_unless_a_quality_bound_is_set():
    # By default every usable capture far below the threshold is evidence...
    _, actions = to_officer([capture(quality=0.3)] * 6)
    assert "approve" not in actions[-1].choices
    # ...with a bound for a good capture, poor readings are not.
    strict = VerifyConfig(mismatch_quality=0.5)
    _, actions = to_officer([capture(quality=0.3)] * 6, config=strict)
    assert "approve" in actions[-1].choices
    # Good readings of one finger only (two good ones of the second are not enough).
    _, actions = to_officer([capture()] * 3 + [capture(quality=0.3)] * 3, config=strict)
    assert "approve" in actions[-1].choices


def test_one_finger_is_not_strong_evidence():
    # One enrolled finger: one finger's evidence.
    _, actions = to_officer([capture()] * 3, fingers=(1,))
    assert "approve" in actions[-1].choices


def test_the_gate_can_be_switched_off():
    _, actions = to_officer([capture()] * 6, config=VerifyConfig(mismatch_captures=0))
    assert "approve" in actions[-1].choices


def test_resumed_officer_decision_keeps_the_gate():
    flow, _ = to_officer([capture()] * 6)
    again = VerifyFlow.from_dict(ScoredFingers(), flow.to_dict())
    assert again.resume()[-1].choices == ("deny", "refer")
