"""Fingerprint pipeline: quality, extraction, templates, comparison.

``load_matcher()`` gives the on-device matcher (matcher.py); the rest of the
kiosk sees only the FingerprintMatcher interface.
"""

from .interface import (
    FingerprintMatcher,
    Guidance,
    NoUsableFingerprint,
    QualityReport,
)


def load_matcher(*args, **kwargs):
    """The committed TFLite matcher (see :func:`.matcher.load_matcher`)."""
    from .matcher import load_matcher as _load

    return _load(*args, **kwargs)


__all__ = ["FingerprintMatcher", "Guidance", "NoUsableFingerprint", "QualityReport",
           "load_matcher"]
