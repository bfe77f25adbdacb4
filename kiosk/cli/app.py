"""Entry point of the ``kiosk`` command: builds the parser from command modules.

Each command module exposes ``register(subparsers)``; a subcommand sets
``func(args) -> int`` as its handler. Errors a person can act on are printed as
one line on stderr and mapped to an exit code a script can test.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from firmware_bridge.errors import BridgeError

from .common import EXIT_INTERRUPTED, CliError, exit_code_for

COMMAND_MODULES = (
    "kiosk.cli.sensor",
    "kiosk.cli.camera",
    "kiosk.cli.sim",
    "kiosk.cli.demo",
    "kiosk.cli.run",
    "kiosk.cli.eval",
    "kiosk.cli.roster",
    "kiosk.cli.enroll",
    "kiosk.cli.verify",
    "kiosk.cli.audit",
    "kiosk.cli.report",
    "kiosk.cli.config",
    "kiosk.cli.doctor",
    "kiosk.cli.provision",
    "kiosk.cli.update",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Sidik biometric kiosk: run, diagnose and simulate."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (CliError, BridgeError) as exc:
        print(f"kiosk: error: {exc}", file=sys.stderr)
        return exit_code_for(exc)


if __name__ == "__main__":
    sys.exit(main())
