"""A simulated person in front of the kiosk camera, synthesised from one still photo.

``LiveActor`` answers the kiosk's prompts the way a cooperative person does: it
blinks (eyelids drawn down over the eyes), turns its head (a depth-map warp, so
the nose moves more than the cheeks and the background not at all: real
parallax), opens its mouth, sways a little, blinks on its own now and then, and
its skin reflects the colour the kiosk screen shows. Everything is seeded.

The still's geometry (eye and mouth centres, face box) is given by the caller, so
the simulator does not depend on the kiosk's detector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from firmware_bridge.camera.deps import import_cv2
from firmware_bridge.camera.errors import CameraEndOfStream

from .source import FrameSource

# Prompts the actor understands (the kiosk's face Guidance values).
BLINK, TURN_LEFT, TURN_RIGHT, OPEN_MOUTH = "blink", "turn_left", "turn_right", "open_mouth"

SKIN_TINT = np.array([1.0, 0.80, 0.66], np.float32)  # warm skin for greyscale stills


@dataclass(frozen=True)
class FaceGeometry:
    """Where the face is in the still: eyes (person's right, left), nose, mouth, box x0,y0,x1,y1."""

    right_eye: tuple[float, float]
    left_eye: tuple[float, float]
    nose: tuple[float, float]
    mouth: tuple[float, float]
    box: tuple[float, float, float, float]

    @classmethod
    def from_keypoints(cls, keypoints, box) -> FaceGeometry:
        """From BlazeFace-ordered keypoints (right eye, left eye, nose, mouth, ...) and a box."""
        k = [tuple(float(v) for v in p[:2]) for p in keypoints]
        return cls(k[0], k[1], k[2], k[3], tuple(float(v) for v in box))

    @property
    def eye_distance(self) -> float:
        return float(np.hypot(self.left_eye[0] - self.right_eye[0],
                              self.left_eye[1] - self.right_eye[1]))

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]


def colourise(still: np.ndarray) -> np.ndarray:
    """Greyscale (or grey RGB) stills get a skin tint so colour cues mean something."""
    img = still if still.ndim == 3 else np.repeat(still[:, :, None], 3, axis=2)
    if np.abs(img[:, :, 0].astype(int) - img[:, :, 2]).mean() < 2:
        img = np.clip(img.astype(np.float32) * SKIN_TINT, 0, 255).astype(np.uint8)
    return img


def face_mask(shape: tuple[int, int], geo: FaceGeometry, soft: float = 0.15) -> np.ndarray:
    """Soft elliptical mask of the head, 1 inside, 0 outside (float32)."""
    h, w = shape
    x0, y0, x1, y1 = geo.box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax, ay = 0.62 * (x1 - x0), 0.8 * (y1 - y0)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.sqrt(((xs - cx) / ax) ** 2 + ((ys - cy) / ay) ** 2)
    return np.clip((1.0 - r) / soft, 0, 1).astype(np.float32)


