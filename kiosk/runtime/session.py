"""Runs a flow to its end: performs each action and feeds the answer back.

This is the glue between the pure flows and the world: the store, the matcher,
a finger source and the people (callbacks for the NIK and for officer choices;
the CLI answers them from options or prompts, the UI from touches).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from ..flows import actions as A
from ..flows.base import Flow
from ..storage.db import StorageError
from ..storage.store import KioskStore
from .capture import NoCapture

log = logging.getLogger(__name__)

# Answers a RequestNik with the NIK, or None to give up (the flow records a cancellation).
NikAnswer = Callable[[A.RequestNik], str | None]
# Answers a RequestOfficerChoice with an event (OfficerChoice, FingerExceptionMarked,
# Finish or Cancel).
OfficerAnswer = Callable[[A.RequestOfficerChoice], object]


@dataclass
class Session:
    store: KioskStore
    fingers: object  # .capture(purpose, finger, attempt) -> image
    # .capture(purpose, attempt) -> FaceCaptured (liveness session + probe); None: no camera
    faces: object | None = None
    ask_nik: NikAnswer = lambda _req: None
    ask_officer: OfficerAnswer = lambda _req: A.Cancel("officer")
    # Answers a RequestOfficerPin (OfficerPinEntered or OfficerUseFinger); only the screen
    # has a PIN keypad.
    ask_pin: Callable[[A.RequestOfficerPin], object] = lambda _req: A.OfficerUseFinger()
    show: Callable[[object], None] = lambda _action: None
    trace: list = field(default_factory=list)

    def run(self, flow: Flow, start) -> A.ShowResult:
        """Drive ``flow`` from ``start`` until it shows its result."""
        queue = list(flow.step(start))
        result = None
        while queue:
            action = queue.pop(0)
            self.trace.append(action.kind)
            if isinstance(action, A.Prompt):
                self.show(action)
                continue
            if isinstance(action, A.ShowResult):
                self.show(action)
                result = action
                continue
            event = self.perform(flow, action)
            queue.extend(flow.step(event))
        if result is None:
            raise RuntimeError(f"flow stopped in state {flow.state} without a result")
        return result

    def _health(self, component: str, ok: bool, **detail) -> None:
        board = getattr(self.store, "health", None)
        if board is not None:
            board.report(component, ok, **detail)

    def perform(self, flow: Flow, action):
        """One action -> the event that answers it."""
        matcher = flow.matcher
        if isinstance(action, A.LoadRecord):
            face_matcher = getattr(flow, "face_matcher", None)
            return A.RecordLoaded(self.store.subject(
                action.nik, action.programme, action.period, matcher.version,
                face_matcher.version if face_matcher is not None else None))
        if isinstance(action, A.LoadGallery):
            return A.GalleryLoaded(tuple(self.store.gallery(matcher.version,
                                                            exclude_nik=action.exclude_nik)))
        if isinstance(action, A.LoadOfficers):
            return A.OfficersLoaded(tuple(self.store.gallery(matcher.version,
                                                             officers_only=True)),
                                    any_officer=bool(self.store.officers()),
                                    pins=tuple(self.store.officer_pins()))
        if isinstance(action, A.RequestCapture):
            self.show(action)
            try:
                image = self.fingers.capture(action.purpose, action.finger, action.attempt)
            except NoCapture as exc:
                # No finger in time is the person, not the sensor: the link worked.
                self._health("sensor", exc.reason != "sensor_error", last=exc.reason)
                return A.CaptureFailed(exc.reason)
            self._health("sensor", True, last="captured")
            self._health("matcher", True, version=matcher.version)
            return A.FingerCaptured(image)
        if isinstance(action, A.RequestFaceCapture):
            self.show(action)
            if self.faces is None:
                return A.FaceCaptured(None, False, failure="camera_unavailable")
            captured = self.faces.capture(action.purpose, action.attempt, avoid=action.avoid)
            failure = getattr(captured, "failure", None)
            self._health("camera", failure not in ("camera_unavailable", "camera_error"),
                         last=failure or "captured")
            return captured
        if isinstance(action, A.RequestNik):
            nik = self.ask_nik(action)
            return A.NikEntered(nik) if nik is not None else A.Cancel("person")
        if isinstance(action, A.RequestOfficerChoice):
            return self.ask_officer(action)
        if isinstance(action, A.RequestOfficerPin):
            return self.ask_pin(action)
        if isinstance(action, A.Commit):
            try:
                return self.store.commit(action.decision)
            except StorageError as exc:
                log.error("decision not recorded (%s): %s", exc.code, exc)
                return A.CommitFailed(exc.code, str(exc))
        raise TypeError(f"unknown action {action!r}")
