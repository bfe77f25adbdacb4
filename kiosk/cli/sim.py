"""``kiosk sim ...``: start the hardware simulators."""

from __future__ import annotations

import importlib

SIM_MODULES = (
    "kiosk.cli.sim_sensor",
    "kiosk.cli.sim_fingerprints",
    "kiosk.cli.sim_hub",
    "kiosk.cli.sim_village",
)


def register(sub) -> None:
    parser = sub.add_parser("sim", help="run a hardware simulator (sensor, fingerprints, ...)")
    group = parser.add_subparsers(dest="sim_command", metavar="SIMULATOR")
    group.required = True
    for name in SIM_MODULES:
        importlib.import_module(name).register(group)
