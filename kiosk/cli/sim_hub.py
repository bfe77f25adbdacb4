"""``kiosk sim hub ...``: the village hub's reference receiver (hw_sim/hub)."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

from .common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError


def register(group) -> None:
    p = group.add_parser("hub", help="village hub: book kiosk events, send commands/rosters")
    sub = p.add_subparsers(dest="hub_command", metavar="ACTION")
    sub.required = True

    def db(q):
        q.add_argument("--db", default="hub.sqlite3", help="the hub's database")

    def link(q):
        db(q)
        q.add_argument("--key", default="hub_ed25519.key", help="hub signing key (PEM)")
        q.add_argument("--broker", default="mqtt://127.0.0.1:1883")
        q.add_argument("--ca")
        q.add_argument("--cert")
        q.add_argument("--keyfile", help="private key of --cert")

    keygen = sub.add_parser("keygen", help="create the hub key; prints the public key")
    keygen.add_argument("--key", default="hub_ed25519.key")
    keygen.set_defaults(func=cmd_keygen)
    run = sub.add_parser("run", help="receive, verify, book and acknowledge events")
    link(run)
    run.add_argument("--village", default="+", help="only this village (default: all)")
    run.set_defaults(func=cmd_run)
    reg = sub.add_parser("register-device", help="register a kiosk's public key")
    db(reg)
    reg.add_argument("--village", required=True)
    reg.add_argument("public_key", help="device_ed25519.pub file, or its base64url text")
    reg.set_defaults(func=cmd_register)
    summ = sub.add_parser("summary", help="what the hub holds, per device")
    db(summ)
    summ.add_argument("--json", action="store_true")
    summ.set_defaults(func=cmd_summary)
    cmd = sub.add_parser("command", help="send a signed command to a device")
    link(cmd)
    cmd.add_argument("device")
    cmd.add_argument("type", help="ping, config.set, revoke, roster.status")
    cmd.add_argument("--args", default="{}", help="JSON arguments")
    cmd.add_argument("--wait", type=float, default=10.0, help="seconds to wait for the reply")
    cmd.set_defaults(func=cmd_command)
    roster = sub.add_parser("roster", help="send a signed roster update file to a device")
    link(roster)
    roster.add_argument("device")
    roster.add_argument("file", help="roster update file (kiosk roster format)")
    roster.add_argument("--wait", type=float, default=60.0)
    roster.set_defaults(func=cmd_roster)


def load_key(path: str, create: bool = False):
    from cryptography.hazmat.primitives import serialization

    from kiosk.security.crypto import Ed25519PrivateKey

    p = Path(path)
    if not p.exists():
        if not create:
            raise CliError(f"hub key {p} does not exist; run: kiosk sim hub keygen --key {p}",
                           EXIT_USAGE)
        key = Ed25519PrivateKey.generate()
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        return key
    key = serialization.load_pem_private_key(p.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CliError(f"{p} is not an Ed25519 key")
    return key


def cmd_keygen(args) -> int:
    from kiosk.security.crypto import b64url, public_key_bytes

    if Path(args.key).exists():
        raise CliError(f"{args.key} exists; a hub key is never replaced")
    print(b64url(public_key_bytes(load_key(args.key, create=True))))
    return EXIT_OK


def _service(args, village="+"):
    from hw_sim.hub.hub import HubService
    from hw_sim.hub.store import HubStore

    try:
        return HubService(HubStore(args.db), load_key(args.key), args.broker, ca=args.ca,
                          cert=args.cert, keyfile=args.keyfile, village=village)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def cmd_run(args) -> int:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    hub = _service(args, args.village)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with hub:
        print(f"hub listening on {args.broker}", flush=True)
        stop.wait()
    return EXIT_OK


def cmd_register(args) -> int:
    from hw_sim.hub.store import HubStore
    from kiosk.security.crypto import b64url_decode

    text = args.public_key
    if Path(text).exists():
        text = Path(text).read_text().strip()
    try:
        device = HubStore(args.db).register_device(args.village, b64url_decode(text))
    except ValueError as exc:
        raise CliError(f"cannot register: {exc}", EXIT_USAGE) from None
    print(device)
    return EXIT_OK


def cmd_summary(args) -> int:
    from hw_sim.hub.store import HubStore

    summary = HubStore(args.db).summary()
    if args.json:
        print(json.dumps(summary, indent=2))
        return EXIT_OK
    for dev, s in summary["devices"].items():
        print(f"{dev}  village {s['village']}  events {s['events']}  last seq {s['last_seq']}  "
              f"gaps {s['gaps']}  chain {'ok' if s['chain_ok'] else s['chain_break']}  "
              f"duplicates {s['duplicates']}  held back {s['held_back']}  "
              f"presence {s['presence'][0] if s['presence'] else '-'}")
        for reason, n in s["decisions"].items():
            print(f"    {n:7d}  {reason}")
    print("refused:", ", ".join(f"{k} {v}" for k, v in summary["rejects"].items()) or "none")
    return EXIT_OK


def _wait(hub, cmd_id: str, seconds: float) -> int:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        reply = hub.command(cmd_id)
        if reply and reply["status"]:
            print(json.dumps(reply))
            return EXIT_OK if reply["status"] == "ok" else EXIT_FAILURE
        time.sleep(0.1)
    print(f"{cmd_id}: no reply yet (resent when the device comes online)")
    return EXIT_FAILURE


def cmd_command(args) -> int:
    try:
        cmd_args = json.loads(args.args)
    except ValueError:
        raise CliError("--args must be JSON", EXIT_USAGE) from None
    with _service(args) as hub:
        try:
            cmd_id = hub.send_command(args.device, args.type, cmd_args)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        return _wait(hub, cmd_id, args.wait)


def cmd_roster(args) -> int:
    from kiosk.roster.updates import RosterRejected, read_update_file

    try:
        envelope, chunks = read_update_file(args.file)
    except RosterRejected as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    with _service(args) as hub:
        return _wait(hub, hub.publish_roster(args.device, envelope, chunks), args.wait)
