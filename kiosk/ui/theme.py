"""Colours, sizes and the contrast rule of the kiosk screen. Pure.

Sizes are for the 800 x 480 Raspberry Pi display; larger screens scale them up
(never down: the accessibility minimums hold on every screen).
"""

from __future__ import annotations

from pathlib import Path

Colour = tuple[int, int, int]

BG: Colour = (12, 28, 48)  # deep navy: white text on it is ~16:1
PANEL: Colour = (24, 46, 74)
TEXT: Colour = (255, 255, 255)
DIM_TEXT: Colour = (214, 224, 236)
GREEN: Colour = (10, 92, 40)
RED: Colour = (150, 24, 24)
BLUE: Colour = (22, 66, 140)
GREY: Colour = (60, 66, 76)
ORANGE: Colour = (250, 176, 40)  # officer mode: black text on it
BLACK: Colour = (0, 0, 0)
ACCENT_GREEN: Colour = (64, 200, 100)
ACCENT_RED: Colour = (240, 80, 80)
ACCENT_BLUE: Colour = (90, 160, 255)
ACCENT_ORANGE: Colour = (250, 176, 40)

BASE_W, BASE_H = 800, 480
MIN_TEXT_PX = 28
MIN_TARGET_PX = 64
MIN_CONTRAST = 7.0

SIZE_BODY = 30
SIZE_TITLE = 40
SIZE_BIG = 56
SIZE_BUTTON = 32
BUTTON_H = 76
BAR_H = 84
MARGIN = 16


def font_path() -> str:
    """The font every kiosk draws with: the one pygame ships, so screens look the same
    on every machine (and its size in pixels is the size asked for)."""
    import pygame

    return str(Path(pygame.__file__).parent / "freesansbold.ttf")


def scale_of(width: int, height: int) -> float:
    return max(1.0, min(width / BASE_W, height / BASE_H))


def luminance(c: Colour) -> float:
    """WCAG relative luminance."""

    def lin(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(v) for v in c[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Colour, b: Colour) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(bg: Colour) -> Colour:
    """Black or white, whichever reads better on ``bg``."""
    return BLACK if contrast(BLACK, bg) > contrast(TEXT, bg) else TEXT
