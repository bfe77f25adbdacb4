"""Simulator of the R30x fingerprint sensor, byte-for-byte on a serial link."""
