"""Raw sensor image -> normalised model input, and the cheap checks before it (pure numpy).

The same functions feed the training recipe, so the model sees exactly what the
kiosk gives it. Local normalisation (zero mean, unit contrast in a window about
two ridge periods wide) removes most of what differs between optical sensors:
background level, contrast, uneven illumination.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .interface import Guidance, NoUsableFingerprint

SENSOR_DPI = 500.0
#: model input sides are padded to a multiple of this (three stride-2 stages)
ALIGN = 8
MIN_SIDE = 64
MAX_SIDE = 1024
NORM_RADIUS = 9  # half window of the local normalisation, px at 500 dpi
BLOCK = 8  # quality statistics per 8 x 8 block
RIDGE_SIGMA = 3.0  # px, smoothing along ridges before the network's second pass


def check_image(image) -> np.ndarray:
    """Validate a raw capture: 2-D uint8 (or 3-D with one channel), not absurdly small or large."""
    if not isinstance(image, np.ndarray):
        raise NoUsableFingerprint("wrong_type",
                                  f"expected a numpy array, got {type(image).__name__}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim != 2:
        raise NoUsableFingerprint(
            "wrong_shape", f"expected a 2-D greyscale image, got shape {image.shape}")
    if image.dtype != np.uint8:
        raise NoUsableFingerprint(
            "wrong_dtype", f"expected uint8 pixels, got {image.dtype}")
    h, w = image.shape
    if min(h, w) < MIN_SIDE:
        raise NoUsableFingerprint(
            "too_small", f"image {w} x {h} is smaller than {MIN_SIDE} px a side",
            Guidance.CENTRE_FINGER)
    if max(h, w) > MAX_SIDE:
        raise NoUsableFingerprint("too_large", f"image {w} x {h} exceeds {MAX_SIDE} px a side")
    return image


def rescale(image: np.ndarray, dpi: float) -> np.ndarray:
    """Resample to the model's 500 dpi (a no-op at 500)."""
    if abs(dpi - SENSOR_DPI) < 1.0:
        return image
    f = SENSOR_DPI / float(dpi)
    h, w = image.shape
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))


