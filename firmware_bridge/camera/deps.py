"""Importing the optional camera libraries, with one-line install advice on failure."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import CameraUnavailable

PICAMERA2_HINT = (
    "on Raspberry Pi OS run 'sudo apt install python3-picamera2' and create the venv "
    "with --system-site-packages"
)
OPENCV_HINT = (
    "run 'pip install opencv-python-headless' (or pip install 'sidik[camera]'); "
    "on Raspberry Pi OS 'sudo apt install python3-opencv' also works"
)


def import_picamera2() -> ModuleType:
    """The picamera2 module, or CameraUnavailable saying how to install it."""
    try:
        return importlib.import_module("picamera2")
    except ImportError as exc:
        # A pip-installed picamera2 without apt's libcamera bindings fails here too.
        missing = getattr(exc, "name", None)
        what = "picamera2" if missing in (None, "picamera2") else f"picamera2 (needs {missing})"
        raise CameraUnavailable(f"{what} is not installed", hint=PICAMERA2_HINT) from None


def import_cv2(purpose: str = "the opencv camera backend") -> ModuleType:
    """The cv2 module, or CameraUnavailable saying how to install it."""
    try:
        return importlib.import_module("cv2")
    except ImportError:
        raise CameraUnavailable(
            f"OpenCV (cv2) is not installed, needed for {purpose}", hint=OPENCV_HINT
        ) from None
