"""Would ridge texture rescue the crop pairs that minutiae fail? A diagnosis, not a matcher.

    .venv/bin/python bench/fingerprint_crop_texture.py ../shared/data/fingerprints/fvc2002_db2_b \
        --dpi 569

Scores every pair of 256 x 288 centre crops twice: with the committed matcher, and with
band-limited phase-only correlation (BLPOC: the peak of the normalised cross-power spectrum in
the ridge band, 0.05-0.2 cycles/pixel, best of rotations -24..24 degrees in 3-degree steps), a
texture comparison that needs no minutiae. Prints each score's EER, where the pairs that the
matcher fails at its EER threshold fall among the impostors' texture scores, and the EER of
simple sums. Not tuned on: it only shows whether texture carries what minutiae miss.
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
from kiosk.biometrics.fingerprint.evaluate import evaluate, load_image
from kiosk.biometrics.fingerprint.matcher import load_matcher
from kiosk.biometrics.fingerprint.preprocess import SENSOR_DPI, centre_crop

CROP_W, CROP_H = 256, 288
ANGLES = tuple(range(-24, 25, 3))
BAND = (0.05, 0.2)  # cycles per pixel: ridges are 8-12 px apart at 500-569 dpi


def ridge_phase(image: np.ndarray) -> np.ndarray:
    """Unit-magnitude ridge-band spectra of the image at each of ANGLES, cut to the band."""
    import cv2

    img = image.astype(np.float32)
    dev = img - cv2.GaussianBlur(img, (0, 0), 6)
    spread = np.sqrt(cv2.GaussianBlur(dev * dev, (0, 0), 6))
    # the finger, not the glass: where local contrast is present, feathered at its edge
    mask = cv2.GaussianBlur((cv2.GaussianBlur(spread, (0, 0), 8) > 8).astype(np.float32),
                            (0, 0), 6)
    flat = dev / (spread + 1e-3) * mask
    h, w = flat.shape
    hann = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    kh, kw = int(BAND[1] * h), int(BAND[1] * w)
    fy = (np.arange(-kh, kh + 1) / h)[:, None]
    fx = (np.arange(-kw, kw + 1) / w)[None, :]
    radius = np.hypot(fy, fx)
    keep = (radius > BAND[0]) & (radius < BAND[1])
    out = []
    for angle in ANGLES:
        rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        turned = cv2.warpAffine(flat, rot, (w, h), flags=cv2.INTER_LINEAR) if angle else flat
        spec = np.fft.fftshift(np.fft.fft2(turned * hann))
        spec = spec[h // 2 - kh:h // 2 + kh + 1, w // 2 - kw:w // 2 + kw + 1]
        out.append((spec / (np.abs(spec) + 1e-6) * keep).astype(np.complex64))
    return np.stack(out)


def texture_score(a: np.ndarray, b: np.ndarray) -> float:
    """Best correlation peak (its three highest cells) of a's upright band over b's rotations."""
    upright = a[ANGLES.index(0)]
    cross = np.fft.ifftshift(upright[None] * np.conj(b), axes=(1, 2))
    surface = np.fft.ifft2(cross, axes=(1, 2)).real.reshape(len(b), -1)
    return float(np.sort(surface, axis=1)[:, -3:].sum(1).max())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--dpi", type=float, default=SENSOR_DPI)
    args = ap.parse_args()
    crop = evaluate(load_matcher(dpi=args.dpi), args.folder, crop=(CROP_W, CROP_H))
    bands = [ridge_phase(centre_crop(load_image(p), CROP_W, CROP_H))
             for _f, _i, p in crop.samples]
    tex_gen = np.array([texture_score(bands[a], bands[b]) for a, b in crop.genuine_pairs])
    tex_imp = np.array([texture_score(bands[a], bands[b]) for a, b in crop.impostor_pairs])
    eer = metrics.eer(crop.genuine, crop.impostor)
    thr = np.quantile(crop.impostor, 1 - eer)
    fail = crop.genuine < thr
    top = np.quantile(tex_imp, 0.999)
    print(f"{args.folder.name}, {CROP_W} x {CROP_H} crops: {len(tex_gen)} genuine, "
          f"{len(tex_imp)} impostor pairs")
    print(f"  EER: minutiae {eer:.2%}, texture {metrics.eer(tex_gen, tex_imp):.2%}")
    missed = tex_gen[fail]
    spread = (f"texture {missed.min():.3f}-{missed.max():.3f} (median {np.median(missed):.3f})"
              if len(missed) else "none")
    print(f"  the {len(missed)} pairs minutiae fail: {spread}; impostors' median "
          f"{np.median(tex_imp):.3f}, 99.9 % {top:.3f}; {int((missed > top).sum())} failing "
          "pairs above it")
    for weight in (0.5, 1.0, 2.0):
        fused = metrics.eer(crop.genuine + weight * tex_gen, crop.impostor + weight * tex_imp)
        print(f"  minutiae + {weight:g} x texture: EER {fused:.2%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
