"""Image statistics for realism checks, with an NFIQ-2-flavoured quality score.

``features`` measures one 500 dpi image: foreground area, ridge period,
orientation certainty, local clarity, ridge-band energy, grey levels and
minutiae. The quality score is 100 x the foreground mean of
(local clarity x orientation certainty), a crude stand-in for NFIQ 2's
learned combination of the same kinds of features.
"""

from __future__ import annotations

import cv2
import numpy as np

from .analysis import analyse, image_minutiae

PX_PER_CM_500DPI = 500 / 2.54


def band_energy(g: np.ndarray, mask: np.ndarray) -> float:
    """Share of foreground spectral energy at ridge frequencies (periods 6-13 px)."""
    if mask.sum() < 64:
        return float("nan")
    h, w = g.shape
    win = np.where(mask, g, 0.0).astype(np.float32)
    p = np.abs(np.fft.rfft2(win)) ** 2
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    f = np.hypot(fy, fx)
    band = (f >= 1 / 13) & (f <= 1 / 6)
    total = p[f > 1 / 64].sum() + 1e-9
    return float(p[band].sum() / total)


def features(img: np.ndarray) -> dict:
    """Realism statistics of one grey image (500 dpi, ridges dark)."""
    return measure(img)[0]


def measure(img: np.ndarray) -> tuple[dict, np.ndarray]:
    """:func:`features` and the image's minutiae (N x 4), sharing one analysis."""
    an = analyse(img)
    fg = an.mask
    area_cm2 = fg.sum() / PX_PER_CM_500DPI**2
    minutiae = image_minutiae(img, an) if fg.any() else np.zeros((0, 4), np.float32)
    grey_fg = img[fg] if fg.any() else np.array([np.nan])
    grey_bg = img[~fg] if (~fg).any() else np.array([np.nan])
    bm = an.block_mask
    clarity = an.clarity[bm]
    coh = an.coherence[bm]
    return {
        "foreground": float(fg.mean()),
        "period": float(np.nanmedian(an.period)) if bm.any() else float("nan"),
        "period_iqr": float(np.subtract(*np.nanpercentile(an.period, [75, 25])))
        if bm.any()
        else float("nan"),
        "coherence": float(np.mean(coh)) if bm.any() else float("nan"),
        "clarity": float(np.mean(clarity)) if bm.any() else float("nan"),
        "band_energy": band_energy(an.normalised, fg),
        "minutiae": len(minutiae),
        "minutiae_per_cm2": len(minutiae) / area_cm2 if area_cm2 > 0.05 else float("nan"),
        "ending_fraction": float(np.mean(minutiae[:, 3] == 0)) if len(minutiae) else float("nan"),
        "fg_grey_mean": float(np.mean(grey_fg)),
        "fg_grey_p10": float(np.percentile(grey_fg, 10)),
        "fg_grey_p90": float(np.percentile(grey_fg, 90)),
        "bg_grey_mean": float(np.mean(grey_bg)),
        "quality": float(100 * np.mean(clarity * coh)) if bm.any() else 0.0,
    }, minutiae


def grey_histogram(img: np.ndarray, bins: int = 32) -> np.ndarray:
    h = np.bincount((img.astype(np.int32).ravel() * bins) // 256, minlength=bins).astype(np.float64)
    return h / h.sum()


def to_500dpi(img: np.ndarray, dpi: float) -> np.ndarray:
    if abs(dpi - 500.0) < 1:
        return img
    s = 500.0 / dpi
    size = (round(img.shape[1] * s), round(img.shape[0] * s))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
