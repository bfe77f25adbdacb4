"""Presentation-attack detection: randomised active challenges plus passive checks.

Pure parts (no models, no camera): :class:`LivenessSession`, the challenge state
machine (observations with timestamps in, prompts and screen colours out, a
verdict at the end), and the passive measures :func:`moire_score`,
:func:`planar_residual` and :func:`flash_slope`. :class:`LivenessAnalyser` turns
frames into observations with the face models; it is the only I/O-ish part.

What each check stops (see docs/face.md for the measured figures):

* blink / open mouth: a printed photo or a still on a screen (nothing moves);
* turn the head + planarity: anything flat moved or tilted to fake a turn (a
  photo, a cut-out mask held still): one homography explains all its motion;
* screen patterns (moire): phone and tablet replays, laser-printed halftones;
* colour flash: the screen paints random colours that real skin (and paper)
  reflects; a self-lit phone screen barely follows them.

Not stopped: a well-made 3-D mask (silicone) worn by a cooperating person, a
high-resolution screen far enough away for no moire that also syncs the flash,
and an accomplice lending their own live face (the 1:1 match stops that).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from .interface import Guidance


class Challenge(StrEnum):
    BLINK = "blink"
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"
    OPEN_MOUTH = "open_mouth"


_PROMPT = {Challenge.BLINK: Guidance.BLINK, Challenge.TURN_LEFT: Guidance.TURN_LEFT,
           Challenge.TURN_RIGHT: Guidance.TURN_RIGHT, Challenge.OPEN_MOUTH: Guidance.OPEN_MOUTH}

# Screen colours for the flash check (RGB 0..255); each is held for FLASH_HOLD seconds.
FLASH_PALETTE = ((255, 70, 70), (70, 255, 70), (70, 70, 255), (230, 230, 230))
FLASH_HOLD = 0.4


@dataclass(frozen=True)
class Observation:
    """What the analyser saw in one frame (None where it could not measure)."""

    t: float
    face: bool
    openness: float | None = None  # mean eyelid gap / eye width, ~0.2 open
    yaw: float | None = None  # degrees, > 0 turned to the person's left
    mouth: float | None = None  # inner-lip gap / mouth width
    moire: float | None = None
    face_rgb: tuple[float, float, float] | None = None
    screen_rgb: tuple[float, float, float] | None = None  # what the kiosk showed then
    parallax: float | None = None  # non-planar motion since the turn began, / face width


@dataclass(frozen=True)
class LivenessConfig:
    challenge_timeout: float = 5.0  # seconds per challenge
    settle: float = 0.5  # seconds of baseline before the first prompt
    max_face_gap: float = 1.0  # seconds without a face before the session fails
    blink_drop: float = 0.76  # openness below this share of baseline = closed
    blink_recover: float = 0.88
    turn_deg: float = 8.0  # measured yaw change (under-reads the true turn) in the asked way
    mouth_open: float = 0.12  # inner-lip ratio above the baseline
    min_parallax: float = 0.006  # below this the moving "face" was flat
    max_moire: float = 2.9
    min_flash_slope: float = 0.12
    # Colours the face must have been seen under before the flash check may judge it; a
    # quick person finishes the challenges first and is asked to keep looking meanwhile.
    min_flash_colours: int = 3


@dataclass(frozen=True)
class Verdict:
    live: bool
    reason: str  # "live" or what failed: challenge_timeout:<c>, face_lost, flat, ...
    scores: dict = field(default_factory=dict)


# The second challenge is drawn from here. Open-mouth is supported but not drawn by
# default: FaceMesh's lip points under-read openings in shadowed and bearded faces
# (docs/face.md), and a failed challenge turns a real person away.
DEFAULT_POOL = (Challenge.BLINK,)
# Asked instead of what a person could not do in an earlier session (``avoid``): drooping
# eyelids can hide a blink. The mouth is read less well, but as a second chance it only adds.
SPARE_POOL = (Challenge.OPEN_MOUTH,)
TURNS = (Challenge.TURN_LEFT, Challenge.TURN_RIGHT)
# Verdicts of a person who did not follow (slow, unsure, out of frame), not an attack's
# signature: the flows give them one more session.
RETRIED = ("challenge_timeout", "face_lost")


def missed_challenges(reason: str | None) -> tuple[str, ...]:
    """The challenge a verdict's reason says timed out: what the next session should avoid."""
    _, timed_out, challenge = (reason or "").partition("challenge_timeout:")
    return (challenge,) if timed_out and challenge else ()


