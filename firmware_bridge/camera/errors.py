"""Camera errors, in the same hierarchy as the sensor's."""

from ..errors import BridgeError


class CameraError(BridgeError):
    hint = "check the camera cable and run 'kiosk camera snapshot'"


class CameraUnavailable(CameraError):
    """The chosen backend cannot be used on this machine (library missing)."""


class CameraNotFound(CameraError):
    """The backend works but no camera answers at that index/path."""


class CameraTimeout(CameraError):
    """No frame arrived in time."""
