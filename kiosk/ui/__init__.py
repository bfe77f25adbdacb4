"""The kiosk screen: pygame views over the verification flows (see docs/ui.md)."""