def pick_challenges(rng: random.Random, pool=DEFAULT_POOL, avoid=()) -> list[Challenge]:
    """One head turn (needed for planarity) and one from ``pool``, in random order; none
    of ``avoid`` where another will do (the spare pool stands in for the pool)."""
    turns = [c for c in TURNS if c not in avoid] or list(TURNS)
    others = ([c for c in pool if c not in avoid] or [c for c in SPARE_POOL if c not in avoid]
              or list(pool))
    chosen = [rng.choice(turns), rng.choice(others)]
    rng.shuffle(chosen)
    return chosen


class LivenessSession:
    """The challenge sequence as a state machine. Feed observations in time order.

    ``prompt(t)`` says what to ask the person now and ``screen_colour(t)`` what the
    screen should show for the flash check; ``feed`` returns the verdict once
    decided (and every later call returns the same).
    """

    def __init__(self, seed: int | None = None, challenges: list[Challenge] | None = None,
                 config: LivenessConfig | None = None, avoid=()):
        rng = random.Random(seed)
        self.config = config or LivenessConfig()
        self.challenges = (list(challenges) if challenges
                           else pick_challenges(rng, avoid=[c for c in Challenge if c in avoid]))
        total = self.config.settle + self.config.challenge_timeout * len(self.challenges) + 1
        self._flash = _flash_sequence(rng, int(total / FLASH_HOLD) + 2)
        self._t0: float | None = None
        self._index = -1  # -1 = settling
        self._started = 0.0
        self._last_face: float | None = None
        self._base: dict[str, list[float]] = {"openness": [], "yaw": [], "mouth": []}
        self._closed = False
        self._peak_parallax = 0.0
        self._moire: list[float] = []
        self._flash_pairs: list[tuple[tuple, tuple]] = []
        self.verdict: Verdict | None = None

    # --- what the kiosk shows --------------------------------------------------------
    def prompt(self, t: float) -> Guidance | None:
        """The challenge to ask for now; LOOK_AT_CAMERA while settling, None once decided."""
        if self.verdict is not None:
            return None
        if self._index < 0 or self._index >= len(self.challenges):
            return Guidance.LOOK_AT_CAMERA  # settling, or finishing the flash check
        return _PROMPT[self.challenges[self._index]]

    def screen_colour(self, t: float) -> tuple[int, int, int]:
        t0 = self._t0 if self._t0 is not None else t
        k = min(int(max(t - t0, 0.0) / FLASH_HOLD), len(self._flash) - 1)
        return FLASH_PALETTE[self._flash[k]]

    @property
    def current(self) -> Challenge | None:
        return self.challenges[self._index] if 0 <= self._index < len(self.challenges) else None

    # --- the machine -------------------------------------------------------------------
    def feed(self, obs: Observation) -> Verdict | None:
        if self.verdict is not None:
            return self.verdict
        cfg = self.config
        if self._t0 is None:
            self._t0 = self._last_face = obs.t
        if obs.face:
            self._last_face = obs.t
            self._passive(obs)
        elif obs.t - self._last_face > cfg.max_face_gap:
            return self._end(False, "face_lost")
        if self._index < 0:
            if obs.face:
                for key in self._base:
                    value = getattr(obs, key)
                    if value is not None:
                        self._base[key].append(value)
            if obs.t - self._t0 >= cfg.settle and self._base["openness"]:
                self._next(obs.t)
            return None
        if self._index >= len(self.challenges):  # challenges done; the flash needs more
            return self._decide() if self._flash_seen(obs.t) else None
        if obs.t - self._started > cfg.challenge_timeout:
            return self._end(False, f"challenge_timeout:{self.current}")
        if obs.face and self._done(obs):
            self._next(obs.t)
            if self._index >= len(self.challenges) and self._flash_seen(obs.t):
                return self._decide()
        return None

    def _flash_seen(self, t: float) -> bool:
        """Enough screen colours seen to judge the flash, or no more time to wait for them."""
        colours = len({s for s, _ in self._flash_pairs})
        return (colours >= self.config.min_flash_colours
                or t - self._started > self.config.challenge_timeout)

    def _next(self, t: float) -> None:
        self._index += 1
        self._started = t
        self._closed = False

    def _baseline(self, key: str) -> float:
        return float(np.median(self._base[key])) if self._base[key] else 0.0

    def _done(self, obs: Observation) -> bool:
        cfg, c = self.config, self.current
        if c is Challenge.BLINK and obs.openness is not None:
            base = self._baseline("openness")
            if obs.openness < cfg.blink_drop * base:
                self._closed = True
            return self._closed and obs.openness > cfg.blink_recover * base
        if c in (Challenge.TURN_LEFT, Challenge.TURN_RIGHT) and obs.yaw is not None:
            if obs.parallax is not None:
                self._peak_parallax = max(self._peak_parallax, obs.parallax)
            turn = obs.yaw - self._baseline("yaw")
            return (turn if c is Challenge.TURN_LEFT else -turn) >= cfg.turn_deg
        if c is Challenge.OPEN_MOUTH and obs.mouth is not None:
            return obs.mouth - self._baseline("mouth") >= cfg.mouth_open
        return False

    def _passive(self, obs: Observation) -> None:
        if obs.moire is not None:
            self._moire.append(obs.moire)
        if obs.face_rgb is not None and obs.screen_rgb is not None:
            self._flash_pairs.append((obs.screen_rgb, obs.face_rgb))

    def _decide(self) -> Verdict:
        cfg = self.config
        moire = float(np.median(self._moire)) if self._moire else 0.0
        slope = flash_slope([s for s, _ in self._flash_pairs], [f for _, f in self._flash_pairs])
        scores = {"parallax": round(self._peak_parallax, 4), "moire": round(moire, 3),
                  "flash_slope": round(slope, 3),
                  "challenges": [str(c) for c in self.challenges]}
        if self._peak_parallax < cfg.min_parallax:
            return self._end(False, "flat", scores)
        if moire > cfg.max_moire:
            return self._end(False, "screen_pattern", scores)
        if slope < cfg.min_flash_slope:
            return self._end(False, "no_skin_reflection", scores)
        return self._end(True, "live", scores)

    def _end(self, live: bool, reason: str, scores: dict | None = None) -> Verdict:
        self.verdict = Verdict(live, reason, scores or {})
        return self.verdict


