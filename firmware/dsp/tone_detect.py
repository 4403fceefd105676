"""Cadenced call-progress tone detection on spandsp super_tone_rx, and cadence measurement (ITU-T E.180).

`CadenceDetector` recognises busy / congestion / disconnect tones on an FXO line. Each
ToneSpec gets its own spandsp supervisory-tone detector whose pattern is the spec's
repeating part repeated `cycles` times; spandsp classifies 16 ms Goertzel blocks (128
samples) into "frequency pair / silence" segments and reports when the last segments
match the pattern. Details that follow from spandsp 0.0.6:

* Frequency tolerance: spandsp only knows the frequencies it is told to watch, so each
  detector also watches guard frequencies on both sides of each tone frequency plus a
  spread of voice-band guards; a signal (speech, DTMF, another country's tone) that a guard
  bin sees within 6 dB of the tone's bin is "something else". The guard distance is chosen
  from the Goertzel response so that f +- freq_tolerance*f is still accepted; because the
  bins are 62.5 Hz wide the accepted band is at least about +-10 Hz and at most +-52 Hz.
* Timing tolerance: each element accepts ms*(1 -+ timing_tolerance) widened by one
  Goertzel block (16 ms), the detector's time resolution.
* spandsp compares at most the last 10 segments, so cycles*len(cycle) is capped at 10.
* super_tone_rx_add_element() wants 0 (not -1, as its header says) for "no frequency";
  with a single watched frequency it would read an uninitialised Goertzel result, which
  the guards also avoid. Its tone-to-total-energy test is nearly inert in the float build
  (1.995 against a block-length-scaled ratio), so rejection of speech rests on the guards
  and the cadence.
* Presence threshold is spandsp's fixed -42 dBm0 (whole block energy).

`measure_cadence` is plain numpy: it finds the on/off structure and frequencies of an
unknown periodic tone, for line calibration ("which disconnect tone does this line give").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from firmware.contracts.tones import ToneSegment, ToneSpec
from firmware.dsp import levels
from firmware.dsp import spandsp as sp

SAMPLE_RATE = 8000
BLOCK_MS = 16                    # spandsp super_tone_rx block: 128 samples
MAX_PATTERN = 10                 # segments spandsp keeps for matching
BINS = 128
TONE_TWIST = 3.981               # spandsp: a second frequency within 6 dB makes a pair
_MAX_GUARD_OFFSET_HZ = 110       # accepts about +-52 Hz; wider would let the bins drift apart
_SPREAD_GUARDS_HZ = (300.0, 700.0, 1000.0, 1300.0, 1700.0, 2100.0, 2500.0, 3000.0)
_NEVER_MS = 100_000_000          # an element no segment can satisfy (guard pattern)

Cadence = tuple[tuple[float, ...], int, int]   # (frequencies Hz, on ms, off ms)


class _SpecDetector:
    """One spandsp super_tone_rx instance watching one ToneSpec."""

    def __init__(self, spec: ToneSpec, cycles: int, timing_tolerance: float, freq_tolerance: float,
                 steady_ms: int) -> None:
        self.name = spec.name
        self.events: list[int] = []
        self._lib = sp.lib()
        elements = _pattern(spec, cycles, timing_tolerance, steady_ms)
        watched = sorted({f for e in elements for f in e[:2] if f})
        desc = self._lib.super_tone_rx_make_descriptor(None)
        self._desc = sp.Handle(desc, self._lib.super_tone_rx_free_descriptor, "tone descriptor")
        guard_tone = self._lib.super_tone_rx_add_tone(desc)
        for f in sorted({*watched, *_guards(watched, freq_tolerance)}):  # ascending = index order
            self._lib.super_tone_rx_add_element(desc, guard_tone, f, 0, _NEVER_MS, 0)
        tone = self._lib.super_tone_rx_add_tone(desc)
        for f1, f2, lo, hi in elements:
            self._lib.super_tone_rx_add_element(desc, tone, f1, f2, lo, hi)
        self._tone_id = tone
        self._callback = sp.TONE_REPORT_FUNC(self._on_report)  # keep referenced
        state = self._lib.super_tone_rx_init(None, desc, self._callback, None)
        self._state = sp.Handle(state, self._lib.super_tone_rx_free, "tone detector")
        self.active = False

    def _on_report(self, _user: int | None, code: int, _level: int, _delay: int) -> None:
        self.events.append(code)

    def feed(self, buf: npt.NDArray[np.int16]) -> bool:
        """Process samples; True if the pattern was newly recognised in them."""
        self._lib.super_tone_rx(self._state.ptr, sp.int16_ptr(buf), int(buf.size))
        started = False
        for code in self.events:
            if code == self._tone_id:
                started = started or not self.active
                self.active = True
            else:
                self.active = False
        self.events.clear()
        return started

    def close(self) -> None:
        self._state.close()
        self._desc.close()


def _pattern(spec: ToneSpec, cycles: int, tol: float, steady_ms: int) -> list[tuple[int, int, int, int]]:
    """spandsp elements (f1, f2, min ms, max ms; 0 max = unbounded) for `cycles` cycles."""
    cycle = spec.segments if spec.repeat_from is None else spec.segments[spec.repeat_from:]
    if spec.repeat_from is None or any(seg.ms == 0 for seg in cycle):
        cycles = 1
    if len(cycle) > MAX_PATTERN:
        raise ValueError(f"tone {spec.name!r}: {len(cycle)} segments per cycle, spandsp keeps {MAX_PATTERN}")
    cycles = max(1, min(cycles, MAX_PATTERN // len(cycle)))
    return [_element(seg, tol, steady_ms) for _ in range(cycles) for seg in cycle]


def _element(seg: ToneSegment, tol: float, steady_ms: int) -> tuple[int, int, int, int]:
    freqs = sorted(round(f) for f in seg.freqs)
    f1, f2 = [*freqs, 0, 0][:2]
    if seg.ms == 0:
        return f1, f2, steady_ms, 0
    lo = max(0, math.floor(seg.ms * (1.0 - tol)) - BLOCK_MS)
    hi = math.ceil(seg.ms * (1.0 + tol)) + BLOCK_MS
    return f1, f2, lo, hi


def _dirichlet_power(offset_hz: float) -> float:
    """Relative power a 128-sample Goertzel bin sees from a sine `offset_hz` away."""
    x = offset_hz * BINS / SAMPLE_RATE
    if abs(x) < 1e-9:
        return 1.0
    return float((math.sin(math.pi * x) / (BINS * math.sin(math.pi * x / BINS))) ** 2)


def _accepted_hz(guard_offset: float) -> float:
    """How far from a watched frequency a sine may be and still beat a guard `guard_offset`
    away by spandsp's 6 dB single-tone margin."""
    accepted = 0.0
    for step in range(1, int(guard_offset * 2)):
        d = step / 2
        if _dirichlet_power(d) <= TONE_TWIST * _dirichlet_power(guard_offset - d):
            break
        accepted = d
    return accepted


