"""Calibrate the decision thresholds on synthetic fingers the model never saw; write them.

    python -m models.recipe.calibrate --masters 150 --impressions 8

Calibration masters (identities from CALIB_BASE) are disjoint from the
training masters. Every impression is extracted with the committed int8 model;
all impostor pairs (different fingers) give the FMR curve. Enrolment templates
hold several impressions and a comparison keeps the best record pair, so a
per-comparison target FMR is met by a per-impression-pair FMR of target / R
(verification: R probe-vs-record pairs) and target / R^2 (duplicate search:
R x R pairs), a union bound. Where the pairs are too few for the target
(fewer than 10 / FMR), the threshold comes from an exponential fit to the
impostor tail, and the manifest says so.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from hw_sim.fingerprints import make_impression
from hw_sim.fingerprints.conditions import mixed_condition
from kiosk.biometrics import metrics
from kiosk.biometrics.fingerprint.interface import NoUsableFingerprint
from kiosk.biometrics.fingerprint.matcher import load_matcher

from .masters import CALIB_BASE, load_master, master_key

MODELS = Path(__file__).resolve().parents[1]
VERIFY_FMR = 1e-4
DEDUP_FMR = 1e-6


def threshold(impostor: np.ndarray, fmr: float) -> tuple[float, str]:
    n = len(impostor)
    if n * fmr >= 10:
        return metrics.threshold_at_fmr(impostor, fmr), f"empirical over {n} impostor pairs"
    t = metrics.extrapolated_threshold(impostor, fmr)
    how = f"extrapolated: exponential fit to the top 1% of {n} impostor pair scores"
    if t > 1.0:  # scores are at most 1: the target is out of reach, accept nothing
        return 1.0, how + f" (fit gave {t:.3f} > 1, capped)"
    return t, how


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/work/cache/fp_masters"))
    ap.add_argument("--first", type=int, default=30,
                    help="first calibration master (0..29 make the tuning set, devset.py)")
    ap.add_argument("--masters", type=int, default=120)
    ap.add_argument("--impressions", type=int, default=8)
    ap.add_argument("--records", type=int, default=3, help="impressions per enrolment template")
    ap.add_argument("--scores", type=Path, default=None, help="save the scores (npz)")
    ap.add_argument("--manifest", type=Path, default=MODELS / "manifest.json")
    args = ap.parse_args(argv)

    matcher = load_matcher(args.manifest)
    t0 = time.time()
    templates, owner, failures = [], [], 0
    for i in range(args.first, args.first + args.masters):
        ident, finger = master_key(i)
        master = load_master(args.cache, CALIB_BASE + ident, finger)
        for k in range(args.impressions):
            imp = make_impression(master, 1000 + k, mixed_condition(i, k, seed=1))
            try:
                templates.append(matcher.extract(imp.image))
                owner.append(i)
            except NoUsableFingerprint:
                failures += 1
    print(f"{len(templates)} templates, {failures} failures, {time.time() - t0:.0f} s", flush=True)
    owner = np.array(owner)
    gen, imp = [], []
    for a in range(len(templates)):
        ta = templates[a]
        for b in range(a + 1, len(templates)):
            (gen if owner[a] == owner[b] else imp).append(matcher.compare(ta, templates[b]))
        if a % 100 == 0:
            print(f"{a}/{len(templates)} {time.time() - t0:.0f} s", flush=True)
    gen, imp = np.array(gen), np.array(imp)
    if args.scores:
        np.savez(args.scores, genuine=gen, impostor=imp)
    r = args.records
    t_ver, how_ver = threshold(imp, VERIFY_FMR / r)
    t_dup, how_dup = threshold(imp, DEDUP_FMR / (r * r))
    thresholds = {
        "verify": round(float(t_ver), 5),
        "dedup": round(float(max(t_dup, t_ver)), 5),
        "verify_fmr": VERIFY_FMR,
        "dedup_fmr": DEDUP_FMR,
        "method": (
            f"synthetic calibration set: {args.masters} unseen masters (numbers "
            f"{args.first}..{args.first + args.masters - 1} from identity {CALIB_BASE}) "
            f"x {args.impressions} impressions in mixed conditions, "
            f"{len(gen)} genuine / {len(imp)} impostor single-impression pairs, "
            f"{failures} failures to extract. Enrolment templates of R = {r} impressions: "
            f"verify at per-pair FMR {VERIFY_FMR}/{r} ({how_ver}); dedup at per-pair FMR "
            f"{DEDUP_FMR}/{r * r} ({how_dup}). Never tuned on real prints."),
        "synthetic_fnmr_at_verify": round(float(np.mean(gen < t_ver)), 5),
        "synthetic_fnmr_at_dedup": round(float(np.mean(gen < t_dup)), 5),
        "synthetic_eer": round(metrics.eer(gen, imp), 5),
    }
    path = args.manifest
    manifest = json.loads(path.read_text())
    for name in ("fingerprint", "fingerprint_float"):
        if name in manifest["models"]:
            manifest["models"][name]["thresholds"] = thresholds
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(thresholds, indent=1))


if __name__ == "__main__":
    main()
