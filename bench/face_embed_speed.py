"""Embedding speed under controlled CPU contention: wall time and CPU time per face.

    .venv/bin/python bench/face_embed_speed.py ../shared/data/faces/yalefaces [--busy 0 2 4]
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/face_embed_speed.py ...   # one thread

For each ``--busy N`` it starts N busy-looping processes (each wants a whole core),
then times ``FaceMatcher.embedder.embed`` (equalise + alignment + ResNet) on one image
with the kiosk's numpy ResNet and with dlib's own forward pass, and the two ResNets
alone on the aligned chip: median wall time, median CPU time of this process (all its
threads), the load average, and the largest difference between the two descriptors. CPU time
is what the code costs; wall time is what a person waits, and on a shared machine it
grows with the competition for cores, not with the code. On the kiosk nothing else
runs while the face is embedded (the liveness loop has ended by then).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np


def _spin(stop) -> None:
    x = 0
    while not stop.is_set():
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF


def measure(fn, repeat: int) -> tuple[float, float]:
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return 1000 * float(np.median(wall)), 1000 * float(np.median(cpu))


def main(argv=None) -> int:
    from kiosk.biometrics.face.evaluate import list_samples, load_rgb
    from kiosk.biometrics.face.matcher import FaceMatcher

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--busy", type=int, nargs="+", default=[0, 2, 4])
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)
    from kiosk.biometrics.face.embed import FaceEmbedder

    matcher = FaceMatcher()
    reference = FaceEmbedder(backend="dlib")
    image = load_rgb(list_samples(args.data)[0][1])
    det = matcher.detector.detect(image)[0]
    chip = matcher.embedder.chip(image, det)
    diff = float(np.abs(matcher.embedder._numpy_net(chip)
                        - reference._net.compute_face_descriptor(chip, 0)).max())
    print(f"numpy vs dlib descriptor: largest difference {diff:.2e}")
    rows = []
    for n in args.busy:
        stop = mp.Event()
        procs = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(n)]
        for p in procs:
            p.start()
        try:
            time.sleep(0.5 if n else 0)
            embed = measure(lambda: matcher.embedder.embed(image, det), args.repeat)
            net = measure(lambda: matcher.embedder._numpy_net(chip), args.repeat)
            dlib_embed = measure(lambda: reference.embed(image, det), args.repeat)
            dlib_net = measure(lambda: reference._net.compute_face_descriptor(chip, 0),
                               args.repeat)
        finally:
            stop.set()
            for p in procs:
                p.join()
        rows.append({"busy": n, "cores": os.cpu_count(), "load1": os.getloadavg()[0],
                     "embed_wall_ms": round(embed[0], 1), "embed_cpu_ms": round(embed[1], 1),
                     "resnet_wall_ms": round(net[0], 1), "resnet_cpu_ms": round(net[1], 1),
                     "dlib_embed_wall_ms": round(dlib_embed[0], 1),
                     "dlib_embed_cpu_ms": round(dlib_embed[1], 1),
                     "dlib_resnet_wall_ms": round(dlib_net[0], 1),
                     "dlib_resnet_cpu_ms": round(dlib_net[1], 1),
                     "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")})
        r = rows[-1]
        print(f"busy {n} (load {r['load1']:.1f}, {r['cores']} cores): embed wall/cpu "
              f"{r['embed_wall_ms']}/{r['embed_cpu_ms']} ms (dlib's forward pass "
              f"{r['dlib_embed_wall_ms']}/{r['dlib_embed_cpu_ms']}); ResNet alone "
              f"{r['resnet_wall_ms']}/{r['resnet_cpu_ms']} (dlib {r['dlib_resnet_wall_ms']}/"
              f"{r['dlib_resnet_cpu_ms']})", flush=True)
    print(json.dumps({"max_descriptor_difference": diff, "rows": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
