"""Calibrate the decision thresholds on synthetic fingers the model never saw; write them.

    python -m models.recipe.calibrate --masters 120 --impressions 8

Calibration masters (identities from CALIB_BASE) are disjoint from the
training masters and from the tuning set (devset.py). Every impression is
extracted with the committed int8 model. The thresholds are set on comparisons
as the kiosk makes them, with the matcher's own fusion (match.fuse):

* verification: one probe impression against an enrolment template of R
  impressions (the finger's first R), probes its other impressions; impostors
  are every probe against every other finger's template (target FMR 1e-4);
* duplicate search: enrolment template against enrolment template (each finger's
  first R impressions and its next R), and identification's single probe
  against the enrolment templates (target FMR 1e-6 per comparison; the higher
  of the two thresholds is kept).

Where the impostor comparisons are too few for a target (fewer than 10 / FMR),
the threshold comes from an exponential fit to the top 1 % of their scores, and
the manifest says so.
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
from kiosk.biometrics.fingerprint.match import FUSE_TOP
from kiosk.biometrics.fingerprint.matcher import load_matcher

from .masters import CALIB_BASE, load_master, master_key

MODELS = Path(__file__).resolve().parents[1]
VERIFY_FMR = 1e-4
DEDUP_FMR = 1e-6
#: per-comparison operating points for flows that allow several comparisons per claim
#: (matcher.verify_threshold_at): a claim allowed k captures at per-claim FMR f needs f / k each
VERIFY_TABLE_FMRS = (1e-4, 5e-5, 2e-5, 1e-5, 5e-6, 2e-6, 1e-6)


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
    ap.add_argument("--from-scores", type=Path, default=None,
                    help="thresholds from scores saved by --scores (same matcher), no extraction")
    args = ap.parse_args(argv)
    r = args.records
    if args.impressions < 2 * r:
        ap.error("--impressions must be at least twice --records")
    if args.from_scores:
        saved = dict(np.load(args.from_scores))
        write(args, saved["verify_genuine"], saved["verify_impostor"], saved["dedup_genuine"],
              saved["dedup_impostor"], int(saved.get("failures", 0)))
        return

    matcher = load_matcher(args.manifest)
    t0 = time.time()
    probes, enrolled, second, failures = [], {}, {}, 0
    for i in range(args.first, args.first + args.masters):
        ident, finger = master_key(i)
        master = load_master(args.cache, CALIB_BASE + ident, finger)
        got = []
        for k in range(args.impressions):
            imp = make_impression(master, 1000 + k, mixed_condition(i, k, seed=1))
            try:
                got.append((k, matcher.extract(imp.image)))
            except NoUsableFingerprint:
                got.append((k, None))
                failures += 1
        first = [t for k, t in got if k < r and t is not None]
        if first:
            enrolled[i] = matcher.merge(first)
        nxt = [t for k, t in got if r <= k < 2 * r and t is not None]
        if nxt:
            second[i] = matcher.merge(nxt)
        probes += [(i, t) for k, t in got if k >= r]  # None: a failure to extract
    print(f"{len(probes)} probes, {len(enrolled)} templates, {failures} failures, "
          f"{time.time() - t0:.0f} s", flush=True)

    def score(a: bytes | None, b: bytes) -> float:
        return -1.0 if a is None else matcher.compare(a, b)  # a failure is a rejection

    ver_gen, ver_imp = [], []
    for n, (i, p) in enumerate(probes):
        for j, t in enrolled.items():
            (ver_gen if i == j else ver_imp).append(score(p, t))
        if n % 100 == 0:
            print(f"verify {n}/{len(probes)} {time.time() - t0:.0f} s", flush=True)
    both = [(i, t) for i, t in enrolled.items()] + [(i, t) for i, t in second.items()]
    dup_gen, dup_imp = [], []
    for a in range(len(both)):
        for b in range(a + 1, len(both)):
            (dup_gen if both[a][0] == both[b][0] else dup_imp).append(
                matcher.compare(both[a][1], both[b][1]))
    print(f"dedup done {time.time() - t0:.0f} s", flush=True)
    ver_gen, ver_imp, dup_gen, dup_imp = map(np.array, (ver_gen, ver_imp, dup_gen, dup_imp))
    if args.scores:
        np.savez(args.scores, verify_genuine=ver_gen, verify_impostor=ver_imp,
                 dedup_genuine=dup_gen, dedup_impostor=dup_imp, failures=failures)
    write(args, ver_gen, ver_imp, dup_gen, dup_imp, failures)


def write(args, ver_gen, ver_imp, dup_gen, dup_imp, failures: int) -> None:
    """Thresholds from the calibration scores into the manifest."""
    r = args.records
    t_ver, how_ver = threshold(ver_imp, VERIFY_FMR)
    t_dup1, how_dup1 = threshold(ver_imp, DEDUP_FMR)
    t_dup2, how_dup2 = threshold(dup_imp, DEDUP_FMR)
    t_dup = max(t_dup1, t_dup2, t_ver)
    thresholds = {
        "verify": round(float(t_ver), 5),
        "dedup": round(float(t_dup), 5),
        "verify_fmr": VERIFY_FMR,
        "dedup_fmr": DEDUP_FMR,
        "fusion": f"match.fuse: mean of the best {FUSE_TOP} impression pairs per probe impression",
        "method": (
            f"synthetic calibration set: {args.masters} unseen masters (numbers "
            f"{args.first}..{args.first + args.masters - 1} from identity {CALIB_BASE}) "
            f"x {args.impressions} impressions in mixed conditions, {failures} failures to "
            f"extract (counted as rejections). Verify: one probe impression against an "
            f"enrolment template of the finger's first {r} impressions, {len(ver_gen)} genuine "
            f"/ {len(ver_imp)} impostor comparisons, FMR {VERIFY_FMR} ({how_ver}). Dedup: "
            f"the higher of the thresholds at FMR {DEDUP_FMR} for template against template "
            f"({len(dup_gen)} genuine / {len(dup_imp)} impostor; {how_dup2}) and for a probe "
            f"impression against a template ({how_dup1}). Never tuned on real prints."),
        "synthetic_fnmr_at_verify": round(float(np.mean(ver_gen < t_ver)), 5),
        "synthetic_fnmr_at_dedup": round(float(np.mean(dup_gen < t_dup)), 5),
        "synthetic_identify_fnmr_at_dedup": round(float(np.mean(ver_gen < t_dup)), 5),
        "synthetic_eer": round(metrics.eer(ver_gen, ver_imp), 5),
        "verify_by_fmr": [
            [fmr, round(float(t), 5), round(float(np.mean(ver_gen < t)), 5)]
            for fmr in VERIFY_TABLE_FMRS for t in [threshold(ver_imp, fmr)[0]]],
        "verify_by_fmr_columns": ["fmr per comparison", "threshold", "synthetic fnmr"],
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
