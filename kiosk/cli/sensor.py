"""``kiosk sensor ...``: talk to a fingerprint sensor, real or simulated."""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable

from firmware_bridge.r30x.driver import FACTORY_BAUD, SUPPORTED_BAUDS, R30xSensor
from firmware_bridge.r30x.errors import SensorError, SensorTimeout, UnsupportedCommand
from firmware_bridge.r30x.protocol import PACKET_SIZES, LedColour, LedMode

from .common import EXIT_FAILURE, EXIT_OK, CliError
from .images import save_greyscale_png

DEFAULT_PORT = os.environ.get("SIDIK_SENSOR_PORT", "/dev/serial0")
# Tried in this order by --baud auto: the factory rate, then the fast one we set.
AUTO_BAUDS = (FACTORY_BAUD, 115200, 9600, 19200, 38400)


def _int(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r} (use 123 or 0x7B)") from None


def _baud(text: str) -> int | str:
    if text == "auto":
        return text
    value = _int(text)
    if value not in SUPPORTED_BAUDS:
        raise argparse.ArgumentTypeError(
            f"baud must be a multiple of 9600 up to 115200, not {value}")
    return value


def add_link_options(parser: argparse.ArgumentParser, baud_flag: str = "--baud") -> None:
    parser.add_argument("--port", default=DEFAULT_PORT,
                        help="device path or pyserial URL (socket://host:port); "
                             "default $SIDIK_SENSOR_PORT or /dev/serial0")
    parser.add_argument(baud_flag, dest="baud", type=_baud, default="auto",
                        help="link speed to connect at, or 'auto' to try the usual ones (default)")
    parser.add_argument("--password", type=_int, default=0, help="sensor password (default 0)")
    parser.add_argument("--address", type=_int, default=0xFFFFFFFF,
                        help="sensor address (default 0xFFFFFFFF)")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per reply (default 2)")


def connect(args) -> R30xSensor:
    """Open the sensor; with --baud auto, find the rate it answers at."""
    bauds = AUTO_BAUDS if args.baud == "auto" else (args.baud,)
    last: SensorError | None = None
    for baud in bauds:
        sensor = R30xSensor(args.port, baud=baud, password=args.password, address=args.address,
                            timeout=args.timeout if len(bauds) == 1 else min(args.timeout, 0.5),
                            retries=2 if len(bauds) == 1 else 0)
        try:
            sensor.open()
        except SensorTimeout as exc:
            sensor.close()
            last = exc
            continue
        sensor.timeout, sensor.retries = args.timeout, 2
        return sensor
    tried = ", ".join(str(b) for b in bauds)
    raise SensorTimeout(f"no sensor answered on {args.port} at {tried} baud",
                        hint=last.hint if last else None)


def register(sub) -> None:
    parser = sub.add_parser("sensor", help="fingerprint sensor: info, capture, selftest, set")
    group = parser.add_subparsers(dest="sensor_command", metavar="ACTION")
    group.required = True

    info = group.add_parser("info", help="parameters, capacity and template count")
    add_link_options(info)
    info.add_argument("--json", action="store_true", help="one JSON object instead of lines")
    info.set_defaults(func=cmd_info)

    capture = group.add_parser("capture", help="wait for a finger and save its image")
    add_link_options(capture)
    capture.add_argument("--out", required=True, help="PNG file to write")
    capture.add_argument("--wait", type=float, default=10.0,
                         help="seconds to wait for a finger (default 10)")
    capture.set_defaults(func=cmd_capture)

    selftest = group.add_parser("selftest", help="check the link, buffers, flash index and LED")
    add_link_options(selftest)
    selftest.add_argument("--finger", action="store_true",
                          help="also capture a finger and extract its features")
    selftest.set_defaults(func=cmd_selftest)

    setp = group.add_parser("set", help="change link speed, packet size or security level")
    # Here --baud is the rate to switch to; the current one is found (or given by --link-baud).
    add_link_options(setp, baud_flag="--link-baud")
    setp.add_argument("--baud", dest="new_baud", type=_baud, metavar="BAUD",
                      help="switch the sensor and the link to this baud rate (e.g. 115200)")
    setp.add_argument("--packet", type=int, choices=PACKET_SIZES, help="bytes per data packet")
    setp.add_argument("--security", type=int, choices=range(1, 6), metavar="1..5",
                      help="matching security level")
    setp.add_argument("--factory", action="store_true",
                      help="back to factory link settings (57600 baud, 128-byte packets)")
    setp.set_defaults(func=cmd_set)


