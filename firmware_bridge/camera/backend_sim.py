"""The ``sim`` backend: a camera that replays hw_sim frame sources at a set rate."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Camera
from .errors import CameraSourceError, CameraTimeout
from .frame import ChannelOrder, Size

DEFAULT_FPS = 30.0


class SimCamera(Camera):
    """Frames from images, a folder, a video file or numpy arrays (see
    ``hw_sim.camera.open_source``), paced by a monotonic clock.

    ``fps``: frames per second; None uses the video's own rate or 30, 0 disables
    pacing. ``loop``: start over after the last frame instead of ending the stream.
    ``size``: resize every frame to (width, height). ``order``: channel order of
    arrays given as the source (files are decoded to RGB anyway).
    """

    backend = "sim"

    def __init__(
        self,
        source: Any,
        fps: float | None = None,
        loop: bool = True,
        size: str | Size | None = None,
        order: ChannelOrder = "rgb",
    ):
        super().__init__(size)
        if source is None:
            raise CameraSourceError(
                "the sim camera needs a source",
                hint="pass source= an image file, a folder of images, a video or arrays",
            )
        if fps is not None and fps < 0:
            raise ValueError(f"fps must not be negative, not {fps}")
        self.source_spec = source
        self.fps = fps
        self.loop = loop
        self.order = order
        self._source: Any = None
        self._pacer: Any = None

    def _open_device(self) -> Size:
        # hw_sim is imported here so a device never loads the simulator unless asked.
        from hw_sim.camera.source import Pacer, open_source

        self._source = open_source(self.source_spec, loop=self.loop, order=self.order)
        self._source.rewind()
        fps = self.fps if self.fps is not None else (self._source.fps or DEFAULT_FPS)
        self._pacer = Pacer(fps)
        return self.requested_size or self._source.size

    def _read_image(self, timeout: float) -> np.ndarray:
        from hw_sim.camera.source import resize_rgb

        if not self._pacer.wait(timeout):
            raise CameraTimeout(
                f"the simulated camera had no frame within {timeout:g} s "
                f"({1 / self._pacer.period:g} fps)",
                hint="raise the timeout or the sim fps",
            )
        image = self._source.next_image()
        if self.requested_size is not None:
            image = resize_rgb(image, self.requested_size)
        return image

    def _close_device(self) -> None:
        # A FrameSource passed in by the caller stays theirs; only sources made here close.
        if self._source is not None and self._source is not self.source_spec:
            self._source.close()
        self._source = None
