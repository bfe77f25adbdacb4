"""Child process of test_crash.py: commits decisions in a loop until it is killed.

Prints ``SHOWN <event_id>`` only after a commit has returned, as a kiosk shows a
decision only then. Interleaves full verification flows (pure flow + stand-in
matcher on cached images), enrolment commits (several template rows) and
cancellations.
"""

import sys

import numpy as np

from kiosk.biometrics.fingerprint.standin import StandInMatcher
from kiosk.clock import Clock
from kiosk.flows import actions as A
from kiosk.flows.decisions import Decision
from kiosk.flows.verify import VerifyFlow
from kiosk.security.keys import DataPaths
from kiosk.storage.store import KioskStore

ANI = "3201015501900001"
DEWI = "3201016110750004"


def main(data_dir: str, images: str, start: int) -> None:
    store = KioskStore.open(DataPaths.resolve(data_dir), clock=Clock())
    matcher = StandInMatcher()
    imgs = list(np.load(images).values())
    print("READY", flush=True)
    i = start
    while True:
        period = f"C{i:04d}"
        flow = VerifyFlow(matcher)
        actions = flow.step(A.Start(ANI, "CRASH", period))
        n = 0
        while not flow.finished:
            action = next(a for a in actions if a.kind not in ("prompt",))
            if action.kind == "load_record":
                event = A.RecordLoaded(store.subject(ANI, "CRASH", period, matcher.version))
            elif action.kind == "request_capture":
                event = A.FingerCaptured(imgs[n % len(imgs)])
                n += 1
            elif action.kind == "load_officers":
                event = A.OfficersLoaded(())
            elif action.kind == "commit":
                event = store.commit(action.decision)
            else:
                raise AssertionError(action)
            actions = flow.step(event)
        shown = next(a for a in actions if a.kind == "show_result")
        print(f"SHOWN {shown.event_id} {shown.outcome}", flush=True)
        d = Decision("enrolment", "enrolled", "enrolled", nik=DEWI, model=matcher.version,
                     templates={1: bytes([i % 256]) * 600, 6: bytes([7]) * 600},
                     qualities={1: 0.9, 6: 0.8})
        c = store.commit(d)
        print(f"SHOWN {c.event_id} {c.outcome}", flush=True)
        c = store.commit(Decision("verification", "cancelled", "cancelled_by_person", nik=DEWI,
                                  programme="CRASH", period=period))
        print(f"SHOWN {c.event_id} {c.outcome}", flush=True)
        i += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
