"""Comparing two impressions' records, and fusing records into one score (pure numpy).

1. Local: bit-cylinder similarity of every minutia pair (MCC's bit similarity,
   over the cells valid in both cylinders), zero where the minutiae turn by
   more than 90 degrees against each other.
2. Global: the most similar pairs each propose an alignment (rotation from the
   two directions, translation from the two positions); under each, minutiae
   that land close with a similar direction pair up, the distance tolerance
   growing away from the alignment's anchor as skin distortion does. The best
   few alignments are refitted by least squares on all their pairs. The best alignment's
   pairs count, normalised by how many minutiae of each print lie where the
   other print has finger (partial prints are not punished for what is off the
   glass), with a floor so a tiny overlap cannot score high.
"""

from __future__ import annotations

import numpy as np

from .template import Record, Template

N_HYPOTHESES = 10
N_REFINE = 3
LOCAL_BASE = 5.0  # pair weight: this + cylinder similarity (mostly a count)
PAIR_DIST = 7.0  # px: pairing tolerance at the alignment anchor...
ELASTIC = 0.045  # ...plus this per px away from it (skin distortion grows)
PAIR_ANGLE = np.deg2rad(30.0)
MAX_ROTATION = np.pi / 2
MIN_VALID_FRACTION = 0.5  # of cylinder cells valid in both
MIN_OVERLAP = 12.0  # minutiae: the normalisation's floor
MASK_BLOCK = 8
_COS_PAIR = float(np.cos(PAIR_ANGLE))
_COS_MAX_ROTATION = float(np.cos(MAX_ROTATION))


def local_similarity(a: Record, b: Record) -> np.ndarray:
    """(Na, Nb) cylinder similarities in 0..1."""
    na, nb = len(a.minutiae), len(b.minutiae)
    if na == 0 or nb == 0:
        return np.zeros((na, nb), np.float32)
    # Products kept small (<= 40 x 40 x 384) so BLAS stays single-threaded and quick;
    # masked counts go through per-cell bit counts (64 wide, not 384).
    ab = a.bits @ b.bits.T
    a_vb = a.counts @ b.valid.T  # a's bits in cells valid in b
    va_b = a.valid @ b.counts.T
    common = a.valid @ b.valid.T
    diff = np.sqrt(np.maximum(a_vb + va_b - 2 * ab, 0.0))
    denom = np.sqrt(a_vb) + np.sqrt(va_b)
    sim = 1.0 - diff / np.maximum(denom, 1e-6)
    cells = a.valid.sum(1)[:, None] + b.valid.sum(1)[None, :]
    ok = (common * 2 >= MIN_VALID_FRACTION * np.maximum(cells, 1)) & (denom > 0)
    ok &= (a.dirs @ b.dirs.T) >= _COS_MAX_ROTATION
    return np.where(ok, sim, 0.0).astype(np.float32)


