"""How real do Sidik's synthetic fingerprints look? Compare them with FVC sets.

    .venv/bin/python bench/fingerprint_realism.py ../shared/data/fingerprints [--out DIR]

Every set (real ones from DATA_DIR, synthetic ones generated here) is brought to
500 dpi and cut to the kiosk's 256 x 288 frame around its centre (padded white),
then measured with the same tools (hw_sim.fingerprints.quality): ridge period,
orientation certainty, foreground area, minutiae density and ending share,
grey levels, a quality score. A table compares the sets; a contact sheet shows
them side by side. A baseline minutiae matcher (below; written for this
benchmark, tuned on nothing) gives each set's EER on the FVC protocol: all
280 genuine pairs, all 2,880 impostor pairs of a 10 x 8 set.

The real images are read by path only, never copied.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hw_sim.fingerprints import CONDITIONS, impression
from hw_sim.fingerprints.conditions import mixed_condition
from hw_sim.fingerprints.quality import (
    grey_histogram,
    measure,
    to_500dpi,
)
from kiosk.biometrics.fingerprint.preprocess import centre_crop

REAL_SETS = {  # folder: dpi (see shared/data/README.md)
    "fvc2000_db1_b": 500.0,
    "fvc2002_db2_b": 569.0,
    "fvc2002_db4_b_synthetic_sfinge": 500.0,
}
REAL = ("fvc2000_db1_b", "fvc2002_db2_b")  # the truly real ones: the calibration target
FRAME = (288, 256)

METRICS = (
    ("foreground", "foreground fraction", "{:.2f}"),
    ("period", "ridge period px", "{:.2f}"),
    ("period_iqr", "period IQR px (in-print)", "{:.2f}"),
    ("coherence", "orientation certainty", "{:.3f}"),
    ("clarity", "local clarity (sine R^2)", "{:.3f}"),
    ("band_energy", "ridge-band energy", "{:.3f}"),
    ("minutiae_per_cm2", "minutiae / cm^2", "{:.1f}"),
    ("ending_fraction", "ending share", "{:.2f}"),
    ("fg_grey_mean", "grey mean (print)", "{:.0f}"),
    ("fg_grey_p10", "grey p10 (ridges)", "{:.0f}"),
    ("fg_grey_p90", "grey p90 (valleys)", "{:.0f}"),
    ("bg_grey_mean", "grey mean (background)", "{:.0f}"),
    ("quality", "quality score 0-100", "{:.1f}"),
)


# ---- data -------------------------------------------------------------------------------
def load_real(folder: Path, dpi: float, fingers: int, impressions: int):
    images, labels = [], []
    for f in range(101, 101 + fingers):
        for i in range(1, impressions + 1):
            path = folder / f"{f}_{i}.png"
            img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if img is None:
                continue
            images.append(centre_crop(to_500dpi(img, dpi), FRAME[1], FRAME[0]))
            labels.append(f)
    return images, labels


def make_synthetic(fingers: int, impressions: int, condition: str, seed: int):
    images, labels = [], []
    for f in range(fingers):
        for i in range(impressions):
            c = mixed_condition(f, i, seed) if condition == "mixed" else condition
            images.append(impression(1000 + f, f % 10, i, c, FRAME, seed).image)
            labels.append(f)
    return images, labels


# ---- baseline matcher -------------------------------------------------------------------
def _wrap(a):
    return np.angle(np.exp(1j * a))


def local_structures(m: np.ndarray, k: int = 4) -> np.ndarray:
    """Each minutia's k nearest neighbours in its own frame: (n, k, 3) of distance,
    bearing and relative direction; rotation and translation invariant."""
    d = np.hypot(m[:, None, 0] - m[None, :, 0], m[:, None, 1] - m[None, :, 1])
    np.fill_diagonal(d, np.inf)
    k = min(k, len(m) - 1)
    nn = np.argsort(d, 1)[:, :k]
    dx = m[nn, 0] - m[:, None, 0]
    dy = m[nn, 1] - m[:, None, 1]
    bearing = _wrap(np.arctan2(dy, dx) - m[:, None, 2])
    rel = _wrap(m[nn, 2] - m[:, None, 2])
    return np.stack([np.take_along_axis(d, nn, 1), bearing, rel], -1)


def match_score(
    a: np.ndarray, b: np.ndarray, dist: float = 12.0, dtheta: float = 0.5, top: int = 40
) -> float:
    """Rigid alignment from the most alike minutia pairs; score = matched^2 / (na nb).

    Local structures (nearest-neighbour geometry) rank all pairs; the best
    ``top`` each propose a rotation and shift, and the one pairing most
    minutiae (position within ``dist`` px, direction within ``dtheta`` rad)
    wins. Nothing here is trained or tuned on any data set.
    """
    na, nb = len(a), len(b)
    if na < 4 or nb < 4:
        return 0.0
    la, lb = local_structures(a), local_structures(b)
    diff = np.abs(la[:, None, :, None, :] - lb[None, :, None, :, :])  # (na, nb, k, k, 3)
    diff[..., 1:] = np.abs(_wrap(diff[..., 1:]))
    cost = diff[..., 0] / 8.0 + diff[..., 1] / 0.3 + diff[..., 2] / 0.4
    cost = cost.min(3).mean(2).reshape(-1)  # each A neighbour to its best B neighbour
    hyp = np.argsort(cost)[: min(top, na * nb)]
    ia, ib = np.divmod(hyp, nb)
    rot = b[ib, 2] - a[ia, 2]
    c, s = np.cos(rot), np.sin(rot)
    dx = a[None, :, 0] - a[ia, 0][:, None]
    dy = a[None, :, 1] - a[ia, 1][:, None]
    tx = b[ib, 0][:, None] + c[:, None] * dx - s[:, None] * dy
    ty = b[ib, 1][:, None] + s[:, None] * dx + c[:, None] * dy
    tt = a[None, :, 2] + rot[:, None]
    d2 = (tx[:, :, None] - b[None, None, :, 0]) ** 2 + (ty[:, :, None] - b[None, None, :, 1]) ** 2
    dang = np.abs(_wrap(tt[:, :, None] - b[None, None, :, 2]))
    ok = (d2 < dist * dist) & (dang < dtheta)
    matched = np.minimum(ok.any(2).sum(1), ok.any(1).sum(1))
    best = int(matched.max())
    return best * best / (na * nb)


def eer(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float, float]:
    """EER, FNMR at FMR 1% and at FMR 0.1% (all in %)."""
    thr = np.unique(np.concatenate([genuine, impostor]))
    fmr = np.array([(impostor >= t).mean() for t in thr])
    fnmr = np.array([(genuine < t).mean() for t in thr])
    k = np.argmin(np.abs(fmr - fnmr))
    e = 50.0 * (fmr[k] + fnmr[k])

    def at(target):
        ok = fmr <= target
        return 100.0 * fnmr[ok].min() if ok.any() else 100.0

    return e, at(0.01), at(0.001)


def evaluate_matching(features: list, labels: list[int], compare=None) -> dict:
    """FVC protocol over all pairs; ``compare`` defaults to the baseline matcher."""
    compare = compare or match_score
    gen, imp = [], []
    t0 = time.perf_counter()
    for i, j in itertools.combinations(range(len(features)), 2):
        (gen if labels[i] == labels[j] else imp).append(compare(features[i], features[j]))
    dt = time.perf_counter() - t0
    e, f1, f01 = eer(np.array(gen), np.array(imp))
    return {
        "eer": e,
        "fnmr@1%": f1,
        "fnmr@0.1%": f01,
        "ms_per_match": 1e3 * dt / (len(gen) + len(imp)),
    }


def onboard_eers(rows: list[dict], sets: dict) -> None:
    """The sensor simulator's on-board matcher (hw_sim.sensor.onboard), if present."""
    try:
        from hw_sim.sensor import onboard
    except ImportError as exc:
        print(f"\n(on-board matcher not available: {exc})")
        return
    print("\nSensor simulator's on-board matcher (hw_sim.sensor.onboard), 256 x 288 frame:")
    print(f"{'set':<34}{'EER %':>8}{'FNMR@1%':>10}{'FNMR@0.1%':>11}{'FTE':>6}{'ms/match':>10}")
    for r in rows:
        chars, fte = [], 0
        for img in sets[r["name"]][0]:
            try:
                chars.append(onboard.generate_char(img))
            except onboard.OnboardError:
                chars.append(None)  # a failure to extract matches nothing
                fte += 1

        def compare(a, b):
            return 0 if a is None or b is None else onboard.score(a, b)

        m = evaluate_matching(chars, sets[r["name"]][1], compare)
        print(
            f"{r['name']:<34}{m['eer']:>8.2f}{m['fnmr@1%']:>10.1f}{m['fnmr@0.1%']:>11.1f}"
            f"{fte:>6}{m['ms_per_match']:>10.1f}"
        )


