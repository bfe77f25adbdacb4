"""``kiosk eval fingerprints DIR``: the matcher's error rates and timings on an FVC-style folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import EXIT_NOT_FOUND, CliError


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 256x288, not {text!r}")\
            from None
    if not (16 <= w <= 4096 and 16 <= h <= 4096):
        raise argparse.ArgumentTypeError(f"crop {w}x{h} out of range")
    return w, h


def register(sub) -> None:
    parser = sub.add_parser("eval", help="evaluate the biometric matchers on a folder of samples")
    group = parser.add_subparsers(dest="eval_command", metavar="WHAT")
    group.required = True
    fp = group.add_parser(
        "fingerprints", help="EER, FNMR at FMR 1%% / 0.1%%, failures, timings (FVC protocol)",
        description="All genuine pairs (same finger) and all impostor pairs (different fingers) "
                    "of the <finger>_<impression>.png|tif|bmp files in DIR.")
    fp.add_argument("dir", type=Path, metavar="DIR")
    fp.add_argument("--crop", type=_size, default=None, metavar="WxH",
                    help="centre crop in the image's own pixels, white where smaller "
                         "(256x288 = the kiosk sensor's window)")
    fp.add_argument("--dpi", type=float, default=500.0,
                    help="the images' resolution; they are resampled to 500 dpi (default 500)")
    fp.add_argument("--json", action="store_true",
                    help="print the figures as one JSON object on the last line")
    fp.add_argument("--out", type=Path, default=None,
                    help="write det.png and scores.csv into this folder")
    fp.add_argument("--manifest", type=Path, default=None, help="model manifest (default: "
                    "models/manifest.json)")
    fp.set_defaults(func=cmd_fingerprints)
    __import__("kiosk.cli.eval_faces", fromlist=["register_eval"]).register_eval(group)


def cmd_fingerprints(args) -> int:
    from kiosk.biometrics.fingerprint.evaluate import (
        EvaluationError,
        det_png,
        evaluate,
        write_scores,
    )
    from kiosk.biometrics.fingerprint.matcher import load_matcher
    from kiosk.biometrics.runtime import MANIFEST, ModelError

    if not 100 <= args.dpi <= 2000:
        raise CliError(f"--dpi {args.dpi:g} is out of range (100..2000)")
    try:
        matcher = load_matcher(args.manifest or MANIFEST, dpi=args.dpi)
    except ModelError as exc:
        raise CliError(str(exc)) from None
    try:
        result = evaluate(matcher, args.dir, crop=args.crop)
    except EvaluationError as exc:
        raise CliError(str(exc), exit_code=EXIT_NOT_FOUND) from None
    figures = result.figures()
    figures.update(matcher=matcher.version, folder=str(args.dir),
                   crop="x".join(map(str, args.crop)) if args.crop else None, dpi=args.dpi)
    if args.out:
        try:
            args.out.mkdir(parents=True, exist_ok=True)
            write_scores(result, args.out / "scores.csv")
            det_png(result, args.out / "det.png", args.dir.name)
        except OSError as exc:
            raise CliError(f"cannot write into {args.out}: {exc}") from None
    lines = [
        f"{args.dir}: {figures['images']} images, {figures['genuine_pairs']} genuine and "
        f"{figures['impostor_pairs']} impostor pairs",
        f"EER                {figures['eer']:.2%}",
        f"FNMR @ FMR 1%      {figures['fnmr_at_fmr_1e-2']:.2%}",
        f"FNMR @ FMR 0.1%    {figures['fnmr_at_fmr_1e-3']:.2%}",
        f"failures           {figures['failures']}"
        + (f" ({', '.join(f'{n}: {r}' for n, r in result.failures[:5])}"
           f"{', ...' if len(result.failures) > 5 else ''})" if result.failures else ""),
        f"extraction         {figures['extract_ms']:.1f} ms per image",
        f"comparison         {figures['compare_ms']:.3f} ms per pair",
    ]
    if args.out:
        lines.append(f"wrote {args.out / 'det.png'} and {args.out / 'scores.csv'}")
    print("\n".join(lines))
    if args.json:
        print(json.dumps(figures))
    sys.stdout.flush()
    return 0
