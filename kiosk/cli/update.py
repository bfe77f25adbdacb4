"""``kiosk update apply|status|rollback|build``: signed application and model updates
(kiosk/ops/update.py)."""

from __future__ import annotations

import os
from pathlib import Path

from .common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError

APP_BASE = "/opt/sidik"
MODEL_BASE = "/var/lib/sidik/models"


def register(sub) -> None:
    from .coredata import add_data_options

    parser = sub.add_parser("update", help="apply signed application or model updates")
    group = parser.add_subparsers(dest="update_command", metavar="ACTION")
    group.required = True
    apply = group.add_parser("apply", help="verify, self-test, switch; roll back on failure")
    apply.add_argument("bundle")
    for p in (apply, group.add_parser("status", help="releases in force and before"),
              group.add_parser("rollback", help="go back to the previous release")):
        p.add_argument("--kind", choices=["app", "model"], default="model")
        p.add_argument("--base", help=f"releases folder (default {APP_BASE} for app, "
                                      f"{MODEL_BASE} for model)")
        p.add_argument("--no-restart", action="store_true",
                       help="do not restart the kiosk service (it picks the release up on its "
                            "next start)")
        add_data_options(p)
        p.set_defaults(func=cmd_update)
    build = group.add_parser("build", help="(hub) sign a folder into an update bundle")
    build.add_argument("source", help="folder: the models/ folder or the application tree")
    build.add_argument("--kind", choices=["app", "model"], required=True)
    build.add_argument("--version", required=True)
    build.add_argument("--sequence", type=int, required=True,
                       help="must exceed the sequence of every bundle sent before")
    build.add_argument("--key", required=True, help="the hub's private key (PEM)")
    build.add_argument("--out", required=True)
    build.set_defaults(func=cmd_build)


def cmd_build(args) -> int:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from ..ops.update import build_bundle

    try:
        key = load_pem_private_key(Path(args.key).read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read the hub key {args.key}: {exc}", EXIT_USAGE) from None
    if not Path(args.source).is_dir():
        raise CliError(f"{args.source} is not a folder", EXIT_USAGE)
    out = build_bundle(Path(args.out), kind=args.kind, version=args.version,
                       sequence=args.sequence, source=Path(args.source), hub_key=key)
    print(f"wrote {out} ({args.kind} {args.version}, sequence {args.sequence})")
    return EXIT_OK


def _steps(args, releases):
    from ..ops import update as U

    restart = (lambda: True) if args.no_restart else U.systemd_restart
    if args.kind == "model":
        return dict(prepare=lambda _t: None, self_test=U.model_self_test, restart=restart)
    return dict(prepare=lambda t: U.app_prepare(t, releases.current),
                self_test=U.app_self_test, restart=restart)


def cmd_update(args) -> int:
    from ..ops.update import Releases, UpdateRefused, apply_bundle
    from ..security.keys import KeyFileError, load_hub_key
    from .coredata import paths_of

    base = Path(args.base or (APP_BASE if args.kind == "app" else MODEL_BASE))
    releases = Releases(base)
    if args.update_command == "status":
        for name in ("current", "previous"):
            target = getattr(releases, name)
            print(f"{name:9} {target.name if target else '(none)'}")
        print(f"sequence  {releases.sequence()}")
        return EXIT_OK
    if args.update_command == "rollback":
        try:
            back = releases.rollback()
        except UpdateRefused as exc:
            raise CliError(str(exc)) from None
        if not args.no_restart:
            _steps(args, releases)["restart"]()
        print(f"rolled back to {back.name}")
        return EXIT_OK
    try:
        hub_key = load_hub_key(paths_of(args))
    except KeyFileError as exc:
        raise CliError(str(exc)) from None
    if not os.access(base.parent if not base.exists() else base, os.W_OK):
        raise CliError(f"cannot write {base}: run as root (sudo)", EXIT_USAGE)
    try:
        outcome = apply_bundle(Path(args.bundle), releases, hub_key, kind=args.kind,
                               **_steps(args, releases))
    except UpdateRefused as exc:
        raise CliError(f"update refused ({exc.reason}): {exc}") from None
    if outcome.status == "applied":
        print(f"{args.kind} {outcome.version} applied")
        return EXIT_OK
    print(f"{args.kind} {outcome.version} ROLLED BACK: {outcome.detail}")
    return EXIT_FAILURE
