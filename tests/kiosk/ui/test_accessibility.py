"""The accessibility rules, on every screen in every language (every result reason too).

Body text at least 28 px, touch targets at least 64 px, text contrast at least
7:1, nothing off the screen or overlapping, a pictogram and a spoken line on
every screen a recipient sees.
"""

from __future__ import annotations

import pytest

from kiosk.ui import i18n, screens
from kiosk.ui import theme as T
from kiosk.ui.gallery import draw_sample, samples

CASES = [(lang, name, view) for lang in i18n.LANGUAGES
         for name, view in samples(lang, every_result=True)]


def check(canvas, name: str) -> None:
    screen = canvas.surface.get_rect()
    assert canvas.texts, name
    for t in canvas.texts:
        where = f"{name}: {t.text!r}"
        assert t.px >= T.MIN_TEXT_PX, where
        assert T.contrast(t.fg, t.bg) >= T.MIN_CONTRAST, where
        assert screen.contains(t.rect), f"{where} runs off the screen: {t.rect}"
        assert canvas.surface.get_at(t.rect.topleft)[:3] == t.bg, f"{where}: not on its bg"
    for i, a in enumerate(canvas.texts):
        for b in canvas.texts[i + 1:]:
            assert not a.rect.colliderect(b.rect), f"{name}: {a.text!r} overlaps {b.text!r}"
    for target in canvas.targets:
        assert target.rect.w >= T.MIN_TARGET_PX and target.rect.h >= T.MIN_TARGET_PX, \
            f"{name}: {target.id} is {target.rect.size}"
        assert screen.contains(target.rect), f"{name}: {target.id} off the screen"
        if target.id == "start":  # the whole idle screen
            continue
        for t in canvas.texts:
            if t.rect.colliderect(target.rect):
                assert target.rect.contains(t.rect), f"{name}: {t.text!r} spills out of " \
                                                     f"{target.id}"
    for i, a in enumerate(canvas.targets):
        for b in canvas.targets[i + 1:]:
            if "start" not in (a.id, b.id):
                assert not a.rect.colliderect(b.rect), f"{name}: {a.id} overlaps {b.id}"


@pytest.mark.parametrize("lang,name,view", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_every_screen_meets_the_rules(lang, name, view):
    canvas = draw_sample(view)
    check(canvas, f"{lang}/{name}")
    if view.screen != "tech":  # the technician panel is for the technician, who reads
        assert canvas.pictograms, f"{name} has no pictogram"
        assert screens.speech(view), f"{name} says nothing"


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280)])
def test_other_screen_sizes(size):
    for name, view in samples("id"):
        check(draw_sample(view, size), f"{size}/{name}")


def test_catalogue_is_complete_enough():
    """English has every key; every key exists in Indonesian; placeholders agree."""
    for key in i18n.all_keys():
        base = i18n.template("id", key)
        assert base is not None, key
        for lang in i18n.LANGUAGES:
            if i18n.has(lang, key):
                own = i18n.placeholders(i18n.template(lang, key))
                assert own <= i18n.placeholders(base) | {"code"}, (lang, key)
    missing = [k for k in i18n.all_keys() if not i18n.has("en", k)
               and not k.startswith(("prompt.enrol", "prompt.finish", "prompt.nik_",
                                     "result.enrol", "result.duplicate_finger"))]
    assert not missing, missing
