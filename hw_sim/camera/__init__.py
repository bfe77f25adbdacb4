"""Camera simulator: frame sources replayed by the ``sim`` camera backend."""

from .source import (
    ArraySource,
    FrameSource,
    ImageFilesSource,
    ImageFolderSource,
    IndexedSource,
    Pacer,
    VideoFileSource,
    load_rgb,
    open_source,
    resize_rgb,
)

__all__ = [
    "ArraySource",
    "FrameSource",
    "ImageFilesSource",
    "ImageFolderSource",
    "IndexedSource",
    "Pacer",
    "VideoFileSource",
    "load_rgb",
    "open_source",
    "resize_rgb",
]
