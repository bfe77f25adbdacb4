"""What the enrolment and verification flows share: dispatch, officer sign-in, commit.

A flow is ``step(event) -> list[action]``. Its state is a dataclass of plain
JSON values (``to_dict``/``from_dict``); templates, images and galleries are
held beside it and never serialised (``resume`` asks for them again).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from ..biometrics.fingerprint.interface import FingerprintMatcher
from . import actions as A
from .biometric import OFFICER_REASONS, assess, best_match
from .decisions import CANCELLED, ERROR, REFERRED, Attempt, Decision, OfficerSignoff
from .prompts import guidance_text, prompt_text, result_text

DONE, FAILED, COMMITTING = "done", "failed", "committing"
OFFICER_AUTH, LOADING_OFFICERS = "officer_auth", "loading_officers"


class UnexpectedEvent(ValueError):
    """An event the flow cannot take in its current state (a bug in the driver)."""


@dataclass
class BaseState:
    state: str = "idle"
    nik: str | None = None
    name: str | None = None
    attempts: list[dict] = field(default_factory=list)
    officer: dict | None = None
    officer_tries: int = 0
    result: dict | None = None


class Flow:
    State = BaseState
    kind = "flow"
    officer_attempts = 4

    def __init__(self, matcher: FingerprintMatcher):
        self.matcher = matcher
        self.s = self.State()
        self._officers: tuple[A.GalleryEntry, ...] = ()
        self._decision: Decision | None = None

    # ---- driving ------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self.s.state

    @property
    def finished(self) -> bool:
        return self.s.state in (DONE, FAILED)

    def step(self, event) -> list:
        kind = getattr(event, "kind", None)
        if self.finished:
            raise UnexpectedEvent(f"the flow has ended; got {kind}")
        if kind == "cancel" and self.s.state != COMMITTING:
            return self._cancelled(event.by)
        handler = getattr(self, f"_on_{self.s.state}_{kind}", None)
        if handler is None:
            raise UnexpectedEvent(f"{kind} is not expected in state {self.s.state}")
        return handler(event)

    def accepts(self, event) -> bool:
        """Whether ``event`` can be taken now (a driver asks before an officer's step-in)."""
        kind = getattr(event, "kind", None)
        return not self.finished and hasattr(self, f"_on_{self.s.state}_{kind}")

    def to_dict(self) -> dict:
        return {"flow": self.kind, **asdict(self.s)}

    @classmethod
    def from_dict(cls, matcher: FingerprintMatcher, data: dict, **kw):
        flow = cls(matcher, **kw)
        known = {f.name for f in fields(cls.State)}
        flow.s = cls.State(**{k: v for k, v in data.items() if k in known})
        return flow

    # ---- helpers ------------------------------------------------------------------------------
    def _attempt(self, purpose: str, finger: int | None, result: str,
                 quality: float | None = None, score: float | None = None,
                 guidance: str | None = None) -> None:
        self.s.attempts.append(asdict(Attempt(purpose, finger, result, quality, score, guidance)))

    def _say(self, code: str, audience: str = "person", finger: int | None = None,
             guidance: str | None = None, **kw) -> A.Prompt:
        pesan, message = prompt_text(code, finger=finger, **kw)
        return A.Prompt(code, pesan, message, finger, guidance, audience)

    def _guide(self, guidance: str, finger: int | None, audience: str = "person") -> A.Prompt:
        pesan, message = guidance_text(guidance, finger)
        return A.Prompt(f"guidance_{guidance}", pesan, message, finger, guidance, audience)

    def _finish(self, outcome: str, reason: str, **kw) -> list:
        self._decision = self._decision_for(outcome, reason, **kw)
        self.s.state = COMMITTING
        self.s.result = {"outcome": outcome, "reason": reason}
        return [A.Commit(self._decision)]

    def _decision_for(self, outcome: str, reason: str, **kw) -> Decision:
        officer = OfficerSignoff(**self.s.officer) if self.s.officer else None
        return Decision(kind=self.kind, outcome=outcome, reason=reason, nik=self.s.nik,
                        attempts=[Attempt(**a) for a in self.s.attempts], officer=officer,
                        **{"model": self.matcher.version, **kw})

    def _cancelled(self, by: str) -> list:
        reason = "cancelled_by_officer" if by == "officer" else "cancelled_by_person"
        if self.s.nik is None and not self.s.attempts:
            return self._show(A.ShowResult("cancelled", reason, *result_text(reason)), DONE)
        return self._finish(CANCELLED, reason)

    def _show(self, result: A.ShowResult, state: str) -> list:
        self.s.state = state
        self.s.result = {"outcome": result.outcome, "reason": result.reason,
                         "event_id": result.event_id}
        return [result]

    # ---- commit -------------------------------------------------------------------------------
    def _result_text(self, reason: str) -> tuple[str, str]:
        return result_text(reason)

    def _text_code(self, reason: str) -> str:
        """The result text to show for ``reason`` (a flow may say more than the reason)."""
        return reason

    def _on_committing_committed(self, ev) -> list:
        code = self._text_code(ev.reason)
        pesan, message = self._result_text(code)
        return self._show(A.ShowResult(ev.outcome, ev.reason, pesan, message, ev.event_id,
                                       ev.receipt, self.s.name,
                                       code if code != ev.reason else None), DONE)

    def _on_committing_commit_failed(self, ev) -> list:
        pesan, message = result_text("storage_error")
        return self._show(A.ShowResult(ERROR, "storage_error", pesan,
                                       f"{message}: {ev.code}: {ev.message}"), FAILED)

    # ---- officer sign-in (both flows) --------------------------------------------------------
    def _ask_officers(self) -> list:
        self.s.state = LOADING_OFFICERS
        return [self._say("officer_needed"), A.LoadOfficers()]

    def _officer_capture_request(self) -> list:
        self.s.state = OFFICER_AUTH
        return [self._say("officer_place_finger", audience="officer"),
                A.RequestCapture(None, "officer", self.s.officer_tries + 1)]

    def _on_officer_auth_finger_captured(self, ev) -> list:
        self.s.officer_tries += 1
        got = assess(self.matcher, ev.image)
        if not got.usable:
            self._attempt("officer", None, got.reason, got.quality, guidance=got.guidance)
            return self._officer_retry([self._guide(got.guidance, None, "officer")])
        scored = best_match(self.matcher, got.template, self._officers)
        if not scored or scored[0][1] < self.matcher.verify_threshold:
            self._attempt("officer", None, "no_match", got.quality,
                          scored[0][1] if scored else None)
            return self._officer_retry([self._say("officer_not_recognised", "officer")])
        entry, score = scored[0]
        if entry.nik == self.s.nik:
            self._attempt("officer", entry.finger, "self_signoff_refused", got.quality, score)
            return self._officer_retry([self._say("officer_self", "officer")])
        self._attempt("officer", entry.finger, "match", got.quality, score)
        self.s.officer = {"officer_id": entry.officer_id, "reason": "", "note": None,
                          "score": score, "finger": entry.finger, "auth": "fingerprint"}
        return self._officer_signed_in(entry)

    def _on_officer_auth_capture_failed(self, ev) -> list:
        self.s.officer_tries += 1
        self._attempt("officer", None, f"capture_failed:{ev.reason}")
        return self._officer_retry([self._guide("no_finger", None, "officer")])

    def _officer_retry(self, prompts: list) -> list:
        if self.s.officer_tries >= self.officer_attempts:
            return self._finish_referred("officer_auth_failed")
        return [*prompts, A.RequestCapture(None, "officer", self.s.officer_tries + 1)]

    def _finish_referred(self, reason: str) -> list:
        return self._finish(REFERRED, reason)

    def _officer_signed_in(self, entry: A.GalleryEntry) -> list:
        raise NotImplementedError

    @staticmethod
    def _check_choice(ev: A.OfficerChoice, choices: tuple[str, ...],
                      reasons: dict | None = None) -> None:
        if ev.choice not in choices:
            raise UnexpectedEvent(f"choice {ev.choice!r} is not one of {choices}")
        allowed = (reasons or {}).get(ev.choice)
        if allowed and ev.reason not in allowed:
            raise UnexpectedEvent(f"reason {ev.reason!r} for {ev.choice} is not one of {allowed}")


__all__ = ["OFFICER_REASONS", "Flow", "UnexpectedEvent"]
