"""Benchmark: finger on the glass -> result on the kiosk screen, in the demo.

The whole kiosk runs as ``kiosk demo`` does (simulated sensor at line rate, the
demo village, the matcher ``kiosk demo`` picks), headless; a scripted person
types Ani's NIK, confirms the card and puts her finger down. Each verification
is split into:

* capture  - GenImg until the sensor sees the finger (the simulator places it at once)
* upload   - UpImage: 36,864 image bytes at 115,200 baud (the finger can be lifted)
* matching - the flow's step: quality gate, extraction, comparison
* decision - the signed event committed to SQLite and the flow's result
* display  - result posted by the flow thread until the frame showing it is flipped

plus the time to draw one frame of the finger screen (uncapped: the headroom),
frames per second and the longest frame gap while the image uploads (the
screen loop runs at 30 fps, as in ``kiosk run``), and the process RSS with
everything loaded (target: at most 300 MB).

    .venv/bin/python bench/ui_latency.py [--runs 5] [--matcher auto|standin] [--json]
        [--face PHOTO]   # the face models loaded too (and Wati enrolled): the RSS with them
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import itertools

import pygame

from kiosk.cli.coredata import choose_matcher
from kiosk.ui import demo_world
from kiosk.ui.kiosk import demo_kiosk
from kiosk.ui.script import BEGIN, NIKS, Player


def rss_mb() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text()
                  .splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def one_run(village: Path, work: Path, matcher, make, face=None) -> dict:
    shutil.copytree(village, work)
    marks: dict[str, float] = {}
    with demo_kiosk(work, matcher=matcher, make=make, pace=True, broker=None,
                    progress=lambda _m: None, face=face) as app:
        sensor = app.fingers.inner.sensor

        def timed(name, fn):
            def run(*a, **kw):
                marks[f"{name}_start"] = time.perf_counter()
                marks[f"{name}_frames0"] = app.frames
                try:
                    return fn(*a, **kw)
                finally:
                    marks[f"{name}_end"] = time.perf_counter()
                    marks[f"{name}_frames1"] = app.frames
            return run

        sensor.wait_for_finger = timed("capture", sensor.wait_for_finger)
        sensor.up_image = timed("upload", sensor.up_image)
        post = app.driver.post

        def posting(kind, token, payload):
            if kind == "show_result":
                marks["posted"] = time.perf_counter()
            post(kind, token, payload)

        app.driver.post = posting
        player = Player(app)
        player.play([*BEGIN, ("nik", NIKS["ani"]), ("tap", "ok"), ("wait", "card")])
        player.tap("yes")
        timer = pygame.time.Clock()
        ticks = []
        while app.view.screen != "result":
            app.tick()
            ticks.append(time.perf_counter())
            timer.tick(30)
        assert app.view.result.reason == "matched", app.view.result
        timings = dict(app.driver.timings)
        up0, up1 = marks["upload_start"], marks["upload_end"]
        during = [b - a for a, b in itertools.pairwise(ticks) if up0 <= a <= up1]
        out = {
            "capture_s": marks["capture_end"] - marks["capture_start"],
            "upload_s": up1 - up0,
            "matching_s": timings["step:finger_captured"],
            "decision_s": timings["perform:commit"] + timings["step:committed"],
            "display_s": app.shown_at["show_result"] - marks["posted"],
            "fps_upload": (marks["upload_frames1"] - marks["upload_frames0"]) / (up1 - up0),
            "max_frame_gap_upload_s": max(during) if during else None,
        }
        # Headroom: one frame of the finger screen drawn and flipped, uncapped.
        app.view.screen = "finger"
        t0 = time.perf_counter()
        for _ in range(100):
            app.render()
        out["frame_draw_s"] = (time.perf_counter() - t0) / 100
        out["lift_to_result_s"] = sum(out[k] for k in ("upload_s", "matching_s", "decision_s",
                                                       "display_s"))
        out["total_s"] = out["capture_s"] + out["lift_to_result_s"]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--matcher", default="auto", choices=("auto", "model", "standin"))
    p.add_argument("--json", action="store_true")
    p.add_argument("--face", metavar="PHOTO",
                   help="also load the face models and enable the face rung (for the RSS)")
    args = p.parse_args()
    matcher, label = choose_matcher(args.matcher)
    cache = Path.home() / ".cache" / "sidik" / f"fingers-{demo_world.generator_tag()}"
    make = demo_world.impressions(cache)
    face = None
    if args.face:
        from hw_sim.camera.source import load_rgb
        from kiosk.biometrics.face.matcher import load_face_matcher

        face = (load_face_matcher(), load_rgb(args.face))
    with tempfile.TemporaryDirectory() as tmp:
        village = demo_world.ensure(Path(tmp) / "village", make, lambda _m: None, matcher,
                                    face)
        runs = [one_run(village, Path(tmp) / f"run{i}", matcher, make, face)
                for i in range(args.runs)]
    rss, peak = rss_mb()
    keys = list(runs[0])
    summary = {k: statistics.median(r[k] for r in runs if r[k] is not None) for k in keys}
    if args.json:
        print(json.dumps({"matcher": matcher.version, "runs": runs, "median": summary,
                          "rss_mb": rss, "peak_rss_mb": peak}))
        return
    faces = f", face models {face[0].version} loaded" if face else ""
    print(f"{label}{faces}; {args.runs} verifications, medians:")
    for k in keys:
        v = summary[k]
        print(f"  {k:24} {v * 1000:8.1f} ms" if k.endswith("_s") else f"  {k:24} {v:8.1f}")
    print(f"  RSS now {rss:.0f} MB, peak {peak:.0f} MB (target <= 300 MB)")


if __name__ == "__main__":
    main()
