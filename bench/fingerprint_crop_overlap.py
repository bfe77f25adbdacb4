"""Why centre crops fail: how much of the 256 x 288 window two genuine impressions share.

    .venv/bin/python bench/fingerprint_crop_overlap.py ../shared/data/fingerprints/fvc2002_db2_b \
        --dpi 569

Each genuine pair is aligned by comparing the full images (reliable where the full-image EER is
low); one centre window is mapped through that alignment onto the other, and the share of it
that lands inside is the pair's shared window. The crop pairs scoring under the crop EER threshold
are then counted by shared window. Under the same alignment, carried into the crops' frames, it
also counts each failing pair's minutiae that lie on the other crop's finger and the pairs the
comparison makes there: what a minutiae matcher could pair even if it found the alignment. A
diagnosis of the evaluation protocol, not a tuning aid.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from kiosk.biometrics import metrics
from kiosk.biometrics.fingerprint import match
from kiosk.biometrics.fingerprint import template as tpl
from kiosk.biometrics.fingerprint.evaluate import evaluate, list_samples, load_image
from kiosk.biometrics.fingerprint.matcher import load_matcher
from kiosk.biometrics.fingerprint.preprocess import SENSOR_DPI, centre_crop

CROP_W, CROP_H = 256, 288
BINS = ((0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.01))


def alignments(matcher, samples, genuine_pairs):
    """(rotation, translation, score) of each genuine pair's full images, as complex numbers."""
    found = {}
    real_score = match._score

    def spy(a, b, m, r, t, za):
        v = real_score(a, b, m, r, t, za)
        found["last"] = (r, t, v)
        return v

    recs = [tpl.decode(matcher.extract(load_image(p))).records[0] for _f, _i, p in samples]
    match._score = spy
    try:
        out = []
        for a, b in genuine_pairs:
            found.pop("last", None)
            match.compare_records(recs[a], recs[b])
            out.append(found.get("last", (1 + 0j, 0j, 0.0)))
        return out
    finally:
        match._score = real_score


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--dpi", type=float, default=SENSOR_DPI)
    ap.add_argument("--model", default="fingerprint",
                    help="manifest entry (fingerprint_float: the float twin)")
    ap.add_argument("--sure", type=float, default=0.2,
                    help="full-image score above which the alignment is trusted")
    args = ap.parse_args()
    matcher = load_matcher(dpi=args.dpi, model=args.model)
    crop = evaluate(matcher, args.folder, crop=(CROP_W, CROP_H))
    samples = list_samples(args.folder)
    h, w = load_image(samples[0][2]).shape
    f = SENSOR_DPI / args.dpi  # the matcher works in 500 dpi pixels
    cw, ch = CROP_W * f, CROP_H * f
    ox, oy = max(w - CROP_W, 0) / 2 * f, max(h - CROP_H, 0) / 2 * f
    gy, gx = np.mgrid[0:20, 0:20]
    window = ((ox + (gx + 0.5) / 20 * cw) + 1j * (oy + (gy + 0.5) / 20 * ch)).ravel()
    thr = np.quantile(crop.impostor, 1 - metrics.eer(crop.genuine, crop.impostor))
    shared = []
    aligned = alignments(matcher, samples, crop.genuine_pairs)
    for r, t, v in aligned:
        if v < args.sure:
            shared.append(np.nan)
            continue
        q = r * window + t
        inside = (q.real >= ox) & (q.real < ox + cw) & (q.imag >= oy) & (q.imag < oy + ch)
        shared.append(float(inside.mean()))
    shared = np.array(shared)
    fail = crop.genuine < thr
    crop_recs = [tpl.decode(matcher.extract(centre_crop(load_image(p), CROP_W, CROP_H))).records[0]
                 for _f, _i, p in samples]
    off = complex(max(w - CROP_W, 0) // 2 * f, max(h - CROP_H, 0) // 2 * f)
    print(f"{args.folder.name}: crop EER {metrics.eer(crop.genuine, crop.impostor):.2%}, "
          f"{int(fail.sum())} of {len(fail)} genuine crop pairs under its threshold")
    for lo, hi in BINS:
        sel = (shared >= lo) & (shared < hi)
        print(f"  shared window {lo:.0%}-{min(hi, 1):.0%}: {int(sel.sum())} pairs, "
              f"{int((sel & fail).sum())} failing")
    unsure = np.isnan(shared)
    print(f"  full-image alignment not trusted: {int(unsure.sum())} pairs, "
          f"{int((unsure & fail).sum())} failing")
    # The failing pairs under their true alignment, in the crops' own frames.
    bare = above = 0
    names = [f"{fi}_{im}" for fi, im, _p in samples]
    listed = []
    for k in np.flatnonzero(fail & ~unsure):
        a, b = (crop_recs[i] for i in crop.genuine_pairs[k])
        r, t, _v = aligned[k]
        common, _m, score = aligned_pairs(a, b, r, t + (r - 1) * off)
        bare += common <= 1
        above += score >= thr
        i, j = crop.genuine_pairs[k]
        listed.append(f"{names[i]}-{names[j]}{'' if common > 1 else ' (bare)'}")
    print(f"  failing pairs (alignment trusted) with at most one minutia on the other crop's "
          f"finger under the true alignment: {bare}; scoring above the threshold under it: {above}")
    print("  failing pairs (bare: at most one minutia in common):", ", ".join(listed))
    return 0


def aligned_pairs(a, b, r: complex, t: complex) -> tuple[int, float, float]:
    """(fewer of the two prints' minutiae on the other's finger, pairs, score) of crop records
    a, b under z -> r z + t, pairing as the comparison does (anchored at the common minutiae)."""
    r, t = np.complex64(r), np.complex64(t)
    za = r * a.z + t
    on_b = np.array([match._inside(b, za[i:i + 1]) for i in range(len(za))], bool)
    common = min(int(on_b.sum()), match._inside(a, (b.z - t) * np.conj(r)))
    if common == 0:
        return 0, 0.0, 0.0
    anchor = np.array([za[on_b].mean()], np.complex64)
    sw = (match.LOCAL_BASE + match.local_similarity(a, b)) / (match.LOCAL_BASE + 1.0)
    _w, _wa, _wb, m, z = match._pair(a, b, sw, np.array([r]), np.array([t]), anchor)
    return common, float(m[0]), match._score(a, b, float(m[0]), r, t, z[0])


if __name__ == "__main__":
    raise SystemExit(main())
