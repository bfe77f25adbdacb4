"""Fit the 1:N shortlist's code space on synthetic prints: a regularised whitening of the code.

    python -m models.recipe.codespace            # writes models/fingerprint_code_whitening.npz

The template's 64-dimension code (features.embedding: a minutia-pair histogram,
randomly projected) is kept as it is; the gallery compares codes after
subtracting their mean and whitening their covariance (eigenvalues regularised
by REGULARISE times their mean), so the few directions in which all synthetic
prints vary alike stop dominating the cosine. Fitted on the tuning set's
impressions (devset.py draws, calibration identities 0..29); the shortlist's
quality is reported on the calibration set's (calibrate.py draws, 30..149).
Never fitted on real prints.
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import numpy as np

from hw_sim.fingerprints import make_impression
from hw_sim.fingerprints.conditions import mixed_condition
from kiosk.biometrics.fingerprint import template as tpl
from kiosk.biometrics.fingerprint.interface import NoUsableFingerprint
from kiosk.biometrics.fingerprint.matcher import load_matcher
from kiosk.biometrics.runtime import sha256_of

from .masters import CALIB_BASE, load_master, master_key

MODELS = Path(__file__).resolve().parents[1]
FILE = "fingerprint_code_whitening.npz"
REGULARISE = 0.3
GALLERY, SHORTLIST = 250_000, 100


def codes(matcher, cache: Path, first: int, count: int, base: int, seed: int,
          impressions: int = 8) -> tuple[np.ndarray, np.ndarray]:
    out, owner = [], []
    for i in range(first, first + count):
        ident, finger = master_key(i)
        master = load_master(cache, CALIB_BASE + ident, finger)
        for k in range(impressions):
            imp = make_impression(master, base + k, mixed_condition(i, k, seed=seed))
            try:
                out.append(tpl.read_code(matcher.extract(imp.image)))
                owner.append(i)
            except NoUsableFingerprint:
                pass
    return np.array(out), np.array(owner)


def fit(x: np.ndarray, regularise: float = REGULARISE) -> tuple[np.ndarray, np.ndarray]:
    mu = x.mean(0)
    ev, vec = np.linalg.eigh(np.cov(x - mu, rowvar=False, bias=True))
    ev = np.maximum(ev, 0.0)
    return mu.astype(np.float32), (vec / np.sqrt(ev + regularise * ev.mean())).astype(np.float32)


def shortlist_rate(x: np.ndarray, owner: np.ndarray) -> float:
    """Share of mated pairs whose code similarity beats all but SHORTLIST of GALLERY impostors."""
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    s = x @ x.T
    iu = np.triu_indices(len(x), 1)
    same = owner[iu[0]] == owner[iu[1]]
    bar = np.quantile(s[iu][~same], 1 - SHORTLIST / GALLERY)
    return float(np.mean(s[iu][same] > bar))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/work/cache/fp_masters"))
    ap.add_argument("--manifest", type=Path, default=MODELS / "manifest.json")
    args = ap.parse_args(argv)
    matcher = load_matcher(args.manifest)
    dev, _ = codes(matcher, args.cache, 0, 30, 2000, 2)
    mu, w = fit(dev)
    cal, owner = codes(matcher, args.cache, 30, 120, 1000, 1)
    before = shortlist_rate(cal, owner)
    after = shortlist_rate((cal - mu) @ w, owner)
    buf = io.BytesIO()
    np.savez(buf, mu=mu, w=w)
    path = args.manifest.parent / FILE
    path.write_bytes(buf.getvalue())
    entry = {
        "file": FILE, "sha256": sha256_of(path), "bytes": path.stat().st_size,
        "method": (f"mean and covariance of {len(dev)} codes of the synthetic tuning set "
                   f"(30 unseen masters x 8 impressions), eigenvalues + {REGULARISE} x their "
                   f"mean. Mated pairs of the calibration set ({len(cal)} impressions) within "
                   f"the top {SHORTLIST} of {GALLERY} impostors: {before:.3f} raw, "
                   f"{after:.3f} whitened."),
    }
    manifest = json.loads(args.manifest.read_text())
    for name in ("fingerprint", "fingerprint_float"):
        if name in manifest["models"]:
            manifest["models"][name]["code_whitening"] = entry
    args.manifest.write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(entry, indent=1))


if __name__ == "__main__":
    main()
