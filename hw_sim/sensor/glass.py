"""What lies on the simulated sensor glass: nothing, a fixed image, or a live finger.

A live (synthetic) finger gives a fresh impression at every capture, as a real
finger never lands twice the same way. Scripts set what the next captures see.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

import numpy as np

from firmware_bridge.r30x.protocol import IMAGE_HEIGHT, IMAGE_WIDTH
from kiosk.biometrics.fingerprint.preprocess import centre_crop

ImageSource = Callable[[int], np.ndarray]  # capture number -> image


def fit_to_sensor(image: np.ndarray) -> np.ndarray:
    """Centre-crop or pad (white) any greyscale/RGB image to the 288x256 window."""
    img = np.asarray(image)
    if img.shape == (IMAGE_HEIGHT, IMAGE_WIDTH) and img.dtype == np.uint8:
        return img  # the common case (every synthetic capture): nothing to copy
    if img.ndim == 3:
        img = img[..., :3].mean(axis=2)
    if img.ndim != 2 or img.size == 0:
        raise ValueError(f"not an image: shape {img.shape}")
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    return centre_crop(img, IMAGE_WIDTH, IMAGE_HEIGHT)


def synthetic_finger(identity: int, finger: int = 0, condition: str = "normal",
                     seed: int = 0, first_index: int = 0) -> ImageSource:
    """A generated finger: capture n returns impression ``first_index + n``."""
    from hw_sim.fingerprints import CONDITIONS, impression, make_master

    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; use one of {', '.join(CONDITIONS)}")
    # Growing a master takes seconds; do it now, not inside GenImg, so the module
    # answers as fast as a real one (clients time out after ~2 s).
    make_master(identity, finger, seed)

    def source(n: int) -> np.ndarray:
        imp = impression(identity, finger, first_index + n, condition,
                         size=(IMAGE_HEIGHT, IMAGE_WIDTH), seed=seed)
        return imp.image

    return source


class Glass:
    """Thread-safe holder of the current finger, with an optional capture script."""

    def __init__(self):
        self._lock = threading.Lock()
        self._source: ImageSource | None = None
        self._captures = 0
        self._script: deque[list] = deque()

    def place(self, finger: np.ndarray | ImageSource) -> None:
        """Put an image (kept as is) or an image source (fresh each capture) on the glass."""
        source = finger if callable(finger) else _fixed(fit_to_sensor(finger))
        with self._lock:
            self._script.clear()
            self._source, self._captures = source, 0

    def place_synthetic(self, identity: int, finger: int = 0, condition: str = "normal",
                        seed: int = 0, first_index: int = 0) -> None:
        self.place(synthetic_finger(identity, finger, condition, seed, first_index))

    def lift(self) -> None:
        with self._lock:
            self._script.clear()
            self._source = None

    def script(self, steps: list[tuple[int, np.ndarray | ImageSource | None]]) -> None:
        """Steps of (number of captures, finger or None); the last step then stays."""
        prepared: deque[list] = deque()
        for polls, finger in steps:
            if finger is not None and not callable(finger):
                finger = _fixed(fit_to_sensor(finger))
            prepared.append([max(1, int(polls)), finger])
        with self._lock:
            self._script = prepared
            self._captures = 0

    @property
    def occupied(self) -> bool:
        with self._lock:
            return self._source is not None

    def capture(self) -> np.ndarray | None:
        """The image a GenImg sees now, or None when the glass is empty."""
        with self._lock:
            if self._script:
                step = self._script[0]
                self._source = step[1]
                step[0] -= 1
                if step[0] <= 0 and len(self._script) > 1:
                    self._script.popleft()
            source = self._source
            if source is None:
                return None
            n = self._captures
            self._captures += 1
        return fit_to_sensor(source(n))


def _fixed(image: np.ndarray) -> ImageSource:
    return lambda _n: image
