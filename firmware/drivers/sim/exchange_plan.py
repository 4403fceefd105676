"""Incoming-call plans of the virtual exchange: ring cadence, caller-ID timings (EN 300 659-1 sec. 6, GR-30).

Follows fact sheet 3.2-3.5; also holds the exchange's timer queue.

A plan is a lazy, time-ordered sequence of `Step`s in seconds after the call is offered:
- after first ring: the cadence; the spill starts 500 ms into the silent interval after burst
  `cadence.cid_after` (that interval is stretched if the spill would not fit before the next burst);
- before ring, line reversal: reverse polarity, DT-AS (2130 + 2750 Hz, 100 ms) 300 ms later (FSK only),
  the spill 150 ms after it, then 400 ms of quiet, polarity back to normal, and the cadence;
- before ring, RP-AS: one 250 ms ring pulse, the spill 650 ms after it ends, 400 ms, the cadence;
- DTMF caller ID follows the timing it is given (line reversal: reversal, digits 300 ms later).
After `max_rings` cadence periods the caller gives up. [unverified]: after a pre-ring spill with line
reversal the polarity is restored to normal when ringing starts; the gaps (300/150/400/650 ms) are
firmware.telephony.timing's values.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from firmware.contracts.callerid import CallerId, CidFormat, CidStandard, CidTiming
from firmware.contracts.ports import RingCadence
from firmware.dsp.callerid import CidSender, encode_message
from firmware.dsp.levels import tone
from firmware.telephony.timing import DEFAULT_TIMING, AnalogTiming

RATE = 8000
DT_AS_FREQS = (2130.0, 2750.0)


@dataclass(frozen=True)
class Step:
    at: float                     # seconds after the call was offered
    kind: str                     # ring_on, ring_off, reverse, normal, audio, give_up
    audio: npt.NDArray[np.int16] | None = None


def spill_audio(cid: CallerId, standard: CidStandard, fmt: CidFormat, *, level_dbm0: float = -13.0,
                seizure: bool = True) -> npt.NDArray[np.int16]:
    """The whole caller-ID spill (FSK with seizure and marks, or DTMF digits) as samples."""
    sender = CidSender(standard, level_dbm0=level_dbm0, seizure=seizure)
    try:
        sender.start(encode_message(cid, standard, fmt))
        blocks = []
        while not sender.done:
            blocks.append(sender.generate(800))
    finally:
        sender.close()
    return np.concatenate(blocks) if blocks else np.zeros(0, np.int16)


def dt_as(ms: int, level_dbm0: float = -16.0) -> npt.NDArray[np.int16]:
    """ETSI dual-tone alerting signal (on-hook, before the spill)."""
    n = ms * RATE // 1000
    low, high = (tone(f, level_dbm0, n).astype(np.int32) for f in DT_AS_FREQS)
    return np.clip(low + high, -32768, 32767).astype(np.int16)


def incoming_plan(cadence: RingCadence, max_rings: int, spill: npt.NDArray[np.int16] | None,
                  timing: CidTiming, standard: CidStandard,
                  t: AnalogTiming = DEFAULT_TIMING) -> Iterator[Step]:
    """The steps of one incoming call (see the module docstring)."""
    start = 0.0
    in_gap: npt.NDArray[np.int16] | None = None
    if spill is None or timing is CidTiming.AFTER_FIRST_RING:
        in_gap = spill
    elif timing is CidTiming.BEFORE_RING_LINE_REVERSAL:
        yield Step(0.0, "reverse")
        at = t.line_reversal_to_dt_as_ms / 1000
        if standard is not CidStandard.DTMF:
            yield Step(at, "audio", dt_as(t.dt_as_ms))
            at += (t.dt_as_ms + t.dt_as_to_fsk_ms) / 1000
        yield Step(at, "audio", spill)
        start = at + len(spill) / RATE + t.fsk_to_ring_ms / 1000
        yield Step(start, "normal")
    else:  # RP-AS
        yield Step(0.0, "ring_on")
        yield Step(t.rp_as_ms / 1000, "ring_off")
        at = (t.rp_as_ms + t.rp_as_pause_ms + t.dt_as_to_fsk_ms) / 1000
        yield Step(at, "audio", spill)
        start = at + len(spill) / RATE + t.fsk_to_ring_ms / 1000
    yield from _cadence_steps(cadence, max_rings, start, in_gap, t)


def _cadence_steps(cadence: RingCadence, max_rings: int, start: float,
                   spill: npt.NDArray[np.int16] | None, t: AnalogTiming) -> Iterator[Step]:
    at = start
    pairs = list(zip(cadence.pattern[::2], cadence.pattern[1::2]))
    for period in range(max_rings):
        for burst, (on_ms, off_ms) in enumerate(pairs, start=1):
            yield Step(at, "ring_on")
            at += on_ms / 1000
            yield Step(at, "ring_off")
            off = off_ms / 1000
            if spill is not None and period == 0 and burst == cadence.cid_after:
                lead = t.cid_leading_silence_ms / 1000
                yield Step(at + lead, "audio", spill)
                off = max(off, lead + len(spill) / RATE + 0.2)
            at += off
    yield Step(at, "give_up")


class Timers:
    """Time-ordered callbacks with tags (cancel by tag); callbacks get their due time."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str, Callable[[float], None]]] = []
        self._seq = itertools.count()

    def add(self, at: float, tag: str, callback: Callable[[float], None]) -> None:
        heapq.heappush(self._heap, (at, next(self._seq), tag, callback))

    def cancel(self, *tags: str) -> None:
        kept = [entry for entry in self._heap if entry[2] not in tags]
        if len(kept) != len(self._heap):
            self._heap = kept
            heapq.heapify(self._heap)

    def pending(self, tag: str) -> bool:
        return any(entry[2] == tag for entry in self._heap)

    def next_time(self) -> float:
        return self._heap[0][0] if self._heap else float("inf")

    def pop(self) -> tuple[float, Callable[[float], None]]:
        at, _, _, callback = heapq.heappop(self._heap)
        return at, callback
