"""``kiosk enroll --nik N``: officer-run enrolment of fingerprints and (with a camera) the face."""

from __future__ import annotations

from ..flows import actions as A
from ..flows.enrol import FACE_FAILED_CHOICES, FINGER_FAILED_CHOICES, EnrolConfig, EnrolFlow
from ..roster.nik import InvalidNik, validate_nik
from .common import EXIT_USAGE, CliError
from .coredata import (
    add_data_options,
    add_device_options,
    add_matcher_option,
    ask_choice,
    choose_matcher,
    interactive,
    opened_fingers,
    opened_store,
    printer,
    report,
)
from .face_options import add_face_options, check_face_options, face_printer, opened_faces


def register(sub) -> None:
    p = sub.add_parser("enroll", help="enrol a recipient's (or officer's) fingerprints",
                       description="Officer-run enrolment: the officer signs in with their own "
                                   "finger, then several impressions of at least two fingers "
                                   "are taken and checked against everyone enrolled; with a "
                                   "camera (--sim-face), then a live face. Exit 0 "
                                   "enrolled, 1 refused/flagged/referred, 6 storage error.")
    p.add_argument("--nik", required=True)
    p.add_argument("--fingers", type=int, default=2, help="fingers to enrol (default 2)")
    p.add_argument("--try-fingers", type=int, default=4,
                   help="fingers to try before giving up (default 4)")
    p.add_argument("--impressions", type=int, default=3, help="impressions per finger")
    p.add_argument("--missing", action="append", default=[], metavar="FINGER[:NOTE]",
                   help="record a missing finger (0..9) up front; repeatable")
    p.add_argument("--on-failed-finger", choices=FINGER_FAILED_CHOICES,
                   help="when a finger cannot be enrolled: try again, record it as "
                        "unreadable (an officer-signed exception), or skip it (default: ask, "
                        "or skip without a terminal)")
    p.add_argument("--keep-image", action="store_true",
                   help="keep the last image of an unreadable finger as evidence (encrypted)")
    p.add_argument("--on-failed-face", choices=FACE_FAILED_CHOICES,
                   help="when no usable live face comes: try again, record it as unusable (an "
                        "officer-signed exception), or skip it (default: ask, or skip without "
                        "a terminal)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_matcher_option(p)
    add_data_options(p)
    add_device_options(p)
    add_face_options(p)
    p.set_defaults(func=cmd_enroll)


def _missing(items: list[str]) -> list[A.FingerExceptionMarked]:
    out = []
    for item in items:
        finger, _, note = item.partition(":")
        if not finger.isdigit() or not 0 <= int(finger) <= 9:
            raise CliError(f"--missing wants FINGER[:NOTE] with FINGER 0..9, not {item!r}",
                           EXIT_USAGE)
        out.append(A.FingerExceptionMarked(int(finger), "missing", note or None))
    return out


def cmd_enroll(args) -> int:
    from ..runtime.session import Session

    try:
        validate_nik(args.nik)
    except InvalidNik as exc:
        if exc.structural:
            raise CliError(f"{exc.message} [{exc.code}] — {exc.pesan}", EXIT_USAGE) from None
    if not 1 <= args.fingers <= 10 or not 2 <= args.impressions <= 4:
        raise CliError("--fingers must be 1..10 and --impressions 2..4", EXIT_USAGE)
    missing = _missing(args.missing)
    check_face_options(args)
    matcher, label = choose_matcher(args.matcher)
    config = EnrolConfig(target_fingers=args.fingers, impressions=args.impressions,
                         fingers_to_try=max(args.try_fingers, args.fingers))
    if not args.json:
        print(label)

    def officer(req: A.RequestOfficerChoice):
        if req.question == "face_failed":
            choice = args.on_failed_face
            if choice is None:
                choice = ask_choice("face failed", req.choices) if interactive() else "skip"
            note = "recorded by officer" if choice == "unusable" else None
            return A.OfficerChoice(choice or "skip", note=note)
        choice = args.on_failed_finger
        if choice is None:
            # Without a terminal nobody signs an exception: skip, never except by default.
            choice = ask_choice("finger failed", req.choices) if interactive() else "skip"
        if choice == "unreadable":
            return A.FingerExceptionMarked(req.finger, "unreadable", "recorded by officer",
                                           keep_image=args.keep_image)
        return A.OfficerChoice(choice or "skip")

    with opened_store(args) as store, opened_fingers(args, "enrol") as fingers, \
            opened_faces(args) as (face_matcher, faces):
        flow = EnrolFlow(matcher, config, face_matcher=face_matcher)
        session = Session(store, fingers, faces=faces, ask_officer=officer,
                          show=face_printer(printer(args.json), args.json))
        result = session.run(_WithMissing(flow, missing), A.Start(args.nik))
        extra = {"matcher": matcher.version}
        if face_matcher is not None:
            extra.update(face_matcher=face_matcher.version, face=flow.s.face)
        return report(result, args.json, extra)


class _WithMissing:
    """Feeds up-front missing-finger exceptions as soon as finger capture starts."""

    def __init__(self, flow: EnrolFlow, missing: list[A.FingerExceptionMarked]):
        self.flow, self.missing = flow, list(missing)

    def __getattr__(self, name):
        return getattr(self.flow, name)

    def step(self, event) -> list:
        actions = self.flow.step(event)
        while self.missing and self.flow.state == "capturing":
            actions = [a for a in actions if a.kind != "request_capture"]
            mark = self.missing.pop(0)
            actions += self.flow.step(mark) or [A.RequestCapture(self.flow.s.finger, "enrol",
                                                                 self.flow.s.captures + 1)]
        return actions
