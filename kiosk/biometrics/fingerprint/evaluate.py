"""Evaluating a FingerprintMatcher on an FVC-style folder (used by ``kiosk eval`` and bench/).

Protocol of the FVC "B" sets: genuine pairs are all pairs of impressions of a
finger, impostor pairs all pairs of impressions of different fingers. A file
whose template cannot be made is a failure to extract; its pairs score -inf
(rejected), so failures count against FNMR and never flatter the figures.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import metrics
from .interface import FingerprintMatcher, NoUsableFingerprint
from .preprocess import centre_crop

NAME = re.compile(r"^(?P<finger>[^_]+)_(?P<impression>\d+)\.(png|tif|tiff|bmp)$", re.IGNORECASE)


class EvaluationError(Exception):
    """The folder cannot be evaluated (missing, empty, nothing to pair)."""


def list_samples(folder: Path | str) -> list[tuple[str, int, Path]]:
    """(finger, impression, path) of every ``<finger>_<impression>.<png|tif|bmp>``, sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise EvaluationError(f"not a folder: {folder}")
    out = []
    for p in folder.iterdir():
        m = NAME.match(p.name)
        if m and p.is_file():
            out.append((m["finger"], int(m["impression"]), p))
    if not out:
        raise EvaluationError(f"no <finger>_<impression>.png|tif|bmp files in {folder}")
    out.sort(key=lambda s: (s[0], s[1]))
    return out


def pairs(samples: list[tuple[str, int, Path]]) -> tuple[list, list]:
    """(genuine, impostor) index pairs."""
    gen, imp = [], []
    for a, b in itertools.combinations(range(len(samples)), 2):
        (gen if samples[a][0] == samples[b][0] else imp).append((a, b))
    return gen, imp


def load_image(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img.convert("L"))


@dataclass
class Result:
    samples: list
    genuine: np.ndarray
    impostor: np.ndarray
    genuine_pairs: list
    impostor_pairs: list
    failures: list[tuple[str, str]] = field(default_factory=list)
    extract_ms: float = 0.0
    compare_ms: float = 0.0

    def figures(self) -> dict:
        s = metrics.summary(self.genuine, self.impostor)
        s.update(failures=len(self.failures), extract_ms=round(self.extract_ms, 3),
                 compare_ms=round(self.compare_ms, 4), images=len(self.samples))
        for k in ("eer", "fnmr_at_fmr_1e-2", "fnmr_at_fmr_1e-3"):
            s[k] = round(s[k], 5)
        return s


def evaluate(matcher: FingerprintMatcher, folder: Path | str,
             crop: tuple[int, int] | None = None, progress=None) -> Result:
    samples = list_samples(folder)
    gen, imp = pairs(samples)
    if not gen or not imp:
        raise EvaluationError(f"{folder}: need at least two impressions of a finger and two "
                              "fingers to form genuine and impostor pairs")
    templates: list[bytes | None] = []
    failures = []
    t_ext = 0.0
    for finger, idx, path in samples:
        try:
            image = load_image(path)
        except OSError as exc:
            raise EvaluationError(f"cannot read {path}: {exc}") from None
        if crop:
            image = centre_crop(image, *crop)
        t0 = time.perf_counter()
        try:
            templates.append(matcher.extract(image))
        except NoUsableFingerprint as exc:
            templates.append(None)
            failures.append((path.name, exc.reason))
        t_ext += time.perf_counter() - t0
        if progress:
            progress(f"{finger}_{idx}")
    n_cmp, t_cmp = 0, 0.0

    def score(pair_list):
        nonlocal n_cmp, t_cmp
        out = np.empty(len(pair_list))
        for k, (a, b) in enumerate(pair_list):
            ta, tb = templates[a], templates[b]
            if ta is None or tb is None:
                out[k] = -np.inf
                continue
            t0 = time.perf_counter()
            out[k] = matcher.compare(ta, tb)
            t_cmp += time.perf_counter() - t0
            n_cmp += 1
        return out

    g, i = score(gen), score(imp)
    return Result(samples, g, i, gen, imp, failures, 1000 * t_ext / len(samples),
                  1000 * t_cmp / max(n_cmp, 1))


def write_scores(result: Result, path: Path) -> None:
    with Path(path).open("w") as fh:
        fh.write("probe,reference,kind,score\n")
        for kind, plist, sc in (("genuine", result.genuine_pairs, result.genuine),
                                ("impostor", result.impostor_pairs, result.impostor)):
            for (a, b), s in zip(plist, sc, strict=True):
                pa, pb = result.samples[a], result.samples[b]
                fh.write(f"{pa[0]}_{pa[1]},{pb[0]}_{pb[1]},{kind},{s:.6f}\n")


def det_png(result: Result, path: Path, title: str = "") -> None:
    """A DET curve (FNMR against FMR, log axes 1e-4..1) drawn with Pillow."""
    from PIL import Image, ImageDraw

    fmr, fnmr = metrics.det_points(result.genuine, result.impostor)
    w, h, m = 520, 440, 60
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    lo = -4.0

    def pos(x, y):
        lx = (np.log10(np.clip(x, 1e-4, 1)) - lo) / -lo
        ly = (np.log10(np.clip(y, 1e-4, 1)) - lo) / -lo
        return m + lx * (w - 1.5 * m), h - m - ly * (h - 1.5 * m)

    for e in range(-4, 1):
        x0, _ = pos(10.0**e, 1e-4)
        _, y0 = pos(1e-4, 10.0**e)
        d.line([(x0, m / 2), (x0, h - m)], fill=(225, 225, 225))
        d.line([(m, y0), (w - m / 2, y0)], fill=(225, 225, 225))
        d.text((x0 - 12, h - m + 6), f"1e{e}", fill="black")
        d.text((8, y0 - 6), f"1e{e}", fill="black")
    d.line([pos(1e-4, 1e-4), pos(1, 1)], fill=(200, 200, 255))
    pts = [pos(a, b) for a, b in zip(fmr, fnmr, strict=True)]
    d.line(pts, fill=(200, 30, 30), width=2)
    d.text((m, 8), f"DET {title}  EER {metrics.eer(result.genuine, result.impostor):.2%}",
           fill="black")
    d.text((w // 2 - 10, h - 20), "FMR", fill="black")
    d.text((4, m / 2 - 20), "FNMR", fill="black")
    img.save(path)
