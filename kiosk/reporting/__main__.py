"""``python -m kiosk.reporting run|drain|status`` (same as ``kiosk report ...``)."""

import argparse
import sys

from kiosk.cli.common import CliError, exit_code_for
from kiosk.cli.report import register

parser = argparse.ArgumentParser(prog="python -m kiosk.reporting")
register(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(["report", *sys.argv[1:]])
try:
    sys.exit(args.func(args))
except CliError as exc:
    print(f"kiosk report: error: {exc}", file=sys.stderr)
    sys.exit(exit_code_for(exc))
