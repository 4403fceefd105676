"""Customers' own prompt recordings: an uploaded WAV, MP3 or OGG is converted with sox to the prompt
format (8 kHz, mono, 16-bit WAV, normalised) and stored as <prompts>/<language>/<name>.wav, where it
replaces the shipped prompt of that name (firmware.prompts.word_file looks there first)."""

from __future__ import annotations

import re
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Any

from firmware.contracts.errors import ApiError

MAX_BYTES = 8 * 1024 * 1024
SUFFIXES = (".wav", ".mp3", ".ogg")


def convert_prompt(base: Path, language: str, name: str, data: bytes, suffix: str) -> dict[str, Any]:
    if language not in ("en", "de", "ru", "pl"):
        raise ApiError("language must be en, de, ru or pl")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,47}", name) or ".." in name:
        raise ApiError("a prompt name is lower-case letters, digits, _ . or -")
    suffix = suffix.lower()
    if suffix not in SUFFIXES:
        raise ApiError("upload a WAV, MP3 or OGG file")
    if not data or len(data) > MAX_BYTES:
        raise ApiError("the file is empty or larger than 8 MB")
    out = base / language / f"{name}.wav"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"upload{suffix}"
        src.write_bytes(data)
        staged = Path(tmp) / "prompt.wav"
        try:
            subprocess.run(["sox", str(src), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", str(staged),
                            "norm", "-3"], check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            raise ApiError(f"the file could not be converted: {exc}") from exc
        with wave.open(str(staged), "rb") as w:
            seconds = w.getnframes() / float(w.getframerate())
        staged.replace(out)
    return {"language": language, "name": name, "seconds": round(seconds, 1), "path": str(out)}
