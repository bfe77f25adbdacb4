"""The contract between the face matcher and the rest of the kiosk (mirrors the fingerprint one).

The verification flows and the fallback ladder see only this: a quality gate with
guidance for the person, template extraction, comparison, and a threshold.
Templates are opaque, versioned bytes that the template store encrypts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Guidance(StrEnum):
    """What to tell the person at the camera (the UI turns these into voice and pictures)."""

    OK = "ok"
    NO_FACE = "no_face"  # "look at the screen"
    ONE_PERSON = "one_person"  # "only one person in front of the camera, please"
    COME_CLOSER = "come_closer"
    MOVE_BACK = "move_back"
    CENTRE_FACE = "centre_face"  # "move to the middle of the screen"
    LOOK_AT_CAMERA = "look_at_camera"  # turned or tilted away
    HOLD_STILL = "hold_still"  # motion blur / out of focus
    MORE_LIGHT = "more_light"  # too dark: "face the window / the light"
    LESS_LIGHT = "less_light"  # overexposed or strong light behind the camera
    FACE_THE_LIGHT = "face_the_light"  # lit from one side (a window): "turn towards the light"
    # Liveness challenges (active prompts)
    BLINK = "blink"
    TURN_LEFT = "turn_left"  # the person's left
    TURN_RIGHT = "turn_right"
    OPEN_MOUTH = "open_mouth"


class NoUsableFace(Exception):
    """The image holds no face a template can be made from; ``reason`` says why.

    Reasons: ``no_face``, ``several_faces``, ``too_small``, ``wrong_shape``, ``wrong_dtype``.
    """

    def __init__(self, reason: str, message: str, guidance: Guidance = Guidance.OK):
        super().__init__(message)
        self.reason = reason
        self.guidance = guidance


@dataclass(frozen=True)
class QualityReport:
    """Capture quality in 0..1 (1 best), whether to go on, and the advice for a better capture."""

    score: float
    usable: bool
    guidance: Guidance = Guidance.OK
    details: dict = field(default_factory=dict)
