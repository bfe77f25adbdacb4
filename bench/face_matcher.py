"""Benchmark of the face matcher: accuracy, threshold calibration, detection and embedding speed.

    nice -n 10 .venv/bin/python bench/face_matcher.py ../shared/data/faces/yalefaces [--json]

Accuracy: every genuine and impostor pair of the folder (kiosk eval faces' protocol).
Calibration: the people are split in two halves (alternating); the FMR = 1e-4
threshold is extrapolated from one half's impostor tail (an exponential fit,
kiosk.biometrics.metrics.extrapolated_threshold) and checked on the other half,
both ways round. Speed: one thread, median of repeated runs on one image each of
detection (BlazeFace), FaceMesh, eyelids, and embedding (alignment + ResNet).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from kiosk.biometrics import metrics
from kiosk.biometrics.face.evaluate import evaluate, list_samples, load_rgb
from kiosk.biometrics.face.landmarks import EyeModel, FaceMesh
from kiosk.biometrics.face.matcher import FaceMatcher


def timed(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times))


def calibrate(matcher, folder: Path) -> dict:
    samples = list_samples(folder)
    vecs = [matcher.extract(load_rgb(p)) for _, p in samples]
    people = sorted({p for p, _ in samples})
    labels = np.array([p for p, _ in samples])
    out = {}
    for name, half in (("A", people[0::2]), ("B", people[1::2])):
        mine = np.isin(labels, half)
        def scores(mask):
            idx = np.flatnonzero(mask)
            g, i = [], []
            for x in range(len(idx)):
                for y in range(x + 1, len(idx)):
                    s = matcher.compare(vecs[idx[x]], vecs[idx[y]])
                    (g if labels[idx[x]] == labels[idx[y]] else i).append(s)
            return np.array(g), np.array(i)
        _, imp_cal = scores(mine)
        gen_val, imp_val = scores(~mine)
        thr = metrics.extrapolated_threshold(imp_cal, 1e-4, tail=0.05)
        out[f"calibrated_on_{name}"] = {
            "threshold": round(thr, 4), "calibration_impostor_pairs": len(imp_cal),
            "held_out_fmr": float((imp_val >= thr).mean()),
            "held_out_fnmr": float((gen_val < thr).mean()),
            "held_out_pairs": [len(gen_val), len(imp_val)]}
    return out


def gated(matcher, result) -> dict:
    """The same pairs, keeping only images that pass the kiosk's quality gate (as a kiosk
    would ask for a better capture instead)."""
    ok = np.array([matcher.quality(load_rgb(p)).usable for _, p in result.samples])
    labels = [p for p, _ in result.samples]
    keep_g, keep_i = [], []
    for a in range(len(labels)):
        for b in range(a + 1, len(labels)):
            (keep_g if labels[a] == labels[b] else keep_i).append(ok[a] and ok[b])
    g, i = result.genuine[np.array(keep_g)], result.impostor[np.array(keep_i)]
    thr = matcher.verify_threshold
    return {"images": int(ok.sum()), "eer": metrics.eer(g, i),
            "fnmr_at_fmr_1e-3": metrics.fnmr_at_fmr(g, i, 1e-3),
            "fnmr_at_verify_threshold": float((g < thr).mean()),
            "fmr_at_verify_threshold": float((i >= thr).mean()), "pairs": [len(g), len(i)]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    matcher = FaceMatcher()
    result = evaluate(matcher, args.data)
    fig = result.figures()
    thr = matcher.verify_threshold
    fig["at_verify_threshold"] = {"threshold": thr,
                                  "fmr": float((result.impostor >= thr).mean()),
                                  "fnmr": float((result.genuine < thr).mean())}
    fig["calibration"] = calibrate(matcher, args.data)
    fig["quality_gated"] = gated(matcher, result)
    image = load_rgb(list_samples(args.data)[0][1])
    det = matcher.detector.detect(image)[0]
    mesh, eyes = FaceMesh(), EyeModel()
    pts = mesh.landmarks(image, det).points
    fig["speed_ms"] = {
        "detect": round(timed(lambda: matcher.detector.detect(image), args.repeat), 2),
        "facemesh": round(timed(lambda: mesh.landmarks(image, det), args.repeat), 2),
        "eyelids": round(timed(lambda: eyes.openness(image, pts), args.repeat), 2),
        "embed": round(timed(lambda: matcher.embedder.embed(image, det), args.repeat), 2),
        "image": f"{image.shape[1]}x{image.shape[0]}",
    }
    print(f"{args.data}: {fig['images']} images, {fig['people']} people, "
          f"{fig['genuine_pairs']} genuine / {fig['impostor_pairs']} impostor pairs")
    print(f"EER {fig['eer']:.2%}  FNMR@FMR1% {fig['fnmr_at_fmr_1e-2']:.2%}  "
          f"FNMR@FMR0.1% {fig['fnmr_at_fmr_1e-3']:.2%}  failures {fig['failures']}")
    a = fig["at_verify_threshold"]
    print(f"at verify_threshold {thr}: FMR {a['fmr']:.4%}  FNMR {a['fnmr']:.2%}")
    for k, v in fig["calibration"].items():
        print(f"{k}: threshold {v['threshold']}  held-out FMR {v['held_out_fmr']:.4%}  "
              f"FNMR {v['held_out_fnmr']:.2%}  (pairs {v['held_out_pairs']})")
    q = fig["quality_gated"]
    print(f"quality-gated ({q['images']} images pass): EER {q['eer']:.2%}  "
          f"FNMR@FMR0.1% {q['fnmr_at_fmr_1e-3']:.2%}  at verify_threshold: "
          f"FMR {q['fmr_at_verify_threshold']:.4%} FNMR {q['fnmr_at_verify_threshold']:.2%}")
    print("speed (ms, median, one thread): " + ", ".join(
        f"{k} {v}" for k, v in fig["speed_ms"].items()))
    if args.json:
        print(json.dumps(fig))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
