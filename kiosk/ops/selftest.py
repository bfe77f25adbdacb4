"""``python -m kiosk.ops.selftest``: does this release work at all? Run by an update on the
new release before it is switched in (kiosk/ops/update.py); exit 0 or one line and 1."""

from __future__ import annotations

import importlib
import sys


def main() -> int:
    try:
        from kiosk import config
        from kiosk.biometrics.runtime import MODELS_DIR
        from kiosk.cli import app
        from kiosk.ops.update import model_self_test

        for name in app.COMMAND_MODULES:  # every command still imports
            importlib.import_module(name)
        config.load()  # the device's configuration still checks against this schema
        model_self_test(MODELS_DIR)
    except Exception as exc:  # one line, whatever broke
        print(f"selftest: FAIL: {type(exc).__name__}: {exc}")
        return 1
    print("selftest: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
