"""FXO line calibration measurements: probe, echo return loss, tone and ring cadence (fact 2.2, 3.2, 4)."""

# ERL (echo return loss) of a termination is the probe level we send toward the line minus the
# level that comes back from the line while the far end is silent, both in dBm0 on the digital
# side of the codec, measured before any echo canceller. The probe is Gaussian white noise at
# -20 dBm0 from a fixed seed, so every candidate gets the same excitation.

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from firmware.contracts.tones import ToneSpec, parse_tone
from firmware.dsp import levels
from firmware.dsp.tone_detect import measure_cadence

RATE = 8000


class NoiseProbe:
    """White-noise probe at a fixed dBm0 level, reproducible from its seed."""

    def __init__(self, level_dbm0: float = -20.0, seed: int = 3050) -> None:
        self.level_dbm0 = level_dbm0
        self._rng = np.random.default_rng(seed)
        self._rms = levels.dbm0_to_rms(level_dbm0)

    def generate(self, n: int) -> npt.NDArray[np.int16]:
        x = self._rng.standard_normal(n) * self._rms
        return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


class LevelMeter:
    """Accumulates power over blocks; `dbm0` is the RMS level of everything added."""

    def __init__(self) -> None:
        self.energy = 0.0
        self.samples = 0

    def add(self, block: npt.NDArray[np.int16]) -> None:
        x = block.astype(np.float64)
        self.energy += float(np.dot(x, x))
        self.samples += int(x.size)

    @property
    def dbm0(self) -> float:
        if not self.samples:
            return levels.MIN_DBM0
        return levels.rms_to_dbm0(math.sqrt(self.energy / self.samples))


@dataclass(frozen=True)
class LearntTone:
    freqs: tuple[float, ...]
    on_ms: int
    off_ms: int          # 0 = steady
    level_dbm0: float

    def spec(self, name: str = "learnt_disconnect") -> ToneSpec:
        freq = "+".join(f"{f:g}" for f in self.freqs)
        text = freq if self.off_ms == 0 else f"{freq}/{self.on_ms},0/{self.off_ms}"
        return parse_tone(name, text, level_dbm0=round(self.level_dbm0, 1))

    def describe(self) -> str:
        freq = " + ".join(f"{f:g}" for f in self.freqs) + " Hz"
        if self.off_ms == 0:
            return f"steady tone {freq} at {self.level_dbm0:.1f} dBm0"
        return f"tone {freq} {self.on_ms}/{self.off_ms} ms at {self.level_dbm0:.1f} dBm0"


def _close(a: float, b: float, rel: float = 0.12, absolute: float = 40.0) -> bool:
    return abs(a - b) <= max(absolute, rel * max(a, b))


def learn_tone(samples: npt.NDArray[np.int16], *, min_level_dbm0: float = -45.0,
               steady_min_ms: int = 3000) -> LearntTone | None:
    """A call-progress-like tone in `samples` (one on/off period, or steady), else None."""
    period = measure_cadence(samples, min_level_dbm0=min_level_dbm0)
    if len(period) != 1:
        return None      # nothing, or a pattern too irregular to be a disconnect tone (speech)
    freqs, on_ms, off_ms = period[0]
    if not freqs or not all(200.0 <= f <= 2000.0 for f in freqs):
        return None
    if off_ms == 0 and on_ms < steady_min_ms:
        return None
    if off_ms and not (80 <= on_ms <= 2500 and 80 <= off_ms <= 5000):
        return None
    # per-component level while on: the block average raised by the duty cycle, split over components
    duty_db = 10.0 * math.log10((on_ms + off_ms) / on_ms) if off_ms else 0.0
    level = levels.dbm0(samples) + duty_db - 10.0 * math.log10(len(freqs))
    return LearntTone(tuple(freqs), int(on_ms), int(off_ms), level)


def same_tone(a: LearntTone, b: LearntTone) -> bool:
    return (len(a.freqs) == len(b.freqs) and all(abs(x - y) <= 15.0 for x, y in zip(a.freqs, b.freqs))
            and _close(a.on_ms, b.on_ms) and _close(a.off_ms, b.off_ms))


class ToneLearner:
    """Runs `learn_tone` over a sliding window; a tone counts once two consecutive looks agree."""

    def __init__(self, *, window_s: float = 4.0, every_s: float = 1.0) -> None:
        self.window = int(window_s * RATE)
        self.every_s = every_s
        self._buf = np.zeros(0, dtype=np.int16)
        self._last_look: float | None = None
        self._candidate: LearntTone | None = None
        self.found: LearntTone | None = None
        self.found_at: float | None = None

    def add(self, block: npt.NDArray[np.int16], now: float) -> LearntTone | None:
        """Feed received audio; returns the tone the first time it is confirmed."""
        self._buf = np.concatenate([self._buf, block])[-self.window:]
        if self.found is not None or len(self._buf) < self.window:
            return None
        if self._last_look is not None and now - self._last_look < self.every_s:
            return None
        self._last_look = now
        tone = learn_tone(self._buf)
        if tone is not None and self._candidate is not None and same_tone(tone, self._candidate):
            self.found, self.found_at = tone, now
            return tone
        self._candidate = tone
        return None


def ring_period(cadence: Sequence[int], tol_ms: int = 150) -> tuple[int, ...]:
    """The shortest repeating (on, off, ...) period in a measured ring cadence (on, off, on, off, ...).

    Only complete on/off pairs are used; with no repetition the pairs seen are returned as they are.
    """
    pairs = [(cadence[i], cadence[i + 1]) for i in range(0, len(cadence) - 1, 2)]
    if not pairs:
        return tuple(cadence[:1])
    for p in range(1, len(pairs)):
        if all(abs(pairs[i][0] - pairs[i + p][0]) <= tol_ms and abs(pairs[i][1] - pairs[i + p][1]) <= tol_ms
               for i in range(len(pairs) - p)):
            group = [pairs[i::p] for i in range(p)]
            return tuple(v for g in group for v in (round(float(np.mean([x[0] for x in g]))),
                                                    round(float(np.mean([x[1] for x in g])))))
    return tuple(v for pair in pairs for v in pair)
