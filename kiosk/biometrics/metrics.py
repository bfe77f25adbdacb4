"""Verification error rates from genuine and impostor scores (pure numpy; fingerprint and face).

Scores are similarities: a pair is accepted when score >= threshold. FMR is the
share of impostor pairs accepted, FNMR the share of genuine pairs rejected.
Pairs whose templates could not be made count as score -inf (rejected), so
failures to extract raise FNMR instead of vanishing from the figures.
"""

from __future__ import annotations

import numpy as np


def _arr(scores) -> np.ndarray:
    a = np.asarray(list(scores) if not isinstance(scores, np.ndarray) else scores, np.float64)
    return a.ravel()


def rates(genuine, impostor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds ascending, FMR, FNMR) at every distinct score, plus +inf (reject all)."""
    g, i = _arr(genuine), _arr(impostor)
    if len(g) == 0 or len(i) == 0:
        raise ValueError("need at least one genuine and one impostor score")
    finite = np.concatenate([g, i])
    finite = finite[np.isfinite(finite)]
    thr = np.unique(np.concatenate([finite, [np.inf]]))
    gs, is_ = np.sort(g), np.sort(i)
    # accepted = score >= t  ->  count = n - (number of scores < t)
    fmr = 1.0 - np.searchsorted(is_, thr, side="left") / len(is_)
    fnmr = np.searchsorted(gs, thr, side="left") / len(gs)
    return thr, fmr, fnmr


def eer(genuine, impostor) -> float:
    """Equal error rate: where FMR and FNMR cross (midpoint of the crossing step)."""
    _, fmr, fnmr = rates(genuine, impostor)
    k = int(np.argmax(fnmr >= fmr))  # first threshold where FNMR catches up with FMR
    if k == 0:
        return float((fmr[0] + fnmr[0]) / 2)
    # Between thresholds k-1 and k the curves cross: interpolate the step linearly.
    d0 = fmr[k - 1] - fnmr[k - 1]
    d1 = fnmr[k] - fmr[k]
    t = d0 / (d0 + d1) if d0 + d1 > 0 else 0.5
    e0 = fmr[k - 1] + t * (fmr[k] - fmr[k - 1])
    e1 = fnmr[k - 1] + t * (fnmr[k] - fnmr[k - 1])
    return float((e0 + e1) / 2)


def fnmr_at_fmr(genuine, impostor, target: float) -> float:
    """Lowest FNMR among thresholds whose FMR is at most ``target``."""
    _, fmr, fnmr = rates(genuine, impostor)
    ok = fmr <= target
    return float(fnmr[ok].min())


def threshold_at_fmr(impostor, target: float) -> float:
    """Smallest threshold whose empirical FMR is at most ``target`` (needs >= 1/target scores
    for the figure to mean anything; see :func:`extrapolated_threshold`)."""
    i = np.sort(_arr(impostor))
    i = i[np.isfinite(i)]
    allowed = int(np.floor(target * len(i)))  # impostors allowed at or above the threshold
    if allowed >= len(i):
        return float(i[0])
    top = i[len(i) - allowed - 1]  # highest score that must be rejected
    return float(np.nextafter(top, np.inf))


def extrapolated_threshold(impostor, target: float, tail: float = 0.01) -> float:
    """Threshold at FMR ``target`` from an exponential fit to the top ``tail`` of impostor scores.

    Used where there are fewer than about 10/target impostor pairs: the upper tail
    of similarity scores is close to exponential, so log(FMR) is fitted linearly
    against score over the tail and solved for ``target``.
    """
    i = np.sort(_arr(impostor))
    i = i[np.isfinite(i)]
    n = len(i)
    k = max(20, int(n * tail))
    if n < 40:
        raise ValueError("too few impostor scores to extrapolate")
    s = i[-k:]
    fmr = (np.arange(k, 0, -1)) / n  # empirical FMR at each tail score
    slope, icpt = np.polyfit(s, np.log(fmr), 1)
    if slope >= 0:
        return float(i[-1])
    return float((np.log(target) - icpt) / slope)


def det_points(genuine, impostor) -> tuple[np.ndarray, np.ndarray]:
    """(FMR, FNMR) pairs for a DET curve."""
    _, fmr, fnmr = rates(genuine, impostor)
    return fmr, fnmr


def summary(genuine, impostor) -> dict:
    return {
        "eer": eer(genuine, impostor),
        "fnmr_at_fmr_1e-2": fnmr_at_fmr(genuine, impostor, 1e-2),
        "fnmr_at_fmr_1e-3": fnmr_at_fmr(genuine, impostor, 1e-3),
        "genuine_pairs": len(_arr(genuine)),
        "impostor_pairs": len(_arr(impostor)),
    }
