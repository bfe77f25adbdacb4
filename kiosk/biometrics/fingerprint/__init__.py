"""Fingerprint pipeline: quality, extraction, templates, comparison."""

from .interface import (
    FingerprintMatcher,
    Guidance,
    NoUsableFingerprint,
    QualityReport,
)

__all__ = ["FingerprintMatcher", "Guidance", "NoUsableFingerprint", "QualityReport"]
