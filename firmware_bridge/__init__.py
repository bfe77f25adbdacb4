"""Drivers for the kiosk's hardware: the R30x fingerprint sensor and the camera."""
