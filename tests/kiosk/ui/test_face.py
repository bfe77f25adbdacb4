"""The face rung on the screen: preview, liveness challenges, a live person verified by face."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from kiosk.ui import demo_world


@pytest.fixture(scope="module")
def face_kiosk_parts(tmp_path_factory, impressions):
    from kiosk.biometrics.runtime import ModelError

    try:
        from kiosk.biometrics.face.matcher import load_face_matcher

        face_matcher = load_face_matcher()
    except (ModelError, ImportError) as exc:
        pytest.skip(f"face models not installed: {exc}")
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "face"))
    from synthface import draw_face

    face = (face_matcher, draw_face(scale=1.3))
    village = demo_world.ensure(tmp_path_factory.mktemp("face_village") / "data", impressions,
                                lambda _m: None, face=face)
    return village, face


def test_worn_fingers_then_verified_by_a_live_face(face_kiosk_parts, impressions, tmp_path):
    from ui_helpers import FakeClock, Journey

    from kiosk.flows.verify import VerifyConfig
    from kiosk.ui.kiosk import demo_kiosk

    village, face = face_kiosk_parts
    shutil.copytree(village, tmp_path / "data")
    config = VerifyConfig(match_attempts=2, quality_attempts=1)
    with demo_kiosk(tmp_path / "data", make=impressions, broker=None, config=config,
                    clock=FakeClock(), progress=lambda _m: None, sensor_wait=0.3,
                    face=face, face_seed=1) as app:  # fixed challenges: no 1-in-20 flake
        journey = Journey(app, app.clock, tmp_path / "shots")
        journey.start("en")
        journey.type_nik(demo_world.FACE_PERSON.nik)
        journey.tap("ok")
        journey.wait_for("card")
        journey.tap("yes")
        journey.wait_for("face", limit=60)
        challenges = set()
        while journey.view.screen == "face":
            journey.tick()
            if journey.view.face_prompt:
                challenges.add(journey.view.face_prompt)
                frame = journey.view.face_frame
        journey.wait_for("result")
        result = journey.view.result
        assert (result.outcome, result.reason) == ("accepted", "matched")
        assert app.store.event(result.event_id)["modality"] == "face"
        assert challenges - {"look_at_camera"}, challenges  # blink / turn / open mouth asked
        assert frame is not None and np.asarray(frame.get_size()).min() > 100  # a preview
