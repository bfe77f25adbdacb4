"""Drawing primitives that remember what they drew.

Every text, touch target and pictogram goes through a :class:`Canvas`, which
keeps a record of it (size, colours, rectangle); the accessibility tests check
those records on every screen, and the app finds touch targets in them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pygame

from . import theme as T


@dataclass(frozen=True)
class DrawnText:
    text: str
    rect: pygame.Rect
    px: int
    fg: T.Colour
    bg: T.Colour


@dataclass(frozen=True)
class Target:
    id: str
    rect: pygame.Rect
    label: str


@dataclass
class Canvas:
    surface: pygame.Surface
    texts: list[DrawnText] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    pictograms: list[str] = field(default_factory=list)
    _fonts: dict = field(default_factory=dict)

    @property
    def w(self) -> int:
        return self.surface.get_width()

    @property
    def h(self) -> int:
        return self.surface.get_height()

    @property
    def k(self) -> float:
        return T.scale_of(self.w, self.h)

    def px(self, size: float) -> int:
        return round(size * self.k)

    def font(self, px: int) -> pygame.font.Font:
        if px not in self._fonts:
            self._fonts[px] = pygame.font.Font(T.font_path(), px)
        return self._fonts[px]

    # ---- shapes -----------------------------------------------------------------------------
    def fill(self, colour: T.Colour, rect: pygame.Rect | None = None, radius: int = 0) -> None:
        if rect is None:
            self.surface.fill(colour)
        else:
            pygame.draw.rect(self.surface, colour, rect, border_radius=radius)

    # ---- text -------------------------------------------------------------------------------
    def wrap(self, text: str, px: int, width: int) -> list[str]:
        font, lines = self.font(px), []
        for para in text.split("\n"):
            line = ""
            for word in para.split():
                trial = f"{line} {word}".strip()
                if font.size(trial)[0] <= width or not line:
                    line = trial
                else:
                    lines.append(line)
                    line = word
            lines.append(line)
        return lines

    def text(self, text: str, pos: tuple[int, int], size: float = T.SIZE_BODY,
             fg: T.Colour = T.TEXT, bg: T.Colour = T.BG, width: int | None = None,
             align: str = "left", max_lines: int | None = None) -> pygame.Rect:
        """Text at ``pos`` (top-left; top-centre when ``align`` is centre), wrapped to
        ``width``; returns the rectangle it took."""
        px = self.px(size)
        font = self.font(px)
        width = width or self.w - pos[0] - T.MARGIN
        lines = self.wrap(text, px, width)
        if max_lines and len(lines) > max_lines:
            last = " ".join(lines[max_lines - 1:])
            while last and font.size(last + "...")[0] > width:
                last = last[:-1]
            lines = [*lines[:max_lines - 1], last.rstrip() + "..."]
        x, y = pos
        out = pygame.Rect(x, y, 0, 0)
        step = round(font.get_linesize() * 1.05)
        for line in lines:
            img = font.render(line, True, fg, bg)
            r = img.get_rect()
            if align == "center":
                r.midtop = (x, y)
            else:
                r.topleft = (x, y)
            self.surface.blit(img, r)
            self.texts.append(DrawnText(line, r, px, fg, bg))
            out = r if out.size == (0, 0) else out.union(r)
            y += step
        return out

    def button(self, id: str, label: str, rect: pygame.Rect, colour: T.Colour = T.BLUE,
               size: float = T.SIZE_BUTTON, icon=None, top_pad: int = 0) -> pygame.Rect:
        """A touch target with a label (and an optional pictogram drawn left of it)."""
        self.fill(colour, rect, radius=self.px(12))
        fg = T.text_on(colour)
        if icon is not None:
            side = min(rect.h - self.px(16), self.px(56))
            box = pygame.Rect(0, 0, side, side)
            box.midleft = (rect.x + self.px(12), rect.centery)
            icon(self, box, fg)
            text_x = box.right + self.px(10)
            lines = self.wrap(label, self.px(size), rect.right - text_x - self.px(8))
            lh = self.font(self.px(size)).get_linesize()
            self.text(label, (text_x, rect.centery - len(lines) * lh // 2), size, fg, colour,
                      width=rect.right - text_x - self.px(8))
        else:
            lines = self.wrap(label, self.px(size), rect.w - self.px(16))
            lh = self.font(self.px(size)).get_linesize()
            mid = rect.centery + top_pad // 2
            self.text(label, (rect.centerx, mid - len(lines) * lh // 2), size, fg,
                      colour, width=rect.w - self.px(16), align="center")
        self.targets.append(Target(id, pygame.Rect(rect), label))
        return rect

    def target_at(self, pos: tuple[int, int]) -> Target | None:
        for t in reversed(self.targets):
            if t.rect.collidepoint(pos):
                return t
        return None

    def target(self, id: str) -> Target | None:
        return next((t for t in self.targets if t.id == id), None)

    # ---- pictograms -------------------------------------------------------------------------
    def pictogram(self, name: str, rect: pygame.Rect, colour: T.Colour = T.TEXT,
                  phase: float = 0.0) -> None:
        PICTOGRAMS[name](self, rect, colour, phase)
        self.pictograms.append(name)

    def hand(self, rect: pygame.Rect, finger: int, colour: T.Colour = T.TEXT) -> None:
        """Which finger, without words: the hand as its owner sees it (back of the hand,
        fingers up), the asked-for finger filled in blue. Fingers 0-4 are the right hand."""
        s = self.surface
        right = finger < 5
        k = finger % 5  # 0 thumb .. 4 little
        lw = max(3, rect.w // 40)
        palm = pygame.Rect(0, 0, rect.w * 0.64, rect.h * 0.4)
        palm.midbottom = (rect.centerx, rect.bottom)
        # index, middle, ring, little from the thumb side outwards; the thumb on the thumb side
        heights = (0.34, 0.4, 0.36, 0.26)
        fw = palm.w / 4
        boxes = []
        for i, frac in enumerate(heights):
            x = palm.x + i * fw if right else palm.right - (i + 1) * fw
            # a right hand seen from above has its thumb on the left
            boxes.append(pygame.Rect(x + fw * 0.08, palm.y - rect.h * frac + fw * 0.4,
                                     fw * 0.84, rect.h * frac))
        thumb = pygame.Rect(0, 0, fw * 0.95, rect.h * 0.28)
        if right:
            thumb.bottomright = (palm.x + fw * 0.3, palm.bottom - palm.h * 0.25)
        else:
            thumb.bottomleft = (palm.right - fw * 0.3, palm.bottom - palm.h * 0.25)
        shapes = [thumb, *boxes]
        for i, box in enumerate(shapes):
            fill = T.ACCENT_BLUE if i == k else T.BG
            pygame.draw.rect(s, fill, box, border_radius=int(fw * 0.42))
            pygame.draw.rect(s, colour, box, lw, border_radius=int(fw * 0.42))
        pygame.draw.rect(s, T.BG, palm, border_radius=int(fw * 0.5))
        pygame.draw.rect(s, colour, palm, lw, border_radius=int(fw * 0.5))
        self.pictograms.append(f"hand:{finger}")


# Pictograms: drawn, not loaded, so they scale and need no asset files. Each takes
# (canvas, rect, colour, phase) where phase in [0, 1) drives the animation.
def _finger(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    s = c.surface
    w = max(2, r.w // 30)
    # the sensor glass, and the finger coming down onto it as the phase runs
    glass = pygame.Rect(r.x + r.w // 8, r.bottom - r.h // 5, r.w * 3 // 4, r.h // 8)
    pygame.draw.rect(s, T.ACCENT_BLUE, glass, border_radius=w * 2)
    drop = int((1 - abs(math.sin(math.pi * phase))) * r.h // 6)
    tip = pygame.Rect(0, 0, r.w // 2, int(r.h * 0.62))
    tip.midbottom = (r.centerx, glass.top - drop)
    pygame.draw.rect(s, col, tip, w, border_radius=tip.w // 2)
    for i in range(1, 5):  # ridges
        arc = tip.inflate(-i * tip.w // 5, -i * tip.w // 5)
        arc.height = max(arc.height, 4)
        pygame.draw.arc(s, col, arc, math.pi * 0.1, math.pi * 0.9, w)


def _check(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    s = c.surface
    pygame.draw.circle(s, T.ACCENT_GREEN, r.center, min(r.w, r.h) // 2)
    pts = [(r.x + r.w * 0.25, r.y + r.h * 0.52), (r.x + r.w * 0.43, r.y + r.h * 0.70),
           (r.x + r.w * 0.76, r.y + r.h * 0.32)]
    pygame.draw.lines(s, T.BLACK, False, pts, max(4, r.w // 10))


def _cross(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    s = c.surface
    pygame.draw.circle(s, T.ACCENT_RED, r.center, min(r.w, r.h) // 2)
    a, b = r.w * 0.3, r.w * 0.7
    lw = max(4, r.w // 10)
    pygame.draw.line(s, T.BLACK, (r.x + a, r.y + a), (r.x + b, r.y + b), lw)
    pygame.draw.line(s, T.BLACK, (r.x + b, r.y + a), (r.x + a, r.y + b), lw)


def _person(c: Canvas, r: pygame.Rect, col, phase: float = 0.0, cap: bool = False) -> None:
    s = c.surface
    clip = s.get_clip()
    s.set_clip(r.clip(clip) if clip else r)  # the shoulders end at the box's bottom edge
    head = (r.centerx, r.y + r.h * 0.3)
    pygame.draw.circle(s, col, head, r.w * 0.17)
    body = pygame.Rect(0, 0, r.w * 0.7, r.h * 0.42)
    body.midbottom = (r.centerx, r.bottom)
    pygame.draw.ellipse(s, col, body.inflate(0, body.h).move(0, body.h // 2))
    s.set_clip(clip)
    if cap:
        brim = pygame.Rect(0, 0, r.w * 0.46, r.h * 0.1)
        brim.midbottom = (r.centerx, int(head[1] - r.w * 0.14))
        pygame.draw.rect(s, T.ACCENT_ORANGE if col != T.BLACK else T.BLACK, brim,
                         border_radius=4)


def _officer(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    _person(c, r, col, phase, cap=True)


def _refer(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    s = c.surface
    pygame.draw.circle(s, T.ACCENT_ORANGE, r.center, min(r.w, r.h) // 2)
    inner = r.inflate(-r.w // 3, -r.h // 3)
    _person(c, inner, T.BLACK, cap=False)
    pygame.draw.circle(s, T.ACCENT_ORANGE, r.center, min(r.w, r.h) // 2, max(3, r.w // 14))


def _face(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    s = c.surface
    lw = max(3, r.w // 25)
    pygame.draw.ellipse(s, col, r.inflate(-r.w // 5, -r.h // 12), lw)
    for dx in (-0.15, 0.15):
        pygame.draw.circle(s, col, (r.centerx + r.w * dx, r.y + r.h * 0.42), max(3, r.w // 18))
    smile = pygame.Rect(0, 0, r.w * 0.32, r.h * 0.2)
    smile.center = (r.centerx, r.y + r.h * 0.62)
    pygame.draw.arc(s, col, smile, math.pi * 1.1, math.pi * 1.9, lw)


def _touch(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    s = c.surface
    rad = int(min(r.w, r.h) * (0.25 + 0.2 * phase))
    pygame.draw.circle(s, T.ACCENT_BLUE, (r.centerx, r.y + r.h // 3), rad, max(3, r.w // 30))
    finger = pygame.Rect(0, 0, r.w // 5, r.h // 2)
    finger.midtop = (r.centerx, r.y + r.h // 3)
    pygame.draw.rect(s, col, finger, border_radius=finger.w // 2)
    palm = pygame.Rect(0, 0, r.w // 2, r.h // 3)
    palm.midtop = (r.centerx + r.w // 12, r.y + r.h * 3 // 5)
    pygame.draw.rect(s, col, palm, border_radius=palm.w // 4)


def _globe(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    s = c.surface
    lw = max(2, r.w // 16)
    rad = min(r.w, r.h) // 2 - lw
    pygame.draw.circle(s, col, r.center, rad, lw)
    pygame.draw.ellipse(s, col, pygame.Rect(0, 0, rad, rad * 2).move(
        r.centerx - rad // 2, r.centery - rad), lw)
    pygame.draw.line(s, col, (r.centerx - rad, r.centery), (r.centerx + rad, r.centery), lw)


def _keypad(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    cell = min(r.w, r.h) // 4
    for i in range(3):
        for j in range(4):
            pygame.draw.rect(c.surface, col, pygame.Rect(r.x + i * cell * 1.2 + cell // 3,
                                                         r.y + j * cell, cell * 0.9, cell * 0.8),
                             border_radius=3)


def _wait(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    rad = min(r.w, r.h) // 2
    for i in range(8):
        a = 2 * math.pi * (i / 8 + phase)
        shade = T.ACCENT_BLUE if i == 0 else col
        pygame.draw.circle(c.surface, shade, (r.centerx + rad * 0.7 * math.cos(a),
                                              r.centery + rad * 0.7 * math.sin(a)), rad // 7)


def _wrench(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    s = c.surface
    lw = max(4, r.w // 6)
    pygame.draw.line(s, col, (r.x + r.w * 0.25, r.bottom - r.h * 0.25),
                     (r.right - r.w * 0.3, r.y + r.h * 0.3), lw)
    pygame.draw.circle(s, col, (r.right - r.w * 0.3, r.y + r.h * 0.3), r.w // 4, lw // 2)


def _receipt(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    s = c.surface
    paper = r.inflate(-r.w // 3, -r.h // 8)
    pygame.draw.rect(s, col, paper, max(2, r.w // 20))
    for i in range(1, 4):
        y = paper.y + paper.h * i // 4
        pygame.draw.line(s, col, (paper.x + paper.w // 5, y), (paper.right - paper.w // 5, y),
                         max(2, r.w // 25))


def _back(c: Canvas, r: pygame.Rect, col, phase: float = 0.0) -> None:
    pts = [(r.x + r.w * 0.2, r.centery), (r.x + r.w * 0.6, r.y + r.h * 0.2),
           (r.x + r.w * 0.6, r.bottom - r.h * 0.2)]
    pygame.draw.polygon(c.surface, col, pts)


PICTOGRAMS = {"finger": _finger, "check": _check, "cross": _cross, "officer": _officer,
              "refer": _refer, "face": _face, "touch": _touch, "globe": _globe,
              "keypad": _keypad, "wait": _wait, "wrench": _wrench, "receipt": _receipt,
              "back": _back, "person": _person}


def icon(name: str):
    """A pictogram as a button icon (``Canvas.button(icon=...)``)."""

    def draw(c: Canvas, rect: pygame.Rect, colour) -> None:
        c.pictogram(name, rect, colour)

    return draw
