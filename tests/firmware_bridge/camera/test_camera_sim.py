"""The sim backend and hw_sim frame sources: files, folders, arrays, pacing, looping."""

import sys
import time

import numpy as np
import pytest
from PIL import Image

from firmware_bridge.camera import (
    Camera,
    CameraEndOfStream,
    CameraError,
    CameraNotFound,
    CameraSourceError,
    CameraTimeout,
    CameraUnavailable,
    Frame,
    open_camera,
)
from hw_sim.camera import ArraySource, ImageFolderSource, Pacer, open_source

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)


def solid(colour, size=(64, 48)) -> np.ndarray:
    width, height = size
    return np.full((height, width, 3), colour, dtype=np.uint8)


def write_image(path, colour, size=(64, 48), mode="RGB"):
    Image.fromarray(solid(colour, size)).convert(mode).save(path)
    return path


def test_single_image_file_is_rgb(tmp_path):
    path = write_image(tmp_path / "red.png", RED)
    with open_camera("sim", source=path) as camera:
        frame = camera.read()
    assert isinstance(frame, Frame)
    assert frame.image.dtype == np.uint8
    assert frame.image.shape == (48, 64, 3)
    assert frame.image.flags["C_CONTIGUOUS"]
    assert tuple(frame.image[10, 10]) == RED
    assert frame.size == (64, 48)
    assert camera.resolution == (64, 48)
    assert camera.backend == "sim"


def test_jpeg_red_stays_red(tmp_path):
    path = write_image(tmp_path / "red.jpg", RED)
    with open_camera("sim", source=str(path)) as camera:
        r, g, b = (int(v) for v in camera.read().image[24, 32])
    assert r > 200 and g < 40 and b < 40


def test_greyscale_and_rgba_images_become_three_channels(tmp_path):
    grey = tmp_path / "grey.png"
    Image.fromarray(np.full((10, 12), 77, np.uint8)).save(grey)
    rgba = tmp_path / "rgba.png"
    Image.fromarray(np.dstack([solid(BLUE, (12, 10)), np.full((10, 12), 9, np.uint8)])).save(rgba)
    with open_camera("sim", source=[grey, rgba], fps=0) as camera:
        first, second = camera.read().image, camera.read().image
    assert first.shape == (10, 12, 3) and (first == 77).all()
    assert second.shape == (10, 12, 3) and tuple(second[0, 0]) == BLUE


def test_16bit_greyscale_keeps_the_high_byte(tmp_path):
    path = tmp_path / "deep.png"
    Image.fromarray(np.full((8, 8), 0x8000, np.uint16)).save(path)
    with open_camera("sim", source=path) as camera:
        image = camera.read().image
    assert image.shape == (8, 8, 3) and (image == 0x80).all()


def test_folder_in_natural_order_ignoring_other_files(tmp_path):
    write_image(tmp_path / "frame10.png", BLUE)
    write_image(tmp_path / "frame2.png", GREEN)
    write_image(tmp_path / "frame1.png", RED)
    (tmp_path / "notes.txt").write_text("not an image")
    write_image(tmp_path / ".hidden.png", (1, 2, 3))
    with open_camera("sim", source=tmp_path, fps=0, loop=False) as camera:
        colours = [tuple(f.image[0, 0]) for f in camera.frames()]
    assert colours == [RED, GREEN, BLUE]


def test_arrays_greyscale_expanded_and_bgr_converted():
    grey = np.full((5, 7), 200, np.uint8)
    bgr_red = solid((0, 0, 255), (7, 5))
    with open_camera("sim", source=[grey], fps=0) as camera:
        image = camera.read().image
    assert image.shape == (5, 7, 3) and (image == 200).all()
    with open_camera("sim", source=bgr_red, order="bgr", fps=0) as camera:
        assert tuple(camera.read().image[0, 0]) == RED


def test_frames_are_copies_of_the_arrays():
    original = solid(RED, (4, 4))
    with open_camera("sim", source=original, fps=0) as camera:
        camera.read().image[:] = 0
        assert tuple(camera.read().image[0, 0]) == RED
    assert tuple(original[0, 0]) == RED


def test_looping_repeats_and_numbers_frames():
    arrays = [solid(RED, (4, 4)), solid(GREEN, (4, 4))]
    with open_camera("sim", source=arrays, fps=0) as camera:
        frames = list(camera.frames(count=5))
    assert [tuple(f.image[0, 0]) for f in frames] == [RED, GREEN, RED, GREEN, RED]
    assert [f.sequence for f in frames] == [0, 1, 2, 3, 4]
    timestamps = [f.timestamp for f in frames]
    assert timestamps == sorted(timestamps)


def test_without_looping_the_stream_ends():
    with open_camera("sim", source=[solid(RED, (4, 4))], fps=0, loop=False) as camera:
        camera.read()
        with pytest.raises(CameraEndOfStream):
            camera.read()
        assert list(camera.frames()) == []


def test_reopening_starts_again_from_the_first_frame():
    camera = open_camera("sim", source=[solid(RED, (4, 4)), solid(GREEN, (4, 4))], fps=0)
    camera.read()
    camera.close()
    camera.open()
    frame = camera.read()
    camera.close()
    assert frame.sequence == 0 and tuple(frame.image[0, 0]) == RED


