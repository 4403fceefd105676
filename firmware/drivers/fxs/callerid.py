"""FXS caller-ID sequencer: linefeed changes and audio per timing mode (fact 1.8, 3.3; ETSI EN 300 659-1).

Sources: fact sheet 1.8, 3.3, 3.4; ETSI EN 300 659-1 section 6; Bellcore GR-30 and GR-575 (call waiting).

A sequence is a list of `Step`s built by the functions at the bottom; the sequencer walks it
with timers (WAIT, RING, WAIT_ACK) and audio completion (AUDIO). The audio sources come from
the DSP layer (spandsp FSK/DTMF, tone generators); this module only schedules them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from firmware.contracts.errors import IllegalTransition
from firmware.contracts.ports import LineState
from firmware.drivers.fxs import linefeed as lf

RATE = 8000


class AudioSource(Protocol):
    @property
    def done(self) -> bool: ...

    def generate(self, n: int) -> np.ndarray: ...


@dataclass(frozen=True)
class Timings:
    """Caller-ID timing in ms. Brief/Bellcore values, [infer] where a range had to be narrowed."""

    after_ring_ms: int = 500        # spill starts >= 500 ms into the silent interval (Bellcore)
    reversal_ms: int = 100          # line reversal -> DT-AS (ETSI, ~100 ms)
    alert_gap_ms: int = 60          # DT-AS end -> FSK (ETSI 45..500 ms) [infer]
    ring_gap_ms: int = 250          # spill end -> polarity restored -> first ring (ETSI >= 200 ms) [infer]
    rp_as_ms: int = 250             # RP-AS ring burst
    rp_as_pause_ms: int = 500       # RP-AS end -> FSK (>= 500 ms)
    mwi_oht_ms: int = 3000          # OHT window for an FSK MWI spill (DAHDI_ONHOOKTRANSFER 3000)
    cw_ack_ms: int = 500            # wait for DTMF A/D after CAS
    cw_ack_gap_ms: int = 100        # ack -> spill (GR-30: 65..500 ms) [infer]


TIMINGS = Timings()


class StepKind(enum.Enum):
    WAIT = "wait"            # silence for `ms` (or until `until_ms` after the sequence started)
    AUDIO = "audio"          # play `audio` until done (`ms` = safety limit)
    RING = "ring"            # a ring burst of `ms` (RP-AS)
    WAIT_ACK = "wait_ack"    # silence, up to `ms`, until the set acknowledges with DTMF A/D
    START_RINGING = "start_ringing"   # hand over to the ring cadencer


@dataclass(frozen=True)
class Step:
    kind: StepKind
    name: str
    ms: int = 0
    linefeed: LineState | None = None   # None: whatever the port would otherwise feed
    audio: AudioSource | None = None
    until_ms: int | None = None


class SeqState(enum.Enum):
    IDLE = "idle"
    TIMED = "timed"
    PLAYING = "playing"
    ACK_WAIT = "ack_wait"


class SeqEvent(enum.Enum):
    START = "start"
    TIMER = "timer"
    AUDIO_DONE = "audio_done"
    ACK = "ack"
    ABORT = "abort"


class NoteKind(enum.Enum):
    STEP = "step"
    START_RINGING = "start_ringing"
    DONE = "done"
    ACKED = "acked"
    NO_ACK = "no_ack"
    ABORTED = "aborted"


@dataclass(frozen=True)
class SeqNote:
    kind: NoteKind
    at: float
    step: str = ""


_S, _E = SeqState, SeqEvent
TRANSITIONS: dict[tuple[SeqState, SeqEvent], str] = {
    (_S.IDLE, _E.START): "_begin",
    (_S.IDLE, _E.ABORT): "_nothing",
    (_S.IDLE, _E.ACK): "_nothing",
    (_S.TIMED, _E.TIMER): "_advance",
    (_S.TIMED, _E.ABORT): "_abort",
    (_S.TIMED, _E.ACK): "_nothing",
    (_S.PLAYING, _E.AUDIO_DONE): "_advance",
    (_S.PLAYING, _E.TIMER): "_advance",
    (_S.PLAYING, _E.ABORT): "_abort",
    (_S.PLAYING, _E.ACK): "_nothing",
    (_S.ACK_WAIT, _E.ACK): "_acked",
    (_S.ACK_WAIT, _E.TIMER): "_no_ack",
    (_S.ACK_WAIT, _E.ABORT): "_abort",
}


class CidSequencer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.state = SeqState.IDLE
        self.steps: tuple[Step, ...] = ()
        self.index = -1
        self.started = 0.0
        self._step_start = 0.0
        self._pending: tuple[Step, ...] = ()

    # --- queries ---------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.state is not SeqState.IDLE

    @property
    def step(self) -> Step | None:
        return self.steps[self.index] if self.active else None

    @property
    def linefeed(self) -> LineState | None:
        step = self.step
        return step.linefeed if step else None

    @property
    def deadline(self) -> float | None:
        step = self.step
        if step is None:
            return None
        if step.until_ms is not None:
            return max(self.started + step.until_ms / 1000, self._step_start)
        return self._step_start + step.ms / 1000

    # --- inputs ----------------------------------------------------------------------------
    def start(self, now: float, steps: Sequence[Step]) -> list[SeqNote]:
        if not steps:
            raise ValueError("empty caller-ID sequence")
        self._pending = tuple(steps)
        return self.handle(SeqEvent.START, now)

    def poll(self, now: float) -> list[SeqNote]:
        notes: list[SeqNote] = []
        while (due := self.deadline) is not None and round((now - due) * 1e6) >= 0:
            notes += self.handle(SeqEvent.TIMER, due)
        return notes

    def ack(self, now: float) -> list[SeqNote]:
        return self.handle(SeqEvent.ACK, now)

    def abort(self, now: float) -> list[SeqNote]:
        return self.handle(SeqEvent.ABORT, now)

    def output(self, n: int, now: float) -> tuple[np.ndarray | None, list[SeqNote]]:
        """`n` samples toward the handset while a sequence runs (silence between audio steps)."""
        if not self.active:
            return None, []
        out = np.zeros(n, dtype=np.int16)
        step = self.step
        if self.state is not SeqState.PLAYING or step is None or step.audio is None:
            return out, []
        block = np.asarray(step.audio.generate(n), dtype=np.int16)[:n]
        out[: len(block)] = block
        if not step.audio.done:
            return out, []
        return out, self.handle(SeqEvent.AUDIO_DONE, now + len(block) / RATE)

    def handle(self, event: SeqEvent, now: float) -> list[SeqNote]:
        name = TRANSITIONS.get((self.state, event))
        if name is None:
            raise IllegalTransition("caller-ID sequencer", f"port {self.port}", self.state.value, event.value)
        handler: Callable[[float], list[SeqNote]] = getattr(self, name)
        return handler(now)

    # --- transitions -----------------------------------------------------------------------
    def _nothing(self, now: float) -> list[SeqNote]:
        return []

    def _begin(self, now: float) -> list[SeqNote]:
        self.steps, self.index, self.started = self._pending, -1, now
        return self._enter_next(now)

    def _advance(self, now: float) -> list[SeqNote]:
        return self._enter_next(now)

    def _enter_next(self, now: float) -> list[SeqNote]:
        self.index += 1
        self._step_start = now
        if self.index >= len(self.steps):
            self.state = SeqState.IDLE
            return [SeqNote(NoteKind.DONE, now)]
        step = self.steps[self.index]
        note = SeqNote(NoteKind.STEP, now, step.name)
        if step.kind is StepKind.START_RINGING:
            self.state = SeqState.IDLE
            return [note, SeqNote(NoteKind.START_RINGING, now), SeqNote(NoteKind.DONE, now)]
        self.state = {StepKind.AUDIO: SeqState.PLAYING, StepKind.WAIT_ACK: SeqState.ACK_WAIT}.get(
            step.kind, SeqState.TIMED)
        return [note]

    def _acked(self, now: float) -> list[SeqNote]:
        return [SeqNote(NoteKind.ACKED, now), *self._enter_next(now)]

    def _no_ack(self, now: float) -> list[SeqNote]:
        self.state = SeqState.IDLE
        return [SeqNote(NoteKind.NO_ACK, now), SeqNote(NoteKind.DONE, now)]

    def _abort(self, now: float) -> list[SeqNote]:
        step = self.step
        self.state = SeqState.IDLE
        return [SeqNote(NoteKind.ABORTED, now, step.name if step else "")]


# --- sequences per timing mode ------------------------------------------------------------------
def _spill_step(spill: AudioSource, limit_ms: int, linefeed: LineState | None) -> Step:
    return Step(StepKind.AUDIO, "caller-ID spill", limit_ms, linefeed, spill)


def after_ring(spill: AudioSource, limit_ms: int, t: Timings = TIMINGS) -> list[Step]:
    """In the silent interval after the CID burst (the ring cadencer keeps the line in OHT)."""
    return [Step(StepKind.WAIT, "pause after ring", t.after_ring_ms), _spill_step(spill, limit_ms, None)]


def line_reversal(spill: AudioSource, limit_ms: int, alert: AudioSource | None, reversed_: bool, *,
                  then_ring: bool = True, t: Timings = TIMINGS) -> list[Step]:
    """ETSI before-ring: reverse polarity, DT-AS (omitted for DTMF CLIP), spill, restore, ring."""
    flipped, home = lf.on_hook_tx(not reversed_), lf.on_hook_tx(reversed_)
    steps = [Step(StepKind.WAIT, "line reversal", t.reversal_ms, flipped)]
    if alert is not None:
        steps += [Step(StepKind.AUDIO, "DT-AS", 1000, flipped, alert),
                  Step(StepKind.WAIT, "pause after DT-AS", t.alert_gap_ms, flipped)]
    steps.append(_spill_step(spill, limit_ms, flipped))
    return steps + _ending(home, then_ring, t)


def ring_pulse(spill: AudioSource, limit_ms: int, reversed_: bool, *, then_ring: bool = True,
               t: Timings = TIMINGS) -> list[Step]:
    """ETSI RP-AS: one short ring burst, a pause, the spill, then ringing."""
    home = lf.on_hook_tx(reversed_)
    steps = [Step(StepKind.RING, "RP-AS", t.rp_as_ms, LineState.RINGING),
             Step(StepKind.WAIT, "pause after RP-AS", t.rp_as_pause_ms, home),
             _spill_step(spill, limit_ms, home)]
    return steps + _ending(home, then_ring, t)


def message_waiting(spill: AudioSource, limit_ms: int, reversed_: bool, t: Timings = TIMINGS) -> list[Step]:
    """FSK MWI with no alert: OHT for `mwi_oht_ms`, the spill after the usual 500 ms pause."""
    home = lf.on_hook_tx(reversed_)
    return [Step(StepKind.WAIT, "OHT before MWI", t.after_ring_ms, home),
            _spill_step(spill, limit_ms, home), *_ending(home, False, t)]


def _ending(home: LineState, then_ring: bool, t: Timings) -> list[Step]:
    if then_ring:
        return [Step(StepKind.WAIT, "restore polarity", t.ring_gap_ms, home),
                Step(StepKind.START_RINGING, "start ringing")]
    return [Step(StepKind.WAIT, "hold OHT", 0, home, until_ms=t.mwi_oht_ms)]


def call_waiting(sas: AudioSource, cas: AudioSource, spill: AudioSource, limit_ms: int,
                 t: Timings = TIMINGS) -> list[Step]:
    """Off-hook CID: SAS, CAS, wait for the set's DTMF A/D, then the spill without seizure."""
    return [Step(StepKind.AUDIO, "SAS", 1000, None, sas),
            Step(StepKind.AUDIO, "CAS", 1000, None, cas),
            Step(StepKind.WAIT_ACK, "wait for acknowledgement", t.cw_ack_ms),
            Step(StepKind.WAIT, "pause after acknowledgement", t.cw_ack_gap_ms),
            _spill_step(spill, limit_ms, None)]
