"""Procedural faces with an identity: seeded parameters (face shape, skin tone, eye
spacing and size, iris, brows, nose, mouth, hair, ears, beard) drawn with OpenCV on a
plain wall, no data files. ``face_params(identity)`` is the person; ``draw_identity`` is
one photo of them (``session`` varies what changes between photos: light, framing,
noise, a slight head tilt), to be animated by :class:`hw_sim.camera.faces.LiveActor`.

Whether the kiosk's face embedding tells these people apart is measured, not assumed:
``bench/face_identities.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Skin tones (RGB) from light to dark, hair colours: Indonesian villagers mostly.
SKIN = ((224, 180, 150), (205, 160, 125), (190, 140, 105), (165, 115, 85), (140, 95, 65),
        (115, 78, 55))
HAIR = ((25, 20, 18), (40, 30, 25), (60, 45, 35), (120, 115, 110), (200, 200, 200))
IRIS = ((60, 40, 25), (45, 30, 20), (80, 55, 35), (35, 25, 20))


@dataclass(frozen=True)
class FaceParams:
    face_w: float  # half-width of the face ellipse (px at scale 1)
    face_h: float
    jaw: float  # 0 round .. 1 square chin
    skin: tuple[float, float, float]
    eye_dx: float  # half the distance between the eyes
    eye_y: float  # eyes' height from the face centre (negative: above)
    eye_w: float
    eye_h: float
    eye_tilt: float  # degrees
    iris: tuple[float, float, float]
    brow_dy: float  # brow above the eye
    brow_w: float
    brow_t: float  # thickness
    brow_angle: float
    nose_len: float
    nose_w: float
    mouth_y: float
    mouth_w: float
    lip_t: float
    lip_colour: tuple[float, float, float]
    hair: tuple[float, float, float]
    hairline: float  # how low the hair comes over the forehead
    hair_volume: float
    ears: float  # ear size (0: hidden by hair)
    beard: float  # 0 none .. 1 full moustache and chin shadow
    cheeks: float  # cheekbone shading
    asym: float  # left-right asymmetry of the features (px)
    texture: int  # seed of the skin's own low-frequency shading


def face_params(identity: int) -> FaceParams:
    rng = np.random.default_rng(np.random.SeedSequence([0xFACE, identity]))

    def u(lo: float, hi: float) -> float:
        return float(rng.uniform(lo, hi))

    skin = np.array(SKIN[int(rng.integers(len(SKIN)))], float) * u(0.93, 1.07)
    hair = HAIR[int(rng.integers(len(HAIR)))]
    lips = skin * np.array([0.85, 0.55, 0.55]) * u(0.85, 1.05)
    return FaceParams(
        face_w=u(40, 60), face_h=u(56, 76), jaw=u(0, 1), skin=tuple(np.clip(skin, 0, 255)),
        eye_dx=u(14, 26), eye_y=u(-18, -4), eye_w=u(7, 14), eye_h=u(3, 7),
        eye_tilt=u(-10, 10), iris=IRIS[int(rng.integers(len(IRIS)))],
        brow_dy=u(8, 18), brow_w=u(9, 17), brow_t=u(1.5, 5.5), brow_angle=u(-15, 15),
        nose_len=u(12, 28), nose_w=u(4, 11), mouth_y=u(24, 42), mouth_w=u(10, 22),
        lip_t=u(2.5, 8), lip_colour=tuple(np.clip(lips, 0, 255)), hair=hair,
        hairline=u(0.5, 1.4), hair_volume=u(0.85, 1.3), ears=u(0, 1),
        beard=u(0, 1) if rng.random() < 0.3 else 0.0,
        cheeks=u(0, 1), asym=u(-3, 3), texture=int(rng.integers(2**31)))


def draw_identity(identity: int | FaceParams, width: int = 320, height: int = 240,
                  scale: float = 1.3, session: int = 0) -> np.ndarray:
    """One RGB photo of ``identity``; ``session`` varies light, framing, tilt and noise."""
    import cv2

    p = identity if isinstance(identity, FaceParams) else face_params(identity)
    rng = np.random.default_rng(np.random.SeedSequence([0xFACF, session]))
    s = scale * float(rng.uniform(0.95, 1.05))
    cx = width / 2 + float(rng.uniform(-8, 8))
    cy = height / 2 + 5 * s + float(rng.uniform(-6, 6))
    wall = np.array((150, 160, 170), np.float32) * float(rng.uniform(0.85, 1.1))
    img = np.empty((height, width, 3), np.float32)
    img[:] = wall
    img += cv2.GaussianBlur(rng.normal(0, 6, (height, width)).astype(np.float32), (0, 0), 3)[
        :, :, None]
    skin = np.array(p.skin, np.float32)

    def pt(x: float, y: float) -> tuple[int, int]:
        return round(cx + x * s), round(cy + y * s)

    def col(c) -> tuple[float, ...]:
        return tuple(float(v) for v in c)

    fw, fh = p.face_w * s, p.face_h * s
    # neck, hair mass behind the head, ears
    cv2.rectangle(img, pt(-0.45 * p.face_w, 0.6 * p.face_h), (int(cx + 0.45 * fw), height),
                  col(skin * 0.8), -1)
    cv2.ellipse(img, pt(0, -12), (int(fw * 1.12 * p.hair_volume), int(fh * 1.05)), 0, 0, 360,
                col(p.hair), -1)
    if p.ears > 0.3:
        for side in (-1, 1):
            cv2.ellipse(img, pt(side * p.face_w, -2), (int(6 * s * p.ears + 2 * s),
                                                      int(12 * s * p.ears + 4 * s)),
                        0, 0, 360, col(skin * 0.88), -1)
    # the face: an ellipse, squared towards the chin by ``jaw``, shaded towards its rim
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    nx, ny = (xs - cx) / fw, (ys - cy) / fh
    power = 2.0 + 1.6 * p.jaw * (ny > 0.2)
    r = (np.abs(nx) ** power + np.abs(ny) ** 2) ** (1 / 2)
    face = r < 1.0
    shade = 1.0 - 0.35 * np.clip(r, 0, 1) ** 2
    # cheekbones: lighter above, hollow below; and the skin's own blotches
    for side in (-1, 1):
        d = ((nx - side * 0.55) / 0.3) ** 2 + ((ny - 0.05) / 0.2) ** 2
        shade = shade + 0.12 * p.cheeks * np.exp(-d) - 0.1 * p.cheeks * np.exp(
            -(((nx - side * 0.5) / 0.25) ** 2 + ((ny - 0.45) / 0.15) ** 2))
    tex = np.random.default_rng(p.texture).normal(0, 1, (9, 9)).astype(np.float32)
    tex = cv2.resize(tex, (int(2 * fw), int(2 * fh)), interpolation=cv2.INTER_CUBIC)
    field = np.zeros((height, width), np.float32)
    x0, y0 = int(cx - fw), int(cy - fh)
    xa, ya = max(0, x0), max(0, y0)
    xb, yb = min(width, x0 + tex.shape[1]), min(height, y0 + tex.shape[0])
    field[ya:yb, xa:xb] = tex[ya - y0:yb - y0, xa - x0:xb - x0]
    shade = (shade + 0.06 * field)[:, :, None]
    img = np.where(face[:, :, None], skin * shade, img)
    # hairline over the forehead
    cv2.ellipse(img, pt(0, -p.face_h * 0.78), (int(fw * 1.02), int(22 * s * p.hairline)), 0,
                180, 360, col(p.hair), -1)
    if p.beard > 0:
        shadow = skin * (1 - 0.35 * p.beard)
        cv2.ellipse(img, pt(0, p.mouth_y + 10), (int(p.mouth_w * 1.3 * s), int(10 * s)), 0, 0,
                    180, col(shadow), -1)
        cv2.ellipse(img, pt(0, p.mouth_y - 6), (int(p.mouth_w * 1.05 * s), int(3 * s)), 0, 0,
                    360, col(np.array(p.hair) * 0.8 + skin * 0.2), -1)
    for side in (-1, 1):
        ex, ey = side * p.eye_dx + p.asym * (side > 0), p.eye_y + p.asym * 0.5 * (side > 0)
        tilt = side * p.eye_tilt
        cv2.ellipse(img, pt(ex, ey - p.brow_dy), (int(p.brow_w * s), max(1, int(p.brow_t * s))),
                    side * p.brow_angle, 0, 360, col(np.array(p.hair) * 0.9 + 15), -1)  # brow
        cv2.ellipse(img, pt(ex, ey), (int(p.eye_w * s), max(2, int(p.eye_h * s))), tilt, 0,
                    360, (235, 230, 225), -1)  # sclera
        cv2.circle(img, pt(ex, ey), max(2, int(min(p.eye_h, 0.45 * p.eye_w) * s)),
                   col(p.iris), -1)  # iris
        cv2.circle(img, pt(ex, ey), max(1, int(1.8 * s)), (10, 10, 10), -1)  # pupil
        cv2.ellipse(img, pt(ex, ey), (int(p.eye_w * s), max(2, int(p.eye_h * s))), tilt, 180,
                    360, (90, 60, 50), max(1, int(1.2 * s)))  # upper lid line
    # nose: the ridge's shadow, the tip and nostrils
    top, tip = p.eye_y + 4, p.eye_y + 4 + p.nose_len
    cv2.line(img, pt(3, top), pt(4, tip - 2), col(skin * 0.78), max(1, int(2 * s)))
    cv2.ellipse(img, pt(0, tip), (int(p.nose_w * s), int(4 * s)), 0, 0, 180, col(skin * 0.85),
                max(1, int(1.5 * s)))
    for side in (-1, 1):
        cv2.circle(img, pt(side * p.nose_w * 0.6, tip + 1), max(1, int(2.3 * s)),
                   col(skin * 0.45), -1)
    # lips
    mouth_y = max(p.mouth_y, tip + 9)
    cv2.ellipse(img, pt(0, mouth_y), (int(p.mouth_w * s), max(2, int(p.lip_t * s))), 0, 0, 360,
                col(p.lip_colour), -1)
    cv2.line(img, pt(-p.mouth_w + 1, mouth_y), pt(p.mouth_w - 1, mouth_y),
             col(np.array(p.lip_colour) * 0.55), max(1, int(1.5 * s)))
    # the session: a slight head tilt, the light, the blur and the sensor noise
    angle = float(rng.uniform(-4, 4))
    m = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    img = cv2.warpAffine(img, m, (width, height), borderMode=cv2.BORDER_REFLECT)
    gain = float(rng.uniform(0.85, 1.15))
    slope = float(rng.uniform(-0.15, 0.15))  # light from one side
    img *= gain * (1 + slope * (xs - cx) / width)[:, :, None]
    img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.6, 1.1)))
    img += rng.normal(0, 2.0, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)
