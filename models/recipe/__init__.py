"""Training recipe of the on-device fingerprint model (synthetic data only)."""
