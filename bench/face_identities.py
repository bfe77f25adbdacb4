"""Can the kiosk's face matcher tell procedural identities apart (hw_sim/camera/identity.py)?

For each identity: an enrolment template from a live session on the simulated camera
(LiveActor animating one photo, LiveFaces running the liveness session and extracting the
best frame, as the kiosk does), and a probe from a second live session on another photo
of the same person (other light, framing, tilt). Genuine: each probe against its own
enrolment; impostor: each probe against every other identity's enrolment. Prints FMR and
FNMR at the matcher's verify threshold and around it.

    .venv/bin/python bench/face_identities.py --identities 100
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def live_capture(matcher, still: np.ndarray, seed: int):
    """A FaceCaptured from one live session of the person in ``still``."""
    from hw_sim.camera.faces import ActorSource, FaceGeometry, LiveActor
    from kiosk.runtime.capture import LiveFaces

    found = matcher.detector.detect(still)
    if not found:
        return None
    geo = FaceGeometry.from_keypoints(found[0].keypoints, found[0].box)
    shown: dict = {"prompt": None, "colour": (0, 0, 0)}
    source = ActorSource(LiveActor(still, geo, seed=seed), prompt=lambda _t: shown["prompt"],
                         screen=lambda _t: shown["colour"])

    def grab(t, prompt, colour):
        shown.update(prompt=prompt, colour=colour)
        return source.next_image()

    return LiveFaces.for_matcher(grab, matcher, seed=seed).capture("recipient", 1)


def main(argv=None) -> int:
    from hw_sim.camera.identity import draw_identity
    from kiosk.biometrics.face.matcher import load_face_matcher

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--identities", type=int, default=100)
    ap.add_argument("--first", type=int, default=0, help="first identity")
    a = ap.parse_args(argv)
    if a.identities < 2:
        ap.error("--identities must be at least 2")
    matcher = load_face_matcher()
    t0 = time.monotonic()
    enrol, probe, failed = {}, {}, {"enrol": 0, "probe": 0}
    for i in range(a.first, a.first + a.identities):
        for name, store, session in (("enrol", enrol, 2 * i), ("probe", probe, 2 * i + 1)):
            got = live_capture(matcher, draw_identity(i, session=session), seed=session)
            if got is None or got.template is None:
                failed[name] += 1
            else:
                store[i] = got.template
    seconds = time.monotonic() - t0
    both = sorted(set(enrol) & set(probe))
    gen = np.array([matcher.compare(probe[i], enrol[i]) for i in both])
    imp = np.array([matcher.compare(probe[i], enrol[j]) for i in probe for j in enrol if i != j])
    thr = matcher.verify_threshold
    print(f"{a.identities} identities, {2 * a.identities} live sessions in {seconds:.0f} s "
          f"({seconds / (2 * a.identities):.1f} s a session); no live usable face: enrolment "
          f"{failed['enrol']}, probe {failed['probe']}")
    print(f"genuine comparisons {len(gen)} (scores {np.min(gen):.3f}..{np.max(gen):.3f}, "
          f"median {np.median(gen):.3f}); impostor comparisons {len(imp)} (median "
          f"{np.median(imp):.3f}, max {np.max(imp):.3f})")
    for t in sorted({thr, 0.6, 0.65, 0.7, 0.75}):
        mark = "  <- verify threshold" if t == thr else ""
        print(f"threshold {t:.2f}: FMR {np.mean(imp >= t):.4%} ({int(np.sum(imp >= t))} of "
              f"{len(imp)}), FNMR {np.mean(gen < t):.2%} ({int(np.sum(gen < t))} of "
              f"{len(gen)}){mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
