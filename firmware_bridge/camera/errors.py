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


class CameraBusy(CameraError):
    """The camera exists but another process holds it."""

    hint = "stop the other program using the camera (e.g. the kiosk service) and retry"


class CameraEndOfStream(CameraError):
    """A finite source (video file, simulator without looping) has no more frames."""

    hint = "the source ran out of frames; loop it or use a longer one"


class CameraSourceError(CameraError):
    """A simulator or file source exists but cannot be decoded."""

    hint = "use PNG/JPEG images or a video file OpenCV can read"
