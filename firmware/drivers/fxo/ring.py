"""FXO ring qualifier: RDTP/RDTN alternation debounce as wctdm24xxp does it (fact sheet section 2.5)."""

# A ring is real when reg 5 shows "RDTP only" and "RDTN only" alternating more than twice within
# the debounce window (128 ms) that opens at the first ring bit. A neon message-waiting voltage
# holds one of the bits but never alternates, so the window runs out and nothing is reported.
# Ringing ends when neither bit was seen for the debounce time. Ring bits only count while the
# battery is present (or being debounced as lost): the caller passes `battery_ok`.
#
# Table (state, input) -> next state; QUALIFIED is an internal input fired when the alternation
# count passes the limit, EXPIRED when the running window/timer is over.

from __future__ import annotations

import enum

from firmware.contracts.ports import LineRingStart, LineRingStop, PortEvent
from firmware.drivers.fxo import registers as r
from firmware.drivers.fxo.fsm import Machine, ms

ALTERNATIONS_NEEDED = 2  # "more than 2" (wctdm24xxp POLARITY_CHANGES_NEEDED)


class RingState(enum.Enum):
    OFF = "off"
    DEBOUNCE_POS = "debounce_pos"   # last qualifying reading: RDTP only
    DEBOUNCE_NEG = "debounce_neg"   # last qualifying reading: RDTN only
    RINGING = "ringing"
    DEBOUNCE_OFF = "debounce_off"   # ringing, no ring bit since the timer started


class RingInput(enum.Enum):
    POS = "rdtp_only"
    NEG = "rdtn_only"
    BOTH = "both"
    NONE = "none"
    QUALIFIED = "qualified"
    EXPIRED = "expired"


_S, _I = RingState, RingInput
TABLE: dict[tuple[RingState, RingInput], RingState] = {
    (_S.OFF, _I.NONE): _S.OFF,
    (_S.OFF, _I.POS): _S.DEBOUNCE_POS,
    (_S.OFF, _I.NEG): _S.DEBOUNCE_NEG,
    (_S.OFF, _I.BOTH): _S.DEBOUNCE_NEG,
    (_S.DEBOUNCE_POS, _I.POS): _S.DEBOUNCE_POS,
    (_S.DEBOUNCE_POS, _I.BOTH): _S.DEBOUNCE_POS,
    (_S.DEBOUNCE_POS, _I.NONE): _S.DEBOUNCE_POS,
    (_S.DEBOUNCE_POS, _I.NEG): _S.DEBOUNCE_NEG,     # one alternation
    (_S.DEBOUNCE_POS, _I.QUALIFIED): _S.RINGING,
    (_S.DEBOUNCE_POS, _I.EXPIRED): _S.OFF,
    (_S.DEBOUNCE_NEG, _I.NEG): _S.DEBOUNCE_NEG,
    (_S.DEBOUNCE_NEG, _I.BOTH): _S.DEBOUNCE_NEG,
    (_S.DEBOUNCE_NEG, _I.NONE): _S.DEBOUNCE_NEG,
    (_S.DEBOUNCE_NEG, _I.POS): _S.DEBOUNCE_POS,     # one alternation
    (_S.DEBOUNCE_NEG, _I.QUALIFIED): _S.RINGING,
    (_S.DEBOUNCE_NEG, _I.EXPIRED): _S.OFF,
    (_S.RINGING, _I.POS): _S.RINGING,
    (_S.RINGING, _I.NEG): _S.RINGING,
    (_S.RINGING, _I.BOTH): _S.RINGING,
    (_S.RINGING, _I.NONE): _S.DEBOUNCE_OFF,
    (_S.DEBOUNCE_OFF, _I.POS): _S.RINGING,
    (_S.DEBOUNCE_OFF, _I.NEG): _S.RINGING,
    (_S.DEBOUNCE_OFF, _I.BOTH): _S.RINGING,
    (_S.DEBOUNCE_OFF, _I.NONE): _S.DEBOUNCE_OFF,
    (_S.DEBOUNCE_OFF, _I.EXPIRED): _S.OFF,
}


