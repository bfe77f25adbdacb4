"""The frame every backend returns, and the conversions into its channel order.

Channel order contract: ``Frame.image`` is always a C-contiguous ``numpy.uint8``
array of shape ``(height, width, 3)`` in **RGB** order, whatever the backend.
Greyscale sources are expanded to three equal channels; alpha is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .errors import CameraSourceError

ChannelOrder = Literal["rgb", "bgr"]
Size = tuple[int, int]


@dataclass(frozen=True, eq=False)
class Frame:
    """One RGB frame: ``image`` (HxWx3 uint8), ``timestamp`` (time.monotonic()
    when the frame was delivered) and ``sequence`` (0, 1, 2... per open camera)."""

    image: np.ndarray
    timestamp: float
    sequence: int

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def size(self) -> Size:
        """(width, height), the same order as ``Camera.resolution`` and Pillow."""
        return (self.width, self.height)


def to_rgb(image: np.ndarray, order: ChannelOrder = "rgb") -> np.ndarray:
    """Return ``image`` as a contiguous RGB uint8 HxWx3 array.

    ``order`` is the order of the colour channels in ``image`` (OpenCV and
    picamera2's "RGB888" deliver ``"bgr"``). Accepts HxW, HxWx1, HxWx3, HxWx4.
    """
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise CameraSourceError(
            f"frames must be uint8, got {array.dtype}",
            hint="convert with (array * 255).astype(numpy.uint8) or similar first",
        )
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        return np.ascontiguousarray(np.repeat(array[:, :, None], 3, axis=2))
    if array.ndim != 3 or array.shape[2] not in (3, 4) or 0 in array.shape:
        raise CameraSourceError(
            f"cannot use an array of shape {array.shape} as an image",
            hint="pass HxW greyscale or HxWx3 / HxWx4 colour arrays",
        )
    array = array[:, :, :3]
    if order == "bgr":
        array = array[:, :, ::-1]
    elif order != "rgb":
        raise ValueError(f"channel order must be 'rgb' or 'bgr', not {order!r}")
    # Slicing gives a strided view; consumers (Pillow, ML runtimes) want packed rows.
    return np.ascontiguousarray(array)


def parse_size(value: str | Size | list[int]) -> Size:
    """``"640x480"`` or ``(640, 480)`` -> ``(640, 480)``; ValueError when malformed."""
    if isinstance(value, str):
        parts = value.lower().replace("×", "x").split("x")
        if len(parts) != 2:
            raise ValueError(f"size must look like 640x480, not {value!r}")
        try:
            width, height = (int(p.strip()) for p in parts)
        except ValueError:
            raise ValueError(f"size must look like 640x480, not {value!r}") from None
    else:
        try:
            width, height = (int(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"size must be (width, height), not {value!r}") from None
    if width <= 0 or height <= 0:
        raise ValueError(f"size must be positive, not {width}x{height}")
    return (width, height)
