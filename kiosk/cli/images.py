"""Small image file helpers for the CLI."""

from __future__ import annotations

import numpy as np

from .common import CliError


def save_greyscale_png(image: np.ndarray, path: str) -> None:
    from PIL import Image

    try:
        Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8), mode="L").save(path)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot write {path}: {exc}") from None


def load_greyscale(path: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("L"))
    except FileNotFoundError:
        raise CliError(f"image not found: {path}", exit_code=3) from None
    except (UnidentifiedImageError, OSError) as exc:
        raise CliError(f"cannot read {path} as an image: {exc}") from None
