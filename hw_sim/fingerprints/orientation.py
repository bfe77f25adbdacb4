"""Ridge orientation fields from singular points.

Loops, whorls and tented arches use the zero-pole model of Sherlock and Monro:
each core turns the ridge direction by +1/2 of the polar angle around it, each
delta by -1/2. Arches have no singular points; their ridges follow the level
lines of a bump-shaped potential. A smooth random perturbation keeps two
prints of the same class from being geometrically identical.

Orientations are ridge directions in radians, in image coordinates (x right,
y down, angle measured from +x towards +y), modulo pi.
"""

from __future__ import annotations

import numpy as np

from .noise import smooth_field
from .singular import SingularPoints


def zero_pole(
    xs: np.ndarray,
    ys: np.ndarray,
    sp: SingularPoints,
    theta_inf: float = 0.0,
    hairpin: float = 0.0,
) -> np.ndarray:
    """Sherlock-Monro orientation at points (xs, ys).

    ``hairpin`` (0..0.8) bends the angle around each core, after Vizcaya and
    Gerhardt's correction: the plain model fans a loop's ridges out widely,
    while real loops are long, nearly parallel hairpins. The polar angle phi
    around the core is replaced by phi - hairpin * sin(phi - phi_open), which
    keeps the core's index (+1/2) but slows the turn along the loop's opening.
    """
    theta = np.full(np.broadcast(xs, ys).shape, theta_inf, dtype=np.float64)
    for k, (cx, cy) in enumerate(sp.cores):
        phi = np.arctan2(ys - cy, xs - cx)
        if hairpin:
            # Orientation the other singular points impose at this core; the
            # opening is where the ridges run radially: phi = 2 * rest.
            rest = theta_inf
            for j, (ox, oy) in enumerate(sp.cores):
                if j != k:
                    rest += 0.5 * np.arctan2(cy - oy, cx - ox)
            for dx, dy in sp.deltas:
                rest -= 0.5 * np.arctan2(cy - dy, cx - dx)
            phi = phi - hairpin * np.sin(phi - 2.0 * rest)
        theta += 0.5 * phi
    for dx, dy in sp.deltas:
        theta -= 0.5 * np.arctan2(ys - dy, xs - dx)
    return theta


def arch(
    xs: np.ndarray, ys: np.ndarray, centre: tuple[float, float], height: float, width: float
) -> np.ndarray:
    """Plain-arch orientation: level lines of y - height * bump(x) * ramp(y)."""
    cx, cy = centre
    bump = np.exp(-0.5 * ((xs - cx) / width) ** 2)
    # The arch flattens out towards the bottom of the finger, as real ones do.
    ramp = 1.0 / (1.0 + np.exp((ys - cy - 40.0) / 45.0))
    dramp = -ramp * (1.0 - ramp) / 45.0
    fx = height * bump * ((xs - cx) / width**2) * ramp
    fy = 1.0 - height * bump * dramp
    # Tangent of a level line of f is (fy, -fx).
    return np.arctan2(-fx, fy)


def orientation_field(
    shape: tuple[int, int],
    cls: str,
    sp: SingularPoints,
    centre: tuple[float, float],
    rng: np.random.Generator,
) -> np.ndarray:
    """Per-pixel ridge orientation for a master canvas of ``shape`` (h, w)."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    tilt = rng.normal(0.0, 0.08)
    if cls == "arch":
        theta = arch(xs, ys, centre, rng.uniform(70, 140), rng.uniform(55, 90)) + tilt
    else:
        hairpin = {"left_loop": 0.6, "right_loop": 0.6, "whorl": 0.3}.get(cls, 0.0)
        theta = zero_pole(xs, ys, sp, tilt, rng.uniform(0.6, 1.1) * hairpin)
    # Smooth wobble, weaker near singular points so they keep their shape.
    wobble = smooth_field(rng, shape, rng.uniform(70, 120)).astype(np.float64)
    amp = rng.uniform(0.06, 0.14)
    pts = np.concatenate([sp.cores, sp.deltas]) if len(sp.cores) + len(sp.deltas) else None
    if pts is not None:
        d2 = np.min([(xs - px) ** 2 + (ys - py) ** 2 for px, py in pts], axis=0)
        wobble *= 1.0 - np.exp(-d2 / (2 * 25.0**2))
    theta = theta + amp * wobble
    return np.mod(theta, np.pi).astype(np.float32)
