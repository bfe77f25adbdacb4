"""One drawing function per screen: ``draw(canvas, view)``. No decisions here.

Every screen has a pictogram and a spoken line (``speech(view)``), so no step
needs reading; every touch target is a ``Canvas.button`` with an id the app
acts on.
"""

from __future__ import annotations

from functools import partial

import pygame

from ..flows.prompts import COME_BACK
from . import i18n
from . import theme as T
from .canvas import Canvas, Target, icon

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0")


def tr(v, key: str, **kw) -> str:
    return i18n.text(v.lang, key, **kw)


def prompt_text(lang: str, prompt) -> str:
    """A flow Prompt in ``lang``: Indonesian is the flow's own words; another language
    uses its catalogue text when it has one that can be filled, else the flow's words
    (English log text for English, Indonesian otherwise)."""
    if prompt is None:
        return ""
    if lang == "id":
        return prompt.pesan
    code = prompt.code
    key = f"guidance.{code[9:]}" if code.startswith("guidance_") else f"prompt.{code}"
    if i18n.has(lang, key) and i18n.placeholders(i18n.template(lang, key)) <= {"finger"}:
        return i18n.text(lang, key, finger=prompt.finger)
    return prompt.message if lang == "en" else prompt.pesan


def result_text(lang: str, result, programme: str, period: str) -> str:
    key = f"result.{getattr(result, 'text_code', None) or result.reason}"
    if i18n.template(lang, key) is None:
        return i18n.text(lang, "result.generic", programme=programme, period=period,
                         code=result.reason)
    return i18n.text(lang, key, programme=programme, period=period)


def result_title(result) -> str:
    """The result screen's title (an i18n key)."""
    if getattr(result, "text_code", None) == COME_BACK:
        return "ui.result_come_back"  # not "see the officer": they just did
    kind = result_kind(result) if result is not None else "no"
    return {"ok": "ui.result_ok", "no": "ui.result_no", "refer": "ui.result_refer",
            "cancel": "ui.result_cancel"}[kind]


def result_kind(result) -> str:
    if result.outcome == "accepted":
        return "ok"
    if result.outcome == "referred":
        return "refer"
    if result.outcome == "cancelled":
        return "cancel"
    return "no"


