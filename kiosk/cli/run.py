"""``kiosk run``: the kiosk screen on the real devices, for one programme and period.

Sensor and data folders come from the configuration file (kiosk/config.py:
``[sensor]``, ``[device]``); an option given on the command line wins. Events are
delivered by the reporter service (``kiosk report run``, sidik-reporter.service);
``--broker`` runs a reporter inside this process instead (a kiosk without that
service). Under systemd (``Type=notify``) it says READY after the first frame and
pings the watchdog from the screen loop, so a hung screen is restarted.
"""

from __future__ import annotations

import argparse
import contextlib
import os

from .common import EXIT_OK, EXIT_USAGE, CliError
from .coredata import add_data_options, add_matcher_option, choose_matcher, opened_store


def register(sub) -> None:
    p = sub.add_parser("run", help="run the kiosk screen on the real devices",
                       description="Full screen on the configured sensor; events go to the "
                                   "configured hub (else they queue).")
    p.add_argument("--programme", default=os.environ.get("SIDIK_PROGRAMME"),
                   help="programme handed out, e.g. PKH (default $SIDIK_PROGRAMME, [kiosk] "
                        "programme, or the roster's only programme)")
    p.add_argument("--period", help="period (default: the latest in the roster)")
    p.add_argument("--port", help="sensor port ([sensor] port)")
    p.add_argument("--baud", type=int, help="sensor link speed ([sensor] baud; 'auto' tries "
                                            "the usual ones when neither is set)")
    p.add_argument("--broker", help="run a reporter in this process to mqtt(s)://host[:port] "
                                    "(TLS and login from [hub]); default: the reporter service")
    p.add_argument("--village", help="with --broker: village code ([hub] village)")
    p.add_argument("--size", default="800x480")
    p.add_argument("--windowed", action="store_true", help="a window, not full screen")
    p.add_argument("--attempts", type=int, default=3, help="non-matching captures per finger")
    p.add_argument("--voice-dir", help="rendered prompts (default $SIDIK_VOICE_DIR)")
    p.add_argument("--mute", action="store_true")
    add_matcher_option(p)
    add_data_options(p)
    p.set_defaults(func=cmd_run)


def _link(hub: dict) -> dict:
    """ReporterConfig settings from the [hub] section (password from its own file)."""
    from .. import config

    link = {k: hub[k] for k in ("ca", "cert", "key", "username", "protocol", "window",
                                "ack_timeout_s", "heartbeat_s", "disk_warn_mb",
                                "disk_critical_mb")}
    if hub.get("password_file"):
        try:
            link["password"] = config.read_secret(hub["password_file"], "[hub] password_file")
        except config.ConfigError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
    return link


def cmd_run(args) -> int:
    from pathlib import Path

    from ..flows.verify import VerifyConfig, VerifyFlow
    from ..runtime.capture import LiveFaces, SensorFingers
    from ..runtime.session import Session
    from ..ui.app import KioskApp
    from ..ui.kiosk import StatusProbe, reporting
    from .coredata import load_config, paths_of
    from .demo import parse_size
    from .sensor import connect

    conf = load_config(args)
    hub, sensor_conf = conf.section("hub"), conf.section("sensor")
    broker = args.broker
    village = args.village or hub["village"] or os.environ.get("SIDIK_VILLAGE")
    if broker and not village:
        raise CliError("--broker needs a village code: set [hub] village or pass --village",
                       EXIT_USAGE)
    if not 1 <= args.attempts <= 10:
        raise CliError("--attempts must be 1..10", EXIT_USAGE)
    size = parse_size(args.size)
    link_args = argparse.Namespace(
        port=args.port or sensor_conf["port"],
        baud=args.baud or ("auto" if conf.source is None else sensor_conf["baud"]),
        password=sensor_conf["password"], address=sensor_conf["address"], timeout=2.0)
    matcher, label = choose_matcher(args.matcher)
    print(label, flush=True)
    voice = None
    if not args.mute:
        from ..ui.voice import Voice

        voice = Voice(Path(args.voice_dir) if args.voice_dir else None)
    with opened_store(args) as store:
        programme = args.programme or conf.get("kiosk", "programme")
        if programme is None:
            known = store.programmes()
            if len(known) != 1:
                raise CliError("say which programme this kiosk hands out: [kiosk] programme, "
                               f"$SIDIK_PROGRAMME or --programme (the roster has: "
                               f"{', '.join(known) or 'none'})",
                               EXIT_USAGE)
            programme = known[0]
        period = args.period or store.latest_period(programme)
        if period is None:
            raise CliError(f"no period of {programme} in the roster", EXIT_USAGE)
        paths = paths_of(args, conf)
        config = VerifyConfig(match_attempts=args.attempts)
        face_matcher, camera, camera_label = _face(conf.section("camera"))
        with connect(link_args) as sensor, reporting(paths, broker, village or "", hub=False,
                                                     link=_link(hub)) as reporter, \
                contextlib.ExitStack() as stack:
            if camera is not None:
                stack.callback(camera.close)
            where = f"R30x on {link_args.port}"
            session = Session(store, SensorFingers(sensor))  # reports sensor health
            probe = StatusProbe(paths, sensor=where, camera=camera_label,
                                model=matcher.version, reporter=reporter, clock=store.clock,
                                health=store.health, reporter_service=reporter is None)
            app = KioskApp(session, lambda: VerifyFlow(matcher, config,
                                                       face_matcher=face_matcher),
                           programme=programme, period=period,
                           attempts=config.match_attempts + config.quality_attempts - 1,
                           voice=voice, status=probe, size=size,
                           fullscreen=not args.windowed)
            if camera is not None:
                from ..ui.camera import on_screen

                session.faces = LiveFaces.for_matcher(
                    on_screen(app, lambda _t, _prompt, _colour: camera.read().image),
                    face_matcher)
            _loop(app, f"{programme} {period}")
    return EXIT_OK


def _face(camera_conf: dict):
    """(face matcher, open camera, label) for the face rung, or (None, None, why not):
    a kiosk without a camera or the face models still runs, on fingers and the officer."""
    if camera_conf["backend"] == "none":
        return None, None, "none ([camera] backend = none): face rung off"
    from firmware_bridge.camera import open_camera
    from firmware_bridge.camera.errors import CameraError

    from ..biometrics.runtime import ModelError

    # The camera first: where there is none (the usual failure) the models need not load.
    options = {k: camera_conf[k] for k in ("device", "source") if camera_conf[k]}
    try:
        camera = open_camera(camera_conf["backend"], **options)
    except CameraError as exc:
        print(f"face rung off: {exc}", flush=True)
        return None, None, f"not working ({exc}): face rung off"
    try:
        from ..biometrics.face.matcher import load_face_matcher

        face_matcher = load_face_matcher()
    except (ModelError, ImportError) as exc:
        camera.close()
        print(f"face rung off: the face models do not load ({exc})", flush=True)
        return None, None, "face models missing: face rung off"
    return face_matcher, camera, f"{camera.backend}: face rung on"


def _loop(app, what: str) -> None:
    """The screen loop under systemd: READY after the first frame, the watchdog pinged
    every frame, SIGTERM ends it cleanly."""
    import signal

    import pygame

    from ..ops.sdnotify import Notifier

    notifier = Notifier.from_env()
    signal.signal(signal.SIGTERM, lambda *_: setattr(app, "running", False))
    timer = pygame.time.Clock()
    try:
        app.tick()
        notifier.ready(f"verifying {what}")
        while app.tick():
            notifier.watchdog()
            timer.tick(30)
    finally:
        notifier.stopping()
        notifier.close()
        app.close()
