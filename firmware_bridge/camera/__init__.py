"""Camera bridge: one interface, three backends (picamera2, opencv, sim).

    with open_camera("sim", source="faces/") as camera:
        frame = camera.read()          # frame.image: RGB uint8, HxWx3

Frames are always RGB, whatever the backend delivers natively; see docs/camera.md.
"""

from .base import DEFAULT_TIMEOUT, Camera
from .errors import (
    CameraBusy,
    CameraEndOfStream,
    CameraError,
    CameraNotFound,
    CameraSourceError,
    CameraTimeout,
    CameraUnavailable,
)
from .factory import BACKENDS, available_backends, backend_class, create_camera, open_camera
from .frame import Frame, parse_size, to_rgb

__all__ = [
    "BACKENDS",
    "DEFAULT_TIMEOUT",
    "Camera",
    "CameraBusy",
    "CameraEndOfStream",
    "CameraError",
    "CameraNotFound",
    "CameraSourceError",
    "CameraTimeout",
    "CameraUnavailable",
    "Frame",
    "available_backends",
    "backend_class",
    "create_camera",
    "open_camera",
    "parse_size",
    "to_rgb",
]
