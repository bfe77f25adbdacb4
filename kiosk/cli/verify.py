"""``kiosk verify --nik N``: verify a recipient and record the claim."""

from __future__ import annotations

from ..flows import actions as A
from ..flows.biometric import OFFICER_REASONS
from ..flows.verify import VerifyConfig, VerifyFlow
from ..roster.nik import InvalidNik, validate_nik
from .common import EXIT_USAGE, CliError
from .coredata import (
    add_data_options,
    add_device_options,
    add_matcher_option,
    add_officer_options,
    choose_matcher,
    nik_answerer,
    officer_answerer,
    opened_fingers,
    opened_store,
    printer,
    report,
)
from .face_options import add_face_options, check_face_options, face_printer, opened_faces


def register(sub) -> None:
    p = sub.add_parser("verify", help="verify a recipient and record the claim",
                       description="Eligibility first, then fingers (each with a retry budget), "
                                   "then the face (with a camera: --sim-face), then the "
                                   "officer. Exit 0 accepted, 1 rejected/referred/cancelled, "
                                   "6 storage error (nothing recorded).")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--nik", help="the NIK the person states")
    who.add_argument("--identify", action="store_true",
                     help="find the person by finger first (1:N; the village must allow it)")
    p.add_argument("--programme", required=True, help="programme, e.g. PKH or BPNT")
    p.add_argument("--period", help="period (default: the latest in the roster)")
    p.add_argument("--attempts", type=int, default=3,
                   help="non-matching captures per finger (default 3)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_officer_options(p)
    add_matcher_option(p)
    add_data_options(p)
    add_device_options(p)
    add_face_options(p)
    p.set_defaults(func=cmd_verify)


def cmd_verify(args) -> int:
    from ..runtime.session import Session

    if args.nik is not None:
        try:
            validate_nik(args.nik)
        except InvalidNik as exc:
            if exc.structural:  # irregular-but-real NIKs go on to the roster
                raise CliError(f"{exc.message} [{exc.code}] — {exc.pesan}",
                               EXIT_USAGE) from None
    if not 1 <= args.attempts <= 10:
        raise CliError("--attempts must be 1..10", EXIT_USAGE)
    if args.officer_decision and args.officer_reason is not None and \
            args.officer_reason not in OFFICER_REASONS[args.officer_decision]:
        raise CliError(f"--officer-reason for {args.officer_decision} must be one of: "
                       f"{', '.join(OFFICER_REASONS[args.officer_decision])}", EXIT_USAGE)
    check_face_options(args)
    matcher, label = choose_matcher(args.matcher)
    with opened_store(args) as store:
        if args.identify and not store.policy().get("identify_by_finger"):
            raise CliError("this village's roster does not enable identification by finger; "
                           "use --nik", EXIT_USAGE)
        period = args.period or store.latest_period(args.programme)
        if period is None:
            known = ", ".join(store.programmes()) or "none"
            raise CliError(f"no period of {args.programme} in the roster (programmes: {known})",
                           EXIT_USAGE)
        if not args.json:
            print(f"{label}; {args.programme} {period}")
        with opened_fingers(args, "verify") as fingers, \
                opened_faces(args) as (face_matcher, faces):
            session = Session(store, fingers, faces=faces, ask_nik=nik_answerer(),
                              ask_officer=officer_answerer(args),
                              show=face_printer(printer(args.json), args.json))
            flow = VerifyFlow(matcher, VerifyConfig(match_attempts=args.attempts),
                              face_matcher=face_matcher)
            result = session.run(flow, A.Start(args.nik, args.programme, period,
                                               identify=args.identify))
        extra = {"matcher": matcher.version, "period": period}
        if face_matcher is not None:
            extra["face_matcher"] = face_matcher.version
        return report(result, args.json, extra)
