"""Spoken prompts and music on hold: small WAV files (8 kHz, 16-bit mono) shipped with the firmware,
made by `python -m firmware.prompts.generate` (espeak-ng for words in en/de/ru/pl, synthesised chords
for the default hold music). `speak_number` gives the words for a number; `render` joins words into
one WAV (cached) that a player plays once. The IVR issue will own a full prompt set; this is the
minimal, reusable part (a number in a language)."""

from __future__ import annotations

import hashlib
import wave
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "de", "ru", "pl")
WORDS = ("parked_on_slot", *"0123456789")
PHRASES = {
    "en": {"parked_on_slot": "Parked on slot"},
    "de": {"parked_on_slot": "Geparkt auf Platz"},
    "ru": {"parked_on_slot": "Вызов на парковке, место"},
    "pl": {"parked_on_slot": "Zaparkowano na miejscu"},
}
RATE = 8000
GAP_MS = 120


def speak_number(number: str) -> tuple[str, ...]:
    """A number spoken digit by digit ("701" -> "7", "0", "1"), as slot and extension numbers are read."""
    return tuple(d for d in number if d.isdigit())


def word_file(word: str, language: str) -> Path:
    """The WAV of one word; English when the language lacks it."""
    path = PROMPT_DIR / language / f"{word}.wav"
    return path if path.exists() else PROMPT_DIR / "en" / f"{word}.wav"


def music_file(source: str) -> Path:
    """Hold music: "default" is the shipped file; anything else is a path."""
    return PROMPT_DIR / "music" / "default.wav" if source in ("", "default") else Path(source)


def render(words: tuple[str, ...], language: str, cache_dir: Path) -> Path:
    """One WAV with the words in a row (short gaps between them), made once per word list."""
    key = hashlib.sha1(f"{language}:{'/'.join(words)}".encode()).hexdigest()[:16]
    out = cache_dir / f"prompt-{language}-{key}.wav"
    if out.exists():
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    gap = b"\x00\x00" * (RATE * GAP_MS // 1000)
    frames = []
    for word in words:
        with wave.open(str(word_file(word, language)), "rb") as w:
            frames.append(w.readframes(w.getnframes()))
    tmp = out.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(gap.join(frames))
    tmp.replace(out)
    return out