class LiveActor:
    """A live person made from a still. ``frame(t, prompt, screen_rgb)`` -> RGB uint8."""

    def __init__(self, still: np.ndarray, geo: FaceGeometry, seed: int = 0,
                 flash_gain: float = 0.22, noise: float = 2.0):
        self.cv2 = import_cv2()
        self.base = colourise(still).astype(np.float32)
        self.geo = geo
        self.rng = np.random.default_rng(seed)
        self.flash_gain = flash_gain
        self.noise = noise
        h, w = self.base.shape[:2]
        self.mask = face_mask((h, w), geo)
        self.depth = self._depth((h, w))
        self._grid = np.mgrid[0:h, 0:w].astype(np.float32)
        self.reaction = float(self.rng.uniform(0.25, 0.7))  # seconds from prompt to action
        self.turn_deg = float(self.rng.uniform(22, 32))
        self.mouth_open = float(self.rng.uniform(0.8, 1.0))
        self.next_blink = float(self.rng.uniform(2.0, 5.0))  # spontaneous blinks
        self.sway = self.rng.uniform(0, 2 * np.pi, 4)
        self._prompt: str | None = None
        self._since = 0.0

    def _depth(self, shape) -> np.ndarray:
        """Head depth in pixels: an ellipsoid plus a nose ridge (what makes turns non-planar)."""
        h, w = shape
        g = self.geo
        x0, y0, x1, y1 = g.box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        ax, ay = 0.6 * (x1 - x0), 0.78 * (y1 - y0)
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        e = 1 - ((xs - cx) / ax) ** 2 - ((ys - cy) / ay) ** 2
        z = 0.45 * ax * np.sqrt(np.clip(e, 0, None))
        s = 0.1 * g.width
        z += 0.25 * g.width * np.exp(-(((xs - g.nose[0]) / s) ** 2 + ((ys - g.nose[1]) / s) ** 2)
                                     / 2)
        return z.astype(np.float32)

    # --- what the person does over time -------------------------------------------------
    def _state(self, t: float, prompt: str | None) -> tuple[float, float, float]:
        """(eye closure 0..1, yaw degrees, mouth opening 0..1) at time t."""
        if prompt != self._prompt:
            self._prompt, self._since = prompt, t
        dt = t - self._since - self.reaction
        closure = yaw = mouth = 0.0
        if prompt == BLINK and dt >= 0:
            # Asked again and again, people blink again: one deliberate blink every 1.5 s.
            closure = _pulse((dt % 1.5) / 0.3) if dt % 1.5 < 0.6 else 0.0
        if prompt in (TURN_LEFT, TURN_RIGHT) and dt >= 0:
            ramp = min(dt / 0.6, 1.0) if dt < 1.6 else max(0.0, 1 - (dt - 1.6) / 0.6)
            yaw = self.turn_deg * ramp * (1 if prompt == TURN_LEFT else -1)
        if prompt == OPEN_MOUTH and dt >= 0:
            mouth = self.mouth_open * (min(dt / 0.4, 1.0) if dt < 1.4
                                       else max(0.0, 1 - (dt - 1.4) / 0.4))
        if self.next_blink <= t < self.next_blink + 0.3:
            closure = max(closure, _pulse((t - self.next_blink) / 0.15))
        elif t >= self.next_blink + 0.3:
            self.next_blink = t + float(self.rng.uniform(2.5, 6.0))
        return closure, yaw, mouth

    def frame(self, t: float, prompt: str | None = None,
              screen_rgb: Sequence[float] = (0, 0, 0)) -> np.ndarray:
        closure, yaw, mouth = self._state(t, prompt)
        img = self.base.copy()
        if mouth > 0.02:
            img = self._open_mouth(img, mouth)
        if closure > 0.02:
            img = self._close_eyes(img, closure)
        img = self._turn(img, yaw, t)
        img = self._lit(img, screen_rgb, self.flash_gain)
        img += self.rng.normal(0, self.noise, img.shape).astype(np.float32)
        return np.clip(img, 0, 255).astype(np.uint8)

    # --- rendering -----------------------------------------------------------------------
    def _lit(self, img: np.ndarray, screen_rgb, gain: float) -> np.ndarray:
        """Skin reflects the screen's light; the room behind is farther and barely does."""
        flash = np.asarray(screen_rgb, np.float32) / 255.0
        k = gain * (0.15 + 0.85 * self.mask)[:, :, None]
        return img * (1.0 + k * (flash[None, None, :] * 1.6 - flash.mean() * 0.6))

    def _close_eyes(self, img: np.ndarray, closure: float) -> np.ndarray:
        cv2 = self.cv2
        g = self.geo
        ew = 0.42 * g.eye_distance  # eye opening width
        eh = 0.22 * g.eye_distance  # how far the upper lid travels
        h, w = img.shape[:2]
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        for ex, ey in (g.right_eye, g.left_eye):
            # The lid is skin from just above the eye, pulled down over it.
            shift = closure * eh
            src_y = ys - shift
            lid = cv2.remap(img, xs, src_y.astype(np.float32), cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
            # Lid skin matches the cheek under the eye (above it there may be a dark brow).
            skin = img[int(ey + 1.3 * eh):int(ey + 2.0 * eh),
                       int(ex - ew / 3):int(ex + ew / 3)].reshape(-1, 3)
            tone = 0.92 * (np.median(skin, 0) if len(skin) else img[int(ey), int(ex)])
            inside = ((xs - ex) / (0.55 * ew)) ** 2 + ((ys - ey) / (0.9 * eh)) ** 2 < 1.0
            covered = inside & (ys < ey - 0.9 * eh + 2.0 * 0.9 * eh * closure)
            m = cv2.GaussianBlur(covered.astype(np.float32), (0, 0), 1.2)[:, :, None]
            # Mostly flat lid skin with a little of the shifted texture, darker towards the lashes.
            shade = 1.0 - 0.12 * np.clip((ys - (ey - eh)) / (2 * eh), 0, 1)[:, :, None]
            lidded = (0.2 * lid + 0.8 * tone[None, None, :]) * shade
            img = img * (1 - m) + lidded * m
            if closure > 0.7:  # the lash line where the lids meet
                lash = np.abs(ys - (ey + 0.15 * eh)) < 1.2
                lm = cv2.GaussianBlur((inside & lash).astype(np.float32), (0, 0), 0.8)
                img = img * (1 - 0.6 * lm[:, :, None])
        return img

    def _open_mouth(self, img: np.ndarray, amount: float) -> np.ndarray:
        """The jaw drops: the lower lip and chin move down, the upper lip a little up, and
        the dark mouth cavity opens between them."""
        cv2 = self.cv2
        g = self.geo
        mx, my = g.mouth
        mw = 0.9 * g.eye_distance
        drop = amount * 0.6 * mw
        ys, xs = self._grid[0], self._grid[1]
        side = np.exp(-((xs - mx) / (0.9 * mw)) ** 2)
        below = np.clip((ys - my) / 3.0 + 0.5, 0, 1)
        fade = np.clip(1 - (ys - my - 1.2 * mw) / (0.6 * mw), 0, 1)
        up_fade = np.clip(1 - (my - ys) / (0.5 * mw), 0, 1)
        dy = side * (0.75 * drop * below * fade - 0.25 * drop * (1 - below) * up_fade)
        out = cv2.remap(img, xs, (ys - dy).astype(np.float32), cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)
        cy = my + 0.25 * drop
        gap = ((xs - mx) / (0.38 * mw)) ** 2 + ((ys - cy) / max(0.45 * drop, 1)) ** 2
        gm = cv2.GaussianBlur((gap < 1.0).astype(np.float32), (0, 0), 1.0)[:, :, None]
        # A dark cavity, with the upper teeth showing as a paler band at its top.
        cavity = np.where((ys < cy - 0.2 * drop)[:, :, None], np.float32(150), np.float32(35))
        return out * (1 - gm) + cavity * np.array([1.0, 0.55, 0.55], np.float32) * gm

    def _turn(self, img: np.ndarray, yaw_deg: float, t: float) -> np.ndarray:
        """Yaw by the depth map (points nearer the camera move further) plus a little sway."""
        cv2 = self.cv2
        g = self.geo
        cx = (g.box[0] + g.box[2]) / 2
        th = np.radians(yaw_deg)
        ys, xs = self._grid[0], self._grid[1]
        sway_x = 1.5 * np.sin(2 * np.pi * 0.4 * t + self.sway[0])
        sway_y = 1.0 * np.sin(2 * np.pi * 0.3 * t + self.sway[1])
        dx = ((xs - cx) * (np.cos(th) - 1) + self.depth * np.sin(th)) * self.mask + sway_x
        dy = np.full_like(dx, sway_y)
        return cv2.remap(img, (xs - dx).astype(np.float32), (ys - dy).astype(np.float32),
                         cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _pulse(x: float) -> float:
    """0 -> 1 -> 0 over x in 0..2 (a blink's closing and opening)."""
    return float(np.clip(1.6 * (1 - abs(x - 1)), 0, 1))


def render(actor, prompts: Sequence[tuple[float, str | None]], seconds: float,
           fps: float = 15.0, screen=lambda t: (0, 0, 0)) -> list[tuple[float, np.ndarray]]:
    """(timestamp, frame) pairs for a fixed prompt schedule [(from_time, prompt), ...]."""
    out = []
    for i in range(int(seconds * fps)):
        t = i / fps
        prompt = None
        for start, p in prompts:
            if t >= start:
                prompt = p
        out.append((t, actor.frame(t, prompt, screen(t))))
    return out


class ActorSource(FrameSource):
    """A simulated person (or attack) as a camera frame source, for ``open_camera("sim", ...)``.

    Frame ``i`` shows the actor at ``t = i / fps``; ``prompt(t)`` and ``screen(t)`` say what
    the kiosk is asking and painting then (a UI simulator can pass its own).
    """

    def __init__(self, actor, fps: float = 15.0, prompt=lambda t: None,
                 screen=lambda t: (0, 0, 0), seconds: float | None = None):
        super().__init__(loop=seconds is None)
        self.actor, self.fps, self.prompt, self.screen = actor, fps, prompt, screen
        self.seconds = seconds
        self._index = 0
        h, w = actor.frame(0.0, None).shape[:2]
        self._size = (w, h)

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    def next_image(self) -> np.ndarray:
        t = self._index / self.fps
        if self.seconds is not None and t >= self.seconds:
            raise CameraEndOfStream("the simulated person has left the camera")
        self._index += 1
        return self.actor.frame(t, self.prompt(t), self.screen(t))

    def rewind(self) -> None:
        self._index = 0

    def describe(self) -> str:
        return f"simulated {type(self.actor).__name__}"
