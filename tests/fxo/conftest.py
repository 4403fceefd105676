"""Shared FXO test helpers: synthesised speech (espeak-ng + sox), tones and DTMF as 8 kHz int16."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from firmware.contracts.tones import ToneSpec
from firmware.drivers.sim.wavio import read_wav
from firmware.dsp import levels
from firmware.dsp.dtmf import DtmfSender
from firmware.dsp.tones import ToneGenerator

RATE = 8000
Samples = npt.NDArray[np.int16]

SPEECH = {
    "en": ("Hello, this is the accounts department. I am calling about the invoice from last week. "
           "Could you please check the amount and call me back this afternoon? Thank you, goodbye."),
    "de": ("Guten Tag, hier spricht die Buchhaltung. Ich rufe wegen der Rechnung von letzter Woche an. "
           "Bitte pruefen Sie den Betrag und rufen Sie mich heute Nachmittag zurueck. Auf Wiederhoeren."),
}


def speak(text: str, voice: str, out_dir: Path, level_dbm0: float = -15.0) -> Samples:
    """Text spoken by espeak-ng, resampled to 8 kHz mono 16-bit by sox, scaled to `level_dbm0`."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (Debian packages espeak-ng and sox are required)")
    raw, narrow = out_dir / f"{voice}_raw.wav", out_dir / f"{voice}_8k.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text], check=True,
                   capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(narrow)], check=True,
                   capture_output=True)
    x = read_wav(narrow).astype(np.float64)
    gain = levels.dbm0_to_rms(level_dbm0) / max(float(np.sqrt(np.mean(x * x))), 1.0)
    return np.clip(np.rint(x * gain), -32768, 32767).astype(np.int16)


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Samples]:
    out = tmp_path_factory.mktemp("speech")
    return {voice: speak(text, voice, out) for voice, text in SPEECH.items()}


def tone_audio(spec: ToneSpec, seconds: float) -> Samples:
    gen = ToneGenerator(spec)
    try:
        return gen.generate(round(seconds * RATE))
    finally:
        gen.close()


def dtmf_audio(digits: str, *, on_ms: int = 100, off_ms: int = 100, level_dbm0: float = -10.0) -> Samples:
    sender = DtmfSender(level_dbm0=level_dbm0, on_ms=on_ms, off_ms=off_ms)
    n = len(digits) * (on_ms + off_ms) * RATE // 1000
    sender.add(digits)
    out = sender.generate(n)
    sender.close()
    return out


def blocks(x: Samples, n: int = 160) -> list[Samples]:
    return [x[i:i + n] for i in range(0, len(x) - n + 1, n)]


def noise(seconds: float, level_dbm0: float = -60.0, seed: int = 7) -> Samples:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(round(seconds * RATE)) * levels.dbm0_to_rms(level_dbm0)
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)
