"""Reading fingerprint images back: segmentation, orientation, ridge period, minutiae.

The same measurements are applied to real and synthetic images by the realism
benchmark, so their differences come from the images, not from the tools.
Everything assumes 500 dpi, dark ridges on a light background.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .minutiae import extract
from .ridges import gabor_pass

BLOCK = 16
WINDOW = 32  # sinusoid-fit window around each block centre
PERIODS = np.arange(5.0, 15.01, 0.5)


@dataclass(frozen=True)
class Analysis:
    """Per-image measurements; block arrays are (h // 16, w // 16)."""

    mask: np.ndarray  # bool (h, w) foreground
    block_mask: np.ndarray  # bool blocks with enough foreground
    orientation: np.ndarray  # per-pixel ridge direction, radians mod pi
    coherence: np.ndarray  # per-block orientation certainty, 0..1
    period: np.ndarray  # per-block ridge period, px (NaN off-print)
    clarity: np.ndarray  # per-block sinusoid fit R^2, 0..1 (NaN off-print)
    normalised: np.ndarray  # float32 image, ridges positive, unit local variance


def normalise(img: np.ndarray, sigma: float = 12.0) -> np.ndarray:
    """Local zero mean, unit variance, ridges positive."""
    g = -img.astype(np.float32)
    mean = cv2.GaussianBlur(g, (0, 0), sigma)
    d = g - mean
    var = cv2.GaussianBlur(d * d, (0, 0), sigma)
    return d / np.sqrt(var + 25.0)


def segment(img: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """Foreground mask from local ridge contrast (block grey-level deviation)."""
    g = img.astype(np.float32)
    d = g - cv2.GaussianBlur(g, (0, 0), 8.0)
    dev = np.sqrt(cv2.GaussianBlur(d * d, (0, 0), block / 2))
    # Ridges are far stronger than sensor noise; the threshold sits between the
    # image's own quiet (noise) and busy (ridge) levels.
    lo, hi = np.percentile(dev, 5), np.percentile(dev, 95)
    mask = dev > max(lo + 0.3 * (hi - lo), 4.0)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (block + 1, block + 1))
    m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, k)
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, k)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    if n > 1:
        # Keep regions of real size only: dust and smudges are small.
        big = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= 0.02 * mask.size) + 1
        m = np.isin(labels, big).astype(np.uint8)
    return m.astype(bool)


def orientation_tensor(g: np.ndarray, sigma: float = 7.0):
    """Ridge direction per pixel and the structure tensor's coherence."""
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    gxx = cv2.GaussianBlur(gx * gx, (0, 0), sigma)
    gyy = cv2.GaussianBlur(gy * gy, (0, 0), sigma)
    gxy = cv2.GaussianBlur(gx * gy, (0, 0), sigma)
    theta = 0.5 * np.arctan2(2 * gxy, gxx - gyy) + np.pi / 2
    coh = np.sqrt((gxx - gyy) ** 2 + 4 * gxy**2) / (gxx + gyy + 1e-6)
    return np.mod(theta, np.pi).astype(np.float32), coh.astype(np.float32)


def _blocks(a: np.ndarray, block: int, window: int) -> np.ndarray:
    """Windows of ``window`` px centred on every block centre (edge-padded)."""
    h, w = a.shape
    pad = (window - block) // 2
    p = np.pad(a, pad, mode="reflect")
    v = np.lib.stride_tricks.sliding_window_view(p, (window, window))
    return v[::block, ::block][: h // block, : w // block]


def period_and_clarity(g: np.ndarray, theta: np.ndarray, block: int = BLOCK):
    """Fit a sinusoid across the ridges in each block: best period and its R^2."""
    h, w = g.shape
    bh, bw = h // block, w // block
    win = _blocks(g, block, WINDOW).reshape(bh * bw, WINDOW * WINDOW)
    win = win - win.mean(1, keepdims=True)
    cy = np.arange(bh) * block + block // 2
    cx = np.arange(bw) * block + block // 2
    t = theta[np.ix_(cy, cx)].reshape(-1)
    yy, xx = np.mgrid[0:WINDOW, 0:WINDOW].astype(np.float32) - (WINDOW - 1) / 2
    taper = np.exp(-(xx**2 + yy**2) / (2 * (WINDOW / 3.5) ** 2)).reshape(-1)
    # Distance of each window pixel across the ridges.
    d = -np.sin(t)[:, None] * xx.reshape(1, -1) + np.cos(t)[:, None] * yy.reshape(1, -1)
    gw = win * taper
    energy = (gw * win).sum(1) + 1e-6
    phase = 2 * np.pi * d[:, None, :] / PERIODS[None, :, None]
    a = np.einsum("np,nkp->nk", gw, np.cos(phase))
    b = np.einsum("np,nkp->nk", gw, np.sin(phase))
    fit = (a * a + b * b) / (energy[:, None] * (taper.sum() / 2))
    k = np.argmax(fit, 1)
    # Parabolic refinement between neighbouring candidate periods.
    k0 = np.clip(k, 1, len(PERIODS) - 2)
    f0, f1, f2 = (fit[np.arange(len(k)), k0 + j] for j in (-1, 0, 1))
    den = f0 - 2 * f1 + f2
    off = np.where(np.abs(den) > 1e-9, 0.5 * (f0 - f2) / den, 0.0)
    period = PERIODS[k0] + np.clip(off, -1, 1) * (PERIODS[1] - PERIODS[0])
    clarity = np.clip(fit[np.arange(len(k)), k], 0, 1)
    return period.reshape(bh, bw).astype(np.float32), clarity.reshape(bh, bw).astype(np.float32)


def analyse(img: np.ndarray) -> Analysis:
    g = normalise(img)
    mask = segment(img)
    theta, coh = orientation_tensor(g)
    period, clarity = period_and_clarity(g, theta)
    h, w = img.shape
    bh, bw = h // BLOCK, w // BLOCK
    frac = cv2.resize(mask.astype(np.float32), (bw, bh), interpolation=cv2.INTER_AREA)
    bmask = frac > 0.75
    cy = np.arange(bh) * BLOCK + BLOCK // 2
    cx = np.arange(bw) * BLOCK + BLOCK // 2
    coh_b = coh[np.ix_(cy, cx)]
    period = np.where(bmask, period, np.nan)
    clarity = np.where(bmask, clarity, np.nan)
    return Analysis(mask, bmask, theta, np.where(bmask, coh_b, np.nan), period, clarity, g)


def enhance(an: Analysis) -> np.ndarray:
    """Contextual Gabor filtering with the estimated orientation and period."""
    h, w = an.normalised.shape
    p = an.period.copy()
    fill = np.nanmedian(p) if np.isfinite(p).any() else 9.0
    p = np.where(np.isfinite(p), p, fill)
    p = cv2.GaussianBlur(np.clip(p, 6.0, 13.0).astype(np.float32), (0, 0), 1.0)
    per = cv2.resize(p, (w, h), interpolation=cv2.INTER_LINEAR)
    return gabor_pass(an.normalised, an.orientation, per)


def image_minutiae(img: np.ndarray, an: Analysis | None = None) -> np.ndarray:
    """Minutiae of a grey image (N x 4, the ground-truth layout) by enhance/thin/scan."""
    an = an if an is not None else analyse(img)
    e = enhance(an)
    mask = an.mask & cv2.resize(
        an.block_mask.astype(np.uint8),
        (img.shape[1], img.shape[0]),
        interpolation=cv2.INTER_NEAREST,
    ).astype(bool)
    return extract(e > 0, mask, min_distance=6.0, border=8)
