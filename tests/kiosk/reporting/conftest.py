"""Fixtures of the reporting tests: a private mosquitto (plain + mutual-TLS listeners,
per-device ACL), a test PKI made here, provisioned kiosks and the reference hub."""

from __future__ import annotations

import secrets
import time

import pytest
from mqtt_fixtures import CA, Broker, KioskSide

from hw_sim.hub.hub import HubService
from hw_sim.hub.store import HubStore
from kiosk.reporting.outbox import Outbox
from kiosk.security.crypto import Ed25519PrivateKey
from kiosk.storage.store import KioskStore


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return CA(tmp_path_factory.mktemp("pki"), "sidik-test-ca")


@pytest.fixture
def broker(tmp_path, pki):
    b = Broker(tmp_path, pki)
    b.start()
    yield b
    b.stop()


@pytest.fixture
def hub_key():
    return Ed25519PrivateKey.generate()


@pytest.fixture
def village():
    return "V" + secrets.token_hex(3)


@pytest.fixture
def kiosk(tmp_path, hub_key):
    k = KioskSide(tmp_path / "kiosk", hub_key)
    yield k
    k.close()


@pytest.fixture
def hub_store(tmp_path):
    s = HubStore(tmp_path / "hub.sqlite3")
    yield s
    s.close()


@pytest.fixture
def make_hub(hub_store, hub_key, village):
    """Start the reference hub on a broker URL; stopped at the end of the test."""
    started = []

    def start(url: str, **kw) -> HubService:
        hub = HubService(hub_store, hub_key, url, village=village, **kw).start()
        started.append(hub)
        return hub

    yield start
    for hub in started:
        hub.stop()


@pytest.fixture
def make_reporter(hub_key, village):
    """Run a reporter for a kiosk in a thread; stopped at the end of the test."""
    import threading

    from kiosk.reporting.reporter import Reporter, ReporterConfig

    running = []

    def start(kiosk: KioskSide, url: str, health=None, **kw) -> Reporter:
        kw.setdefault("ack_timeout_s", 2.0)
        kw.setdefault("backoff_cap_s", 1.0)
        kw.setdefault("backoff_base_s", 0.1)
        # Its own connections, as in the separate reporter process on a kiosk.
        outbox, store = Outbox(kiosk.paths.db), KioskStore.open(kiosk.paths)
        rep = Reporter(ReporterConfig(url, village, **kw), outbox, kiosk.identity,
                       hub_key.public_key(), store=store,
                       store_factory=lambda: KioskStore.open(kiosk.paths), health=health)
        stop = threading.Event()
        thread = threading.Thread(target=rep.run, args=(stop,), daemon=True)
        thread.start()
        running.append((stop, thread, outbox, store))
        return rep

    yield start
    for stop, thread, outbox, store in running:
        stop.set()
        thread.join(10)
        outbox.close()
        store.close()


def wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.fixture
def waiter():
    return wait_for