def _flash_sequence(rng: random.Random, n: int) -> list[int]:
    """Palette indices with no colour twice in a row, so every hold change is a flash."""
    seq = [rng.randrange(len(FLASH_PALETTE))]
    while len(seq) < n:
        seq.append((seq[-1] + rng.randrange(1, len(FLASH_PALETTE))) % len(FLASH_PALETTE))
    return seq


# --- passive measures (pure) --------------------------------------------------------------

def moire_score(luma: np.ndarray) -> float:
    """How peaked the fine-detail spectrum of a face patch is (log10 of peak / median).

    A screen's pixel grid or a printer's halftone, seen by a camera, puts narrow
    peaks at high spatial frequencies; skin, hair and glasses spread their energy.
    """
    import cv2

    patch = np.asarray(luma, np.float32)
    n = min(patch.shape[0], patch.shape[1], 96)
    n -= n % 2
    if n < 32:
        return 0.0
    y0, x0 = (patch.shape[0] - n) // 2, (patch.shape[1] - n) // 2
    p = patch[y0:y0 + n, x0:x0 + n]
    p = p - cv2.GaussianBlur(p, (0, 0), 2.0)
    p = p * np.outer(np.hanning(n), np.hanning(n))
    power = np.abs(np.fft.fftshift(np.fft.fft2(p))) ** 2
    fy, fx = np.mgrid[-n // 2:n // 2, -n // 2:n // 2] / n
    r = np.hypot(fx, fy)
    band = power[(r >= 0.2) & (r <= 0.5)]
    return float(np.log10(band.max() / (np.median(band) + 1e-9) + 1e-9))


def planar_residual(pts0: np.ndarray, pts1: np.ndarray, face_width: float) -> float:
    """RMS distance (share of face width) by which tracked points miss one homography.

    A flat thing (photo, screen) moves by a single homography however it is tilted;
    a head turning shows parallax (the nose moves more than the cheeks).
    """
    import cv2

    a, b = np.asarray(pts0, np.float32), np.asarray(pts1, np.float32)
    if len(a) < 12:
        return 0.0
    # Least median of squares: the plane that most points agree on, so a few lost tracks do
    # not bend it; a head's nose and cheeks still cannot all agree with one plane.
    h, _ = cv2.findHomography(a, b, cv2.LMEDS)
    if h is None:
        return 0.0
    proj = cv2.perspectiveTransform(a.reshape(-1, 1, 2), h).reshape(-1, 2)
    err = np.sort(np.linalg.norm(proj - b, axis=1))
    err = err[: max(int(len(err) * 0.9), 1)]  # the worst tracks are often just lost points
    return float(np.sqrt(np.mean(err ** 2)) / max(face_width, 1.0))


def flash_slope(screen_rgbs, face_rgbs, max_lag: int = 2) -> float:
    """How strongly the face's colour follows the screen's colour (0 = not at all).

    Log-chromaticity of the face (red/green, blue/green) against the screen colour's,
    both relative to their session means, fitted through the origin; the best of a
    0..max_lag frame delay (cameras deliver a frame or two late).
    """
    s = np.asarray(screen_rgbs, np.float64)
    f = np.asarray(face_rgbs, np.float64)
    if len(s) < 8:
        return 0.0
    sx = np.stack([s[:, 0] - s[:, 1], s[:, 2] - s[:, 1]], 1) / 255.0
    fl = np.log(np.clip(f, 1.0, None))
    fx = np.stack([fl[:, 0] - fl[:, 1], fl[:, 2] - fl[:, 1]], 1)
    best = 0.0
    for lag in range(max_lag + 1):
        x = sx[: len(sx) - lag] if lag else sx
        y = fx[lag:]
        x, y = x - x.mean(0), y - y.mean(0)
        den = float((x * x).sum())
        if den > 1e-9:
            best = max(best, float((x * y).sum()) / den)
    return best


class LivenessAnalyser:
    """Frames -> observations, with the face models (detector, FaceMesh, eyelids)."""

    def __init__(self, detector=None, mesh=None, eyes=None):
        from .detect import FaceDetector
        from .landmarks import EyeModel, FaceMesh

        self.detector = detector or FaceDetector()
        self.mesh = mesh or FaceMesh()
        self.eyes = eyes or EyeModel()
        self._prev = None
        self._pts0 = self._pts = None
        self._tracking_for: Challenge | None = None

    def observe(self, image: np.ndarray, t: float, screen_rgb=None,
                challenge: Challenge | None = None) -> Observation:
        import cv2

        from .detect import as_rgb
        from .landmarks import head_pose, mouth_aspect_ratio
        from .quality import face_luma

        rgb = as_rgb(image)
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        faces = self.detector.detect(rgb)
        if not faces:
            self._prev = grey
            self._pts0 = self._pts = None
            return Observation(t, False, screen_rgb=screen_rgb)
        det = faces[0]
        pts = self.mesh.landmarks(rgb, det).points
        openness = float(np.mean(self.eyes.openness(rgb, pts)))
        yaw = head_pose(pts)[0]
        luma = face_luma(rgb, det)
        x0, y0, x1, y1 = (int(v) for v in det.box)
        inner = rgb[max(y0, 0) + (y1 - y0) // 4: y1 - (y1 - y0) // 4,
                    max(x0, 0) + (x1 - x0) // 4: x1 - (x1 - x0) // 4]
        face_rgb = tuple(float(v) for v in inner.reshape(-1, 3).mean(0)) if inner.size else None
        # The colour flash changes brightness frame to frame; optical flow assumes it constant.
        face_mean = float(luma.mean()) if luma.size else 0.0
        if face_mean > 1:
            grey = np.clip(grey.astype(np.float32) * (128.0 / face_mean), 0, 255).astype(np.uint8)
        parallax = self._track(grey, det, challenge)
        self._prev = grey
        return Observation(t, True, openness, yaw, mouth_aspect_ratio(pts), moire_score(luma),
                           face_rgb, screen_rgb, parallax)

    def _track(self, grey, det, challenge) -> float | None:
        """Track corners from the first frame of a turn challenge; the planar residual so far.

        Each frame is matched straight to that first frame (seeded with the last positions)
        and checked back again, so tracking error neither accumulates nor survives as false
        parallax: only tracks that return within half a pixel count.
        """
        import cv2

        turning = challenge in (Challenge.TURN_LEFT, Challenge.TURN_RIGHT)
        if not turning:
            self._tracking_for = None
            return None
        if self._tracking_for != challenge or self._pts is None:
            mask = np.zeros_like(grey)
            x0, y0, x1, y1 = (int(v) for v in det.box)
            mask[max(y0, 0):y1, max(x0, 0):x1] = 255
            found = cv2.goodFeaturesToTrack(grey, 150, 0.01, 4, mask=mask)
            self._tracking_for = challenge
            self._grey0 = grey
            self._pts0 = self._pts = found.reshape(-1, 2) if found is not None else None
            return 0.0
        lk = dict(winSize=(21, 21), maxLevel=3,
                  criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01))
        guess = self._pts.reshape(-1, 1, 2).astype(np.float32).copy()
        nxt, st1, _ = cv2.calcOpticalFlowPyrLK(self._grey0, grey,
                                               self._pts0.reshape(-1, 1, 2).astype(np.float32),
                                               guess, flags=cv2.OPTFLOW_USE_INITIAL_FLOW,
                                               **lk)
        back, st2, _ = cv2.calcOpticalFlowPyrLK(grey, self._grey0, nxt, None, **lk)
        fb = np.linalg.norm(back.reshape(-1, 2) - self._pts0, axis=1)
        ok = (st1.ravel() == 1) & (st2.ravel() == 1) & (fb < 0.5)
        self._pts = np.where(ok[:, None], nxt.reshape(-1, 2), self._pts)
        return planar_residual(self._pts0[ok], self._pts[ok], det.width)


def drive(session: LivenessSession, analyser: LivenessAnalyser, grab, fps: float = 15.0,
          limit: float = 20.0) -> Verdict:
    """Run a session to its verdict. ``grab(t, prompt, screen_rgb)`` returns the camera
    frame at time t while the kiosk shows ``prompt`` and paints ``screen_rgb``."""
    t = 0.0
    while t <= limit:
        prompt, colour = session.prompt(t), session.screen_colour(t)
        image = grab(t, str(prompt) if prompt else None, colour)
        verdict = session.feed(analyser.observe(image, t, colour, session.current))
        if verdict is not None:
            return verdict
        t += 1.0 / fps
    return session._end(False, "timeout")
