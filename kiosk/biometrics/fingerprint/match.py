"""Comparing two impressions' records, and fusing records into one score (pure numpy).

1. Local: bit-cylinder similarity of every minutia pair (MCC's bit similarity,
   over the cells valid in both cylinders), zero where the minutiae turn by
   more than 90 degrees against each other.
2. Global: the most similar pairs each propose an alignment (rotation from the
   two directions, translation from the two positions); under each, minutiae
   that land close with a similar direction pair up. The best alignment's
   pairs count, normalised by how many minutiae of each print lie where the
   other print has finger (partial prints are not punished for what is off the
   glass), with a floor so a tiny overlap cannot score high.
"""

from __future__ import annotations

import numpy as np

from .features import wrap
from .template import Record, Template

N_HYPOTHESES = 10
PAIR_DIST = 14.0  # px: how far paired minutiae may lie after alignment
PAIR_ANGLE = np.deg2rad(30.0)
MAX_ROTATION = np.pi / 2
MIN_VALID_FRACTION = 0.5  # of cylinder cells valid in both
MIN_OVERLAP = 12.0  # minutiae: the normalisation's floor
MASK_BLOCK = 8
_COS_PAIR = float(np.cos(PAIR_ANGLE))


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
    dth = np.abs(wrap(b.minutiae[None, :, 2] - a.minutiae[:, None, 2]))
    ok &= dth <= MAX_ROTATION
    return np.where(ok, sim, 0.0).astype(np.float32)


def _inside(mask: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    mh, mw = mask.shape
    i = np.floor(y / MASK_BLOCK).astype(int)
    j = np.floor(x / MASK_BLOCK).astype(int)
    ok = (i >= 0) & (i < mh) & (j >= 0) & (j < mw)
    out = np.zeros(x.shape, bool)
    out[ok] = mask[i[ok], j[ok]]
    return out


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
    rot = pb[ib, 2] - pa[ia, 2]  # (K,)
    c, sn = np.cos(rot)[:, None], np.sin(rot)[:, None]
    dx = pa[None, :, 0] - pa[ia, 0][:, None]
    dy = pa[None, :, 1] - pa[ia, 1][:, None]
    ax = c * dx - sn * dy + pb[ib, 0][:, None]  # (K, Na): a's minutiae in b's frame
    ay = sn * dx + c * dy + pb[ib, 1][:, None]
    ex = ax[:, :, None] - pb[None, None, :, 0]
    ey = ay[:, :, None] - pb[None, None, :, 1]
    # Direction agreement through cosines: cheaper than wrapping angle differences.
    ta = pa[None, :, 2] + rot[:, None]
    cos_d = (np.cos(ta)[:, :, None] * np.cos(pb[:, 2])[None, None, :]
             + np.sin(ta)[:, :, None] * np.sin(pb[:, 2])[None, None, :])
    pair = (ex * ex + ey * ey < PAIR_DIST**2) & (cos_d > _COS_PAIR)
    # One-to-one, approximately: count matched minutiae on the sparser side.
    w = pair * (0.5 + s[None, :, :])
    m = np.minimum(w.max(axis=2).sum(1), w.max(axis=1).sum(1))  # (K,)
    best = int(np.argmax(m))
    if m[best] <= 0:
        return 0.0
    # Overlap under the best alignment: a's minutiae on b's finger, b's on a's.
    ov_a = _inside(b.mask, ax[best], ay[best]).sum()
    cb, sb = c[best, 0], sn[best, 0]
    bx = pb[:, 0] - pb[ib[best], 0]
    by = pb[:, 1] - pb[ib[best], 1]
    rx = cb * bx + sb * by + pa[ia[best], 0]
    ry = -sb * bx + cb * by + pa[ia[best], 1]
    ov_b = _inside(a.mask, rx, ry).sum()
    norm = max(ov_a, MIN_OVERLAP) * max(ov_b, MIN_OVERLAP)
    return float(min(m[best] * m[best] / norm, 1.5) / 1.5)


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
