"""Soak: the reporter SIGKILLed ``--kills`` (50) times while decisions flow, then the broker
restarted every few seconds for ``--flap-seconds`` (60) with the reporter's memory sampled.

Passes when the hub's books hold every decision exactly once, in order, the chain
verifies, and the reporter's resident memory at the end of the flapping is within
``--rss-slack-mb`` of its level at the start.

    .venv/bin/python bench/mqtt_soak.py [--kills 50] [--flap-seconds 60] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mqtt_common import ROOT, HubProcess, Mosquitto, make_hub_key, make_kiosk

from kiosk.reporting.outbox import Outbox
from kiosk.security.chain import verify_chain
from kiosk.security.keys import load_identity
from kiosk.storage.store import KioskStore


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Producer:
    def __init__(self, paths, period: float):
        self.store = KioskStore.open(paths)
        self.period, self.made = period, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.is_set():
            self.store.record("verification", decision="accepted", reason="match")
            self.made += 1
            time.sleep(self.period)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--flap-seconds", type=float, default=60)
    ap.add_argument("--rss-slack-mb", type=float, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    village = "SOAK" + secrets.token_hex(2)
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        broker = Mosquitto(tmp)
        broker.start()
        hub_key = make_hub_key(tmp / "hub")
        paths = make_kiosk(tmp / "kiosk", hub_key)
        hub = HubProcess(tmp / "hub", broker.url, village, [paths])
        cmd = [sys.executable, "-m", "kiosk.reporting", "run", "--data-dir",
               str(paths.data_dir), "--broker", broker.url, "--village", village,
               "--ack-timeout", "3", "--window", "50"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}

        def reporter():
            return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)

        outbox = Outbox(paths.db)
        try:
            with Producer(paths, 0.01) as prod:
                for _ in range(args.kills):
                    p = reporter()
                    time.sleep(rng.uniform(0.3, 1.5))
                    p.send_signal(signal.SIGKILL)
                    p.wait()
            result["kill_phase_decisions"] = prod.made
            p = reporter()
            time.sleep(3)
            samples = []
            with Producer(paths, 0.02) as prod2:
                end = time.monotonic() + args.flap_seconds
                next_flap = time.monotonic() + rng.uniform(2, 5)
                while time.monotonic() < end:
                    time.sleep(1)
                    samples.append(rss_mb(p.pid))
                    if time.monotonic() >= next_flap:
                        broker.stop()
                        broker.start()
                        next_flap = time.monotonic() + rng.uniform(2, 5)
            result["flap_phase_decisions"] = prod2.made
            deadline = time.monotonic() + 120
            while outbox.stats().pending and time.monotonic() < deadline:
                time.sleep(0.2)
            result["still_pending"] = outbox.stats().pending
            p.send_signal(signal.SIGTERM)
            p.wait(10)
        finally:
            hub.stop()
            broker.stop()
        from hw_sim.hub.store import HubStore

        hs = HubStore(hub.db)
        ident = load_identity(paths)
        rows = hs.event_rows(ident.device_id)
        local = KioskStore.open(paths)
        total = local.event_count()
        head = sum(samples[:10]) / max(1, len(samples[:10]))
        tail = sum(samples[-10:]) / max(1, len(samples[-10:]))
        result.update({
            "decisions": total, "booked": len(rows),
            "exactly_once_in_order": [r[0] for r in rows] == list(range(1, total + 1))
            and hs.arrival_seqs(ident.device_id) == list(range(1, total + 1)),
            "chain_ok": verify_chain(rows, ident.public_key, ident.device_id).ok,
            "duplicates_absorbed": hs.summary()["devices"][ident.device_id]["duplicates"],
            "rss_mb_start": round(head, 1), "rss_mb_end": round(tail, 1),
            "rss_mb_max": round(max(samples), 1) if samples else None})
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:24} {v}")
    ok = (result["exactly_once_in_order"] and result["chain_ok"] and not result["still_pending"]
          and result["rss_mb_end"] - result["rss_mb_start"] <= args.rss_slack_mb)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
