"""``kiosk sensor ...`` and ``kiosk sim sensor`` from the command line."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from kiosk.cli.app import main


@pytest.fixture
def silent_port():
    """A serial port where nothing answers (a pty nobody serves)."""
    master, slave = os.openpty()
    yield os.ttyname(slave)
    os.close(master)
    os.close(slave)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_info_lines_and_json(capsys, sim):
    code, out, _ = run(capsys, "sensor", "info", "--port", sim.url)
    assert code == 0
    assert "capacity: 1000" in out and "baud: 57600" in out and "templates: 0" in out
    code, out, _ = run(capsys, "sensor", "info", "--port", sim.url, "--json")
    assert code == 0 and json.loads(out)["packet_size"] == 128


def test_auto_baud_finds_a_fast_sensor(capsys, pty_sim):
    assert run(capsys, "sensor", "set", "--port", pty_sim.url, "--baud", "115200",
               "--packet", "256")[0] == 0
    code, out, _ = run(capsys, "sensor", "info", "--port", pty_sim.url, "--json")
    assert code == 0 and json.loads(out)["baud"] == 115200
    assert run(capsys, "sensor", "set", "--port", pty_sim.url, "--link-baud", "115200",
               "--factory")[0] == 0
    assert pty_sim.firmware.settings.baud == 57600


def test_set_packet_and_security(capsys, sim):
    code, out, _ = run(capsys, "sensor", "set", "--port", sim.url, "--packet", "256",
                       "--security", "4")
    assert code == 0 and "256-byte packets" in out and "security level 4" in out
    assert run(capsys, "sensor", "set", "--port", sim.url)[0] == 2


def test_selftest_passes_on_the_simulator(capsys, sim):
    code, out, _ = run(capsys, "sensor", "selftest", "--port", sim.url)
    assert code == 0, out
    assert out.count("PASS") >= 5 and "selftest passed" in out


def test_selftest_with_finger(capsys, sim):
    sim.place_synthetic(1, 0)
    code, out, _ = run(capsys, "sensor", "selftest", "--port", sim.url, "--finger")
    assert code == 0, out
    assert "PASS  finger capture" in out


def test_selftest_skips_the_led_ring_on_a_module_without_one(capsys, sim):
    sim.firmware.settings.led_ring = False  # an AS608 without the ring: skipped, not failed
    code, out, _ = run(capsys, "sensor", "selftest", "--port", sim.url)
    assert code == 0 and "SKIP  LED ring" in out


def test_capture_writes_png(capsys, sim, tmp_path):
    sim.place_synthetic(2, 0)
    out_file = tmp_path / "finger.png"
    code, out, _ = run(capsys, "sensor", "capture", "--port", sim.url, "--out", str(out_file))
    assert code == 0 and "saved 256x288" in out
    image = np.asarray(Image.open(out_file))
    assert image.shape == (288, 256)
    np.testing.assert_array_equal(image, (sim.firmware.image >> 4) * 17)


def test_capture_without_finger_exits_5(capsys, sim, tmp_path):
    code, _, err = run(capsys, "sensor", "capture", "--port", sim.url, "--out",
                       str(tmp_path / "x.png"), "--wait", "0.2")
    assert code == 5
    assert err.startswith("kiosk: error: no finger") and err.count("\n") == 1


@pytest.mark.parametrize(("argv", "code", "words"), [
    (["sensor", "info", "--port", "/dev/no-such-port"], 3, "cannot open sensor port"),
    (["sensor", "info", "--port", "SILENT", "--baud", "57600", "--timeout", "0.2"], 4,
     "no sensor answered"),
    (["sensor", "info", "--port", "SILENT", "--timeout", "0.2"], 4, "no sensor answered"),
    (["sensor", "capture", "--port", "/dev/null", "--out", "/no/such/dir/f.png"], 1,
     "folder does not exist"),
])
def test_errors_are_one_line_with_exit_codes(capsys, silent_port, argv, code, words):
    got, _, err = run(capsys, *[silent_port if a == "SILENT" else a for a in argv])
    assert got == code
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sensor", "set", "--port", "x", "--packet", "100"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["sensor", "info", "--baud", "12345"])
    assert exc.value.code == 2


def test_sim_sensor_prints_port_and_serves_pyfingerprint(tmp_path):
    pyfingerprint = pytest.importorskip("pyfingerprint.pyfingerprint")
    finger = (np.indices((300, 300)).sum(axis=0) % 9 < 4).astype(np.uint8) * 200 + 30
    Image.fromarray(finger).save(tmp_path / "glass.png")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sim", "sensor", "--fast",
         "--finger", str(tmp_path / "glass.png")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = proc.stdout.readline().strip()
        assert os.path.exists(port)
        f = pyfingerprint.PyFingerprint(port, 57600, 0xFFFFFFFF, 0)
        assert f.verifyPassword()
        assert f.readImage()
        f.downloadImage(str(tmp_path / "out.png"))
        got = np.asarray(Image.open(tmp_path / "out.png"))
        assert got.shape == (288, 256)
        np.testing.assert_array_equal(got[144, :20], ((finger[150, 22:42] >> 4) * 17))
    finally:
        proc.terminate()
        assert proc.wait(5) == 0
    assert "Traceback" not in proc.stderr.read()


def test_sim_sensor_rejects_bad_fault_spec(capsys):
    code, _, err = run(capsys, "sim", "sensor", "--faults", "nonsense=1")
    assert code == 2 and "bad fault setting" in err
