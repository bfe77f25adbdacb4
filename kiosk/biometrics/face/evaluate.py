"""Face matcher error rates on a folder: one subfolder per person, or ``<person>_<rest>`` files.

All pairs of images of one person are genuine, all pairs of different people
impostors. An image without a usable face counts as a failure and its pairs
score -inf (rejected), so failures raise FNMR instead of vanishing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiosk.biometrics import metrics

from .interface import NoUsableFace

SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp"}


class EvaluationError(Exception):
    pass


def list_samples(folder: Path | str) -> list[tuple[str, Path]]:
    """(person, path) for every image; subfolders name people, else the filename prefix."""
    folder = Path(folder)
    if not folder.is_dir():
        raise EvaluationError(f"{folder} is not a folder")
    out = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            continue
        rel = path.relative_to(folder)
        person = rel.parts[0] if len(rel.parts) > 1 else path.stem.split("_")[0]
        out.append((person, path))
    people = {p for p, _ in out}
    if len(people) < 2:
        raise EvaluationError(f"{folder} needs images of at least two people "
                              "(subfolders per person or <person>_<rest> file names)")
    return out


def load_rgb(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


@dataclass
class Result:
    samples: list[tuple[str, Path]]
    genuine: np.ndarray
    impostor: np.ndarray
    failures: list[tuple[str, str]] = field(default_factory=list)
    extract_ms: float = 0.0
    compare_ms: float = 0.0

    def figures(self) -> dict:
        s = metrics.summary(self.genuine, self.impostor)
        s.update(images=len(self.samples), people=len({p for p, _ in self.samples}),
                 failures=len(self.failures), extract_ms=round(self.extract_ms, 2),
                 compare_ms=round(self.compare_ms, 4))
        return s


def evaluate(matcher, folder: Path | str) -> Result:
    samples = list_samples(folder)
    templates: list[bytes | None] = []
    failures = []
    t_ext = 0.0
    for _person, path in samples:
        image = load_rgb(path)
        t0 = time.perf_counter()
        try:
            templates.append(matcher.extract(image))
        except NoUsableFace as exc:
            templates.append(None)
            failures.append((path.name, exc.reason))
        t_ext += time.perf_counter() - t0
    labels = [p for p, _ in samples]
    gen, imp = [], []
    t_cmp, n_cmp = 0.0, 0
    for a in range(len(samples)):
        for b in range(a + 1, len(samples)):
            ta, tb = templates[a], templates[b]
            if ta is None or tb is None:
                score = -np.inf
            else:
                t0 = time.perf_counter()
                score = matcher.compare(ta, tb)
                t_cmp += time.perf_counter() - t0
                n_cmp += 1
            (gen if labels[a] == labels[b] else imp).append(score)
    if not gen or not imp:
        raise EvaluationError("need at least one genuine and one impostor pair")
    return Result(samples, np.array(gen), np.array(imp), failures,
                  1000 * t_ext / len(samples), 1000 * t_cmp / max(n_cmp, 1))
