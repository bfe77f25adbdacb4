"""The impostor campaign: after the village is enrolled, N impostor attempts through the
real VerifyFlow and Session, booked through the outbox, MQTT and the hub, to bound the
inclusion error (0.01 % needs about 30,000 attempts with none accepted).

What is real per attempt: the roster lookup and eligibility, the ladder, every comparison
of the int8 matcher against the claimed person's stored templates, the officer rung (the
officer's sign-in by finger and the officer model's answer), the signed commit, the outbox,
MQTT and the hub's booking. What is reused, to make 30,000 attempts affordable:

* impressions: each presenter's fingers are captured a few times (``OWN_IMPRESSIONS`` in
  their own condition, ``PARTIAL_IMPRESSIONS`` pressed off centre) through the simulated
  sensor and the real driver, once, and presented again against other claimed NIKs. Every
  (presenter, claimed person) pair is used at most once, and within an attempt no
  impression is shown twice, so every (impression, claimed person) pair is distinct.
* quality and extraction: the matcher is deterministic, so each distinct image is assessed
  and extracted once (``MemoMatcher``); comparisons are computed every time.

Each round is its own period (``campaign_periods``), so every eligible NIK is claimed at
most once a round and an attempt never meets the double-claim guard left by an earlier
accepted one.
"""

from __future__ import annotations

import hashlib
import time
from itertools import chain, count

import numpy as np

from kiosk.biometrics.fingerprint.interface import NoUsableFingerprint
from kiosk.runtime.capture import Hand, NoCapture

from . import behaviour as bh
from . import population as pop

OWN_IMPRESSIONS = 6  # per presenter finger, in the presenter's own condition
PARTIAL_IMPRESSIONS = 3  # per presenter finger, pressed off centre
OFFICER_IMPRESSIONS = 8
RELATIVE_SHARE = pop.RELATIVE_IMPOSTORS / (pop.RELATIVE_IMPOSTORS + pop.STRANGER_IMPOSTORS)
PERIOD_PREFIX = "imp"


