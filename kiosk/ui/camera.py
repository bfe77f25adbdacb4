"""The face rung on the screen: what the camera sees, the liveness challenge, the flash.

:class:`ScreenFeed` wraps the ``grab(t, prompt, screen_rgb)`` of a face source
(``runtime.capture.LiveFaces``): before each frame it tells the screen which
challenge to show and which colour to paint (the liveness check watches that
colour on the face), and after it hands the frame over as the preview. It runs
on the flow thread; the screen converts and draws the frame on its own.
"""

from __future__ import annotations

from collections.abc import Callable


class ScreenFeed:
    def __init__(self, grab: Callable, post: Callable[[str, dict], None], every: int = 2):
        self.grab, self.post, self.every = grab, post, every
        self._n = 0

    def __call__(self, t: float, prompt: str | None, colour):
        frame = self.grab(t, prompt, colour)
        if self._n % self.every == 0:
            self.post("face_frame", {"frame": frame, "prompt": prompt, "colour": colour})
        self._n += 1
        return frame


def on_screen(app, grab: Callable) -> ScreenFeed:
    """``grab`` whose frames, challenge and flash colour show on ``app``'s screen (posted
    through its driver, tagged with the current person's session)."""

    def post(kind, payload):
        app.driver.post(kind, app.driver.token, payload)

    return ScreenFeed(grab, post)


def to_surface(frame):
    """An RGB uint8 frame (height, width, 3) as a pygame Surface."""
    import numpy as np
    import pygame

    return pygame.surfarray.make_surface(np.ascontiguousarray(frame.swapaxes(0, 1)))
