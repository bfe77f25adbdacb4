"""``kiosk sim village``: a simulated village through the real kiosk, outbox, MQTT and hub."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError


def register(group) -> None:
    p = group.add_parser(
        "village", help="simulate a village's enrolment and visits; report exclusion and "
        "inclusion errors from the hub's records",
        description="Everyone enrols and comes to the kiosk each period (with relatives and "
        "strangers trying other people's NIKs); the report is computed from the hub's books.")
    p.add_argument("--people", type=int, default=300, help="roster people (default 300)")
    p.add_argument("--periods", type=int, default=2, help="periods (default 2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true",
                   help=f"CI size: {_quick()} people, 1 period, every kind of visit")
    p.add_argument("--out", default="village-report",
                   help="folder for README.md and the plots (default village-report)")
    p.add_argument("--cache", default=None,
                   help="folder for grown fingerprint masters (default ~/.cache/sidik/village)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes growing fingerprint masters")
    p.add_argument("--records", default=None,
                   help="also save the hub's events and the ground truth here (.json.gz)")
    p.add_argument("--impostor-attempts", type=int, default=0, metavar="N",
                   help="after the periods, N impostor attempts against the enrolled village "
                   "(relatives and strangers, impressions reused, each presenter-person pair "
                   "once) to bound the inclusion error; 30,000 bound 0.01 %%")
    p.add_argument("--report-from", default=None, metavar="RECORDS",
                   help="no simulation: compute the report again from saved --records")
    p.set_defaults(func=cmd_village)


def _quick() -> int:
    from hw_sim.village import QUICK_PEOPLE

    return QUICK_PEOPLE


def cmd_village(args) -> int:
    # Everything loaded now: a run takes minutes, and its code must not change under it.
    from hw_sim.village import default_cache, document, plots, run, simulate  # noqa: F401
    from hw_sim.village.report import summary_line

    if args.report_from:
        from hw_sim.village import recompute

        try:
            r = recompute(Path(args.report_from), Path(args.out))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CliError(f"cannot read records {args.report_from}: {exc}", EXIT_USAGE) from None
        print(summary_line(r))
        return EXIT_OK if r["books"]["ok"] else EXIT_FAILURE
    people, periods = (_quick(), 1) if args.quick else (args.people, args.periods)
    if not 2 <= people <= 9999 or periods < 1 or args.workers < 1:
        # 9999: the roster NIKs' serial numbers (population.make_nik) stay distinct.
        raise CliError("--people must be 2..9999, --periods and --workers at least 1",
                       EXIT_USAGE)
    if args.impostor_attempts < 0:
        raise CliError("--impostor-attempts must be 0 or more", EXIT_USAGE)
    t0 = time.monotonic()
    command = (f"kiosk sim village --people {people} --periods {periods} --seed {args.seed}"
               + (" --quick" if args.quick else "")
               + (f" --impostor-attempts {args.impostor_attempts}"
                  if args.impostor_attempts else ""))
    try:
        r = run(people, periods, args.seed, Path(args.out),
                Path(args.cache) if args.cache else default_cache(), args.workers,
                quick=args.quick, command=command,
                records=Path(args.records) if args.records else None,
                impostor_attempts=args.impostor_attempts,
                log=lambda m: print(f"[{time.monotonic() - t0:6.1f} s] {m}", file=sys.stderr,
                                    flush=True))
    except RuntimeError as exc:
        raise CliError(f"village simulation failed: {exc}") from None
    print(summary_line(r))
    print(f"report: {Path(args.out) / 'README.md'}")
    return EXIT_OK if r["books"]["ok"] else EXIT_FAILURE
