"""Where each impression pixel comes from on the master: placement and skin distortion.

The map is impression -> master (what image warping needs):

    m(u) = c_m + s R(-rotation) @ (u - c_i + D(u))

with c_i the image centre, c_m the master point placed under it, s the
resolution ratio (master px per image px), and D a
displacement field after Cappelli, Maio and Maltoni's plastic distortion
model: zero in the close-contact area, where the skin is held by the glass,
growing smoothly to a small rigid shift and twist towards the edges, where
the finger slid while pressing. Points go the other way (master -> impression)
by fixed-point iteration, which converges because D is small and smooth.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .noise import smooth_field


@dataclass(frozen=True)
class Placement:
    rotation: float  # radians, positive turns the finger clockwise on screen
    master_centre: tuple[float, float]  # master point under the image centre
    contact_centre: tuple[float, float]  # centre of close contact, image px
    contact_radius: float  # no distortion inside, px
    ramp: float  # distortion reaches full strength this far beyond, px
    shift: tuple[float, float]  # full-strength displacement, px
    twist: float  # full-strength rotation, radians
    wobble: float  # amplitude of the random part, px
    scale: float = 1.0  # master px per image px (500 / image dpi)


class Warp:
    """A placement evaluated on one image grid."""

    def __init__(self, placement: Placement, size: tuple[int, int], rng: np.random.Generator):
        h, w = size
        self.size = size
        self.p = placement
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        cx, cy = placement.contact_centre
        r = np.hypot(xs - cx, ys - cy)
        s = np.clip((r - placement.contact_radius) / placement.ramp, 0.0, 1.0)
        s = s * s * (3 - 2 * s)  # smoothstep keeps the map C1 at both ends
        c, sn = np.cos(placement.twist), np.sin(placement.twist)
        rx, ry = xs - cx, ys - cy
        dx = placement.shift[0] + (c - 1) * rx - sn * ry
        dy = placement.shift[1] + sn * rx + (c - 1) * ry
        wob = placement.wobble
        self.dx = (s * dx + wob * smooth_field(rng, size, 70.0)).astype(np.float32)
        self.dy = (s * dy + wob * smooth_field(rng, size, 70.0)).astype(np.float32)
        self.map_x, self.map_y = self._to_master(xs + self.dx, ys + self.dy)

    def _to_master(self, vx, vy):
        h, w = self.size
        ci_x, ci_y = (w - 1) / 2.0, (h - 1) / 2.0
        k = self.p.scale
        c, s = k * np.cos(-self.p.rotation), k * np.sin(-self.p.rotation)
        mx = self.p.master_centre[0] + c * (vx - ci_x) - s * (vy - ci_y)
        my = self.p.master_centre[1] + s * (vx - ci_x) + c * (vy - ci_y)
        return mx.astype(np.float32), my.astype(np.float32)

    def sample(self, master_img: np.ndarray, border_value: float = 0.0) -> np.ndarray:
        return cv2.remap(
            master_img,
            self.map_x,
            self.map_y,
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=border_value,
        )

    def _disp_at(self, x: np.ndarray, y: np.ndarray):
        h, w = self.size
        xi = np.clip(x, 0, w - 1.001)
        yi = np.clip(y, 0, h - 1.001)
        x0, y0 = xi.astype(int), yi.astype(int)
        fx, fy = xi - x0, yi - y0

        def bil(a):
            return (
                a[y0, x0] * (1 - fx) * (1 - fy)
                + a[y0, x0 + 1] * fx * (1 - fy)
                + a[y0 + 1, x0] * (1 - fx) * fy
                + a[y0 + 1, x0 + 1] * fx * fy
            )

        return bil(self.dx), bil(self.dy)

    def to_image(self, mx: np.ndarray, my: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Master points -> impression points (inverse of the pixel map)."""
        h, w = self.size
        ci_x, ci_y = (w - 1) / 2.0, (h - 1) / 2.0
        k = 1.0 / self.p.scale
        c, s = k * np.cos(self.p.rotation), k * np.sin(self.p.rotation)
        ax, ay = mx - self.p.master_centre[0], my - self.p.master_centre[1]
        vx = ci_x + c * ax - s * ay
        vy = ci_y + s * ax + c * ay
        ux, uy = vx.copy(), vy.copy()
        for _ in range(8):
            ddx, ddy = self._disp_at(ux, uy)
            ux, uy = vx - ddx, vy - ddy
        return ux, uy

    def directions_to_image(self, mx, my, theta, step: float = 4.0):
        """Map directions at master points by mapping a short step along them."""
        x0, y0 = self.to_image(mx, my)
        x1, y1 = self.to_image(mx + step * np.cos(theta), my + step * np.sin(theta))
        return x0, y0, np.arctan2(y1 - y0, x1 - x0)
