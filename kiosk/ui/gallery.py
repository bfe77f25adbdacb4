"""Every screen in every language, drawn from sample views: the gallery in docs/screens/.

``python -m kiosk.ui.gallery [--out docs/screens] [--size 800x480]`` regenerates it.
The accessibility tests draw the same samples (``samples()``), results for every
reason included, so the longest texts are checked too.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..flows import actions as A
from ..flows.biometric import OFFICER_REASONS
from ..flows.prompts import COME_BACK
from ..flows.prompts import prompt_text as flow_prompt
from . import i18n
from .view import View

NAME, NIK = "Ani Suryani", "3201015501900001"
RECEIPT = ("SR1:" + "7Q5%9O1JX*ZJ6O$0:UE.LP3C6AO5-BQ8O4S2$P8PC5/ZFTH3DDK4.9T9-5W+GN0CR4EXC02"
           "PFX0P6PJ9IPQ1G$79:K7J2OPDO1:6:NI1F.83LQ:1F5EFJ:QV4*LZ+J.8")
PROGRAMME, PERIOD = "PKH", "2025-Q1"
OFFICERS = (("OFF-1", "Eko Prasetyo"), ("OFF-2", "Fajar Nugroho"))
MANY_OFFICERS = (*OFFICERS, ("OFF-3", "Eko Saputra"), ("OFF-4", "Gita Permata"),
                 ("OFF-5", "Hadi Wijaya"))


def _prompt(code: str, finger: int | None = None, audience: str = "person") -> A.Prompt:
    pesan, message = flow_prompt(code, finger=finger)
    return A.Prompt(code, pesan, message, finger, None, audience)


# Result texts more specific than a booked reason (ShowResult.text_code): the reason booked.
TEXT_CODES = {COME_BACK: "officer_referred"}


def _result(outcome: str, reason: str, receipt: str | None = None) -> A.ShowResult:
    from ..flows.prompts import result_text

    pesan, message = result_text(reason, PROGRAMME, PERIOD)
    booked = TEXT_CODES.get(reason, reason)
    return A.ShowResult(outcome, booked, pesan, message, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
                        receipt, NAME if outcome != "cancelled" else None,
                        reason if booked != reason else None)


RESULT_REASONS = {
    "accepted": ("matched", "officer_approved"),
    "rejected": ("not_in_roster", "not_in_programme", "not_eligible_period", "already_claimed",
                 "deceased", "moved", "civil_servant", "above_income_threshold", "land_owner",
                 "duplicate_identity", "suspended", "officer_denied", "unknown_code"),
    "referred": ("officer_referred", COME_BACK, "officer_unavailable",
                 "officer_auth_failed", "nik_invalid"),
    "cancelled": ("cancelled_by_person", "cancelled_by_officer"),
    "error": ("storage_error",),
}


def _preview():
    """A stand-in camera frame for the gallery: a face-like shape on a wall."""
    import pygame

    img = pygame.Surface((320, 240))
    img.fill((150, 160, 170))
    pygame.draw.ellipse(img, (40, 30, 25), pygame.Rect(102, 28, 116, 150))
    pygame.draw.ellipse(img, (200, 150, 120), pygame.Rect(110, 50, 100, 130))
    for x in (140, 180):
        pygame.draw.ellipse(img, (60, 40, 30), pygame.Rect(x - 8, 100, 16, 8))
    pygame.draw.arc(img, (150, 60, 60), pygame.Rect(140, 140, 40, 16), 3.5, 5.9, 3)
    return img


def samples(lang: str, every_result: bool = False) -> list[tuple[str, View]]:
    """(name, view) for every screen, with representative data."""
    base = {"lang": lang, "programme": PROGRAMME, "period": PERIOD,
            "status": {"online": False, "queue": 3, "sensor": "simulated R30x, 115200 baud",
                       "camera": "simulated", "broker": "none (events queue on this kiosk)",
                       "clock": "2025-03-01 09:30:00 NTP", "disk": "12000 MB free",
                       "model": "standin-1"}}
    out = [
        ("idle", View(screen="idle", **base)),
        ("language", View(screen="language", return_to="nik", **base)),
        ("nik", View(screen="nik", nik=NIK[:9], **base)),
        ("nik_error", View(screen="nik", nik=NIK[:9], prompt=A.Prompt(
            "nik_length", "NIK harus 16 angka; yang dimasukkan 9 angka.",
            "NIK must have 16 digits, got 9"), **base)),
        ("card", View(screen="card", card={"name": NAME, "programmes": ["PKH 2025-Q1",
                                                                          "BPNT 2025-06"]},
                      **base)),
        ("finger", View(screen="finger", prompt=_prompt("place_finger", 1),
                        capture=A.RequestCapture(1, "recipient", 1), **base)),
        ("finger_retry", View(screen="finger", prompt=_prompt("no_match_retry", 1),
                              capture=A.RequestCapture(1, "recipient", 2), phase=0.5, **base)),
        ("finger_guidance", View(screen="finger", prompt=A.Prompt(
            "guidance_moisten", *flow_prompt("place_finger", finger=6), 6, "moisten"),
            capture=A.RequestCapture(6, "recipient", 2), **base)),
        ("face", View(screen="face", prompt=_prompt("face"),
                      capture=A.RequestFaceCapture("recipient", 1), **base)),
        ("face_challenge", View(screen="face", prompt=_prompt("face"), face_prompt="turn_left",
                                face_frame=_preview(), flash=(40, 200, 255),
                                capture=A.RequestFaceCapture("recipient", 1), **base)),
        ("wait", View(screen="wait", **base)),
        ("officer_wait", View(screen="wait", prompt=_prompt("officer_needed"),
                              officer_mode=True, **base)),
        ("officer_finger", View(screen="finger", prompt=_prompt("officer_place_finger",
                                                                 audience="officer"),
                                capture=A.RequestCapture(None, "officer", 1), officer_mode=True,
                                **base)),
        ("officer_pin", View(screen="officer_pin", pin_officers=OFFICERS, pin_officer="OFF-1",
                             pin="1234", officer_mode=True, **base)),
        ("officer_pin_wrong", View(screen="officer_pin", pin_officers=MANY_OFFICERS,
                                   pin_wrong=True, pin_tries_left=2, officer_mode=True,
                                   **base)),
        ("officer_decide", View(screen="officer_decide", choices=tuple(OFFICER_REASONS),
                                reasons=dict(OFFICER_REASONS), officer_mode=True, **base)),
    ]
    for choice in OFFICER_REASONS:
        out.append((f"officer_reason_{choice}", View(
            screen="officer_reason", choices=tuple(OFFICER_REASONS),
            reasons=dict(OFFICER_REASONS), officer_choice=choice, officer_mode=True, **base)))
    out += [
        ("result_ok", View(screen="result", result=_result("accepted", "matched", RECEIPT),
                           **base)),
        ("result_officer", View(screen="result", officer_assisted=True,
                                result=_result("accepted", "officer_approved", RECEIPT),
                                **base)),
        ("result_ineligible", View(screen="result", result=_result("rejected", "deceased"),
                                   **base)),
        ("result_referred", View(screen="result", officer_assisted=True,
                                 result=_result("referred", "officer_referred"), **base)),
        ("result_cancelled", View(screen="result",
                                  result=_result("cancelled", "cancelled_by_person"), **base)),
        ("receipt", View(screen="receipt", result=_result("accepted", "matched", RECEIPT),
                         **base)),
        ("tech", View(screen="tech", **base)),
    ]
    if every_result:
        for outcome, reasons in RESULT_REASONS.items():
            for reason in reasons:
                out.append((f"result_{reason}", View(screen="result",
                                                     result=_result(outcome, reason),
                                                     officer_assisted=reason.startswith(
                                                         "officer_"), **base)))
    return out


def draw_sample(view: View, size=(800, 480)):
    """A sample view drawn off-screen: the Canvas (with its records)."""
    import pygame

    from . import screens
    from .canvas import Canvas

    pygame.font.init()
    canvas = Canvas(pygame.Surface(size))
    screens.draw(canvas, view)
    return canvas


def write(out: Path, size=(800, 480)) -> list[Path]:
    import pygame

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in i18n.LANGUAGES:
        for name, view in samples(lang):
            path = out / f"{lang}_{name}.png"
            pygame.image.save(draw_sample(view, size).surface, str(path))
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    p = argparse.ArgumentParser(prog="python -m kiosk.ui.gallery",
                                description="draw every screen in every language")
    p.add_argument("--out", type=Path, default=Path("docs/screens"))
    p.add_argument("--size", default="800x480", help="WIDTHxHEIGHT (default 800x480)")
    args = p.parse_args(argv)
    try:
        w, h = (int(x) for x in args.size.lower().split("x"))
    except ValueError:
        print(f"gallery: --size wants WIDTHxHEIGHT, not {args.size!r}", file=sys.stderr)
        return 2
    written = write(args.out, (w, h))
    print(f"gallery: {len(written)} screens written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
