"""Call-progress tone generator for ToneSpec data on spandsp tone_gen (ITU-T E.180 / Q.35 tone plans).

A spandsp tone descriptor holds one frequency set and up to four alternating on/off
sections, optionally repeating. A `ToneSpec` is compiled into a list of such steps:
consecutive tone/silence segments with the same frequencies share one descriptor (never
across `repeat_from`), a lone silence segment is a plain count of zero samples, and when the
repeating part fits in one descriptor spandsp repeats it itself (phase-continuous).

Conventions: frequencies are rounded to whole Hz and levels applied per component in dBm0
(spandsp's whole-dB level plus a fractional gain). A modulated segment (f1*f2, Asterisk
notation) is f1 amplitude-modulated by f2 at 90 % depth, as Asterisk plays it. A steady
silence segment (ms == 0) ends the tone: `done` becomes True.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from firmware.contracts.tones import ToneSegment, ToneSpec
from firmware.dsp import spandsp as sp

SAMPLE_RATE = 8000
_STEADY_SECTION_MS = 1000   # a steady tone is one 1 s section repeated forever
_AM_DEPTH_PERCENT = 90


@dataclass(frozen=True)
class _Step:
    freqs: tuple[float, ...]     # () = silence step
    modulated: bool
    sections: tuple[int, ...]    # ms, alternating on/off starting with on (tone steps)
    silence_ms: int = 0          # silence steps; 0 = steady silence (end of tone)
    forever: bool = False        # spandsp repeats the sections itself


def _compile(spec: ToneSpec) -> tuple[list[_Step], int | None]:
    """Steps, and the index of the step playback loops back to (None: play once)."""
    segs = spec.segments
    steps: list[_Step] = []
    first_step: dict[int, int] = {}
    i = 0
    while i < len(segs):
        seg = segs[i]
        first_step[i] = len(steps)
        if not seg.freqs:
            steps.append(_Step((), False, (), silence_ms=seg.ms))
            i += 1
            continue
        if seg.ms == 0:
            steps.append(_Step(seg.freqs, seg.modulated, (_STEADY_SECTION_MS,), forever=True))
            i += 1
            continue
        sections = [seg.ms]
        j = i + 1
        while j < len(segs) and j != spec.repeat_from and len(sections) < 4 and _fits(seg, segs[j], sections):
            sections.append(segs[j].ms)
            j += 1
        steps.append(_Step(seg.freqs, seg.modulated, tuple(sections)))
        i = j
    loop = None if spec.repeat_from is None else first_step[spec.repeat_from]
    if loop is not None and loop == len(steps) - 1 and steps[loop].freqs and not steps[loop].forever:
        last = steps[loop]
        steps[loop] = _Step(last.freqs, last.modulated, last.sections, forever=True)
    return steps, loop


def _fits(first: ToneSegment, nxt: ToneSegment, sections: list[int]) -> bool:
    if nxt.ms == 0:
        return False
    if len(sections) % 2:  # next section is silent
        return not nxt.freqs
    return nxt.freqs == first.freqs and nxt.modulated == first.modulated


class ToneGenerator:
    """Plays one ToneSpec; `generate(n)` always returns exactly n samples."""

    def __init__(self, spec: ToneSpec) -> None:
        self.spec = spec
        self._lib = sp.lib()
        self._steps, self._loop = _compile(spec)
        whole = round(spec.level_dbm0)
        self._level = int(whole)
        self._gain = 10.0 ** ((spec.level_dbm0 - whole) / 20.0)
        self._index = -1
        self._left = 0               # samples left in a silence step
        self._state: sp.Handle | None = None
        self._done = False
        self._enter(0)

    @property
    def done(self) -> bool:
        """True once a play-once tone has finished (never for a repeating tone)."""
        return self._done

    def reset(self) -> None:
        """Start again from the first segment."""
        self._done = False
        self._enter(0)

    def _enter(self, index: int) -> None:
        if self._state is not None:
            self._state.close()
            self._state = None
        if index >= len(self._steps):
            if self._loop is None:
                self._done = True
                return
            index = self._loop
        self._index = index
        step = self._steps[index]
        if not step.freqs:
            self._left = step.silence_ms * SAMPLE_RATE // 1000
            self._done = step.silence_ms == 0
            return
        self._state = self._tone_state(step)

    def _tone_state(self, step: _Step) -> sp.Handle:
        f1 = round(step.freqs[0])
        f2 = round(step.freqs[1]) if len(step.freqs) > 1 else 0
        l2 = self._level
        if step.modulated and f2:
            f2, l2 = -abs(f2), _AM_DEPTH_PERCENT
        d = [*step.sections, 0, 0, 0, 0][:4]
        desc = self._lib.tone_gen_descriptor_init(None, f1, self._level, f2, l2, d[0], d[1], d[2], d[3],
                                                  int(step.forever))
        desc_handle = sp.Handle(desc, self._lib.tone_gen_descriptor_free, "tone descriptor")
        try:
            state = self._lib.tone_gen_init(None, desc_handle.ptr)
        finally:
            desc_handle.close()  # tone_gen_init copies the descriptor
        return sp.Handle(state, self._lib.tone_gen_free, "tone generator")

    def generate(self, n: int) -> npt.NDArray[np.int16]:
        out = np.zeros(n, dtype=np.int16)
        pos = 0
        idle_steps = 0  # steps entered without producing a sample (guards against spinning)
        while pos < n and not self._done and idle_steps <= len(self._steps):
            if self._state is None:
                got = min(self._left, n - pos)
                self._left -= got
                finished = self._left == 0
            else:
                got = int(self._lib.tone_gen(self._state.ptr, sp.int16_ptr(out[pos:]), n - pos))
                finished = pos + got < n
            pos += got
            idle_steps = 0 if got else idle_steps + 1
            if finished:
                self._enter(self._index + 1)
        if self._gain != 1.0:
            out = np.clip(np.rint(out * self._gain), -32768, 32767).astype(np.int16)
        return out

    def close(self) -> None:
        if self._state is not None:
            self._state.close()
            self._state = None


def spec_period_ms(spec: ToneSpec) -> float:
    """Length in ms of the repeating part (math.inf for steady tones, 0 for play-once)."""
    if spec.repeat_from is None:
        return 0.0
    loop = spec.segments[spec.repeat_from:]
    if any(seg.ms == 0 for seg in loop):
        return math.inf
    return float(sum(seg.ms for seg in loop))
