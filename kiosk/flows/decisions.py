"""What a flow decides: the record that becomes a signed event (pure data).

Outcomes: accepted, rejected, referred (a person must see an officer or the
hub; never a silent dead end), cancelled, enrolled, flagged (enrolment stopped
for review), error (nothing could be recorded). Reasons are stable codes,
listed in docs/verification_core.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ACCEPTED = "accepted"
REJECTED = "rejected"
REFERRED = "referred"
CANCELLED = "cancelled"
ENROLLED = "enrolled"
FLAGGED = "flagged"
ERROR = "error"

VERIFICATION = "verification"
ENROLMENT = "enrolment"


@dataclass
class Attempt:
    """One capture: whose, which finger, how good, how similar, what came of it."""

    purpose: str  # recipient, identify, officer, enrol
    finger: int | None
    result: str  # match, no_match, poor_quality, no_features, capture_failed, ...
    quality: float | None = None
    score: float | None = None
    guidance: str | None = None

    def compact(self) -> dict:
        d = {"p": self.purpose, "f": self.finger, "r": self.result}
        if self.quality is not None:
            d["q"] = round(self.quality, 3)
        if self.score is not None:
            d["s"] = round(self.score, 4)
        return d


@dataclass
class Rung:
    """One step of the fallback ladder and how it ended."""

    rung: str  # finger:N, face, officer
    status: str  # used, exhausted, skipped, interrupted (an officer stepped in)
    reason: str | None = None


@dataclass
class OfficerSignoff:
    officer_id: str  # "bootstrap" for the very first officer of a device
    reason: str
    note: str | None = None
    score: float | None = None
    finger: int | None = None
    auth: str | None = None  # how the officer signed in: fingerprint, pin (None: bootstrap)


@dataclass
class FingerException:
    finger: int
    kind: str  # missing, unreadable
    note: str | None = None
    image: bytes | None = None  # raw 8-bit pixels, only when the officer keeps evidence
    shape: tuple[int, int] | None = None


@dataclass
class Decision:
    kind: str
    outcome: str
    reason: str
    nik: str | None = None
    programme: str | None = None
    period: str | None = None
    modality: str = "none"  # fingerprint, fingerprint_1n, face, officer, none
    finger: int | None = None
    score: float | None = None
    threshold: float | None = None
    attempts: list[Attempt] = field(default_factory=list)
    ladder: list[Rung] = field(default_factory=list)
    officer: OfficerSignoff | None = None
    model: str | None = None
    detail: dict = field(default_factory=dict)
    # Enrolment payload: stored encrypted, never part of the event body.
    templates: dict[int, bytes] = field(default_factory=dict)
    qualities: dict[int, float] = field(default_factory=dict)
    exceptions: list[FingerException] = field(default_factory=list)
    face_template: bytes | None = None  # enrolment: stored under FACE_SLOT
    face_model: str | None = None  # the face matcher's version

    @property
    def claims(self) -> bool:
        """Whether committing this decision records a claim."""
        return self.kind == VERIFICATION and self.outcome == ACCEPTED

    def summary(self) -> dict:
        """JSON-ready view without secrets (templates, images)."""
        d = asdict(self)
        d.pop("templates")
        d.pop("face_template")
        d["face_enrolled"] = self.face_template is not None
        d["exceptions"] = [{"finger": e.finger, "kind": e.kind, "note": e.note,
                            "image_kept": e.image is not None} for e in self.exceptions]
        d["fingers_enrolled"] = sorted(self.templates)
        return d


@dataclass(frozen=True)
class Committed:
    """What the store actually recorded (it may turn an accept into already_claimed)."""

    event_id: str
    seq: int
    outcome: str
    reason: str
    receipt: str | None = None
    kind: str = "committed"