def _inside(mask: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    mh, mw = mask.shape
    i = np.floor(y / MASK_BLOCK).astype(int)
    j = np.floor(x / MASK_BLOCK).astype(int)
    ok = (i >= 0) & (i < mh) & (j >= 0) & (j < mw)
    out = np.zeros(x.shape, bool)
    out[ok] = mask[i[ok], j[ok]]
    return out


def _pair(a: Record, b: Record, sw: np.ndarray, rot: np.ndarray, tx: np.ndarray,
          ty: np.ndarray, dist: float, anchor: np.ndarray):
    """Pair weights (K, Na, Nb) under K rigid transforms of a onto b: p -> R(rot) p + t.

    ``sw`` is the per-pair weight (from cylinder similarity). Distances and direction
    agreement come from two small matrix products instead of a dozen broadcasts.
    """
    pa = a.minutiae
    k, na, nb = len(rot), len(pa), len(b.minutiae)
    c, sn = np.cos(rot)[:, None], np.sin(rot)[:, None]
    ax = c * pa[None, :, 0] - sn * pa[None, :, 1] + tx[:, None]  # (K, Na) in b's frame
    ay = sn * pa[None, :, 0] + c * pa[None, :, 1] + ty[:, None]
    pts = np.stack([ax, ay], -1).reshape(k * na, 2)
    d2 = ((ax * ax + ay * ay).reshape(-1, 1) + b.norm2[None, :]
          - 2.0 * (pts @ b.xy.T)).reshape(k, na, nb)
    ta = pa[None, :, 2] + rot[:, None]
    dirs = np.stack([np.cos(ta), np.sin(ta)], -1).reshape(k * na, 2)
    cos_d = (dirs @ b.dirs.T).reshape(k, na, nb)
    # Skin distortion grows away from where the alignment was anchored: so does the tolerance.
    r = np.hypot(ax - anchor[:, 0:1], ay - anchor[:, 1:2])  # (K, Na)
    tol = dist + ELASTIC * r
    w = ((d2 < (tol * tol)[:, :, None]) & (cos_d > _COS_PAIR)) * sw[None, :, :]
    # One-to-one, approximately: the matched weight on the sparser side.
    m = np.minimum(w.max(axis=2).sum(1), w.max(axis=1).sum(1))
    return w, m, ax, ay


def _refit(a: Record, b: Record, w: np.ndarray):
    """Least-squares rigid transform from each hypothesis's pairs (weighted Procrustes)."""
    pa, pb = a.minutiae, b.minutiae
    j = w.argmax(axis=2)  # (K, Na) best partner of each of a's minutiae
    wt = w.max(axis=2)
    tot = wt.sum(1) + 1e-9
    ax, ay = pa[None, :, 0], pa[None, :, 1]
    bx, by = pb[j, 0], pb[j, 1]
    mxa, mya = (wt * ax).sum(1) / tot, (wt * ay).sum(1) / tot
    mxb, myb = (wt * bx).sum(1) / tot, (wt * by).sum(1) / tot
    xa, ya = ax - mxa[:, None], ay - mya[:, None]
    xb, yb = bx - mxb[:, None], by - myb[:, None]
    sxx = (wt * (xa * xb + ya * yb)).sum(1)
    sxy = (wt * (xa * yb - ya * xb)).sum(1)
    rot = np.arctan2(sxy, sxx)
    c, sn = np.cos(rot), np.sin(rot)
    return rot, mxb - (c * mxa - sn * mya), myb - (sn * mxa + c * mya), np.stack([mxb, myb], 1)


def compare_records(a: Record, b: Record) -> float:
    """Similarity of two impressions, 0..1."""
    na, nb = len(a.minutiae), len(b.minutiae)
    if na < 2 or nb < 2:
        return 0.0
    s = local_similarity(a, b)
    sr = s.ravel()
    k = min(N_HYPOTHESES, sr.size)
    flat = np.argpartition(sr, -k)[-k:]
    flat = flat[sr[flat] > 0]
    if len(flat) == 0:
        return 0.0
    ia, ib = np.unravel_index(flat, s.shape)
    pa, pb = a.minutiae, b.minutiae
    rot = pb[ib, 2] - pa[ia, 2]  # (K,): each pair's directions give the rotation
    c, sn = np.cos(rot), np.sin(rot)
    tx = pb[ib, 0] - (c * pa[ia, 0] - sn * pa[ia, 1])
    ty = pb[ib, 1] - (sn * pa[ia, 0] + c * pa[ia, 1])
    sw = (LOCAL_BASE + s) / (LOCAL_BASE + 1.0)
    w, m, ax, ay = _pair(a, b, sw, rot, tx, ty, PAIR_DIST, pb[ib, :2])
    # One pair's directions fix the rotation only roughly; refit the best few on all pairs.
    top = np.argsort(-m)[:N_REFINE]
    top = top[m[top] > 0]
    if len(top) == 0:
        return 0.0
    rot2, tx2, ty2, centre = _refit(a, b, w[top])
    _w2, m2, ax2, ay2 = _pair(a, b, sw, rot2, tx2, ty2, PAIR_DIST, centre)
    k2 = int(np.argmax(m2))
    if m2[k2] >= m[top[0]]:
        mb, r, t0, t1, axb, ayb = m2[k2], rot2[k2], tx2[k2], ty2[k2], ax2[k2], ay2[k2]
    else:
        k0 = top[0]
        mb, r, t0, t1, axb, ayb = m[k0], rot[k0], tx[k0], ty[k0], ax[k0], ay[k0]
    # Overlap: a's minutiae on b's finger, and b's on a's (b mapped back into a's frame).
    ov_a = _inside(b.mask, axb, ayb).sum()
    cr, sr_ = np.cos(r), np.sin(r)
    bx, by = pb[:, 0] - t0, pb[:, 1] - t1
    ov_b = _inside(a.mask, cr * bx + sr_ * by, -sr_ * bx + cr * by).sum()
    norm = max(ov_a, MIN_OVERLAP) * max(ov_b, MIN_OVERLAP)
    return float(min(mb * mb / norm, 1.0))


def fuse(probe: Template, reference: Template) -> float:
    """Template score: each probe finger's best impression pair, averaged over fingers.

    Records of a known finger compare only with the same finger (or unknown ones).
    The mean over probe fingers is the sum rule: more fingers, fewer false matches.
    """
    by_finger: dict[int, float] = {}
    for pr in probe.records:
        best = 0.0
        for rr in reference.records:
            if pr.finger != 255 and rr.finger != 255 and pr.finger != rr.finger:
                continue
            best = max(best, compare_records(pr, rr))
        by_finger[pr.finger] = max(by_finger.get(pr.finger, 0.0), best)
    return float(np.mean(list(by_finger.values()))) if by_finger else 0.0