def _guard_offset(tolerance_hz: float) -> float:
    """Nearest guard distance that still accepts `tolerance_hz` (capped by Goertzel resolution)."""
    for offset in range(50, _MAX_GUARD_OFFSET_HZ + 1):
        if _accepted_hz(offset) >= tolerance_hz:
            return float(offset)
    return float(_MAX_GUARD_OFFSET_HZ)


def _guards(watched: Sequence[int], freq_tolerance: float) -> list[int]:
    offsets = {f: _guard_offset(freq_tolerance * f) for f in watched}
    near = [g for f, off in offsets.items() for g in (f - off, f + off)]
    keep = [g for g in near if 50.0 < g < 3900.0 and all(abs(g - f) >= offsets[f] - 1 for f in watched)]
    spread = [g for g in _SPREAD_GUARDS_HZ if all(abs(g - f) >= 1.5 * off for f, off in offsets.items())]
    return sorted({round(g) for g in keep + spread} - set(watched))


class CadenceDetector:
    """Recognises any of several cadenced tones; `feed` returns names newly recognised."""

    def __init__(self, specs: ToneSpec | Iterable[ToneSpec], *, cycles: int = 2,
                 timing_tolerance: float = 0.10, freq_tolerance: float = 0.05, steady_ms: int = 1000) -> None:
        spec_list = [specs] if isinstance(specs, ToneSpec) else list(specs)
        if not spec_list:
            raise ValueError("CadenceDetector needs at least one ToneSpec")
        if not 0.0 <= timing_tolerance < 1.0 or not 0.0 < freq_tolerance < 0.5 or cycles < 1:
            raise ValueError("bad tolerance or cycle count")
        self._detectors = [_SpecDetector(s, cycles, timing_tolerance, freq_tolerance, steady_ms)
                           for s in spec_list]

    def feed(self, samples: npt.NDArray[np.int16]) -> list[str]:
        buf = np.ascontiguousarray(samples, dtype=np.int16)
        if not buf.size:
            return []
        return [d.name for d in self._detectors if d.feed(buf)]

    @property
    def active(self) -> list[str]:
        """Names of tones whose cadence is still being followed after recognition."""
        return [d.name for d in self._detectors if d.active]

    def close(self) -> None:
        for d in self._detectors:
            d.close()