def _params_dict(sensor: R30xSensor) -> dict:
    p = sensor.read_system_parameters()
    return {
        "port": sensor.port, "baud": p.baud, "packet_size": p.packet_size,
        "capacity": p.capacity, "templates": sensor.template_count(),
        "security_level": p.security_level, "address": f"0x{p.address:08X}",
        "system_id": f"0x{p.system_id:04X}", "status": f"0x{p.status:04X}",
    }


def cmd_info(args) -> int:
    with connect(args) as sensor:
        info = _params_dict(sensor)
    if args.json:
        print(json.dumps(info))
    else:
        for key, value in info.items():
            print(f"{key}: {value}")
    return EXIT_OK


def cmd_capture(args) -> int:
    out = os.path.abspath(args.out)
    if not os.path.isdir(os.path.dirname(out)):
        raise CliError(f"cannot write {args.out}: the folder does not exist")
    with connect(args) as sensor:
        print(f"place a finger on the sensor ({args.wait:g} s)...", flush=True)
        sensor.wait_for_finger(args.wait)
        start = time.monotonic()
        image = sensor.up_image()
        elapsed = time.monotonic() - start
    save_greyscale_png(image, out)
    print(f"saved {image.shape[1]}x{image.shape[0]} fingerprint image to {args.out} "
          f"(upload {elapsed:.2f} s at {sensor.baud} baud)")
    return EXIT_OK


def cmd_selftest(args) -> int:
    checks: list[tuple[str, Callable[[R30xSensor], str]]] = [
        ("parameters", _check_parameters),
        ("random generator", lambda s: f"0x{s.get_random_code():08X}"),
        ("template library", lambda s: f"{len(s.used_pages())} templates indexed"),
        ("char buffer round trip", _check_char_buffer),
        ("image buffer round trip", _check_image_buffer),
        ("LED ring", _check_led),
    ]
    if args.finger:
        checks.append(("finger capture", _check_finger))
    failures = 0
    with connect(args) as sensor:
        print(f"sensor on {sensor.port} at {sensor.baud} baud")
        for name, check in checks:
            try:
                detail = check(sensor)
                print(f"PASS  {name}: {detail}")
            except UnsupportedCommand:
                print(f"SKIP  {name}: not on this sensor model")
            except SensorError as exc:
                failures += 1
                print(f"FAIL  {name}: {exc}")
    print("selftest passed" if not failures else f"selftest failed: {failures} check(s)")
    return EXIT_OK if not failures else EXIT_FAILURE


def _check_parameters(sensor: R30xSensor) -> str:
    p = sensor.read_system_parameters()
    if not p.capacity or not p.packet_size or not 1 <= p.security_level <= 5:
        raise SensorError(f"implausible parameters {p}", hint="the module may be damaged")
    return f"capacity {p.capacity}, level {p.security_level}, {p.packet_size}-byte packets"


def _check_char_buffer(sensor: R30xSensor) -> str:
    pattern = bytes((i * 37 + 11) & 0xFF for i in range(512))
    sensor.down_char(pattern, 2)  # verified by read-back inside
    return "512 bytes down and up intact"


def _check_image_buffer(sensor: R30xSensor) -> str:
    import numpy as np

    pattern = (np.add.outer(np.arange(288), np.arange(256)) % 16).astype(np.uint8) * 17
    sensor.down_image(pattern)
    start = time.monotonic()
    back = sensor.up_image()
    if not np.array_equal(back, pattern):
        raise SensorError("the image came back different",
                          hint="noise on the line; check the cable")
    return f"36,864 bytes intact, upload {time.monotonic() - start:.2f} s"


def _check_led(sensor: R30xSensor) -> str:
    for colour in (LedColour.BLUE, LedColour.PURPLE, LedColour.RED):
        sensor.aura_led(LedMode.ON, colour)
    sensor.aura_led(LedMode.BREATHING, LedColour.BLUE)
    return "colours cycled"


def _check_finger(sensor: R30xSensor) -> str:
    print("      place a finger on the sensor...", flush=True)
    sensor.wait_for_finger(10)
    sensor.img2tz(1)
    return "image captured, features extracted"


def cmd_set(args) -> int:
    if not (args.new_baud or args.packet or args.security or args.factory):
        raise CliError("nothing to set: give --baud, --packet, --security or --factory",
                       exit_code=2)
    with connect(args) as sensor:
        if args.factory:
            sensor.restore_factory_link()
        if args.packet:
            sensor.set_packet_size(args.packet)
        if args.security:
            sensor.set_security_level(args.security)
        if args.new_baud and args.new_baud != "auto":
            sensor.set_baud(args.new_baud)
        p = sensor.read_system_parameters()
    print(f"sensor now at {p.baud} baud, {p.packet_size}-byte packets, "
          f"security level {p.security_level}")
    return EXIT_OK
