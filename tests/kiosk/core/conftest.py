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
