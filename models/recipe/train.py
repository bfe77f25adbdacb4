"""Train the minutia network on synthetic impressions only (seeded; fits a 2-core CPU).

    python -m models.recipe.train --cache /work/cache --masters 300 --samples 48000 --epochs 8

Steps: grow (or load cached) masters, render augmented crops with targets
(data.py), train, save weights. Export to int8 TFLite with export.py.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from .data import N_TARGET, samples
from .masters import TRAIN_BASE, load_master, master_key

CROP = 128
CROPS_PER_IMPRESSION = 4


def _chunk(args):
    cache, indices, seed, per = args
    xs, ys = [], []
    for i in indices:
        ident, finger = master_key(i)
        master = load_master(cache, TRAIN_BASE + ident, finger)
        rng = np.random.default_rng(np.random.SeedSequence([seed, i]))
        for _ in range(max(1, per // CROPS_PER_IMPRESSION)):
            for x, y in samples(master, rng, CROP, CROPS_PER_IMPRESSION):
                xs.append(np.round(x * 127).astype(np.int8))
                ys.append(y.astype(np.float16))
    return np.stack(xs), np.stack(ys)


def build_dataset(cache: Path, n_masters: int, n_samples: int, seed: int, workers: int = 2):
    path = cache / f"fp_ds_m{n_masters}_s{n_samples}_{seed}.npz"
    if path.exists():
        d = np.load(path)
        return d["x"], d["y"]
    per = max(1, n_samples // n_masters)
    jobs = [(cache / "fp_masters", list(range(k, n_masters, 16)), seed, per) for k in range(16)]
    with Pool(workers) as pool:
        parts = pool.map(_chunk, jobs)
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    np.savez(path, x=x, y=y)
    return x, y


def loss_fn(y_true, y_pred):
    from keras import ops

    eps = 1e-5
    seg_t, heat_t = y_true[..., 0], y_true[..., 1]
    mw, mwd, ow = y_true[..., 8], y_true[..., 9], y_true[..., 10]
    p = ops.clip(y_pred, -1 + eps, 1 - eps)
    seg_p = ops.clip(p[..., 0], eps, 1 - eps)
    heat_p = ops.clip(p[..., 1], eps, 1 - eps)
    seg = -ops.mean(seg_t * ops.log(seg_p) + (1 - seg_t) * ops.log(1 - seg_p))
    # Minutiae are sparse: weight the positives so the net does not learn "never".
    w = 1.0 + 12.0 * heat_t
    heat = -ops.sum(w * (heat_t * ops.log(heat_p) + (1 - heat_t) * ops.log(1 - heat_p))) / (
        ops.sum(w) + eps)
    off = ops.sum(mw[..., None] * ops.abs(p[..., 2:4] - y_true[..., 2:4])) / (ops.sum(mw) + eps)
    dirn = ops.sum(mwd[..., None] * ops.square(p[..., 4:6] - y_true[..., 4:6])) / (
        ops.sum(mwd) + eps)
    ori = ops.sum(ow[..., None] * ops.square(p[..., 6:8] - y_true[..., 6:8])) / (
        ops.sum(ow) + eps)
    return seg + 4.0 * heat + off + dirn + 0.5 * ori


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/work/cache"))
    ap.add_argument("--masters", type=int, default=300)
    ap.add_argument("--samples", type=int, default=48000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--out", type=Path, default=Path("/work/cache/fp_train"))
    ap.add_argument("--init", type=Path, default=None,
                    help="start from these weights (a second stage on fresh samples)")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    t0 = time.time()
    x, y = build_dataset(args.cache, args.masters, args.samples, args.seed)
    print(f"dataset {x.shape} {y.shape} in {time.time() - t0:.0f} s", flush=True)
    assert y.shape[-1] == N_TARGET

    import keras

    from .model import build

    keras.utils.set_random_seed(args.seed)
    model = build(args.width)
    if args.init:
        model.load_weights(str(args.init))
    steps = args.epochs * (len(x) // args.batch)
    sched = keras.optimizers.schedules.CosineDecay(args.lr, steps, alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(sched), loss=loss_fn)
    args.out.mkdir(parents=True, exist_ok=True)
    ckpt = keras.callbacks.ModelCheckpoint(str(args.out / "weights.weights.h5"),
                                           save_weights_only=True)
    xf = x.astype(np.float32) / 127.0
    n_val = min(1024, len(x) // 20)
    hist = model.fit(xf[n_val:], y[n_val:].astype(np.float32), batch_size=args.batch,
                     epochs=args.epochs, validation_data=(xf[:n_val], y[:n_val].astype(np.float32)),
                     callbacks=[ckpt], verbose=2, shuffle=True)
    meta = {
        "width": args.width, "masters": args.masters, "samples": len(x), "crop": CROP,
        "epochs": args.epochs, "batch": args.batch, "lr": args.lr, "seed": args.seed,
        "init": str(args.init) if args.init else None,
        "loss": [float(v) for v in hist.history["loss"]],
        "val_loss": [float(v) for v in hist.history["val_loss"]],
        "seconds": round(time.time() - t0),
    }
    (args.out / "train_meta.json").write_text(json.dumps(meta, indent=1))
    print(json.dumps(meta), flush=True)


if __name__ == "__main__":
    main()
