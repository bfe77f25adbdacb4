"""``kiosk report run|status|drain``: the reporter to the village hub (kiosk/reporting).

Until this module is listed in kiosk/cli/app.py it is reachable as
``python -m kiosk.reporting ...``.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time

from .common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError


def _common(p) -> None:
    p.add_argument("--data-dir", help="kiosk data directory (default $SIDIK_DATA_DIR)")
    p.add_argument("--key-dir", help="key directory (default <data-dir>/keys)")


def _link(p) -> None:
    p.add_argument("--broker", required=True, help="mqtt://host[:port] or mqtts://host[:port]")
    p.add_argument("--village", required=True, help="village code (a topic level)")
    p.add_argument("--ca", help="CA certificate of the broker (mqtts)")
    p.add_argument("--cert", help="this kiosk's client certificate (mutual TLS)")
    p.add_argument("--key", help="the client certificate's private key")
    p.add_argument("--username")
    p.add_argument("--password")
    p.add_argument("--protocol", choices=["auto", "5", "3.1.1"], default="auto")
    p.add_argument("--window", type=int, default=100, help="events in flight (default 100)")
    p.add_argument("--ack-timeout", type=float, default=10.0,
                   help="seconds to wait for the hub's acknowledgement before resending")
    p.add_argument("--heartbeat", type=float, default=60.0, help="heartbeat period in seconds")
    p.add_argument("-v", "--verbose", action="store_true")


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


def _open(args):
    from kiosk.reporting.outbox import Outbox
    from kiosk.security.keys import DataPaths, KeyFileError, load_hub_key, load_identity

    paths = DataPaths.resolve(args.data_dir, args.key_dir)
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
    paths, identity, hub_key, outbox = _open(args)
    try:
        config = ReporterConfig(args.broker, args.village, ca=args.ca, cert=args.cert,
                                key=args.key, username=args.username, password=args.password,
                                protocol=args.protocol, window=args.window,
                                ack_timeout_s=args.ack_timeout, heartbeat_s=args.heartbeat)
        reporter = Reporter(config, outbox, identity, hub_key, store=KioskStore.open(paths),
                            store_factory=lambda: KioskStore.open(paths))
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"reporting {identity.device_id} to {args.broker}", flush=True)
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

    _, identity, _, outbox = _open(args)
    s = outbox.stats()
    info = {"device": identity.device_id, "pending": s.pending,
            "oldest_pending_age_s": s.oldest_pending_age_s, "last_seq": s.last_seq,
            "acked_upto": s.acked_upto, "disk_free_mb": s.disk_free_bytes >> 20,
            "db_mb": round(s.db_bytes / 2**20, 1),
            "disk_alarm": disk_alarm(s, 500 << 20, 100 << 20)}
    if args.json:
        print(json.dumps(info))
    else:
        for k, v in info.items():
            print(f"{k:22} {v}")
    return EXIT_OK
