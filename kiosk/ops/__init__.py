"""Device operations: provisioning, diagnostics, updates, systemd integration."""
