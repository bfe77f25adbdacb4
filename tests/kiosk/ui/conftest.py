"""The UI tests: the whole kiosk on the simulators, headless (SDL dummy drivers)."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest

pygame = pytest.importorskip("pygame")

from ui_helpers import FakeClock, Journey  # noqa: E402


@pytest.fixture(scope="session")
def impressions(request):
    from kiosk.ui import demo_world

    cache = None
    if getattr(request.config, "cache", None) is not None:
        cache = request.config.cache.mkdir(f"sidik_ui_fingers_{demo_world.generator_tag()}")
    return demo_world.impressions(cache)


@pytest.fixture(scope="session")
def village(tmp_path_factory, impressions):
    from kiosk.ui import demo_world

    return demo_world.ensure(tmp_path_factory.mktemp("village") / "data", impressions,
                             progress=lambda _m: None)


@pytest.fixture
def journey(village, impressions, tmp_path):
    from kiosk.flows.verify import VerifyConfig
    from kiosk.ui.kiosk import demo_kiosk

    data = tmp_path / "data"
    shutil.copytree(village, data)
    clock = FakeClock()
    config = VerifyConfig(match_attempts=2, quality_attempts=2)
    with demo_kiosk(data, make=impressions, broker=None, config=config, clock=clock,
                    timeout_s=45.0, progress=lambda _m: None, sensor_wait=0.5) as app:
        yield Journey(app, clock, tmp_path / "shots")
