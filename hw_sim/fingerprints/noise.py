"""Smooth random fields, the raw material of every natural-looking variation."""

from __future__ import annotations

import cv2
import numpy as np


def smooth_field(
    rng: np.random.Generator, shape: tuple[int, int], cell: float, *, cubic: bool = True
) -> np.ndarray:
    """Zero-mean, unit-ish-variance noise whose features are about ``cell`` px wide.

    A coarse grid of normal draws is upsampled; that is far cheaper than
    filtering white noise at full size and is what keeps impressions fast.
    """
    h, w = shape
    gh = max(2, int(np.ceil(h / cell)) + 2)
    gw = max(2, int(np.ceil(w / cell)) + 2)
    grid = rng.standard_normal((gh, gw)).astype(np.float32)
    # Upsample the grid so that one cell spans ``cell`` pixels, then crop with a
    # random sub-cell offset so field features do not lock to a fixed lattice.
    big_h, big_w = round(gh * cell), round(gw * cell)
    interp = cv2.INTER_CUBIC if cubic else cv2.INTER_LINEAR
    big = cv2.resize(grid, (big_w, big_h), interpolation=interp)
    oy = int(rng.integers(0, max(1, big_h - h)))
    ox = int(rng.integers(0, max(1, big_w - w)))
    return big[oy : oy + h, ox : ox + w]
