"""``kiosk sim fingerprints``: write an FVC-style folder of synthetic fingerprints."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .common import EXIT_OK, EXIT_USAGE, CliError

CONDITION_NAMES = ("normal", "dry", "wet", "worn", "labourer", "partial", "mixed")


def _size(text: str) -> tuple[int, int]:
    """'288x256' (height x width) -> (288, 256)."""
    h, sep, w = text.lower().partition("x")
    if not sep or not h.isdigit() or not w.isdigit():
        raise CliError(f"--size must look like 288x256 (height x width), not {text!r}", EXIT_USAGE)
    return int(h), int(w)


def register(group) -> None:
    p = group.add_parser(
        "fingerprints",
        help="generate synthetic fingerprints with ground truth (FVC-style folder)",
        description="Write <finger>_<impression>.png (fingers from 101, impressions from 1) "
        "and a ground-truth .json per image: minutiae, orientation field, class, condition.",
    )
    p.add_argument("--fingers", type=int, required=True, help="how many distinct fingers")
    p.add_argument("--impressions", type=int, required=True, help="impressions per finger")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument(
        "--condition",
        default="normal",
        metavar="|".join(CONDITION_NAMES),
        help="skin/capture condition; 'mixed' draws a realistic blend per impression",
    )
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    p.add_argument(
        "--first-identity", type=int, default=0, help="identity of finger 101 (default 0)"
    )
    p.add_argument("--size", default="288x256", help="image height x width (default 288x256)")
    p.add_argument(
        "--workers", type=int, default=1, help="parallel processes (default 1; 0: all cores)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_sim_fingerprints)


def cmd_sim_fingerprints(args) -> int:
    if args.condition not in CONDITION_NAMES:
        raise CliError(
            f"unknown condition {args.condition!r}; valid: {', '.join(CONDITION_NAMES)}",
            EXIT_USAGE,
        )
    if args.fingers < 1 or args.impressions < 1:
        raise CliError("--fingers and --impressions must be at least 1", EXIT_USAGE)
    if args.seed < 0 or args.first_identity < 0:
        raise CliError("--seed and --first-identity must not be negative", EXIT_USAGE)
    size = _size(args.size)
    if min(size) < 32:
        raise CliError("--size must be at least 32x32", EXIT_USAGE)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out} exists and is not a folder")
    workers = args.workers if args.workers > 0 else os.cpu_count() or 1

    # Imported here: the generator pulls in OpenCV and SciPy, which the kiosk's
    # other commands do not need.
    from hw_sim.fingerprints.writers import write_fvc_folder

    def progress(done: int, total: int) -> None:
        if not args.quiet:
            print(f"\r{done}/{total} fingers", end="", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    try:
        write_fvc_folder(
            out,
            args.fingers,
            args.impressions,
            args.condition,
            args.seed,
            first_identity=args.first_identity,
            size=size,
            workers=workers,
            progress=progress,
        )
    except OSError as exc:
        raise CliError(f"cannot write to {out}: {exc.strerror or exc}") from None
    if not args.quiet:
        print(file=sys.stderr)
    n = args.fingers * args.impressions
    print(
        f"wrote {n} impressions of {args.fingers} fingers to {out} "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    return EXIT_OK
