"""picamera2 and opencv backends without hardware, the factory, and frame helpers."""

import sys
import threading
import time
import types
from pathlib import Path

import numpy as np
import pytest

from firmware_bridge.camera import (
    BACKENDS,
    CameraBusy,
    CameraNotFound,
    CameraTimeout,
    CameraUnavailable,
    available_backends,
    backend_opencv,
    create_camera,
    open_camera,
    parse_size,
    to_rgb,
)

# -- frame helpers -------------------------------------------------------------


def test_to_rgb_swaps_bgr_and_drops_alpha():
    bgra = np.zeros((2, 3, 4), np.uint8)
    bgra[..., 0] = 10  # blue
    bgra[..., 2] = 30  # red
    rgb = to_rgb(bgra, "bgr")
    assert rgb.shape == (2, 3, 3) and tuple(rgb[0, 0]) == (30, 0, 10)
    assert rgb.flags["C_CONTIGUOUS"]
    assert to_rgb(np.full((2, 2, 1), 5, np.uint8)).shape == (2, 2, 3)
    with pytest.raises(ValueError):
        to_rgb(np.zeros((2, 2, 3), np.uint8), "yuv")


@pytest.mark.parametrize(
    ("text", "size"), [("640x480", (640, 480)), ("320X240", (320, 240)), ((8, 6), (8, 6))]
)
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", ["640", "0x480", "axb", "1x2x3", (1,), "-4x3"])
def test_parse_size_rejects(bad):
    with pytest.raises(ValueError):
        parse_size(bad)


# -- factory -------------------------------------------------------------------


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown camera backend"):
        open_camera("webcam9000")


def test_available_backends_always_has_sim():
    names = available_backends()
    assert names[-1] == "sim" and set(names) <= set(BACKENDS)


def test_auto_without_any_library(monkeypatch):
    monkeypatch.setitem(sys.modules, "picamera2", None)
    monkeypatch.setitem(sys.modules, "cv2", None)
    with pytest.raises(CameraUnavailable) as info:
        open_camera("auto")
    text = str(info.value)
    assert "python3-picamera2" in text and "opencv-python-headless" in text
    assert "\n" not in text


def test_auto_without_picamera2_uses_opencv(monkeypatch):
    monkeypatch.setitem(sys.modules, "picamera2", None)
    pytest.importorskip("cv2")
    assert type(create_camera("auto")).__name__ == "OpenCVCamera"


# -- picamera2 -----------------------------------------------------------------


def test_picamera2_missing_names_the_apt_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "picamera2", None)
    with pytest.raises(CameraUnavailable) as info:
        open_camera("picamera2")
    text = str(info.value)
    assert "picamera2 is not installed" in text
    assert "sudo apt install python3-picamera2" in text
    assert "--system-site-packages" in text
    assert "\n" not in text


def fake_picamera2(monkeypatch, cameras=1, fail=None, stall=False):
    """Install a stand-in picamera2 module; returns the list of cameras made."""
    made = []

    class Picamera2:
        def __init__(self, camera_num=0):
            if fail is not None:
                raise fail
            self.camera_num = camera_num
            self.config = None
            self.started = self.closed = False
            made.append(self)

        @staticmethod
        def global_camera_info():
            return [{"Model": "imx708", "Num": n} for n in range(cameras)]

        def create_preview_configuration(self, main, controls=None):
            return {"use_case": "preview", "main": dict(main), "controls": controls}

        def create_video_configuration(self, main, controls=None):
            return {"use_case": "video", "main": dict(main), "controls": controls}

        def configure(self, config):
            self.config = config

        def camera_configuration(self):
            return self.config

        def start(self):
            self.started = True

        def capture_array(self, name="main", wait=None):
            assert wait is False
            return name

        def wait(self, job, timeout=None):
            if stall:
                raise TimeoutError
            width, height = self.config["main"]["size"]
            image = np.zeros((height, width, 3), np.uint8)
            image[..., 2] = 255  # "RGB888" in picamera2 is B, G, R in memory: this is red
            return image

        def stop(self):
            self.started = False

        def close(self):
            self.closed = True

    module = types.ModuleType("picamera2")
    module.Picamera2 = Picamera2
    monkeypatch.setitem(sys.modules, "picamera2", module)
    return made


def test_picamera2_configures_rgb888_and_returns_rgb(monkeypatch):
    made = fake_picamera2(monkeypatch)
    with open_camera("picamera2", size="320x240", fps=15) as camera:
        frame = camera.read()
        assert camera.backend == "picamera2"
        assert camera.resolution == (320, 240)
    (pi,) = made
    assert pi.config["main"] == {"size": (320, 240), "format": "RGB888"}
    assert pi.config["controls"] == {"FrameRate": 15.0}
    assert frame.image.shape == (240, 320, 3)
    assert tuple(frame.image[0, 0]) == (255, 0, 0)
    assert pi.closed and not pi.started


def test_picamera2_video_mode_and_default_size(monkeypatch):
    made = fake_picamera2(monkeypatch)
    with open_camera("picamera2", mode="video") as camera:
        assert camera.resolution == (640, 480)
    assert made[0].config["use_case"] == "video"


