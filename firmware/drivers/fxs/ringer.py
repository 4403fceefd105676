"""Ring cadencer: bursts and silences in ms, CID interval, OHT after ringing (fact sheet 1.7, 1.8, 3.2).

Ringing is timed in software (as DAHDI: LF = Ringing and back; the chip's ring timers stay off).
During silent intervals and for `oht_ms` after the last burst the idle linefeed is on-hook
transmission, so a caller-ID spill reaches the on-hook set. The silent interval after burst
`cid_after` carries the after-ring caller ID; the sequencer may `hold` the cadence so that the
next burst never starts over a spill.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from firmware.contracts.errors import IllegalTransition


class RingState(enum.Enum):
    IDLE = "idle"
    ON = "on"          # burst: linefeed Ringing
    OFF = "off"        # silent interval: linefeed OHT
    AFTER = "after"    # ringing stopped, OHT kept for oht_ms after the last burst


class RingEvent(enum.Enum):
    START = "start"
    STOP = "stop"
    TIMER = "timer"
    OFF_HOOK = "off_hook"
    HOLD = "hold"
    RELEASE = "release"


class NoteKind(enum.Enum):
    BURST_START = "burst_start"
    BURST_END = "burst_end"
    OHT_END = "oht_end"


@dataclass(frozen=True)
class RingNote:
    kind: NoteKind
    at: float
    burst: int = 0        # 1-based number of the burst that started/ended
    cid: bool = False     # this silent interval carries the after-ring caller ID


_S, _E = RingState, RingEvent
TRANSITIONS: dict[tuple[RingState, RingEvent], str] = {
    (_S.IDLE, _E.START): "_start",
    (_S.IDLE, _E.STOP): "_nothing",
    (_S.IDLE, _E.TIMER): "_nothing",
    (_S.IDLE, _E.OFF_HOOK): "_nothing",
    (_S.IDLE, _E.RELEASE): "_release",
    (_S.ON, _E.TIMER): "_burst_ends",
    (_S.ON, _E.STOP): "_stop",
    (_S.ON, _E.OFF_HOOK): "_trip",
    (_S.ON, _E.HOLD): "_hold",
    (_S.ON, _E.RELEASE): "_release",
    (_S.OFF, _E.TIMER): "_interval_ends",
    (_S.OFF, _E.STOP): "_stop",
    (_S.OFF, _E.OFF_HOOK): "_trip",
    (_S.OFF, _E.HOLD): "_hold",
    (_S.OFF, _E.RELEASE): "_release",
    (_S.AFTER, _E.START): "_start",
    (_S.AFTER, _E.STOP): "_nothing",
    (_S.AFTER, _E.TIMER): "_oht_ends",
    (_S.AFTER, _E.OFF_HOOK): "_trip",
    (_S.AFTER, _E.RELEASE): "_release",
}


def _us(seconds: float) -> int:
    return round(seconds * 1_000_000)


class RingCadencer:
    def __init__(self, port: int, *, oht_ms: int = 6000) -> None:
        self.port = port
        self.oht_ms = oht_ms
        self.state = RingState.IDLE
        self.pattern: tuple[int, ...] = ()
        self.cid_after = 1
        self.bursts = 0
        self.held = False
        self._index = 0
        self._phase_start = 0.0
        self._last_burst_end = 0.0
        self._pending: tuple[tuple[int, ...], int] = ((), 1)

    # --- public --------------------------------------------------------------------------
    @property
    def ringing(self) -> bool:
        """A cadence is running (bursts or silent intervals)."""
        return self.state in (RingState.ON, RingState.OFF)

    @property
    def oht(self) -> bool:
        """The idle linefeed must be on-hook transmission."""
        return self.state in (RingState.OFF, RingState.AFTER)

    @property
    def deadline(self) -> float | None:
        if self.state is RingState.ON:
            return self._phase_start + self.pattern[self._index] / 1000
        if self.state is RingState.OFF:
            return None if self.held else self._phase_start + self.pattern[self._index] / 1000
        if self.state is RingState.AFTER:
            return self._last_burst_end + self.oht_ms / 1000
        return None

    def start(self, now: float, pattern: tuple[int, ...], cid_after: int = 1) -> list[RingNote]:
        if not pattern or len(pattern) % 2 or any(p <= 0 for p in pattern):
            raise ValueError(f"port {self.port}: ring cadence needs on/off pairs of positive ms")
        self._pending = (pattern, cid_after)
        return self.handle(RingEvent.START, now)

    def stop(self, now: float) -> list[RingNote]:
        return self.poll(now) + self.handle(RingEvent.STOP, now)

    def off_hook(self, now: float) -> list[RingNote]:
        return self.handle(RingEvent.OFF_HOOK, now)

    def hold(self, now: float) -> list[RingNote]:
        return self.handle(RingEvent.HOLD, now)

    def release(self, now: float) -> list[RingNote]:
        return self.handle(RingEvent.RELEASE, now)

    def poll(self, now: float) -> list[RingNote]:
        """Run every timer that expired up to `now` (each at its exact due time)."""
        notes: list[RingNote] = []
        while (due := self.deadline) is not None and _us(now - due) >= 0:
            notes += self.handle(RingEvent.TIMER, due)
        return notes

    def handle(self, event: RingEvent, now: float) -> list[RingNote]:
        name = TRANSITIONS.get((self.state, event))
        if name is None:
            raise IllegalTransition("ring cadencer", f"port {self.port}", self.state.value, event.value)
        handler: Callable[[float], list[RingNote]] = getattr(self, name)
        return handler(now)

    # --- transitions -----------------------------------------------------------------------
    def _nothing(self, now: float) -> list[RingNote]:
        return []

    def _start(self, now: float) -> list[RingNote]:
        self.pattern, self.cid_after = self._pending
        self.bursts = 0
        self.held = False
        self._index = -1
        return self._next_burst(now)

    def _next_burst(self, now: float) -> list[RingNote]:
        self.state = RingState.ON
        self._index = (self._index + 1) % len(self.pattern)
        self._phase_start = now
        self.bursts += 1
        return [RingNote(NoteKind.BURST_START, now, self.bursts)]

    def _burst_ends(self, now: float) -> list[RingNote]:
        self.state = RingState.OFF
        self._index += 1
        self._phase_start = now
        self._last_burst_end = now
        return [RingNote(NoteKind.BURST_END, now, self.bursts, cid=self.bursts == self.cid_after)]

    def _interval_ends(self, now: float) -> list[RingNote]:
        return self._next_burst(now)

    def _stop(self, now: float) -> list[RingNote]:
        notes: list[RingNote] = []
        if self.state is RingState.ON:
            self._last_burst_end = now
            notes.append(RingNote(NoteKind.BURST_END, now, self.bursts))
        self.state = RingState.AFTER
        self.held = False
        return notes

    def _trip(self, now: float) -> list[RingNote]:
        self.state = RingState.IDLE
        self.held = False
        return []

    def _oht_ends(self, now: float) -> list[RingNote]:
        self.state = RingState.IDLE
        return [RingNote(NoteKind.OHT_END, now)]

    def _hold(self, now: float) -> list[RingNote]:
        self.held = True
        return []

    def _release(self, now: float) -> list[RingNote]:
        was_held, self.held = self.held, False
        if not was_held or self.state is not RingState.OFF:
            return []
        end = self._phase_start + self.pattern[self._index] / 1000
        if _us(now - end) >= 0:
            return self._next_burst(now)   # the spill ran past the interval: ring right after it
        return []
