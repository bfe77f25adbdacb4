"""Runs the flows on their own thread, so the screen never waits for a device.

The UI thread sends commands (start, an answer, confirm, cancel); this thread
steps the flow (matching happens inside its steps), performs its actions with
:class:`kiosk.runtime.session.Session` (captures, store, commit) and posts what
the screen needs as ``(kind, token, payload)`` messages. Each person's session
has a token: messages of a session the screen has moved on from are ignored
there. A cancel that arrives while a capture is running takes effect when the
capture returns (the capture's answer is then dropped); a commit is never
interrupted. An officer's step-in or switch to the PIN keypad (``preempt``) works
the same way: a running capture is never killed, its answer is dropped when it
returns, and the event goes to the flow if the flow can take it there (else the
flow carries on as before).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from ..flows import actions as A
from ..flows.base import COMMITTING

log = logging.getLogger("kiosk.ui")

WAITING = (A.RequestNik, A.RequestOfficerChoice, A.RequestOfficerPin)
CAPTURES = (A.RequestCapture, A.RequestFaceCapture)


class FlowDriver:
    def __init__(self, session, post: Callable[[str, int, object], None]):
        self.session = session
        self.session.show = self._show
        self.post = post
        self.commands: queue.Queue = queue.Queue()
        self.cancelling = threading.Event()
        self.preempting = threading.Event()  # an officer's event waits for the sensor
        self.flow = None
        self.token = -1
        self.pending: list = []
        self.timings: list[tuple[str, float]] = []  # (what, seconds) of the current session
        self._thread = threading.Thread(target=self._loop, name="kiosk-flow", daemon=True)
        self._thread.start()

    # ---- called from the UI thread ----------------------------------------------------------
    def start(self, token: int, flow, start: A.Start) -> None:
        self.commands.put(("start", token, (flow, start)))

    def answer(self, token: int, event) -> None:
        self.commands.put(("event", token, event))

    def confirm(self, token: int) -> None:
        self.commands.put(("confirm", token, None))

    def cancel(self, token: int, by: str = "person") -> None:
        self.cancelling.set()
        self.commands.put(("cancel", token, by))

    def preempt(self, token: int, event) -> None:
        """An officer's event that must not wait for the person's captures (step-in, PIN)."""
        self.preempting.set()
        self.commands.put(("preempt", token, event))

    def stop(self) -> None:
        self.commands.put(("stop", -1, None))
        self._thread.join(5)

    def idle(self) -> bool:
        """Nothing queued and nothing running."""
        return self.commands.unfinished_tasks == 0

    # ---- the flow thread --------------------------------------------------------------------
    def _show(self, action) -> None:
        self.post(action.kind, self.token, action)

    def _loop(self) -> None:
        while True:
            kind, token, payload = self.commands.get()
            if kind == "stop":
                self.commands.task_done()
                return
            try:
                self._command(kind, token, payload)
            except Exception as exc:  # a bug or a device gone mad: say so, never hang
                log.exception("flow failed")
                self.flow = None
                self.post("failure", token, str(exc))
            finally:
                self.commands.task_done()

    def _command(self, kind: str, token: int, payload) -> None:
        if kind == "preempt":
            self.preempting.clear()
        if kind == "start":
            self.cancelling.clear()
            self.preempting.clear()
            self.flow, self.token, self.pending, self.timings = payload[0], token, [], []
            self._run(self._step(payload[1]))
            return
        flow = self.flow
        if token != self.token or flow is None or flow.finished:
            if kind == "cancel":
                self.cancelling.clear()
            return
        if kind == "cancel":
            self.cancelling.clear()
            if flow.state != COMMITTING:
                self.pending = []
                self._run(self._step(A.Cancel(payload)))
        elif kind == "confirm":
            self._run([])
        elif kind == "preempt":
            if flow.accepts(payload):
                self.pending = []
                self._run(self._step(payload))
            else:
                self._run([])  # not here (loading, committing): carry on
        else:
            self._run(self._step(payload))

    def _step(self, event) -> list:
        t = time.perf_counter()
        out = self.flow.step(event)
        self.timings.append((f"step:{event.kind}", time.perf_counter() - t))
        return out

    def _run(self, actions: list) -> None:
        self.pending = [*actions, *self.pending]
        flow = self.flow
        while self.pending:
            if self.cancelling.is_set():
                return  # the cancel command, next in the queue, takes over
            if self.preempting.is_set() and isinstance(self.pending[0], CAPTURES):
                return  # the officer's event, next in the queue, comes first
            action = self.pending.pop(0)
            if isinstance(action, A.Prompt | A.ShowResult):
                self._show(action)
                continue
            if isinstance(action, WAITING):
                self._show(action)  # the person (or officer) answers through the screen
                return
            t = time.perf_counter()
            event = self.session.perform(flow, action)
            self.timings.append((f"perform:{action.kind}", time.perf_counter() - t))
            if self.cancelling.is_set() and flow.state != COMMITTING:
                return
            if self.preempting.is_set() and isinstance(action, CAPTURES):
                self.pending.insert(0, action)  # asked again if the flow refuses the event
                return
            after = self._step(event)
            if isinstance(action, A.LoadRecord) and event.record.found and not any(
                    isinstance(a, A.Commit) for a in after):
                # Eligible: show the person's card and wait until they say it is them.
                self.pending = [*after, *self.pending]
                ents = [f"{e.programme} {e.period}" for e in event.record.entitlements
                        if e.eligible]
                self.post("card", self.token, {"name": event.record.name, "programmes": ents})
                return
            self.pending = [*after, *self.pending]
