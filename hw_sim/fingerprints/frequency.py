"""Ridge period maps (pixels per ridge at 500 dpi).

Adult ridge periods are about 0.4 to 0.5 mm, 8 to 10 px at 500 dpi. Within a
finger, ridges crowd together towards the tip and the flanks and spread a
little around the core; a slow random variation rides on top.
"""

from __future__ import annotations

import numpy as np

from .noise import smooth_field
from .shape import Silhouette

PERIOD_RANGE = (8.0, 10.0)


def period_map(
    shape: tuple[int, int],
    silhouette: Silhouette,
    cores: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    base = float(np.clip(rng.normal(9.0, 0.45), *PERIOD_RANGE))
    # Normalised position inside the fingertip: 0 at the pad centre, 1 at the rim.
    rho = silhouette.radius(xs, ys)
    period = base - 0.9 * np.clip(rho - 0.45, 0.0, None) ** 1.5
    # Above the pad centre (towards the tip) ridges are finer still.
    period -= 0.5 * np.clip((silhouette.cy - ys) / silhouette.top, 0.0, 1.0)
    for cx, cy in cores:
        period += 0.5 * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * 40.0**2))
    period += rng.uniform(0.3, 0.5) * smooth_field(rng, shape, 70.0)
    return np.clip(period, 6.8, 11.5).astype(np.float32)
