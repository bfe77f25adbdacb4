"""The systemd units verify, are hardened as documented, and the notify protocol (READY,
watchdog pings at half the period) reaches a socket as systemd would read it."""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from kiosk.ops.sdnotify import Notifier

UNITS = Path(__file__).resolve().parents[3] / "systemd"
EXEC = "/opt/sidik/current/venv/bin/kiosk"


def _unit(name):
    values = {}
    for line in (UNITS / name).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze not installed (apt-get install systemd)")
def test_units_verify(tmp_path):
    # The units name the installed kiosk; systemd-analyze wants that file to exist, so
    # point them at a stand-in executable and verify everything else as is.
    stub = tmp_path / "kiosk"
    stub.write_text("#!/bin/sh\n")
    stub.chmod(0o755)
    units = sorted(p for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))
    assert {p.name for p in units} >= {"sidik-kiosk.service", "sidik-reporter.service",
                                       "sidik-doctor.service", "sidik-doctor.timer"}
    for unit in units:
        text = unit.read_text()
        assert unit.suffix == ".timer" or EXEC in text
        (tmp_path / unit.name).write_text(text.replace(EXEC, str(stub)))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no",
                           *[str(tmp_path / u.name) for u in units]],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_kiosk_unit_is_supervised_and_hardened():
    u = _unit("sidik-kiosk.service")
    assert u["Type"] == ["notify"] and u["Restart"] == ["always"]
    assert int(u["WatchdogSec"][0]) > 0
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert u[key] == ["true"], key
    assert u["ProtectSystem"] == ["strict"] and u["DevicePolicy"] == ["closed"]
    allowed = {v.split()[0] for v in u["DeviceAllow"]}
    assert {"char-ttyAMA", "char-ttyUSB", "char-video4linux", "char-drm"} <= allowed
    assert u["User"] == ["sidik"] and u["StateDirectory"] == ["sidik"]
    r = _unit("sidik-reporter.service")
    assert r["PrivateDevices"] == ["true"] and r["ExecStart"] == [f"{EXEC} report run"]


def test_udev_rule_names_the_sensor():
    rules = (UNITS / "99-sidik-sensor.rules").read_text()
    lines = [line for line in rules.splitlines() if line and not line.startswith("#")]
    assert lines and all('SYMLINK+="sidik-sensor"' in line for line in lines)


@pytest.fixture
def listener(tmp_path):
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    yield path, sock
    sock.close()


def test_notify_ready_status_watchdog(listener):
    path, sock = listener
    now = [100.0]
    n = Notifier(path, watchdog_usec=10_000_000, clock=lambda: now[0])
    assert n.ready("siap") and sock.recv(100) == b"READY=1\nSTATUS=siap"
    assert n.watchdog() and sock.recv(100) == b"WATCHDOG=1"
    now[0] += 4.9
    assert not n.watchdog()  # at most every half period (5 s of 10)
    now[0] += 0.2
    assert n.watchdog() and sock.recv(100) == b"WATCHDOG=1"
    assert n.stopping() and sock.recv(100) == b"STOPPING=1"
    n.close()


def test_notify_from_environment(listener, monkeypatch):
    path, _ = listener
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid())}
    assert Notifier.from_env(env).watchdog_enabled
    # A watchdog meant for another process (our parent's) is not ours to feed.
    assert not Notifier.from_env({**env, "WATCHDOG_PID": "1"}).watchdog_enabled
    # Outside systemd everything is a no-op.
    quiet = Notifier.from_env({})
    assert not quiet.enabled and not quiet.ready() and not quiet.watchdog()


def test_notify_survives_systemd_going_away(tmp_path):
    n = Notifier(str(tmp_path / "gone"), watchdog_usec=1_000_000)
    assert n.ready() is False and n.watchdog() is False  # logged, never raised
