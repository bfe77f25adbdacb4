"""Benchmark: a full roster (250,000 people) from the hub to a kiosk over MQTT.

The hub signs the update, sends the manifest and the chunks (2,000 records each) on
the device's roster topic; the kiosk's reporter stages every chunk in its database
and, once the last one checks out, builds the new roster in shadow tables and
switches it in atomically. Meanwhile another connection records an event every
50 ms, as the kiosk does for each decision (5 s busy timeout): its slowest write
and its failures show how long a recipient would wait behind the roster update.
Reported: transfer + apply time, bytes sent, the concurrent writes' latency, and
that the roster in force is the new one.

    .venv/bin/python bench/mqtt_roster.py [--people 250000] [--json]
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mqtt_common import Mosquitto, make_hub_key, make_kiosk

from hw_sim.hub.hub import HubService
from hw_sim.hub.store import HubStore
from kiosk.reporting.outbox import Outbox
from kiosk.reporting.reporter import Reporter, ReporterConfig
from kiosk.roster.updates import build_update, recipient_record
from kiosk.security.keys import load_identity
from kiosk.storage.store import KioskStore


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, default=250_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    village = "ROSTER" + secrets.token_hex(2)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        broker = Mosquitto(tmp)
        broker.start()
        hub_key = make_hub_key(tmp / "hub")
        paths = make_kiosk(tmp / "kiosk", hub_key)
        ident = load_identity(paths)
        records = [recipient_record(f"32{i:014d}", f"Warga {i}",
                                    [("PKH", "2025-Q1", i % 3 != 0), ("BPNT", "2025-06", True)],
                                    village=village) for i in range(args.people)]
        t0 = time.perf_counter()
        envelope, chunks = build_update(records, version=1, hub_key=hub_key,
                                        nik_ref_key=secrets.token_bytes(32))
        build_s = time.perf_counter() - t0
        hs = HubStore(tmp / "hub" / "hub.sqlite3")
        hs.register_device(village, ident.public_key.public_bytes_raw())
        hub = HubService(hs, hub_key, broker.url, village=village).start()
        store = KioskStore.open(paths)
        rep = Reporter(ReporterConfig(broker.url, village, keepalive_s=60), Outbox(paths.db),
                       ident, hub_key.public_key(), store=store,
                       store_factory=lambda: KioskStore.open(paths))
        stop = threading.Event()
        th = threading.Thread(target=rep.run, args=(stop,), daemon=True)
        th.start()
        time.sleep(1)
        probe = KioskStore.open(paths)
        waits: list[float] = []
        failures: list[str] = []

        def decisions():
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    probe.record("probe")
                    waits.append(time.perf_counter() - t)
                except Exception as exc:  # counted: a decision that could not be recorded
                    failures.append(str(exc))
                time.sleep(0.05)

        writer = threading.Thread(target=decisions, daemon=True)
        writer.start()
        start = time.perf_counter()
        rid = hub.publish_roster(ident.device_id, envelope, chunks)
        reply = None
        while time.perf_counter() - start < 600:
            reply = hub.command(rid)
            if reply and reply["status"]:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        stop.set()
        th.join(30)
        writer.join(10)
        probe.close()
        waits.sort()
        hub.stop()
        broker.stop()
        check = KioskStore.open(paths)
        result = {"people": args.people, "chunks": len(chunks),
                  "mb_sent": round((len(envelope) + sum(map(len, chunks))) / 2**20, 1),
                  "build_s": round(build_s, 1), "transfer_and_apply_s": round(elapsed, 1),
                  "reply": reply, "roster_version": check.roster_version(),
                  "concurrent_writes": len(waits), "concurrent_write_failures": len(failures),
                  "concurrent_write_p50_ms": round(1000 * waits[len(waits) // 2], 1),
                  "concurrent_write_max_ms": round(1000 * waits[-1], 1),
                  "recipients": check.db.query("SELECT count(*) FROM recipients")[0][0]}
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:22} {v}")
    ok = (result["recipients"] == args.people and result["roster_version"] == 1
          and not failures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
