"""The interface every camera backend implements."""

from __future__ import annotations

import contextlib
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator

import numpy as np

from .errors import CameraEndOfStream, CameraError
from .frame import Frame, Size, parse_size

DEFAULT_TIMEOUT = 5.0


class Camera(ABC):
    """A source of RGB frames. Use as a context manager, or ``open()``/``close()``.

    Backends implement ``_open_device``, ``_read_image`` and ``_close_device``;
    this class keeps the state, numbering and timestamps the same for all of them.
    """

    backend: str = "?"

    def __init__(self, size: str | Size | None = None):
        self.requested_size: Size | None = parse_size(size) if size is not None else None
        self._resolution: Size | None = self.requested_size
        self._is_open = False
        self._sequence = 0

    # -- public API -----------------------------------------------------------

    @property
    def resolution(self) -> Size | None:
        """(width, height) of the frames delivered; before opening, the requested size."""
        return self._resolution

    @property
    def is_open(self) -> bool:
        return self._is_open

    def open(self) -> Camera:
        """Acquire the device. Opening an open camera does nothing."""
        if self._is_open:
            return self
        try:
            resolution = self._open_device()
        except BaseException:
            # Backends may have half-acquired the device; give it back before raising.
            with contextlib.suppress(Exception):
                self._close_device()
            raise
        if resolution is not None:
            self._resolution = resolution
        self._sequence = 0
        self._is_open = True
        return self

    def read(self, timeout: float = DEFAULT_TIMEOUT) -> Frame:
        """The next frame; CameraTimeout if none arrives within ``timeout`` seconds,
        CameraEndOfStream when a finite source is exhausted."""
        if not self._is_open:
            raise CameraError(
                f"the {self.backend} camera is not open",
                hint="call open() first or use 'with open_camera(...) as camera'",
            )
        image = self._read_image(timeout)
        frame = Frame(image=image, timestamp=time.monotonic(), sequence=self._sequence)
        self._sequence += 1
        self._resolution = frame.size
        return frame

    def capture(self, timeout: float = DEFAULT_TIMEOUT) -> Frame:
        """Same as ``read``."""
        return self.read(timeout)

    def frames(self, count: int | None = None, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Frame]:
        """Yield frames until ``count`` is reached or the source ends."""
        delivered = 0
        while count is None or delivered < count:
            try:
                frame = self.read(timeout)
            except CameraEndOfStream:
                return
            yield frame
            delivered += 1

    def close(self) -> None:
        """Release the device. Closing a closed camera does nothing."""
        if not self._is_open:
            return
        self._is_open = False
        self._close_device()

    def __enter__(self) -> Camera:
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self._is_open else "closed"
        size = "x".join(map(str, self._resolution)) if self._resolution else "?"
        return f"<{type(self).__name__} backend={self.backend} {size} {state}>"

    # -- backend hooks ----------------------------------------------------------

    @abstractmethod
    def _open_device(self) -> Size | None:
        """Acquire the device; return the resolution if known. Must raise CameraError
        subclasses, and leave ``_close_device`` safe to call on partial state."""

    @abstractmethod
    def _read_image(self, timeout: float) -> np.ndarray:
        """Return the next image as RGB uint8 HxWx3 (see ``frame.to_rgb``)."""

    @abstractmethod
    def _close_device(self) -> None:
        """Release whatever ``_open_device`` acquired, tolerating partial state."""
