"""External programs the DSP tests use as independent references: sox, multimon-ng, espeak-ng."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt

RAW = ["-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1"]


def resample(x: npt.NDArray[np.int16], rate_in: int, rate_out: int) -> npt.NDArray[np.int16]:
    """Resample 16-bit mono audio with sox."""
    out = subprocess.run(["sox", *RAW, "-r", str(rate_in), "-", *RAW, "-r", str(rate_out), "-"],
                         input=np.ascontiguousarray(x, dtype=np.int16).tobytes(),
                         capture_output=True, check=True, timeout=60)
    return np.frombuffer(out.stdout, dtype=np.int16).copy()


def multimon(x8k: npt.NDArray[np.int16], demod: str) -> list[str]:
    """Lines multimon-ng prints for 8 kHz audio (it wants 22050 Hz raw s16le)."""
    audio = resample(np.concatenate([np.zeros(2000, np.int16), x8k, np.zeros(4000, np.int16)]), 8000, 22050)
    out = subprocess.run(["multimon-ng", "-q", "-c", "-a", demod, "-t", "raw", "-"], input=audio.tobytes(),
                         capture_output=True, check=True, timeout=60)
    return [line.strip() for line in out.stdout.decode("ascii", "replace").splitlines() if line.strip()]


def sox_synth(seconds: float, *synth: str, gains: tuple[float, ...] = ()) -> npt.NDArray[np.int16]:
    """8 kHz mono audio from `sox -n ... synth <seconds> <synth...>`; with `gains`, the synth
    channels are mixed to one with those gains (remix 1v<g1>,2v<g2>,...)."""
    cmd = ["sox", "-n", "-r", "8000", *RAW[:-2], "-t", "raw", "-", "synth", str(seconds), *synth]
    if gains:
        cmd += ["remix", ",".join(f"{i + 1}v{g}" for i, g in enumerate(gains))]
    out = subprocess.run(cmd, capture_output=True, check=True, timeout=60)
    return np.frombuffer(out.stdout, dtype=np.int16).copy()


def espeak(text: str, tmp: Path, *, voice: str = "en", pitch: int = 50) -> npt.NDArray[np.int16]:
    """Speech from espeak-ng, converted to 8 kHz mono int16 with sox."""
    wav = tmp / f"speech-{voice}-{pitch}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-w", str(wav), text],
                   capture_output=True, check=True, timeout=60)
    out = subprocess.run(["sox", str(wav), *RAW, "-r", "8000", "-"],
                         capture_output=True, check=True, timeout=60)
    return np.frombuffer(out.stdout, dtype=np.int16).copy()
