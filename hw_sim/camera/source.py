"""Frame sources for the simulated camera: arrays, image files, folders, video files.

Every source yields RGB uint8 HxWx3 arrays (the camera bridge's channel order) and
raises the camera bridge's own errors, so the simulator fails the way hardware does.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from firmware_bridge.camera.deps import import_cv2
from firmware_bridge.camera.errors import (
    CameraEndOfStream,
    CameraNotFound,
    CameraSourceError,
    CameraUnavailable,
)
from firmware_bridge.camera.frame import ChannelOrder, Size, to_rgb

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pnm"}
)
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".mjpeg", ".mjpg"})

SOURCE_HINT = "give an image file, a folder of images, or a video file"


class FrameSource(ABC):
    """A sequence of RGB frames, replayed from the start when ``loop`` is set."""

    #: The source's own frame rate (video files), or None when it has none.
    fps: float | None = None

    def __init__(self, loop: bool = True):
        self.loop = loop

    @property
    @abstractmethod
    def size(self) -> Size:
        """(width, height) of the first frame."""

    @abstractmethod
    def next_image(self) -> np.ndarray:
        """The next frame as RGB uint8 HxWx3; CameraEndOfStream after the last one
        unless looping."""

    @abstractmethod
    def rewind(self) -> None:
        """Start again from the first frame."""

    def close(self) -> None:  # noqa: B027 - most sources hold nothing to release
        """Release files or decoders."""

    def describe(self) -> str:
        return type(self).__name__


class IndexedSource(FrameSource):
    """A source whose frames can be fetched by position (arrays, image files)."""

    def __init__(self, loop: bool = True):
        super().__init__(loop)
        self._index = 0

    @abstractmethod
    def __len__(self) -> int:
        """Number of frames in one pass."""

    @abstractmethod
    def _frame(self, index: int) -> np.ndarray:
        """Frame ``index`` of one pass as RGB uint8 HxWx3."""

    def next_image(self) -> np.ndarray:
        if self._index >= len(self):
            if not self.loop:
                raise CameraEndOfStream(f"{self.describe()} has no more frames")
            self._index = 0
        image = self._frame(self._index)
        self._index += 1
        return image

    def rewind(self) -> None:
        self._index = 0


class ArraySource(IndexedSource):
    """Frames from numpy arrays (HxW, HxWx3 or HxWx4 uint8) in the given channel order."""

    def __init__(
        self, arrays: Sequence[np.ndarray], loop: bool = True, order: ChannelOrder = "rgb"
    ):
        super().__init__(loop)
        if len(arrays) == 0:
            raise CameraNotFound("no frames given to the simulated camera", hint=SOURCE_HINT)
        # Converted once up front so a bad array fails at open, not mid-stream.
        self._frames = [to_rgb(a, order) for a in arrays]

    @property
    def size(self) -> Size:
        height, width = self._frames[0].shape[:2]
        return (width, height)

    def __len__(self) -> int:
        return len(self._frames)

    def _frame(self, index: int) -> np.ndarray:
        # A copy, so a consumer drawing on a frame does not alter the next loop.
        return self._frames[index].copy()

    def describe(self) -> str:
        return f"the array source ({len(self)} frames)"


class ImageFilesSource(IndexedSource):
    """Frames from image files, decoded with Pillow one at a time (folders can be large)."""

    def __init__(self, paths: Sequence[str | Path], loop: bool = True):
        super().__init__(loop)
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            raise CameraNotFound("no image files given to the simulated camera", hint=SOURCE_HINT)
        # Headers only: catches missing and non-image files at open without decoding all.
        self._sizes = [_image_size(p) for p in self.paths]

    @property
    def size(self) -> Size:
        return self._sizes[0]

    def __len__(self) -> int:
        return len(self.paths)

    def _frame(self, index: int) -> np.ndarray:
        return load_rgb(self.paths[index])

    def describe(self) -> str:
        if len(self.paths) == 1:
            return str(self.paths[0])
        return f"{len(self.paths)} image files"


class ImageFolderSource(ImageFilesSource):
    """Every image file in a folder (not recursive), in natural name order."""

    def __init__(self, folder: str | Path, loop: bool = True):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise CameraNotFound(f"folder {self.folder} does not exist", hint=SOURCE_HINT)
        paths = sorted(
            (
                p
                for p in self.folder.iterdir()
                if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".") and p.is_file()
            ),
            key=_natural_key,
        )
        if not paths:
            raise CameraNotFound(
                f"no images in folder {self.folder}",
                hint=f"put PNG or JPEG files there ({', '.join(sorted(IMAGE_SUFFIXES))})",
            )
        super().__init__(paths, loop)

    def describe(self) -> str:
        return f"folder {self.folder}"


class VideoFileSource(FrameSource):
    """Frames from a video file through OpenCV (needs opencv-python-headless)."""

    def __init__(self, path: str | Path, loop: bool = True):
        super().__init__(loop)
        self.path = Path(path)
        if not self.path.is_file():
            raise CameraNotFound(f"video file {self.path} does not exist", hint=SOURCE_HINT)
        self._cv2 = import_cv2("video files in the camera simulator")
        self._capture: Any = None
        self._pending: np.ndarray | None = self._open_and_read_first()
        if self._pending is None:
            raise CameraSourceError(f"{self.path} has no frames OpenCV can decode")
        height, width = self._pending.shape[:2]
        self._size = (width, height)
        fps = float(self._capture.get(self._cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0 < fps < 1000 else None

    @property
    def size(self) -> Size:
        return self._size

    def next_image(self) -> np.ndarray:
        if self._pending is not None:
            image, self._pending = self._pending, None
            return image
        image = self._read()
        if image is None:
            if not self.loop:
                raise CameraEndOfStream(f"video {self.path} has no more frames")
            # Reopening is more reliable than seeking to 0 across codecs and containers.
            image = self._open_and_read_first()
            if image is None:
                raise CameraSourceError(f"{self.path} could not be read again from the start")
        return image

    def rewind(self) -> None:
        self._pending = self._open_and_read_first()

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def describe(self) -> str:
        return f"video {self.path}"

    def _open_and_read_first(self) -> np.ndarray | None:
        self.close()
        capture = self._cv2.VideoCapture(str(self.path))
        if not capture.isOpened():
            capture.release()
            raise CameraSourceError(f"OpenCV cannot open {self.path} as a video")
        self._capture = capture
        return self._read()

    def _read(self) -> np.ndarray | None:
        ok, image = self._capture.read()
        if not ok or image is None:
            return None
        return to_rgb(image, "bgr")


def open_source(spec: Any, loop: bool = True, order: ChannelOrder = "rgb") -> FrameSource:
    """Make a FrameSource from a path (image, folder, video), an array, or a list of
    either. A FrameSource is returned as it is."""
    if isinstance(spec, FrameSource):
        return spec
    if isinstance(spec, np.ndarray):
        return ArraySource([spec], loop=loop, order=order)
    if isinstance(spec, str | Path):
        return _source_for_path(Path(spec), loop)
    if isinstance(spec, Sequence) and len(spec) > 0:
        if all(isinstance(item, np.ndarray) for item in spec):
            return ArraySource(spec, loop=loop, order=order)
        if all(isinstance(item, str | Path) for item in spec):
            return ImageFilesSource(spec, loop=loop)
    raise CameraSourceError(
        f"cannot make camera frames from {type(spec).__name__}", hint=SOURCE_HINT
    )


def _source_for_path(path: Path, loop: bool) -> FrameSource:
    if path.is_dir():
        return ImageFolderSource(path, loop=loop)
    if not path.exists():
        raise CameraNotFound(f"{path} does not exist", hint=SOURCE_HINT)
    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return VideoFileSource(path, loop=loop)
    if suffix in IMAGE_SUFFIXES:
        return ImageFilesSource([path], loop=loop)
    # Unknown suffix: an image if Pillow knows it, else a video if OpenCV does.
    try:
        return ImageFilesSource([path], loop=loop)
    except CameraSourceError as not_image:
        try:
            return VideoFileSource(path, loop=loop)
        except (CameraSourceError, CameraUnavailable):
            raise CameraSourceError(
                f"{path} is neither an image nor a video this machine can read",
                hint=SOURCE_HINT,
            ) from not_image


def load_rgb(path: str | Path) -> np.ndarray:
    """Decode an image file into RGB uint8 HxWx3, honouring EXIF rotation."""
    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image)
            if image.mode == "I" or image.mode.startswith("I;16"):
                # 16-bit greyscale: keep the high byte, Pillow's convert would clip to white.
                wide = np.asarray(image).astype(np.uint32)
                return to_rgb(np.clip(wide >> 8, 0, 255).astype(np.uint8))
            if image.mode != "RGB":
                image = image.convert("RGB")
            return np.array(image)
    except FileNotFoundError:
        raise CameraNotFound(f"image file {path} does not exist", hint=SOURCE_HINT) from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise CameraSourceError(f"cannot read image {path}: {_reason(exc)}") from None


def resize_rgb(image: np.ndarray, size: Size) -> np.ndarray:
    """Resize an RGB frame to (width, height) with bilinear filtering."""
    if (image.shape[1], image.shape[0]) == tuple(size):
        return image
    resized = Image.fromarray(image).resize(tuple(size), Image.Resampling.BILINEAR)
    return np.array(resized)


class Pacer:
    """Spaces frames ``1/fps`` apart on a monotonic clock.

    A late reader gets the next frame at once but no burst of back-frames, the way a
    camera drops frames rather than queueing them. ``fps`` of 0 or None: no pacing.
    """

    def __init__(
        self,
        fps: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if fps is not None and fps < 0:
            raise ValueError(f"fps must not be negative, not {fps}")
        self.period = 1.0 / fps if fps else 0.0
        self._clock = clock
        self._sleep = sleep
        self._due: float | None = None

    def wait(self, timeout: float) -> bool:
        """Sleep until the next frame is due. False (after sleeping ``timeout``) when it
        is due later than that; the schedule is kept for the next call."""
        if not self.period:
            return True
        now = self._clock()
        due = now if self._due is None else self._due
        delay = due - now
        if delay > timeout:
            self._sleep(max(timeout, 0.0))
            return False
        if delay > 0:
            self._sleep(delay)
        self._due = max(due, now) + self.period
        return True

    def reset(self) -> None:
        self._due = None


def _image_size(path: Path) -> Size:
    if not path.is_file():
        raise CameraNotFound(f"image file {path} does not exist", hint=SOURCE_HINT)
    try:
        with Image.open(path) as image:
            width, height = image.size
            # EXIF-rotated photos come out with width and height swapped.
            orientation = image.getexif().get(0x0112, 1)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise CameraSourceError(f"cannot read image {path}: {_reason(exc)}") from None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnidentifiedImageError):
        return "not an image format Pillow recognises"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _natural_key(path: Path) -> list[Any]:
    # frame2.png before frame10.png.
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]