def test_frame_rate_is_roughly_respected():
    # 5 frames at 50 fps are 4 intervals of 20 ms; only a lower bound is asserted
    # so a loaded machine cannot make this flaky.
    with open_camera("sim", source=solid(RED, (8, 8)), fps=50) as camera:
        start = time.monotonic()
        for _ in range(5):
            camera.read()
        elapsed = time.monotonic() - start
    assert elapsed >= 0.06


def test_unpaced_is_fast():
    with open_camera("sim", source=solid(RED, (8, 8)), fps=0) as camera:
        start = time.monotonic()
        frames = list(camera.frames(count=200))
    assert len(frames) == 200
    assert time.monotonic() - start < 5


def test_slow_frame_rate_times_out():
    with open_camera("sim", source=solid(RED, (8, 8)), fps=1) as camera:
        camera.read()
        with pytest.raises(CameraTimeout):
            camera.read(timeout=0.02)


def test_pacer_with_a_fake_clock():
    now = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds

    pacer = Pacer(10, clock=lambda: now[0], sleep=sleep)
    assert pacer.wait(1.0)  # first frame at once
    assert pacer.wait(1.0)  # then 100 ms later
    assert slept == [0.1]
    now[0] += 0.5  # a slow reader: no burst of back-frames, no sleeping either
    assert pacer.wait(1.0)
    assert slept == [0.1]
    assert not pacer.wait(0.03)  # next frame is 100 ms away: times out after 30 ms
    assert pacer.wait(1.0)
    assert slept == [0.1, 0.03, 0.07]


def test_resize(tmp_path):
    path = write_image(tmp_path / "big.png", GREEN, size=(200, 100))
    with open_camera("sim", source=path, size="40x20") as camera:
        assert camera.resolution == (40, 20)
        image = camera.read().image
    assert image.shape == (20, 40, 3) and tuple(image[5, 5]) == GREEN


def test_video_file_source(tmp_path):
    cv2 = pytest.importorskip("cv2")
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 24))
    if not writer.isOpened():
        pytest.skip("no MJPG writer in this OpenCV build")
    for _ in range(3):
        writer.write(solid((0, 0, 255), (32, 24)))  # red, in OpenCV's BGR
    writer.release()
    with open_camera("sim", source=path, fps=0, loop=False) as camera:
        frames = list(camera.frames())
    assert len(frames) == 3
    r, g, b = (int(v) for v in frames[0].image[12, 16])
    assert r > 200 and g < 40 and b < 40
    source = open_source(path, loop=True)
    assert source.fps == pytest.approx(10, abs=0.5)
    assert len([source.next_image() for _ in range(7)]) == 7  # loops past the end
    source.close()


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CameraNotFound, match="does not exist"):
        open_camera("sim", source=tmp_path / "nope.png")
    with pytest.raises(CameraNotFound, match="does not exist"):
        open_camera("sim", source=[tmp_path / "nope.png"])


def test_empty_folder(tmp_path):
    (tmp_path / "readme.txt").write_text("no images here")
    with pytest.raises(CameraNotFound, match="no images in folder"):
        open_camera("sim", source=tmp_path)
    with pytest.raises(CameraNotFound):
        ImageFolderSource(tmp_path / "missing")


def test_unreadable_image(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"this is not a png")
    with pytest.raises(CameraSourceError, match=r"broken\.png") as info:
        open_camera("sim", source=bad)
    assert "\n" not in str(info.value)


def test_unknown_file_type(tmp_path):
    other = tmp_path / "data.bin"
    other.write_bytes(b"\x00" * 64)
    with pytest.raises(CameraSourceError):
        open_camera("sim", source=other)


def test_bad_arrays():
    with pytest.raises(CameraSourceError, match="uint8"):
        ArraySource([np.zeros((4, 4, 3), np.float32)])
    with pytest.raises(CameraSourceError, match="shape"):
        ArraySource([np.zeros((4, 4, 2), np.uint8)])
    with pytest.raises(CameraSourceError):
        open_camera("sim", source=42)
    with pytest.raises(CameraSourceError):
        open_camera("sim", source=None)


def test_reading_a_closed_camera_is_a_camera_error():
    camera = open_camera("sim", source=solid(RED, (4, 4)))
    camera.close()
    camera.close()  # twice is fine
    with pytest.raises(CameraError, match="not open"):
        camera.read()


def test_context_manager_opens_and_closes():
    camera = open_camera("sim", source=solid(RED, (4, 4)))
    assert isinstance(camera, Camera) and camera.is_open
    with camera as same:
        assert same is camera
    assert not camera.is_open
    assert "closed" in repr(camera)


def test_images_work_without_opencv_and_videos_say_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "cv2", None)
    path = write_image(tmp_path / "red.png", RED)
    with open_camera("sim", source=path) as camera:
        assert tuple(camera.read().image[0, 0]) == RED
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00" * 16)
    with pytest.raises(CameraUnavailable, match="opencv-python-headless"):
        open_camera("sim", source=video)