def campaign_periods(attempts: int, eligible: int) -> list[str]:
    """One period a round; a round claims each eligible NIK at most once."""
    rounds = -(-attempts // max(1, eligible)) if attempts > 0 else 0
    return [f"{PERIOD_PREFIX}-{r + 1:04d}" for r in range(rounds)]


def schedule(village: pop.Village, attempts: int, seed: int,
             outsiders: int = pop.STRANGER_POOL) -> list[dict]:
    """Who presents whose NIK, round by round: a relative (same household, with the share
    of relatives among the village's impostors) while the household has one not yet used
    on this NIK, else a stranger: someone from outside the village (``outsiders``
    identities, the village's stranger pool) or an eligible villager of another household.
    Each (presenter, claimed person) pair occurs at most once."""
    rng = np.random.default_rng(np.random.SeedSequence([0x7117, seed]))
    eligible = [p for p in village.people if not p.ineligible]
    strangers = [pop.STRANGER_BASE + i for i in range(outsiders)]
    periods = campaign_periods(attempts, len(eligible))
    used: set[tuple[int, int]] = set()
    out: list[dict] = []
    for period in periods:
        for t in rng.permutation(len(eligible)):
            if len(out) >= attempts:
                break
            target = eligible[int(t)]
            relatives = [q for q in eligible if q.household == target.household
                         and q.index != target.index and (q.identity, target.index) not in used]
            if relatives and rng.random() < RELATIVE_SHARE:
                q = relatives[int(rng.integers(len(relatives)))]
                pick = ("relative", q.identity, q.index)
            else:
                others = [(i, None) for i in strangers] + [
                    (q.identity, q.index) for q in eligible if q.household != target.household]
                free = [o for o in others if (o[0], target.index) not in used]
                if not free:
                    continue
                identity, index = free[int(rng.integers(len(free)))]
                pick = ("stranger", identity, index)
            used.add((pick[1], target.index))
            out.append({"period": period, "kind": pick[0], "person": target.index,
                        "presenter": pick[1], "presenter_person": pick[2],
                        "seed": int(rng.integers(2**31))})
    return out


class MemoMatcher:
    """The real matcher; each distinct image's quality and template computed once (the
    matcher is deterministic: the same image gives the same bytes), comparisons every time."""

    def __init__(self, inner):
        self.inner = inner
        self._quality: dict = {}
        self._extract: dict = {}

    def __getattr__(self, name):
        return getattr(self.inner, name)

    @staticmethod
    def _key(image: np.ndarray) -> bytes:
        data = np.ascontiguousarray(image)
        return hashlib.blake2b(data.tobytes(), digest_size=16,
                               person=repr(data.shape).encode()[:16]).digest()

    def quality(self, image):
        key = self._key(image)
        if key not in self._quality:
            self._quality[key] = self.inner.quality(image)
        return self._quality[key]

    def extract(self, image, *args, **kw):
        key = self._key(image)
        if key not in self._extract:
            try:
                self._extract[key] = self.inner.extract(image, *args, **kw)
            except NoUsableFingerprint as exc:
                self._extract[key] = exc
        got = self._extract[key]
        if isinstance(got, NoUsableFingerprint):
            raise NoUsableFingerprint(got.reason, str(got), got.guidance)
        return got

    @property
    def distinct_images(self) -> int:
        return len(self._quality)


class CaptureBank:
    """Impressions captured once through the simulated sensor and the real driver:
    slot (identity, finger, condition) -> images (or the NoCapture reason)."""

    def __init__(self, kiosk):
        self.kiosk = kiosk
        self.slots: dict[tuple, list] = {}

    def image(self, identity: int, finger: int, condition: str, k: int):
        from kiosk.runtime.capture import SimulatedFingers

        slot = self.slots.setdefault((identity, finger, condition), [])
        while len(slot) <= k:
            # Indices apart from the village's visits (10,000,000 x period + ...).
            index = 4_000_000_000 + 100 * finger + (50 if condition == "partial" else 0) \
                + len(slot)
            fingers = SimulatedFingers(self.kiosk.sim, self.kiosk.sensor,
                                       {"bank": Hand(identity, condition)}, self.kiosk.bank,
                                       first_index=index, wait=0.0)
            try:
                slot.append(fingers.capture("bank", finger, 1))
            except NoCapture as exc:
                slot.append(exc.reason)
        return slot[k]

    @property
    def images(self) -> int:
        return sum(len(s) for s in self.slots.values())


class BankedFingers:
    """The finger source of one attempt: the hand decides which finger and how it is
    pressed; the image comes from the bank, never one already shown to this claimed NIK."""

    def __init__(self, bank: CaptureBank, hands: dict, claimed: int, used: set, cursor: dict):
        self.bank, self.hands, self.claimed = bank, hands, claimed
        self.used, self.cursor = used, cursor
        self.officer_k = 0

    def capture(self, purpose: str, finger: int | None, attempt: int):
        hand = self.hands.get(purpose) or self.hands.get("recipient")
        f = hand.presents(finger)
        condition = hand.condition_of(f)
        slot = (hand.identity, f, condition)
        if purpose == "officer":
            k = self.cursor.get(slot, 0) % OFFICER_IMPRESSIONS
            self.cursor[slot] = k + 1
        else:
            size = PARTIAL_IMPRESSIONS if condition == "partial" else OWN_IMPRESSIONS
            start = self.cursor.get(slot, 0)
            self.cursor[slot] = start + 1
            # The slot's impressions in turn; one already shown to this NIK is passed over,
            # and when all were, the bank grows.
            order = chain(((start + d) % size for d in range(size)), count(size))
            k = next(j for j in order if (slot, j, self.claimed) not in self.used)
            self.used.add((slot, k, self.claimed))
        image = self.bank.image(*slot, k)
        if isinstance(image, str):
            raise NoCapture(image)
        return image


def run(kiosk, village: pop.Village, truth, clock, attempts: int, seed: int, programme: str,
        log=lambda _m: None, outsiders: int = pop.STRANGER_POOL, workers: int = 1) -> dict:
    """Run the campaign's attempts; each is appended to ``truth.visits`` (``campaign``:
    True). Returns the campaign's own bookkeeping (pairs, bank, seconds)."""
    from kiosk.flows.actions import Start
    from kiosk.flows.verify import VerifyConfig, VerifyFlow
    from kiosk.runtime.session import Session

    from .simulate import stranger_conditions  # here: simulate imports this module

    plan = schedule(village, attempts, seed, outsiders)
    # The presenters' masters for the claimed people's enrolled fingers (and the other
    # hand's, for the wrong finger), grown up front in parallel rather than one by one.
    enrolled = {p.index: [f.finger for f in kiosk.store.fingers(p.nik, kiosk.matcher.version)]
                for p in village.people if not p.ineligible}
    keys = {(a["presenter"], g) for a in plan for f in enrolled[a["person"]]
            for g in (f, (f + 5) % 10)}
    grown = kiosk.bank.prebuild(keys, workers)
    if grown:
        log(f"impostor campaign: {grown} presenters' fingerprint masters grown")
    memo = MemoMatcher(kiosk.matcher)
    bank = CaptureBank(kiosk)
    used: set = set()
    cursor: dict = {}
    people = village.people
    t0 = time.monotonic()
    log(f"impostor campaign: {len(plan)} attempts in {len(truth.campaign_periods)} round(s)")
    for i, a in enumerate(plan):
        if i and i % 1000 == 0:
            rate = (time.monotonic() - t0) / i
            log(f"impostor campaign: {i} of {len(plan)} ({rate * 1000:.0f} ms an attempt; "
                f"{bank.images} impressions banked)")
        clock.wall += 60 * 10**9
        owner = people[a["person"]]
        if a["presenter_person"] is not None:
            conditions = people[a["presenter_person"]].conditions
        else:
            conditions = stranger_conditions(a["presenter"])
        hands = {"recipient": bh.hand_for(a["presenter"], conditions, seed, 3_000_000_000 + i),
                 "officer": bh.officer_hand(a["seed"])}
        fingers = BankedFingers(bank, hands, owner.index, used, cursor)
        session = Session(kiosk.store, fingers, ask_nik=lambda _r: None,
                          ask_officer=bh.Officer(a["kind"], owner, a["seed"]))
        result = session.run(VerifyFlow(memo, VerifyConfig()),
                             Start(owner.nik, programme, a["period"]))
        truth.visits.append({
            "event_id": result.event_id, "period": a["period"], "kind": a["kind"],
            "person": owner.index, "presenter": a["presenter"],
            "presenter_person": a["presenter_person"], "outcome": result.outcome,
            "reason": result.reason, "campaign": True})
    seconds = time.monotonic() - t0
    presenters = {a["presenter"] for a in plan}
    return {"attempts": len(plan), "asked": attempts, "rounds": len(truth.campaign_periods),
            "outsiders": outsiders,
            "presenters": len(presenters), "claimed_people": len({a["person"] for a in plan}),
            "pairs_distinct": len({(a["presenter"], a["person"]) for a in plan}) == len(plan),
            "impressions": bank.images, "impression_pairs": len(used),
            "distinct_images_assessed": memo.distinct_images, "seconds": seconds,
            "ms_per_attempt": 1000 * seconds / max(1, len(plan))}
