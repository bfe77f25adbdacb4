"""Write a synthetic FVC-style development set (unseen masters) for tuning the matcher.

    python -m models.recipe.devset --out /work/cache/synth_dev --masters 30 --impressions 8

Matcher parameters are tuned on this set, never on the real validation sets.
It uses calibration masters (identities from CALIB_BASE), which training never sees.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

from hw_sim.fingerprints import make_impression
from hw_sim.fingerprints.conditions import mixed_condition

from .masters import CALIB_BASE, load_master, master_key


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/work/cache/fp_masters"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--masters", type=int, default=30)
    ap.add_argument("--impressions", type=int, default=8)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for i in range(args.first, args.first + args.masters):
        ident, finger = master_key(i)
        master = load_master(args.cache, CALIB_BASE + ident, finger)
        for k in range(args.impressions):
            imp = make_impression(master, 2000 + k, mixed_condition(i, k, seed=2))
            Image.fromarray(imp.image).save(args.out / f"{i + 1}_{k + 1}.png")


if __name__ == "__main__":
    main()
