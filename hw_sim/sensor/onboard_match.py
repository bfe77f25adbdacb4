"""Minutiae alignment and pairing for the simulated sensor's Match/RegModel.

Two sets are compared by (1) rotation-invariant local structures: each minutia's
nearest neighbours as (distance, bearing, relative direction); (2) the rigid
transforms implied by the best-agreeing minutia pairs; (3) one-to-one pairing
(mutual nearest within tolerance) under each transform, refined once by least
squares. Everything is vectorised over candidate pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Tolerances, in pixels at 500 dpi and radians.
DIST_TOL = 10.0
ANGLE_TOL = np.deg2rad(20.0)
MAX_ROTATION = np.deg2rad(40.0)  # impressions on a flat window are roughly upright
_K = 6  # neighbours per local structure
_NB_DIST_TOL, _NB_DIST_REL = 6.0, 0.12
_NB_ANGLE_TOL = np.deg2rad(22.0)
_CANDIDATES = 16
_REFINE = 4
_HULL_MARGIN = 12.0
# Distortion correction after the rigid fit (see _bend).
BEND_STEPS = 2
BEND_SIGMA = 45.0
BEND_PRIOR = 1.0


@dataclass(frozen=True)
class Alignment:
    """Best rigid transform of B onto A and the pairs it explains."""

    rotation: float
    shift: np.ndarray  # (2,) applied after rotating about the origin
    pairs: np.ndarray  # (P, 2) int: index into A, index into B
    overlap_a: int  # A's minutiae inside B's (transformed) convex hull
    overlap_b: int  # B's minutiae inside A's convex hull
    support: np.ndarray  # (P,) local-structure agreement of each pair (neighbours that agree)
    moved_b: np.ndarray  # (m, 3) B's x, y, theta in A's frame, distortion included


def _wrap(a: np.ndarray) -> np.ndarray:
    """Signed angle difference in (-pi, pi]."""
    return (a + np.pi) % (2 * np.pi) - np.pi


def local_structures(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(n, K) distance, bearing, relative direction to the K nearest, and a valid mask."""
    n = len(m)
    x, y, t = m[:, 0], m[:, 1], m[:, 2]
    dx = x[None] - x[:, None]
    dy = y[None] - y[:, None]
    d = np.hypot(dx, dy)
    np.fill_diagonal(d, np.inf)
    k = min(_K, max(n - 1, 0))
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    rows = np.arange(n)[:, None]
    dist = np.full((n, _K), 1e6)  # absent neighbour: far from any real one
    bear = np.zeros((n, _K))
    rel = np.zeros((n, _K))
    dist[:, :k] = d[rows, order]
    bear[:, :k] = _wrap(np.arctan2(dy[rows, order], dx[rows, order]) - t[:, None])
    rel[:, :k] = _wrap(t[order] - t[:, None])
    valid = dist < 1e6
    return dist, bear, rel, valid


def pair_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, m) count of A_i's neighbours that have a compatible neighbour around B_j."""
    da, ba, ra, va = local_structures(a)
    db, bb, rb, vb = local_structures(b)
    dd = np.abs(da[:, None, :, None] - db[None, :, None, :])
    tol = np.maximum(_NB_DIST_TOL, _NB_DIST_REL * da[:, None, :, None])
    ok = dd < tol
    ok &= np.abs(_wrap(ba[:, None, :, None] - bb[None, :, None, :])) < _NB_ANGLE_TOL
    ok &= np.abs(_wrap(ra[:, None, :, None] - rb[None, :, None, :])) < _NB_ANGLE_TOL
    ok &= va[:, None, :, None] & vb[None, :, None, :]
    return ok.any(3).sum(2)


