"""Makes the shipped prompt and music files (run at build time: `python -m firmware.prompts.generate`):
words with espeak-ng (voices en, de, ru, pl), resampled with sox to 8 kHz 16-bit mono and trimmed of
leading/trailing silence; the default music on hold, a few soft synthesised chords (I-vi-IV-V in C,
sine partials with slow attack and release, 10 s, seamless loop), licence-free since we make it."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

from firmware.prompts import LANGUAGES, PHRASES, PROMPT_DIR, RATE, WORDS

CHORDS = ((261.63, 329.63, 392.00), (220.00, 261.63, 329.63), (174.61, 220.00, 261.63), (196.00, 246.94, 293.66))
CHORD_S = 2.5


def write_wav(path: Path, samples: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.astype("<i2").tobytes())


def music() -> np.ndarray:
    """Four chords with a gentle envelope and a soft bass note; -18 dBFS peak-ish, loops cleanly."""
    n = int(CHORD_S * RATE)
    t = np.arange(n) / RATE
    env = np.minimum(1.0, t / 0.4) * np.minimum(1.0, (CHORD_S - t) / 0.6)
    parts = []
    for chord in CHORDS:
        tone = sum(np.sin(2 * np.pi * f * t) + 0.25 * np.sin(4 * np.pi * f * t) for f in chord)
        tone += 0.8 * np.sin(np.pi * chord[0] * t)            # the root an octave down
        parts.append(tone * env)
    mix = np.concatenate(parts)
    return (mix / np.max(np.abs(mix)) * 0.125 * 32767).astype(np.int16)


def speak(text: str, voice: str, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text], check=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
                        "silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse"],
                       check=True)


def main() -> int:
    write_wav(PROMPT_DIR / "music" / "default.wav", music())
    for lang in LANGUAGES:
        for word in WORDS:
            speak(PHRASES[lang].get(word, word), lang, PROMPT_DIR / lang / f"{word}.wav")
    return 0


if __name__ == "__main__":
    sys.exit(main())
