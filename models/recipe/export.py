"""Export trained weights to full-integer int8 TFLite (and a float twin for comparison).

    python -m models.recipe.export --weights /work/cache/fp_train/weights.weights.h5

The representative data set is synthetic only: normalised full-size impressions
of training masters under every condition. Writes models/<name>.tflite and the
model entry of models/manifest.json (thresholds are filled in by calibrate.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from hw_sim.fingerprints import CONDITIONS, make_impression
from kiosk.biometrics.fingerprint.preprocess import normalise

from .masters import TRAIN_BASE, load_master, master_key

MODELS = Path(__file__).resolve().parents[1]
INT8_FILE = "fingerprint_minutiae_int8.tflite"
FLOAT_FILE = "fingerprint_minutiae_float32.tflite"
SIZE = (288, 256)


def representative(cache: Path, n_masters: int, count: int = 120):
    rng = np.random.default_rng(7)
    for k in range(count):
        i = int(rng.integers(n_masters))
        ident, finger = master_key(i)
        master = load_master(cache, TRAIN_BASE + ident, finger)
        imp = make_impression(master, 500 + k, CONDITIONS[k % len(CONDITIONS)])
        yield [normalise(imp.image)[None, :, :, None]]


def convert(weights: Path, width: int, cache: Path, n_masters: int, int8: bool) -> bytes:
    import tensorflow as tf

    from .model import build

    model = build(width, SIZE)
    model.load_weights(str(weights))
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if int8:
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: representative(cache, n_masters)
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    return conv.convert()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=Path("/work/cache/fp_train/weights.weights.h5"))
    ap.add_argument("--meta", type=Path, default=None, help="train_meta.json (default: beside)")
    ap.add_argument("--cache", type=Path, default=Path("/work/cache/fp_masters"))
    ap.add_argument("--version", default="sidik-fp-minutiae-1")
    ap.add_argument("--models-dir", type=Path, default=MODELS, help="where to write (default "
                    "models/)")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    meta_path = args.meta or args.weights.parent / "train_meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    width = int(meta.get("width", 32))
    n_masters = int(meta.get("masters", 100))

    files = {}
    for name, fname, int8 in (("fingerprint", INT8_FILE, True),
                              ("fingerprint_float", FLOAT_FILE, False)):
        data = convert(args.weights, width, args.cache, n_masters, int8)
        args.models_dir.mkdir(parents=True, exist_ok=True)
        (args.models_dir / fname).write_bytes(data)
        files[name] = (fname, hashlib.sha256(data).hexdigest(), len(data))
        print(name, fname, len(data), flush=True)

    manifest_path = args.models_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    models = manifest.setdefault("models", {})
    manifest["manifest_version"] = 1
    training = {
        "data": "synthetic only: hw_sim.fingerprints masters (identities "
                f"{TRAIN_BASE}..{TRAIN_BASE + (n_masters - 1) // 10}, ten fingers each, "
                f"{n_masters} masters), impressions under all conditions "
                f"{list(CONDITIONS)}, augmented (rotation, scale 0.88-1.15, crop, blur, gamma, "
                "contrast, illumination gradient, noise); no real fingerprints",
        "recipe": "models/recipe (train.py, export.py, calibrate.py)",
        **{k: meta[k] for k in ("samples", "crop", "epochs", "epochs_run", "batch", "lr", "seed",
                                "seconds", "backend", "machine", "note") if k in meta},
    }
    for name, (fname, digest, size) in files.items():
        old = models.get(name, {})
        models[name] = {
            **old,  # what calibrate.py and codespace.py wrote stays until they run again
            "file": fname,
            "sha256": digest,
            "bytes": size,
            "version": args.version + ("" if name == "fingerprint" else "-float"),
            "input": {"shape": [1, SIZE[0], SIZE[1], 1], "resizable": True, "align": 8,
                      "dtype": "int8" if name == "fingerprint" else "float32",
                      "preprocessing": "500 dpi, faint captures contrast-stretched, 255 - image, "
                                       "local normalisation (19 px box) x 0.5, clipped to "
                                       "[-1, 1] (preprocess.stretch, preprocess.normalise); "
                                       "the network runs twice: the second time on the "
                                       "normalised image smoothed along the first pass's ridge "
                                       "orientation (Gaussian, sigma ridge_sigma px; "
                                       "preprocess.smooth_along_ridges)"},
            "output": {"stride": 4, "channels": ["segmentation", "minutia_heat", "offset_x",
                                                 "offset_y", "dir_cos", "dir_sin",
                                                 "orient_cos2", "orient_sin2"]},
            "training": training,
            "thresholds": old.get("thresholds", {"verify": 0.5, "dedup": 0.7,
                                                 "method": "placeholder before calibration"}),
        }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
