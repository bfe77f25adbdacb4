"""Liveness: the pure state machine and measures, then whole sessions on the simulated camera."""

import itertools

import numpy as np
import pytest
from synthface import draw_face

from kiosk.biometrics.face.interface import Guidance
from kiosk.biometrics.face.liveness import (
    FLASH_HOLD,
    Challenge,
    LivenessSession,
    Observation,
    flash_slope,
    moire_score,
    pick_challenges,
    planar_residual,
)

FPS = 15


def _obs(t, **kw):
    base = dict(face=True, openness=0.25, yaw=0.0, mouth=0.02, moire=2.0,
                face_rgb=(180.0, 140.0, 120.0), screen_rgb=(230, 230, 230), parallax=None)
    base.update(kw)
    return Observation(t, **base)


def _run(session, script):
    """script(t, challenge) -> Observation kwargs; returns the verdict."""
    t = 0.0
    while t < 30:
        colour = session.screen_colour(t)
        kw = script(t, session.current)
        # skin follows the screen colour
        gain = kw.pop("gain", 0.3)
        face = np.array([180.0, 140.0, 120.0]) * (1 + gain * (np.array(colour) / 255 * 1.6
                                                              - np.mean(colour) / 255 * 0.6))
        v = session.feed(_obs(t, face_rgb=tuple(face), screen_rgb=colour, **kw))
        if v is not None:
            return v
        t += 1 / FPS
    raise AssertionError("no verdict")


def _cooperative(started):
    def script(t, challenge):
        if challenge is None:
            return {}
        started.setdefault(challenge, t)
        dt = t - started[challenge]
        if challenge is Challenge.BLINK:
            return {"openness": 0.08 if 0.3 < dt < 0.5 else 0.25}
        if challenge in (Challenge.TURN_LEFT, Challenge.TURN_RIGHT):
            sign = 1 if challenge is Challenge.TURN_LEFT else -1
            yaw = min(dt * 30, 20)
            return {"yaw": sign * yaw, "parallax": 0.001 * yaw}
        return {"mouth": 0.4 if dt > 0.3 else 0.02}
    return script


def test_challenges_are_random_and_always_include_a_turn():
    import random

    seen = set()
    for seed in range(40):
        cs = pick_challenges(random.Random(seed))
        assert len(cs) == 2 and {Challenge.TURN_LEFT, Challenge.TURN_RIGHT} & set(cs)
        seen.add(tuple(cs))
    assert len(seen) == 4
    pool = (Challenge.BLINK, Challenge.OPEN_MOUTH)
    assert len({tuple(pick_challenges(random.Random(s), pool)) for s in range(60)}) == 8


def test_a_retry_avoids_the_challenge_the_person_could_not_do():
    import random

    for seed in range(30):
        cs = pick_challenges(random.Random(seed), avoid=[Challenge.BLINK])
        assert Challenge.BLINK not in cs and Challenge.OPEN_MOUTH in cs  # the spare
        cs = pick_challenges(random.Random(seed), avoid=[Challenge.TURN_LEFT])
        assert cs.count(Challenge.TURN_RIGHT) == 1 and Challenge.BLINK in cs
        # Without avoid, the draw is what it always was (seeded sessions stay the same).
        rng = random.Random(seed)
        before = [rng.choice([Challenge.TURN_LEFT, Challenge.TURN_RIGHT]), Challenge.BLINK]
        rng.choice([Challenge.BLINK])
        rng.shuffle(before)
        assert pick_challenges(random.Random(seed)) == before
    s = LivenessSession(seed=3, avoid=("blink", "not_a_challenge"))
    assert Challenge.BLINK not in s.challenges


@pytest.mark.parametrize("seed", range(40))
def test_quick_person_is_not_rejected_for_a_short_flash(seed):
    # Two fast challenges finish within ~3 flash holds; the session must keep watching
    # until the face has been seen under enough colours rather than call it a photo.
    s = LivenessSession(seed=seed, challenges=[Challenge.OPEN_MOUTH, Challenge.TURN_LEFT])
    v = _run(s, _cooperative({}))
    assert v.live, v
    assert len({c for c, _ in s._flash_pairs}) >= 3


def test_flash_never_shows_one_colour_twice_in_a_row():
    for seed in range(20):
        s = LivenessSession(seed=seed)
        s.feed(_obs(0.0))
        colours = [s.screen_colour(i * FLASH_HOLD) for i in range(28)]
        assert all(a != b for a, b in itertools.pairwise(colours))


def test_after_the_challenges_the_kiosk_asks_to_keep_looking():
    s = LivenessSession(seed=0, challenges=[Challenge.OPEN_MOUTH])
    s.feed(_obs(0.0))
    s.feed(_obs(0.6))  # settled: the challenge starts
    assert s.prompt(0.6) is Guidance.OPEN_MOUTH
    assert s.feed(_obs(0.7, mouth=0.5, screen_rgb=s.screen_colour(0.7))) is None
    assert s.prompt(0.7) is Guidance.LOOK_AT_CAMERA  # two colours so far: not enough


@pytest.mark.parametrize("seed", range(6))
def test_cooperative_person_passes(seed):
    s = LivenessSession(seed=seed)
    assert s.prompt(0.0) is Guidance.LOOK_AT_CAMERA
    v = _run(s, _cooperative({}))
    assert v.live, v
    assert s.prompt(99.0) is None


