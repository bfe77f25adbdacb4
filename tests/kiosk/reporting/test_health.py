"""Component health crosses from the kiosk process to the reporter's heartbeat through the
database: what the last capture saw, with its age; unchanged reports are not rewritten."""

import json

from kiosk.flows import actions as A
from kiosk.runtime.capture import NoCapture
from kiosk.runtime.session import Session
from kiosk.storage.health import REFRESH_S, HealthBoard


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def _writes(db):
    return db.query("SELECT seen_at FROM device_health")


def test_board_reports_reads_and_throttles(kiosk):
    clock = Clock()
    board = HealthBoard(kiosk.store.db, clock)
    assert board.read("sensor") == {"ok": None, "detail": "not reported yet"}
    board.report("sensor", True, last="captured")
    clock.t += 5
    board.report("sensor", True, last="captured")  # unchanged: not written again
    assert _writes(kiosk.store.db) == [(1000.0,)]
    assert board.read("sensor") == {"ok": True, "last": "captured", "since_s": 5,
                                    "seen_s_ago": 5}
    clock.t += REFRESH_S
    board.report("sensor", True, last="captured")  # refreshed once a minute
    assert board.read("sensor")["seen_s_ago"] == 0 and board.read("sensor")["since_s"] == 65
    clock.t += 1
    board.report("sensor", False, last="sensor_error")  # a change: written at once
    assert board.read("sensor") == {"ok": False, "last": "sensor_error", "since_s": 0,
                                    "seen_s_ago": 0}
    # Another process (the reporter) sees the same.
    other = HealthBoard(kiosk.outbox.db, clock)
    assert other.read("sensor")["ok"] is False
    assert set(other.probes()) == {"sensor", "camera", "matcher"}


class _Flow:
    """Just enough of a flow for Session.perform's capture branch."""

    class matcher:
        version = "fp-test-1"


class _Fingers:
    def __init__(self, outcome):
        self.outcome = outcome

    def capture(self, purpose, finger, attempt):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_session_reports_what_captures_saw(kiosk):
    session = Session(kiosk.store, _Fingers(b"image"))
    request = A.RequestCapture(1, "recipient", 1)
    assert isinstance(session.perform(_Flow, request), A.FingerCaptured)
    health = kiosk.store.health
    assert health.read("sensor")["ok"] is True
    assert health.read("matcher")["version"] == "fp-test-1"
    session.fingers = _Fingers(NoCapture("no_finger"))
    session.perform(_Flow, request)
    assert health.read("sensor") | {"since_s": 0} == {"ok": True, "last": "no_finger",
                                                      "since_s": 0, "seen_s_ago": 0}
    session.fingers = _Fingers(NoCapture("sensor_error", "no reply"))
    assert isinstance(session.perform(_Flow, request), A.CaptureFailed)
    assert health.read("sensor")["ok"] is False
    session.perform(_Flow, A.RequestFaceCapture("recipient", 1))
    assert health.read("camera")["ok"] is None  # no camera fitted is not a camera fault


def test_heartbeat_carries_the_kiosk_processes_health(broker, kiosk, hub_store, village,
                                                      make_hub, make_reporter, waiter):
    hub_store.register_device(village, kiosk.identity.public_key.public_bytes_raw())
    make_hub(broker.url)
    kiosk.store.health.report("sensor", False, last="sensor_error")
    kiosk.store.health.report("matcher", True, version="sidik-fp-test")
    make_reporter(kiosk, broker.url, heartbeat_s=0.5, health=HealthBoard(kiosk.outbox.db).probes())

    def status():
        row = hub_store.conn.execute("SELECT payload FROM presence").fetchone()
        return json.loads(row[0]) if row else {}

    assert waiter(lambda: status().get("health", {}).get("sensor", {}).get("ok") is False, 10)
    assert status()["model"] == "sidik-fp-test"  # the matcher the kiosk process uses
    assert status()["health"]["camera"]["ok"] is None