# --- cadence measurement (numpy) ---------------------------------------------------------
def _runs(on: npt.NDArray[np.bool_]) -> list[tuple[bool, int, int]]:
    """(state, start, length) runs of a boolean array."""
    if on.size == 0:
        return []
    edges = np.flatnonzero(np.diff(on.astype(np.int8))) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [on.size]])
    return [(bool(on[a]), int(a), int(b - a)) for a, b in zip(starts, stops)]


def _envelope(x: npt.NDArray[np.float64], window: int = 160) -> npt.NDArray[np.float64]:
    """Moving RMS over 20 ms: long enough to smooth the beat of two-frequency tones, and a
    half-power threshold on it puts burst edges where they are."""
    power = np.convolve(x * x, np.ones(window) / window, mode="same")
    return np.sqrt(power)


def _frequencies(x: npt.NDArray[np.float64]) -> tuple[float, ...]:
    trim = x[len(x) // 8: len(x) - len(x) // 8]
    peaks = levels.spectrum_peaks(trim, count=2, floor_db=10.0)
    return tuple(sorted(float(round(f)) for f, _ in peaks))


def _same(a: Cadence, b: Cadence) -> bool:
    def close(x: float, y: float, rel: float, absolute: float) -> bool:
        return abs(x - y) <= max(absolute, rel * max(x, y))

    return (len(a[0]) == len(b[0]) and all(close(x, y, 0.03, 10.0) for x, y in zip(a[0], b[0]))
            and close(a[1], b[1], 0.1, 20.0) and close(a[2], b[2], 0.1, 20.0))


def measure_cadence(samples: npt.ArrayLike, *, min_level_dbm0: float = -45.0) -> list[Cadence]:
    """One period of a periodic tone as [(frequencies, on ms, off ms), ...].

    The first and last (possibly cut) bursts are ignored; durations are averaged over the
    periods seen. A steady tone gives [(frequencies, its length in ms, 0)]; no tone, [].
    Give it at least two periods plus one burst (e.g. 3 s for a busy tone).
    """
    x = np.asarray(samples, dtype=np.float64)
    env = _envelope(x)
    if not env.size or levels.rms_to_dbm0(float(env.max())) < min_level_dbm0:
        return []
    top = float(np.percentile(env, 99))
    on_level = float(np.median(env[env > 0.5 * top]))
    threshold = max(on_level / math.sqrt(2.0), levels.dbm0_to_rms(min_level_dbm0))
    runs = _runs(env > threshold)
    ms = 1000.0 / SAMPLE_RATE
    inner = runs[1:-1]                        # first and last runs may be cut by the capture
    if inner and not inner[0][0]:
        inner = inner[1:]
    pairs: list[Cadence] = []
    for k in range(0, len(inner) - 1, 2):
        (_, a, n_on), (_, _, n_off) = inner[k], inner[k + 1]
        pairs.append((_frequencies(x[a:a + n_on]), round(n_on * ms), round(n_off * ms)))
    if pairs:
        return _one_period(pairs)
    on = [(a, n) for state, a, n in runs if state]
    if not on:
        return []
    a, n = max(on, key=lambda r: r[1])        # no on/off structure: a steady tone
    return [(_frequencies(x[a:a + n]), round(n * ms), 0)]


def _one_period(pairs: list[Cadence]) -> list[Cadence]:
    if not pairs:
        return []
    for p in range(1, len(pairs) + 1):
        if all(_same(pairs[i], pairs[i + p]) for i in range(len(pairs) - p)):
            break
    result: list[Cadence] = []
    for i in range(p):
        group = pairs[i::p]
        result.append((group[0][0], round(float(np.mean([g[1] for g in group]))),
                       round(float(np.mean([g[2] for g in group])))))
    return result
