"""Face embeddings with dlib's public-domain ResNet (128 numbers, Euclidean metric).

Alignment uses dlib's 5-point shape predictor (CC0) inside the BlazeFace box; the
chip is 150 x 150 as the network was trained. The network runs in numpy
(``resnet.DlibResNet``, same weights and results, 4-5x faster than dlib-bin's
forward pass); ``backend="dlib"`` runs dlib's own, for comparison. Lighting is evened out before
alignment because village offices have a window on one side: the Yale set's
side-lit images are the hard case and contrast-limited equalisation helps there.
"""

from __future__ import annotations

import numpy as np

from kiosk.biometrics.runtime import ModelError

from .detect import Detection, as_rgb
from .models import ALIGNER, EMBEDDER, model_path

DIM = 128


def _dlib():
    try:
        import dlib
    except ImportError:
        raise ModelError("dlib is not installed", "pip install dlib-bin (or sidik[face])") from None
    return dlib


class FaceEmbedder:
    """``embed(rgb, detection)`` -> unit-free 128-d float32 vector (dlib's metric space)."""

    def __init__(self, jitter: int = 0, equalise: bool = True, backend: str = "numpy"):
        dlib = _dlib()
        self._dlib = dlib
        self._aligner = dlib.shape_predictor(str(model_path(ALIGNER)))
        if backend not in ("numpy", "dlib"):
            raise ValueError(f"backend is numpy or dlib, not {backend!r}")
        if jitter and backend == "numpy":
            raise ValueError("jitter needs backend='dlib'")
        self.backend = backend
        if backend == "numpy":
            from .resnet import DlibResNet

            self._numpy_net = DlibResNet(model_path(EMBEDDER))
        else:
            self._net = dlib.face_recognition_model_v1(str(model_path(EMBEDDER)))
        self.jitter = jitter
        self.equalise = equalise

    def chip(self, image: np.ndarray, det: Detection) -> np.ndarray:
        """The aligned 150 x 150 RGB face the network sees."""
        rgb = np.ascontiguousarray(as_rgb(image))
        if self.equalise:
            rgb = equalise(rgb)
        x0, y0, x1, y1 = (round(v) for v in det.box)
        shape = self._aligner(rgb, self._dlib.rectangle(x0, y0, x1, y1))
        return np.asarray(self._dlib.get_face_chip(rgb, shape, size=150, padding=0.25))

    def embed(self, image: np.ndarray, det: Detection) -> np.ndarray:
        chip = self.chip(image, det)
        if self.backend == "numpy":
            return self._numpy_net(chip)
        return np.asarray(self._net.compute_face_descriptor(chip, self.jitter), np.float32)


def equalise(rgb: np.ndarray) -> np.ndarray:
    """CLAHE on luminance only, so skin colour is kept."""
    import cv2

    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))
    lab[:, :, 0] = clahe.apply(lab[:, :, 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
