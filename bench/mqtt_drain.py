"""Benchmark: drain a backlog of queued events to a real broker and the reference hub.

A kiosk with ``--events`` (10,000) queued decisions, as after a long outage, drains
them through the reporter (QoS 1, a window of in-flight events, the hub's signed
acknowledgements). For comparison, a naive client on a second kiosk publishes each
event and waits for its PUBACK and the hub's acknowledgement before the next, for
``--naive-seconds``. Then the link stays up idle for ``--idle-seconds`` and the
reporter's CPU use is measured. The hub runs in its own process.

    .venv/bin/python bench/mqtt_drain.py [--events 10000] [--window 100] [--json]

Target (issue "Reporting"): drain rate at least 10x the naive client's.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mqtt_common import HubProcess, Mosquitto, make_hub_key, make_kiosk

from kiosk.reporting.outbox import Outbox
from kiosk.reporting.reporter import Reporter, ReporterConfig
from kiosk.security.keys import load_identity


def naive(paths, broker: Mosquitto, village: str, hub_public, seconds: float) -> float:
    """Publish one event, wait for PUBACK and the hub's ack, mark it, repeat."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from kiosk.reporting.protocol import encode_event, read_ack, topic

    ident = load_identity(paths)
    outbox = Outbox(paths.db)
    got = threading.Event()
    acks = []

    def on_message(_c, _u, msg):
        acks.append(read_ack(msg.payload, hub_public, ident.device_id)[0])
        got.set()

    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=ident.device_id,
                    protocol=mqtt.MQTTv5)
    c.on_message = on_message
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    c.subscribe(topic(village, ident.device_id, "ack"), qos=1)
    time.sleep(0.3)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        rows = outbox.pending(limit=1)
        if not rows:
            break
        _seq, _eid, body, sig = rows[0]
        got.clear()
        c.publish(topic(village, ident.device_id, "events"), encode_event(body, sig),
                  qos=1).wait_for_publish(10)
        if not got.wait(10):
            raise RuntimeError("naive client: no acknowledgement")
        outbox.mark_acked(acks.pop())
        done += 1
    elapsed = time.perf_counter() - start
    c.loop_stop()
    c.disconnect()
    outbox.close()
    return done / elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--window", type=int, default=100)
    ap.add_argument("--naive-seconds", type=float, default=10.0)
    ap.add_argument("--idle-seconds", type=float, default=20.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    village = "BENCH" + secrets.token_hex(2)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        broker = Mosquitto(tmp)
        broker.start()
        hub_key = make_hub_key(tmp / "hub")
        t0 = time.perf_counter()
        fast = make_kiosk(tmp / "fast", hub_key, args.events)
        slow = make_kiosk(tmp / "naive", hub_key, 2000)
        queued_s = time.perf_counter() - t0
        hub = HubProcess(tmp / "hub", broker.url, village, [fast, slow])
        try:
            naive_rate = naive(slow, broker, village, hub_key.public_key(), args.naive_seconds)
            outbox = Outbox(fast.db)
            rep = Reporter(ReporterConfig(broker.url, village, window=args.window,
                                          heartbeat_s=30), outbox, load_identity(fast),
                           hub_key.public_key())
            stop = threading.Event()
            th = threading.Thread(target=rep.run, args=(stop,), daemon=True)
            start = time.perf_counter()
            th.start()
            watch = Outbox(fast.db)  # the reporter's connection is its thread's alone
            while watch.stats().pending and time.perf_counter() - start < 600:
                time.sleep(0.02)
            drain_s = time.perf_counter() - start
            left = watch.stats().pending
            # Idle with the link up: the reporter's CPU share (this process runs only it).
            time.sleep(1)
            c0, w0 = os.times(), time.perf_counter()
            time.sleep(args.idle_seconds)
            c1, w1 = os.times(), time.perf_counter()
            idle_cpu = ((c1.user - c0.user) + (c1.system - c0.system)) / (w1 - w0)
            stop.set()
            th.join(10)
        finally:
            hub.stop()
            broker.stop()
        from hw_sim.hub.store import HubStore

        books = HubStore(hub.db).summary()["devices"][load_identity(fast).device_id]
    rate = args.events / drain_s
    result = {"events": args.events, "window": args.window, "queue_fill_s": round(queued_s, 1),
              "drain_s": round(drain_s, 2), "events_per_s": round(rate, 1),
              "naive_events_per_s": round(naive_rate, 1),
              "ratio": round(rate / naive_rate, 1), "left_pending": left,
              "hub_booked": books["events"], "hub_duplicates": books["duplicates"],
              "chain_ok": books["chain_ok"], "idle_cpu_percent": round(100 * idle_cpu, 2),
              "resent": rep.counters.resent}
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:20} {v}")
    ok = left == 0 and books["events"] == args.events and books["chain_ok"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
