"""Audio sources for sequencer tests: a known length of a known value, then done."""

from __future__ import annotations

import numpy as np

from firmware.contracts.callerid import CallerId
from firmware.contracts.tones import ToneSpec
from firmware.drivers.fxs.callerid import AudioSource


class FakeAudio:
    def __init__(self, ms: int, value: int = 1000, name: str = "") -> None:
        self.left = ms * 8
        self.value = value
        self.name = name

    @property
    def done(self) -> bool:
        return self.left <= 0

    def generate(self, n: int) -> np.ndarray:
        take = min(n, max(self.left, 0))
        self.left -= n
        out = np.zeros(n, dtype=np.int16)
        out[:take] = self.value
        return out


class FakeSources:
    """Spills of `spill_ms`, tones of the spec's length; records what was asked for."""

    def __init__(self, spill_ms: int = 700) -> None:
        self.spill_ms = spill_ms
        self.spills: list[tuple[CallerId, bool]] = []
        self.mwis: list[bool] = []
        self.tones: list[str] = []

    def spill(self, cid: CallerId, *, seizure: bool) -> tuple[AudioSource, int]:
        self.spills.append((cid, seizure))
        return FakeAudio(self.spill_ms, 3000, "spill"), self.spill_ms + 1000

    def mwi(self, on: bool) -> tuple[AudioSource, int] | None:
        self.mwis.append(on)
        return FakeAudio(self.spill_ms, 3000, "mwi"), self.spill_ms + 1000

    def tone(self, spec: ToneSpec) -> AudioSource:
        self.tones.append(spec.name)
        return FakeAudio(sum(seg.ms for seg in spec.segments), 2000, spec.name)
