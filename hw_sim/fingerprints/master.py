"""Master fingerprints: the whole fingertip's ridge pattern, before any capture.

A master is deterministic in (identity, finger, seed) and cached, since growing
its ridges costs far more than rendering an impression of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .frequency import period_map
from .minutiae import extract
from .orientation import orientation_field
from .ridges import grow_ridges
from .shape import Silhouette, draw_silhouette
from .singular import SingularPoints, draw_class, place_singular_points

# Master canvas (h, w) at 500 dpi: 22.8 x 19.5 mm, room for a whole fingertip.
MASTER_SHAPE = (448, 384)
MASTER_DPI = 500.0


@dataclass(frozen=True, eq=False)
class Master:
    """One finger's ridge pattern and its ground truth, in canvas pixels."""

    identity: int
    finger: int
    seed: int
    fingerprint_class: str
    silhouette: Silhouette
    singular: SingularPoints
    orientation: np.ndarray  # (h, w) ridge direction, radians mod pi
    period: np.ndarray  # (h, w) ridge period, px
    ridges: np.ndarray  # (h, w) float32, > 0 on ridges, about +-1
    minutiae: np.ndarray  # (N, 4) float32: x, y, theta, type
    extras: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.ridges.shape

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.identity, self.finger, self.seed)


def master_rng(seed: int, identity: int, finger: int, stream: int = 0) -> np.random.Generator:
    """Independent, reproducible random stream for one finger (and purpose)."""
    for v in (seed, identity, finger):
        if v < 0:
            raise ValueError("seed, identity and finger must be non-negative integers")
    return np.random.default_rng(np.random.SeedSequence([0x51D1C, seed, identity, finger, stream]))


def build_master(identity: int, finger: int, seed: int = 0) -> Master:
    """Grow a master (uncached; use :func:`make_master`)."""
    rng = master_rng(seed, identity, finger)
    shape = MASTER_SHAPE
    cls = draw_class(rng)
    sil = draw_silhouette(shape, rng)
    # Singular points sit a little above the pad centre, as on real fingers.
    sp = place_singular_points(cls, (sil.cx, sil.cy - 0.1 * sil.top), rng)
    theta = orientation_field(shape, cls, sp, (sil.cx, sil.cy), rng)
    period = period_map(shape, sil, sp.cores, rng)
    ridges = grow_ridges(theta, period, rng)
    minutiae = extract(ridges > 0, sil.mask(shape), min_distance=5.0, border=10)
    for a in (theta, period, ridges, minutiae):
        a.setflags(write=False)
    return Master(
        identity=int(identity),
        finger=int(finger),
        seed=int(seed),
        fingerprint_class=cls,
        silhouette=sil,
        singular=sp,
        orientation=theta,
        period=period,
        ridges=ridges,
        minutiae=minutiae,
    )


@lru_cache(maxsize=128)
def _cached_master(identity: int, finger: int, seed: int) -> Master:
    return build_master(identity, finger, seed)


def make_master(identity: int, finger: int, seed: int = 0) -> Master:
    """The master of (identity, finger, seed): cached, deterministic."""
    return _cached_master(int(identity), int(finger), int(seed))
