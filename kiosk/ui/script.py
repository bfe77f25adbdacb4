"""Scripted journeys: a person's touches injected into the running screen.

``kiosk demo --script NAME`` plays one headless (CI, screenshots, the benchmark);
each step is a pygame touch event on a button's centre, exactly what a touch
screen sends.
"""

from __future__ import annotations

import time
from pathlib import Path

import pygame

from . import demo_world

NIKS = {p.name.split()[0].lower(): p.nik for p in (*demo_world.PEOPLE, demo_world.FACE_PERSON)}

# name -> (the steps, the outcome it must end with)
BEGIN = [("start",), ("tap", "lang:id"), ("wait", "nik")]
JOURNEYS = {
    "verified": ([*BEGIN, ("nik", NIKS["ani"]), ("tap", "ok"), ("wait", "card"),
                  ("tap", "yes"), ("wait", "result")], "accepted"),
    "ineligible": ([*BEGIN, ("nik", NIKS["citra"]), ("tap", "ok"), ("wait", "result")],
                   "rejected"),
    "officer": ([*BEGIN, ("nik", NIKS["sri"]), ("tap", "ok"), ("wait", "card"), ("tap", "yes"),
                 ("wait", "officer_decide"), ("tap", "choice:approve"),
                 ("tap", "reason:worn_fingerprints"), ("wait", "result")], "accepted"),
    "face": ([*BEGIN, ("nik", NIKS["wati"]), ("tap", "ok"), ("wait", "card"), ("tap", "yes"),
              ("wait", "face"), ("wait", "result")], "accepted"),  # needs --face
}


class Player:
    """Taps buttons on a :class:`KioskApp` and waits for screens, saving screenshots."""

    def __init__(self, app, shots: Path | None = None, limit_s: float = 120.0):
        self.app, self.shots, self.limit_s = app, shots, limit_s
        self.count = 0
        app.tick()

    def tap(self, target_id: str) -> None:
        target = self.app.canvas.target(target_id)
        if target is None:
            raise RuntimeError(f"no button {target_id!r} on the {self.app.view.screen} screen")
        for kind in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            pygame.event.post(pygame.event.Event(kind, pos=target.rect.center, button=1))
        self.app.tick()

    def wait(self, screen: str) -> None:
        deadline = time.monotonic() + self.limit_s
        while self.app.view.screen != screen:
            if time.monotonic() > deadline or self.app.view.screen == "result":
                res = self.app.view.result
                why = f" ({res.outcome}: {res.reason})" if res is not None else ""
                raise RuntimeError(f"the screen stayed on {self.app.view.screen}{why}, "
                                   f"never showed {screen}")
            self.app.tick()
            time.sleep(1 / 60)
        self.app.tick()

    def shot(self) -> None:
        if self.shots is not None:
            self.shots.mkdir(parents=True, exist_ok=True)
            self.count += 1
            self.app.screenshot(self.shots / f"{self.count:02d}_{self.app.view.screen}.png")

    def play(self, steps) -> None:
        for step in steps:
            if step[0] == "start":
                self.tap("start")
            elif step[0] == "tap":
                self.tap(step[1])
            elif step[0] == "nik":
                for digit in step[1]:
                    self.tap(f"key:{digit}")
            elif step[0] == "wait":
                self.wait(step[1])
            self.shot()