def test_wrong_direction_times_out():
    s = LivenessSession(seed=0, challenges=[Challenge.TURN_LEFT])
    v = _run(s, lambda t, c: {"yaw": -20.0 if c else 0.0, "parallax": 0.02})
    assert not v.live and v.reason == "challenge_timeout:turn_left"


def test_still_photo_cannot_blink():
    s = LivenessSession(seed=0, challenges=[Challenge.BLINK])
    v = _run(s, lambda t, c: {})
    assert not v.live and v.reason == "challenge_timeout:blink"


def test_face_lost():
    s = LivenessSession(seed=0, challenges=[Challenge.BLINK])
    v = _run(s, lambda t, c: {"face": t < 1.0})
    assert v.reason == "face_lost"


def test_flat_turn_is_rejected():
    s = LivenessSession(seed=0, challenges=[Challenge.TURN_RIGHT])
    v = _run(s, lambda t, c: {"yaw": -20.0, "parallax": 0.001} if c else {})
    assert not v.live and v.reason == "flat"


def test_screen_patterns_and_missing_reflection_are_rejected():
    s = LivenessSession(seed=0, challenges=[Challenge.TURN_LEFT])
    v = _run(s, lambda t, c: {"yaw": 20.0, "parallax": 0.02, "moire": 4.0} if c
             else {"moire": 4.0})
    assert v.reason == "screen_pattern"
    s = LivenessSession(seed=0, challenges=[Challenge.TURN_LEFT])
    v = _run(s, lambda t, c: {"yaw": 20.0, "parallax": 0.02, "gain": 0.02} if c
             else {"gain": 0.02})
    assert v.reason == "no_skin_reflection"


def test_planar_residual_separates_flat_from_parallax():
    import cv2

    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 100, (80, 2)).astype(np.float32)
    h = np.array([[0.9, 0.05, 3], [-0.02, 1.0, 1], [0.0008, 0.0, 1]], np.float32)
    flat = cv2.perspectiveTransform(pts.reshape(-1, 1, 2), h).reshape(-1, 2)
    assert planar_residual(pts, flat, 100) < 1e-3
    depth = np.exp(-((pts - 50) ** 2).sum(1) / 400)  # a nose in the middle
    relief = pts + np.stack([12 * depth, 0 * depth], 1)
    assert planar_residual(pts, relief, 100) > 0.01


def test_moire_score_sees_a_pixel_grid():
    rng = np.random.default_rng(1)
    import cv2

    skin = cv2.GaussianBlur(rng.normal(128, 20, (96, 96)).astype(np.float32), (0, 0), 1.5)
    ys, xs = np.mgrid[0:96, 0:96]
    grid = skin * (1 - 0.15 * (0.5 + 0.5 * np.cos(2 * np.pi * (xs * 0.8 + ys * 0.6) / 2.7)))
    assert moire_score(grid) > moire_score(skin) + 0.7


def test_flash_slope():
    rng = np.random.default_rng(2)
    screen = np.array([(255, 70, 70), (70, 255, 70), (70, 70, 255)])[rng.integers(0, 3, 60)]
    skin = np.array([180.0, 140, 120]) * (1 + 0.25 * (screen / 255 - 0.5))
    self_lit = np.array([180.0, 140, 120]) + rng.normal(0, 0.5, (60, 3))
    assert flash_slope(screen, skin) > 0.15
    assert flash_slope(screen, self_lit) < 0.05


# --- whole sessions through the models, on the simulated camera -------------------------

@pytest.fixture(scope="module")
def still(face_models, detector):
    from hw_sim.camera.faces import FaceGeometry

    img = draw_face(scale=1.3)
    det = detector.detect(img)[0]
    return img, FaceGeometry.from_keypoints(det.keypoints, det.box)


def _session(analyser, actor, seed):
    from kiosk.biometrics.face.liveness import drive

    return drive(LivenessSession(seed=seed), analyser, actor.frame)


@pytest.mark.slow
def test_genuine_live_sequence_passes(analyser, still):
    from hw_sim.camera.faces import LiveActor

    img, geo = still
    v = _session(analyser, LiveActor(img, geo, seed=4), seed=4)
    assert v.live, v


@pytest.mark.slow
def test_print_attack_is_stopped(analyser, still):
    from hw_sim.camera.attacks import PrintAttack

    for seed in (1, 2):
        v = _session(analyser, PrintAttack(still[0], seed=seed), seed=seed)
        assert not v.live, v


@pytest.mark.slow
def test_screen_replay_is_stopped(analyser, still):
    from hw_sim.camera.attacks import ScreenAttack

    img, geo = still
    v = _session(analyser, ScreenAttack(img, geo, seed=3), seed=3)
    assert not v.live and v.reason in ("screen_pattern", "no_skin_reflection"), v


def test_simulated_person_through_the_sim_camera(face_models, still):
    from firmware_bridge.camera import open_camera
    from firmware_bridge.camera.errors import CameraEndOfStream
    from hw_sim.camera.faces import ActorSource, LiveActor

    img, geo = still
    source = ActorSource(LiveActor(img, geo, seed=2), prompt=lambda t: "turn_left", seconds=1.0)
    with open_camera("sim", source=source, fps=0, loop=False) as cam:
        frames = []
        with pytest.raises(CameraEndOfStream):
            while True:
                frames.append(cam.read(timeout=2.0))
    assert len(frames) == 15 and frames[0].image.shape == img.shape
    assert not np.array_equal(frames[0].image, frames[-1].image)
