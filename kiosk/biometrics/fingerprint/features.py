"""Model maps -> minutiae, foreground mask, local descriptors, fixed-length code (pure numpy).

Local descriptors are bit cylinders in the manner of the Minutia Cylinder-Code
(Cappelli, Maio, Maltoni 2010): around each minutia, in its own frame (so
rotation and translation do not matter), which neighbours lie where and with
which relative direction. The fixed-length code is a histogram of minutia
pairs (distance, two relative angles), equally invariant, for 1:N shortlists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRIDE = 4  # model output grid, px
#: the model's output channels that the doubled ridge angle comes in (cos 2a, sin 2a)
ORIENT_COS2, ORIENT_SIN2 = 6, 7
MASK_BLOCK = 8  # template foreground mask resolution, px
MAX_MINUTIAE = 60
HEAT_THRESHOLD = 0.3

# Cylinder geometry (px at 500 dpi).
CYL_R = 70.0
CYL_NS = 8
CYL_ND = 6
CYL_SIGMA_S = 9.0
CYL_SIGMA_D = 2 * np.pi / 9
CYL_BIT_LEVEL = 0.3
CYL_BITS = CYL_NS * CYL_NS * CYL_ND

EMB_DIM = 64
_HIST_D = np.array([0, 20, 35, 50, 65, 80, 100, 120, 145, 175, 210], np.float32)
_HIST_A = 8


@dataclass(frozen=True)
class Features:
    """One impression: minutiae (N, 4: x, y, theta, quality) and a block foreground mask."""

    minutiae: np.ndarray
    mask: np.ndarray  # bool (h / 8, w / 8)


def _max3(a: np.ndarray) -> np.ndarray:
    p = np.pad(a, 1, constant_values=-np.inf)
    h, w = a.shape
    return np.max([p[i:i + h, j:j + w] for i in range(3) for j in range(3)], axis=0)


def _mean3(a: np.ndarray, edge: bool = True) -> np.ndarray:
    p = np.pad(a, 1, mode="edge") if edge else np.pad(a, 1)
    h, w = a.shape
    return np.mean([p[i:i + h, j:j + w] for i in range(3) for j in range(3)], axis=0)


def decode(maps: np.ndarray, shape: tuple[int, int], heat_threshold: float = HEAT_THRESHOLD,
           max_minutiae: int = MAX_MINUTIAE) -> Features:
    """Stride-4 maps (gh, gw, 8) -> minutiae in pixels of an image of ``shape`` (h, w)."""
    h, w = shape
    gh, gw = -(-h // STRIDE), -(-w // STRIDE)
    maps = maps[:gh, :gw]
    seg = _mean3(maps[..., 0]) > 0.5
    # Minutiae need finger all around them: the rim of the contact area, and the image edge
    # where it cuts the finger, are full of false endings.
    core = _mean3(seg.astype(np.float32), edge=False) > 0.99
    heat = maps[..., 1]
    # The int8 model's heat map has a few dozen levels, so neighbouring cells tie and a plain
    # ">= its neighbours" test keeps both: duplicate minutiae a cell apart. Ties go to the cell
    # whose neighbourhood is hotter (the plateau's centre), then to the first in raster order.
    key = (heat.astype(np.float64) + 1e-3 * _mean3(heat)
           - 1e-9 * np.arange(heat.size).reshape(heat.shape))
    peaks = (key >= _max3(key)) & (heat > heat_threshold) & core
    i, j = np.nonzero(peaks)
    q = heat[i, j]
    order = np.argsort(-q, kind="stable")[:max_minutiae]
    i, j, q = i[order], j[order], q[order]
    x = (j + maps[i, j, 2]) * STRIDE
    y = (i + maps[i, j, 3]) * STRIDE
    th = np.mod(np.arctan2(maps[i, j, 5], maps[i, j, 4]), 2 * np.pi)
    mn = np.stack([x, y, th, q], 1).astype(np.float32)
    mh, mw = -(-h // MASK_BLOCK), -(-w // MASK_BLOCK)
    k = MASK_BLOCK // STRIDE
    sp = np.zeros((mh * k, mw * k), bool)
    sp[: seg.shape[0], : seg.shape[1]] = seg
    mask = sp.reshape(mh, k, mw, k).mean(axis=(1, 3)) >= 0.5
    return Features(mn, mask)


def _cell_offsets() -> tuple[np.ndarray, np.ndarray]:
    d = 2 * CYL_R / CYL_NS
    c = (np.arange(CYL_NS) - (CYL_NS - 1) / 2) * d
    u, v = np.meshgrid(c, c)
    return u.ravel(), v.ravel()


_U, _V = _cell_offsets()
IN_CIRCLE = np.hypot(_U, _V) <= CYL_R
_DIR_CENTRES = -np.pi + (np.arange(CYL_ND) + 0.5) * (2 * np.pi / CYL_ND)


def wrap(a: np.ndarray) -> np.ndarray:
    """Angle difference into [-pi, pi)."""
    return np.mod(a + np.pi, 2 * np.pi) - np.pi


def cylinders(minutiae: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bits (N, NS*NS*ND) bool, cell validity (N, NS*NS) bool) for each minutia."""
    n = len(minutiae)
    if n == 0:
        return np.zeros((0, CYL_BITS), bool), np.zeros((0, CYL_NS * CYL_NS), bool)
    x, y, th = (minutiae[:, k].astype(np.float64) for k in range(3))
    c, s = np.cos(th)[:, None], np.sin(th)[:, None]
    # Cell centres in the image, each cylinder turned to its minutia's direction.
    cx = x[:, None] + c * _U - s * _V
    cy = y[:, None] + s * _U + c * _V
    mh, mw = mask.shape
    bi = np.clip((cy / MASK_BLOCK).astype(int), -1, mh)
    bj = np.clip((cx / MASK_BLOCK).astype(int), -1, mw)
    inside = (bi >= 0) & (bi < mh) & (bj >= 0) & (bj < mw)
    valid = np.zeros_like(inside)
    valid[inside] = mask[bi[inside], bj[inside]]
    valid &= IN_CIRCLE[None, :]
    d2 = (cx[:, :, None] - x[None, None, :]) ** 2 + (cy[:, :, None] - y[None, None, :]) ** 2
    gs = np.exp(-d2 / (2 * CYL_SIGMA_S**2))  # (N, cells, N)
    gs[:, :, np.arange(n)] = gs[:, :, np.arange(n)] * (1 - np.eye(n))[:, None, :]
    dphi = wrap(th[None, :] - th[:, None])  # (i, j): neighbour direction relative to i
    gd = np.exp(-wrap(dphi[:, :, None] - _DIR_CENTRES[None, None, :]) ** 2
                / (2 * CYL_SIGMA_D**2))  # (N, N, ND)
    contrib = np.einsum("icj,ijk->ick", gs, gd)
    bits = (contrib > CYL_BIT_LEVEL) & valid[:, :, None]
    return bits.reshape(n, -1), valid