def _box(a: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window with edge replication, via an integral image."""
    p = np.pad(a, r + 1, mode="edge").astype(np.float64)
    c = p.cumsum(0).cumsum(1)
    k = 2 * r + 1
    s = c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]
    return (s[: a.shape[0], : a.shape[1]] / (k * k)).astype(np.float32)


def stretch(image: np.ndarray, min_range: float = 110.0) -> np.ndarray:
    """Spread a faint capture's grey levels (1st..99th percentile) over at least ``min_range``.

    Faint, dry prints would otherwise sit under the normalisation's contrast floor.
    """
    lo, hi = np.percentile(image, (1.0, 99.0))
    if hi - lo >= min_range:
        return image
    gain = min_range / max(hi - lo, 4.0)
    mid = (lo + hi) / 2.0
    out = (image.astype(np.float32) - mid) * gain + 255.0 - min_range / 2.0 - 10.0
    return np.clip(out, 0, 255).astype(np.uint8)


def normalise(image: np.ndarray, radius: int = NORM_RADIUS) -> np.ndarray:
    """uint8 (h, w) -> float32 in about [-1, 1]: ridges positive, locally contrast-normalised.

    Flat areas (bare glass) stay near zero because the contrast floor keeps noise small.
    """
    x = 255.0 - image.astype(np.float32)  # ridges dark on the glass -> positive
    mean = _box(x, radius)
    d = x - mean
    std = np.sqrt(np.maximum(_box(d * d, radius), 0.0))
    out = d / np.maximum(std, 12.0)
    return np.clip(out * 0.5, -1.0, 1.0).astype(np.float32)


def smooth_along_ridges(x: np.ndarray, cos2: np.ndarray, sin2: np.ndarray, stride: int,
                        sigma: float = RIDGE_SIGMA) -> np.ndarray:
    """Gaussian smoothing of ``x`` along the local ridge direction, never across ridges.

    ``cos2``, ``sin2``: the doubled ridge angle on a grid of ``stride`` px (the network's
    orientation output). Pores, dirt specks and breaks along a ridge are averaged away while
    the valleys on either side stay apart. Taps every pixel out to 2 sigma each way at the
    nearest pixel of a lightly blurred copy (a cheap stand-in for bilinear reads), one flat
    gather each: a few milliseconds for a sensor image.
    """
    h, w = x.shape
    half = int(np.ceil(2 * sigma))
    theta = 0.5 * np.arctan2(sin2, cos2)
    x = x.astype(np.float32)
    p = np.pad(x, half + 1, mode="edge")
    p[1:-1] = 0.5 * p[1:-1] + 0.25 * (p[:-2] + p[2:])  # [1 2 1] / 4 down, then across
    p[:, 1:-1] = 0.5 * p[:, 1:-1] + 0.25 * (p[:, :-2] + p[:, 2:])
    wp = w + 2 * half + 2
    flat = p.ravel()
    base = ((np.arange(h, dtype=np.intp)[:, None] + half + 1) * wp
            + np.arange(w, dtype=np.intp)[None, :] + half + 1)

    def up(a: np.ndarray) -> np.ndarray:  # grid -> pixels (nearest)
        return np.repeat(np.repeat(a, stride, 0), stride, 1)[:h, :w]

    dx, dy = np.cos(theta), np.sin(theta)
    acc = flat[base]
    total = 1.0
    for t in range(1, half + 1):
        wt = float(np.exp(-t * t / (2 * sigma * sigma)))
        off = up(np.rint(t * dy).astype(np.intp) * wp + np.rint(t * dx).astype(np.intp))
        acc += wt * (flat[base + off] + flat[base - off])
        total += 2 * wt
    return acc * np.float32(1.0 / total)


def pad_to(a: np.ndarray, align: int = ALIGN, value: float = 0.0) -> np.ndarray:
    h, w = a.shape
    ph, pw = (-h) % align, (-w) % align
    if ph == 0 and pw == 0:
        return a
    return np.pad(a, ((0, ph), (0, pw)), constant_values=value)


def block_stats(image: np.ndarray) -> dict:
    """Per-block contrast and ridge coherence, the ingredients of the quality gate."""
    h, w = image.shape
    bh, bw = h // BLOCK, w // BLOCK
    x = image[: bh * BLOCK, : bw * BLOCK].astype(np.float32)
    gy, gx = np.gradient(x)
    def blocks(a):
        return a.reshape(bh, BLOCK, bw, BLOCK).mean(axis=(1, 3))
    std = x.reshape(bh, BLOCK, bw, BLOCK).std(axis=(1, 3))
    # Coherence of the gradient structure tensor over 16 x 16: ridges are oriented, noise is not.
    gxx, gyy, gxy = blocks(gx * gx), blocks(gy * gy), blocks(gx * gy)
    k = np.ones((2, 2), np.float32) / 4.0
    def smooth(a):
        p = np.pad(a, ((0, 1), (0, 1)), mode="edge")
        return k[0, 0] * (p[:-1, :-1] + p[1:, :-1] + p[:-1, 1:] + p[1:, 1:])
    gxx, gyy, gxy = smooth(gxx), smooth(gyy), smooth(gxy)
    coh = np.sqrt((gxx - gyy) ** 2 + 4 * gxy**2) / (gxx + gyy + 1e-6)
    return {"std": std, "coherence": coh, "mean": blocks(x)}


def assess(image: np.ndarray) -> tuple[float, bool, Guidance, dict]:
    """Quality score 0..1 from blocks that are both contrasted and oriented; guidance if poor."""
    st = block_stats(image)
    std, coh, mean = st["std"], st["coherence"], st["mean"]
    fg = (std > 3.0) & (coh > 0.4)
    frac = float(fg.mean())
    glob_std = float(image.std())
    details = {
        "foreground": round(frac, 3),
        "contrast": round(glob_std, 1),
        "coherence": round(float(coh[fg].mean()) if fg.any() else 0.0, 3),
        "mean_level": round(float(image.mean()), 1),
    }
    if glob_std < 4.0:
        return 0.0, False, Guidance.NO_FINGER, {**details, "reason": "blank"}
    if frac < 0.08:
        busy = float(((std > 3.0) & (coh <= 0.4)).mean())
        reason = "low_quality" if busy > 0.3 else "too_small"
        guide = Guidance.CLEAN_OR_DRY if busy > 0.3 else Guidance.PRESS_HARDER
        return frac, False, guide, {**details, "reason": reason}
    dark = float((mean[fg] < 60).mean())
    score = float(np.clip(frac / 0.5, 0, 1) * np.clip((details["coherence"] - 0.3) / 0.4, 0, 1))
    guide = Guidance.OK
    if dark > 0.5:
        guide = Guidance.PRESS_LIGHTER
    elif frac < 0.2:
        guide = Guidance.CENTRE_FINGER
    return score, True, guide, details


def centre_crop(image: np.ndarray, width: int, height: int, fill: int = 255) -> np.ndarray:
    """Centre ``width`` x ``height`` window; white where the image is smaller."""
    h, w = image.shape
    out = np.full((height, width), fill, np.uint8)
    sy, sx = max(0, (h - height) // 2), max(0, (w - width) // 2)
    dy, dx = max(0, (height - h) // 2), max(0, (width - w) // 2)
    ch, cw = min(h, height), min(w, width)
    out[dy:dy + ch, dx:dx + cw] = image[sy:sy + ch, sx:sx + cw]
    return out
