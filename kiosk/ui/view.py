"""What the screen shows, as plain data: the app changes it, the screens draw it."""

from __future__ import annotations

from dataclasses import dataclass, field

SCREENS = ("idle", "language", "nik", "card", "finger", "face", "wait", "officer_decide",
           "officer_reason", "officer_pin", "result", "receipt", "tech")


@dataclass
class View:
    screen: str = "idle"
    lang: str = "id"
    nik: str = ""
    prompt: object | None = None  # the flow's last Prompt (flows.actions.Prompt)
    capture: object | None = None  # the RequestCapture / RequestFaceCapture in progress
    attempts_total: int = 3  # the most captures one finger gets
    card: dict | None = None  # {"name": ..., "programmes": [...]}
    result: object | None = None  # the flow's ShowResult
    programme: str = ""
    period: str = ""
    officer_mode: bool = False  # an officer is signed in or being asked to
    officer_assisted: bool = False  # the result was decided by an officer
    officer_choice: str | None = None  # decision picked, reason still to pick
    choices: tuple = ()
    reasons: dict = field(default_factory=dict)
    status: dict = field(default_factory=dict)  # technician panel and the link line
    face_frame: object | None = None  # a pygame.Surface of the camera preview
    face_prompt: str | None = None  # the liveness challenge asked now (a face Guidance code)
    flash: tuple | None = None  # the colour the liveness check wants on the face
    phase: float = 0.0  # animation phase in [0, 1)
    volume: float = 0.8
    return_to: str | None = None  # the language screen goes back here
    pin_officers: tuple = ()  # (officer_id, name) who may sign in with a PIN
    pin_officer: str | None = None  # the one picked
    pin: str = ""  # typed so far (drawn masked, never spoken)
    pin_tries_left: int = 0
    pin_wrong: bool = False  # the last PIN was wrong
    pin_closed: bool = False  # too many wrong PINs: the PIN key is gone for this session
    pin_page: int = 0  # officers are shown a page at a time

    def wipe(self) -> None:
        """Forget the person: nothing of theirs stays on the screen."""
        keep = {"lang": "id", "status": self.status, "volume": self.volume,
                "programme": self.programme, "period": self.period,
                "attempts_total": self.attempts_total}
        fresh = View(**keep)
        self.__dict__.update(fresh.__dict__)
