"""``kiosk camera ...``: check the camera by taking a snapshot."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, EXIT_USAGE, CliError

# Spelled out so building the parser does not import numpy and the camera bridge;
# a test keeps it equal to firmware_bridge.camera.BACKENDS.
BACKEND_CHOICES = ("auto", "picamera2", "opencv", "sim")
DEFAULT_WARMUP = 5  # frames for auto-exposure and white balance to settle


def register(sub) -> None:
    parser = sub.add_parser("camera", help="camera checks (snapshot)")
    group = parser.add_subparsers(dest="camera_command", metavar="ACTION")
    group.required = True

    snap = group.add_parser(
        "snapshot",
        help="take one picture and save it as PNG",
        description="Open the camera, let it settle, and save one RGB frame as a PNG.",
    )
    snap.add_argument("--out", required=True, metavar="FILE.png", help="where to write the PNG")
    snap.add_argument(
        "--backend", choices=BACKEND_CHOICES, default="auto",
        help="camera backend (default: auto, or sim when --source is given)",
    )
    snap.add_argument(
        "--device", metavar="DEV",
        help="camera number for picamera2; index, /dev/videoN, video file or URL for opencv",
    )
    snap.add_argument(
        "--source", metavar="PATH",
        help="image, folder of images or video file for the sim backend",
    )
    snap.add_argument("--size", metavar="WxH", help="requested frame size, e.g. 640x480")
    snap.add_argument(
        "--warmup", type=int, metavar="N",
        help=f"frames to discard first (default: {DEFAULT_WARMUP} for cameras, 0 for sim)",
    )
    snap.add_argument(
        "--timeout", type=float, default=5.0, metavar="SECONDS",
        help="how long to wait for each frame (default: 5)",
    )
    snap.set_defaults(func=snapshot)


def snapshot(args: argparse.Namespace) -> int:
    from PIL import Image

    from firmware_bridge.camera import open_camera, parse_size

    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise CliError(f"--out must name a .png file, not {out}", EXIT_USAGE)
    if not out.parent.is_dir():
        raise CliError(f"cannot write {out}: folder {out.parent} does not exist", EXIT_USAGE)
    if args.timeout <= 0:
        raise CliError("--timeout must be positive", EXIT_USAGE)

    backend = args.backend
    if args.source is not None and backend == "auto":
        backend = "sim"
    options: dict[str, object] = {}
    if args.size is not None:
        try:
            options["size"] = parse_size(args.size)
        except ValueError as exc:
            raise CliError(f"--size: {exc}", EXIT_USAGE) from None
    if backend == "sim":
        if args.source is None:
            raise CliError(
                "--backend sim needs --source PATH (an image, a folder of images or a video)",
                EXIT_USAGE,
            )
        if args.device is not None:
            raise CliError(
                "--device is for real cameras; the sim backend uses --source", EXIT_USAGE
            )
        options["source"] = args.source
    else:
        if args.source is not None:
            raise CliError(
                f"--source is only for the sim backend; with {backend} use --device "
                "(opencv also opens video files and URLs)",
                EXIT_USAGE,
            )
        if args.device is not None:
            if backend == "picamera2" and not args.device.strip().isdigit():
                raise CliError("--device for picamera2 is the camera number (0, 1)", EXIT_USAGE)
            options["device"] = args.device
    warmup = args.warmup
    if warmup is None:
        warmup = 0 if backend == "sim" else DEFAULT_WARMUP
    if warmup < 0:
        raise CliError("--warmup must be 0 or more", EXIT_USAGE)

    with open_camera(backend, **options) as camera:
        for _ in range(warmup):
            camera.read(args.timeout)
        frame = camera.read(args.timeout)
        used = camera.backend

    try:
        Image.fromarray(frame.image).save(out, format="PNG")
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out} ({frame.width}x{frame.height} RGB, {used} camera)")
    return EXIT_OK
