"""``kiosk run``: what it says when the devices or the roster are not there (one line each)."""

from __future__ import annotations

import shutil

from kiosk.cli.app import main


def test_run_without_a_sensor_says_so(village, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SIDIK_CONFIG", raising=False)
    shutil.copytree(village, tmp_path / "data")
    code = main(["run", "--programme", "PKH", "--port", str(tmp_path / "no-such-port"),
                 "--data-dir", str(tmp_path / "data"), "--windowed", "--mute",
                 "--matcher", "standin"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3 and len(err) == 1 and "cannot open sensor port" in err[0]


def test_run_needs_a_period_in_the_roster(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SIDIK_CONFIG", raising=False)
    code = main(["run", "--programme", "PKH", "--data-dir", str(tmp_path / "empty"), "--mute",
                 "--matcher", "standin"])
    assert code == 2 and "no period of PKH" in capsys.readouterr().err


def test_broker_needs_a_village(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SIDIK_VILLAGE", raising=False)
    monkeypatch.setenv("SIDIK_CONFIG", str(tmp_path / "kiosk.toml"))
    (tmp_path / "kiosk.toml").write_text("")
    code = main(["run", "--programme", "PKH", "--broker", "mqtt://127.0.0.1", "--data-dir",
                 str(tmp_path / "d"), "--mute"])
    assert code == 2 and "village" in capsys.readouterr().err


def test_run_under_systemd_says_ready_pings_and_stops_on_sigterm(village, tmp_path):
    """The kiosk unit is Type=notify with a watchdog: READY after the first frame, WATCHDOG
    from the screen loop, STOPPING and exit 0 on SIGTERM."""
    import os
    import signal
    import socket
    import subprocess
    import sys

    from hw_sim.sensor.simulator import SensorSimulator

    shutil.copytree(village, tmp_path / "data")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(60)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIDIK_", "WATCHDOG_"))}
    env.update(NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="1000000",
               SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
               SIDIK_CONFIG=str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("")
    with SensorSimulator() as sim:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli.app", "run", "--programme", "PKH", "--port",
             sim.url, "--data-dir", str(tmp_path / "data"), "--windowed", "--mute",
             "--matcher", "standin"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            try:
                got = [sock.recv(4096).decode()]
            except TimeoutError:
                proc.kill()
                raise AssertionError(proc.stdout.read().decode()[-2000:]) from None
            assert got[0].startswith("READY=1") and "PKH 2025-Q1" in got[0], got
            got.append(sock.recv(4096).decode())
            assert got[1] == "WATCHDOG=1", got
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0, proc.stdout.read()
            sock.settimeout(0.5)
            rest = []
            try:
                while True:
                    rest.append(sock.recv(4096).decode())
            except TimeoutError:
                pass
            assert "STOPPING=1" in rest, rest
        finally:
            if proc.poll() is None:
                proc.kill()
            sock.close()


def test_run_asks_which_programme_when_the_roster_has_several(village, tmp_path, capsys,
                                                                monkeypatch):
    monkeypatch.delenv("SIDIK_PROGRAMME", raising=False)
    monkeypatch.delenv("SIDIK_CONFIG", raising=False)
    shutil.copytree(village, tmp_path / "data")
    code = main(["run", "--data-dir", str(tmp_path / "data"), "--mute", "--matcher", "standin"])
    err = capsys.readouterr().err
    assert code == 2 and "SIDIK_PROGRAMME" in err and "BPNT" in err and "PKH" in err


def test_hung_kiosk_is_restarted_by_the_watchdog(village, tmp_path):
    """systemd's side of WatchdogSec, played by the test: the kiosk pings while its screen
    loop runs; frozen (SIGSTOP, as a hung main loop), the pings stop, the supervisor kills
    it after the watchdog period and starts it again, and the new one says READY."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    from hw_sim.sensor.simulator import SensorSimulator

    shutil.copytree(village, tmp_path / "data")
    (tmp_path / "kiosk.toml").write_text('[kiosk]\nprogramme = "PKH"\n[camera]\nbackend = "none"\n')
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    watchdog_s = 1.0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIDIK_", "WATCHDOG_"))}
    env.update(NOTIFY_SOCKET=str(tmp_path / "notify"),
               WATCHDOG_USEC=str(int(watchdog_s * 1e6)), SDL_VIDEODRIVER="dummy",
               SDL_AUDIODRIVER="dummy", SIDIK_CONFIG=str(tmp_path / "kiosk.toml"))

    def start(port):
        return subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli.app", "run", "--port", port, "--data-dir",
             str(tmp_path / "data"), "--windowed", "--mute", "--matcher", "standin"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def supervise(proc, until, running=False):
        """Messages until ``until`` is true of the last one, or the watchdog fires (once
        the kiosk is ``running``: before READY, start-up may take its time)."""
        while True:
            sock.settimeout(watchdog_s if running else 60)
            try:
                message = sock.recv(4096).decode()
            except TimeoutError:
                return "watchdog"  # no ping for the whole period: systemd would kill now
            running = True
            if until(message):
                return message

    with SensorSimulator() as sim:
        proc = start(sim.url)
        try:
            ready = supervise(proc, lambda m: m.startswith("READY=1"))
            assert "PKH" in ready  # the programme came from [kiosk] programme
            assert supervise(proc, lambda m: m == "WATCHDOG=1") == "WATCHDOG=1"
            proc.send_signal(signal.SIGSTOP)  # the kiosk hangs
            frozen = time.monotonic()
            assert supervise(proc, lambda m: False, running=True) == "watchdog"
            assert time.monotonic() - frozen < 10 * watchdog_s
            proc.kill()
            proc.wait(10)
            proc = start(sim.url)  # Restart=always
            assert supervise(proc, lambda m: m.startswith("READY=1")).startswith("READY=1")
            proc.terminate()
            code = proc.wait(30)
            # What the kiosk printed, if it did not exit cleanly (it once aborted here).
            assert code == 0, proc.stdout.read().decode(errors="replace")[-4000:]
        finally:
            if proc.poll() is None:
                proc.kill()
            sock.close()


def _camera_conf(**kw):
    return {"backend": "auto", "device": None, "source": None, **kw}


def test_face_rung_off_without_camera_or_models(tmp_path, monkeypatch, capsys):
    from kiosk.biometrics.runtime import ModelError
    from kiosk.cli import run

    assert run._face(_camera_conf(backend="none"))[:2] == (None, None)

    def no_models():
        raise ModelError("face model file missing")

    monkeypatch.setattr("kiosk.biometrics.face.matcher.load_face_matcher", no_models)
    import numpy as np
    from PIL import Image

    Image.fromarray(np.full((240, 320, 3), 128, np.uint8)).save(tmp_path / "frame.png")
    matcher, camera, label = run._face(_camera_conf(backend="sim",
                                                    source=str(tmp_path / "frame.png")))
    assert (matcher, camera) == (None, None) and "face rung off" in label
    assert "face models do not load" in capsys.readouterr().out


def test_face_rung_on_with_a_working_camera(tmp_path, capsys):
    import numpy as np
    from PIL import Image

    from kiosk.cli import run

    Image.fromarray(np.full((240, 320, 3), 128, np.uint8)).save(tmp_path / "frame.png")
    try:
        matcher, camera, label = run._face(_camera_conf(backend="sim",
                                                        source=str(tmp_path / "frame.png")))
    except ImportError:
        import pytest

        pytest.skip("face extra not installed")
    if matcher is None:
        import pytest

        pytest.skip(f"face models not installed: {label}")
    try:
        assert label == "sim: face rung on" and camera.read().image.shape == (240, 320, 3)
    finally:
        camera.close()
    # A camera that is configured but cannot open: the kiosk runs on, face rung off.
    matcher, camera, label = run._face(_camera_conf(backend="sim",
                                                    source=str(tmp_path / "missing.png")))
    assert camera is None and "face rung off" in label


def test_camera_failing_mid_session_is_a_capture_failure_not_a_crash():
    from firmware_bridge.camera.errors import CameraError
    from kiosk.runtime.capture import LiveFaces

    def grab(_t, _prompt, _colour):
        raise CameraError("camera unplugged")

    class Analyser:
        def analyse(self, *_a, **_k):
            raise AssertionError("never reached")

    captured = LiveFaces(grab, Analyser(), matcher=None, seed=1).capture("recipient", 1)
    assert captured.template is None and captured.failure == "camera_error"
