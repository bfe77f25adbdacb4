"""Benchmark: fingerprint image upload over the R30x protocol, ours vs pyfingerprint.

For each baud rate a simulated sensor runs in its own process at the line rate, so
the CPU time measured here is the client's alone. The time from "finger on the
glass" to a numpy array (GenImg + UpImage) is compared with the physical limit of
the wire: every byte both ways, 10 bits each (start, 8 data, stop), at that baud.

    .venv/bin/python bench/sensor_upload.py [--runs 3] [--bauds 57600,115200] [--json]

Targets (issue "Foundation"): ratio to the wire limit <= 1.10; ours no slower in
wall time than pyfingerprint's readImage + downloadImage and at most a fifth of its
CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from firmware_bridge.r30x import codec
from firmware_bridge.r30x.driver import R30xSensor
from firmware_bridge.r30x.protocol import IMAGE_BYTES, Instruction


def wire_bytes(packet_size: int) -> int:
    """Bytes on the wire for GenImg + UpImage: two commands, two acks, the data."""
    commands = 2 * codec.command(Instruction.GEN_IMG).wire_size()
    acks = 2 * codec.ack(0).wire_size()
    data = sum(p.wire_size() for p in codec.data_packets(bytes(IMAGE_BYTES), packet_size))
    return commands + acks + data


def finger_file() -> str:
    """A synthetic impression saved once, so the simulator's GenImg costs no generation
    time: the benchmark measures the link, not the fingerprint generator."""
    from PIL import Image

    from hw_sim.fingerprints import impression

    path = os.path.join(tempfile.mkdtemp(), "finger.png")
    Image.fromarray(impression(1, 0).image).save(path)
    return path


def start_simulator(baud: int, finger: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sim", "sensor", "--finger", finger,
         "--baud", str(baud), "--no-op-delays"],
        stdout=subprocess.PIPE, text=True)
    port = proc.stdout.readline().strip()
    if not port:
        proc.kill()
        raise SystemExit("the simulator did not start")
    return proc, port


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_ours(port: str, baud: int, packet_size: int, runs: int) -> list[tuple[float, float]]:
    sensor = R30xSensor(port, baud=baud, timeout=3).open()
    sensor.set_packet_size(packet_size)

    def once():
        sensor.gen_img()
        image = sensor.up_image()
        assert image.shape == (288, 256)

    once()  # warm-up: imports, first allocation
    results = [timed(once) for _ in range(runs)]
    sensor.set_packet_size(128)
    sensor.close()
    return results


def bench_pyfingerprint(port: str, baud: int, runs: int) -> list[tuple[float, float]]:
    from pyfingerprint.pyfingerprint import PyFingerprint

    f = PyFingerprint(port, baud, 0xFFFFFFFF, 0)
    assert f.verifyPassword()
    out = os.path.join(tempfile.mkdtemp(), "finger.png")

    def once():
        assert f.readImage()
        f.downloadImage(out)

    once()
    results = [timed(once) for _ in range(runs)]
    f._PyFingerprint__serial.close()  # it has no close() of its own
    return results


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bauds", default="57600,115200")
    parser.add_argument("--json", action="store_true", help="also print one JSON line at the end")
    args = parser.parse_args()
    report = []
    finger = finger_file()
    for baud in (int(b) for b in args.bauds.split(",")):
        proc, port = start_simulator(baud, finger)
        try:
            rows = {
                "sidik (128-byte packets)": (bench_ours(port, baud, 128, args.runs), 128),
                "sidik (256-byte packets)": (bench_ours(port, baud, 256, args.runs), 256),
                "pyfingerprint": (bench_pyfingerprint(port, baud, args.runs), 128),
            }
        finally:
            proc.terminate()
            proc.wait(5)
        for name, (results, packet_size) in rows.items():
            limit = wire_bytes(packet_size) / (baud / 10)
            wall = median(r[0] for r in results)
            cpu = median(r[1] for r in results)
            report.append({"baud": baud, "client": name, "packet_size": packet_size,
                           "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                           "wire_limit_s": round(limit, 3), "ratio": round(wall / limit, 3)})
    print(f"{'baud':>6}  {'client':<26} {'wall s':>7} {'cpu s':>7} {'limit s':>8} {'ratio':>6}")
    for r in report:
        print(f"{r['baud']:>6}  {r['client']:<26} {r['wall_s']:>7.3f} {r['cpu_s']:>7.3f} "
              f"{r['wire_limit_s']:>8.3f} {r['ratio']:>6.3f}")
    for baud in sorted({r["baud"] for r in report}):
        ours = next(r for r in report if r["baud"] == baud and r["packet_size"] == 128
                    and r["client"].startswith("sidik"))
        theirs = next(r for r in report if r["baud"] == baud and r["client"] == "pyfingerprint")
        print(f"{baud} baud: ours/pyfingerprint wall {ours['wall_s'] / theirs['wall_s']:.3f}, "
              f"cpu {ours['cpu_s'] / max(theirs['cpu_s'], 1e-9):.3f} "
              f"(targets: ratio to wire <= 1.10, wall <= 1, cpu <= 0.2)")
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