def _transform(b: np.ndarray, rot: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Apply C rotations/shifts to B: returns (C, m, 3) x, y, theta."""
    c, s = np.cos(rot)[:, None], np.sin(rot)[:, None]
    x = c * b[None, :, 0] - s * b[None, :, 1] + shift[:, 0:1]
    y = s * b[None, :, 0] + c * b[None, :, 1] + shift[:, 1:2]
    t = (b[None, :, 2] + rot[:, None]) % (2 * np.pi)
    return np.stack([x, y, t], -1)


def _pairs(a: np.ndarray, tb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mutual-nearest compatible pairs for each of C transformed copies of B.

    Returns (C, n) index of the paired B minutia or -1, and the pair counts (C,).
    """
    dx = a[None, :, None, 0] - tb[:, None, :, 0]
    dy = a[None, :, None, 1] - tb[:, None, :, 1]
    d = np.hypot(dx, dy)
    ang = np.abs(_wrap(a[None, :, None, 2] - tb[:, None, :, 2]))
    d = np.where((d < DIST_TOL) & (ang < ANGLE_TOL), d + 2.0 * ang, np.inf)
    best_b = np.argmin(d, axis=2)  # (C, n)
    best_a = np.argmin(d, axis=1)  # (C, m)
    found = np.isfinite(np.take_along_axis(d, best_b[:, :, None], 2)[:, :, 0])
    mutual = np.take_along_axis(best_a, best_b, 1) == np.arange(a.shape[0])[None]
    match = np.where(found & mutual, best_b, -1)
    return match, (match >= 0).sum(1)


def _rigid_fit(pa: np.ndarray, pb: np.ndarray) -> tuple[float, np.ndarray]:
    """Least-squares rotation and shift taking points pb onto pa."""
    ca, cb = pa.mean(0), pb.mean(0)
    qa, qb = pa - ca, pb - cb
    rot = np.arctan2(
        (qb[:, 0] * qa[:, 1] - qb[:, 1] * qa[:, 0]).sum(),
        (qb[:, 0] * qa[:, 0] + qb[:, 1] * qa[:, 1]).sum(),
    )
    c, s = np.cos(rot), np.sin(rot)
    shift = ca - np.array([c * cb[0] - s * cb[1], s * cb[0] + c * cb[1]])
    return float(rot), shift


def _inside_hull(points: np.ndarray, hull_of: np.ndarray) -> int:
    if len(hull_of) < 3 or len(points) == 0:
        return 0
    hull = cv2.convexHull(hull_of.astype(np.float32))
    return sum(
        cv2.pointPolygonTest(hull, (float(px), float(py)), True) >= -_HULL_MARGIN
        for px, py in points
    )


def align(a: np.ndarray, b: np.ndarray) -> Alignment | None:
    """Best alignment of minutiae set B onto A ((N, 5) arrays), or None if none is plausible."""
    if len(a) < 2 or len(b) < 2:
        return None
    support = pair_similarity(a, b)
    sim = support.astype(float)
    drot = _wrap(a[:, None, 2] - b[None, :, 2])
    sim[np.abs(drot) > MAX_ROTATION] = -1
    # Same-type anchors are likelier to be the same minutia; ties broken by index.
    sim += 0.25 * (a[:, None, 3] == b[None, :, 3])
    flat = np.argsort(-sim, axis=None, kind="stable")[:_CANDIDATES]
    flat = flat[sim.ravel()[flat] >= 1]
    if len(flat) == 0:
        return None
    ia, ib = np.unravel_index(flat, sim.shape)
    rot = drot[ia, ib]
    c, s = np.cos(rot), np.sin(rot)
    shift = np.stack(
        [a[ia, 0] - (c * b[ib, 0] - s * b[ib, 1]), a[ia, 1] - (s * b[ib, 0] + c * b[ib, 1])], 1
    )
    match, counts = _pairs(a, _transform(b, rot, shift))

    # Re-fit the most promising transforms on all their pairs: one anchor's error
    # is spread over the whole print otherwise.
    top = np.argsort(-counts, kind="stable")[:_REFINE]
    r_rot, r_shift = [], []
    for t in top:
        sel = match[t] >= 0
        if sel.sum() >= 3:
            rr, ss = _rigid_fit(a[sel, :2], b[match[t][sel], :2])
        else:
            rr, ss = float(rot[t]), shift[t]
        r_rot.append(rr)
        r_shift.append(ss)
    r_rot_arr, r_shift_arr = np.array(r_rot), np.array(r_shift)
    r_match, r_counts = _pairs(a, _transform(b, r_rot_arr, r_shift_arr))
    all_match = np.concatenate([match, r_match])
    all_counts = np.concatenate([counts, r_counts])
    all_rot = np.concatenate([rot, r_rot_arr])
    all_shift = np.concatenate([shift, r_shift_arr])
    best = int(np.argmax(all_counts))
    if abs(_wrap(np.array(all_rot[best]))) > MAX_ROTATION:
        return None
    tb = _transform(b, all_rot[best : best + 1], all_shift[best : best + 1])[0]
    m = all_match[best]
    for _ in range(BEND_STEPS):
        bent = _bend(a, tb, m)
        m_bent, n_bent = _pairs(a, bent[None])
        if n_bent[0] <= (m >= 0).sum():
            break
        tb, m = bent, m_bent[0]
    pairs = np.stack([np.nonzero(m >= 0)[0], m[m >= 0]], 1)
    return Alignment(
        rotation=float(all_rot[best]),
        shift=all_shift[best],
        pairs=pairs,
        overlap_a=_inside_hull(a[:, :2], tb[:, :2]),
        overlap_b=_inside_hull(tb[:, :2], a[:, :2]),
        support=support[pairs[:, 0], pairs[:, 1]],
        moved_b=tb,
    )


def _bend(a: np.ndarray, tb: np.ndarray, match: np.ndarray) -> np.ndarray:
    """Move aligned B by the smoothed residuals of its pairs: skin is not rigid.

    Each B minutia shifts by a Gaussian-weighted mean of nearby pair residuals,
    shrunk towards zero where few pairs are near, so a lone coincidence in an
    impostor comparison bends nothing.
    """
    sel = match >= 0
    if sel.sum() < 3:
        return tb
    pb = tb[match[sel], :2]
    res = a[sel, :2] - pb
    d2 = ((tb[:, None, :2] - pb[None]) ** 2).sum(-1)
    w = np.exp(-d2 / (2 * BEND_SIGMA**2))
    out = tb.copy()
    out[:, :2] += (w @ res) / (w.sum(1, keepdims=True) + BEND_PRIOR)
    return out


def transform_minutiae(b: np.ndarray, al: Alignment) -> np.ndarray:
    """B's minutiae (N, 5) expressed in A's frame."""
    tb = _transform(b, np.array([al.rotation]), al.shift[None])[0]
    out = b.copy()
    out[:, :3] = tb
    return out
