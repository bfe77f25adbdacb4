"""Face capture quality gates (pure: detections and pixels in, a report out).

The gates run on every preview frame, so they use only the detector's output and
cheap image statistics, in the order a person can fix them: one face, distance,
position, pose, light, then stillness.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .detect import Detection, as_rgb
from .interface import Guidance, QualityReport


@dataclass(frozen=True)
class Gates:
    min_face_px: float = 80.0  # below this the 150 px embedding chip is upsampled mush
    min_face_frac: float = 0.18  # face width / frame width: "come closer"
    max_face_frac: float = 0.75  # "move back" (face cropped by the frame edges)
    max_offcentre: float = 0.22  # centre offset / frame size
    max_yaw_deg: float = 20.0
    max_roll_deg: float = 20.0
    second_face_frac: float = 0.5  # a second face this large relative to the first counts
    dark_mean: float = 55.0  # mean face luminance 0..255
    bright_mean: float = 210.0
    max_clipped: float = 0.25  # share of face pixels at 250+ (glare, overexposure)
    min_sharpness: float = 40.0  # Laplacian variance on the face resized to 128 px wide
    # Darker half / brighter half of the face. Yale's side-lit images measure 0.28-0.60, all
    # others 0.74-1.0; side light is what breaks matching most (docs/face.md).
    min_side_balance: float = 0.65


def keypoint_pose(det: Detection) -> tuple[float, float]:
    """(yaw, roll) in degrees from BlazeFace's keypoints: the nose's sideways offset from
    the eyes' midpoint, relative to the eye distance, and the eye line's tilt."""
    re, le, nose = det.keypoints[0], det.keypoints[1], det.keypoints[2]
    eye_vec = le - re
    dist = max(float(np.linalg.norm(eye_vec)), 1e-6)
    along = float(np.dot(nose - (re + le) / 2, eye_vec) / dist)
    # A frontal nose is on the eye midline; at 90 degrees it is about one eye distance out.
    yaw = float(np.degrees(np.arcsin(np.clip(along / dist * 1.4, -1, 1))))
    roll = float(np.degrees(np.arctan2(eye_vec[1], eye_vec[0])))
    return yaw, roll


def face_luma(image: np.ndarray, det: Detection) -> np.ndarray:
    rgb = as_rgb(image)
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = det.box
    x0, y0 = max(int(x0), 0), max(int(y0), 0)
    x1, y1 = min(int(x1), w), min(int(y1), h)
    crop = rgb[y0:y1, x0:x1].astype(np.float32)
    if crop.size == 0:
        return np.zeros((1, 1), np.float32)
    return crop @ np.array([0.299, 0.587, 0.114], np.float32)


def side_balance(luma: np.ndarray) -> float:
    """Mean luminance of the darker half of the face over the brighter half (1 = even)."""
    h, w = luma.shape
    inner = luma[h // 5: h * 4 // 5]
    a, b = inner[:, w // 8: w // 2], inner[:, w // 2: w * 7 // 8]
    if a.size == 0 or b.size == 0:
        return 1.0
    lo, hi = sorted((float(a.mean()), float(b.mean())))
    return lo / hi if hi > 0 else 1.0


def sharpness(luma: np.ndarray) -> float:
    import cv2

    if luma.shape[1] < 8 or luma.shape[0] < 8:
        return 0.0
    scale = 128.0 / luma.shape[1]
    small = cv2.resize(luma, (128, max(int(luma.shape[0] * scale), 8)),
                       interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(small, cv2.CV_32F).var())


DEFAULT_GATES = Gates()


def assess(image: np.ndarray, detections: list[Detection],
           gates: Gates = DEFAULT_GATES) -> QualityReport:
    """Quality of one frame given its detections (best first)."""
    if not detections:
        return QualityReport(0.0, False, Guidance.NO_FACE, {"faces": 0})
    face = detections[0]
    others = [d for d in detections[1:] if d.width >= gates.second_face_frac * face.width]
    details: dict = {"faces": len(detections), "score": round(face.score, 3)}
    if others:
        return QualityReport(0.1, False, Guidance.ONE_PERSON, details)
    h, w = image.shape[:2]
    frac = face.width / w
    details.update(face_px=round(face.width, 1), face_frac=round(frac, 3))
    if face.width < gates.min_face_px or frac < gates.min_face_frac:
        return QualityReport(0.2, False, Guidance.COME_CLOSER, details)
    if frac > gates.max_face_frac:
        return QualityReport(0.3, False, Guidance.MOVE_BACK, details)
    cx, cy = face.centre
    off = max(abs(cx - w / 2) / w, abs(cy - h / 2) / h)
    details["offcentre"] = round(off, 3)
    if off > gates.max_offcentre:
        return QualityReport(0.4, False, Guidance.CENTRE_FACE, details)
    yaw, roll = keypoint_pose(face)
    details.update(yaw=round(yaw, 1), roll=round(roll, 1))
    if abs(yaw) > gates.max_yaw_deg or abs(roll) > gates.max_roll_deg:
        return QualityReport(0.5, False, Guidance.LOOK_AT_CAMERA, details)
    luma = face_luma(image, face)
    mean, clipped = float(luma.mean()), float((luma >= 250).mean())
    details.update(luma=round(mean, 1), clipped=round(clipped, 3))
    if mean < gates.dark_mean:
        return QualityReport(0.5, False, Guidance.MORE_LIGHT, details)
    if mean > gates.bright_mean or clipped > gates.max_clipped:
        return QualityReport(0.5, False, Guidance.LESS_LIGHT, details)
    balance = side_balance(luma)
    details["side_balance"] = round(balance, 2)
    if balance < gates.min_side_balance:
        return QualityReport(0.55, False, Guidance.FACE_THE_LIGHT, details)
    sharp = sharpness(luma)
    details["sharpness"] = round(sharp, 1)
    if sharp < gates.min_sharpness:
        return QualityReport(0.6, False, Guidance.HOLD_STILL, details)
    score = 0.7 + 0.3 * min(1.0, sharp / (4 * gates.min_sharpness)) * (1 - abs(yaw) / 90)
    return QualityReport(round(score, 3), True, Guidance.OK, details)
