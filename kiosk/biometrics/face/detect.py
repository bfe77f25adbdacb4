"""Face detection with BlazeFace (short range, 128 x 128), anchors and NMS done here.

The network predicts, for each of 896 fixed anchors, a score logit and 16 numbers:
box centre offset, box size and six keypoints (right eye, left eye, nose tip,
mouth, right ear, left ear; "right" is the person's right, the image's left), all
in units of the 128-pixel input. Frames are letterboxed to a square first so faces
keep their shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .models import DETECTOR, MultiOutputModel, model_path

INPUT = 128
# BlazeFace short-range SSD layout: a 16 x 16 grid with 2 anchors per cell (stride 8),
# then three stride-16 layers that share an 8 x 8 grid, 2 anchors each (6 per cell).
_LAYOUT = ((8, 2), (16, 6))


def anchors() -> np.ndarray:
    """(896, 2) anchor centres in 0..1 input coordinates (anchor size is fixed at 1)."""
    out = []
    for stride, per_cell in _LAYOUT:
        n = INPUT // stride
        ys, xs = np.mgrid[0:n, 0:n]
        centres = np.stack([(xs + 0.5) / n, (ys + 0.5) / n], axis=-1).reshape(-1, 1, 2)
        out.append(np.repeat(centres, per_cell, axis=1).reshape(-1, 2))
    return np.concatenate(out).astype(np.float32)


_ANCHORS = anchors()


@dataclass(frozen=True)
class Detection:
    """One face: box (x0, y0, x1, y1) and keypoints (6, 2) in frame pixels, score 0..1."""

    box: tuple[float, float, float, float]
    keypoints: np.ndarray
    score: float

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)


def decode(regressors: np.ndarray, logits: np.ndarray, min_score: float = 0.5):
    """Raw outputs -> (boxes (n,4) x0,y0,x1,y1, keypoints (n,6,2), scores (n,)) in 0..1 units."""
    reg = regressors.reshape(-1, 16) / INPUT
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.reshape(-1).astype(np.float64), -80, 80)))
    keep = scores >= min_score
    reg, scores, anc = reg[keep], scores[keep], _ANCHORS[keep]
    cx, cy = reg[:, 0] + anc[:, 0], reg[:, 1] + anc[:, 1]
    w, h = reg[:, 2], reg[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    kps = reg[:, 4:16].reshape(-1, 6, 2) + anc[:, None, :]
    return boxes, kps, scores


def iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
    return inter / np.maximum(area(box) + area(others) - inter, 1e-9)


def weighted_nms(boxes, kps, scores, threshold: float = 0.3):
    """Cluster overlapping candidates and average each cluster weighted by score.

    BlazeFace fires on many neighbouring anchors for one face; averaging them
    (rather than keeping the single best) steadies the box and keypoints from frame
    to frame, which the liveness checks depend on.
    """
    order = np.argsort(-scores)
    boxes, kps, scores = boxes[order], kps[order], scores[order]
    alive = np.ones(len(scores), bool)
    out = []
    for i in range(len(scores)):
        if not alive[i]:
            continue
        members = alive & (iou(boxes[i], boxes) >= threshold)
        members[i] = True
        alive &= ~members
        wts = scores[members][:, None]
        box = (boxes[members] * wts).sum(0) / wts.sum()
        kp = (kps[members] * wts[:, :, None]).sum(0) / wts.sum()
        out.append((box, kp, float(scores[i])))
    return out


def letterbox(rgb: np.ndarray, size: int = INPUT) -> tuple[np.ndarray, float, float, float]:
    """Pad to a square and resize: (image, scale, pad_x, pad_y) with frame = input*scale - pad."""
    import cv2

    h, w = rgb.shape[:2]
    side = max(h, w)
    pad_x, pad_y = (side - w) / 2, (side - h) / 2
    sq = cv2.copyMakeBorder(rgb, int(pad_y), side - h - int(pad_y), int(pad_x),
                            side - w - int(pad_x), cv2.BORDER_CONSTANT, value=(0, 0, 0))
    return (cv2.resize(sq, (size, size), interpolation=cv2.INTER_AREA), side / size,
            float(int(pad_x)), float(int(pad_y)))


def as_rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f"expected an HxW or HxWx3 image, got shape {image.shape}")


class FaceDetector:
    """``detect(rgb)`` -> faces, best first. One interpreter; not thread-safe."""

    def __init__(self, min_score: float = 0.6, num_threads: int = 1):
        self._model = MultiOutputModel(model_path(DETECTOR), num_threads=num_threads)
        self.min_score = min_score

    def detect(self, image: np.ndarray) -> list[Detection]:
        rgb = as_rgb(image)
        small, scale, px, py = letterbox(rgb)
        x = small.astype(np.float32)[None] / 127.5 - 1.0
        regressors, logits = self._model.run(x)
        boxes, kps, scores = decode(regressors, logits, self.min_score)
        out = []
        for box, kp, score in weighted_nms(boxes, kps, scores):
            b = box * INPUT * scale - np.array([px, py, px, py])
            k = kp * INPUT * scale - np.array([px, py])
            out.append(Detection(tuple(float(v) for v in b), k.astype(np.float32), score))
        return out
