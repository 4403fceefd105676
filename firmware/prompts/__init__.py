"""Spoken prompts and music on hold: small WAV files (8 kHz, 16-bit mono) shipped with the firmware,
made by `python -m firmware.prompts.generate` (espeak-ng for words in en/de/ru/pl, synthesised chords
for the default hold music). The committed files (digits, the park announcement, music) live in
<lang>/ and music/; the full caller-facing set (firmware.prompts.phrases: menus, voicemail, numbers,
dates; firmware.prompts.grammar picks the words) is generated at build time into voice/<lang>/ with
a manifest. A customer's own recording <custom>/<lang>/<name>.wav replaces the shipped prompt of that
name. `render` joins words into one WAV (cached by words and source files) that a player plays once."""

from __future__ import annotations

import hashlib
import wave
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent
VOICE_DIR = PROMPT_DIR / "voice"          # generated at build time (gitignored)
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


def word_file(word: str, language: str, custom: Path | None = None, base: Path | None = None) -> Path:
    """The WAV of one prompt word: the customer's recording, else the generated set, else the committed
    one; English when the language lacks it. "file:<path>" is a recording (a voicemail message; relative
    paths inside `base`, the state directory)."""
    if word.startswith("file:"):
        path = Path(word[5:])
        return path if path.is_absolute() or base is None else base / path
    for lang in (language, "en"):
        for base in (custom, VOICE_DIR, PROMPT_DIR):
            if base is None:
                continue
            path = base / lang / f"{word}.wav"
            if path.is_file():
                return path
    return PROMPT_DIR / "en" / f"{word}.wav"


def music_file(source: str) -> Path:
    """Hold music: "default" is the shipped file; anything else is a path."""
    return PROMPT_DIR / "music" / "default.wav" if source in ("", "default") else Path(source)


def render(words: tuple[str, ...], language: str, cache_dir: Path, custom: Path | None = None, *,
           base: Path | None = None) -> Path:
    """One WAV with the words in a row (short gaps between them), made once per word list and source
    files (a newly uploaded recording makes a new one)."""
    files = [word_file(word, language, custom, base) for word in words]
    stamp = "/".join(f"{f}:{f.stat().st_mtime_ns if f.exists() else 0}" for f in files)
    key = hashlib.sha1(f"{language}:{'/'.join(words)}:{stamp}".encode()).hexdigest()[:16]
    out = cache_dir / f"prompt-{language}-{key}.wav"
    if out.exists():
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    gap = b"\x00\x00" * (RATE * GAP_MS // 1000)
    frames = []
    for path in files:
        with wave.open(str(path), "rb") as w:
            frames.append(w.readframes(w.getnframes()))
    tmp = out.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(gap.join(frames))
    tmp.replace(out)
    return out
