"""``kiosk config check|show``: read the configuration file and say what is wrong, or
what is in force (defaults included)."""

from __future__ import annotations

import json

from .common import EXIT_OK, EXIT_USAGE, CliError


def register(sub) -> None:
    parser = sub.add_parser("config", help="check or show the kiosk's configuration file")
    group = parser.add_subparsers(dest="config_command", metavar="ACTION")
    group.required = True
    for name, helptext in (("check", "check the file; one line per verdict"),
                           ("show", "print the settings in force, defaults included")):
        p = group.add_parser(name, help=helptext)
        p.add_argument("--config", help="file to read (default $SIDIK_CONFIG, then "
                                        "/etc/sidik/kiosk.toml)")
        p.set_defaults(func=cmd_config, show=name == "show")
    group.choices["show"].add_argument("--json", action="store_true")


def cmd_config(args) -> int:
    from kiosk import config

    try:
        conf = config.load(args.config)
    except config.ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    source = str(conf.source) if conf.source else "no configuration file: defaults"
    if not args.show:
        print(f"{source}: ok" if conf.source else source)
        return EXIT_OK
    if args.json:
        print(json.dumps({"source": conf.source and str(conf.source), **conf.values}))
        return EXIT_OK
    print(f"# {source}")
    for section, values in conf.values.items():
        print(f"[{section}]")
        for key, value in values.items():
            print(f"# {key} = (not set)" if value is None else f"{key} = {json.dumps(value)}")
    return EXIT_OK
