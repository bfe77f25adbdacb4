"""The ``picamera2`` backend: the Raspberry Pi camera (CSI ribbon) through libcamera.

picamera2 is not on PyPI in a usable form for the Pi: it comes from apt
(``python3-picamera2``), so the venv must see system packages. It is imported only
when this backend is opened.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from .base import Camera
from .deps import import_picamera2
from .errors import CameraBusy, CameraError, CameraNotFound, CameraTimeout
from .frame import Size, to_rgb

DEFAULT_SIZE: Size = (640, 480)
CABLE_HINT = (
    "check the ribbon cable (contacts facing the right way, latch closed) and run "
    "'rpicam-hello --list-cameras'"
)


class Picamera2Camera(Camera):
    """A Pi camera via picamera2. ``device`` is the camera number (0 = first CSI
    camera). ``mode`` selects picamera2's "preview" (fewer buffers, default) or
    "video" configuration. ``controls`` are passed to the configuration, e.g.
    ``{"FrameRate": 15}``."""

    backend = "picamera2"

    def __init__(
        self,
        device: int | str = 0,
        size: str | Size | None = None,
        fps: float | None = None,
        mode: str = "preview",
        controls: dict[str, Any] | None = None,
    ):
        super().__init__(size if size is not None else DEFAULT_SIZE)
        try:
            self.camera_num = int(device)
        except (TypeError, ValueError):
            raise CameraNotFound(
                f"the Pi camera is chosen by number (0, 1), not {device!r}", hint=CABLE_HINT
            ) from None
        if mode not in ("preview", "video"):
            raise ValueError(f"mode must be 'preview' or 'video', not {mode!r}")
        self.mode = mode
        self.controls = dict(controls or {})
        if fps:
            self.controls.setdefault("FrameRate", float(fps))
        self._camera: Any = None

    def _open_device(self) -> Size | None:
        module = import_picamera2()
        picamera2_class = module.Picamera2
        try:
            cameras = list(picamera2_class.global_camera_info())
        except Exception:  # older releases: let the constructor decide
            cameras = None
        if cameras is not None and self.camera_num >= len(cameras):
            found = f"{len(cameras)} camera(s) detected" if cameras else "no Pi camera detected"
            raise CameraNotFound(f"no Pi camera {self.camera_num}: {found}", hint=CABLE_HINT)
        try:
            self._camera = picamera2_class(self.camera_num)
        except IndexError:
            raise CameraNotFound(f"no Pi camera {self.camera_num}", hint=CABLE_HINT) from None
        except RuntimeError as exc:
            if "busy" in str(exc).lower() or "acquire" in str(exc).lower():
                raise CameraBusy(f"Pi camera {self.camera_num} is in use") from None
            raise CameraError(f"could not open Pi camera {self.camera_num}: {exc}") from None

        camera = self._camera
        make = (
            camera.create_video_configuration
            if self.mode == "video"
            else camera.create_preview_configuration
        )
        # "RGB888" is libcamera's name for 24-bit pixels stored B, G, R in memory, so
        # capture_array returns HxWx3 in BGR order (picamera2's "BGR888" is R, G, B).
        # RGB888 is asked for anyway: 3 bytes a pixel (no padding byte as in XRGB8888)
        # on every Pi model; the swap to RGB happens in _read_image.
        main = {"size": tuple(self.requested_size or DEFAULT_SIZE), "format": "RGB888"}
        try:
            config = make(main=main, controls=self.controls) if self.controls else make(main=main)
            camera.configure(config)
            camera.start()
        except Exception as exc:
            raise CameraError(
                f"could not start Pi camera {self.camera_num}: {exc}",
                hint="try another --size, or reboot if the camera was in use",
            ) from None
        try:
            width, height = camera.camera_configuration()["main"]["size"]
            return (int(width), int(height))
        except Exception:  # the sensor may round the size; frames will tell
            return None

    def _read_image(self, timeout: float) -> np.ndarray:
        camera = self._camera
        try:
            job = camera.capture_array("main", wait=False)
            try:
                image = camera.wait(job, timeout=timeout)
            except TypeError:  # releases before wait() took a timeout
                image = camera.wait(job)
        except TimeoutError:
            raise CameraTimeout(
                f"no frame from Pi camera {self.camera_num} within {timeout:g} s",
                hint="check the ribbon cable; a loose cable often stalls the stream",
            ) from None
        except Exception as exc:
            raise CameraError(f"Pi camera {self.camera_num} failed: {exc}") from None
        return to_rgb(image, "bgr")

    def _close_device(self) -> None:
        camera, self._camera = self._camera, None
        if camera is None:
            return
        with contextlib.suppress(Exception):
            camera.stop()
        camera.close()
