"""Biometric matching on the device: fingerprint (and, later, face)."""
