"""Skin and capture conditions: what each one does to an impression.

A condition is a recipe of random draws (pressure, ridge thickness, contrast,
noise, damage). :func:`draw` turns it into concrete :class:`Capture`
parameters for one impression; :func:`damage` paints the skin marks (creases,
cuts, scars) that do not touch the glass and so print as white.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CONDITIONS: tuple[str, ...] = ("normal", "dry", "wet", "worn", "labourer", "partial")


# How often each condition turns up in a "mixed" set, roughly what a village
# office sees: mostly ordinary fingers, a fair share of farm and market hands.
MIXED_WEIGHTS: dict[str, float] = {
    "normal": 0.55,
    "dry": 0.12,
    "wet": 0.10,
    "worn": 0.08,
    "labourer": 0.08,
    "partial": 0.07,
}


def mixed_condition(finger_key: int, index: int, seed: int = 0) -> str:
    """Deterministic draw of a condition for impression ``index`` of a finger."""
    rng = np.random.default_rng(np.random.SeedSequence([0xC0D, seed, finger_key, index]))
    names = list(MIXED_WEIGHTS)
    p = np.array([MIXED_WEIGHTS[n] for n in names])
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def check(condition: str) -> str:
    if condition not in CONDITIONS:
        raise ValueError(
            f"unknown condition {condition!r}; valid conditions: {', '.join(CONDITIONS)}"
        )
    return condition


@dataclass(frozen=True)
class Capture:
    """Concrete rendering parameters of one impression."""

    pressure: float  # 0..1, scales the contact area
    offset: float  # how far the finger is off the sensor centre, px
    threshold: float  # ridge-field level of a ridge edge: > 0 thins, < 0 thickens
    softness: float  # width of the ridge edge in field units
    edge_noise: float  # ragged ridge edges: threshold jitter along the ridges
    contrast: float  # grey-level depth of a fully pressed ridge
    contrast_var: float  # relative patchiness of that depth over the print
    valley: float  # grey-level darkening of valleys inside the contact area
    background: float  # grey level of bare glass
    noise: float  # sensor noise, grey levels
    blur: float  # optical blur sigma, px
    pores: float  # share of ridge area showing as white pores/specks
    mottle: float  # 0..1, uneven ridge darkness
    breaks: float  # fraction of ridge length lost to dryness (0..1)
    blotches: float  # fraction of valleys filled by moisture (0..1)
    flatten: float  # 0..1, how much worn ridges lose their depth variation
    specks: int  # dirt on the glass
    creases: int
    cuts: int
    scars: int


def draw(condition: str, rng: np.random.Generator) -> Capture:
    """Random capture parameters for one impression under ``condition``.

    The "normal" ranges were calibrated against FVC2000 DB1 and FVC2002 DB2
    statistics with bench/fingerprint_realism.py (docs/fingerprint_generator.md).
    """
    u = rng.uniform
    # One latent "how good is this capture" draw drives the ordinary flaws
    # together, so a set spans crisp to poor captures as real sets do.
    q = rng.beta(2.0, 2.0)
    base = dict(
        pressure=u(0.5, 1.0),
        offset=abs(rng.normal(0, 32)),
        threshold=rng.normal(0.0, 0.15),
        softness=u(0.3, 0.6),
        edge_noise=0.15 + 0.3 * q + u(0, 0.1),
        contrast=u(90, 170) * (1.0 - 0.35 * q),
        contrast_var=0.15 + 0.3 * q,
        valley=u(5, 30),
        background=u(180, 230),
        noise=3.0 + 6.0 * q + u(0, 2),
        blur=u(0.6, 1.0) + 0.5 * q,
        pores=0.02 + 0.1 * q,
        mottle=0.15 + 0.35 * q,
        breaks=0.02 + 0.15 * q,
        blotches=0.0,
        flatten=0.0,
        specks=int(rng.poisson(2 + 4 * q)),
        creases=int(rng.poisson(0.5 + q)),
        cuts=0,
        scars=0,
    )
    if condition == "dry":
        base.update(
            pressure=u(0.35, 0.75),
            threshold=u(0.3, 0.55),
            contrast=u(70, 130),
            breaks=u(0.2, 0.4),
            pores=u(0.06, 0.14),
            valley=u(0, 8),
        )
    elif condition == "wet":
        base.update(
            pressure=u(0.65, 1.0),
            threshold=u(-0.55, -0.3),
            blur=u(1.0, 1.6),
            blotches=u(0.06, 0.18),
            contrast=u(130, 170),
            valley=u(12, 32),
            pores=u(0.0, 0.03),
        )
    elif condition == "worn":
        base.update(
            contrast=u(45, 80),
            softness=u(0.7, 1.0),
            noise=u(5, 10),
            flatten=u(0.4, 0.8),
            breaks=u(0.1, 0.25),
            creases=int(rng.integers(3, 9)),
        )
    elif condition == "labourer":
        base.update(
            breaks=u(0.05, 0.2),
            creases=int(rng.integers(2, 7)),
            cuts=int(rng.integers(1, 4)),
            scars=int(rng.integers(0, 3)),
        )
    elif condition == "partial":
        base.update(pressure=u(0.3, 0.55), offset=u(70, 115))
    return Capture(**base)


def damage(capture: Capture, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Float mask in 0..1 of skin that does not print (1 = white line or scar)."""
    h, w = size
    if capture.creases + capture.cuts + capture.scars == 0:
        return np.zeros(size, np.float32)
    shift = 3  # sub-pixel drawing: coordinates are scaled by 2**shift
    sc = 1 << shift
    img = np.zeros(size, np.uint8)

    def polyline(width: float, length: float, angle: float) -> None:
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        n = 6
        bend = rng.normal(0, 0.25)
        pts = []
        for k in range(n):
            t = (k / (n - 1) - 0.5) * length
            a = angle + bend * (k / (n - 1) - 0.5)
            pts.append((x0 + t * np.cos(a), y0 + t * np.sin(a)))
        arr = (np.array(pts) * sc).astype(np.int32)
        cv2.polylines(img, [arr], False, 255, max(1, round(width)), cv2.LINE_AA, shift)

    # Flexion creases run roughly across the finger.
    for _ in range(capture.creases):
        polyline(rng.uniform(1, 2.5), rng.uniform(60, 260), rng.normal(0, 0.5))
    for _ in range(capture.cuts):
        polyline(rng.uniform(2.5, 5), rng.uniform(30, 130), rng.uniform(0, np.pi))
    for _ in range(capture.scars):
        centre = (int(rng.uniform(0, w) * sc), int(rng.uniform(0, h) * sc))
        axes = (int(rng.uniform(6, 22) * sc), int(rng.uniform(3, 9) * sc))
        cv2.ellipse(img, centre, axes, rng.uniform(0, 180), 0, 360, 255, -1, cv2.LINE_AA, shift)
    return cv2.GaussianBlur(img, (0, 0), 0.8).astype(np.float32) / 255.0
