"""``kiosk demo``: the whole kiosk screen against the simulators.

A demo village (signed roster, enrolled synthetic recipients and an officer) is
built on first use in the data directory; the simulated sensor puts down the
fingers of whoever owns the NIK typed on the screen. With a Mosquitto broker on
127.0.0.1:1883 events go to the reference hub; without one they queue and the
screen says so. ``--script`` plays a journey headless and exits.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError


def register(sub) -> None:
    from ..ui.script import JOURNEYS

    p = sub.add_parser("demo", help="run the kiosk screen against simulated hardware",
                       description="The kiosk screen on the simulators. People of the demo "
                                   "village: see docs/ui.md (NIK 3201015501900001 is "
                                   "verified by finger).")
    p.add_argument("--data-dir", help="where the demo village lives (default: a new "
                                      "temporary directory)")
    p.add_argument("--size", default="800x480", help="window size (default 800x480)")
    p.add_argument("--fullscreen", action="store_true")
    p.add_argument("--pace", action="store_true", help="line-rate serial timing (slower)")
    p.add_argument("--no-broker", action="store_true", help="do not look for an MQTT broker")
    p.add_argument("--script", choices=sorted(JOURNEYS),
                   help="play this journey headless, print its outcome and exit")
    p.add_argument("--shots", help="with --script: save a screenshot of every step here")
    p.add_argument("--seconds", type=float, help="close the screen after this many seconds")
    p.add_argument("--voice-dir", help="rendered prompts (default $SIDIK_VOICE_DIR or "
                                       "~/.cache/sidik/voice)")
    p.add_argument("--mute", action="store_true", help="no spoken prompts")
    p.add_argument("--face", metavar="PHOTO",
                   help="turn the face rung on: Wati (NIK 3201015112800008) is enrolled with "
                        "this face, and a live person made from it stands at the simulated "
                        "camera (needs the face models)")
    p.add_argument("--fast", action="store_true", help=argparse_suppress())
    from .coredata import add_matcher_option

    add_matcher_option(p)
    p.set_defaults(func=cmd_demo)


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS  # kept so older scripts that passed --fast still run


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise CliError(f"--size wants WIDTHxHEIGHT, e.g. 800x480, not {text!r}",
                       EXIT_USAGE) from None
    if w < 320 or h < 320:
        raise CliError("--size is too small for the kiosk screen", EXIT_USAGE)
    return w, h


def cmd_demo(args) -> int:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    size = parse_size(args.size)
    if args.script:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from ..ui import demo_world
    from ..ui.kiosk import demo_kiosk
    from .coredata import choose_matcher

    matcher, label = choose_matcher(args.matcher)
    print(label, flush=True)

    data_dir = Path(args.data_dir) if args.data_dir else \
        Path(tempfile.mkdtemp(prefix="sidik-demo-")) / "village"
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sidik" / \
        f"fingers-{demo_world.generator_tag()}"
    print(f"demo village in {data_dir}", flush=True)
    face = _face(args.face) if args.face else None
    voice = None
    if not args.mute:
        from ..ui.voice import Voice

        voice = Voice(Path(args.voice_dir) if args.voice_dir else None)
    try:
        with demo_kiosk(data_dir, matcher=matcher, make=demo_world.impressions(cache),
                        pace=args.pace,
                        broker=None if args.no_broker else "auto", voice=voice, size=size,
                        fullscreen=args.fullscreen, face=face) as app:
            if args.script:
                return _play(app, args)
            import pygame

            driver = pygame.display.get_driver()
            print(f"screen {size[0]}x{size[1]} on SDL video driver {driver}; close the window "
                  "or press Ctrl-C to stop", flush=True)
            if driver in ("dummy", "offscreen"):
                print("note: no display here, so nothing is visible; --script plays a journey "
                      "and --shots saves what the screen shows", flush=True)
            import time

            end = time.monotonic() + args.seconds if args.seconds else None
            timer = pygame.time.Clock()
            while app.tick() and (end is None or time.monotonic() < end):
                timer.tick(30)
            return EXIT_OK
    except RuntimeError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:
        if type(exc).__name__ == "error" and "pygame" in type(exc).__module__:
            raise CliError(f"no screen to draw on ({exc}); try --script, or run it where a "
                           "display is (SDL_VIDEODRIVER=kmsdrm on the Pi)") from None
        raise


def _face(photo: str):
    from firmware_bridge.camera.errors import CameraError
    from hw_sim.camera.source import load_rgb

    from .face_options import load_face_matcher

    try:
        still = load_rgb(photo)
    except CameraError as exc:
        raise CliError(f"--face: {exc}", EXIT_USAGE) from None
    return load_face_matcher(), still


def _play(app, args) -> int:
    from ..ui.script import JOURNEYS, Player

    steps, expected = JOURNEYS[args.script]
    Player(app, Path(args.shots) if args.shots else None).play(steps)
    result = app.view.result
    print(f"{args.script}: {result.outcome} ({result.reason}): {result.pesan}")
    if result.event_id:
        print(f"event {result.event_id}")
    return EXIT_OK if result.outcome == expected else EXIT_FAILURE
