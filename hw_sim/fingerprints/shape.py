"""The fingertip silhouette: two half-ellipses, a rounder tip and a longer base.

SFinGe builds its silhouette from four ellipse quarters and a rectangle; two
half-ellipses sharing a width are close enough and keep the maths closed-form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Silhouette:
    cx: float
    cy: float
    half_width: float
    top: float  # distance from the centre to the tip
    bottom: float  # distance from the centre to the base (usually past the canvas)

    def radius(self, xs, ys):
        """Normalised elliptic radius: < 1 inside the finger, 1 on its outline."""
        dy = ys - self.cy
        ry = np.where(dy < 0, self.top, self.bottom)
        return np.sqrt(((xs - self.cx) / self.half_width) ** 2 + (dy / ry) ** 2)

    def mask(self, shape: tuple[int, int]) -> np.ndarray:
        ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
        return self.radius(xs, ys) < 1.0


def draw_silhouette(shape: tuple[int, int], rng: np.random.Generator) -> Silhouette:
    h, w = shape
    half_width = rng.uniform(0.36, 0.43) * w
    top = rng.uniform(0.40, 0.46) * h
    return Silhouette(
        cx=w / 2 + rng.normal(0, 4),
        cy=0.5 * h + rng.normal(0, 5),
        half_width=half_width,
        top=top,
        bottom=top * rng.uniform(1.4, 1.8),
    )
