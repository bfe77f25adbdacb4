"""``kiosk run``: the kiosk screen on the real sensor, for one programme and period."""

from __future__ import annotations

import os

from .common import EXIT_OK, EXIT_USAGE, CliError
from .coredata import add_data_options, add_matcher_option, choose_matcher, opened_store


def register(sub) -> None:
    from .sensor import add_link_options

    p = sub.add_parser("run", help="run the kiosk screen on the real devices",
                       description="Full screen on the sensor given by --port; events go to "
                                   "the hub when --broker is given (else they queue).")
    p.add_argument("--programme", required=True, help="programme handed out, e.g. PKH")
    p.add_argument("--period", help="period (default: the latest in the roster)")
    p.add_argument("--broker", help="mqtt(s)://host[:port] of the village hub")
    p.add_argument("--village", default=os.environ.get("SIDIK_VILLAGE", ""),
                   help="village code (default $SIDIK_VILLAGE)")
    p.add_argument("--size", default="800x480")
    p.add_argument("--windowed", action="store_true", help="a window, not full screen")
    p.add_argument("--attempts", type=int, default=3, help="non-matching captures per finger")
    p.add_argument("--voice-dir", help="rendered prompts (default $SIDIK_VOICE_DIR)")
    p.add_argument("--mute", action="store_true")
    add_link_options(p)
    add_matcher_option(p)
    add_data_options(p)
    p.set_defaults(func=cmd_run)


def cmd_run(args) -> int:
    from pathlib import Path

    from ..flows.verify import VerifyConfig, VerifyFlow
    from ..runtime.capture import SensorFingers
    from ..runtime.session import Session
    from ..ui.app import KioskApp
    from ..ui.kiosk import StatusProbe, reporting
    from .coredata import paths_of
    from .demo import parse_size
    from .sensor import connect

    if args.broker and not args.village:
        raise CliError("--broker needs --village (or $SIDIK_VILLAGE)", EXIT_USAGE)
    size = parse_size(args.size)
    matcher, label = choose_matcher(args.matcher)
    print(label, flush=True)
    voice = None
    if not args.mute:
        from ..ui.voice import Voice

        voice = Voice(Path(args.voice_dir) if args.voice_dir else None)
    with opened_store(args) as store:
        period = args.period or store.latest_period(args.programme)
        if period is None:
            raise CliError(f"no period of {args.programme} in the roster", EXIT_USAGE)
        paths = paths_of(args)
        config = VerifyConfig(match_attempts=args.attempts)
        with connect(args) as sensor, reporting(paths, args.broker, args.village,
                                                hub=False) as reporter:
            session = Session(store, SensorFingers(sensor))
            probe = StatusProbe(paths, sensor=f"R30x on {args.port}", camera="not used yet",
                                model=matcher.version, reporter=reporter, clock=store.clock)
            app = KioskApp(session, lambda: VerifyFlow(matcher, config),
                           programme=args.programme, period=period,
                           attempts=config.match_attempts + config.quality_attempts - 1,
                           voice=voice, status=probe, size=size,
                           fullscreen=not args.windowed)
            try:
                import pygame

                timer = pygame.time.Clock()
                while app.tick():
                    timer.tick(30)
            finally:
                app.close()
    return EXIT_OK
