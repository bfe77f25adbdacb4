"""Verification: who are you, may you claim, is it really you — and never a dead end.

States (see docs/verification_core.md for the diagram)::

    idle -> awaiting_nik | loading_gallery -> identifying -> loading_record
         -> (ineligible: committing) | capturing (finger rungs) -> face_capturing
         -> loading_officers
         -> officer_auth (<-> officer_pin) -> officer_deciding -> committing -> done | failed

Eligibility is decided before any biometric is taken (except in identification
mode, where the finger *is* how the person says who they are). Each finger
rung has a budget of unusable captures and of non-matching ones; then the next
rung. The face rung (when a face template is stored and a face matcher is
configured) asks the driver for a liveness session and a face probe. The last
rung is an officer, who signs in with their own finger or their PIN (at most
``pin_attempts`` wrong PINs a session) and records a decision with a reason.
An officer may also step in (OfficerStepIn) while the flow waits for the person:
the flow jumps to the officer rung, and the ladder says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..biometrics.face.liveness import RETRIED, missed_challenges
from ..roster.eligibility import decide
from ..roster.nik import InvalidNik, validate_nik
from ..security.pin import check_pin
from . import actions as A
from .base import COMMITTING, DONE, LOADING_OFFICERS, OFFICER_AUTH, BaseState, Flow
from .biometric import OFFICER_REASONS, assess, identify_unique
from .decisions import ACCEPTED, REFERRED, REJECTED, VERIFICATION, Decision, Rung
from .ladder import FACE, OFFICER, face_skip_reason, plan, rung_finger
from .prompts import COME_BACK, result_text

IDLE = "idle"
AWAITING_NIK = "awaiting_nik"
LOADING_RECORD = "loading_record"
LOADING_GALLERY = "loading_gallery"
IDENTIFYING = "identifying"
CAPTURING = "capturing"
FACE_CAPTURING = "face_capturing"
OFFICER_PIN = "officer_pin"
OFFICER_DECIDING = "officer_deciding"

STATES = (IDLE, AWAITING_NIK, LOADING_GALLERY, IDENTIFYING, LOADING_RECORD, CAPTURING,
          FACE_CAPTURING,
          LOADING_OFFICERS, OFFICER_AUTH, OFFICER_PIN, OFFICER_DECIDING, COMMITTING, DONE,
          "failed")
# Where the flow waits for the person, and an officer may step in.
STEP_IN_STATES = (AWAITING_NIK, IDENTIFYING, CAPTURING, FACE_CAPTURING)


@dataclass(frozen=True)
class VerifyConfig:
    match_attempts: int = 3  # per finger: usable captures that did not match
    quality_attempts: int = 4  # per finger: captures too poor to use
    identify_attempts: int = 3  # 1:N captures before asking for the NIK
    nik_attempts: int = 3  # malformed NIK entries before referring to an officer
    officer_attempts: int = 4  # officer sign-in captures
    face_attempts: int = 1  # live face captures that did not match (or had no usable face)
    # Liveness sessions when one ended because a challenge was not done in time or the face
    # left the frame: a person who did not follow the prompt (slow, unsure) gets a fresh
    # challenge. A failed passive check (flat, screen pattern, no skin reflection, face
    # changed) is an attack's signature and is not retried.
    liveness_attempts: int = 2
    pin_attempts: int = 3  # wrong officer PINs, then only the finger signs an officer in
    # Strong evidence of someone else: at least ``mismatch_captures`` captures of quality
    # >= ``mismatch_quality`` (0: every capture the quality gate let through) of at least
    # ``mismatch_fingers`` enrolled fingers, and every usable capture below ``mismatch_ratio``
    # x the claim's per-comparison threshold. The officer is told so and may deny or refer
    # (to the village office, with KK and KTP), not approve at the kiosk. 0 captures: never.
    # Quality 0 since the village simulation measured it: 0 of 1,536 genuine visits closed
    # at any bound, while 0.5 left 35 % of impostors' officer decisions open
    # (docs/verification_core.md).
    mismatch_captures: int = 3
    mismatch_fingers: int = 2
    mismatch_quality: float = 0.0
    mismatch_ratio: float = 0.6
    # False-match rate per claim: an impostor gets up to match_attempts captures on each
    # enrolled finger, so each comparison must clear the matcher's threshold for this rate
    # divided by that many comparisons (matcher.verify_threshold_at). None: the matcher's
    # single-comparison threshold.
    claim_fmr: float | None = 1e-4


def mismatch_evidence(captures: list[tuple[int, float | None, float]], threshold: float,
                      c: VerifyConfig, quality: float | None = None) -> dict | None:
    """The gate's evidence that the fingers read well and are someone else's, or None.

    ``captures``: (finger, quality, score) of the person's scored captures; ``threshold``:
    what each comparison had to clear; ``quality``: another bound for a capture to count
    than ``c.mismatch_quality`` (the village report's sensitivity table). Pure.
    """
    if c.mismatch_captures <= 0:
        return None
    limit = c.mismatch_ratio * threshold
    if not captures or any(s >= limit for _f, _q, s in captures):
        return None
    bound = c.mismatch_quality if quality is None else quality
    good = [(f, s) for f, q, s in captures if (q or 0.0) >= bound]
    fingers = sorted({f for f, _s in good})
    if len(good) < c.mismatch_captures or len(fingers) < c.mismatch_fingers:
        return None
    return {"captures": len(good), "fingers": fingers,
            "best_score": round(max(s for _f, _q, s in captures), 4), "below": round(limit, 4)}


@dataclass
class VerifyState(BaseState):
    programme: str | None = None
    period: str | None = None
    identify: bool = False
    rungs: list[str] = field(default_factory=list)
    rung: int = -1
    ladder: list[dict] = field(default_factory=list)
    finger: int | None = None
    match_tries: int = 0
    quality_tries: int = 0
    identify_tries: int = 0
    nik_tries: int = 0
    nik_irregular: str | None = None
    identified: dict | None = None  # {"finger", "score"} when found by 1:N
    eligibility: str | None = None
    pin_tries: int = 0
    stepped_in: str | None = None  # the state an officer stepped in from
    capture_threshold: float | None = None  # per fingerprint comparison, set with the rungs


class VerifyFlow(Flow):
    State = VerifyState
    kind = VERIFICATION

    def __init__(self, matcher, config: VerifyConfig | None = None, face_matcher=None):
        super().__init__(matcher)
        self.config = config or VerifyConfig()
        self.face_matcher = face_matcher  # None: the face rung is skipped
        self.officer_attempts = self.config.officer_attempts
        self._record: A.SubjectRecord | None = None
        self._gallery: tuple[A.GalleryEntry, ...] = ()
        self._pins: tuple[A.OfficerPin, ...] = ()

    # ---- start and NIK ------------------------------------------------------------------------
    def _on_idle_start(self, ev: A.Start) -> list:
        if not ev.programme or not ev.period:
            raise ValueError("verification needs a programme and a period")
        self.s.programme, self.s.period, self.s.identify = ev.programme, ev.period, ev.identify
        if ev.identify:
            self.s.state = LOADING_GALLERY
            return [A.LoadGallery()]
        if ev.nik is not None:
            return self._take_nik(ev.nik)
        self.s.state = AWAITING_NIK
        return [A.RequestNik("start")]

    def _on_awaiting_nik_nik_entered(self, ev: A.NikEntered) -> list:
        return self._take_nik(ev.nik)

    def _take_nik(self, text: str) -> list:
        try:
            nik = validate_nik(text).nik
        except InvalidNik as exc:
            if exc.structural:
                self.s.nik_tries += 1
                if self.s.nik_tries >= self.config.nik_attempts:
                    return self._finish(REFERRED, "nik_invalid")
                self.s.state = AWAITING_NIK
                return [A.Prompt(exc.code, exc.pesan, exc.message), A.RequestNik(exc.code)]
            # Well-formed but odd (an unknown region, a strange date): the roster decides;
            # real NIKs with irregular parts exist and must not lock their owners out.
            nik, self.s.nik_irregular = "".join(c for c in text if c.isdigit()), exc.code
        self.s.nik = nik
        self.s.state = LOADING_RECORD
        return [A.LoadRecord(nik, self.s.programme, self.s.period)]

    # ---- identification (1:N) -----------------------------------------------------------------
    def _on_loading_gallery_gallery_loaded(self, ev: A.GalleryLoaded) -> list:
        self._gallery = ev.entries
        if not ev.entries:
            self.s.state = AWAITING_NIK
            return [self._say("identify_unavailable"), A.RequestNik("identify_unavailable")]
        if self.s.state == IDENTIFYING:  # resumed
            return [A.RequestCapture(None, "identify", self.s.identify_tries + 1)]
        self.s.state = IDENTIFYING
        return [self._say("identify"), A.RequestCapture(None, "identify", 1)]

    def _on_identifying_finger_captured(self, ev: A.FingerCaptured) -> list:
        self.s.identify_tries += 1
        got = assess(self.matcher, ev.image)
        if not got.usable:
            self._attempt("identify", None, got.reason, got.quality, guidance=got.guidance)
            return self._identify_again([self._guide(got.guidance, None)])
        # 1:N needs the stricter threshold: the false-match chance grows with the gallery.
        entry, score, ambiguous = identify_unique(self.matcher, got.template, self._gallery,
                                                  self.matcher.dedup_threshold)
        if entry is None:
            self._attempt("identify", None, "ambiguous" if ambiguous else "not_found",
                          got.quality, score)
            return self._identify_again([])
        self._attempt("identify", entry.finger, "match", got.quality, score)
        self.s.identified = {"finger": entry.finger, "score": score}
        self.s.nik = entry.nik
        self.s.state = LOADING_RECORD
        return [A.LoadRecord(entry.nik, self.s.programme, self.s.period)]

    def _on_identifying_capture_failed(self, ev: A.CaptureFailed) -> list:
        self.s.identify_tries += 1
        self._attempt("identify", None, f"capture_failed:{ev.reason}")
        return self._identify_again([self._guide("no_finger", None)])

    def _identify_again(self, prompts: list) -> list:
        if self.s.identify_tries >= self.config.identify_attempts:
            self.s.state = AWAITING_NIK
            return [self._say("identify_failed"), A.RequestNik("identify_failed")]
        return [*prompts, A.RequestCapture(None, "identify", self.s.identify_tries + 1)]

    # ---- roster and eligibility ---------------------------------------------------------------
    def _on_loading_record_record_loaded(self, ev: A.RecordLoaded) -> list:
        r = self._record = ev.record
        self.s.name = r.name if r.found else None
        if not r.found:
            return self._finish(REJECTED, self.s.nik_irregular or "not_in_roster")
        verdict = decide(True, self.s.programme, self.s.period, list(r.entitlements),
                         r.already_claimed)
        self.s.eligibility = verdict.code
        if not verdict.eligible:
            return self._finish(REJECTED, verdict.code)
        if self.s.identified:
            return self._finish(ACCEPTED, "matched", modality="fingerprint_1n",
                                finger=self.s.identified["finger"],
                                score=self.s.identified["score"],
                                threshold=self.matcher.dedup_threshold)
        rungs, skipped = plan(r)
        self.s.rungs = rungs
        self.s.capture_threshold = self._capture_threshold(rungs)
        self.s.ladder = [asdict(x) for x in skipped]
        return self._next_rung()

    def _capture_threshold(self, rungs: list[str]) -> float:
        """Per-comparison threshold that keeps the whole claim at ``claim_fmr``."""
        c = self.config
        fingers = sum(rung_finger(r) is not None for r in rungs)
        at = getattr(self.matcher, "verify_threshold_at", None)  # duck-typed matchers lack it
        if c.claim_fmr is None or fingers == 0 or at is None:
            return self.matcher.verify_threshold
        return at(c.claim_fmr / (c.match_attempts * fingers))

    def _match_threshold(self) -> float:
        """The threshold this claim's fingerprint comparisons must clear."""
        return self.s.capture_threshold or self.matcher.verify_threshold

    # ---- the ladder ---------------------------------------------------------------------------
    def _log_rung(self, status: str, reason: str | None = None) -> None:
        self.s.ladder.append(asdict(Rung(self.s.rungs[self.s.rung], status, reason)))

    def _next_rung(self, prompts: list | None = None) -> list:
        prompts = prompts or []
        first_finger = all(not r["rung"].startswith("finger:") or r["status"] == "skipped"
                           for r in self.s.ladder)
        while True:
            self.s.rung += 1
            rung = self.s.rungs[self.s.rung]
            finger = rung_finger(rung)
            if finger is not None:
                self.s.finger, self.s.match_tries, self.s.quality_tries = finger, 0, 0
                self.s.state = CAPTURING
                say = self._say("place_finger" if first_finger else "next_finger", finger=finger)
                return [*prompts, say, A.RequestCapture(finger, "recipient", 1)]
            if rung == FACE:
                skip = face_skip_reason(self._record, self.face_matcher)
                if skip is None:
                    self.s.finger, self.s.match_tries, self.s.quality_tries = None, 0, 0
                    self.s.state = FACE_CAPTURING
                    return [*prompts, self._say("face"), A.RequestFaceCapture("recipient", 1)]
                self._log_rung("skipped", skip)
                continue
            assert rung == OFFICER
            self.s.finger = None
            return [*prompts, *self._ask_officers()]

    def _template(self, finger: int) -> bytes | None:
        return next((f.template for f in self._record.fingers
                     if f.finger == finger and f.status == "ok"), None)

    def _on_capturing_finger_captured(self, ev: A.FingerCaptured) -> list:
        finger = self.s.finger
        got = assess(self.matcher, ev.image)
        if not got.usable:
            self.s.quality_tries += 1
            self._attempt("recipient", finger, got.reason, got.quality, guidance=got.guidance)
            if self.s.quality_tries >= self.config.quality_attempts:
                self._log_rung("exhausted", "poor_quality")
                return self._next_rung()
            return [self._guide(got.guidance, finger), self._capture_again()]
        try:
            score = self.matcher.compare(got.template, self._template(finger))
        except (ValueError, TypeError):
            self._attempt("recipient", finger, "template_corrupt", got.quality)
            self._log_rung("skipped", "template_corrupt")
            return self._next_rung()
        threshold = self._match_threshold()
        if score >= threshold:
            self._attempt("recipient", finger, "match", got.quality, score)
            self._log_rung("used")
            return self._finish(ACCEPTED, "matched", modality="fingerprint", finger=finger,
                                score=score, threshold=threshold)
        self.s.match_tries += 1
        self._attempt("recipient", finger, "no_match", got.quality, score)
        if self.s.match_tries >= self.config.match_attempts:
            self._log_rung("exhausted", "no_match")
            return self._next_rung()
        return [self._say("no_match_retry", finger=finger), self._capture_again()]

    def _on_capturing_capture_failed(self, ev: A.CaptureFailed) -> list:
        self.s.quality_tries += 1
        self._attempt("recipient", self.s.finger, f"capture_failed:{ev.reason}")
        if self.s.quality_tries >= self.config.quality_attempts:
            self._log_rung("exhausted", f"capture_failed:{ev.reason}")
            return self._next_rung()
        return [self._guide("no_finger", self.s.finger), self._capture_again()]

    def _capture_again(self) -> A.RequestCapture:
        n = self.s.match_tries + self.s.quality_tries + 1
        return A.RequestCapture(self.s.finger, "recipient", n)

    # ---- the face rung ---------------------------------------------------------------------------
    def _on_face_capturing_face_captured(self, ev: A.FaceCaptured) -> list:
        fm = self.face_matcher
        if ev.failure is None and not ev.live:  # a photo, a screen, or a challenge not done
            reason = f"liveness_failed:{ev.liveness_reason or 'not_live'}"
            self._attempt("face", None, reason, ev.quality)
            sessions = sum(a["purpose"] == "face" and a["result"].startswith("liveness_failed:")
                           for a in self.s.attempts)
            if (ev.liveness_reason or "").startswith(RETRIED) \
                    and sessions < self.config.liveness_attempts:
                # Not the same challenge again: it may be one this person cannot do.
                return [self._say("face_liveness_retry"),
                        self._face_again(avoid=missed_challenges(ev.liveness_reason))]
            self._log_rung("exhausted", reason)
            return self._next_rung()
        if ev.template is None or not ev.live:
            self.s.quality_tries += 1
            reason = f"capture_failed:{ev.failure or 'no_face'}"
            self._attempt("face", None, reason, ev.quality)
            if self.s.quality_tries >= self.config.face_attempts:
                self._log_rung("exhausted", reason)
                return self._next_rung()
            return [self._face_again()]
        try:
            score = fm.compare(ev.template, self._record.face.template)
        except (ValueError, TypeError):
            self._attempt("face", None, "template_corrupt", ev.quality)
            self._log_rung("skipped", "template_corrupt")
            return self._next_rung()
        threshold = fm.verify_threshold
        if score >= threshold:
            self._attempt("face", None, "match", ev.quality, score)
            self._log_rung("used")
            return self._finish(ACCEPTED, "matched", modality="face", score=score,
                                threshold=threshold, model=fm.version)
        self.s.match_tries += 1
        self._attempt("face", None, "no_match", ev.quality, score)
        if self.s.match_tries >= self.config.face_attempts:
            self._log_rung("exhausted", "no_match")
            return self._next_rung()
        return [self._say("face_retry"), self._face_again()]

    def _face_again(self, avoid: tuple[str, ...] = ()) -> A.RequestFaceCapture:
        n = sum(a["purpose"] == "face" for a in self.s.attempts) + 1
        return A.RequestFaceCapture("recipient", n, avoid)

    def _on_face_capturing_record_loaded(self, ev: A.RecordLoaded) -> list:
        self._record = ev.record
        skip = face_skip_reason(ev.record, self.face_matcher)
        if skip is not None:  # the face template went away while the flow was saved
            self._log_rung("skipped", skip)
            return self._next_rung()
        return [self._face_again()]

    # ---- the officer rung ---------------------------------------------------------------------
    def _on_loading_officers_officers_loaded(self, ev: A.OfficersLoaded) -> list:
        self._officers, self._pins = ev.entries, ev.pins
        if not ev.entries and not ev.pins:
            self._log_rung("exhausted", "officer_unavailable")
            return self._finish(REFERRED, "officer_unavailable")
        return self._officer_capture_request()

    def _options(self) -> dict:
        """What the officer may decide: without a checked, eligible record (stepped in
        before the NIK was known) only a referral; approving never skips eligibility; with
        strong evidence that someone else is at the sensor, no approval at the kiosk."""
        if self.s.eligibility is None:
            return {"refer": OFFICER_REASONS["refer"]}
        if self.strong_mismatch() is not None:
            return {k: v for k, v in OFFICER_REASONS.items() if k != "approve"}
        return dict(OFFICER_REASONS)

    def strong_mismatch(self) -> dict | None:
        """The evidence that the fingers read well and are someone else's (VerifyConfig's
        ``mismatch_*``), or None. Pure: computed from the attempts recorded so far."""
        scored = [(a["finger"], a["quality"], a["score"]) for a in self.s.attempts
                  if a["purpose"] == "recipient" and a["score"] is not None]
        return mismatch_evidence(scored, self._match_threshold(), self.config)

    def _ask_choice(self) -> A.RequestOfficerChoice:
        options = self._options()
        return A.RequestOfficerChoice("verify_decision", tuple(options), options)

    def _officer_signed_in(self, entry) -> list:
        self.s.state = OFFICER_DECIDING
        said = [self._say("officer_authenticated", "officer", officer=entry.officer_id)]
        evidence = self.strong_mismatch() if self.s.eligibility is not None else None
        if evidence is not None:
            said.append(self._say("officer_strong_mismatch", "officer",
                                  captures=evidence["captures"],
                                  fingers=len(evidence["fingers"])))
        return [*said, self._ask_choice()]

    def _on_officer_deciding_officer_choice(self, ev: A.OfficerChoice) -> list:
        options = self._options()
        self._check_choice(ev, tuple(options), options)
        self.s.officer.update(reason=ev.reason, note=ev.note)
        self._log_rung("used", "stepped_in" if self.s.stepped_in else ev.choice)
        if ev.choice == "approve":
            return self._finish(ACCEPTED, "officer_approved", modality="officer")
        if ev.choice == "deny":
            return self._finish(REJECTED, "officer_denied", modality="officer")
        return self._finish(REFERRED, "officer_referred", modality="officer")

    # ---- officer sign-in by PIN ---------------------------------------------------------------
    def _pin_closed(self) -> bool:
        return self.s.pin_tries >= self.config.pin_attempts

    def _request_pin(self, reason: str) -> A.RequestOfficerPin:
        self.s.state = OFFICER_PIN
        return A.RequestOfficerPin(tuple((p.officer_id, p.name) for p in self._pins),
                                   self.config.pin_attempts - self.s.pin_tries, reason)

    def _back_to_finger(self, prompts: list) -> list:
        self.s.state = OFFICER_AUTH
        return [*prompts, A.RequestCapture(None, "officer", self.s.officer_tries + 1)]

    def _on_officer_auth_officer_use_pin(self, ev: A.OfficerUsePin) -> list:
        if self._pin_closed():
            return self._back_to_finger([self._say("officer_pin_closed", "officer")])
        if not self._pins:
            return self._back_to_finger([self._say("officer_pin_unavailable", "officer")])
        return [self._say("officer_pin", "officer"), self._request_pin("start")]

    def _on_officer_pin_officer_use_finger(self, ev: A.OfficerUseFinger) -> list:
        return self._back_to_finger([self._say("officer_place_finger", "officer")])

    def _on_officer_pin_officer_pin_entered(self, ev: A.OfficerPinEntered) -> list:
        return self._take_pin(ev)

    def _on_officer_auth_officer_pin_entered(self, ev: A.OfficerPinEntered) -> list:
        return self._take_pin(ev)

    def _take_pin(self, ev: A.OfficerPinEntered) -> list:
        if self._pin_closed():
            return self._back_to_finger([self._say("officer_pin_closed", "officer")])
        entry = next((p for p in self._pins if p.officer_id == ev.officer_id), None)
        # check_pin takes as long for an unknown officer: the answer says nothing more.
        if not check_pin(ev.pin, entry.pin_hash if entry else None):
            self.s.pin_tries += 1
            self._attempt("officer", None, "pin_wrong")
            if self._pin_closed():
                return self._back_to_finger([self._say("officer_pin_closed", "officer")])
            return [self._say("officer_pin_wrong", "officer",
                              left=self.config.pin_attempts - self.s.pin_tries),
                    self._request_pin("pin_wrong")]
        if entry.nik == self.s.nik:
            self._attempt("officer", None, "pin_self_signoff_refused")
            return self._back_to_finger([self._say("officer_self", "officer")])
        self._attempt("officer", None, "pin_match")
        self.s.officer = {"officer_id": entry.officer_id, "reason": "", "note": None,
                          "score": None, "finger": None, "auth": "pin"}
        return self._officer_signed_in(entry)

    # ---- an officer steps in ------------------------------------------------------------------
    def _step_in(self, ev: A.OfficerStepIn) -> list:
        if self.s.state in (CAPTURING, FACE_CAPTURING):
            self._log_rung("interrupted", "officer_stepped_in")
        self.s.stepped_in = self.s.state
        if OFFICER not in self.s.rungs:  # before the record: the officer is the only rung
            self.s.rungs = [*self.s.rungs, OFFICER]
        self.s.rung = self.s.rungs.index(OFFICER)
        self.s.finger = None
        self.s.state = LOADING_OFFICERS
        return [self._say("officer_step_in"), A.LoadOfficers()]

    _on_awaiting_nik_officer_step_in = _step_in
    _on_identifying_officer_step_in = _step_in
    _on_capturing_officer_step_in = _step_in
    _on_face_capturing_officer_step_in = _step_in

    def _on_loading_officers_officer_step_in(self, ev: A.OfficerStepIn) -> list:
        return [A.LoadOfficers()]  # on its way to an officer already

    def _finish_referred(self, reason: str) -> list:
        if self.s.state == OFFICER_AUTH:
            self._log_rung("exhausted", reason)
        return super()._finish_referred(reason)

    # ---- decisions ----------------------------------------------------------------------------
    def _decision_for(self, outcome: str, reason: str, **kw) -> Decision:
        d = super()._decision_for(outcome, reason, programme=self.s.programme,
                                  period=self.s.period, **kw)
        d.ladder = [Rung(**r) for r in self.s.ladder]
        if self.s.nik_irregular:
            d.detail["nik_irregular"] = self.s.nik_irregular
        if self.s.identify:
            d.detail["identify"] = bool(self.s.identified)
        if self.s.stepped_in:
            d.detail["officer_stepped_in"] = self.s.stepped_in
        if self.s.officer and self.s.eligibility is not None:
            evidence = self.strong_mismatch()
            if evidence is not None:  # the officer was not offered approval
                d.detail["strong_mismatch"] = evidence
        return d

    def _result_text(self, reason: str) -> tuple[str, str]:
        return result_text(reason, self.s.programme, self.s.period)

    def _text_code(self, reason: str) -> str:
        if reason == "officer_referred" and (self.s.officer or {}).get(
                "reason") == "documents_missing":
            return COME_BACK  # not a dead end: come back with the KTP
        return reason

    # ---- resuming a restored flow ---------------------------------------------------------------
    def resume(self) -> list:
        """After ``from_dict``: the actions that bring back what was not serialised."""
        st = self.s.state
        if st in (CAPTURING, FACE_CAPTURING, LOADING_RECORD):
            return [A.LoadRecord(self.s.nik, self.s.programme, self.s.period)]
        if st in (IDENTIFYING, LOADING_GALLERY):
            return [A.LoadGallery()]
        if st in (OFFICER_AUTH, OFFICER_PIN, LOADING_OFFICERS):
            if self.s.nik is None:  # stepped in before the NIK
                return [A.LoadOfficers()]
            return [A.LoadRecord(self.s.nik, self.s.programme, self.s.period)]
        if st == AWAITING_NIK:
            return [A.RequestNik("resume")]
        if st == OFFICER_DECIDING:
            return [self._ask_choice()]
        if st == COMMITTING:
            # Whether the decision reached the disk is unknown: never commit it twice.
            raise ValueError("a flow interrupted while committing is not resumed; start over")
        return []

    def _on_capturing_record_loaded(self, ev: A.RecordLoaded) -> list:
        self._record = ev.record
        return [self._capture_again()]

    def _on_officer_auth_record_loaded(self, ev: A.RecordLoaded) -> list:
        self._record = ev.record
        return [A.LoadOfficers()]

    def _on_loading_officers_record_loaded(self, ev: A.RecordLoaded) -> list:
        return self._on_officer_auth_record_loaded(ev)

    def _on_officer_auth_officers_loaded(self, ev: A.OfficersLoaded) -> list:
        self._officers, self._pins = ev.entries, ev.pins
        return [A.RequestCapture(None, "officer", self.s.officer_tries + 1)]

    def _on_officer_pin_record_loaded(self, ev: A.RecordLoaded) -> list:
        return self._on_officer_auth_record_loaded(ev)

    def _on_officer_pin_officers_loaded(self, ev: A.OfficersLoaded) -> list:
        self._officers, self._pins = ev.entries, ev.pins
        return [self._request_pin("resume")]

    def _on_identifying_gallery_loaded(self, ev: A.GalleryLoaded) -> list:
        return self._on_loading_gallery_gallery_loaded(ev)
