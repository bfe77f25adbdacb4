"""Enrolment (officer-run): several impressions of at least two fingers, checked for
quality, consistency and duplicates, with officer-signed exceptions; then, when a face
matcher is configured, a live face.

States::

    idle -> loading_record -> loading_officers -> officer_auth -> loading_gallery
         -> capturing (finger by finger) <-> awaiting_officer (a finger failed)
         -> face_capturing <-> face_awaiting_officer (no usable live face)
         -> committing -> done | failed

The same finger already enrolled under another NIK stops the enrolment as
``flagged`` (nothing is stored; the hub reviews it). A finger that cannot be
enrolled is retried, or recorded by the officer as missing or unreadable,
optionally keeping the last image as evidence (the only case a raw image is
stored, encrypted). The face step comes only when the fingers would be enrolled: a
liveness session whose best frame becomes the face template; when none comes after
``face_attempts`` sessions, the officer retries, records the face as unusable (an
exception under the face slot, signed with the enrolment) or skips it. The very first
officer of a device enrols without another officer's sign-in ("bootstrap"); everyone
else needs an officer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..biometrics.face.liveness import missed_challenges
from ..roster.nik import InvalidNik, validate_nik
from ..storage.templates import FACE_SLOT
from . import actions as A
from .base import COMMITTING, DONE, LOADING_OFFICERS, OFFICER_AUTH, BaseState, Flow
from .biometric import assess, search
from .decisions import ENROLLED, ENROLMENT, FLAGGED, REFERRED, REJECTED, Decision
from .decisions import FingerException as FingerExc
from .ladder import PREFERENCE

IDLE = "idle"
LOADING_RECORD = "loading_record"
LOADING_GALLERY = "loading_gallery"
CAPTURING = "capturing"
AWAITING_OFFICER = "awaiting_officer"
FACE_CAPTURING = "face_capturing"
FACE_AWAITING_OFFICER = "face_awaiting_officer"

STATES = (IDLE, LOADING_RECORD, LOADING_OFFICERS, OFFICER_AUTH, LOADING_GALLERY, CAPTURING,
          AWAITING_OFFICER, FACE_CAPTURING, FACE_AWAITING_OFFICER, COMMITTING, DONE, "failed")
FINGER_FAILED_CHOICES = ("retry", "unreadable", "skip")
FACE_FAILED_CHOICES = ("retry", "unusable", "skip")


@dataclass(frozen=True)
class EnrolConfig:
    target_fingers: int = 2
    impressions: int = 3  # usable, mutually consistent impressions per finger
    captures_per_finger: int = 8  # before asking the officer what to do
    # Impressions must match one another at this fraction of the verify threshold: a
    # sanity check against a swapped or smeared finger, not a verification.
    consistency: float = 0.75
    # Fingers tried (enrolled, excepted or skipped) before ending: 10 failing fingers
    # would keep a tired person at the sensor for nothing.
    fingers_to_try: int = 4
    officer_attempts: int = 4
    order: tuple[int, ...] = PREFERENCE
    # Liveness sessions without a usable live face before asking the officer (each takes
    # about ten seconds of the person's time).
    face_attempts: int = 2


@dataclass
class EnrolState(BaseState):
    finger: int | None = None
    captures: int = 0
    done: list[int] = field(default_factory=list)  # fingers enrolled, excepted or skipped
    enrolled: list[int] = field(default_factory=list)
    qualities: dict = field(default_factory=dict)  # str(finger) -> mean quality
    exceptions: list[dict] = field(default_factory=list)
    bootstrap: bool = False
    # Face step: None (not reached), capturing, enrolled, exception, skipped.
    face: str | None = None
    face_tries: int = 0
    face_quality: float | None = None
    face_note: str | None = None  # the officer's note on a face exception


class EnrolFlow(Flow):
    State = EnrolState
    kind = ENROLMENT

    def __init__(self, matcher, config: EnrolConfig | None = None, face_matcher=None):
        super().__init__(matcher)
        self.config = config or EnrolConfig()
        self.face_matcher = face_matcher  # None: no face step
        self._face: bytes | None = None
        self.officer_attempts = self.config.officer_attempts
        self._record: A.SubjectRecord | None = None
        self._gallery: tuple[A.GalleryEntry, ...] = ()
        self._impressions: list[tuple[bytes, float]] = []
        self._templates: dict[int, bytes] = {}
        self._last_image: np.ndarray | None = None
        self._images: dict[int, np.ndarray] = {}

    # ---- start --------------------------------------------------------------------------------
    def _on_idle_start(self, ev: A.Start) -> list:
        try:
            nik = validate_nik(ev.nik or "").nik
        except InvalidNik as exc:
            if exc.structural:
                return self._show(A.ShowResult(REJECTED, exc.code, exc.pesan, exc.message), DONE)
            nik = "".join(c for c in ev.nik if c.isdigit())
        self.s.nik = nik
        self.s.state = LOADING_RECORD
        return [A.LoadRecord(nik, None, None)]

    def _on_loading_record_record_loaded(self, ev: A.RecordLoaded) -> list:
        r = self._record = ev.record
        self.s.name = r.name
        if not r.found and not r.officer_id:
            return self._finish(REJECTED, "not_in_roster")
        self.s.state = LOADING_OFFICERS
        return [A.LoadOfficers()]

    def _on_loading_officers_officers_loaded(self, ev: A.OfficersLoaded) -> list:
        self._officers = ev.entries
        if not ev.entries:
            if self._record.officer_id:
                # The device's first officer: nobody can sign them in yet.
                self.s.bootstrap = True
                self.s.officer = {"officer_id": "bootstrap", "reason": "first_officer",
                                  "note": None, "score": None, "finger": None}
                return self._load_gallery()
            return self._finish(REFERRED, "officer_unavailable")
        return self._officer_capture_request()

    def _officer_signed_in(self, entry: A.GalleryEntry) -> list:
        self.s.officer["reason"] = "enrolment"
        return [self._say("officer_authenticated", "officer", officer=entry.officer_id),
                *self._load_gallery()]

    def _load_gallery(self) -> list:
        self.s.state = LOADING_GALLERY
        return [A.LoadGallery(exclude_nik=self.s.nik)]

    def _on_loading_gallery_gallery_loaded(self, ev: A.GalleryLoaded) -> list:
        self._gallery = ev.entries
        return self._next_finger()

    # ---- finger by finger ---------------------------------------------------------------------
    def _next_finger(self, prompts: list | None = None) -> list:
        prompts = prompts or []
        if len(self.s.enrolled) >= self.config.target_fingers:
            return self._complete(prompts)
        left = [f for f in self.config.order if f not in self.s.done]
        if not left or len(self.s.done) >= self.config.fingers_to_try:
            return self._complete(prompts)
        self.s.finger, self.s.captures = left[0], 0
        self._impressions, self._last_image = [], None
        self.s.state = CAPTURING
        return [*prompts, self._say("place_finger", "person", finger=left[0]),
                A.RequestCapture(left[0], "enrol", 1)]

    def _request(self) -> A.RequestCapture:
        return A.RequestCapture(self.s.finger, "enrol", self.s.captures + 1)

    def _on_capturing_finger_captured(self, ev: A.FingerCaptured) -> list:
        finger = self.s.finger
        self.s.captures += 1
        self._last_image = ev.image
        got = assess(self.matcher, ev.image)
        if not got.usable:
            self._attempt("enrol", finger, got.reason, got.quality, guidance=got.guidance)
            return self._finger_retry([self._guide(got.guidance, finger)])
        # The same finger presented again as another finger of this person. The verify
        # threshold suffices: a false alarm only costs a retry.
        for other, template in self._templates.items():
            score = self.matcher.compare(got.template, template)
            if score >= self.matcher.verify_threshold:
                self._attempt("enrol", finger, f"same_as_finger:{other}", got.quality, score)
                return self._finger_retry([self._say("enrol_same_finger", finger=finger)])
        self._attempt("enrol", finger, "impression", got.quality)
        self._impressions.append((got.template, got.quality))
        if len(self._impressions) < self.config.impressions:
            return [self._say("enrol_again", finger=finger), self._request()]
        if not self._consistent():
            return self._finger_retry([self._say("enrol_inconsistent", finger=finger)])
        merged = self.matcher.merge([t for t, _ in self._impressions])
        scored = search(self.matcher, merged, self._gallery, top=1)
        if scored and scored[0][1] >= self.matcher.dedup_threshold:
            entry, score = scored[0]
            return self._finish(FLAGGED, "duplicate_finger", finger=finger, score=score,
                                threshold=self.matcher.dedup_threshold,
                                detail={"duplicate_of": {"nik": entry.nik,
                                                         "finger": entry.finger}})
        self._templates[finger] = merged
        self.s.enrolled.append(finger)
        self.s.done.append(finger)
        self.s.qualities[str(finger)] = float(np.mean([q for _, q in self._impressions]))
        return self._next_finger([self._say("enrol_finger_done", finger=finger)])

    def _consistent(self) -> bool:
        """Keep impressions that match another one; enough left means consistent."""
        ts = self._impressions
        bar = self.config.consistency * self.matcher.verify_threshold
        keep = []
        for i, (t, _q) in enumerate(ts):
            if any(self.matcher.compare(t, u) >= bar
                   for j, (u, _) in enumerate(ts) if j != i):
                keep.append(ts[i])
        self._impressions = keep
        return len(keep) >= self.config.impressions

    def _on_capturing_capture_failed(self, ev: A.CaptureFailed) -> list:
        self.s.captures += 1
        self._attempt("enrol", self.s.finger, f"capture_failed:{ev.reason}")
        return self._finger_retry([self._guide("no_finger", self.s.finger)])

    def _finger_retry(self, prompts: list) -> list:
        if self.s.captures >= self.config.captures_per_finger:
            self.s.state = AWAITING_OFFICER
            return [self._say("enrol_finger_failed", "officer", finger=self.s.finger),
                    A.RequestOfficerChoice("finger_failed", FINGER_FAILED_CHOICES,
                                           finger=self.s.finger)]
        return [*prompts, self._request()]

    def _on_awaiting_officer_officer_choice(self, ev: A.OfficerChoice) -> list:
        self._check_choice(ev, FINGER_FAILED_CHOICES)
        if ev.choice == "retry":
            self.s.captures, self._impressions = 0, []
            self.s.state = CAPTURING
            return [self._say("place_finger", finger=self.s.finger), self._request()]
        if ev.choice == "unreadable":
            self._except(self.s.finger, "unreadable", ev.note, keep_image=False)
        else:
            self.s.done.append(self.s.finger)
        return self._next_finger()

    # ---- exceptions and finishing -------------------------------------------------------------
    def _except(self, finger: int, kind: str, note: str | None, keep_image: bool) -> None:
        if keep_image and finger == self.s.finger and self._last_image is not None:
            self._images[finger] = self._last_image
        self.s.exceptions = [e for e in self.s.exceptions if e["finger"] != finger]
        self.s.exceptions.append({"finger": finger, "kind": kind, "note": note,
                                  "image_kept": finger in self._images})
        if finger not in self.s.done:
            self.s.done.append(finger)
        if finger in self.s.enrolled:  # re-marked: the exception wins
            self.s.enrolled.remove(finger)
            self._templates.pop(finger, None)

    def _exception_event(self, ev: A.FingerExceptionMarked) -> list:
        if ev.exception not in ("missing", "unreadable") or not 0 <= ev.finger <= 9:
            raise ValueError(f"bad finger exception {ev.exception!r} for finger {ev.finger}")
        self._except(ev.finger, ev.exception, ev.note, ev.keep_image)
        if ev.finger == self.s.finger:
            return self._next_finger()
        return []

    _on_capturing_finger_exception = _exception_event
    _on_awaiting_officer_finger_exception = _exception_event

    def _finish_early(self, ev: A.Finish) -> list:
        if len(self.s.enrolled) >= self.config.target_fingers or self.s.exceptions:
            return self._complete()
        return [self._say("finish_needs_exception", "officer")]

    _on_capturing_finish = _finish_early
    _on_awaiting_officer_finish = _finish_early

    def _complete(self, prompts: list | None = None) -> list:
        """The fingers are done: the face step (once, when configured), then the decision."""
        enrolled = len(self.s.enrolled) >= self.config.target_fingers
        if (enrolled or self.s.exceptions) and self.face_matcher is not None \
                and self.s.face is None:
            return self._face_start(prompts or [])
        if enrolled:
            return self._finish(ENROLLED, "enrolled")
        if self.s.exceptions:
            return self._finish(ENROLLED, "enrolled_with_exceptions")
        return self._finish(REFERRED, "enrolment_incomplete")

    # ---- the face -----------------------------------------------------------------------------
    def _face_start(self, prompts: list) -> list:
        self.s.face, self.s.face_tries, self._face = "capturing", 0, None
        self.s.state = FACE_CAPTURING
        return [*prompts, self._say("enrol_face"), A.RequestFaceCapture("enrol", 1)]

    def _on_face_capturing_face_captured(self, ev: A.FaceCaptured) -> list:
        self.s.face_tries += 1
        if ev.live and ev.template is not None:
            self._attempt("enrol_face", None, "face_enrolled", ev.quality)
            self._face, self.s.face, self.s.face_quality = ev.template, "enrolled", ev.quality
            return self._complete([self._say("enrol_face_done")])
        if ev.failure is None and not ev.live:  # a photo, a screen, or a challenge not done
            reason = f"liveness_failed:{ev.liveness_reason or 'not_live'}"
        else:
            reason = f"capture_failed:{ev.failure or 'no_face'}"
        self._attempt("enrol_face", None, reason, ev.quality)
        # Without a camera, trying again only keeps the person waiting.
        if ev.failure == "camera_unavailable" or self.s.face_tries >= self.config.face_attempts:
            self.s.state = FACE_AWAITING_OFFICER
            return [self._say("enrol_face_failed", "officer"),
                    A.RequestOfficerChoice("face_failed", FACE_FAILED_CHOICES,
                                           finger=FACE_SLOT)]
        # Not the challenge that timed out again: it may be one this person cannot do.
        return [self._say("enrol_face_again"), A.RequestFaceCapture(
            "enrol", self.s.face_tries + 1, missed_challenges(ev.liveness_reason))]

    def _on_face_awaiting_officer_officer_choice(self, ev: A.OfficerChoice) -> list:
        self._check_choice(ev, FACE_FAILED_CHOICES)
        if ev.choice == "retry":
            self.s.face_tries = 0
            self.s.state = FACE_CAPTURING
            return [self._say("enrol_face"), A.RequestFaceCapture("enrol", 1)]
        if ev.choice == "unusable":
            self.s.face, self.s.face_note = "exception", ev.note
        else:
            self.s.face = "skipped"
        return self._complete()

    def _face_finish(self, ev: A.Finish) -> list:
        """The officer ends the face step: no face (nothing recorded), then the decision."""
        self.s.face = "skipped"
        return self._complete()

    _on_face_capturing_finish = _face_finish
    _on_face_awaiting_officer_finish = _face_finish

    def _decision_for(self, outcome: str, reason: str, **kw) -> Decision:
        d = super()._decision_for(outcome, reason, modality="fingerprint", **kw)
        if outcome == ENROLLED:
            d.templates = {f: self._templates[f] for f in self.s.enrolled}
            d.qualities = {int(f): q for f, q in self.s.qualities.items()
                           if int(f) in self.s.enrolled}
            d.exceptions = []
            for e in self.s.exceptions:
                image = self._images.get(e["finger"])
                d.exceptions.append(FingerExc(
                    e["finger"], e["kind"], e["note"],
                    None if image is None else np.ascontiguousarray(image, np.uint8).tobytes(),
                    None if image is None else tuple(image.shape)))
            if self._face is not None:
                d.face_template, d.face_model = self._face, self.face_matcher.version
            if self.s.face == "exception":
                d.exceptions.append(FingerExc(FACE_SLOT, "unusable", self.s.face_note))
        if self.s.face is not None:
            d.detail["face_step"] = {"result": self.s.face, "tries": self.s.face_tries,
                                     "quality": self.s.face_quality}
        if self.s.bootstrap:
            d.detail["bootstrap"] = True
        d.detail["fingers_tried"] = list(self.s.done)
        return d

    def resume(self) -> list:
        """After ``from_dict``: templates of a half-done enrolment are gone; start over."""
        if self.s.state not in (IDLE, DONE, "failed"):
            raise ValueError("an interrupted enrolment is not resumed; start it again")
        return []