def classify(reg5: int, battery_ok: bool = True) -> RingInput:
    """Reg 5 ring bits as a qualifier input."""
    if not battery_ok:
        return RingInput.NONE
    bits = reg5 & (r.RDTP | r.RDTN)
    if bits == r.RDTP:
        return RingInput.POS
    if bits == r.RDTN:
        return RingInput.NEG
    return RingInput.BOTH if bits else RingInput.NONE


class RingQualifier:
    """Feed every reg 5 reading with its time; returns LineRingStart / LineRingStop events."""

    def __init__(self, port: int, *, debounce_ms: int = 128) -> None:
        self.port = port
        self.debounce_s = debounce_ms / 1000.0
        self.fsm: Machine[RingState, RingInput] = Machine("ring qualifier", port, TABLE, RingState.OFF)
        self.alternations = 0
        self.deadline: float | None = None
        self.first_bit = 0.0          # first ring bit of the current burst
        self.last_bit = 0.0           # latest ring bit seen
        self.burst_started: float | None = None
        self.previous_end: float | None = None
        self.cadence: list[int] = []  # on, off, on, off ... ms since `clear_cadence`

    @property
    def state(self) -> RingState:
        return self.fsm.state

    @property
    def ringing(self) -> bool:
        return self.state in (RingState.RINGING, RingState.DEBOUNCE_OFF)

    @property
    def busy(self) -> bool:
        """Anything in progress (the port scans fast while this is true)."""
        return self.state is not RingState.OFF

    @property
    def next_deadline(self) -> float | None:
        return self.deadline

    def clear_cadence(self) -> None:
        self.cadence.clear()
        self.previous_end = None

    def reset(self) -> None:
        """Forget everything silently (the port went off-hook or lost its chip)."""
        self.fsm.state = RingState.OFF
        self.deadline = None
        self.alternations = 0

    def sample(self, reg5: int, now: float, *, battery_ok: bool = True) -> list[PortEvent]:
        return self.feed(classify(reg5, battery_ok), now)

    def feed(self, inp: RingInput, now: float) -> list[PortEvent]:
        before = self.state
        events: list[PortEvent] = []
        if inp is not RingInput.NONE:
            self.last_bit = now
        self.fsm.fire(inp)
        events += self._entered(before, inp, now)
        if self.deadline is not None and now >= self.deadline:
            before = self.state
            self.fsm.fire(RingInput.EXPIRED)
            events += self._entered(before, RingInput.EXPIRED, now)
        return events

    def _entered(self, before: RingState, inp: RingInput, now: float) -> list[PortEvent]:
        state = self.state
        if before is RingState.OFF and state is not RingState.OFF:
            self.alternations = 0
            self.first_bit = now
            self.deadline = now + self.debounce_s
        elif before in (RingState.DEBOUNCE_POS, RingState.DEBOUNCE_NEG) and state is not before \
                and state is not RingState.OFF:
            self.alternations += 1
            if self.alternations > ALTERNATIONS_NEEDED:
                self.fsm.fire(RingInput.QUALIFIED)
                return self._ring_started(now)
        elif before is RingState.RINGING and state is RingState.DEBOUNCE_OFF:
            self.deadline = now + self.debounce_s
        elif before is RingState.DEBOUNCE_OFF and state is RingState.RINGING:
            self.deadline = None
        elif state is RingState.OFF and before is not RingState.OFF:
            self.deadline = None
            if before is RingState.DEBOUNCE_OFF:
                return self._ring_stopped(now)
        return []

    def _ring_started(self, now: float) -> list[PortEvent]:
        self.deadline = None
        if self.previous_end is not None:
            self.cadence.append(ms(self.first_bit - self.previous_end))
        self.burst_started = self.first_bit
        return [LineRingStart(self.port, now)]

    def _ring_stopped(self, now: float) -> list[PortEvent]:
        start = self.burst_started if self.burst_started is not None else self.first_bit
        on_ms = ms(self.last_bit - start)
        self.cadence.append(on_ms)
        self.previous_end = self.last_bit
        self.burst_started = None
        return [LineRingStop(self.port, now, on_ms=on_ms)]
