"""Choosing a backend by name: ``open_camera("picamera2" | "opencv" | "sim" | "auto")``."""

from __future__ import annotations

import importlib
from typing import Any

from .base import Camera
from .deps import OPENCV_HINT, PICAMERA2_HINT, import_cv2, import_picamera2
from .errors import CameraNotFound, CameraUnavailable

BACKENDS = ("picamera2", "opencv", "sim")

_CLASSES = {
    "picamera2": ("backend_picamera2", "Picamera2Camera"),
    "opencv": ("backend_opencv", "OpenCVCamera"),
    "sim": ("backend_sim", "SimCamera"),
}


def backend_class(name: str) -> type[Camera]:
    """The Camera subclass for a backend name (its library is not imported yet)."""
    try:
        module_name, class_name = _CLASSES[name]
    except KeyError:
        choices = ", ".join(("auto", *BACKENDS))
        raise ValueError(f"unknown camera backend {name!r}; choose one of {choices}") from None
    module = importlib.import_module(f"{__package__}.{module_name}")
    return getattr(module, class_name)


def available_backends() -> list[str]:
    """Backends whose library imports on this machine (says nothing about hardware)."""
    names = []
    for name, probe in (("picamera2", import_picamera2), ("opencv", import_cv2)):
        try:
            probe()
        except CameraUnavailable:
            continue
        names.append(name)
    names.append("sim")
    return names


def create_camera(backend: str = "auto", **options: Any) -> Camera:
    """A camera for ``backend``, not yet opened. ``auto`` is picamera2 when it
    imports, else opencv; use ``open_camera`` for the fallback on a missing Pi camera."""
    if backend == "auto":
        backend = "picamera2" if "picamera2" in available_backends() else "opencv"
    return backend_class(backend)(**options)


def open_camera(backend: str = "auto", **options: Any) -> Camera:
    """Create and open a camera; use it with ``with`` or close it yourself.

    Options by backend (all take ``size=(w, h)`` or ``"WxH"``):
    picamera2: device (camera number), fps, mode ("preview"/"video"), controls;
    opencv: device (index, device path, video file, URL), fps, api;
    sim: source (path, folder, array(s) or FrameSource), fps, loop, order.
    ``auto`` takes device and size: the Pi camera if picamera2 imports and a
    camera is attached, else the OpenCV camera (device 0 unless given).
    """
    if backend == "auto":
        return _open_auto(options)
    camera = create_camera(backend, **options)
    camera.open()
    return camera


def _open_auto(options: dict[str, Any]) -> Camera:
    try:
        return create_camera("picamera2", **options).open()
    except (CameraUnavailable, CameraNotFound) as exc:
        pi_error = exc
    try:
        return create_camera("opencv", **options).open()
    except CameraUnavailable:
        if isinstance(pi_error, CameraUnavailable):
            raise CameraUnavailable(
                "no camera library is installed (neither picamera2 nor OpenCV)",
                hint=f"for the Pi camera: {PICAMERA2_HINT}; for USB webcams: {OPENCV_HINT}",
            ) from None
        raise pi_error from None
    except CameraNotFound as usb_error:
        if isinstance(pi_error, CameraUnavailable):
            raise
        raise CameraNotFound(
            f"no camera found: {pi_error.message}; {usb_error.message}",
            hint="connect the Pi camera ribbon or a USB webcam",
        ) from None
