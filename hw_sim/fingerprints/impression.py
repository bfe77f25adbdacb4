"""Impressions: one capture of a master on an optical sensor, with ground truth.

Rendering model (an FTIR optical sensor): bare glass is light, ridges in
contact with the glass are dark. The master's smooth ridge field is warped into
the sensor frame, thresholded at a condition-dependent level (thin dry ridges,
thick wet ones), faded where contact is light, damaged, shaded by uneven
illumination, blurred by the optics and given sensor noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import conditions as cond
from .geometry import Placement, Warp
from .master import MASTER_DPI, Master, make_master
from .noise import smooth_field
from .render import render

SENSOR_SIZE = (288, 256)  # (h, w) of the R30x frame at 500 dpi
ORIENTATION_BLOCK = 8  # px per ground-truth orientation block
MAX_ROTATION = np.deg2rad(20.0)


@dataclass(frozen=True, eq=False)
class Impression:
    """A rendered capture and its ground truth, all in image pixel coordinates.

    ``minutiae``: float32 (N, 4) of x, y, theta, type (0 ending, 1 bifurcation);
    theta as in :mod:`hw_sim.fingerprints.minutiae` (radians, y down).
    ``orientation``: float32 (h // 8, w // 8); block (i, j) holds the ridge
    direction (radians in [0, pi), same angle convention) at pixel
    (x, y) = (8 j + 3.5, 8 i + 3.5), NaN where the finger is not in contact.
    ``mask``: bool (h, w), true where the finger touches the glass.
    ``minutiae_ids``: int32 (N,), each minutia's row in ``master.minutiae``, so
    two impressions of one finger have known minutia correspondences.
    ``cores`` / ``deltas``: (K, 2) float32 x, y of singular points in the frame.
    """

    image: np.ndarray
    minutiae: np.ndarray
    orientation: np.ndarray
    identity: int
    finger: int
    index: int
    condition: str
    fingerprint_class: str
    seed: int = 0
    mask: np.ndarray | None = None
    cores: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))
    deltas: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))
    minutiae_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    rotation: float = 0.0
    dpi: float = MASTER_DPI
    orientation_block: int = ORIENTATION_BLOCK

    def ground_truth(self) -> dict:
        """JSON-ready ground truth (everything but the image)."""
        ori = np.where(np.isnan(self.orientation), -1.0, self.orientation)
        return {
            "identity": self.identity,
            "finger": self.finger,
            "seed": self.seed,
            "index": self.index,
            "condition": self.condition,
            "fingerprint_class": self.fingerprint_class,
            "size": list(self.image.shape),
            "dpi": self.dpi,
            "rotation_rad": round(float(self.rotation), 5),
            "minutiae_format": "x, y, theta (rad, y down), type (0 ending, 1 bifurcation)",
            "minutiae": [[round(float(v), 3) for v in m] for m in self.minutiae],
            "minutiae_ids": self.minutiae_ids.tolist(),
            "cores": np.round(self.cores, 2).tolist(),
            "deltas": np.round(self.deltas, 2).tolist(),
            "orientation_block": self.orientation_block,
            "orientation_format": "rows of block ridge directions, rad in [0, pi); -1 = no contact",
            "orientation": np.round(ori, 3).tolist(),
            "foreground_fraction": None if self.mask is None else round(float(self.mask.mean()), 4),
        }


def _impression_rng(master: Master, index: int, condition: str) -> np.random.Generator:
    ss = np.random.SeedSequence([0x1A9E, *master.key, int(index), cond.CONDITIONS.index(condition)])
    return np.random.default_rng(ss)


def make_impression(
    master: Master,
    index: int,
    condition: str = "normal",
    size: tuple[int, int] = SENSOR_SIZE,
    *,
    dpi: float = MASTER_DPI,
) -> Impression:
    """Render impression ``index`` of ``master`` under ``condition``; deterministic.

    ``size`` (h, w) and ``dpi`` give other sensor geometries; the default is the
    R30x frame. Ground truth is in the output image's pixels either way.
    """
    cond.check(condition)
    if index < 0:
        raise ValueError("impression index must be non-negative")
    if not 250.0 <= dpi <= 1000.0:
        raise ValueError("dpi must be between 250 and 1000")
    k = dpi / MASTER_DPI  # image px per master px
    h, w = int(size[0]), int(size[1])
    if h < 32 or w < 32:
        raise ValueError("impression size must be at least 32 x 32")
    rng = _impression_rng(master, index, condition)
    cap = cond.draw(condition, rng)
    sil = master.silhouette

    # Where the pad presses hardest, and where the sensor window sits on the finger.
    pad = np.array([sil.cx + rng.normal(0, 6), sil.cy - 0.12 * sil.top + rng.normal(0, 8)])
    rotation = float(np.clip(rng.normal(0, np.deg2rad(10)), -MAX_ROTATION, MAX_ROTATION))
    a = rng.uniform(0, 2 * np.pi)
    centre = pad + cap.offset * np.array([np.cos(a), np.sin(a)]) + rng.normal(0, 6, 2)
    c, s = np.cos(rotation), np.sin(rotation)
    rel = pad - centre
    contact_img = (
        (w - 1) / 2 + k * (c * rel[0] - s * rel[1]),
        (h - 1) / 2 + k * (s * rel[0] + c * rel[1]),
    )
    placement = Placement(
        rotation=rotation,
        master_centre=(float(centre[0]), float(centre[1])),
        contact_centre=(float(contact_img[0]), float(contact_img[1])),
        contact_radius=k * rng.uniform(40, 70),
        ramp=k * rng.uniform(80, 140),
        shift=(k * float(rng.normal(0, 8)), k * float(rng.normal(0, 8))),
        twist=float(rng.normal(0, 0.06)),
        wobble=k * rng.uniform(1.0, 2.5),
        scale=1.0 / k,
    )
    warp = Warp(placement, (h, w), rng)
    mx, my = warp.map_x, warp.map_y

    # Contact: an ellipse around the pad that grows with pressure, with a ragged rim.
    ax = sil.half_width * (0.55 + 0.45 * cap.pressure)
    ay = sil.top * (0.6 + 0.5 * cap.pressure)
    rho = np.sqrt(((mx - pad[0]) / ax) ** 2 + ((my - pad[1]) / ay) ** 2)
    rho += 0.035 * smooth_field(rng, (h, w), 70.0)
    contact = np.clip((1.0 - rho) / 0.2, 0.0, 1.0)
    contact *= sil.radius(mx, my) < 1.0
    mask = contact > 0.3

    image = render(warp.sample(master.ridges), contact, cap, rng)

    minutiae, ids = _map_minutiae(master, warp, mask)
    orientation = _map_orientation(master, warp, mask)
    cores = _map_points(master.singular.cores, warp, (h, w))
    deltas = _map_points(master.singular.deltas, warp, (h, w))
    for arr in (image, minutiae, ids, orientation, mask, cores, deltas):
        arr.setflags(write=False)
    return Impression(
        image=image,
        minutiae=minutiae,
        minutiae_ids=ids,
        orientation=orientation,
        identity=master.identity,
        finger=master.finger,
        index=int(index),
        condition=condition,
        fingerprint_class=master.fingerprint_class,
        seed=master.seed,
        mask=mask,
        cores=cores,
        deltas=deltas,
        rotation=rotation,
        dpi=float(dpi),
    )


def _map_points(pts: np.ndarray, warp: Warp, size: tuple[int, int]) -> np.ndarray:
    if len(pts) == 0:
        return np.zeros((0, 2), np.float32)
    x, y = warp.to_image(pts[:, 0].astype(np.float64), pts[:, 1].astype(np.float64))
    h, w = size
    inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    return np.stack([x[inside], y[inside]], 1).astype(np.float32)


def _map_minutiae(master: Master, warp: Warp, mask: np.ndarray):
    """Master minutiae inside the contact area, in image coordinates, and their rows."""
    m = master.minutiae
    if len(m) == 0:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.int32)
    x, y, theta = warp.directions_to_image(
        m[:, 0].astype(np.float64), m[:, 1].astype(np.float64), m[:, 2].astype(np.float64)
    )
    h, w = mask.shape
    xi, yi = np.round(x).astype(int), np.round(y).astype(int)
    inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    inside[inside] = mask[yi[inside], xi[inside]]
    out = np.stack([x, y, np.mod(theta, 2 * np.pi), m[:, 3]], 1)[inside]
    return out.astype(np.float32), np.flatnonzero(inside).astype(np.int32)


def _map_orientation(master: Master, warp: Warp, mask: np.ndarray) -> np.ndarray:
    b = ORIENTATION_BLOCK
    h, w = mask.shape
    bh, bw = h // b, w // b
    ys = np.arange(bh) * b + b // 2
    xs = np.arange(bw) * b + b // 2
    mx = warp.map_x[np.ix_(ys, xs)]
    my = warp.map_y[np.ix_(ys, xs)]
    mh, mw = master.orientation.shape
    inside = (mx >= 0) & (mx < mw - 1) & (my >= 0) & (my < mh - 1)
    theta_m = master.orientation[
        np.clip(np.round(my).astype(int), 0, mh - 1), np.clip(np.round(mx).astype(int), 0, mw - 1)
    ]
    # Local Jacobian of the image -> master map; its inverse carries directions back.
    gxy = np.gradient(warp.map_x)
    gyy = np.gradient(warp.map_y)
    j11, j12 = gxy[1][np.ix_(ys, xs)], gxy[0][np.ix_(ys, xs)]
    j21, j22 = gyy[1][np.ix_(ys, xs)], gyy[0][np.ix_(ys, xs)]
    vx, vy = np.cos(theta_m), np.sin(theta_m)
    det = j11 * j22 - j12 * j21
    ix = (j22 * vx - j12 * vy) / det
    iy = (-j21 * vx + j11 * vy) / det
    ori = np.mod(np.arctan2(iy, ix), np.pi).astype(np.float32)
    valid = inside & mask[np.ix_(ys, xs)]
    ori[~valid] = np.nan
    return ori


def impression(
    identity: int,
    finger: int,
    index: int = 0,
    condition: str = "normal",
    size: tuple[int, int] = SENSOR_SIZE,
    seed: int = 0,
    *,
    dpi: float = MASTER_DPI,
) -> Impression:
    """Shorthand for ``make_impression(make_master(identity, finger, seed), ...)``."""
    cond.check(condition)
    return make_impression(make_master(identity, finger, seed), index, condition, size, dpi=dpi)
