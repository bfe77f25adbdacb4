"""The contract between the fingerprint matcher and the rest of the kiosk.

The verification flows, enrolment and the evaluation command see only this
interface; the matcher behind it (the int8 TFLite pipeline, or a stand-in in
tests) is interchangeable. Templates are opaque, versioned bytes: the store
encrypts them and never looks inside.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Guidance(StrEnum):
    """What to tell the person at the sensor (the UI turns these into voice and pictures)."""

    OK = "ok"
    NO_FINGER = "no_finger"
    PRESS_HARDER = "press_harder"  # faint, small contact
    PRESS_LIGHTER = "press_lighter"  # smeared, saturated
    CENTRE_FINGER = "centre_finger"  # print off-centre / partial
    CLEAN_OR_DRY = "clean_or_dry"  # wet, dirty, smudged
    MOISTEN = "moisten"  # dry, broken ridges
    HOLD_STILL = "hold_still"


class NoUsableFingerprint(Exception):
    """The image holds no fingerprint a template can be made from; ``reason`` says why.

    Reasons are short codes (``blank``, ``wrong_shape``, ``wrong_dtype``, ``too_small``,
    ``low_quality``, ``too_few_features``, ...) plus ``guidance`` for the person.
    """

    def __init__(self, reason: str, message: str, guidance: Guidance = Guidance.OK):
        super().__init__(message)
        self.reason = reason
        self.guidance = guidance


@dataclass(frozen=True)
class QualityReport:
    """Capture quality in 0..1 (1 best) and the advice for a better capture."""

    score: float
    usable: bool
    guidance: Guidance = Guidance.OK
    details: dict = field(default_factory=dict)


class FingerprintMatcher(ABC):
    """Image -> template -> score. Scores are similarities: higher means more alike."""

    #: identifies model + pipeline; recorded in every decision event
    version: str
    #: score >= verify_threshold accepts a 1:1 claim (calibrated at FMR = 1e-4)
    verify_threshold: float
    #: score >= dedup_threshold flags a duplicate at enrolment (FMR = 1e-6 per comparison)
    dedup_threshold: float

    def verify_threshold_at(self, fmr: float) -> float:
        """Threshold for a per-comparison false-match rate ``fmr`` (<= 1e-4): a claim that
        allows k comparisons at claim-level FMR f uses ``verify_threshold_at(f / k)``.
        Matchers without a calibrated table answer ``verify_threshold``."""
        return self.verify_threshold

    @abstractmethod
    def quality(self, image: np.ndarray) -> QualityReport:
        """Fast quality gate before extraction (runs on every capture)."""

    @abstractmethod
    def extract(self, image: np.ndarray) -> bytes:
        """One impression -> template bytes; raises NoUsableFingerprint."""

    @abstractmethod
    def merge(self, templates: list[bytes]) -> bytes:
        """Several impressions of one finger -> one enrolment template."""

    @abstractmethod
    def compare(self, probe: bytes, reference: bytes) -> float:
        """Similarity of two templates; raises ValueError for a corrupt template."""

    def identify(self, probe: bytes, gallery: Iterable[tuple[object, bytes]],
                 top: int = 5) -> list[tuple[object, float]]:
        """1:N search: the ``top`` best (key, score) pairs, best first."""
        scored = [(key, self.compare(probe, ref)) for key, ref in gallery]
        scored.sort(key=lambda item: item[1], reverse=True)
        return scored[:top]
