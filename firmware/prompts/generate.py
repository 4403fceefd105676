"""Makes the shipped prompt and music files (run at build time: `python -m firmware.prompts.generate`):
words with espeak-ng (voices en, de, ru, pl), resampled with sox to 8 kHz 16-bit mono and trimmed of
leading/trailing silence; the default music on hold, a few soft synthesised chords (I-vi-IV-V in C,
sine partials with slow attack and release, 10 s, seamless loop), licence-free since we make it.

Without arguments it makes the caller-facing set (firmware.prompts.phrases) into voice/<lang>/ and
writes voice/manifest.json: per file the text, the espeak voice, espeak's version, duration, level and
SHA-256 (what the prompt tests check); files whose text, voice and espeak version did not change are
kept. `--committed` remakes the small committed set (digits, park announcement, music) instead."""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from firmware.prompts import LANGUAGES, PHRASES, PROMPT_DIR, RATE, VOICE_DIR, WORDS
from firmware.prompts.phrases import VOICES, texts

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
                        "silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse", "norm", "-3"],
                       check=True)


def espeak_version() -> str:
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True).stdout
    return out.split(":")[1].split()[0] if ":" in out else out.strip()


def measure(path: Path) -> dict[str, object]:
    """Duration, RMS level and SHA-256 of a generated file (recorded in the manifest)."""
    with wave.open(str(path), "rb") as w:
        rate, n = w.getframerate(), w.getnframes()
        samples = np.frombuffer(w.readframes(n), dtype="<i2").astype(np.float64)
    rms = float(np.sqrt(np.mean(samples * samples))) if n else 0.0
    level = round(float(20 * np.log10(max(rms, 1e-9) / 32768)), 1)
    return {"ms": round(1000 * n / rate), "rate": rate, "rms_dbfs": level,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def voice_set(out_dir: Path = VOICE_DIR, *, force: bool = False, jobs: int = 8) -> dict[str, object]:
    """Make (or bring up to date) the caller-facing prompt set and its manifest; returns the manifest."""
    manifest_path = out_dir / "manifest.json"
    old: dict[str, object] = {}
    if manifest_path.exists() and not force:
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
    version = espeak_version()
    old_files = old.get("files", {}) if old.get("espeak") == version else {}
    assert isinstance(old_files, dict)
    files: dict[str, dict[str, dict[str, object]]] = {}
    todo: list[tuple[str, str, str, Path]] = []
    for lang in LANGUAGES:
        files[lang] = {}
        for name, text in texts(lang).items():
            path = out_dir / lang / f"{name}.wav"
            before = old_files.get(lang, {}).get(name)
            if before and before.get("text") == text and before.get("voice") == VOICES[lang] and path.exists():
                files[lang][name] = before
            else:
                todo.append((lang, name, text, path))

    def make(item: tuple[str, str, str, Path]) -> tuple[str, str, dict[str, object]]:
        lang, name, text, path = item
        speak(text, VOICES[lang], path)
        return lang, name, {"text": text, "voice": VOICES[lang], **measure(path)}

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for lang, name, entry in pool.map(make, todo):
            files[lang][name] = entry
    manifest = {"espeak": version, "rate": RATE, "languages": list(LANGUAGES), "voices": VOICES, "files": files}
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def committed() -> None:
    write_wav(PROMPT_DIR / "music" / "default.wav", music())
    for lang in LANGUAGES:
        for word in WORDS:
            speak(PHRASES[lang].get(word, word), lang, PROMPT_DIR / lang / f"{word}.wav")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--committed", action="store_true", help="remake the committed digits/park/music files")
    parser.add_argument("--force", action="store_true", help="remake every file of the voice set")
    parser.add_argument("--out", type=Path, default=VOICE_DIR, help="where the voice set goes")
    args = parser.parse_args(argv)
    if args.committed:
        committed()
        return 0
    manifest = voice_set(args.out, force=args.force)
    files = manifest["files"]
    assert isinstance(files, dict)
    print(f"prompts: {sum(len(v) for v in files.values())} files in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
