"""A procedural face for tests (no data files): shaded skin, eyes with iris and lids, brows,
nose, lips and hair on a plain wall. Real enough for BlazeFace and FaceMesh."""

from __future__ import annotations

import numpy as np


def draw_face(width: int = 320, height: int = 240, cx: float | None = None,
              cy: float | None = None, scale: float = 1.0, seed: int = 0,
              turn: float = 0.0) -> np.ndarray:
    """``turn`` -1..1 draws the features shifted as in a three-quarter view (nose most)."""
    import cv2

    rng = np.random.default_rng(seed)
    img = np.full((height, width, 3), (150, 160, 170), np.float32)
    img += cv2.GaussianBlur(rng.normal(0, 6, (height, width)).astype(np.float32), (0, 0), 3)[
        :, :, None]
    cx = width / 2 if cx is None else cx
    cy = height / 2 + 5 * scale if cy is None else cy
    s = scale
    skin = np.array([200, 150, 120], np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    # neck and hair first, then the face ellipse with shading towards its rim
    cv2.rectangle(img, (int(cx - 22 * s), int(cy + 40 * s)), (int(cx + 22 * s), height),
                  tuple(float(v) for v in skin * 0.8), -1)
    cv2.ellipse(img, (int(cx), int(cy - 12 * s)), (int(58 * s), int(70 * s)), 0, 0, 360,
                (40, 30, 25), -1)
    r = np.sqrt(((xs - cx) / (50 * s)) ** 2 + ((ys - cy) / (64 * s)) ** 2)
    face = r < 1.0
    shade = (1.0 - 0.35 * r ** 2)[:, :, None]
    img = np.where(face[:, :, None], skin * shade, img)
    # hairline over the forehead
    cv2.ellipse(img, (int(cx), int(cy - 52 * s)), (int(52 * s), int(24 * s)), 0, 180, 360,
                (40, 30, 25), -1)
    fx = cx + 12 * turn * s  # eyes and brows follow the turn a little
    for side in (-1, 1):
        ex, ey = fx + side * 20 * s * (1 - 0.25 * abs(turn)), cy - 10 * s
        cv2.ellipse(img, (int(ex), int(ey - 12 * s)), (int(13 * s), int(3 * s)), 0, 0, 360,
                    (55, 40, 30), -1)  # brow
        cv2.ellipse(img, (int(ex), int(ey)), (int(11 * s), int(5 * s)), 0, 0, 360,
                    (235, 230, 225), -1)  # sclera
        cv2.circle(img, (int(ex), int(ey)), int(4.5 * s), (70, 45, 30), -1)  # iris
        cv2.circle(img, (int(ex), int(ey)), int(2 * s), (10, 10, 10), -1)  # pupil
        cv2.ellipse(img, (int(ex), int(ey)), (int(11 * s), int(5 * s)), 0, 180, 360,
                    (90, 60, 50), max(1, int(1.2 * s)))  # upper lid line
    # nose: a darker ridge shadow and nostrils
    nx = cx + 28 * turn * s  # the nose tip stands out furthest, so it moves most
    cv2.line(img, (int(nx + 3 * s), int(cy - 8 * s)), (int(nx + 5 * s), int(cy + 12 * s)),
             tuple(float(v) for v in skin * 0.78), max(1, int(2 * s)))
    for side in (-1, 1):
        cv2.circle(img, (int(nx + side * 6 * s), int(cy + 15 * s)), max(1, int(2.5 * s)),
                   (90, 55, 45), -1)
    # lips
    mx = cx + 18 * turn * s
    cv2.ellipse(img, (int(mx), int(cy + 32 * s)), (int(17 * s), int(6 * s)), 0, 0, 360,
                (160, 70, 70), -1)
    cv2.line(img, (int(mx - 16 * s), int(cy + 32 * s)), (int(mx + 16 * s), int(cy + 32 * s)),
             (90, 35, 40), max(1, int(1.5 * s)))
    img = cv2.GaussianBlur(img, (0, 0), 0.8)
    img += rng.normal(0, 2.0, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)
