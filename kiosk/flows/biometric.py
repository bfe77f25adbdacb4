"""Capture assessment and officer authentication, shared by the flows. Pure (matcher injected)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..biometrics.fingerprint.interface import FingerprintMatcher, Guidance, NoUsableFingerprint
from .actions import GalleryEntry

# Officer decisions and the reasons an officer may give (codes the hub counts).
OFFICER_REASONS: dict[str, tuple[str, ...]] = {
    "approve": ("identity_confirmed_ktp", "identity_confirmed_kk", "known_personally",
                "worn_fingerprints", "injured_or_missing_fingers", "elderly_or_frail",
                "sensor_fault"),
    "deny": ("identity_not_confirmed", "impostor_suspected", "documents_missing"),
    "refer": ("needs_data_correction", "needs_review", "documents_missing"),
}


@dataclass(frozen=True)
class Assessed:
    usable: bool
    template: bytes | None
    quality: float
    guidance: str
    reason: str  # ok, or why not usable


def assess(matcher: FingerprintMatcher, image: np.ndarray) -> Assessed:
    """Quality gate, then extraction; the guidance says how to do better."""
    report = matcher.quality(image)
    if not report.usable:
        return Assessed(False, None, report.score, str(report.guidance),
                        report.details.get("reason", "poor_quality"))
    try:
        template = matcher.extract(image)
    except NoUsableFingerprint as exc:
        guidance = exc.guidance if exc.guidance != Guidance.OK else report.guidance
        return Assessed(False, None, report.score, str(guidance), exc.reason)
    return Assessed(True, template, report.score, str(report.guidance), "ok")


def best_match(matcher: FingerprintMatcher, probe: bytes,
               gallery: tuple[GalleryEntry, ...]) -> list[tuple[GalleryEntry, float]]:
    """All gallery entries scored, best first; corrupt entries are left out."""
    scored = []
    for entry in gallery:
        try:
            scored.append((entry, matcher.compare(probe, entry.template)))
        except ValueError:
            continue
    scored.sort(key=lambda item: item[1], reverse=True)
    return scored


def search(matcher: FingerprintMatcher, probe: bytes, gallery: tuple[GalleryEntry, ...],
           top: int = 5) -> list[tuple[GalleryEntry, float]]:
    """1:N through the matcher's own search (it may shortlist by a fast code first)."""
    if not gallery:
        return []
    try:
        return list(matcher.identify(probe, [(e, e.template) for e in gallery], top=top))
    except ValueError:  # a template the matcher cannot read: score the rest one by one
        return best_match(matcher, probe, gallery)[:top]


def identify_unique(matcher: FingerprintMatcher, probe: bytes, gallery: tuple[GalleryEntry, ...],
                    threshold: float) -> tuple[GalleryEntry | None, float, bool]:
    """(entry, score, ambiguous): a hit only when one NIK alone clears the threshold."""
    scored = search(matcher, probe, gallery)
    if not scored or scored[0][1] < threshold:
        return None, scored[0][1] if scored else 0.0, False
    niks = {e.nik for e, s in scored if s >= threshold}
    if len(niks) > 1:
        return None, scored[0][1], True
    return scored[0][0], scored[0][1], False
