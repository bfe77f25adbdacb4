"""FVC-style folders of synthetic impressions with ground truth.

Layout (like the FVC "B" sets): ``<finger>_<impression>.png`` with fingers
numbered from 101 and impressions from 1, each with ``<finger>_<impression>.json``
holding its ground truth (:meth:`Impression.ground_truth`), plus ``index.json``
describing the set. Finger ``101 + k`` is identity ``first_identity + k // 10``,
finger position ``k % 10``: ten fingers per synthetic person.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from .conditions import CONDITIONS, mixed_condition
from .impression import SENSOR_SIZE, Impression, make_impression
from .master import make_master

FIRST_FINGER = 101
CONDITION_CHOICES: tuple[str, ...] = (*CONDITIONS, "mixed")


def finger_key(k: int, first_identity: int = 0) -> tuple[int, int]:
    """(identity, finger position) of the k-th finger of a set (0-based)."""
    return first_identity + k // 10, k % 10


def condition_for(condition: str, k: int, index: int, seed: int) -> str:
    if condition == "mixed":
        return mixed_condition(k, index, seed)
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; valid: {', '.join(CONDITION_CHOICES)}")
    return condition


def _write_finger(job: tuple) -> list[str]:
    out, k, impressions, condition, seed, first_identity, size = job
    identity, finger = finger_key(k, first_identity)
    master = make_master(identity, finger, seed)
    names = []
    for i in range(impressions):
        imp = make_impression(master, i, condition_for(condition, k, i, seed), size)
        stem = f"{FIRST_FINGER + k}_{i + 1}"
        if not cv2.imwrite(str(Path(out) / f"{stem}.png"), imp.image):
            raise OSError(f"could not write {Path(out) / stem}.png")
        (Path(out) / f"{stem}.json").write_text(json.dumps(imp.ground_truth()))
        names.append(stem)
    return names


def write_fvc_folder(
    out: str | os.PathLike,
    fingers: int,
    impressions: int,
    condition: str = "normal",
    seed: int = 0,
    *,
    first_identity: int = 0,
    size: tuple[int, int] = SENSOR_SIZE,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write ``fingers`` x ``impressions`` impressions to ``out``; returns its path.

    ``condition`` may be one of CONDITIONS or "mixed" (a realistic blend drawn
    per impression). ``workers`` > 1 builds fingers in parallel processes.
    """
    if fingers < 1 or impressions < 1:
        raise ValueError("fingers and impressions must be at least 1")
    condition_for(condition, 0, 0, seed)  # validate early
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        (str(out), k, impressions, condition, seed, first_identity, tuple(size))
        for k in range(fingers)
    ]
    done = 0
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for _ in pool.map(_write_finger, jobs):
                done += 1
                if progress:
                    progress(done, fingers)
    else:
        for job in jobs:
            _write_finger(job)
            done += 1
            if progress:
                progress(done, fingers)
    index = {
        "generator": "sidik hw_sim.fingerprints",
        "layout": "<finger>_<impression>.png + .json ground truth; fingers from 101",
        "fingers": fingers,
        "impressions": impressions,
        "condition": condition,
        "seed": seed,
        "first_identity": first_identity,
        "size": list(size),
        "dpi": 500,
    }
    (out / "index.json").write_text(json.dumps(index, indent=2))
    return out


def read_fvc_folder(folder: str | os.PathLike) -> Iterable[tuple[int, int, np.ndarray, dict]]:
    """Yield (finger, impression, image, ground truth or {}) for every PNG in ``folder``."""
    folder = Path(folder)
    for png in sorted(folder.glob("*_*.png")):
        stem = png.stem
        f, _, i = stem.partition("_")
        if not (f.isdigit() and i.isdigit()):
            continue
        img = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
        js = png.with_suffix(".json")
        truth = json.loads(js.read_text()) if js.exists() else {}
        yield int(f), int(i), img, truth


def minutiae_from_truth(truth: dict) -> np.ndarray:
    """The (N, 4) float32 minutiae array back from a ground-truth dict."""
    return np.asarray(truth.get("minutiae", []), np.float32).reshape(-1, 4)


__all__ = [
    "CONDITION_CHOICES",
    "FIRST_FINGER",
    "Impression",
    "finger_key",
    "minutiae_from_truth",
    "read_fvc_folder",
    "write_fvc_folder",
]
