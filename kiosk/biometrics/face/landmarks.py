"""FaceMesh: 468 3-D landmarks in a rotated square crop around a BlazeFace detection.

The crop is rotated so the eyes are level (the network was trained on upright
faces) and 1.5 times the detection box, as MediaPipe does. Landmarks come back
in frame pixels; z is in the same pixel scale, relative to the face centre,
smaller = nearer the camera.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .detect import Detection, as_rgb
from .models import FACEMESH, IRIS, MultiOutputModel, model_path

INPUT = 192

# FaceMesh indices (the canonical mesh's topology, fixed by the model).
RIGHT_EYE = (33, 160, 158, 133, 153, 144)  # p1..p6 for the eye aspect ratio
LEFT_EYE = (362, 385, 387, 263, 373, 380)
MOUTH = (78, 13, 308, 14)  # left corner, upper lip, right corner, lower lip (inner)
NOSE_TIP = 1
CHIN = 152
FOREHEAD = 10
RIGHT_CHEEK = 234
LEFT_CHEEK = 454


@dataclass(frozen=True)
class Landmarks:
    points: np.ndarray  # (468, 3) frame pixels
    presence: float  # 0..1, the network's belief that a face fills the crop


def roi_transform(det: Detection, scale: float = 1.5) -> np.ndarray:
    """2x3 affine matrix from frame pixels to the 192 x 192 crop."""
    kp = det.keypoints
    dx, dy = kp[1] - kp[0]  # person's right eye -> left eye, left to right in the image
    angle = np.degrees(np.arctan2(dy, dx))
    cx, cy = det.centre
    side = max(det.width, det.height) * scale
    import cv2

    m = cv2.getRotationMatrix2D((cx, cy), angle, INPUT / side)
    m[:, 2] += (INPUT / 2 - cx, INPUT / 2 - cy)
    return m


class FaceMesh:
    """``landmarks(rgb, detection)`` -> Landmarks. Not thread-safe."""

    def __init__(self, num_threads: int = 1):
        self._model = MultiOutputModel(model_path(FACEMESH), num_threads=num_threads)

    def landmarks(self, image: np.ndarray, det: Detection) -> Landmarks:
        import cv2

        m = roi_transform(det)
        crop = cv2.warpAffine(as_rgb(image), m, (INPUT, INPUT), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        mesh, flag = self._model.run(crop.astype(np.float32)[None] / 255.0)
        pts = mesh.reshape(-1, 3)
        inv = cv2.invertAffineTransform(m)
        xy = pts[:, :2] @ inv[:, :2].T + inv[:, 2]
        z = pts[:, 2:3] * np.sqrt(abs(np.linalg.det(inv[:, :2])))
        presence = float(1.0 / (1.0 + np.exp(-np.clip(float(flag.ravel()[0]), -80, 80))))
        return Landmarks(np.hstack([xy, z]).astype(np.float32), presence)


class EyeModel:
    """Eyelid contours from MediaPipe's iris model on a 64 x 64 crop of each eye.

    FaceMesh's own eye points barely move when the eyes close (the Yale "sleepy"
    images keep their open-eye aspect ratio), so blinks are measured here instead.
    """

    def __init__(self, num_threads: int = 1):
        self._model = MultiOutputModel(model_path(IRIS), num_threads=num_threads)

    def openness(self, image: np.ndarray, points: np.ndarray) -> tuple[float, float]:
        """(right, left) lid gap over eye width: about 0.2 open, under 0.1 closed."""
        rgb = as_rgb(image)
        right = self._one(rgb, points[RIGHT_EYE[0], :2], points[RIGHT_EYE[3], :2], False)
        left = self._one(rgb, points[LEFT_EYE[3], :2], points[LEFT_EYE[0], :2], True)
        return right, left

    def _one(self, rgb, outer, inner, flip: bool) -> float:
        import cv2

        # The model was trained on right eyes: the left eye is mirrored into that frame.
        centre = (outer + inner) / 2
        width = max(float(np.linalg.norm(inner - outer)), 1.0)
        angle = float(np.degrees(np.arctan2(inner[1] - outer[1], inner[0] - outer[0])))
        if flip:
            angle = float(np.degrees(np.arctan2(outer[1] - inner[1], outer[0] - inner[0])))
        m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, 64 / (2.3 * width))
        m[:, 2] += (32 - centre[0], 32 - centre[1])
        crop = cv2.warpAffine(rgb, m, (64, 64), borderMode=cv2.BORDER_REPLICATE)
        if flip:
            crop = crop[:, ::-1]
        contour, _ = self._model.run(crop.astype(np.float32)[None] / 255.0)
        eye = contour.reshape(-1, 3)[:16, :2]  # 0 and 8 are the corners, 1-7 lower, 9-15 upper
        span = max(float(np.linalg.norm(eye[0] - eye[8])), 1e-6)
        return float((eye[1:8, 1].mean() - eye[9:16, 1].mean()) / span)


def eye_aspect_ratio(points: np.ndarray, eye=RIGHT_EYE) -> float:
    """(|p2-p6| + |p3-p5|) / (2 |p1-p4|): about 0.25-0.35 open, under 0.15 closed."""
    p = points[list(eye), :2]
    vert = np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])
    return float(vert / max(2.0 * np.linalg.norm(p[0] - p[3]), 1e-6))


def mouth_aspect_ratio(points: np.ndarray) -> float:
    """Inner-lip gap over mouth width: near 0 closed, above about 0.35 wide open."""
    p = points[list(MOUTH), :2]
    return float(np.linalg.norm(p[1] - p[3]) / max(np.linalg.norm(p[0] - p[2]), 1e-6))


def head_pose(points: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from the mesh's geometry; yaw > 0 = turned to the
    person's left (nose moves to the image's right)."""
    p = points
    rc, lc = p[RIGHT_CHEEK], p[LEFT_CHEEK]
    nose, chin, top = p[NOSE_TIP], p[CHIN], p[FOREHEAD]
    mid = (rc + lc) / 2
    half_w = max(np.linalg.norm(lc[:2] - rc[:2]) / 2, 1e-6)
    yaw = np.degrees(np.arcsin(np.clip((nose[0] - mid[0]) / half_w, -1, 1)))
    face_h = max(np.linalg.norm(chin[:2] - top[:2]), 1e-6)
    # On a level face the nose tip sits about 2% of the face height below the top-chin midpoint.
    pitch = np.degrees(np.arcsin(np.clip(((nose[1] - (top[1] + chin[1]) / 2) / face_h
                                          - 0.02) * 2.0, -1, 1)))
    roll = np.degrees(np.arctan2(lc[1] - rc[1], lc[0] - rc[0]))
    return float(yaw), float(pitch), float(roll)
