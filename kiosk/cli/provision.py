"""``kiosk provision``: make this device a village's kiosk (kiosk/ops/provision.py).

Non-interactive from a request file (fleets), or interactive: the technician answers a
few questions. Ends with the first officers' enrolment at the sensor and a summary page.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

from .common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError


def register(sub) -> None:
    p = sub.add_parser("provision", help="set this device up as a village's kiosk",
                       description="Creates the device keys, installs certificates, writes "
                                   "/etc/sidik/kiosk.toml, sets the sensor password, applies "
                                   "the first roster, enrols the first officers and self-tests. "
                                   "Safe to re-run: keys are never replaced.")
    p.add_argument("--file", help="request file (TOML; see kiosk/ops/provision.py); without "
                                  "it the questions are asked in the terminal")
    p.add_argument("--root", default="/", help="install under this folder instead of / "
                                               "(tests, preparing an SD card image)")
    p.add_argument("--skip-sensor", action="store_true",
                   help="do not touch the sensor (no password change, no enrolment)")
    p.add_argument("--owner", help="service user to hand the data and secrets to (default: "
                                   "'sidik' when run as root and that user exists)")
    p.add_argument("--sim", action="store_true",
                   help="a simulated sensor with synthetic officers (demos, tests)")
    p.add_argument("--sim-identities", default="",
                   help="with --sim: synthetic person of each officer to enrol, comma-separated")
    p.set_defaults(func=cmd_provision)


def _ask(question: str, default: str | None = None) -> str:
    suffix = f" [{default}]" if default else ""
    answer = input(f"{question}{suffix}: ").strip()
    return answer or (default or "")


def interactive_request(base: Path) -> dict:
    """The request file's content, from questions (blank answers leave things out)."""
    print("Sidik provisioning. Press Enter to accept a [default] or leave a field out.")
    raw: dict = {"device": {"village": _ask("Village code (kode desa, 10 digits)")}, "hub": {}}
    hub_key = _ask("Hub public key (base64url) or a file holding it")
    key_path = Path(hub_key)
    raw["hub"]["hub_key_file" if key_path.is_file() else "hub_key"] = hub_key
    if broker := _ask("Broker URL (mqtts://host:8883)"):
        raw["hub"]["broker"] = broker
        if ca := _ask("Broker CA certificate file"):
            raw["hub"]["ca"] = ca
        cert = _ask("Client certificate file (blank: make a key and CSR here)")
        if cert:
            raw["hub"].update(cert=cert, key=_ask("Client key file"))
        else:
            raw["hub"]["csr"] = True
    raw["sensor"] = {"port": _ask("Sensor port", "/dev/sidik-sensor")}
    if new := _ask("New sensor password (digits; blank keeps the factory one)"):
        raw["sensor"]["new_password"] = int(new) if new.isdigit() else new
    if roster := _ask("First roster file (signed by the hub)"):
        raw["roster"] = {"file": roster}
    officers = [n.strip() for n in _ask("NIKs of the first officers (comma-separated)")
                .split(",") if n.strip()]
    if officers:
        raw["officers"] = {"enrol": officers}
    return raw


def cmd_provision(args) -> int:
    from ..ops.provision import (
        Layout,
        ProvisionError,
        check_tls,
        load_request,
        parse_request,
        provision_device,
    )

    try:
        if args.file:
            req = load_request(args.file)
        elif sys.stdin.isatty():
            req = parse_request(interactive_request(Path.cwd()), Path.cwd(), "answers")
        else:
            raise CliError("no request: pass --file REQUEST.toml, or run in a terminal to be "
                           "asked", EXIT_USAGE)
        check_tls(req)
    except ProvisionError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except (EOFError, KeyboardInterrupt):
        raise CliError("provisioning abandoned; nothing was changed", EXIT_USAGE) from None
    sims = [int(x) for x in args.sim_identities.split(",") if x.strip().isdigit()]
    if args.sim and len(sims) < len(req.officers):
        raise CliError("--sim needs --sim-identities with one synthetic person per officer",
                       EXIT_USAGE)
    layout = Layout(Path(args.root).resolve())
    with _sensor(args) as sensor_url:
        try:
            outcome = provision_device(req, layout, sensor_url=sensor_url,
                                       skip_sensor=args.skip_sensor)
        except ProvisionError as exc:
            raise CliError(str(exc)) from None
    enrolled = [] if args.skip_sensor else _enrol_officers(req, layout, args, sims)
    owner = _owner(args)
    if owner:  # last: the enrolments above wrote into the database as root
        from ..ops.provision import ProvisionError, hand_over

        try:
            outcome.lines.append(hand_over(layout, owner))
        except ProvisionError as exc:
            raise CliError(str(exc)) from None
    print(outcome.summary(req, layout))
    for nik, code in enrolled:
        print(f"  {'PASS' if code == 0 else 'FAIL'}  officer {nik[:6]}******{nik[-4:]} "
              f"{'enrolled' if code == 0 else 'not enrolled: run kiosk enroll --nik ' + nik}")
    ok = outcome.ok and all(code == 0 for _, code in enrolled)
    return EXIT_OK if ok else EXIT_FAILURE


def _owner(args) -> str | None:
    import os
    import pwd

    if args.owner:
        return args.owner
    if os.geteuid() == 0 and args.root == "/":
        try:
            pwd.getpwnam("sidik")
            return "sidik"
        except KeyError:
            return None
    return None


@contextlib.contextmanager
def _sensor(args):
    """A simulated module to set the password on (--sim), else the configured port."""
    if not args.sim or args.skip_sensor:
        yield None
        return
    from hw_sim.sensor.simulator import SensorSimulator

    with tempfile.TemporaryDirectory() as tmp, SensorSimulator(
            library_path=Path(tmp) / "library.json") as sim:
        yield sim.url


def _enrol_officers(req, layout, args, sims) -> list[tuple[str, int]]:
    """Each first officer enrols at the sensor: the first needs nobody's sign-in
    (bootstrap), the next ones are signed in by the first."""
    from .app import main

    results = []
    for i, nik in enumerate(req.officers):
        argv = ["enroll", "--nik", nik, "--config", str(layout.config),
                "--data-dir", str(layout.data)]
        if args.sim:
            argv += ["--sim", "--sim-identity", str(sims[i])]
            if i:
                argv += ["--sim-officer-identity", str(sims[0])]
        else:
            argv += ["--port", req.sensor_port, "--baud", str(req.sensor_baud)]
            password = req.sensor_new_password if req.sensor_new_password is not None \
                else req.sensor_password
            argv += ["--password", str(password)]
        print(f"enrolling officer {nik[:6]}******{nik[-4:]} ...", flush=True)
        results.append((nik, main(argv)))
    return results
