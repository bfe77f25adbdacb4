"""``kiosk sim hub`` and ``python -m kiosk.reporting`` commands that need no broker."""

from __future__ import annotations

import json
import subprocess
import sys

from kiosk.cli.app import main


def test_hub_keygen_register_and_summary(tmp_path, kiosk, capsys):
    key = tmp_path / "hub.key"
    assert main(["sim", "hub", "keygen", "--key", str(key)]) == 0
    assert len(capsys.readouterr().out.strip()) == 43  # base64url of 32 bytes
    assert main(["sim", "hub", "keygen", "--key", str(key)]) == 1  # never replaced
    capsys.readouterr()
    db = str(tmp_path / "hub.sqlite3")
    assert main(["sim", "hub", "register-device", "--db", db, "--village", "3201012001",
                 str(kiosk.paths.device_pub)]) == 0
    assert capsys.readouterr().out.strip() == kiosk.device
    assert main(["sim", "hub", "register-device", "--db", db, "--village", "3201012001",
                 "not-a-key"]) == 2
    capsys.readouterr()
    assert main(["sim", "hub", "summary", "--db", db, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["devices"][kiosk.device]["events"] == 0
    assert main(["sim", "hub", "summary", "--db", db]) == 0
    assert kiosk.device in capsys.readouterr().out


def test_report_status(kiosk):
    kiosk.make_events(4)
    out = subprocess.run([sys.executable, "-m", "kiosk.reporting", "status", "--json",
                          "--data-dir", str(kiosk.paths.data_dir)], capture_output=True,
                         text=True, check=True).stdout
    status = json.loads(out)
    assert status["device"] == kiosk.device
    assert (status["pending"], status["last_seq"], status["acked_upto"]) == (4, 4, 0)
