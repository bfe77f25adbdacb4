"""Spoken prompts: the words the screen shows, rendered by espeak-ng, silent without it."""

from __future__ import annotations

import logging
import shutil

import pytest

from kiosk.ui import voice as V
from kiosk.ui.gallery import samples
from kiosk.ui.screens import speech


def test_without_espeak_the_kiosk_is_silent_and_says_why(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(V.shutil, "which", lambda _name: None)
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.voice"):
        v = V.Voice(tmp_path)
        v.say("Selamat datang.", "id")
    assert v.played == []
    assert any("espeak-ng is not installed" in r.message for r in caplog.records)
    assert V.main(["build", "--dir", str(tmp_path)]) == 1  # a clear message, no traceback


def test_say_many_plays_each_in_turn(tmp_path):
    v = V.Voice(tmp_path, espeak="")
    v.espeak = None
    for lang, text in (("id", "Satu."), ("en", "Two.")):
        (tmp_path / V.wav_name(lang, text)).write_bytes(_silence())
    v._sequence([("id", "Satu."), ("en", "Two.")], v.last)
    if v.mixer:
        assert v.played == [V.wav_name("id", "Satu."), V.wav_name("en", "Two.")]


def _silence() -> bytes:
    import io
    import wave

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"\0\0" * 220)
    return buf.getvalue()


def test_every_screen_line_can_be_rendered():
    texts = {t for _lang, t in V.catalogue_texts()}
    for lang in ("id", "en", "jv"):
        for name, view in samples(lang):
            said = speech(view)
            if said and name in ("idle", "language", "card", "receipt"):
                assert said in texts or "{" not in said, name
    assert len(texts) > 300


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_espeak_renders_and_the_mixer_plays(tmp_path):
    text = "Tempelkan telunjuk kanan di kaca sensor."
    path = tmp_path / V.wav_name("id", text)
    assert V.render("id", text, path)
    assert path.read_bytes()[:4] == b"RIFF"
    v = V.Voice(tmp_path)
    v.say(text, "id")
    if v.mixer:  # the dummy audio driver counts as a device
        assert v.played == [path.name]


def test_the_screen_speaks_its_text(journey):
    spoken = []

    class Recorder:
        volume = 0.8

        def say(self, text, lang):
            spoken.append((lang, text))

        def say_many(self, parts):
            spoken.append(tuple(parts))

        def set_volume(self, v):
            self.volume = v

        def close(self):
            pass

    journey.app.voice = Recorder()
    journey.app.spoken = None
    journey.tick()
    assert spoken[-1] == ("id", "Selamat datang. Sentuh layar untuk mengambil bantuan.")
    journey.tap("start")
    offered = spoken[-1]  # each language offered in its own words and voice
    assert [lang for lang, _ in offered] == ["id", "en", "jv"]
    assert "English" in offered[1][1] and "Basa Jawa" in offered[2][1]
    journey.tap("lang:en")
    journey.wait_for("nik")
    assert spoken[-1][0] == "en" and "NIK" in spoken[-1][1]
