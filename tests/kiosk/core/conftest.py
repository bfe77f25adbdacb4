"""Fixtures of the verification core: a provisioned device, a hub key, a small roster."""

from __future__ import annotations

import pytest
from core_fixtures import Hub, roster_records

from kiosk.clock import FixedClock
from kiosk.roster.updates import import_update
from kiosk.security.keys import DataPaths, provision
from kiosk.storage.store import KioskStore


@pytest.fixture
def hub():
    return Hub()


@pytest.fixture
def paths(tmp_path, hub):
    p = DataPaths.resolve(tmp_path / "data")
    provision(p, hub_public_key=hub.raw_public)
    return p


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def store(paths, clock, hub):
    s = KioskStore.open(paths, clock=clock)
    envelope, chunks = hub.update(roster_records(), 1, chunk_size=2)
    import_update(s, envelope, chunks, hub.public)
    yield s
    s.close()


@pytest.fixture(scope="session")
def finger_bank(request):
    from core_fixtures import FingerBank, generator_version

    name = f"sidik_fingers_{generator_version()}"
    # -p no:cacheprovider: memoise for this session only
    if getattr(request.config, "cache", None) is None:
        return FingerBank(None)
    return FingerBank(request.config.cache.mkdir(name))


@pytest.fixture(scope="session")
def session_hub():
    return Hub()


@pytest.fixture(scope="session")
def golden(tmp_path_factory, session_hub, finger_bank):
    from core_fixtures import build_golden

    return build_golden(tmp_path_factory.mktemp("golden") / "data", session_hub, finger_bank)


@pytest.fixture
def kiosk_paths(golden, tmp_path):
    import shutil

    from kiosk.security.keys import DataPaths

    shutil.copytree(golden.data_dir, tmp_path / "data")
    return DataPaths.resolve(tmp_path / "data")


@pytest.fixture
def kiosk(kiosk_paths, finger_bank, clock):
    from core_fixtures import SimKiosk

    store = KioskStore.open(kiosk_paths, clock=clock)
    k = SimKiosk(store, finger_bank)
    yield k
    k.close()
    store.close()


# ---- the same village with the real (TFLite) matcher ----------------------------------------
@pytest.fixture(scope="session")
def model_matcher():
    from kiosk.biometrics.fingerprint import load_matcher

    return load_matcher()


@pytest.fixture(scope="session")
def model_golden(tmp_path_factory, session_hub, finger_bank, model_matcher):
    from core_fixtures import build_golden

    return build_golden(tmp_path_factory.mktemp("model_golden") / "data", session_hub,
                        finger_bank, model_matcher)


@pytest.fixture
def model_kiosk(model_golden, finger_bank, clock, tmp_path, model_matcher):
    import shutil

    from core_fixtures import SimKiosk

    from kiosk.security.keys import DataPaths

    shutil.copytree(model_golden.data_dir, tmp_path / "model")
    store = KioskStore.open(DataPaths.resolve(tmp_path / "model"), clock=clock)
    k = SimKiosk(store, finger_bank, model_matcher)
    yield k
    k.close()
    store.close()