# ---- report -----------------------------------------------------------------------------
def summarise(name: str, images: list[np.ndarray], match: bool) -> dict:
    t0 = time.perf_counter()
    feats, mins = [], []
    for img in images:
        f, m = measure(img)
        feats.append(f)
        mins.append(m)
    out = {
        "name": name,
        "features": {k: np.array([f[k] for f in feats], float) for k in feats[0]},
        "hist": np.mean([grey_histogram(i) for i in images], 0),
        "fte": sum(len(m) < 6 for m in mins),
        "s_per_image": (time.perf_counter() - t0) / len(images),
    }
    out["minutiae"] = mins
    return out


def print_table(rows: list[dict]) -> None:
    names = [r["name"] for r in rows]
    w = max(12, *(len(n) for n in names))
    print(f"\n{'metric (median [IQR])':<28}" + "".join(f"{n[:w]:>{w + 2}}" for n in names))
    for key, label, fmt in METRICS:
        cells = []
        for r in rows:
            v = r["features"][key]
            v = v[np.isfinite(v)]
            if len(v) == 0:
                cells.append("n/a")
                continue
            q1, q2, q3 = np.percentile(v, [25, 50, 75])
            cells.append(f"{fmt.format(q2)} [{fmt.format(q1)}-{fmt.format(q3)}]")
        print(f"{label:<28}" + "".join(f"{c:>{w + 2}}" for c in cells))
    real = [r for r in rows if r["name"] in REAL]
    if real:
        print(f"\n{'grey histogram distance':<28}" + "".join(f"{n[:w]:>{w + 2}}" for n in names))
        for ref in real:
            d = [0.5 * np.abs(r["hist"] - ref["hist"]).sum() for r in rows]
            print(f"{'  to ' + ref['name']:<28}" + "".join(f"{x:>{w + 2}.3f}" for x in d))
        print(
            "\nWithin the real sets' spread (synthetic median inside [min q25, max q75] of real):"
        )
        for r in rows:
            if r["name"] in REAL_SETS:
                continue
            ins = []
            for key, _label, _ in METRICS:
                lo = min(np.nanpercentile(x["features"][key], 25) for x in real)
                hi = max(np.nanpercentile(x["features"][key], 75) for x in real)
                med = np.nanmedian(r["features"][key])
                ins.append(f"{key}{'' if lo <= med <= hi else ' (OUT)'}")
            print(f"  {r['name']}: " + ", ".join(ins))


