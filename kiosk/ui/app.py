"""The kiosk screen: pygame events in, flow commands out, the view drawn every frame.

The app owns the :class:`View` and the screen; a :class:`FlowDriver` owns the
flow and the devices on its own thread. Touches, mouse clicks and keys become
button presses (``press``); the driver's messages change the view. An
inactivity timeout cancels whatever is going on and wipes the screen.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

import pygame

from ..flows import actions as A
from . import screens
from .canvas import Canvas
from .driver import FlowDriver
from .view import View

log = logging.getLogger("kiosk.ui")

SIZES = {"800x480": (800, 480), "1280x720": (1280, 720), "720x1280": (720, 1280)}
FLOW_SCREENS = ("nik", "card", "finger", "face", "wait", "officer_decide", "officer_reason",
                "officer_pin")
PIN_MAX = 8


class KioskApp:
    def __init__(self, session, make_flow: Callable[[], object], *, programme: str,
                 period: str, attempts: int = 3, voice=None,
                 status: Callable[[], dict] | None = None, size=(800, 480),
                 fullscreen: bool = False, clock: Callable[[], float] = time.monotonic,
                 timeout_s: float = 45.0, result_timeout_s: float = 20.0,
                 status_every_s: float = 2.0):
        pygame.display.init()
        pygame.font.init()
        flags = pygame.FULLSCREEN if fullscreen else 0
        self.surface = pygame.display.set_mode(size, flags)
        pygame.display.set_caption("Sidik")
        pygame.mouse.set_visible(not fullscreen)
        self.make_flow = make_flow
        self.view = View(programme=programme, period=period, attempts_total=attempts)
        self.voice = voice
        if voice is not None:
            self.view.volume = voice.volume
        self.clock = clock
        self.timeout_s, self.result_timeout_s = timeout_s, result_timeout_s
        self.inbox: queue.Queue = queue.Queue()
        self.driver = FlowDriver(session, self._post)
        self.token = 0
        self.last_activity = clock()
        self.canvas: Canvas | None = None
        self.frames = 0
        self.running = True
        self.spoken: list | None = None
        self.shown_at: dict[str, float] = {}  # message kind -> perf_counter when drawn
        self._drawn_kinds: list[str] = []
        self._status_stop = threading.Event()
        self._status_thread: threading.Thread | None = None
        if status is not None:
            self._status_thread = threading.Thread(
                target=self._poll_status, args=(status, status_every_s), name="kiosk-status",
                daemon=True)
            self._status_thread.start()

    # ---- plumbing -----------------------------------------------------------------------------
    def _post(self, kind: str, token: int, payload) -> None:
        self.inbox.put((kind, token, payload))

    def _poll_status(self, probe, every: float) -> None:
        while not self._status_stop.is_set():
            try:
                self._post("status", -1, probe())
            except Exception as exc:  # a broken probe must not take the screen down
                log.warning("status probe failed: %s", exc)
            self._status_stop.wait(every)

    def close(self) -> None:
        self._status_stop.set()
        # Joined, not left to die with the interpreter: a daemon thread still in a probe
        # while Python shuts down can abort the process instead of a clean exit.
        if self._status_thread is not None:
            self._status_thread.join(5)
        self.driver.stop()
        if self.voice is not None:
            self.voice.close()
        pygame.display.quit()

    # ---- one frame --------------------------------------------------------------------------
    def tick(self) -> bool:
        for event in pygame.event.get():
            self.handle(event)
        while True:
            try:
                kind, token, payload = self.inbox.get_nowait()
            except queue.Empty:
                break
            self.receive(kind, token, payload)
        self._check_timeout()
        self.render()
        return self.running

    def run(self, fps: int = 30) -> None:
        timer = pygame.time.Clock()
        while self.tick():
            timer.tick(fps)

    def render(self) -> None:
        v = self.view
        v.phase = (self.clock() % 1.5) / 1.5
        canvas = Canvas(self.surface)
        screens.draw(canvas, v)
        self.canvas = canvas
        pygame.display.flip()
        self.frames += 1
        now = time.perf_counter()
        for kind in self._drawn_kinds:
            self.shown_at[kind] = now
        self._drawn_kinds = []
        self._speak()

    def screenshot(self, path) -> None:
        pygame.image.save(self.surface, str(path))

    # ---- input --------------------------------------------------------------------------------
    def handle(self, event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            if not getattr(event, "touch", False):  # SDL's copy of a touch: taken below
                self._touch(event.pos)
        elif event.type == pygame.FINGERUP:
            w, h = self.surface.get_size()
            self._touch((int(event.x * w), int(event.y * h)))
        elif event.type == pygame.KEYDOWN:
            self._key(event)

    def _touch(self, pos) -> None:
        target = self.canvas.target_at(pos) if self.canvas else None
        if target is not None:
            self.press(target.id)

    def _key(self, event) -> None:
        v = self.view
        if event.key == pygame.K_ESCAPE:
            self.press("cancel" if v.screen in FLOW_SCREENS else "back")
        elif v.screen == "nik" and event.unicode.isdigit():
            self.press(f"key:{event.unicode}")
        elif v.screen == "nik" and event.key == pygame.K_BACKSPACE:
            self.press("key:del")
        elif v.screen == "officer_pin" and event.unicode.isdigit():
            self.press(f"pin:{event.unicode}")
        elif v.screen == "officer_pin" and event.key == pygame.K_BACKSPACE:
            self.press("pin:del")
        elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            self.press({"nik": "ok", "card": "yes", "idle": "start", "officer_pin": "pin_ok",
                        "result": "done", "receipt": "done"}.get(v.screen, ""))
        elif event.key == pygame.K_F12 and v.screen == "idle":
            self.press("tech")

    def press(self, bid: str) -> None:
        """A button: what the person (or officer) asked for."""
        v = self.view
        self.last_activity = self.clock()
        kind, _, arg = bid.partition(":")
        if bid == "start" or (bid == "lang" and v.screen == "idle"):
            v.screen, v.return_to = "language", None  # choosing a language starts
        elif bid == "lang":
            v.return_to, v.screen = v.screen, "language"
        elif kind == "lang":
            v.lang = arg
            if v.return_to:
                v.screen, v.return_to = v.return_to, None
            else:
                self._begin()
        elif bid == "back":
            if v.screen == "language":
                v.screen, v.return_to = v.return_to or "idle", None
            elif v.screen == "officer_reason":
                v.screen, v.officer_choice = "officer_decide", None
            else:
                self._to_idle()
        elif kind == "key":
            if arg == "del":
                v.nik = v.nik[:-1]
            elif len(v.nik) < 16:
                v.nik += arg
        elif bid == "ok":
            self.driver.answer(self.token, A.NikEntered(v.nik))
            v.screen, v.prompt = "wait", None
        elif bid == "yes":
            self.driver.confirm(self.token)
            v.screen = "wait"
        elif bid in ("cancel", "no"):
            self.driver.cancel(self.token, "person")
            v.screen = "wait"
        elif bid == "cancel_officer":
            self.driver.cancel(self.token, "officer")
            v.screen = "wait"
        elif bid == "step_in":  # an officer takes over; the flow records it
            self.driver.preempt(self.token, A.OfficerStepIn())
            v.screen, v.prompt, v.officer_mode = "wait", None, True
        elif bid == "pin":  # at the officer's sign-in: the PIN keypad instead of the finger
            self.driver.preempt(self.token, A.OfficerUsePin())
            v.screen = "wait"
        elif kind == "pin_officer":
            v.pin_officer, v.pin_wrong = arg, False
        elif bid == "pin_more":
            v.pin_page += 1
        elif kind == "pin":
            if arg == "del":
                v.pin = v.pin[:-1]
            elif len(v.pin) < PIN_MAX:
                v.pin += arg
        elif bid == "pin_ok":
            if v.pin_officer and len(v.pin) >= 4:
                self.driver.answer(self.token, A.OfficerPinEntered(v.pin_officer, v.pin))
                v.pin, v.screen = "", "wait"
        elif bid == "pin_back":
            v.pin = ""
            self.driver.answer(self.token, A.OfficerUseFinger())
            v.screen = "wait"
        elif kind == "choice":
            if v.reasons.get(arg):
                v.officer_choice, v.screen = arg, "officer_reason"
            else:
                self.driver.answer(self.token, A.OfficerChoice(arg))
                v.screen = "wait"
        elif kind == "reason":
            self.driver.answer(self.token, A.OfficerChoice(v.officer_choice, arg))
            v.screen = "wait"
        elif bid == "receipt":
            v.screen = "receipt"
        elif bid == "done":
            self._to_idle()
        elif bid == "tech":
            v.screen = "tech"
        elif kind == "vol":
            v.volume = max(0.0, min(1.0, round(v.volume + (0.1 if arg == "up" else -0.1), 1)))
            if self.voice is not None:
                self.voice.set_volume(v.volume)
                self.spoken = None  # say the screen again at the new volume

    def _begin(self) -> None:
        """A new person: a new session token and a fresh flow."""
        self.token += 1
        v = self.view
        v.screen, v.nik, v.prompt = "wait", "", None
        flow = self.make_flow()
        self.driver.start(self.token, flow, A.Start(None, v.programme, v.period))

    def _to_idle(self) -> None:
        self.token += 1  # whatever the old session still says is not for this screen
        self.view.wipe()
        self.spoken = None

    def _check_timeout(self) -> None:
        v = self.view
        if v.screen == "idle":
            return
        limit = self.result_timeout_s if v.screen in ("result", "receipt", "tech") \
            else self.timeout_s
        if self.clock() - self.last_activity < limit:
            return
        log.info("inactivity on %s: back to idle", v.screen)
        if v.screen in FLOW_SCREENS or (v.screen == "language" and v.return_to):
            self.driver.cancel(self.token, "person")  # recorded if anything was captured
        self._to_idle()

    # ---- the flow's messages ------------------------------------------------------------------
    def receive(self, kind: str, token: int, payload) -> None:
        v = self.view
        if kind == "status":
            v.status = payload
            return
        if token != self.token:
            return
        self.last_activity = self.clock()
        self._drawn_kinds.append(kind)
        returning = v.screen == "language" and v.return_to
        target = None
        if kind == "prompt":
            v.prompt = payload
            if payload.audience == "officer" or payload.code in ("officer_needed",
                                                                 "officer_authenticated",
                                                                 "officer_step_in"):
                v.officer_mode = True
            if payload.code in ("officer_pin_closed", "officer_pin_unavailable"):
                v.pin_closed = True
            if v.screen not in ("nik", "finger", "face", "officer_pin"):
                target = "wait"
        elif kind == "request_nik":
            target = "nik"
        elif kind == "request_capture":
            v.capture = payload
            v.officer_mode = payload.purpose == "officer"
            if payload.purpose == "officer":
                v.officer_assisted = True
            target = "finger"
        elif kind == "request_face_capture":
            v.capture, v.face_frame, v.face_prompt, v.flash = payload, None, None, None
            target = "face"
        elif kind == "face_frame":
            from .camera import to_surface

            v.face_prompt, v.flash = payload["prompt"], payload["colour"]
            if payload.get("frame") is not None:
                v.face_frame = to_surface(payload["frame"])
            self._drawn_kinds.pop()  # a preview frame is not a step of the flow
        elif kind == "request_officer_pin":
            v.pin_officers, v.pin_tries_left = payload.officers, payload.tries_left
            v.pin_wrong, v.pin = payload.reason == "pin_wrong", ""
            if len(payload.officers) == 1:
                v.pin_officer = payload.officers[0][0]
            elif v.pin_officer not in {o for o, _ in payload.officers}:
                v.pin_officer = None
            v.officer_mode = True
            target = "officer_pin"
        elif kind == "card":
            v.card = payload
            target = "card"
        elif kind == "request_officer_choice":
            v.choices, v.reasons = payload.choices, dict(payload.reasons)
            v.officer_mode = True
            target = "officer_decide"
        elif kind == "show_result":
            v.result = payload
            v.officer_assisted = v.officer_assisted or payload.reason.startswith("officer_")
            v.officer_mode = False
            target = "result"
        elif kind == "failure":
            from ..flows.prompts import result_text

            v.result = A.ShowResult("error", "storage_error", *result_text("storage_error"))
            v.officer_mode = False
            target = "result"
        if target is not None:
            if returning:
                v.return_to = target
            else:
                v.screen = target

    def _speak(self) -> None:
        if self.voice is None:
            return
        parts = screens.speech_parts(self.view)
        if parts and parts != self.spoken:
            self.spoken = parts
            if len(parts) == 1:
                self.voice.say(parts[0][1], parts[0][0])
            else:
                self.voice.say_many(parts)