def pair_histogram(minutiae: np.ndarray) -> np.ndarray | None:
    """Square-rooted share of minutia pairs per (distance, relative direction, bearing) bin."""
    n = len(minutiae)
    if n < 3:
        return None
    x, y, th = (minutiae[:, k].astype(np.float64) for k in range(3))
    dx, dy = x[None, :] - x[:, None], y[None, :] - y[:, None]
    d = np.hypot(dx, dy)
    alpha = np.mod(th[None, :] - th[:, None], 2 * np.pi)  # relative direction
    beta = np.mod(np.arctan2(dy, dx) - th[:, None], 2 * np.pi)  # where j lies, seen from i
    off = ~np.eye(n, dtype=bool) & (d < _HIST_D[-1])
    if not off.any():
        return None
    db = np.searchsorted(_HIST_D, d[off], side="right") - 1
    ab = (alpha[off] / (2 * np.pi) * _HIST_A).astype(int) % _HIST_A
    bb = (beta[off] / (2 * np.pi) * _HIST_A).astype(int) % _HIST_A
    nd = len(_HIST_D) - 1
    hist = np.bincount((db * _HIST_A + ab) * _HIST_A + bb, minlength=nd * _HIST_A * _HIST_A)
    return np.sqrt(hist / hist.sum())


def embedding(minutiae: np.ndarray) -> np.ndarray:
    """Fixed-length code (EMB_DIM float32, unit length) from minutia pairs; zeros if too few."""
    v = pair_histogram(minutiae)
    if v is None:
        return np.zeros(EMB_DIM, np.float32)
    v = _projection() @ v
    norm = np.linalg.norm(v)
    return (v / norm).astype(np.float32) if norm > 0 else np.zeros(EMB_DIM, np.float32)


_PROJ: np.ndarray | None = None


def _projection() -> np.ndarray:
    """Fixed seeded random projection of the pair histogram (part of the template format)."""
    global _PROJ
    if _PROJ is None:
        nd = len(_HIST_D) - 1
        rng = np.random.default_rng(0x51D1C)
        _PROJ = rng.standard_normal((EMB_DIM, nd * _HIST_A * _HIST_A)) / np.sqrt(EMB_DIM)
    return _PROJ