def _sheet_row(name: str, imgs: list[np.ndarray], per_row: int) -> np.ndarray:
    pick = [imgs[k] for k in np.linspace(0, len(imgs) - 1, per_row).astype(int)]
    tile = np.hstack([np.pad(im, ((4, 4), (4, 4)), constant_values=255) for im in pick])
    bar = np.full((tile.shape[0], 150), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(bar, name[:22], (4, tile.shape[0] // 2), font, 0.4, 0, 1, cv2.LINE_AA)
    return np.hstack([bar, tile])


def contact_sheet(rows: list[dict], sets: dict, path: Path, per_row: int = 6) -> None:
    """Real and synthetic sets side by side (stays outside git: it holds FVC images),
    plus a small synthetic-only sheet, one row per condition, fit for docs/."""
    sheet = [_sheet_row(r["name"], sets[r["name"]][0], per_row) for r in rows]
    cv2.imwrite(str(path), np.vstack(sheet), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    synth = [
        _sheet_row(c, [impression(2000 + k, k % 10, 1, c).image for k in range(per_row)], per_row)
        for c in CONDITIONS
    ]
    small = cv2.resize(np.vstack(synth), None, fx=0.35, fy=0.35, interpolation=cv2.INTER_AREA)
    cv2.imwrite(
        str(path.with_name("fingerprint_conditions_small.png")),
        small,
        [cv2.IMWRITE_PNG_COMPRESSION, 9],
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path, help="folder holding the FVC sets")
    ap.add_argument("--out", type=Path, default=None, help="where to write the contact sheet")
    ap.add_argument("--fingers", type=int, default=10)
    ap.add_argument("--impressions", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-match", action="store_true", help="skip the (slow) EER evaluation")
    ap.add_argument("--skip-real", action="store_true", help="only the synthetic sets")
    args = ap.parse_args(argv)

    sets: dict[str, tuple[list, list]] = {}
    for name, dpi in {} if args.skip_real else REAL_SETS.items():
        folder = args.data_dir / name
        if folder.is_dir():
            sets[name] = load_real(folder, dpi, args.fingers, args.impressions)
        else:
            print(f"(no {folder}, skipped)", file=sys.stderr)
    t0 = time.perf_counter()
    for cond in ("normal", "mixed"):
        sets[f"sidik_{cond}"] = make_synthetic(args.fingers, args.impressions, cond, args.seed)
    print(
        f"generated {2 * args.fingers * args.impressions} synthetic images in "
        f"{time.perf_counter() - t0:.1f} s (masters included)"
    )

    rows = [summarise(n, imgs, not args.no_match) for n, (imgs, _) in sets.items()]
    print_table(rows)
    if not args.no_match:
        print(
            "\nBaseline matcher (local structures + rigid alignment), "
            f"{args.fingers} x {args.impressions}:"
        )
        print(f"{'set':<34}{'EER %':>8}{'FNMR@1%':>10}{'FNMR@0.1%':>11}{'FTE':>6}{'ms/match':>10}")
        for r in rows:
            m = evaluate_matching(r["minutiae"], sets[r["name"]][1])
            print(
                f"{r['name']:<34}{m['eer']:>8.2f}{m['fnmr@1%']:>10.1f}{m['fnmr@0.1%']:>11.1f}"
                f"{r['fte']:>6}{m['ms_per_match']:>10.1f}"
            )
        onboard_eers(rows, sets)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "fingerprint_contact_sheet.png"
        contact_sheet(rows, sets, path)
        print(f"\ncontact sheet: {path}")
        print(f"conditions sheet: {path.with_name('fingerprint_conditions_small.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
