"""Presentation attacks on the kiosk camera: a printed photo and a phone-screen replay.

Both follow the same ``frame(t, prompt, screen_rgb)`` protocol as
:class:`hw_sim.camera.faces.LiveActor`, so a liveness bench can swap them in.

* ``PrintAttack``: the still printed on paper (ink gamut, paper tint and fibre
  texture, a halftone for laser prints) held up by hand. All motion is one
  homography per frame, including the tilt the attacker does when asked to turn;
  the eyes and mouth never move. Matte paper reflects the kiosk's screen light.
* ``ScreenAttack``: a phone showing a face that answers prompts (the worst case: a
  live puppet or deepfake, so blinks and turns do happen, with real parallax inside
  the picture). The screen adds its pixel grid seen by the camera (moire), rolling
  refresh bands, a cooler and more saturated gamut and a glare spot; being
  self-lit, it barely reflects the kiosk's colour flash.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from firmware_bridge.camera.deps import import_cv2

from .faces import TURN_LEFT, TURN_RIGHT, FaceGeometry, LiveActor, colourise


def _homography(w: int, h: int, yaw_deg: float, shift: tuple[float, float], roll_deg: float,
                scale: float) -> np.ndarray:
    """A flat card about the frame centre: rotated about its vertical axis, rolled, moved."""
    th = np.radians(yaw_deg)
    f = 1.2 * w  # focal length in pixels of a typical webcam
    cx, cy = w / 2, h / 2
    corners = np.array([[-cx, -cy], [cx, -cy], [cx, cy], [-cx, cy]], np.float64) * scale
    out = []
    for x, y in corners:
        x3, z3 = x * np.cos(th), f + x * np.sin(th)
        u, v = f * x3 / z3, f * y / z3
        r = np.radians(roll_deg)
        u, v = u * np.cos(r) - v * np.sin(r), u * np.sin(r) + v * np.cos(r)
        out.append([u + cx + shift[0], v + cy + shift[1]])
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    return import_cv2().getPerspectiveTransform(src, np.array(out, np.float32))


class PrintAttack:
    """A printed photo of ``still`` held in front of the camera."""

    def __init__(self, still: np.ndarray, seed: int = 0, flash_gain: float = 0.22,
                 noise: float = 2.0, halftone: bool | None = None):
        self.cv2 = import_cv2()
        self.rng = np.random.default_rng(seed)
        img = colourise(still).astype(np.float32)
        h, w = img.shape[:2]
        # Ink cannot reach paper-white or true black, and colours come out duller.
        grey = img.mean(2, keepdims=True)
        img = grey + 0.8 * (img - grey)
        img = 18 + img * 0.82 * np.array([1.0, 0.99, 0.94], np.float32)
        fibre = self.cv2.GaussianBlur(self.rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0),
                                      1.2)
        img += 6 * fibre[:, :, None]
        if halftone if halftone is not None else self.rng.random() < 0.3:
            period = float(self.rng.uniform(2.5, 4.0))
            ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
            dots = 0.5 + 0.5 * np.cos(2 * np.pi * xs / period) * np.cos(2 * np.pi * ys / period)
            img *= (0.88 + 0.12 * dots)[:, :, None]
        self.print = img
        self.noise = noise
        self.flash_gain = flash_gain
        self.tilt = float(self.rng.uniform(18, 30))
        self.phase = self.rng.uniform(0, 2 * np.pi, 3)
        self.background = self.cv2.GaussianBlur(
            self.rng.uniform(60, 140, (h, w)).astype(np.float32), (0, 0), 9)[:, :, None] * np.ones(
                3, np.float32)
        self._prompt = None
        self._since = 0.0

    def frame(self, t: float, prompt: str | None = None,
              screen_rgb: Sequence[float] = (0, 0, 0)) -> np.ndarray:
        h, w = self.print.shape[:2]
        if prompt != self._prompt:
            self._prompt, self._since = prompt, t
        yaw = 0.0
        if prompt in (TURN_LEFT, TURN_RIGHT):
            dt = t - self._since - 0.4
            yaw = self.tilt * float(np.clip(dt / 0.6, 0, 1)) * (1 if prompt == TURN_LEFT else -1)
        shake = (2.5 * np.sin(2 * np.pi * 0.7 * t + self.phase[0]),
                 2.0 * np.sin(2 * np.pi * 0.5 * t + self.phase[1]))
        roll = 1.5 * np.sin(2 * np.pi * 0.4 * t + self.phase[2])
        hm = _homography(w, h, yaw, shake, roll, 0.98)
        card = self.cv2.warpPerspective(self.print, hm, (w, h), flags=self.cv2.INTER_LINEAR,
                                        borderValue=(0, 0, 0))
        inside = self.cv2.warpPerspective(np.ones((h, w), np.float32), hm, (w, h))[:, :, None]
        flash = np.asarray(screen_rgb, np.float32) / 255.0
        card = card * (1 + self.flash_gain * (flash * 1.6 - flash.mean() * 0.6))
        img = card * inside + self.background * (1 - inside)
        img += self.rng.normal(0, self.noise, img.shape).astype(np.float32)
        return np.clip(img, 0, 255).astype(np.uint8)


class ScreenAttack:
    """A phone screen replaying a face that answers the prompts (a live puppet)."""

    def __init__(self, still: np.ndarray, geo: FaceGeometry, seed: int = 0,
                 flash_gain: float = 0.03, noise: float = 2.0):
        self.cv2 = import_cv2()
        self.rng = np.random.default_rng(seed)
        # The person on the screen was filmed elsewhere: no kiosk flash on their skin.
        self.actor = LiveActor(still, geo, seed=seed + 1, flash_gain=0.0, noise=0.5)
        h, w = self.actor.base.shape[:2]
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        period = float(self.rng.uniform(2.2, 3.6))
        angle = float(self.rng.uniform(0, np.pi))
        depth = float(self.rng.uniform(0.1, 0.22))
        wave = np.cos(2 * np.pi * (xs * np.cos(angle) + ys * np.sin(angle)) / period)
        self.grid = (1 - depth * (0.5 + 0.5 * wave))[:, :, None]
        self.ys = ys
        self.band_depth = float(self.rng.uniform(0.03, 0.08))
        self.band_rate = float(self.rng.uniform(0.5, 3.0))
        gx, gy = self.rng.uniform(0.2, 0.8) * w, self.rng.uniform(0.1, 0.5) * h
        self.glare = (float(self.rng.uniform(25, 70))
                      * np.exp(-(((xs - gx) ** 2 + (ys - gy) ** 2) / (2 * (0.12 * w) ** 2))))
        self.flash_gain = flash_gain
        self.noise = noise
        self.phase = self.rng.uniform(0, 2 * np.pi, 2)

    def frame(self, t: float, prompt: str | None = None,
              screen_rgb: Sequence[float] = (0, 0, 0)) -> np.ndarray:
        img = self.actor.frame(t, prompt).astype(np.float32)
        h, w = img.shape[:2]
        grey = img.mean(2, keepdims=True)
        img = (grey + 1.2 * (img - grey)) * np.array([0.94, 1.0, 1.1], np.float32)  # gamut
        img *= self.grid
        bands = 1 - self.band_depth * (0.5 + 0.5 * np.cos(2 * np.pi * (self.ys / h * 3
                                                                       + t * self.band_rate)))
        img *= bands[:, :, None]
        img += self.glare[:, :, None]
        flash = np.asarray(screen_rgb, np.float32) / 255.0
        img = img * (1 + self.flash_gain * (flash * 1.6 - flash.mean() * 0.6))
        shake = (2.0 * np.sin(2 * np.pi * 0.6 * t + self.phase[0]),
                 1.5 * np.sin(2 * np.pi * 0.5 * t + self.phase[1]))
        hm = _homography(w, h, 0.0, shake, 0.0, 1.0)
        img = self.cv2.warpPerspective(img, hm, (w, h), borderMode=self.cv2.BORDER_REPLICATE)
        img += self.rng.normal(0, self.noise, img.shape).astype(np.float32)
        return np.clip(img, 0, 255).astype(np.uint8)
