"""Train the minutia network on synthetic impressions only (seeded; fits a 2-core CPU).

    python -m models.recipe.train --cache /work/cache --masters 300 --samples 48000 --epochs 8

Steps: grow (or load cached) masters, render augmented crops with targets
(data.py), train, save weights. Export to int8 TFLite with export.py.
Keras 3 on TensorFlow is the tested path; on a GPU machine without TensorFlow,
``KERAS_BACKEND=jax`` trains the same layers (the weights file is the same).
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


def build_dataset(cache: Path, n_masters: int, n_samples: int, seed: int, workers: int = 2,
                  keep: bool = True):
    path = cache / f"fp_ds_m{n_masters}_s{n_samples}_{seed}.npz"
    if path.exists():
        d = np.load(path)
        return d["x"], d["y"]
    per = max(1, n_samples // n_masters)
    # A master's samples depend on (seed, master) only, so the split does not change them.
    n_jobs = max(16, 4 * workers)
    jobs = [(cache / "fp_masters", list(range(k, n_masters, n_jobs)), seed, per)
            for k in range(min(n_jobs, n_masters))]
    with Pool(workers) as pool:
        parts = pool.map(_chunk, jobs)
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    if keep:
        np.savez(path, x=x, y=y)
    return x, y


def _batches(x, y, batch: int, seed: int):
    """Batches converted to float32 one at a time (the whole set as float32 may not fit)."""
    import keras

    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=4)  # threads: numpy copies release the GIL
            self.order = np.arange(len(x))
            self.rng = np.random.default_rng(seed)
            self.on_epoch_end()

        def __len__(self):
            return len(x) // batch

        def on_epoch_end(self):
            self.rng.shuffle(self.order)

        def __getitem__(self, i):
            idx = np.sort(self.order[i * batch:(i + 1) * batch])
            return x[idx].astype(np.float32) / 127.0, y[idx].astype(np.float32)

    return Batches()


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


def _time_box(at: float, epochs: int, lr: float, alpha: float = 0.02):
    """Per-epoch cosine learning rate over as many epochs as fit before ``at`` (a
    machine lent for minutes): planned from the first epoch's duration."""
    import math

    import keras

    class TimeBox(keras.callbacks.Callback):
        planned = epochs

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 0:
                self.start = time.time()
            elif epoch == 1:
                per = time.time() - self.start
                self.planned = max(1, min(epochs, int((at - self.start) / per)))
                print(f"epoch {per:.0f} s: {self.planned} epochs fit", flush=True)
            cos = 0.5 * (1 + math.cos(math.pi * epoch / max(self.planned, 1)))
            self.model.optimizer.learning_rate.assign(lr * (alpha + (1 - alpha) * cos))

        def on_epoch_end(self, epoch, logs=None):
            if epoch + 1 >= self.planned:
                self.model.stop_training = True

    return TimeBox()


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
    ap.add_argument("--workers", type=int, default=2, help="processes rendering samples")
    ap.add_argument("--deadline", type=float, default=None,
                    help="time box, seconds from the start (rendering included): as many "
                    "epochs as fit, planned from the first, under one cosine learning rate")
    ap.add_argument("--no-keep", action="store_true",
                    help="do not save the rendered data set in the cache (large runs)")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    t0 = time.time()
    x, y = build_dataset(args.cache, args.masters, args.samples, args.seed, args.workers,
                         keep=not args.no_keep)
    print(f"dataset {x.shape} {y.shape} in {time.time() - t0:.0f} s", flush=True)
    assert y.shape[-1] == N_TARGET

    import keras

    from .model import build

    keras.utils.set_random_seed(args.seed)
    model = build(args.width)
    if args.init:
        model.load_weights(str(args.init))
    if args.deadline:  # the learning rate is set per epoch by _time_box
        sched = args.lr
    else:
        steps = args.epochs * (len(x) // args.batch)
        sched = keras.optimizers.schedules.CosineDecay(args.lr, steps, alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(sched), loss=loss_fn)
    args.out.mkdir(parents=True, exist_ok=True)
    ckpt = keras.callbacks.ModelCheckpoint(str(args.out / "weights.weights.h5"),
                                           save_weights_only=True)
    callbacks = [ckpt]
    if args.deadline:
        callbacks.append(_time_box(t0 + args.deadline, args.epochs, args.lr))
    n_val = min(1024, len(x) // 20)
    hist = model.fit(_batches(x[n_val:], y[n_val:], args.batch, args.seed), epochs=args.epochs,
                     validation_data=(x[:n_val].astype(np.float32) / 127.0,
                                      y[:n_val].astype(np.float32)),
                     callbacks=callbacks, verbose=2)
    meta = {
        "backend": keras.backend.backend(),
        "width": args.width, "masters": args.masters, "samples": len(x), "crop": CROP,
        "epochs": args.epochs, "epochs_run": len(hist.history["loss"]), "batch": args.batch,
        "lr": args.lr, "seed": args.seed,
        "init": str(args.init) if args.init else None,
        "loss": [float(v) for v in hist.history["loss"]],
        "val_loss": [float(v) for v in hist.history["val_loss"]],
        "seconds": round(time.time() - t0),
    }
    (args.out / "train_meta.json").write_text(json.dumps(meta, indent=1))
    print(json.dumps(meta), flush=True)


if __name__ == "__main__":
    main()
