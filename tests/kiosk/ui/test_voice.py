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

        def set_volume(self, v):
            self.volume = v

        def close(self):
            pass

    journey.app.voice = Recorder()
    journey.app.spoken = None
    journey.tick()
    assert spoken[-1] == ("id", "Selamat datang. Sentuh layar untuk mengambil bantuan.")
    journey.tap("start")
    journey.tap("lang:en")
    journey.wait_for("nik")
    assert spoken[-1][0] == "en" and "NIK" in spoken[-1][1]
