"""The face rung's whole capture on simulated live people: liveness, best frame, same-person check.

    nice -n 10 .venv/bin/python bench/face_same_person.py ../shared/data/faces/yalefaces [--every 4]

Each still (every ``--every``-th image of the folder) becomes a live person
(hw_sim.camera.faces.LiveActor) in front of ``kiosk.runtime.capture.LiveFaces``, as the
kiosk runs it: how many sessions are live, how many give a template, and the scores
between the matched frame and the frame from another part of the session (the
``same_person`` check, LiveFaces.SAME_PERSON).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np


def main(argv=None) -> int:
    from hw_sim.camera.faces import ActorSource, FaceGeometry, LiveActor
    from kiosk.biometrics.face.evaluate import list_samples, load_rgb
    from kiosk.biometrics.face.liveness import LivenessAnalyser
    from kiosk.biometrics.face.matcher import FaceMatcher
    from kiosk.runtime.capture import LiveFaces

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--every", type=int, default=4)
    args = ap.parse_args(argv)
    matcher = FaceMatcher()
    analyser = LivenessAnalyser(detector=matcher.detector)
    outcomes: Counter = Counter()
    scores = []
    for k, (_person, path) in enumerate(list_samples(args.data)[::args.every]):
        still = load_rgb(path)
        faces = matcher.detector.detect(still)
        if not faces:
            outcomes["no_face_in_still"] += 1
            continue
        geo = FaceGeometry.from_keypoints(faces[0].keypoints, faces[0].box)
        shown = {"prompt": None, "colour": (0, 0, 0)}
        source = ActorSource(LiveActor(still, geo, seed=k),
                             prompt=lambda _t, shown=shown: shown["prompt"],
                             screen=lambda _t, shown=shown: shown["colour"])

        def grab(t, prompt, colour, source=source, shown=shown):
            shown.update(prompt=prompt, colour=colour)
            return source.next_image()

        faces_source = LiveFaces(grab, analyser, matcher, seed=k)
        got = faces_source.capture("recipient", 1)
        outcome = ("template" if got.template is not None
                   else f"not_live:{got.liveness_reason}" if not got.live
                   else f"no_template:{got.failure}")
        outcomes[outcome] += 1
        if faces_source.last_same_person_score is not None:
            scores.append(faces_source.last_same_person_score)
        print(f"{path.name}: {outcome}  same-person {faces_source.last_same_person_score}",
              flush=True)
    s = np.array(scores)
    summary = {"sessions": sum(outcomes.values()), "outcomes": dict(outcomes),
               "same_person_bar": LiveFaces.SAME_PERSON,
               "same_person_min": float(s.min()) if len(s) else None,
               "same_person_median": float(np.median(s)) if len(s) else None}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
