"""Fingerprint classes and where their singular points (cores, deltas) lie.

Positions are in master-canvas pixels (x right, y down). The class decides how
many cores and deltas there are and roughly where; the finger's own random draw
decides the exact spot, so two loops never share a geometry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Henry classes with their natural frequencies (Wilson, Candela and Watson's
# NIST survey, as quoted by Cappelli et al. for SFinGe).
CLASSES: tuple[str, ...] = ("arch", "tented_arch", "left_loop", "right_loop", "whorl")
CLASS_FREQUENCIES: tuple[float, ...] = (0.037, 0.029, 0.338, 0.317, 0.279)


@dataclass(frozen=True)
class SingularPoints:
    """Cores and deltas of one master, each an (N, 2) float array of x, y."""

    cores: np.ndarray
    deltas: np.ndarray


def draw_class(rng: np.random.Generator) -> str:
    p = np.asarray(CLASS_FREQUENCIES)
    return CLASSES[int(rng.choice(len(CLASSES), p=p / p.sum()))]


def place_singular_points(
    cls: str, centre: tuple[float, float], rng: np.random.Generator
) -> SingularPoints:
    """Draw cores and deltas for ``cls`` around the finger-pad ``centre``."""
    cx, cy = centre
    n = rng.normal
    if cls == "arch":
        return SingularPoints(np.zeros((0, 2)), np.zeros((0, 2)))
    if cls == "tented_arch":
        core = (cx + n(0, 12), cy + n(-10, 15))
        delta = (core[0] + n(0, 6), core[1] + rng.uniform(45, 80))
        return SingularPoints(np.array([core]), np.array([delta]))
    if cls in ("left_loop", "right_loop"):
        # A left loop opens to the left, so its delta sits low on the right.
        side = 1.0 if cls == "left_loop" else -1.0
        core = (cx - side * rng.uniform(0, 25) + n(0, 8), cy + n(-15, 18))
        delta = (core[0] + side * rng.uniform(55, 115), core[1] + rng.uniform(80, 135))
        return SingularPoints(np.array([core]), np.array([delta]))
    if cls == "whorl":
        sep = rng.uniform(6, 30)
        tilt = n(0, 0.5)
        mx, my = cx + n(0, 10), cy + n(-10, 15)
        dx, dy = 0.5 * sep * np.sin(tilt), 0.5 * sep * np.cos(tilt)
        cores = np.array([(mx - dx, my - dy), (mx + dx, my + dy)])
        left = (mx - rng.uniform(85, 130), my + rng.uniform(85, 135))
        right = (mx + rng.uniform(85, 130), my + rng.uniform(85, 135))
        return SingularPoints(cores, np.array([left, right]))
    raise ValueError(f"unknown fingerprint class {cls!r}; valid: {', '.join(CLASSES)}")
