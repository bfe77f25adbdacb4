"""Puts a kiosk together: store, finger source, session, the hub link and the screen.

``demo_kiosk`` is the whole kiosk against the simulators (``kiosk demo``, the UI
tests, the gallery and the benchmark); ``kiosk run`` builds the same from the
real devices.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("kiosk.ui")


def broker_reachable(host: str = "127.0.0.1", port: int = 1883, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class StatusProbe:
    """What the technician panel and the idle screen show: devices, link, queue, disk."""

    def __init__(self, paths, *, sensor: str, camera: str, model: str, reporter=None,
                 clock=None, health=None, reporter_service: bool = False):
        from ..reporting.outbox import Outbox

        self.reporter_service = reporter_service  # another process delivers the events
        self.health = health
        self.outbox = Outbox(paths.db)
        self.paths, self.sensor, self.camera, self.model = paths, sensor, camera, model
        self.reporter, self.clock = reporter, clock

    def __call__(self) -> dict:
        import time

        stats = self.outbox.stats()
        sensor = self.sensor
        if self.health is not None:
            seen = self.health.read("sensor")
            if seen.get("ok") is False:
                sensor += f" - FAULT: {seen.get('last')}"
        online = bool(self.reporter and self.reporter.connected)
        if self.reporter is not None:
            broker = self.reporter.config.broker + (" online" if online else " connecting")
        elif self.reporter_service:
            # Delivery is the reporter service's: an empty queue means all went through.
            online = stats.pending == 0
            broker = "sidik-reporter service"
        else:
            broker = "none (events queue on this kiosk)"
        synced = self.clock.synchronised() if self.clock else False
        free = shutil.disk_usage(self.paths.data_dir).free >> 20
        return {"online": online, "queue": stats.pending, "sensor": sensor,
                "camera": self.camera, "broker": broker,
                "clock": time.strftime("%Y-%m-%d %H:%M:%S") + (" NTP" if synced else
                                                               " not synced"),
                "disk": f"{free} MB free, database {stats.db_bytes >> 20} MB",
                "model": self.model}


@contextlib.contextmanager
def reporting(paths, broker: str | None, village: str = "3201012001", hub: bool = True,
              hub_key_path: Path | None = None, link: dict | None = None) -> Iterator:
    """A reporter (and, for the demo, the reference hub) when a broker answers; else None.
    ``link``: more ReporterConfig settings (TLS files, login, window, ...)."""
    if broker is None:
        yield None
        return
    from ..reporting.outbox import Outbox
    from ..reporting.reporter import Reporter, ReporterConfig
    from ..security.keys import load_hub_key, load_identity
    from ..storage.store import KioskStore

    identity = load_identity(paths)
    service = None
    if hub and hub_key_path is not None and hub_key_path.exists():
        try:
            from cryptography.hazmat.primitives import serialization

            from hw_sim.hub.hub import HubService
            from hw_sim.hub.store import HubStore

            from ..security.crypto import public_key_bytes

            hs = HubStore(hub_key_path.parent / "hub.sqlite3")
            with contextlib.suppress(ValueError):  # already registered
                hs.register_device(village, public_key_bytes(identity.public_key))
            key = serialization.load_pem_private_key(hub_key_path.read_bytes(), None)
            service = HubService(hs, key, broker, village=village).start(wait=3)
        except Exception as exc:
            log.warning("demo hub not started (%s); events stay queued", exc)
            service = None
    config = ReporterConfig(broker, village, **{"heartbeat_s": 30, **(link or {})})
    store = KioskStore.open(paths)
    reporter = Reporter(config, Outbox(paths.db), identity, load_hub_key(paths), store=store,
                        store_factory=lambda: KioskStore.open(paths),
                        health=store.health.probes())
    stop = threading.Event()
    thread = threading.Thread(target=reporter.run, args=(stop,), name="kiosk-report",
                              daemon=True)
    thread.start()
    try:
        yield reporter
    finally:
        stop.set()
        thread.join(5)
        if service is not None:
            service.stop()


@contextlib.contextmanager
def demo_kiosk(data_dir: Path, *, matcher=None, make=None, pace: bool = False,
               broker: str | None = "auto", voice=None, size=(800, 480),
               fullscreen: bool = False, config=None, clock=None, timeout_s: float = 45.0,
               progress=print, sensor_wait: float = 1.0, face=None,
               face_seed: int | None = None) -> Iterator:
    """The whole kiosk on the simulators; yields the :class:`KioskApp`. ``face``: (face
    matcher, photo) turns the face rung on, with a live person made from the photo;
    ``face_seed`` fixes its liveness challenges (tests; by default each session draws)."""
    import time

    from firmware_bridge.r30x.driver import R30xSensor
    from hw_sim.sensor.simulator import SensorSimulator

    from ..biometrics.fingerprint.standin import StandInMatcher
    from ..clock import Clock
    from ..flows.verify import VerifyConfig, VerifyFlow
    from ..runtime.session import Session
    from ..security.keys import DataPaths
    from ..storage.store import KioskStore
    from . import demo_world
    from .app import KioskApp

    matcher = matcher or StandInMatcher()
    make = make or demo_world.impressions()
    data_dir = demo_world.ensure(Path(data_dir), make, progress, matcher, face)
    face_matcher = face[0] if face else None
    paths = DataPaths.resolve(data_dir)
    config = config or VerifyConfig()
    if broker == "auto":
        broker = "mqtt://127.0.0.1:1883" if broker_reachable() else None
        if broker is None:
            log.info("no MQTT broker on 127.0.0.1:1883: events queue on the kiosk")
    store = KioskStore.open(paths, clock=Clock())
    holder: dict = {}

    def nik_of():
        flow = holder["app"].driver.flow
        return flow.s.nik if flow is not None else None

    try:
        with SensorSimulator(pace=pace) as sim, R30xSensor(sim.url, timeout=3) as sensor, \
                reporting(paths, broker, hub_key_path=data_dir / "hub" / "hub_ed25519.key") \
                as reporter:
            params = sensor.negotiate()
            fingers = demo_world.DemoFingers(sim, sensor, nik_of, make, wait=sensor_wait)
            label = f"simulated R30x, {params.baud} baud"
            session = Session(store, fingers)  # it reports sensor health to the store
            probe = StatusProbe(paths, sensor=label, health=store.health,
                                camera="simulated person" if face else
                                "none (face rung off; kiosk demo --face PHOTO)",
                                model=matcher.version, reporter=reporter, clock=store.clock)
            app = KioskApp(session,
                           lambda: VerifyFlow(matcher, config, face_matcher=face_matcher),
                           programme=demo_world.PROGRAMME, period=demo_world.PERIOD,
                           attempts=config.match_attempts + config.quality_attempts - 1,
                           voice=voice, status=probe,
                           size=size, fullscreen=fullscreen, clock=clock or time.monotonic,
                           timeout_s=timeout_s)
            app.fingers, app.sim, app.store = fingers, sim, store
            if face:
                from ..runtime.capture import LiveFaces
                from .camera import on_screen

                grab = demo_world.face_camera(face[1], face_matcher)
                session.faces = LiveFaces.for_matcher(on_screen(app, grab), face_matcher,
                                                      seed=face_seed)
            holder["app"] = app
            try:
                yield app
            finally:
                app.close()
    finally:
        store.close()
