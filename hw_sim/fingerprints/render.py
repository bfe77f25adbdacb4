"""From warped ridge field to sensor pixels (an FTIR optical sensor).

Bare glass reflects fully and images light; skin in contact frustrates the
reflection, so ridges print dark and valleys stay light, greyed a little where
moist skin nearly touches. Every imperfection here is one a real capture has:
ragged ridge edges, pores, uneven pressure, breaks (dry skin), filled valleys
(wet skin), unprinted creases and cuts, dirt, optics blur and sensor noise.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.special import ndtri

from .conditions import Capture, damage
from .noise import smooth_field


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def ridge_ink(
    f: np.ndarray, contact: np.ndarray, cap: Capture, rng: np.random.Generator
) -> np.ndarray:
    """How dark each pixel prints, 0 (valley, glass) to 1 (ridge firmly pressed)."""
    size = f.shape
    # Light pressure at the contact rim prints only the ridge crests: thinner ridges.
    t = cap.threshold + 0.35 * (1.0 - contact) + cap.edge_noise * smooth_field(rng, size, 3.5)
    r = smoothstep((f - t) / cap.softness + 0.5)
    if cap.breaks > 0:
        n = smooth_field(rng, size, rng.uniform(5, 9))
        r *= smoothstep((n - ndtri(cap.breaks)) / 0.4 + 0.5)
    if cap.blotches > 0:
        n = smooth_field(rng, size, rng.uniform(8, 14))
        r = np.maximum(r, 0.9 * smoothstep((n - ndtri(1.0 - cap.blotches)) / 0.3))
    if cap.flatten > 0:
        n = smooth_field(rng, size, 4.0)
        r *= 1.0 - cap.flatten * smoothstep(n * 0.5 + 0.5)
    if cap.pores > 0:
        n = smooth_field(rng, size, 2.0)
        r *= 1.0 - smoothstep((n - ndtri(1.0 - cap.pores)) / 0.35)
    r *= 1.0 - cap.mottle * smoothstep(smooth_field(rng, size, 6.0) * 0.5 + 0.5)
    return r * (1.0 - damage(cap, size, rng))


def _specks(n: int, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(size, np.float32)
    h, w = size
    for _ in range(n):
        c = (int(rng.uniform(0, w) * 8), int(rng.uniform(0, h) * 8))
        rad = int(rng.uniform(0.8, 3.5) * 8)
        cv2.circle(out, c, rad, float(rng.uniform(0.3, 1.0)), -1, cv2.LINE_AA, 3)
    return out


def render(
    f: np.ndarray, contact: np.ndarray, cap: Capture, rng: np.random.Generator
) -> np.ndarray:
    """uint8 sensor image from the warped ridge field ``f`` and contact map (0..1)."""
    size = f.shape
    ink = ridge_ink(f, contact, cap, rng)
    depth = cap.contrast * (1.0 + cap.contrast_var * smooth_field(rng, size, 45.0))
    press = np.sqrt(contact)
    bg = cap.background + 8.0 * smooth_field(rng, size, 160.0, cubic=False)
    img = bg - depth * ink * press - cap.valley * press
    if cap.specks:
        img -= 60.0 * _specks(cap.specks, size, rng)
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), cap.blur)
    grain = rng.standard_normal(size).astype(np.float32)
    # Sensor noise is slightly correlated between neighbouring pixels (demosaic-free
    # CMOS, but the optics' point spread smears it).
    grain = 0.7 * grain + 0.9 * cv2.GaussianBlur(grain, (0, 0), 0.8)
    img += cap.noise * grain
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)
