"""Driving the kiosk screen as a person would: injected touches, then what it shows."""

from __future__ import annotations

import time
from pathlib import Path

import pygame


class FakeClock:
    """The app's inactivity clock, moved by the test (nothing here waits for it)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Journey:
    def __init__(self, app, clock: FakeClock, shots: Path):
        self.app, self.clock, self.shots = app, clock, shots
        self.seen: list[str] = []
        app.tick()

    @property
    def view(self):
        return self.app.view

    def tick(self) -> None:
        self.app.tick()
        if not self.seen or self.seen[-1] != self.view.screen:
            self.seen.append(self.view.screen)
            self.shot(f"{len(self.seen):02d}_{self.view.screen}")  # every journey step

    def tap(self, target_id: str) -> None:
        """A finger on the button's centre: the events a touch screen sends."""
        target = self.app.canvas.target(target_id)
        assert target is not None, (f"no {target_id!r} on {self.view.screen}: "
                                    f"{[t.id for t in self.app.canvas.targets]}")
        pos = target.rect.center
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))
        self.tick()

    def touch(self, target_id: str) -> None:
        """A finger on a touch screen: FINGERDOWN/FINGERUP in normalised coordinates, plus
        the mouse events SDL copies from them (which the app must not take twice)."""
        target = self.app.canvas.target(target_id)
        assert target is not None, target_id
        w, h = self.app.surface.get_size()
        x, y = target.rect.center
        for kind in (pygame.FINGERDOWN, pygame.FINGERUP):
            pygame.event.post(pygame.event.Event(kind, x=x / w, y=y / h, touch_id=1,
                                                 finger_id=0, dx=0, dy=0, pressure=1.0))
        for kind in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            pygame.event.post(pygame.event.Event(kind, pos=(x, y), button=1, touch=True))
        self.tick()

    def type_nik(self, nik: str) -> None:
        for digit in nik:
            self.tap(f"key:{digit}")

    def wait_for(self, screen: str, limit: float = 30.0) -> None:
        """Tick until the screen shows ``screen`` (a safety limit, not a timing)."""
        deadline = time.monotonic() + limit
        while self.view.screen != screen:
            assert time.monotonic() < deadline, (f"still on {self.view.screen} "
                                                 f"(seen {self.seen}); wanted {screen}")
            self.tick()
            time.sleep(0.01)
        self.tick()

    def shot(self, name: str) -> Path:
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        self.app.screenshot(path)
        return path

    def start(self, lang: str = "id") -> None:
        self.tap("start")
        assert self.view.screen == "language"
        self.tap(f"lang:{lang}")
        self.wait_for("nik")
