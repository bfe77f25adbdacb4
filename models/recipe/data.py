"""Training samples from the synthetic generator: sensor-like augmentation and dense targets.

A sample is a normalised image crop and, on the model's stride-4 grid, the
targets (segmentation, minutia heat map, sub-cell offset, minutia direction,
ridge orientation) with their loss masks. Augmentation mimics what the
generator does not vary enough and what other optical sensors do: rotation,
scale (other resolutions), contrast and gamma, blur, noise, partial contact.
"""

from __future__ import annotations

import cv2
import numpy as np

from hw_sim.fingerprints import CONDITIONS, make_impression
from hw_sim.fingerprints.master import Master
from kiosk.biometrics.fingerprint.preprocess import normalise

STRIDE = 4
#: target channels: seg, heat, offx, offy, dcos, dsin, ocos, osin, then masks mw, mwd, ow
N_OUT = 8
N_TARGET = 11
COND_P = np.array([0.45, 0.12, 0.12, 0.11, 0.11, 0.09])


def render(master: Master, index: int, condition: str):
    imp = make_impression(master, index, condition)
    return imp.image, imp.minutiae, imp.orientation, imp.mask


def augment(image, minutiae, orientation, mask, rng: np.random.Generator, out: int):
    """Random similarity transform into an ``out`` x ``out`` crop plus photometric changes."""
    h, w = image.shape
    ang = rng.uniform(-np.pi, np.pi) if rng.random() < 0.3 else rng.normal(0, 0.25)
    scale = float(np.exp(rng.uniform(np.log(0.88), np.log(1.15))))
    # Crop centre on the finger most of the time.
    ys, xs = np.nonzero(mask)
    if len(xs) and rng.random() < 0.85:
        k = rng.integers(len(xs))
        cx, cy = xs[k] + rng.normal(0, 10), ys[k] + rng.normal(0, 10)
    else:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    c, s = np.cos(ang) * scale, np.sin(ang) * scale
    # Affine map source -> crop: rotate by ang, scale, put (cx, cy) at the crop centre.
    m = np.array([[c, -s, out / 2 - (c * cx - s * cy)], [s, c, out / 2 - (s * cx + c * cy)]])
    bg = float(np.median(image[~mask])) if (~mask).any() else 220.0
    img = cv2.warpAffine(image, m, (out, out), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=bg)
    msk = cv2.warpAffine(mask.astype(np.uint8), m, (out, out), flags=cv2.INTER_NEAREST) > 0
    # Orientation: nearest-upsampled doubled-angle field, warped, angle advanced by ang.
    ori = np.nan_to_num(orientation, nan=0.0)
    valid = (~np.isnan(orientation)).astype(np.float32)
    big = cv2.resize(np.stack([np.cos(2 * ori) * valid, np.sin(2 * ori) * valid, valid], -1),
                     (w, h), interpolation=cv2.INTER_NEAREST)
    big = cv2.warpAffine(big, m, (out, out), flags=cv2.INTER_NEAREST)
    ca, sa = np.cos(2 * ang), np.sin(2 * ang)
    oc = big[..., 0] * ca - big[..., 1] * sa
    os_ = big[..., 0] * sa + big[..., 1] * ca
    ov = big[..., 2] > 0.5
    mn = minutiae.astype(np.float64)
    if len(mn):
        px = m[0, 0] * mn[:, 0] + m[0, 1] * mn[:, 1] + m[0, 2]
        py = m[1, 0] * mn[:, 0] + m[1, 1] * mn[:, 1] + m[1, 2]
        th = mn[:, 2] + ang
        mn = np.stack([px, py, th], 1)
        inside = (px >= 0) & (px < out) & (py >= 0) & (py < out)
        mn = mn[inside]
    img = photometric(img.astype(np.float32), rng)
    return img, mn.reshape(-1, 3), msk, np.stack([oc, os_], -1), ov


def photometric(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Contrast, gamma, blur, noise, uneven illumination: other sensors' looks."""
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.3))
    lo, hi = img.min(), img.max()
    x = (img - lo) / max(hi - lo, 1.0)
    x = x ** float(np.exp(rng.normal(0, 0.35)))
    if rng.random() < 0.4:
        h, w = x.shape
        g = np.linspace(-1, 1, w)[None, :] * rng.normal(0, 0.15) + \
            np.linspace(-1, 1, h)[:, None] * rng.normal(0, 0.15)
        x = x + g
    span = rng.uniform(70, 240)
    base = rng.uniform(0, 255 - span)
    x = base + span * x + rng.normal(0, rng.uniform(0, 10), x.shape)
    return np.clip(x, 0, 255).astype(np.uint8)


def targets(mn: np.ndarray, msk: np.ndarray, ori: np.ndarray, ov: np.ndarray, out: int):
    g = out // STRIDE
    t = np.zeros((g, g, N_TARGET), np.float32)
    t[..., 0] = msk.reshape(g, STRIDE, g, STRIDE).mean(axis=(1, 3)) > 0.5
    yy, xx = np.mgrid[0:g, 0:g].astype(np.float32) + 0.5
    heat = np.zeros((g, g), np.float32)
    for x, y, th in mn:
        gx, gy = x / STRIDE, y / STRIDE
        heat = np.maximum(heat, np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * 0.6**2)))
        j, i = int(gx), int(gy)
        t[i, j, 2], t[i, j, 3] = gx - j, gy - i
        t[i, j, 8] = 1.0
        i0, i1, j0, j1 = max(i - 1, 0), min(i + 2, g), max(j - 1, 0), min(j + 2, g)
        t[i0:i1, j0:j1, 4] = np.cos(th)
        t[i0:i1, j0:j1, 5] = np.sin(th)
        t[i0:i1, j0:j1, 9] = 1.0
    t[..., 1] = heat
    o = ori.reshape(g, STRIDE, g, STRIDE, 2).mean(axis=(1, 3))
    n = np.linalg.norm(o, axis=-1, keepdims=True)
    t[..., 6:8] = o / np.maximum(n, 1e-6)
    t[..., 10] = (ov.reshape(g, STRIDE, g, STRIDE).mean(axis=(1, 3)) > 0.9) & (n[..., 0] > 0.5)
    return t


def samples(master: Master, rng: np.random.Generator, out: int = 128, crops: int = 4):
    """``crops`` (input (out, out, 1) float32, target (out/4, out/4, 11)) training pairs
    from one fresh impression (rendering costs more than augmenting)."""
    cond = CONDITIONS[int(rng.choice(len(CONDITIONS), p=COND_P / COND_P.sum()))]
    image, minutiae, orientation, mask = render(master, int(rng.integers(0, 1_000_000)), cond)
    out_pairs = []
    for _ in range(crops):
        img, mn, msk, ori, ov = augment(image, minutiae, orientation, mask, rng, out)
        out_pairs.append((normalise(img)[..., None], targets(mn, msk, ori, ov, out)))
    return out_pairs
