"""Hybrid echo, line noise and timed clips of the virtual exchange line (fact sheet 2.2 ACIM; G.122 ERL).

Echo model. The line has a true impedance `Z_line` (one of the Si3019 ACIM networks of fact sheet
2.2, `true_acim`); the DAA terminates it with the network it selects in reg 30 (`Z_term`). What the
box sends is reflected by the mismatch

    Gamma(f) = (Z_term(f) - Z_line(f)) / (Z_term(f) + Z_line(f))

so the echo path is the impulse response of Gamma (frequency-sampled on 256 points at 8 kHz, the
first 64 taps = 8 ms kept with a tapered end) plus a fixed residual leak of the hybrid at -30 dB
(a short decaying ring). The echo return loss is then
ERL = -10 log10(sum(h^2)) (white input): about 30 dB when the networks match, typically 8-20 dB
between a 600 ohm termination and a complex line, never below 6 dB (the mismatch part is scaled
down if it would be). The echo is a FIR of tens of taps, not a gain, so an echo canceller has work
to do. The path delay is `delay_ms` but at least one audio block, because the line carries audio
in blocks (what the box sends in a block is heard back from the next block on).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt

from firmware.dsp.levels import dbm0_to_rms

RATE = 8000
TAPS = 64
FLOOR_ERL_DB = 30.0
MIN_ERL_DB = 6.0

# ACIM code -> (series R, parallel R, parallel C, series C); None = element absent. Fact sheet 2.2.
# Code 15 ("global complex impedance") is modelled as the TBR21 network of code 2 [unverified].
ACIM_NETWORKS: dict[int, tuple[float, float | None, float | None, float | None]] = {
    0: (600.0, None, None, None),
    1: (900.0, None, None, None),
    2: (270.0, 750.0, 150e-9, None),
    3: (220.0, 820.0, 120e-9, None),
    4: (370.0, 620.0, 310e-9, None),
    5: (320.0, 1050.0, 230e-9, None),
    6: (370.0, 820.0, 110e-9, None),
    7: (275.0, 780.0, 115e-9, None),
    8: (120.0, 820.0, 110e-9, None),
    9: (350.0, 1000.0, 210e-9, None),
    10: (200.0, 680.0, 100e-9, None),
    11: (600.0, None, None, 2.16e-6),
    12: (900.0, None, None, 1e-6),
    13: (900.0, None, None, 2.16e-6),
    14: (600.0, None, None, 1e-6),
    15: (270.0, 750.0, 150e-9, None),
}


def impedance(acim: int, freqs: npt.NDArray[np.float64]) -> npt.NDArray[np.complex128]:
    """Complex impedance of ACIM network `acim` at `freqs` (Hz, > 0)."""
    rs, rp, cp, cs = ACIM_NETWORKS[acim & 0x0F]
    w = 2.0 * math.pi * freqs
    z = np.full(freqs.shape, rs, dtype=np.complex128)
    if rp is not None and cp is not None:
        z += rp / (1.0 + 1j * w * rp * cp)
    if cs is not None:
        z += 1.0 / (1j * w * cs)
    return z


def _floor_response() -> npt.NDArray[np.float64]:
    k = np.arange(48, dtype=np.float64)
    h = np.exp(-k / 6.0) * np.cos(2.0 * math.pi * 0.11 * k)
    h[0] = 0.0
    return h * math.sqrt(10.0 ** (-FLOOR_ERL_DB / 10.0) / float(np.sum(h * h)))


_FLOOR = _floor_response()


@functools.lru_cache(maxsize=256)
def echo_response(true_acim: int, term_acim: int) -> npt.NDArray[np.float64]:
    """Echo impulse response (TAPS taps) for a line of `true_acim` terminated with `term_acim`."""
    nfft = 256
    freqs = np.arange(nfft // 2 + 1, dtype=np.float64) * RATE / nfft
    freqs[0] = 1.0
    z_line, z_term = impedance(true_acim, freqs), impedance(term_acim, freqs)
    gamma = (z_term - z_line) / (z_term + z_line)
    mismatch = np.fft.irfft(gamma, nfft)[:TAPS]
    mismatch[-16:] *= np.hanning(32)[16:]
    floor = np.zeros(TAPS)
    floor[: len(_FLOOR)] = _FLOOR
    h = floor + mismatch
    if erl_of(h) < MIN_ERL_DB:
        scale = math.sqrt(max(10.0 ** (-MIN_ERL_DB / 10.0) - float(np.sum(floor**2)), 0.0)
                          / max(float(np.sum(mismatch**2)), 1e-12))
        h = floor + mismatch * scale
    h.setflags(write=False)
    return h


def erl_of(h: npt.NDArray[np.float64]) -> float:
    return -10.0 * math.log10(max(float(np.sum(h * h)), 1e-12))


def erl_db(true_acim: int, term_acim: int) -> float:
    """Echo return loss in dB (white input) for a line of `true_acim` terminated with `term_acim`."""
    return erl_of(echo_response(true_acim, term_acim))


class EchoPath:
    """Delay line + FIR: `push` what the box sent, `render` the echo that comes back."""

    def __init__(self, true_acim: int, delay_ms: float = 4.0) -> None:
        if not 0 <= true_acim <= 15:
            raise ValueError(f"true_acim must be 0..15, got {true_acim}")
        if delay_ms < 0:
            raise ValueError("echo delay cannot be negative")
        self.true_acim = true_acim
        self.delay = round(delay_ms * RATE / 1000)
        self.term_acim = 0
        self._tail = np.zeros(TAPS - 1)
        self._fifo = np.zeros(0)
        self._primed = False

    @property
    def erl_db(self) -> float:
        return erl_db(self.true_acim, self.term_acim)

    def push(self, block: npt.NDArray[np.int16]) -> None:
        x = np.concatenate([self._tail, block.astype(np.float64)])
        y = np.convolve(x, echo_response(self.true_acim, self.term_acim), mode="valid")
        self._tail = x[len(x) - (TAPS - 1):]
        self._fifo = np.concatenate([self._fifo, y])

    def render(self, n: int) -> npt.NDArray[np.float64]:
        if not self._primed:
            self._fifo = np.zeros(max(self.delay, n))
            self._primed = True
        out = np.zeros(n)
        take = min(n, len(self._fifo))
        out[:take] = self._fifo[:take]
        self._fifo = self._fifo[take:]
        return out


class LineNoise:
    """White noise at a fixed level (dBm0) on the line toward the box; None = a noiseless line."""

    def __init__(self, level_dbm0: float | None = -65.0, seed: int = 1) -> None:
        self.rms = 0.0 if level_dbm0 is None else dbm0_to_rms(level_dbm0)
        self._rng = np.random.default_rng(seed)

    def render(self, n: int) -> npt.NDArray[np.float64]:
        if self.rms == 0.0:
            return np.zeros(n)
        return self._rng.normal(0.0, self.rms, n)


class ClipMixer:
    """Audio clips (caller-ID spills, alerting tones) placed on the line at exact times."""

    def __init__(self) -> None:
        self._clips: list[tuple[float, npt.NDArray[np.int16]]] = []
        self._pos: list[int] = []

    def add(self, at: float, samples: npt.NDArray[np.int16]) -> None:
        self._clips.append((at, samples))
        self._pos.append(0)

    def clear(self) -> None:
        self._clips.clear()
        self._pos.clear()

    def render(self, start: float, n: int) -> npt.NDArray[np.float64]:
        """The block of `n` samples that starts at time `start`."""
        out = np.zeros(n)
        clips: list[tuple[float, npt.NDArray[np.int16]]] = []
        positions: list[int] = []
        for (at, samples), pos in zip(self._clips, self._pos):
            offset = max(0, round((at - start) * RATE)) if pos == 0 else 0
            if offset < n:
                take = min(n - offset, len(samples) - pos)
                out[offset:offset + take] += samples[pos:pos + take]
                pos += take
            if pos < len(samples):
                clips.append((at, samples))
                positions.append(pos)
        self._clips, self._pos = clips, positions
        return out
