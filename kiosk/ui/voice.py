"""Spoken prompts: espeak-ng WAVs from the catalogue, played with pygame.mixer.

Every text the screen shows can be spoken; its WAV is named by a hash of the
language and the exact words, so the voice always says what the screen says.
``python -m kiosk.ui.voice build`` renders every catalogue text (finger names
filled in) at install time; texts with run-time values (a name, a programme)
are rendered on first use when espeak-ng is there. Without espeak-ng or an
audio device the kiosk runs silent and says so once in the log.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from . import i18n

log = logging.getLogger("kiosk.ui.voice")


def default_dir() -> Path:
    """$SIDIK_VOICE_DIR, else $SIDIK_DATA_DIR/voice (the Pi service, whose home is hidden),
    else ~/.cache/sidik/voice."""
    env = os.environ.get("SIDIK_VOICE_DIR")
    if env:
        return Path(env)
    data = os.environ.get("SIDIK_DATA_DIR")
    if data:
        return Path(data) / "voice"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sidik" / "voice"


def wav_name(lang: str, text: str) -> str:
    return hashlib.sha256(f"{lang}\n{text}".encode()).hexdigest()[:20] + ".wav"


def render(lang: str, text: str, out: Path, espeak: str = "espeak-ng") -> bool:
    """One text -> one WAV (written atomically). False when espeak-ng failed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    try:
        subprocess.run([espeak, "-v", i18n.espeak_voice(lang), "-s", "140", "-w", str(tmp),
                        text], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("espeak-ng could not speak %r: %s", text[:40], exc)
        return False
    tmp.replace(out)
    return True


def catalogue_texts() -> list[tuple[str, str]]:
    """Every (language, text) the kiosk can say without run-time values."""
    out = set()
    for lang in i18n.LANGUAGES:
        for key in i18n.all_keys():
            raw = i18n.template(lang, key)
            if raw is None:
                continue
            fields = i18n.placeholders(raw)
            if not fields:
                out.add((lang, i18n.text(lang, key)))
            elif fields == {"finger"}:
                for f in [None, *range(10)]:
                    out.add((lang, i18n.text(lang, key, finger=f)))
    return sorted(out)


def build(directory: Path, espeak: str = "espeak-ng") -> tuple[int, int]:
    """Render what is missing; (rendered now, already there)."""
    made = kept = 0
    for lang, text in catalogue_texts():
        path = directory / wav_name(lang, text)
        if path.exists():
            kept += 1
        elif render(lang, text, path, espeak):
            made += 1
    return made, kept


class Voice:
    """Plays the WAV of a text; silent (with one log line) when it cannot."""

    def __init__(self, directory: Path | None = None, volume: float = 0.8,
                 espeak: str | None = None):
        self.dir = Path(directory) if directory else default_dir()
        self.volume = volume
        self.espeak = espeak if espeak is not None else shutil.which("espeak-ng")
        self.mixer = False
        self.last: tuple[str, str] | None = None  # (lang, text) asked for last
        self.played: list[str] = []  # WAV names actually started
        self._lock = threading.Lock()
        self._channel = None
        try:
            import pygame

            pygame.mixer.init()
            self.mixer = True
        except Exception as exc:
            log.warning("no audio device (%s): the kiosk runs without spoken prompts", exc)
        if self.espeak is None:
            log.warning("espeak-ng is not installed: only prompts rendered earlier are spoken "
                        "(Debian: sudo apt install espeak-ng)")

    def set_volume(self, volume: float) -> None:
        self.volume = volume
        if self._channel is not None:
            self._channel.set_volume(volume)

    def say(self, text: str, lang: str) -> None:
        """Speak ``text`` now (stopping what was being said); never blocks the screen."""
        self.last = (lang, text)
        path = self.dir / wav_name(lang, text)
        if path.exists():
            self._play(path)
        elif self.espeak is not None:
            threading.Thread(target=self._render_then_play, args=(lang, text, path),
                             daemon=True).start()

    def say_many(self, parts: list[tuple[str, str]]) -> None:
        """Say each (language, text) in turn, each in its language's voice; a later
        ``say`` or ``say_many`` cuts it short."""
        self.last = ("many", repr(parts))
        mine = self.last
        threading.Thread(target=self._sequence, args=(parts, mine), daemon=True).start()

    def _sequence(self, parts, mine) -> None:
        import time

        for lang, text in parts:
            path = self.dir / wav_name(lang, text)
            if not path.exists():
                if self.espeak is None:
                    continue
                with self._lock:
                    if not (path.exists() or render(lang, text, path, self.espeak)):
                        continue
            if self.last != mine:
                return
            self._play(path)
            while self.mixer and self._channel is not None and self._channel.get_busy():
                if self.last != mine:
                    return
                time.sleep(0.05)

    def _render_then_play(self, lang: str, text: str, path: Path) -> None:
        with self._lock:
            ok = path.exists() or render(lang, text, path, self.espeak)
        if ok and self.last == (lang, text):
            self._play(path)

    def _play(self, path: Path) -> None:
        if not self.mixer:
            return
        import pygame

        try:
            sound = pygame.mixer.Sound(str(path))
            sound.set_volume(self.volume)
            pygame.mixer.stop()
            self._channel = sound.play()
            self.played.append(path.name)
        except pygame.error as exc:
            log.warning("could not play %s: %s", path.name, exc)

    def close(self) -> None:
        if self.mixer:
            import pygame

            pygame.mixer.quit()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kiosk.ui.voice",
                                description="render the spoken prompts with espeak-ng")
    p.add_argument("action", choices=["build", "list"])
    p.add_argument("--dir", type=Path, default=None, help=f"default {default_dir()}")
    args = p.parse_args(argv)
    if args.action == "list":
        for lang, text in catalogue_texts():
            print(f"{lang}\t{text}")
        return 0
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        print("voice: espeak-ng is not installed; no prompts rendered "
              "(Debian: sudo apt install espeak-ng)", file=sys.stderr)
        return 1
    directory = args.dir or default_dir()
    made, kept = build(directory, espeak)
    print(f"voice: {made} prompts rendered, {kept} already there, in {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
