"""``kiosk report run|status|drain``: the reporter to the village hub (kiosk/reporting).

The link settings come from the configuration file's ``[hub]`` section
(kiosk/config.py); an option given on the command line wins over the file.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time

from .common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError


def _common(p) -> None:
    from .coredata import add_data_options

    add_data_options(p)


# option dest -> [hub] key; the file's value applies where the option is not given.
_FROM_CONFIG = {"broker": "broker", "village": "village", "ca": "ca", "cert": "cert",
                "key": "key", "username": "username", "protocol": "protocol",
                "window": "window", "ack_timeout": "ack_timeout_s",
                "heartbeat": "heartbeat_s"}


def _link(p) -> None:
    p.add_argument("--broker", help="mqtt://host[:port] or mqtts://host[:port] ([hub] broker)")
    p.add_argument("--village", help="village code, a topic level ([hub] village)")
    p.add_argument("--ca", help="CA certificate of the broker (mqtts)")
    p.add_argument("--cert", help="this kiosk's client certificate (mutual TLS)")
    p.add_argument("--key", help="the client certificate's private key")
    p.add_argument("--username")
    p.add_argument("--password", help="prefer [hub] password_file: a command line is visible "
                                      "to every user of the machine")
    p.add_argument("--protocol", choices=["auto", "5", "3.1.1"])
    p.add_argument("--window", type=int, help="events in flight (default 100)")
    p.add_argument("--ack-timeout", type=float,
                   help="seconds to wait for the hub's acknowledgement before resending")
    p.add_argument("--heartbeat", type=float, help="heartbeat period in seconds")
    p.add_argument("-v", "--verbose", action="store_true")


def _settings(args):
    """The [hub] settings with the command line's options on top."""
    from kiosk import config

    from .coredata import load_config

    conf = load_config(args)
    try:
        hub = conf.section("hub")
        for dest, key in _FROM_CONFIG.items():
            if getattr(args, dest, None) is not None:
                hub[key] = getattr(args, dest)
        password = getattr(args, "password", None)
        if password is None and hub["password_file"]:
            password = config.read_secret(hub["password_file"], "[hub] password_file")
    except config.ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    where = conf.source or "the configuration file (/etc/sidik/kiosk.toml)"
    for key in ("broker", "village"):
        if not hub[key]:
            raise CliError(f"no {key} configured: set [hub] {key} in {where} or pass --{key}",
                           EXIT_USAGE)
    return conf, hub, password


def register(sub) -> None:
    parser = sub.add_parser("report", help="report events to the village hub over MQTT")
    group = parser.add_subparsers(dest="report_command", metavar="ACTION")
    group.required = True
    run = group.add_parser("run", help="run the reporter until stopped")
    _common(run)
    _link(run)
    run.set_defaults(func=cmd_run)
    drain = group.add_parser("drain", help="send until the outbox is empty, then exit")
    _common(drain)
    _link(drain)
    drain.add_argument("--timeout", type=float, default=300.0)
    drain.set_defaults(func=cmd_run, drain=True)
    status = group.add_parser("status", help="outbox depth, oldest pending event, disk")
    _common(status)
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)


def _open(args, conf):
    from kiosk.reporting.outbox import Outbox
    from kiosk.security.keys import KeyFileError, load_hub_key, load_identity

    from .coredata import paths_of

    paths = paths_of(args, conf)
    try:
        identity = load_identity(paths)
        hub_key = load_hub_key(paths)
    except KeyFileError as exc:
        raise CliError(str(exc)) from None
    return paths, identity, hub_key, Outbox(paths.db)


def cmd_run(args) -> int:
    from kiosk.reporting.reporter import Reporter, ReporterConfig
    from kiosk.storage.store import KioskStore

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    conf, hub, password = _settings(args)
    paths, identity, hub_key, outbox = _open(args, conf)
    store = KioskStore.open(paths)
    try:
        config = ReporterConfig(hub["broker"], hub["village"], ca=hub["ca"], cert=hub["cert"],
                                key=hub["key"], username=hub["username"], password=password,
                                protocol=hub["protocol"], window=hub["window"],
                                ack_timeout_s=hub["ack_timeout_s"],
                                heartbeat_s=hub["heartbeat_s"],
                                disk_warn_mb=hub["disk_warn_mb"],
                                disk_critical_mb=hub["disk_critical_mb"])
        # Sensor, camera and matcher health as the kiosk process last reported it.
        reporter = Reporter(config, outbox, identity, hub_key, store=store,
                            store_factory=lambda: KioskStore.open(paths),
                            health=store.health.probes())
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"reporting {identity.device_id} to {hub['broker']}", flush=True)
    if not getattr(args, "drain", False):
        reporter.run(stop)
        return EXIT_OK
    thread = threading.Thread(target=reporter.run, args=(stop,), daemon=True)
    thread.start()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and not stop.is_set():
        if outbox.stats().pending == 0:
            break
        time.sleep(0.2)
    stop.set()
    thread.join(10)
    left = outbox.stats().pending
    print(f"{left} events still pending", flush=True)
    return EXIT_OK if left == 0 else EXIT_FAILURE


def cmd_status(args) -> int:
    from kiosk.reporting.outbox import disk_alarm

    from .coredata import load_config

    conf = load_config(args)
    _, identity, _, outbox = _open(args, conf)
    hub = conf.section("hub")
    s = outbox.stats()
    info = {"device": identity.device_id, "pending": s.pending,
            "oldest_pending_age_s": s.oldest_pending_age_s, "last_seq": s.last_seq,
            "acked_upto": s.acked_upto, "disk_free_mb": s.disk_free_bytes >> 20,
            "db_mb": round(s.db_bytes / 2**20, 1),
            "disk_alarm": disk_alarm(s, hub["disk_warn_mb"] << 20,
                                     hub["disk_critical_mb"] << 20)}
    if args.json:
        print(json.dumps(info))
    else:
        for k, v in info.items():
            print(f"{k:22} {v}")
    return EXIT_OK
