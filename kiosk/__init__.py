"""Sidik kiosk application: flows, matching, storage, reporting, UI and CLI."""

__version__ = "0.1.0"