def test_picamera2_is_chosen_by_auto(monkeypatch):
    fake_picamera2(monkeypatch)
    with open_camera("auto") as camera:
        assert camera.backend == "picamera2"


def test_picamera2_no_camera_connected(monkeypatch):
    fake_picamera2(monkeypatch, cameras=0)
    with pytest.raises(CameraNotFound, match="no Pi camera detected"):
        open_camera("picamera2")


def test_picamera2_index_beyond_the_cameras(monkeypatch):
    fake_picamera2(monkeypatch, cameras=1)
    with pytest.raises(CameraNotFound, match="1 camera"):
        open_camera("picamera2", device=1)


def test_auto_falls_back_when_no_pi_camera(monkeypatch):
    fake_picamera2(monkeypatch, cameras=0)
    monkeypatch.setitem(sys.modules, "cv2", None)
    with pytest.raises(CameraNotFound, match="no Pi camera detected"):
        open_camera("auto")


def test_picamera2_busy(monkeypatch):
    busy = RuntimeError("Failed to acquire camera: Device or resource busy")
    fake_picamera2(monkeypatch, fail=busy)
    with pytest.raises(CameraBusy):
        open_camera("picamera2")


def test_picamera2_timeout(monkeypatch):
    fake_picamera2(monkeypatch, stall=True)
    with open_camera("picamera2") as camera, pytest.raises(CameraTimeout):
        camera.read(timeout=0.01)


def test_picamera2_device_must_be_a_number(monkeypatch):
    fake_picamera2(monkeypatch)
    with pytest.raises(CameraNotFound, match="by number"):
        open_camera("picamera2", device="/dev/video0")


# -- opencv --------------------------------------------------------------------


def test_opencv_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)
    with pytest.raises(CameraUnavailable, match="pip install opencv-python-headless"):
        open_camera("opencv")


def test_opencv_no_device_at_index():
    pytest.importorskip("cv2")
    index = 63
    if Path(f"/dev/video{index}").exists():
        pytest.skip("this machine has a /dev/video63")
    start = time.monotonic()
    with pytest.raises(CameraNotFound, match="63"):
        open_camera("opencv", device=index)
    assert time.monotonic() - start < 5


def test_opencv_missing_path(tmp_path):
    pytest.importorskip("cv2")
    with pytest.raises(CameraNotFound, match="does not exist"):
        open_camera("opencv", device=str(tmp_path / "nope.avi"))


def test_opencv_video_file_is_rgb_and_ends(tmp_path):
    cv2 = pytest.importorskip("cv2")
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    if not writer.isOpened():
        pytest.skip("no MJPG writer in this OpenCV build")
    for _ in range(4):
        frame = np.zeros((48, 64, 3), np.uint8)
        frame[..., 2] = 255  # red in OpenCV's BGR
        writer.write(frame)
    writer.release()
    with open_camera("opencv", device=str(path)) as camera:
        assert camera.resolution == (64, 48)
        frames = list(camera.frames())
    assert len(frames) == 4
    r, g, b = (int(v) for v in frames[0].image[24, 32])
    assert r > 200 and g < 40 and b < 40
    assert [f.sequence for f in frames] == [0, 1, 2, 3]


class FakeCapture:
    """A VideoCapture whose read blocks until released by the test."""

    def __init__(self, *args):
        self.go = threading.Event()
        self.released = threading.Event()
        FakeCapture.last = self

    def isOpened(self):
        return True

    def set(self, prop, value):
        return True

    def get(self, prop):
        return {3: 8.0, 4: 6.0}.get(prop, 0.0)

    def read(self):
        self.go.wait(5)
        return True, np.zeros((6, 8, 3), np.uint8)

    def release(self):
        self.released.set()


def fake_cv2():
    return types.SimpleNamespace(
        VideoCapture=FakeCapture, error=RuntimeError, CAP_PROP_FRAME_WIDTH=3,
        CAP_PROP_FRAME_HEIGHT=4, CAP_PROP_FPS=5,
    )


def test_opencv_read_timeout_keeps_the_pending_frame(monkeypatch, tmp_path):
    monkeypatch.setattr(backend_opencv, "import_cv2", fake_cv2)
    monkeypatch.setattr(backend_opencv, "CLOSE_GRACE_S", 0.01)
    device = tmp_path / "stream"
    device.write_bytes(b"")
    camera = open_camera("opencv", device=str(device))
    with pytest.raises(CameraTimeout):
        camera.read(timeout=0.05)
    FakeCapture.last.go.set()
    frame = camera.read(timeout=5)
    assert frame.size == (8, 6) and frame.sequence == 0
    camera.close()
    assert FakeCapture.last.released.is_set()


def test_opencv_close_during_a_stalled_read_defers_release(monkeypatch, tmp_path):
    monkeypatch.setattr(backend_opencv, "import_cv2", fake_cv2)
    monkeypatch.setattr(backend_opencv, "CLOSE_GRACE_S", 0.01)
    device = tmp_path / "stream"
    device.write_bytes(b"")
    camera = open_camera("opencv", device=str(device))
    with pytest.raises(CameraTimeout):
        camera.read(timeout=0.01)
    capture = FakeCapture.last
    camera.close()
    assert not capture.released.is_set()
    capture.go.set()
    assert capture.released.wait(5)
