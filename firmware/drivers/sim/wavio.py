"""WAV file helpers for the virtual board: 16-bit PCM read (any rate, resampled to 8 kHz) and write."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 8000


def read_wav(path: str | Path, rate: int = RATE) -> np.ndarray:
    """Read a 16-bit PCM WAV as mono int16 at `rate` (channels averaged, linear resampling)."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported, not {8 * w.getsampwidth()}-bit")
        channels, src_rate = w.getnchannels(), w.getframerate()
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    data = raw.reshape(-1, channels).mean(axis=1) if channels > 1 else raw.astype(np.float64)
    if src_rate != rate and len(data):
        n_out = round(len(data) * rate / src_rate)
        x_new = np.arange(n_out) * (src_rate / rate)
        data = np.interp(x_new, np.arange(len(data)), data)
    return np.clip(np.round(data), -32768, 32767).astype(np.int16)


def write_wav(path: str | Path, samples: np.ndarray, rate: int = RATE) -> None:
    """Write int16 samples; a 2-D array (n, channels) becomes a multi-channel file."""
    arr = np.asarray(samples, dtype=np.int16)
    channels = 1 if arr.ndim == 1 else arr.shape[1]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(arr.astype("<i2").tobytes())
