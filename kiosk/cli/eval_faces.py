"""``kiosk eval faces DIR``: the face matcher's error rates and timings on a folder of images."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .common import EXIT_NOT_FOUND, CliError


def register_eval(group) -> None:
    """Add ``faces`` to the ``kiosk eval`` subcommands."""
    p = group.add_parser(
        "faces", help="EER, FNMR at FMR 1%% / 0.1%%, failures to detect, timings",
        description="All genuine pairs (same person) and impostor pairs (different people) of the "
                    "images in DIR: one subfolder per person, or files named <person>_<rest>.")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--json", action="store_true",
                   help="print the figures as one JSON object on the last line")
    p.set_defaults(func=cmd_faces)


def cmd_faces(args) -> int:
    from kiosk.biometrics.face.evaluate import EvaluationError, evaluate
    from kiosk.biometrics.face.matcher import load_face_matcher
    from kiosk.biometrics.runtime import ModelError

    try:
        matcher = load_face_matcher()
    except ModelError as exc:
        raise CliError(str(exc)) from None
    try:
        result = evaluate(matcher, args.dir)
    except EvaluationError as exc:
        raise CliError(str(exc), exit_code=EXIT_NOT_FOUND) from None
    f = result.figures()
    f.update(matcher=matcher.version, folder=str(args.dir),
             verify_threshold=matcher.verify_threshold)
    fails = result.failures
    lines = [
        f"{args.dir}: {f['images']} images of {f['people']} people, {f['genuine_pairs']} genuine "
        f"and {f['impostor_pairs']} impostor pairs",
        f"EER                {f['eer']:.2%}",
        f"FNMR @ FMR 1%      {f['fnmr_at_fmr_1e-2']:.2%}",
        f"FNMR @ FMR 0.1%    {f['fnmr_at_fmr_1e-3']:.2%}",
        f"failures           {f['failures']}"
        + (f" ({', '.join(f'{n}: {r}' for n, r in fails[:5])}{', ...' if len(fails) > 5 else ''})"
           if fails else ""),
        f"extraction         {f['extract_ms']:.1f} ms per image (detection + embedding)",
        f"comparison         {f['compare_ms']:.4f} ms per pair",
    ]
    print("\n".join(lines))
    if args.json:
        print(json.dumps(f))
    sys.stdout.flush()
    return 0
