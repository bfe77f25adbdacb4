"""Minutiae from a binary ridge image: thinning, crossing number, direction.

Used on the clean master (ground truth) and, by the realism benchmark, on
enhanced images. Direction convention (same for both types, so it survives a
ridge/valley polarity swap): a ridge ending points along its ridge, into the
ridge body; a bifurcation points between its two branches. Angles are
atan2(dy, dx) in image coordinates (y down), in [0, 2*pi).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

ENDING, BIFURCATION = 0, 1

# Neighbour bit order P2..P9 of Zhang-Suen: N, NE, E, SE, S, SW, W, NW.
_OFFSETS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    kernel = np.zeros((3, 3), np.float32)
    for bit, (dy, dx) in enumerate(_OFFSETS):
        kernel[dy + 1, dx + 1] = 1 << bit
    sub1 = np.zeros(256, bool)
    sub2 = np.zeros(256, bool)
    crossing = np.zeros(256, np.uint8)
    for code in range(256):
        p = [(code >> i) & 1 for i in range(8)]
        b = sum(p)
        a = sum(1 for i in range(8) if p[i] == 0 and p[(i + 1) % 8] == 1)
        ok = 2 <= b <= 6 and a == 1
        n, e, s, w = p[0], p[2], p[4], p[6]
        sub1[code] = ok and n * e * s == 0 and e * s * w == 0
        sub2[code] = ok and n * e * w == 0 and n * s * w == 0
        crossing[code] = sum(abs(p[i] - p[(i + 1) % 8]) for i in range(8)) // 2
    return kernel, sub1, sub2, crossing


def _codes(img: np.ndarray) -> np.ndarray:
    kernel = _tables()[0]
    out = cv2.filter2D(img.astype(np.float32), -1, kernel, borderType=cv2.BORDER_CONSTANT)
    return out.astype(np.uint8)


def thin(binary: np.ndarray, max_iter: int = 40) -> np.ndarray:
    """Zhang-Suen thinning to a one-pixel skeleton (uint8 0/1)."""
    _, sub1, sub2, _ = _tables()
    img = (binary > 0).astype(np.uint8)
    for _ in range(max_iter):
        changed = False
        for table in (sub1, sub2):
            kill = (img == 1) & table[_codes(img)]
            if kill.any():
                img[kill] = 0
                changed = True
        if not changed:
            break
    return img


def _trace(skel: np.ndarray, first: tuple[int, int], visited: set, steps: int):
    """Walk up to ``steps`` pixels along the skeleton starting at ``first``."""
    h, w = skel.shape
    cur = first
    visited = set(visited) | {cur}
    for _ in range(steps - 1):
        nxt = None
        for dy, dx in _OFFSETS:
            q = (cur[0] + dy, cur[1] + dx)
            if 0 <= q[0] < h and 0 <= q[1] < w and skel[q] and q not in visited:
                nxt = q
                break
        if nxt is None:
            break
        visited.add(nxt)
        cur = nxt
    return cur


def _branches(skel: np.ndarray, y: int, x: int) -> tuple[list[tuple[int, int]], set]:
    """One start pixel per branch leaving (y, x), and the pixels not to re-enter."""
    h, w = skel.shape
    ring = []
    for dy, dx in _OFFSETS:
        q = (y + dy, x + dx)
        ring.append((q, 0 <= q[0] < h and 0 <= q[1] < w and bool(skel[q])))
    starts = []
    for i, (q, on) in enumerate(ring):
        if on and not ring[i - 1][1]:
            starts.append(q)
    if not starts and any(on for _, on in ring):
        starts.append(next(q for q, on in ring if on))
    return starts, {(y, x)} | {q for q, on in ring if on}


def _angle(y0: int, x0: int, q: tuple[int, int]) -> float:
    return float(np.arctan2(q[0] - y0, q[1] - x0))


def _mean_angle(a: float, b: float) -> float:
    return float(np.arctan2(np.sin(a) + np.sin(b), np.cos(a) + np.cos(b)))


def extract(
    binary: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    min_distance: float = 6.0,
    trace_len: int = 10,
    border: int = 6,
) -> np.ndarray:
    """Minutiae of a binary ridge image (ridges true) as float32 N x 4 (x, y, theta, type).

    ``mask`` (true where the print is reliable) drops minutiae near or
    outside its edge. Pairs closer than ``min_distance`` (spurs, bridges,
    tiny islands, broken ridges) are removed together, as real extractors do.
    """
    skel = thin(binary)
    crossing = _tables()[3][_codes(skel)]
    keep = skel.astype(bool)
    keep[:border] = keep[-border:] = False
    keep[:, :border] = keep[:, -border:] = False
    if mask is not None:
        inner = cv2.erode(mask.astype(np.uint8), np.ones((2 * border + 1,) * 2, np.uint8))
        keep &= inner.astype(bool)
    ys, xs = np.nonzero(keep & ((crossing == 1) | (crossing == 3)))
    types = np.where(crossing[ys, xs] == 1, ENDING, BIFURCATION)
    if len(ys) == 0:
        return np.zeros((0, 4), np.float32)

    # Drop clustered minutiae (both members of every close pair).
    pts = np.stack([xs, ys], 1).astype(np.float32)
    d2 = ((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    lone = d2.min(1) >= min_distance**2
    out = []
    for x, y, t in zip(xs[lone], ys[lone], types[lone], strict=True):
        starts, visited = _branches(skel, y, x)
        ends = [_trace(skel, q, visited, trace_len) for q in starts]
        if t == ENDING:
            if len(ends) != 1:
                continue
            theta = _angle(y, x, ends[0])
        else:
            if len(ends) != 3:
                continue
            angles = [_angle(y, x, e) for e in ends]
            # The two branches are the closest pair of directions; the stem is the other.
            best, pair = np.inf, (0, 1)
            for i in range(3):
                for j in range(i + 1, 3):
                    d = abs(np.angle(np.exp(1j * (angles[i] - angles[j]))))
                    if d < best:
                        best, pair = d, (i, j)
            theta = _mean_angle(angles[pair[0]], angles[pair[1]])
        out.append((x, y, theta % (2 * np.pi), t))
    return np.asarray(out, np.float32).reshape(-1, 4)
