"""How fast does the synthetic fingerprint generator run on one core?

    .venv/bin/python bench/fingerprint_generator_speed.py [--masters 4] [--impressions 200]

Pins OpenCV, SciPy's FFT and BLAS to one thread, builds a few masters (timed
separately: they are cached in real use), then renders impressions of them
under every condition. Target: at least 20 impressions per second per core.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hw_sim.fingerprints import CONDITIONS, make_impression  # noqa: E402
from hw_sim.fingerprints.master import build_master  # noqa: E402

TARGET = 20.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--masters", type=int, default=4)
    ap.add_argument("--impressions", type=int, default=200, help="per condition")
    args = ap.parse_args(argv)
    cv2.setNumThreads(1)

    t0 = time.process_time()
    w0 = time.perf_counter()
    masters = [build_master(5000 + k, k % 10) for k in range(args.masters)]
    cpu = (time.process_time() - t0) / len(masters)
    wall = (time.perf_counter() - w0) / len(masters)
    print(
        f"master build: {cpu:.2f} s CPU ({wall:.2f} s wall) per master, "
        f"{np.mean([len(m.minutiae) for m in masters]):.0f} minutiae each"
    )

    make_impression(masters[0], 0)  # warm caches outside the timing
    print(f"{'condition':<10}{'imp/s/core':>12}{'ms/imp':>9}{'minutiae':>10}")
    rates = []
    for cond in CONDITIONS:
        n = args.impressions
        t0 = time.process_time()
        counts = [
            len(make_impression(masters[i % len(masters)], 1000 + i, cond).minutiae)
            for i in range(n)
        ]
        cpu = time.process_time() - t0
        rates.append(n / cpu)
        print(f"{cond:<10}{n / cpu:>12.1f}{1e3 * cpu / n:>9.1f}{np.mean(counts):>10.1f}")
    overall = len(rates) / sum(1 / r for r in rates)
    verdict = "OK" if overall >= TARGET else "BELOW TARGET"
    print(f"overall: {overall:.1f} impressions/s/core (target {TARGET:.0f}): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
