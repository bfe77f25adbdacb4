"""The village hub's reference receiver (and the CI stand-in for the real hub)."""
