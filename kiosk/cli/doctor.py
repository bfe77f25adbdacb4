"""``kiosk doctor``: check the sensor, camera, models, hub link, clock, disk, queue and
event chain, one verdict and one fix per line; ``--bundle FILE`` also writes a redacted
support archive. Exit 1 when any check FAILs (WARN alone exits 0)."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import EXIT_USAGE, CliError


def register(sub) -> None:
    from kiosk.ops.doctor import GROUPS

    from .coredata import add_data_options

    p = sub.add_parser("doctor", help="diagnose this kiosk (PASS/WARN/FAIL with the fix)",
                       description="Checks run at once, each under a few seconds' deadline. "
                                   "Exit 0: no FAIL; 1: at least one FAIL.")
    add_data_options(p)
    p.add_argument("--json", action="store_true", help="one JSON object for machines")
    p.add_argument("--skip", action="append", default=[], choices=GROUPS, metavar="CHECK",
                   help=f"leave a check out (repeatable): {', '.join(GROUPS)}; e.g. sensor "
                        "and camera while the kiosk holds them")
    p.add_argument("--bundle", metavar="FILE",
                   help="also write a redacted support archive (tar.gz) to FILE")
    p.add_argument("--models-dir", help="model folder to check (default: the installed one)")
    p.add_argument("--camera-source", metavar="PATH",
                   help="frames for the sim camera backend (image, folder or video)")
    p.add_argument("--timeout", type=float, default=3.0,
                   help="seconds for one exchange with the sensor, camera or broker (default 3)")
    p.set_defaults(func=cmd_doctor)


def cmd_doctor(args) -> int:
    from kiosk.ops import doctor
    from kiosk.ops.doctor_probes import CHECKS, Context

    from .coredata import load_config, paths_of

    if args.timeout <= 0:
        raise CliError("--timeout must be positive", EXIT_USAGE)
    conf = load_config(args)
    ctx = Context(conf, paths_of(args, conf), step_timeout_s=args.timeout,
                  camera_source=args.camera_source)
    if args.models_dir:
        ctx.models_dir = Path(args.models_dir)
    results = doctor.run_checks(CHECKS, ctx, args.skip)
    extra = {"config": str(conf.source) if conf.source else None,
             "data_dir": str(ctx.paths.data_dir)}
    text, js = doctor.as_text(results), doctor.as_json(results, **extra)
    print(js if args.json else text, flush=True)
    if args.bundle:
        from kiosk.ops import doctor_bundle

        try:
            doctor_bundle.build(args.bundle, conf=conf, report_text=text, report_json=js,
                                db_path=ctx.paths.db, models_dir=ctx.models_dir,
                                now_ms=ctx.clock.wall_ns() // 1_000_000)
        except OSError as exc:
            raise CliError(f"cannot write the support bundle {args.bundle}: "
                           f"{exc.strerror or exc}") from None
        print(f"support bundle written to {args.bundle}", file=sys.stderr if args.json
              else sys.stdout)
    return doctor.exit_code(results)
