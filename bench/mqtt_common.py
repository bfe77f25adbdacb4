"""Shared pieces of the MQTT benchmarks: a private mosquitto, kiosks, a hub process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from hw_sim.hub.broker import PrivateBroker
from kiosk.security.crypto import Ed25519PrivateKey, b64url, public_key_bytes
from kiosk.security.keys import DataPaths, provision
from kiosk.storage.store import KioskStore

ROOT = Path(__file__).resolve().parent.parent


class Mosquitto(PrivateBroker):
    """The benchmarks' broker: large packets and deep queues allowed."""

    def __init__(self, folder: Path):
        super().__init__(folder, ("max_packet_size 8388608", "max_inflight_messages 1000",
                                  "max_queued_messages 100000"))


def make_kiosk(folder: Path, hub_key: Ed25519PrivateKey, events: int = 0) -> DataPaths:
    paths = DataPaths.resolve(folder)
    provision(paths, hub_public_key=public_key_bytes(hub_key))
    if events:
        queue_events(paths, events)
    return paths


def queue_events(paths: DataPaths, n: int) -> None:
    """``n`` decision-sized events in one transaction (what a long outage leaves behind)."""
    store = KioskStore.open(paths)
    try:
        with store.db.write() as conn:
            for i in range(n):
                store._append(conn, {**store._base_fields("verification"), "decision":
                                     "accepted", "reason": "match", "score": 0.91,
                                     "modality": "finger", "attempts": [{"n": i}]})
    finally:
        store.close()


class HubProcess:
    """``kiosk sim hub run`` in its own process, so its CPU does not compete for our GIL."""

    def __init__(self, folder: Path, broker: str, village: str,
                 devices: list[DataPaths]):
        folder.mkdir(parents=True, exist_ok=True)
        self.db, self.keyfile = folder / "hub.sqlite3", folder / "hub.key"
        self.key = self._load_or_make_key()
        from hw_sim.hub.store import HubStore

        store = HubStore(self.db)
        for p in devices:
            store.register_device(village, public_key_bytes(_identity(p).public_key))
        store.close()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "sim", "hub", "run", "--db", str(self.db), "--key",
             str(self.keyfile), "--broker", broker, "--village", village],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.proc.stdout.readline()
        time.sleep(0.5)  # subscriptions in place

    def _load_or_make_key(self) -> Ed25519PrivateKey:
        from kiosk.cli.sim_hub import load_key

        return load_key(str(self.keyfile), create=not self.keyfile.exists())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    @property
    def public(self) -> str:
        return b64url(public_key_bytes(self.key))


def _identity(paths: DataPaths):
    from kiosk.security.keys import load_identity

    return load_identity(paths)


def make_hub_key(folder: Path) -> Ed25519PrivateKey:
    from kiosk.cli.sim_hub import load_key

    folder.mkdir(parents=True, exist_ok=True)
    return load_key(str(folder / "hub.key"), create=not (folder / "hub.key").exists())
