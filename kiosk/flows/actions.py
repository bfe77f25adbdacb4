"""The vocabulary between a flow and whoever drives it (CLI, UI, tests).

Events go into ``flow.step(event)``; a list of actions comes out. Actions that
need an answer (Load*, RequestCapture, RequestNik, RequestOfficerChoice, RequestOfficerPin,
Commit)
are answered by the driver with the matching event; Prompt and ShowResult are
for the screen and the voice. Every action is plain data with a ``kind``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..roster.eligibility import Entitlement
from .decisions import Committed, Decision

# ---- data the driver loads for a flow ------------------------------------------------------


@dataclass(frozen=True)
class FingerTemplate:
    finger: int
    status: str  # ok, corrupt (does not decrypt/parse), incompatible (other matcher)
    template: bytes | None = None
    quality: float | None = None


@dataclass(frozen=True)
class SubjectRecord:
    """What the roster and template store know about one NIK."""

    nik: str
    found: bool  # in the recipient roster
    name: str | None = None
    entitlements: tuple[Entitlement, ...] = ()
    already_claimed: bool = False
    fingers: tuple[FingerTemplate, ...] = ()
    exceptions: tuple[tuple[int, str], ...] = ()  # (finger, kind) recorded at enrolment
    face_available: bool = False  # a face template is stored (even one that cannot be used)
    face: FingerTemplate | None = None  # the face template (``finger`` is FACE_SLOT)
    officer_id: str | None = None  # set when this NIK is an active officer


@dataclass(frozen=True)
class GalleryEntry:
    nik: str
    finger: int
    template: bytes
    officer_id: str | None = None


@dataclass(frozen=True)
class OfficerPin:
    """An active officer who may sign in with a PIN (``pin_hash``: security/pin.py)."""

    officer_id: str
    nik: str
    name: str
    pin_hash: str = field(repr=False)


# ---- events (in) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    nik: str | None = None
    programme: str | None = None
    period: str | None = None
    identify: bool = False  # verification: find the person by finger first (1:N)
    kind: str = "start"


@dataclass(frozen=True)
class NikEntered:
    nik: str
    kind: str = "nik_entered"


@dataclass(frozen=True)
class RecordLoaded:
    record: SubjectRecord
    kind: str = "record_loaded"


@dataclass(frozen=True)
class GalleryLoaded:
    entries: tuple[GalleryEntry, ...]
    kind: str = "gallery_loaded"


@dataclass(frozen=True)
class OfficersLoaded:
    entries: tuple[GalleryEntry, ...]  # templates of active officers
    any_officer: bool = True  # the roster names at least one active officer
    pins: tuple[OfficerPin, ...] = ()  # officers who may sign in with a PIN
    kind: str = "officers_loaded"


@dataclass(frozen=True, eq=False)
class FingerCaptured:
    image: np.ndarray
    kind: str = "finger_captured"


@dataclass(frozen=True)
class FaceCaptured:
    """Answer to RequestFaceCapture: the liveness verdict and, when live, the probe template.

    ``template`` is None when no usable face was captured (``failure`` says why:
    a NoUsableFace reason, camera_unavailable, ...). ``live`` is the liveness
    verdict (``liveness_reason``: its reason code when not live); a ``failure``
    means the session could not run or gave no usable face, not a failed check.
    """

    template: bytes | None
    live: bool
    liveness_reason: str | None = None
    failure: str | None = None
    quality: float | None = None
    kind: str = "face_captured"


@dataclass(frozen=True)
class CaptureFailed:
    reason: str  # no_finger (timed out), sensor_error, ...
    kind: str = "capture_failed"


@dataclass(frozen=True)
class OfficerChoice:
    choice: str  # one of RequestOfficerChoice.choices
    reason: str | None = None
    note: str | None = None
    kind: str = "officer_choice"


@dataclass(frozen=True)
class OfficerUsePin:
    """At the officer sign-in: the officer will type their PIN instead of the finger."""

    kind: str = "officer_use_pin"


@dataclass(frozen=True)
class OfficerUseFinger:
    """Back from the PIN keypad to the finger."""

    kind: str = "officer_use_finger"


@dataclass(frozen=True)
class OfficerPinEntered:
    officer_id: str
    pin: str = field(repr=False)  # never in a log line or a trace
    kind: str = "officer_pin_entered"


@dataclass(frozen=True)
class OfficerStepIn:
    """An officer takes over while the flow waits for the person (NIK, card, capture)."""

    kind: str = "officer_step_in"


@dataclass(frozen=True)
class FingerExceptionMarked:
    """Enrolment: the officer records that a finger is missing or unreadable."""

    finger: int
    exception: str  # missing, unreadable
    note: str | None = None
    keep_image: bool = False
    kind: str = "finger_exception"


@dataclass(frozen=True)
class Finish:
    """Enrolment: the officer ends with fewer fingers than the target (needs exceptions)."""

    kind: str = "finish"


@dataclass(frozen=True)
class Cancel:
    by: str = "person"  # person, officer
    kind: str = "cancel"


@dataclass(frozen=True)
class CommitFailed:
    code: str
    message: str
    kind: str = "commit_failed"


# Committed (from decisions.py) is the answer to Commit.
__all__ = ["Committed"]

# ---- actions (out) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadRecord:
    nik: str
    programme: str | None
    period: str | None
    kind: str = "load_record"


@dataclass(frozen=True)
class LoadGallery:
    exclude_nik: str | None = None
    kind: str = "load_gallery"


@dataclass(frozen=True)
class LoadOfficers:
    kind: str = "load_officers"


@dataclass(frozen=True)
class Prompt:
    """Something to tell the person (or officer): a code, Indonesian text, English text."""

    code: str
    pesan: str
    message: str
    finger: int | None = None
    guidance: str | None = None
    audience: str = "person"  # person, officer
    kind: str = "prompt"


@dataclass(frozen=True)
class RequestCapture:
    finger: int | None  # None: any finger (identification)
    purpose: str  # recipient, identify, officer, enrol
    attempt: int
    kind: str = "request_capture"


@dataclass(frozen=True)
class RequestFaceCapture:
    """Run a liveness session and capture a face (the driver does all the camera work)."""

    purpose: str  # recipient
    attempt: int
    avoid: tuple[str, ...] = ()  # challenges the person could not do in an earlier session
    kind: str = "request_face_capture"


@dataclass(frozen=True)
class RequestNik:
    reason: str
    kind: str = "request_nik"


@dataclass(frozen=True)
class RequestOfficerChoice:
    question: str  # verify_decision, finger_failed
    choices: tuple[str, ...]
    reasons: dict = field(default_factory=dict)  # choice -> allowed reason codes
    finger: int | None = None
    kind: str = "request_officer_choice"


@dataclass(frozen=True)
class RequestOfficerPin:
    """Show the PIN keypad: pick the officer (``officers``: (officer_id, name)), type the
    PIN; answered with OfficerPinEntered or OfficerUseFinger."""

    officers: tuple[tuple[str, str], ...]
    tries_left: int
    reason: str = "start"  # start, pin_wrong
    kind: str = "request_officer_pin"


@dataclass(frozen=True)
class Commit:
    decision: Decision
    kind: str = "commit"


@dataclass(frozen=True)
class ShowResult:
    outcome: str
    reason: str
    pesan: str
    message: str
    event_id: str | None = None
    receipt: str | None = None
    name: str | None = None
    text_code: str | None = None  # the result text's code when more specific than ``reason``
    kind: str = "show_result"
