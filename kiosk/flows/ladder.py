"""The fallback ladder: enrolled fingers (best first), then face, then an officer. Pure.

The ladder always ends with the officer, so nobody leaves without a decision a
person made and signed for; rungs that cannot be used are kept in the record as
skipped, with the reason.
"""

from __future__ import annotations

from .actions import SubjectRecord
from .decisions import Rung

# Enrolment order when nothing else is known: index fingers first (best quality on
# optical sensors), then thumbs, then the rest; alternating hands.
PREFERENCE = (1, 6, 0, 5, 2, 7, 3, 8, 4, 9)

FACE = "face"
OFFICER = "officer"


def finger_rung(finger: int) -> str:
    return f"finger:{finger}"


def rung_finger(rung: str) -> int | None:
    return int(rung.split(":", 1)[1]) if rung.startswith("finger:") else None


def plan(record: SubjectRecord) -> tuple[list[str], list[Rung]]:
    """(rungs to try in order, rungs skipped up front with the reason)."""
    rungs: list[str] = []
    skipped: list[Rung] = []
    for f in record.fingers:  # the store lists them best enrolment quality first
        if f.status == "ok":
            rungs.append(finger_rung(f.finger))
        else:
            skipped.append(Rung(finger_rung(f.finger), "skipped", f"template_{f.status}"))
    if not record.fingers:
        skipped.append(Rung("finger", "skipped", "not_enrolled"))
    return [*rungs, FACE, OFFICER], skipped


def face_skip_reason(record: SubjectRecord, face_matcher=None) -> str | None:
    """Why the face rung cannot be used, or None when it can."""
    if not record.face_available:
        return "no_face_template"
    if face_matcher is None:
        return "face_modality_unavailable"
    if record.face is None or record.face.status != "ok":
        return f"template_{record.face.status if record.face else 'corrupt'}"
    return None
