"""Hardware simulators: fingerprint sensor, synthetic fingerprints, camera, hub."""
