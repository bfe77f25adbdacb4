"""Store-and-forward against a real broker: outages, flapping links, killed reporters.

The invariant every test checks: the hub's books hold each of the kiosk's events
exactly once, in chain order, the chain verifies, and the kiosk's outbox is empty.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest

from kiosk.security.chain import verify_chain


def assert_books_exact(hub_store, kiosk, n: int) -> None:
    rows = hub_store.event_rows(kiosk.device)
    assert [r[0] for r in rows] == list(range(1, n + 1))
    assert len({r[1] for r in rows}) == n
    assert hub_store.arrival_seqs(kiosk.device) == list(range(1, n + 1))  # booked in order
    local = {s: e for s, e, *_ in kiosk.store.event_rows()}
    assert all(local[s] == e for s, e, *_ in rows)
    dev = hub_store.device(kiosk.device)
    assert verify_chain(rows, dev.public_key, kiosk.device).ok
    assert kiosk.outbox.stats().pending == 0


def test_roundtrip_and_presence(broker, kiosk, hub_store, village, make_hub, make_reporter,
                                waiter):
    hub_store.register_device(village, kiosk.identity.public_key.public_bytes_raw())
    make_hub(broker.url)
    kiosk.make_events(20)
    def broken_sensor():
        raise OSError("sensor unplugged")

    make_reporter(kiosk, broker.url, heartbeat_s=0.5, model_version="fp-int8-1",
                  health={"camera": lambda: {"ok": True, "fps": 15}, "sensor": broken_sensor})
    assert waiter(lambda: kiosk.outbox.stats().pending == 0, 15)
    assert_books_exact(hub_store, kiosk, 20)

    def status():
        row = hub_store.conn.execute("SELECT payload FROM presence").fetchone()
        return json.loads(row[0]) if row else {}

    # Heartbeats follow the queue down to empty.
    assert waiter(lambda: status().get("queue", {}).get("pending") == 0, 5)
    assert status()["state"] == "online"
    assert {"disk", "clock", "model", "health", "counters"} <= status().keys()
    assert status()["model"] == "fp-int8-1"
    assert status()["health"]["camera"] == {"ok": True, "fps": 15}
    assert status()["health"]["sensor"] == {"ok": False, "error": "sensor unplugged"}


def test_broker_down_while_deciding(broker, kiosk, hub_store, village, make_hub, make_reporter,
                                    waiter):
    """Broker gone while 1,000 decisions are made; back: all delivered once, in order."""
    hub_store.register_device(village, kiosk.identity.public_key.public_bytes_raw())
    make_hub(broker.url)
    rep = make_reporter(kiosk, broker.url)
    kiosk.make_events(10)
    assert waiter(lambda: kiosk.outbox.stats().pending == 0, 15)
    broker.stop()
    kiosk.make_events(1000)
    time.sleep(1.0)
    assert kiosk.outbox.stats().pending == 1000  # nothing acknowledged without the hub
    broker.start()
    assert waiter(lambda: kiosk.outbox.stats().pending == 0, 60)
    assert_books_exact(hub_store, kiosk, 1010)
    assert rep.counters.connects >= 2


def test_link_flapping(broker, kiosk, hub_store, village, make_hub, make_reporter, waiter):
    """Broker killed and restarted every ~2 s for 10 s while events flow: no loss, no dup."""
    hub_store.register_device(village, kiosk.identity.public_key.public_bytes_raw())
    make_hub(broker.url)
    rep = make_reporter(kiosk, broker.url, window=20)
    stop = threading.Event()
    made = [0]

    def produce():
        while not stop.is_set():
            kiosk.store.record("test_decision", decision="accepted", reason="match")
            made[0] += 1
            time.sleep(0.02)

    producer = threading.Thread(target=produce)
    producer.start()
    rng = random.Random(7)
    end = time.monotonic() + 10
    try:
        while time.monotonic() < end:
            time.sleep(rng.uniform(1.0, 2.5))
            broker.restart()
    finally:
        stop.set()
        producer.join()
    assert waiter(lambda: kiosk.outbox.stats().pending == 0, 15)
    assert_books_exact(hub_store, kiosk, made[0])
    assert rep.counters.connects >= 3
    assert len(rep.window) <= rep.window.size and len(rep._ever_sent) <= 4 * rep.window.size


@pytest.mark.slow
def test_reporter_killed_at_random(broker, kiosk, hub_store, village, hub_key, make_hub,
                                   waiter):
    """SIGKILL the reporter process at random moments while decisions are recorded."""
    hub_store.register_device(village, kiosk.identity.public_key.public_bytes_raw())
    make_hub(broker.url)
    cmd = [sys.executable, "-m", "kiosk.reporting", "run", "--data-dir",
           str(kiosk.paths.data_dir), "--broker", broker.url, "--village", village,
           "--ack-timeout", "2", "--window", "50"]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    stop = threading.Event()
    made = [0]

    def produce():
        while not stop.is_set():
            kiosk.store.record("test_decision", decision="accepted", reason="match")
            made[0] += 1
            time.sleep(0.01)

    producer = threading.Thread(target=produce)
    producer.start()
    rng = random.Random(11)
    try:
        for _ in range(4):
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.8, 2.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    finally:
        stop.set()
        producer.join()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert waiter(lambda: kiosk.outbox.stats().pending == 0, 15)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert made[0] > 50
    assert_books_exact(hub_store, kiosk, made[0])


def test_mqtt_311_and_settings_survive_restart(broker, kiosk, hub_store, village, make_hub,
                                               make_reporter, waiter):
    hub_store.register_device(village, kiosk.identity.public_key.public_bytes_raw())
    hub = make_hub(broker.url)
    kiosk.make_events(30)
    rep = make_reporter(kiosk, broker.url, protocol="3.1.1")
    assert waiter(lambda: kiosk.outbox.stats().pending == 0, 15)
    assert_books_exact(hub_store, kiosk, 30)
    cid = hub.send_command(kiosk.device, "config.set", {"values": {"window": 7}})
    assert waiter(lambda: (hub.command(cid) or {}).get("status") == "ok", 10)
    assert rep.config.window == 7
    from kiosk.reporting.reporter import Reporter, ReporterConfig

    # A restarted reporter (not connected: two clients with one id would take turns).
    again = Reporter(ReporterConfig(broker.url, village), kiosk.outbox, kiosk.identity, None)
    assert again.config.window == 7 and again.window.size == 7


def test_database_errors_do_not_stop_the_reporter(broker, kiosk, hub_store, village, make_hub,
                                                  make_reporter, waiter):
    from kiosk.storage.db import DatabaseLocked

    hub_store.register_device(village, kiosk.identity.public_key.public_bytes_raw())
    make_hub(broker.url)
    rep = make_reporter(kiosk, broker.url)
    real, failures = rep.outbox.pending, [3]

    def flaky(*a, **kw):
        if failures[0]:
            failures[0] -= 1
            raise DatabaseLocked("database is busy")
        return real(*a, **kw)

    rep.outbox.pending = flaky
    kiosk.make_events(10)
    assert waiter(lambda: kiosk.outbox.stats().pending == 0, 20)
    assert failures[0] == 0
    assert_books_exact(hub_store, kiosk, 10)


def test_command_sent_while_offline_is_answered_on_return(broker, kiosk, hub_store, village,
                                                          make_hub, make_reporter, waiter):
    hub_store.register_device(village, kiosk.identity.public_key.public_bytes_raw())
    hub = make_hub(broker.url)
    cid = hub.send_command(kiosk.device, "ping")  # nobody listening: lost at the broker
    time.sleep(0.3)
    assert hub.command(cid)["status"] is None
    make_reporter(kiosk, broker.url)  # comes online: the hub resends what is unanswered
    assert waiter(lambda: (hub.command(cid) or {}).get("status") == "ok", 10)
    assert hub.command(cid)["detail"] == {"pong": True}


def test_falls_back_to_mqtt_311_for_an_old_broker(broker, kiosk, hub_store, village, make_hub,
                                                  make_reporter, waiter):
    from mqtt_fixtures import OldBrokerProxy

    hub_store.register_device(village, kiosk.identity.public_key.public_bytes_raw())
    make_hub(broker.url)
    proxy = OldBrokerProxy(broker.port)
    try:
        kiosk.make_events(5)
        rep = make_reporter(kiosk, f"mqtt://127.0.0.1:{proxy.port}")
        assert waiter(lambda: kiosk.outbox.stats().pending == 0, 20)
        assert proxy.refused_v5 >= 2
        import paho.mqtt.client as mqtt

        assert rep.protocol == mqtt.MQTTv311
        assert_books_exact(hub_store, kiosk, 5)
    finally:
        proxy.close()


def test_username_and_password_login(broker, kiosk, hub_store, village, make_hub, make_reporter,
                                     waiter):
    """A broker that wants a user name and password: right ones deliver, a wrong one does not."""
    from mqtt_fixtures import ACCOUNTS

    hub_store.register_device(village, kiosk.identity.public_key.public_bytes_raw())
    make_hub(f"mqtt://hub:{ACCOUNTS['hub']}@127.0.0.1:{broker.pw_port}")
    wrong = make_reporter(kiosk, f"mqtt://127.0.0.1:{broker.pw_port}",
                          username="kiosk-1", password="not-the-password")
    kiosk.make_events(5)
    time.sleep(1.5)
    assert kiosk.outbox.stats().pending == 5 and wrong.counters.connects == 0
    make_reporter(kiosk, f"mqtt://127.0.0.1:{broker.pw_port}",
                  username="kiosk-1", password=ACCOUNTS["kiosk-1"])
    assert waiter(lambda: kiosk.outbox.stats().pending == 0, 20)
    assert_books_exact(hub_store, kiosk, 5)
