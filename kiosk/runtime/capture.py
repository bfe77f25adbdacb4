"""Where fingerprint images come from: an R30x sensor, or the simulator with synthetic fingers.

A finger source answers ``capture(purpose, finger, attempt)`` with a 288x256
uint8 image, or raises :class:`NoCapture` (nobody put a finger down in time, or
the sensor failed) with a reason code the flow records. A face source
(:class:`LiveFaces`) answers ``capture(purpose, attempt)`` with a ``FaceCaptured``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from firmware_bridge.errors import BridgeError
from firmware_bridge.r30x.errors import NoFinger, SensorError

log = logging.getLogger(__name__)


class NoCapture(Exception):
    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason  # no_finger, sensor_error


class SensorFingers:
    """Captures from an open :class:`R30xSensor` (real, or the simulator's port)."""

    def __init__(self, sensor, wait: float = 10.0, lift_wait: float = 5.0):
        self.sensor = sensor
        self.wait = wait
        self.lift_wait = lift_wait
        self._used = False  # after any capture, the next one waits for the finger to lift

    def finger_lifted(self) -> None:
        """Someone else knows the glass is clear (the simulator): skip the lift wait."""
        self._used = False

    def _led(self, on: bool) -> None:
        from firmware_bridge.r30x.protocol import LedColour, LedMode

        # Only some modules have the ring; its absence is not a fault.
        with contextlib.suppress(SensorError):
            self.sensor.aura_led(LedMode.BREATHING if on else LedMode.OFF, LedColour.BLUE)

    def _wait_for_lift(self) -> None:
        """A finger left on the glass would give the same impression again."""
        import time

        deadline = time.monotonic() + self.lift_wait
        while time.monotonic() < deadline:
            try:
                self.sensor.gen_img()
            except NoFinger:
                return
            time.sleep(0.05)

    def capture(self, purpose: str, finger: int | None, attempt: int) -> np.ndarray:
        # Also between fingers and people: the last finger may still be on the glass.
        if self._used:
            self._wait_for_lift()
        self._led(True)
        try:
            self.sensor.wait_for_finger(self.wait)
            self._used = True
            return self.sensor.up_image()
        except NoFinger:
            raise NoCapture("no_finger", "no finger placed in time") from None
        except SensorError as exc:
            raise NoCapture("sensor_error", str(exc)) from None
        finally:
            self._led(False)


ImpressionFn = Callable[[int, int, str, int], np.ndarray]


def synthetic_impression(identity: int, finger: int, condition: str, index: int) -> np.ndarray:
    from hw_sim.fingerprints import impression  # the simulator extra, loaded on use

    return impression(identity, finger, index, condition).image


@dataclass
class Hand:
    """A synthetic person at the simulator: whose fingers, in what condition."""

    identity: int
    condition: str = "normal"
    conditions: dict | None = None  # per-finger condition overrides
    default_finger: int = 1  # what they put down when asked for "any finger"
    swap: dict | None = None  # asked for finger k, they put down swap[k] instead

    def condition_of(self, finger: int) -> str:
        return (self.conditions or {}).get(finger, self.condition)

    def presents(self, finger: int | None) -> int:
        f = self.default_finger if finger is None else finger
        return (self.swap or {}).get(f, f)


class SimulatedFingers:
    """Places synthetic fingers on an in-process :class:`SensorSimulator`, then captures
    through the real driver, so the whole serial path is exercised.

    ``hands`` maps a capture purpose (recipient, identify, enrol, officer) to the
    hand that responds; each capture is a fresh impression.
    """

    def __init__(self, simulator, sensor, hands: dict[str, Hand],
                 impressions: ImpressionFn | None = None, first_index: int = 10,
                 wait: float = 2.0):
        self.sim = simulator
        self.inner = SensorFingers(sensor, wait=wait, lift_wait=0.5)
        self.hands = hands
        self.impressions = impressions
        self.counter = first_index  # above the indices enrolment tests typically use

    def capture(self, purpose: str, finger: int | None, attempt: int) -> np.ndarray:
        hand = self.hands.get(purpose) or self.hands.get("recipient")
        if hand is None:
            raise NoCapture("no_finger", f"nobody at the sensor for {purpose}")
        f = hand.presents(finger)
        index, self.counter = self.counter, self.counter + 1
        condition = hand.condition_of(f)
        make = self.impressions or synthetic_impression
        image = make(hand.identity, f, condition, index)
        self.sim.place(lambda _n, image=image: image)
        try:
            self.inner.finger_lifted()  # the simulated finger was just placed afresh
            return self.inner.capture(purpose, finger, 1)
        finally:
            self.sim.lift()


class LiveFaces:
    """The face rung's captures: a liveness session, then a template of its best frame.

    ``grab(t, prompt, screen_rgb)`` returns the camera frame at ``t`` while the screen
    shows ``prompt`` and paints ``screen_rgb`` (the contract of the face modality's
    ``drive``); ``analyser`` is a ``LivenessAnalyser``, ``matcher`` a ``FaceMatcher``.
    Every ``every``-th frame of a live session is quality-checked and the best usable
    one is extracted. The best usable frame from another part of the session (a third
    of it away, else the farthest) must match it at ``same_person``: the face that did
    the challenges is the face that is matched, not one held up for a moment. A session
    where they differ counts as not live (``face_changed``). ``seed`` fixes the
    challenges (tests; attempt n uses seed + n - 1); by default each session draws fresh ones.
    """

    # Below the verify threshold on purpose: frames of one session differ in pose and
    # blink (simulated live people: 0.52-0.94), while two different people score under
    # 0.45 in 97% of Yale's impostor pairs; the matched frame still has to pass verify.
    SAME_PERSON = 0.45

    def __init__(self, grab: Callable, analyser, matcher, seed: int | None = None,
                 fps: float = 15.0, every: int = 5, same_person: float = SAME_PERSON):
        self.grab, self.analyser, self.matcher = grab, analyser, matcher
        self.seed, self.fps, self.every = seed, fps, every
        self.same_person = same_person
        self.last_same_person_score: float | None = None  # for benches and logs

    @classmethod
    def for_matcher(cls, grab: Callable, matcher, **kw) -> LiveFaces:
        """With the liveness analyser on the face matcher's own detector."""
        from ..biometrics.face.liveness import LivenessAnalyser

        return cls(grab, LivenessAnalyser(detector=matcher.detector), matcher, **kw)

    def capture(self, purpose: str, attempt: int, avoid: tuple[str, ...] = ()):
        import secrets

        from ..biometrics.face.interface import NoUsableFace
        from ..biometrics.face.liveness import LivenessSession, drive
        from ..flows.actions import FaceCaptured

        frames: list[np.ndarray] = []

        def grab(t, prompt, colour):
            frames.append(image := self.grab(t, prompt, colour))
            return image

        # a fixed seed still gives each attempt of a visit its own challenges
        seed = self.seed + attempt - 1 if self.seed is not None else secrets.randbits(32)
        try:
            verdict = drive(LivenessSession(seed=seed, avoid=avoid), self.analyser, grab,
                            fps=self.fps)
        except BridgeError as exc:  # the camera stopped answering: a device fault, not a face
            log.warning("face capture: %s", exc)
            return FaceCaptured(None, False, failure="camera_error")
        self.last_same_person_score = None
        if not verdict.live:
            return FaceCaptured(None, False, liveness_reason=verdict.reason)
        usable = []  # (frame index, quality)
        for i in range(0, len(frames), self.every):
            report = self.matcher.quality(frames[i])
            if report.usable:
                usable.append((i, report.score))
        if not usable:
            return FaceCaptured(None, True, failure="poor_quality")
        best, best_q = max(usable, key=lambda u: u[1])
        try:
            template = self.matcher.extract(frames[best])
            apart = [u for u in usable if abs(u[0] - best) >= len(frames) / 3]
            other = (max(apart, key=lambda u: u[1]) if apart
                     else max(usable, key=lambda u: abs(u[0] - best)))[0]
            if other != best:
                score = self.matcher.compare(template, self.matcher.extract(frames[other]))
                self.last_same_person_score = score
                if score < self.same_person:
                    return FaceCaptured(None, False, liveness_reason="face_changed",
                                        quality=best_q)
        except NoUsableFace as exc:
            return FaceCaptured(None, True, failure=exc.reason, quality=best_q)
        return FaceCaptured(template, True, quality=best_q)
