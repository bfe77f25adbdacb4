"""Per-claim false-match rate: an impostor's several tries share one FMR budget.

A claim allows ``match_attempts`` captures on each enrolled finger, so each comparison
must clear the matcher's threshold for ``claim_fmr`` divided by that many comparisons.
"""

from __future__ import annotations

import numpy as np
import pytest
from core_fixtures import ANI, PERIOD

from kiosk.biometrics.fingerprint.interface import QualityReport
from kiosk.flows import actions as A
from kiosk.flows.verify import VerifyConfig, VerifyFlow
from kiosk.roster.eligibility import Entitlement


class TableFingers:
    """A matcher whose threshold grows as the asked FMR shrinks; the first pixel is the score."""

    version = "table-finger-1"
    verify_threshold = 0.30
    dedup_threshold = 0.80

    def __init__(self):
        self.asked: list[float] = []

    def verify_threshold_at(self, fmr: float) -> float:
        self.asked.append(fmr)
        return 0.30 + 0.05 * np.log10(1e-4 / fmr) if fmr < 1e-4 else 0.30

    def quality(self, image):
        return QualityReport(0.9, True)

    def extract(self, image):
        return bytes([int(image.flat[0])])

    def compare(self, probe, reference):
        return probe[0] / 100.0


def record(fingers: int) -> A.SubjectRecord:
    return A.SubjectRecord(
        nik=ANI, found=True, name="Ani", entitlements=(Entitlement("PKH", PERIOD, True),),
        fingers=tuple(A.FingerTemplate(f, "ok", b"\x01", 0.9) for f in (1, 6, 0)[:fingers]))


def first_capture(flow: VerifyFlow, fingers: int, score: float) -> list:
    flow.step(A.Start(ANI, "PKH", PERIOD))
    flow.step(A.RecordLoaded(record(fingers)))
    return flow.step(A.FingerCaptured(np.full((4, 4), round(score * 100), np.uint8)))


@pytest.mark.parametrize("fingers", [1, 2, 3])
def test_each_comparison_gets_its_share_of_the_claim_fmr(fingers):
    m = TableFingers()
    flow = VerifyFlow(m)
    first_capture(flow, fingers, 0.99)
    assert m.asked == [pytest.approx(1e-4 / (3 * fingers))]
    assert flow.s.capture_threshold == pytest.approx(m.verify_threshold_at(1e-4 / (3 * fingers)))


def test_a_score_between_the_two_thresholds_is_a_no_match_and_recorded_so():
    flow = VerifyFlow(TableFingers())
    actions = first_capture(flow, 2, 0.31)  # above 0.30 (one comparison), below 0.339 (six)
    assert not any(isinstance(a, A.Commit) for a in actions)
    assert flow.s.match_tries == 1
    (commit,) = [a for a in first_capture(VerifyFlow(TableFingers()), 2, 0.35)
                 if isinstance(a, A.Commit)]
    d = commit.decision
    assert (d.outcome, d.modality) == ("accepted", "fingerprint")
    assert d.threshold == pytest.approx(0.30 + 0.05 * np.log10(6))  # what was applied


def test_claim_fmr_none_keeps_the_single_comparison_threshold():
    flow = VerifyFlow(TableFingers(), VerifyConfig(claim_fmr=None))
    actions = first_capture(flow, 2, 0.31)
    assert any(isinstance(a, A.Commit) for a in actions)
