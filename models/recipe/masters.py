"""Disk cache of synthetic masters: growing one costs seconds, rendering an impression milliseconds.

    python -m models.recipe.masters --cache /work/cache/fp_masters --first 0 --count 400

Masters are deterministic in (identity, finger, seed), so the cache only saves
time; deleting it changes nothing but the wall clock.
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

from hw_sim.fingerprints.master import Master, build_master

#: identities 0.. train the model; CALIB_BASE.. calibrate thresholds; never mixed
TRAIN_BASE = 0
CALIB_BASE = 100_000


def master_key(index: int) -> tuple[int, int]:
    """Index -> (identity, finger): ten fingers per synthetic person."""
    return index // 10, index % 10


def load_master(cache: Path, identity: int, finger: int) -> Master:
    path = Path(cache) / f"m{identity:06d}_{finger}.pkl"
    if path.exists():
        with path.open("rb") as fh:
            return pickle.load(fh)
    master = build_master(identity, finger, 0)
    tmp = path.with_suffix(".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("wb") as fh:
        pickle.dump(master, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    return master


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--base", type=int, default=TRAIN_BASE, help="first identity number")
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--step", type=int, default=1, help="stride, to split work over processes")
    args = ap.parse_args(argv)
    for i in range(args.first, args.first + args.count, args.step):
        ident, finger = master_key(i)
        load_master(args.cache, args.base * 1 + ident, finger)
        print(i, flush=True)


if __name__ == "__main__":
    main()
