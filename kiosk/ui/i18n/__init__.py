"""The language catalogue: one source for what the screen shows and the voice says.

A language is a module here with ``NAME``, ``ESPEAK_VOICE``, ``FINGERS``,
``ANY_FINGER`` and ``TEXTS`` (key -> text with ``{placeholders}``); adding one
is adding a module and its code to ``LANGUAGES``. A key a language lacks falls
back to Bahasa Indonesia, so a half-done translation never shows a blank.
"""

from __future__ import annotations

import importlib
import string
from types import ModuleType

LANGUAGES = ("id", "en", "jv")
DEFAULT = "id"


class _Blank(dict):
    def __missing__(self, key):  # a placeholder the caller did not fill stays visible
        return "{" + key + "}"


def _module(lang: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{lang}")


def name(lang: str) -> str:
    return _module(lang).NAME


def espeak_voice(lang: str) -> str:
    return _module(lang).ESPEAK_VOICE


def has(lang: str, key: str) -> bool:
    return key in _module(lang).TEXTS


def template(lang: str, key: str) -> str | None:
    """The raw text of ``key`` in ``lang`` (or Indonesian), None when nobody has it."""
    text = _module(lang).TEXTS.get(key)
    return text if text is not None else _module(DEFAULT).TEXTS.get(key)


def finger(lang: str, number: int | None) -> str:
    mod = _module(lang)
    return mod.ANY_FINGER if number is None else mod.FINGERS[number]


def text(lang: str, key: str, **values) -> str:
    """``key`` in ``lang`` with placeholders filled; ``finger`` may be a finger number."""
    raw = template(lang, key)
    if raw is None:
        raise KeyError(f"no text for {key!r}")
    if "finger" in values and not isinstance(values["finger"], str):
        values["finger"] = finger(lang, values["finger"])
    out = string.Formatter().vformat(raw, (), _Blank(values))
    return out[:1].upper() + out[1:]


def placeholders(raw: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(raw) if f}


def all_keys() -> set[str]:
    out: set[str] = set()
    for lang in LANGUAGES:
        out |= set(_module(lang).TEXTS)
    return out
