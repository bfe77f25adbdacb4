"""``kiosk camera snapshot`` with the sim backend, and its one-line errors."""

import sys

import numpy as np
import pytest
from PIL import Image

from kiosk.cli import app
from kiosk.cli.camera import BACKEND_CHOICES
from kiosk.cli.common import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE


@pytest.fixture
def kiosk(monkeypatch, capsys):
    """Run ``kiosk`` through app.main with only the camera commands registered, so
    this test does not depend on the other command modules."""
    monkeypatch.setattr(app, "COMMAND_MODULES", ("kiosk.cli.camera",))

    def run(*argv):
        code = app.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def red_png(tmp_path):
    path = tmp_path / "red.png"
    Image.fromarray(np.full((48, 64, 3), (255, 0, 0), np.uint8)).save(path)
    return path


def test_choices_match_the_bridge():
    from firmware_bridge.camera import BACKENDS

    assert ("auto", *BACKENDS) == BACKEND_CHOICES


def test_snapshot_from_an_image(kiosk, tmp_path, red_png):
    out = tmp_path / "face.png"
    code, stdout, stderr = kiosk(
        "camera", "snapshot", "--out", str(out), "--backend", "sim", "--source", str(red_png)
    )
    assert code == EXIT_OK and stderr == ""
    assert stdout.count("\n") == 1
    assert str(out) in stdout and "64x48" in stdout
    with Image.open(out) as image:
        assert image.format == "PNG" and image.mode == "RGB" and image.size == (64, 48)
        assert image.getpixel((10, 10)) == (255, 0, 0)


def test_source_implies_sim_and_size_resizes(kiosk, tmp_path, red_png):
    out = tmp_path / "small.png"
    code, stdout, _ = kiosk(
        "camera", "snapshot", "--out", str(out), "--source", str(red_png), "--size", "32x24",
        "--warmup", "3",
    )
    assert code == EXIT_OK and "32x24" in stdout and "sim" in stdout
    with Image.open(out) as image:
        assert image.size == (32, 24)


def test_snapshot_from_a_folder(kiosk, tmp_path, red_png):
    out = tmp_path / "out" / "face.png"
    out.parent.mkdir()
    code, _, _ = kiosk("camera", "snapshot", "--out", str(out), "--source", str(tmp_path))
    assert code == EXIT_OK and out.exists()


def one_line_error(code, stdout, stderr, expected_code=None):
    assert code != EXIT_OK
    if expected_code is not None:
        assert code == expected_code
    assert stdout == ""
    assert stderr.startswith("kiosk: error: ")
    assert stderr.count("\n") == 1
    assert "Traceback" not in stderr


def test_missing_source(kiosk, tmp_path):
    result = kiosk(
        "camera", "snapshot", "--out", str(tmp_path / "a.png"), "--source", str(tmp_path / "x.png")
    )
    one_line_error(*result, EXIT_NOT_FOUND)
    assert "does not exist" in result[2]


def test_empty_folder(kiosk, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = kiosk("camera", "snapshot", "--out", str(tmp_path / "a.png"), "--source", str(empty))
    one_line_error(*result, EXIT_NOT_FOUND)
    assert "no images" in result[2]


def test_unreadable_image(kiosk, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"garbage")
    result = kiosk("camera", "snapshot", "--out", str(tmp_path / "a.png"), "--source", str(bad))
    one_line_error(*result)
    assert "bad.png" in result[2]
    assert not (tmp_path / "a.png").exists()


def test_picamera2_not_installed(kiosk, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "picamera2", None)
    result = kiosk("camera", "snapshot", "--out", str(tmp_path / "a.png"), "--backend", "picamera2")
    one_line_error(*result, EXIT_NOT_FOUND)
    assert "sudo apt install python3-picamera2" in result[2]


@pytest.mark.parametrize(
    "extra",
    [
        ["--backend", "sim"],  # sim without --source
        ["--size", "big"],
        ["--warmup", "-1"],
        ["--timeout", "0"],
        ["--backend", "opencv", "--source", "x.png"],
        ["--backend", "picamera2", "--device", "/dev/video0"],
        ["--device", "0", "--backend", "sim", "--source", "x.png"],
    ],
)
def test_usage_mistakes(kiosk, tmp_path, red_png, extra):
    extra = [str(red_png) if arg == "x.png" else arg for arg in extra]
    if "--source" not in extra and "--backend" not in extra:
        extra += ["--source", str(red_png)]
    result = kiosk("camera", "snapshot", "--out", str(tmp_path / "a.png"), *extra)
    one_line_error(*result, EXIT_USAGE)


def test_out_must_be_png_in_an_existing_folder(kiosk, tmp_path, red_png):
    for out in (tmp_path / "face.jpg", tmp_path / "missing" / "face.png"):
        result = kiosk("camera", "snapshot", "--out", str(out), "--source", str(red_png))
        one_line_error(*result, EXIT_USAGE)
