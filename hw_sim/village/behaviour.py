"""How people and the officer behave at the kiosk: seeded, one visit at a time.

The officer assumptions (stated in the report): shown a genuine recipient, the officer
checks the KTP and approves, unless the person came without it (referred,
``documents_missing``; most fetch it and come back later in the period). Shown an
impostor, the officer compares the KTP photo with the face in front of them and denies
most of the time; a relative carries the family's KK and often resembles the owner, so
they slip through more often than a stranger. Some impostors walk away once the
fingerprint has failed and an officer is called. When the kiosk withholds approval (the
fingers read well and are plainly someone else's), the officer refers to the village
office instead: a genuine person and an impostor who would have misled the officer alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.flows.actions import Cancel, OfficerChoice
from kiosk.runtime.capture import Hand

from . import population as pop

NO_KTP = 0.02  # a genuine recipient without their KTP on the day
RETURNS_WITH_KTP = 0.9  # ...who fetches it and comes back within the period
DENY = {"relative": 0.85, "stranger": 0.97}  # officer denies an impostor who stays
IMPOSTOR_WALKS_AWAY = 0.40  # impostor leaves when the officer is called


@dataclass
class VisitHand(Hand):
    """A hand whose every capture may be the wrong finger or pressed off centre."""

    rng: np.random.Generator | None = None
    wrong_finger: float = pop.WRONG_FINGER
    off_centre: float = pop.OFF_CENTRE
    _partial: bool = False

    def presents(self, finger: int | None) -> int:
        f = self.default_finger if finger is None else finger
        self._partial = bool(self.rng.random() < self.off_centre)
        if self.rng.random() < self.wrong_finger:  # the same finger of the other hand
            return (f + 5) % 10
        return f

    def condition_of(self, finger: int) -> str:
        c = (self.conditions or {}).get(finger, self.condition)
        if self._partial and c != "faint":
            return "partial"
        return c


def hand_for(identity: int, conditions: dict | None, seed: int, stream: int) -> VisitHand:
    rng = np.random.default_rng(np.random.SeedSequence([0x7113, seed, stream]))
    return VisitHand(identity, "normal", conditions=conditions, rng=rng)


def officer_hand(seed: int) -> VisitHand:
    """The village officer: healthy fingers, careful placement."""
    return VisitHand(pop.OFFICER_IDENTITY, rng=np.random.default_rng([0x7114, seed]),
                     wrong_finger=0.0, off_centre=0.03)


class Officer:
    """Answers the kiosk's officer questions for one visit."""

    def __init__(self, kind: str, person: pop.Person | None, seed: int,
                 has_ktp: bool = False):
        self.kind = kind  # genuine, relative, stranger (who actually stands there)
        self.person = person  # the NIK's owner
        self.rng = np.random.default_rng(np.random.SeedSequence([0x7115, seed]))
        self.has_ktp = has_ktp  # a return visit: they went home for it
        self.asked = 0
        self.sent_for_ktp = False

    def __call__(self, req):
        self.asked += 1
        if req.question == "finger_failed":  # enrolment: the officer sees the finger
            return OfficerChoice("unreadable", None, "simulated: finger gives no usable print")
        if req.question == "face_failed":
            return OfficerChoice("skip", None, None)
        if req.question != "verify_decision":
            return Cancel("officer")
        may_approve = "approve" in req.choices  # not when the fingers say someone else
        if self.kind == "genuine":
            if self.rng.random() < NO_KTP and not self.has_ktp:
                self.sent_for_ktp = True
                return OfficerChoice("refer", "documents_missing", "simulated: no KTP")
            if not may_approve:
                return OfficerChoice("refer", "needs_review", "simulated: to the village office")
            p = self.person
            if p.no_usable_print or "worn" in p.conditions.values():
                reason = "worn_fingerprints"
            elif p.age >= 60:
                reason = "elderly_or_frail"
            else:
                reason = "identity_confirmed_ktp"
            return OfficerChoice("approve", reason, "simulated: KTP checked")
        if self.rng.random() < IMPOSTOR_WALKS_AWAY:
            return Cancel("person")
        if self.rng.random() < DENY[self.kind]:
            return OfficerChoice("deny", "impostor_suspected", "simulated: KTP photo differs")
        if not may_approve:  # the officer who would have been misled can only refer
            return OfficerChoice("refer", "needs_review", "simulated: to the village office")
        reason = "identity_confirmed_kk" if self.kind == "relative" else "identity_confirmed_ktp"
        return OfficerChoice("approve", reason, "simulated: officer misled")


def comes_back(seed: int) -> bool:
    """Whether a genuine recipient sent home for their KTP returns with it this period."""
    return bool(np.random.default_rng([0x7118, seed]).random() < RETURNS_WITH_KTP)
