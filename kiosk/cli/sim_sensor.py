"""``kiosk sim sensor``: a simulated R30x sensor that any serial client can open."""

from __future__ import annotations

import signal
import threading

from .common import EXIT_OK, EXIT_USAGE, CliError
from .images import load_greyscale


def register(group) -> None:
    p = group.add_parser(
        "sensor", help="simulated fingerprint sensor on a pty or TCP port",
        description="Start a simulated R30x sensor. The first output line is the port to open "
                    "(a device path, or socket://host:port with --tcp).")
    p.add_argument("--tcp", nargs="?", type=int, const=0, metavar="PORT",
                   help="serve on TCP instead of a pty (port 0 or none: a free one)")
    p.add_argument("--path", help="path of the pty symlink (default: a temporary one)")
    finger = p.add_mutually_exclusive_group()
    finger.add_argument("--finger", metavar="IMAGE", help="keep this image on the glass")
    finger.add_argument("--identity", type=int,
                        help="keep a synthetic finger of this identity on the glass")
    p.add_argument("--finger-number", type=int, default=0,
                   help="which finger of --identity (0..9, default 0)")
    p.add_argument("--condition", default="normal",
                   help="skin condition of --identity: normal, dry, wet, worn, labourer, partial")
    p.add_argument("--capacity", type=int, default=1000, help="template library size")
    p.add_argument("--library", help="file that keeps the template library between runs")
    p.add_argument("--password", type=lambda s: int(s, 0), default=0, help="module password")
    p.add_argument("--fast", action="store_true",
                   help="no line-rate pacing or operation delays (for tests)")
    p.add_argument("--no-op-delays", action="store_true",
                   help="keep line-rate pacing but answer without the module's processing time")
    p.add_argument("--baud", type=int, default=57600, choices=[9600 * n for n in range(1, 13)],
                   metavar="BAUD", help="the module's initial baud rate (default 57600)")
    p.add_argument("--faults", default="",
                   help="fault injection, e.g. 'garbage_rate=0.05,bit_flip_rate=1e-5,seed=1'")
    p.add_argument("--seed", type=int, default=0, help="seed of the module's random generator")
    p.set_defaults(func=cmd_sim_sensor)


def cmd_sim_sensor(args) -> int:
    from hw_sim.sensor.faults import FaultConfig
    from hw_sim.sensor.firmware import SensorSettings
    from hw_sim.sensor.simulator import SensorSimulator

    try:
        faults = FaultConfig.parse(args.faults)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if not 1 <= args.capacity <= 0xFFFF:
        raise CliError("--capacity must be between 1 and 65535", EXIT_USAGE)
    image = load_greyscale(args.finger) if args.finger else None
    settings = SensorSettings(capacity=args.capacity, password=args.password, baud=args.baud)
    sim = SensorSimulator(
        transport="tcp" if args.tcp is not None else "pty", tcp_port=args.tcp or 0,
        pty_path=args.path, settings=settings, library_path=args.library, faults=faults,
        pace=not args.fast, realistic_timing=not (args.fast or args.no_op_delays), seed=args.seed)
    if image is not None:
        sim.place(image)
    elif args.identity is not None:
        try:
            sim.place_synthetic(args.identity, args.finger_number, args.condition)
        except ValueError as exc:
            sim.stop()
            raise CliError(str(exc), EXIT_USAGE) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with sim:
        print(sim.url, flush=True)
        on_glass = (args.finger or (f"synthetic identity {args.identity}" if args.identity
                    is not None else "nothing"))
        print(f"simulated R30x sensor ready; on the glass: {on_glass}; Ctrl-C stops", flush=True)
        stop.wait()
    return EXIT_OK
