"""The ``opencv`` backend: USB webcams (and video files or stream URLs) via cv2.VideoCapture."""

from __future__ import annotations

import concurrent.futures
import contextlib
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .base import Camera
from .deps import import_cv2
from .errors import CameraEndOfStream, CameraError, CameraNotFound, CameraTimeout
from .frame import Size, to_rgb

USB_HINT = (
    "plug in the USB camera and list devices with 'ls /dev/video*' or 'v4l2-ctl --list-devices'"
)
CLOSE_GRACE_S = 2.0


class OpenCVCamera(Camera):
    """A cv2.VideoCapture: ``device`` is an index (0 = /dev/video0), a device path,
    a video file or a stream URL. ``size`` and ``fps`` are requests the camera may
    round to a mode it supports; ``resolution`` reports what it delivers. ``api`` is
    an optional cv2.CAP_* backend constant (e.g. cv2.CAP_V4L2)."""

    backend = "opencv"

    def __init__(
        self,
        device: int | str = 0,
        size: str | Size | None = None,
        fps: float | None = None,
        api: int | None = None,
    ):
        super().__init__(size)
        self.device = _as_device(device)
        self.fps = fps
        self.api = api
        self._cv2: Any = None
        self._capture: Any = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending: concurrent.futures.Future | None = None

    @property
    def is_file(self) -> bool:
        return isinstance(self.device, str) and Path(self.device).is_file()

    def _open_device(self) -> Size | None:
        cv2 = self._cv2 = import_cv2()
        self._check_exists()
        with _quiet(cv2):
            try:
                if self.api is None:
                    capture = cv2.VideoCapture(self.device)
                else:
                    capture = cv2.VideoCapture(self.device, self.api)
            except cv2.error as exc:
                raise CameraError(f"OpenCV failed to open {self._name()}: {exc}") from None
        if not capture.isOpened():
            capture.release()
            raise CameraNotFound(f"OpenCV could not open {self._name()}", hint=USB_HINT)
        self._capture = capture
        if self.requested_size is not None:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.requested_size[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.requested_size[1])
        if self.fps:
            capture.set(cv2.CAP_PROP_FPS, self.fps)
        # VideoCapture.read has no timeout of its own; a worker thread enforces ours.
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="opencv-camera"
        )
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        return (width, height) if width > 0 and height > 0 else None

    def _read_image(self, timeout: float) -> np.ndarray:
        assert self._executor is not None
        # A read that timed out earlier is still running; its frame is the next one.
        future = self._pending or self._executor.submit(self._capture.read)
        self._pending = None
        try:
            ok, image = future.result(timeout=max(timeout, 0.0))
        except concurrent.futures.TimeoutError:
            self._pending = future
            raise CameraTimeout(
                f"no frame from {self._name()} within {timeout:g} s",
                hint="check the USB cable and that no other program uses the camera",
            ) from None
        except self._cv2.error as exc:
            raise CameraError(f"OpenCV failed reading {self._name()}: {exc}") from None
        if not ok or image is None:
            if self.is_file:
                raise CameraEndOfStream(f"video {self.device} has no more frames")
            raise CameraError(
                f"{self._name()} stopped delivering frames",
                hint="the camera may have been unplugged; check the USB cable",
            )
        return to_rgb(image, "bgr")

    def _close_device(self) -> None:
        capture, self._capture = self._capture, None
        pending, self._pending = self._pending, None
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
        if capture is None:
            return
        if pending is not None:
            with contextlib.suppress(Exception):
                pending.result(timeout=CLOSE_GRACE_S)
            if not pending.done():
                # Releasing under a blocked read can crash the driver; release when it ends.
                pending.add_done_callback(lambda _: capture.release())
                return
        capture.release()

    def _check_exists(self) -> None:
        # Fail fast and quietly instead of letting every OpenCV backend probe and warn.
        if isinstance(self.device, int):
            node = Path(f"/dev/video{self.device}")
            if sys.platform.startswith("linux") and not node.exists():
                raise CameraNotFound(f"no camera at index {self.device} ({node} does not exist)",
                                     hint=USB_HINT)
        elif "://" not in self.device and not Path(self.device).exists():
            raise CameraNotFound(f"{self.device} does not exist", hint=USB_HINT)

    def _name(self) -> str:
        if isinstance(self.device, int):
            return f"camera {self.device}"
        return self.device


def _as_device(device: int | str) -> int | str:
    if isinstance(device, bool):
        raise TypeError("device must be an index, a path or a URL")
    if isinstance(device, int):
        if device < 0:
            raise CameraNotFound(f"camera index must not be negative, got {device}", hint=USB_HINT)
        return device
    text = str(device).strip()
    return int(text) if text.isdigit() else text


@contextlib.contextmanager
def _quiet(cv2: Any):
    """Silence OpenCV's own log while probing, so a failure prints our one line only."""
    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    get = getattr(logging, "getLogLevel", None) or getattr(cv2, "getLogLevel", None)
    set_ = getattr(logging, "setLogLevel", None) or getattr(cv2, "setLogLevel", None)
    if get is None or set_ is None:
        yield
        return
    previous = get()
    set_(0)  # LOG_LEVEL_SILENT
    try:
        yield
    finally:
        set_(previous)