# ---- frame pieces -----------------------------------------------------------------------------
def bar(c: Canvas, v, title: str, officer: bool = False, lang_button: bool = True,
        step_in: bool = False) -> int:
    """The top bar: title (officer mode: orange, with the officer pictogram), language,
    and (``step_in``, while the person is on their own) the officer's "Petugas" button."""
    h = c.px(T.BAR_H)
    colour = T.ORANGE if officer else T.PANEL
    c.fill(colour, pygame.Rect(0, 0, c.w, h))
    x = c.px(T.MARGIN)
    if officer:
        c.pictogram("officer", pygame.Rect(x, c.px(10), h - c.px(20), h - c.px(20)), T.BLACK)
        x += h
    right = c.w - c.px(T.MARGIN)
    if lang_button:
        r = pygame.Rect(0, 0, c.px(150), c.px(T.MIN_TARGET_PX))
        r.midright = (right, h // 2)
        c.button("lang", v.lang.upper(), r, T.BLUE, icon=icon("globe"))
        right = r.x - c.px(10)
    if step_in and not officer:
        r = pygame.Rect(0, 0, c.px(150), c.px(T.MIN_TARGET_PX))
        r.midright = (right, h // 2)
        c.button("step_in", tr(v, "ui.step_in"), r, T.ORANGE, size=T.MIN_TEXT_PX)
        right = r.x - c.px(10)
    lines = c.wrap(title, c.px(32), right - x)
    size = 32 if len(lines) <= 2 else T.MIN_TEXT_PX
    lh = c.font(c.px(size)).get_linesize()
    n = min(2, len(c.wrap(title, c.px(size), right - x)))
    c.text(title, (x, h // 2 - n * lh // 2), size, T.text_on(colour), colour, width=right - x,
           max_lines=2)
    return h


def bottom_row(c: Canvas, buttons: list[tuple[str, str, T.Colour, str | None]]) -> None:
    """Buttons across the bottom: (id, label, colour, pictogram)."""
    m = c.px(T.MARGIN)
    h = c.px(T.BUTTON_H)
    n = len(buttons)
    w = (c.w - m * (n + 1)) // n
    for i, (bid, label, colour, pict) in enumerate(buttons):
        r = pygame.Rect(m + i * (w + m), c.h - m - h, w, h)
        c.button(bid, label, r, colour, icon=icon(pict) if pict else None)


def _body_top(c: Canvas) -> int:
    return c.px(T.BAR_H) + c.px(T.MARGIN)


# ---- screens ----------------------------------------------------------------------------------
def draw_idle(c: Canvas, v) -> None:
    c.fill(T.BG)
    top = bar(c, v, tr(v, "ui.idle_title"))
    m = c.px(T.MARGIN)
    area = pygame.Rect(0, top, c.w, c.h - top)
    c.targets.append(Target("start", area, tr(v, "ui.idle_touch")))
    side = min(area.h - c.px(120), c.w // 3)
    c.pictogram("touch", pygame.Rect(m * 2, top + m, side, side), T.TEXT, v.phase)
    c.text(tr(v, "ui.idle_touch"), (m * 3 + side, top + side // 3), T.SIZE_TITLE,
           width=c.w - side - m * 5)
    st = v.status or {}
    line = tr(v, "ui.online") if st.get("online") else tr(v, "ui.offline")
    queue = st.get("queue")
    if queue:
        line += " · " + tr(v, "ui.queue", n=queue)
    tech = pygame.Rect(0, 0, c.px(240), c.px(T.MIN_TARGET_PX))
    tech.bottomright = (c.w - m, c.h - m)
    c.text(line, (m, tech.y), T.MIN_TEXT_PX, T.DIM_TEXT, width=tech.x - m * 2, max_lines=2)
    c.button("tech", tr(v, "ui.tech"), tech, T.GREY, size=T.MIN_TEXT_PX, icon=icon("wrench"))


def draw_language(c: Canvas, v) -> None:
    c.fill(T.BG)
    top = bar(c, v, tr(v, "ui.language_title"), lang_button=False)
    m = c.px(T.MARGIN)
    h = c.px(84)
    for i, lang in enumerate(i18n.LANGUAGES):
        r = pygame.Rect(m, top + i * (h + m), c.w - 2 * m, h)
        colour = T.GREEN if lang == v.lang else T.BLUE
        c.button(f"lang:{lang}", i18n.name(lang), r, colour, size=T.SIZE_TITLE,
                 icon=icon("globe"))
    r = pygame.Rect(m, c.h - m - c.px(T.BUTTON_H), c.px(260), c.px(T.BUTTON_H))
    c.button("back", tr(v, "ui.back"), r, T.GREY, icon=icon("back"))


KEY_W, KEY_H, KEY_GAP = 110, 70, 8  # keypad keys, design px


def keypad(c: Canvas, v, top: int, prefix: str) -> int:
    """The digit keypad at the right edge (button ids ``<prefix>:<key>``); its left x."""
    kw, kh, gap = c.px(KEY_W), c.px(KEY_H), c.px(KEY_GAP)
    x0 = c.w - c.px(T.MARGIN) - (3 * kw + 2 * gap)
    for i, key in enumerate(KEYS):
        r = pygame.Rect(x0 + (i % 3) * (kw + gap), top + (i // 3) * (kh + gap), kw, kh)
        if key == "del":
            c.button(f"{prefix}:del", tr(v, "ui.delete"), r, T.GREY, size=T.MIN_TEXT_PX)
        else:
            c.button(f"{prefix}:{key}", key, r, T.BLUE, size=T.SIZE_TITLE)
    return x0


def draw_nik(c: Canvas, v) -> None:
    c.fill(T.BG)
    top = bar(c, v, tr(v, "ui.nik_title"), step_in=True)
    m = c.px(T.MARGIN)
    x0 = keypad(c, v, top, "key")
    left_w = x0 - 2 * m
    box = pygame.Rect(m, top, left_w, c.px(80))
    c.fill(T.PANEL, box, radius=c.px(8))
    shown = " ".join(v.nik[i:i + 4] for i in range(0, len(v.nik), 4)) or "_"
    c.text(shown, (box.centerx, box.y + c.px(20)), 34, T.TEXT, T.PANEL, width=box.w,
           align="center")
    c.text(f"{len(v.nik)}/16", (m, box.bottom + m), T.MIN_TEXT_PX, T.DIM_TEXT, width=left_w)
    hint_top = box.bottom + m + c.px(40)
    if v.prompt is not None:
        c.text(prompt_text(v.lang, v.prompt), (m, hint_top), T.MIN_TEXT_PX, T.TEXT,
               width=left_w, max_lines=4)
    else:
        c.pictogram("keypad", pygame.Rect(m, hint_top, c.px(120), c.px(120)), T.DIM_TEXT)
    h = c.px(T.BUTTON_H)
    half = (left_w - m) // 2
    c.button("cancel", tr(v, "ui.cancel"), pygame.Rect(m, c.h - m - h, half, h), T.RED,
             size=T.MIN_TEXT_PX)
    c.button("ok", tr(v, "ui.ok"), pygame.Rect(2 * m + half, c.h - m - h, half, h), T.GREEN,
             size=T.MIN_TEXT_PX)


def draw_card(c: Canvas, v) -> None:
    c.fill(T.BG)
    top = bar(c, v, tr(v, "ui.card_title"), step_in=True)
    m = c.px(T.MARGIN)
    side = c.px(170)
    c.fill(T.PANEL, pygame.Rect(m, top, side, side), radius=c.px(12))
    c.pictogram("person", pygame.Rect(m + c.px(15), top + c.px(15), side - c.px(30),
                                      side - c.px(30)), T.TEXT)
    card = v.card or {}
    x = 2 * m + side
    r = c.text(card.get("name") or "", (x, top), T.SIZE_TITLE, width=c.w - x - m, max_lines=2)
    progs = ", ".join(card.get("programmes") or ())
    c.text(tr(v, "ui.card_programmes", programmes=progs), (x, r.bottom + m), T.SIZE_BODY,
           width=c.w - x - m, max_lines=4)
    bottom_row(c, [("no", tr(v, "ui.no"), T.RED, "cross"),
                   ("yes", tr(v, "ui.yes"), T.GREEN, "check")])


def _capture_screen(c: Canvas, v, pict: str, title_key: str) -> None:
    c.fill(T.BG)
    officer = v.officer_mode
    title = tr(v, "ui.officer_banner") if officer else tr(v, title_key)
    top = bar(c, v, title, officer=officer, step_in=True)
    m = c.px(T.MARGIN)
    bottom = c.h - m - c.px(T.BUTTON_H) - m
    side = min(c.px(250), bottom - top)
    pr = pygame.Rect(m, top, side, side)
    if pict == "face" and v.face_frame is not None:
        if v.flash is not None:  # the colour the liveness check looks for on the face
            c.fill(tuple(v.flash), pr.inflate(c.px(24), c.px(24)).clip(
                pygame.Rect(0, top - c.px(8), c.w, c.h)), radius=c.px(8))
        fw, fh = v.face_frame.get_size()
        k = min(pr.w / fw, pr.h / fh)
        frame = pygame.transform.smoothscale(v.face_frame, (round(fw * k), round(fh * k)))
        c.surface.blit(frame, frame.get_rect(center=pr.center))
        c.pictogram("face", pygame.Rect(pr.right - c.px(48), pr.bottom - c.px(48), c.px(44),
                                        c.px(44)), T.TEXT)
    else:
        # the sensor's LED ring, breathing in step with the animation
        glow = int(120 + 100 * abs(0.5 - v.phase) * 2)
        pygame.draw.circle(c.surface, (0, glow // 3, glow), pr.center, side // 2,
                           max(4, c.px(8)))
        c.pictogram(pict, pr.inflate(-c.px(50), -c.px(50)), T.TEXT, v.phase)
    x = pr.right + m * 2
    y = top
    if pict == "face" and v.face_prompt and i18n.template(v.lang, f"face.{v.face_prompt}"):
        r = c.text(tr(v, f"face.{v.face_prompt}"), (x, y), T.SIZE_TITLE, width=c.w - x - m,
                   max_lines=4)
        y = r.bottom + m
    elif v.prompt is not None:
        r = c.text(prompt_text(v.lang, v.prompt), (x, y), T.SIZE_BODY, width=c.w - x - m,
                   max_lines=6)
        y = r.bottom + m
    cap = v.capture
    if cap is not None and cap.kind == "request_capture" and cap.purpose == "recipient":
        r = c.text(tr(v, "ui.attempt", n=cap.attempt, total=v.attempts_total), (x, y),
                   T.MIN_TEXT_PX, T.DIM_TEXT, width=c.w - x - m)
        side = min(c.px(160), bottom - r.bottom - m)
        if cap.finger is not None and side >= c.px(90):
            c.hand(pygame.Rect(x, r.bottom + m, side, side), cap.finger)
    buttons = [("cancel", tr(v, "ui.cancel"), T.RED, "cross")]
    if cap is not None and getattr(cap, "purpose", None) == "officer" and not v.pin_closed:
        buttons.append(("pin", tr(v, "ui.pin"), T.BLUE, "keypad"))
    bottom_row(c, buttons)


def draw_finger(c: Canvas, v) -> None:
    _capture_screen(c, v, "finger", "ui.finger_title")


def draw_face(c: Canvas, v) -> None:
    _capture_screen(c, v, "face", "ui.face_title")


def draw_wait(c: Canvas, v) -> None:
    c.fill(T.BG)
    officer = v.officer_mode
    top = bar(c, v, tr(v, "ui.officer_banner") if officer else tr(v, "ui.wait"),
              officer=officer, step_in=True)
    m = c.px(T.MARGIN)
    side = c.px(200)
    c.pictogram("officer" if officer else "wait",
                pygame.Rect(m * 2, top + m, side, side), T.TEXT, v.phase)
    text = prompt_text(v.lang, v.prompt) if v.prompt is not None else tr(v, "ui.wait")
    x = side + m * 4
    c.text(text, (x, top + m), T.SIZE_BODY, width=c.w - x - m, max_lines=7)


def draw_officer_decide(c: Canvas, v) -> None:
    c.fill(T.BG)
    top = bar(c, v, tr(v, "ui.officer_decide"), officer=True)
    m = c.px(T.MARGIN)
    colours = {"approve": T.GREEN, "deny": T.RED, "refer": T.BLUE}
    picts = {"approve": "check", "deny": "cross", "refer": "refer"}
    choices = v.choices or ("approve", "deny", "refer")
    n = len(choices)
    w = (c.w - m * (n + 1)) // n
    h = c.px(200)
    for i, choice in enumerate(choices):
        r = pygame.Rect(m + i * (w + m), top, w, h)
        c.button(f"choice:{choice}", tr(v, f"choice.{choice}"), r.move(0, 0),
                 colours.get(choice, T.BLUE), size=T.SIZE_BODY, top_pad=c.px(56))
        c.pictogram(picts.get(choice, "officer"),
                    pygame.Rect(r.centerx - c.px(24), r.y + c.px(8), c.px(48), c.px(48)),
                    T.TEXT)
    bottom_row(c, [("cancel_officer", tr(v, "ui.cancel"), T.GREY, "back")])


def draw_officer_reason(c: Canvas, v) -> None:
    c.fill(T.BG)
    top = bar(c, v, tr(v, "ui.officer_reason"), officer=True)
    m = c.px(T.MARGIN)
    reasons = list(v.reasons.get(v.officer_choice, ()))
    slots = [*[(f"reason:{r}", tr(v, f"reason.{r}"), T.BLUE) for r in reasons],
             ("back", tr(v, "ui.back"), T.GREY)]
    cols = 2
    rows = (len(slots) + cols - 1) // cols
    gap = c.px(8)
    w = (c.w - m * 2 - gap) // cols
    h = min(c.px(84), (c.h - top - m - gap * (rows - 1)) // rows)
    for i, (bid, label, colour) in enumerate(slots):
        r = pygame.Rect(m + (i % cols) * (w + gap), top + (i // cols) * (h + gap), w, h)
        c.button(bid, label, r, colour, size=T.MIN_TEXT_PX)


def draw_officer_pin(c: Canvas, v) -> None:
    """The officer's name (picked from a list), then the PIN on a keypad, drawn masked."""
    c.fill(T.BG)
    top = bar(c, v, tr(v, "ui.pin_title"), officer=True)
    m, gap = c.px(T.MARGIN), c.px(KEY_GAP)
    x0 = keypad(c, v, top, "pin")
    left_w = x0 - 2 * m
    box = pygame.Rect(m, top, left_w, c.px(64))
    c.fill(T.PANEL, box, radius=c.px(8))
    c.text(" ".join("*" * len(v.pin)) or "_", (box.centerx, box.y + c.px(14)), 34, T.TEXT,
           T.PANEL, width=box.w, align="center")
    c.pictogram("keypad", pygame.Rect(box.x + c.px(6), box.y + c.px(8), c.px(48), c.px(48)),
                T.DIM_TEXT)
    hint = tr(v, "ui.pin_wrong", n=v.pin_tries_left) if v.pin_wrong else tr(v, "ui.pin_pick")
    y = c.text(hint, (m, box.bottom + gap), T.MIN_TEXT_PX, T.TEXT, width=left_w,
               max_lines=2).bottom + gap
    h = c.px(T.BUTTON_H)
    bottom = c.h - m - h - m
    # The officers, two across, as many rows as fit; a "more" key pages through the rest.
    cols, bh = 2, c.px(T.MIN_TARGET_PX)
    bw = (left_w - gap) // cols
    rows = max(1, (bottom - y + gap) // (bh + gap))
    officers = list(v.pin_officers)
    slots = rows * cols
    per_page = slots if len(officers) <= slots else slots - 1
    pages = max(1, -(-len(officers) // per_page))
    page = officers[(v.pin_page % pages) * per_page:][:per_page]
    def first(oid: str, name: str) -> str:
        return (name.split() or [oid])[0]

    firsts = [first(*o) for o in officers]
    items = [(f"pin_officer:{oid}",
              first(oid, name) if firsts.count(first(oid, name)) == 1 else oid,  # two Ekos
              T.GREEN if oid == v.pin_officer else T.BLUE) for oid, name in page]
    if pages > 1:
        items.append(("pin_more", tr(v, "ui.more"), T.GREY))
    for i, (bid, label, colour) in enumerate(items):
        r = pygame.Rect(m + (i % cols) * (bw + gap), y + (i // cols) * (bh + gap), bw, bh)
        c.button(bid, label, r, colour, size=T.MIN_TEXT_PX)
    half = (left_w - m) // 2
    c.button("pin_back", tr(v, "ui.back"), pygame.Rect(m, c.h - m - h, half, h), T.GREY,
             size=T.MIN_TEXT_PX)
    c.button("pin_ok", tr(v, "ui.ok"), pygame.Rect(2 * m + half, c.h - m - h, half, h),
             T.GREEN, size=T.MIN_TEXT_PX)


def draw_result(c: Canvas, v) -> None:
    c.fill(T.BG)
    res = v.result
    kind = result_kind(res) if res is not None else "no"
    top = bar(c, v, tr(v, result_title(res)))
    m = c.px(T.MARGIN)
    side = c.px(200)
    pict = {"ok": "check", "no": "cross", "refer": "refer", "cancel": "back"}[kind]
    c.pictogram(pict, pygame.Rect(m * 2, top + m, side, side), T.TEXT)
    x = side + m * 4
    y = top
    width = c.w - x - m
    if res is not None and res.name:
        y = c.text(res.name, (x, y), 34, width=width, max_lines=1).bottom + c.px(6)
    if v.officer_assisted:
        chip = c.text(tr(v, "ui.officer_assisted"), (x, y), T.MIN_TEXT_PX, T.BLACK, T.ORANGE,
                      width=width, max_lines=1)
        y = chip.bottom + c.px(6)
    if res is not None:
        c.text(result_text(v.lang, res, v.programme, v.period), (x, y), T.MIN_TEXT_PX,
               width=width, max_lines=7)
    buttons = []
    if res is not None and res.receipt:
        buttons.append(("receipt", tr(v, "ui.receipt"), T.BLUE, "receipt"))
    buttons.append(("done", tr(v, "ui.done"), T.GREEN, "check"))
    bottom_row(c, buttons)


def draw_receipt(c: Canvas, v) -> None:
    from .qr import draw_qr

    c.fill(T.BG)
    top = bar(c, v, tr(v, "ui.receipt_title"))
    m = c.px(T.MARGIN)
    bottom = c.h - m - c.px(T.BUTTON_H) - m
    side = min(bottom - top, c.w * 11 // 20)
    box = pygame.Rect(m * 2, top, side, side)
    token = getattr(v.result, "receipt", None) or ""
    draw_qr(c.surface, token, box)
    c.pictograms.append("qr")
    x = box.right + m * 2
    c.pictogram("receipt", pygame.Rect(x, top, c.px(100), c.px(100)), T.TEXT)
    if v.result is not None and v.result.event_id:
        c.text(v.result.event_id[-12:], (x, top + c.px(110)), T.MIN_TEXT_PX, T.DIM_TEXT,
               width=c.w - x - m)
    bottom_row(c, [("done", tr(v, "ui.done"), T.GREEN, "check")])


TECH_ROWS = ("sensor", "camera", "broker", "queue", "clock", "disk", "model")


def draw_tech(c: Canvas, v) -> None:
    c.fill(T.BG)
    top = bar(c, v, tr(v, "ui.tech_title"))
    m = c.px(T.MARGIN)
    st = v.status or {}
    y = top
    step = c.px(36)
    for key in TECH_ROWS:
        c.text(f"{key}: {st.get(key, '-')}", (m, y), T.MIN_TEXT_PX,
               width=c.w - 3 * m - c.px(210), max_lines=1)
        y += step
    bw, bh = c.px(210), c.px(T.MIN_TARGET_PX + 6)
    x = c.w - m - bw
    c.text(f"{tr(v, 'ui.volume')}: {round(v.volume * 100)}%", (x, top), T.MIN_TEXT_PX,
           width=bw)
    c.button("vol:down", f"{tr(v, 'ui.volume')} -", pygame.Rect(x, top + c.px(44), bw, bh),
             T.BLUE, size=T.MIN_TEXT_PX)
    c.button("vol:up", f"{tr(v, 'ui.volume')} +", pygame.Rect(x, top + c.px(54) + bh, bw, bh),
             T.BLUE, size=T.MIN_TEXT_PX)
    r = pygame.Rect(m, c.h - m - c.px(T.BUTTON_H), c.px(260), c.px(T.BUTTON_H))
    c.button("back", tr(v, "ui.back"), r, T.GREY, icon=icon("back"))


DRAW = {"idle": draw_idle, "language": draw_language, "nik": draw_nik, "card": draw_card,
        "finger": draw_finger, "face": draw_face, "wait": draw_wait,
        "officer_decide": draw_officer_decide, "officer_reason": draw_officer_reason,
        "officer_pin": draw_officer_pin, "result": draw_result, "receipt": draw_receipt,
        "tech": draw_tech}


def draw(c: Canvas, v) -> None:
    DRAW[v.screen](c, v)


def speech_parts(v) -> list[tuple[str, str]]:
    """(language, words) to say in turn: the language screen offers each language in its
    own words and voice (a person who does not understand one still hears their own)."""
    if v.screen == "language":
        return [(lang, i18n.text(lang, "ui.language_pick")) for lang in i18n.LANGUAGES]
    said = speech(v)
    return [(v.lang, said)] if said else []


def speech(v) -> str | None:
    """What the voice says when ``v.screen`` appears (the same words as the screen)."""
    t = partial(tr, v)
    s = v.screen
    if s == "idle":
        return t("ui.idle_say")
    if s == "language":
        return t("ui.language_say")
    if s == "nik":
        return prompt_text(v.lang, v.prompt) if v.prompt is not None else t("ui.nik_say")
    if s == "card":
        return t("ui.card_say", name=(v.card or {}).get("name") or "")
    if s == "face" and v.face_prompt and i18n.template(v.lang, f"face.{v.face_prompt}"):
        return t(f"face.{v.face_prompt}")
    if s in ("finger", "face", "wait"):
        return prompt_text(v.lang, v.prompt) if v.prompt is not None else t("ui.wait")
    if s in ("officer_decide", "officer_reason"):
        return t("ui.officer_say")
    if s == "officer_pin":  # never the PIN itself
        return t("ui.pin_wrong", n=v.pin_tries_left) if v.pin_wrong else t("ui.pin_say")
    if s == "result" and v.result is not None:
        return result_text(v.lang, v.result, v.programme, v.period)
    if s == "receipt":
        return t("ui.receipt_say")
    return None
