"""The kiosk screen: pygame views over the verification flows (see docs/ui.md)."""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # no banner on the kiosk's console
