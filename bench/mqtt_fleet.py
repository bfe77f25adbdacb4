"""Benchmark: a fleet of simulated kiosks against one broker and the reference hub.

``--kiosks`` (200) kiosks, each with its own database and reporter, spread over
``--procs`` worker processes, record decisions at ``--rate`` per kiosk per second
for ``--seconds`` (60). Then every outbox must drain. Reported: throughput, the
end-to-end latency from decision (the event id's UUIDv7 time) to the hub's
acknowledgement being booked at the kiosk (``acked_at``), p50 and p99, and loss
(events decided but not in the hub's books).

    .venv/bin/python bench/mqtt_fleet.py [--kiosks 200] [--seconds 60] [--rate 0.5] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import random
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mqtt_common import HubProcess, Mosquitto, make_hub_key, make_kiosk

from kiosk.security.keys import DataPaths


def worker(folders, broker, village, hub_pub_raw, seconds, rate, out):
    import logging

    from kiosk.reporting.outbox import Outbox
    from kiosk.reporting.reporter import Reporter, ReporterConfig
    from kiosk.security.crypto import public_key_from_bytes
    from kiosk.security.keys import load_identity
    from kiosk.security.uuid7 import uuid7_time_ms
    from kiosk.storage.store import KioskStore

    logging.basicConfig(level=logging.ERROR)
    hub_pub = public_key_from_bytes(hub_pub_raw)
    kiosks = []
    stop = threading.Event()
    for f in folders:
        paths = DataPaths.resolve(f)
        rep = Reporter(ReporterConfig(broker, village, window=50, heartbeat_s=30,
                                      ack_timeout_s=15), Outbox(paths.db),
                       load_identity(paths), hub_pub)
        th = threading.Thread(target=rep.run, args=(stop,), daemon=True)
        th.start()
        kiosks.append((paths, KioskStore.open(paths), rep, th))
    rng = random.Random()
    made = 0
    interval = 1.0 / (rate * len(kiosks))
    end = time.monotonic() + seconds
    nxt = time.monotonic()
    while time.monotonic() < end:
        nxt += rng.expovariate(1 / interval)
        time.sleep(max(0.0, nxt - time.monotonic()))
        _, store, _, _ = rng.choice(kiosks)
        store.record("verification", decision="accepted", reason="match", score=0.9)
        made += 1
    deadline = time.monotonic() + 120
    watchers = [Outbox(p.db) for p, *_ in kiosks]
    while time.monotonic() < deadline and any(w.stats().pending for w in watchers):
        time.sleep(0.2)
    stop.set()
    for *_, th in kiosks:
        th.join(10)
    latencies, pending = [], 0
    for w in watchers:
        pending += w.stats().pending
        for eid, acked_at in w.db.query("SELECT e.event_id, o.acked_at FROM outbox o JOIN "
                                        "events e USING (seq) WHERE o.acked = 1"):
            t = dt.datetime.fromisoformat(acked_at.replace("Z", "+00:00")).timestamp() * 1000
            latencies.append(t - uuid7_time_ms(eid))
    out.put({"made": made, "pending": pending, "latencies": latencies,
             "devices": [load_identity(p).device_id for p, *_ in kiosks]})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kiosks", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--rate", type=float, default=0.5, help="decisions per kiosk per second")
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    village = "FLEET" + secrets.token_hex(2)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        broker = Mosquitto(tmp)
        broker.start()
        hub_key = make_hub_key(tmp / "hub")
        folders = [tmp / f"k{i:03d}" for i in range(args.kiosks)]
        devices = [make_kiosk(f, hub_key) for f in folders]
        hub = HubProcess(tmp / "hub", broker.url, village, devices)
        from kiosk.security.crypto import public_key_bytes

        out = mp.Queue()
        procs = [mp.Process(target=worker, args=(folders[i::args.procs], broker.url, village,
                                                 public_key_bytes(hub_key), args.seconds,
                                                 args.rate, out))
                 for i in range(args.procs)]
        start = time.perf_counter()
        for p in procs:
            p.start()
        results = [out.get() for _ in procs]
        elapsed = time.perf_counter() - start
        for p in procs:
            p.join()
        hub.stop()
        broker.stop()
        from hw_sim.hub.store import HubStore

        summary = HubStore(hub.db).summary()["devices"]
    made = sum(r["made"] for r in results)
    booked = sum(s["events"] for s in summary.values())
    lat = sorted(x for r in results for x in r["latencies"])

    def pct(q):
        return round(lat[min(len(lat) - 1, int(q * len(lat)))], 1) if lat else None

    result = {"kiosks": args.kiosks, "seconds": args.seconds, "decisions": made,
              "booked_at_hub": booked, "lost": made - booked,
              "still_pending": sum(r["pending"] for r in results),
              "duplicates_absorbed": sum(s["duplicates"] for s in summary.values()),
              "chains_ok": all(s["chain_ok"] for s in summary.values()),
              "throughput_per_s": round(made / args.seconds, 1),
              "latency_ms_p50": pct(0.50), "latency_ms_p99": pct(0.99),
              "latency_ms_max": round(lat[-1], 1) if lat else None,
              "wall_s": round(elapsed, 1)}
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:20} {v}")
    return 0 if result["lost"] == 0 and result["chains_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
