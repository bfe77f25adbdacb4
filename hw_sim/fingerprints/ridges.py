"""Ridge growth by iterative space-variant Gabor filtering (after SFinGe).

An almost empty image holding a few random seeds is filtered again and again,
each pixel by the Gabor filter tuned to its own orientation and ridge period,
and clipped. Ridges spread out from every seed; where two growth fronts meet
out of phase they join through a ridge ending or a bifurcation, which is how
the minutiae appear without being placed by hand.

Speed: the filter bank is applied in the frequency domain (one forward FFT,
one product and inverse FFT per bank filter), and each pixel interpolates
linearly between the two nearest orientations and periods of the bank.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from scipy import fft

N_ORIENTATIONS = 16
BANK_PERIODS: tuple[float, ...] = (6.8, 8.4, 10.0, 11.6)
SIGMA_ACROSS = 0.42  # envelope across the ridges, in periods
SIGMA_ALONG = 0.8  # along the ridges: longer means smoother, fewer minutiae


def _gabor(period: float, theta: float, half: int) -> np.ndarray:
    """Zero-mean even Gabor kernel; ``theta`` is the ridge direction."""
    y, x = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float64)
    across = -x * np.sin(theta) + y * np.cos(theta)
    along = x * np.cos(theta) + y * np.sin(theta)
    env = np.exp(
        -0.5 * ((across / (SIGMA_ACROSS * period)) ** 2 + (along / (SIGMA_ALONG * period)) ** 2)
    )
    wave = np.cos(2 * np.pi * across / period)
    k = env * wave
    k -= env * (k.sum() / env.sum())  # zero DC: growth must not drift to all-ridge
    # Unit gain for a matched sinusoid, so clipping thresholds mean the same everywhere.
    return k / np.sum(k * wave)


@lru_cache(maxsize=6)
def _bank_spectra(shape: tuple[int, int], scale: float = 1.0) -> np.ndarray:
    """rFFTs of the bank (periods x ``scale``), indexed [period, orientation]."""
    h, w = shape
    out = np.empty((len(BANK_PERIODS), N_ORIENTATIONS, h, w // 2 + 1), np.complex64)
    for i, p in enumerate(np.asarray(BANK_PERIODS) * scale):
        half = int(np.ceil(2.6 * SIGMA_ALONG * p))
        for j in range(N_ORIENTATIONS):
            k = _gabor(p, j * np.pi / N_ORIENTATIONS, half)
            full = np.zeros((h, w), np.float32)
            full[: k.shape[0], : k.shape[1]] = k
            full = np.roll(full, (-half, -half), axis=(0, 1))
            out[i, j] = fft.rfft2(full)
    out.setflags(write=False)
    return out


def bank_weights(
    orientation: np.ndarray, period: np.ndarray, scale: float = 1.0
) -> dict[int, list[tuple[int, np.ndarray, np.ndarray]]]:
    """Which pixels each bank filter serves, with what weight.

    Every pixel blends the two nearest orientations and the two nearest periods
    (bilinear weights). Returned as {period: [(orientation, flat pixel indices,
    weights), ...]}; within one entry the indices are unique, so a plain fancy
    ``+=`` accumulates correctly.
    """
    o = orientation.ravel() * (N_ORIENTATIONS / np.pi)
    o0 = np.floor(o).astype(np.intp)
    wo = (o - o0).astype(np.float32)
    o0 %= N_ORIENTATIONS
    bp = np.asarray(BANK_PERIODS, np.float32) * np.float32(scale)
    p = np.clip(period.ravel(), bp[0], bp[-1])
    p0 = np.clip(np.searchsorted(bp, p, side="right") - 1, 0, len(bp) - 2)
    wp = ((p - bp[p0]) / (bp[p0 + 1] - bp[p0])).astype(np.float32)
    pix = np.arange(o.size)
    filt = np.concatenate(
        [
            p0 * N_ORIENTATIONS + o0,
            p0 * N_ORIENTATIONS + (o0 + 1) % N_ORIENTATIONS,
            (p0 + 1) * N_ORIENTATIONS + o0,
            (p0 + 1) * N_ORIENTATIONS + (o0 + 1) % N_ORIENTATIONS,
        ]
    )
    w = np.concatenate([(1 - wp) * (1 - wo), (1 - wp) * wo, wp * (1 - wo), wp * wo])
    pix = np.tile(pix, 4)
    keep = w > 1e-4
    filt, w, pix = filt[keep], w[keep], pix[keep]
    order = np.argsort(filt, kind="stable")
    filt, w, pix = filt[order], w[order], pix[order]
    bounds = np.flatnonzero(np.diff(filt)) + 1
    groups: dict[int, list] = {}
    for f, ws, ps in zip(
        np.split(filt, bounds), np.split(w, bounds), np.split(pix, bounds), strict=True
    ):
        if len(f):
            i, j = divmod(int(f[0]), N_ORIENTATIONS)
            groups.setdefault(i, []).append((j, ps, ws))
    return groups


def gabor_pass(
    img: np.ndarray, orientation: np.ndarray, period: np.ndarray, weights=None, scale: float = 1.0
) -> np.ndarray:
    """Filter ``img`` once, each pixel with the bank filter of its own orientation and period.

    ``weights`` (from :func:`bank_weights`) may be passed to skip recomputing them;
    ``scale`` shrinks the bank for working on a reduced-resolution canvas.
    """
    shape = img.shape
    spectra = _bank_spectra(shape, scale)
    if weights is None:
        weights = bank_weights(orientation, period, scale)
    spec = fft.rfft2(img.astype(np.float32))
    out = np.zeros(img.size, np.float32)
    for i, entries in weights.items():
        # One batched inverse FFT per period: all orientations at once.
        bank = fft.irfft2(spectra[i] * spec, s=shape, axes=(-2, -1)).reshape(N_ORIENTATIONS, -1)
        for j, pix, w in entries:
            out[pix] += w * bank[j, pix]
    return out.reshape(shape)


def _grow(img, orientation, period, scale, iterations, gain):
    weights = bank_weights(orientation, period, scale)
    resp = img
    for _ in range(iterations):
        resp = gabor_pass(img, orientation, period, weights, scale)
        img = np.clip(gain * resp, -1.0, 1.0)
    return img, resp


def grow_ridges(
    orientation: np.ndarray,
    period: np.ndarray,
    rng: np.random.Generator,
    *,
    seeds_per_mpx: float = 150.0,
    coarse_iterations: int = 24,
    fine_iterations: int = 8,
    gain: float = 2.5,
) -> np.ndarray:
    """Grow a ridge pattern; returns a float32 field, > 0 on ridges, about +-1.

    Growth runs first on a half-resolution canvas (a quarter of the cost per
    pass), where the pattern spreads and its minutiae settle; the result is
    upsampled and refined at full resolution. The returned field is the last
    filter response (a smooth, roughly sinusoidal profile), so thresholding it
    at different levels gives thinner or thicker ridges without moving them.
    """
    h, w = orientation.shape
    ch, cw = (h + 1) // 2, (w + 1) // 2
    c_ori = np.ascontiguousarray(orientation[::2, ::2])
    c_per = np.ascontiguousarray(period[::2, ::2]) * np.float32(0.5)
    img = np.zeros((ch, cw), np.float32)
    n_seeds = max(3, int(rng.poisson(seeds_per_mpx * h * w / 1e6)))
    sy = rng.integers(0, ch, n_seeds)
    sx = rng.integers(0, cw, n_seeds)
    img[sy, sx] = rng.choice([-1.0, 1.0], n_seeds) * 8.0
    img, _ = _grow(img, c_ori, c_per, 0.5, coarse_iterations, gain)
    img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
    _, resp = _grow(img, orientation, period, 1.0, fine_iterations, gain)
    # Normalise the final response so a full-contrast ridge peaks near +-1.
    scale = np.percentile(np.abs(resp), 95) or 1.0
    return np.clip(resp / scale, -1.5, 1.5).astype(np.float32)
