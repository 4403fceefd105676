"""FXO dialling out: DTMF, loop-disconnect pulses, hook flash, dial-tone wait (fact sheet section 3.1)."""

# Pulse dialling opens (break) and closes (make) the loop with the OH bit: digit n (0 = 10) is
# n x [break, make] with the last make stretched to the inter-digit pause. Segment ends are
# deadlines; the port ticks at them (5-10 ms scan while dialling) and each segment is timed from
# the moment its OH write went out, so a late tick lengthens one segment but never shortens one.
# A hook flash holds the loop open for the flash time. With OHS2 set (reg 31 bit 3, ETSI countries)
# the line side needs 3 ms to open the loop after OH is cleared [ds], so the line would see every
# break 3 ms short and every make 3 ms long: OH timing is corrected by that delay so the exchange
# sees the configured break, make and flash times. DTMF digits are handed to the port, which
# plays them through the DTMF sender and reports back when the sender ran dry.
# Jobs (digit strings, flashes, pauses) queue in order. Before the first digits after seizing the
# port either waits for dial tone (optional, with time-out) or pauses 500 ms, as Asterisk dials
# "Tw<number>" on an FXO line (DAHDI 'w' = DAHDI_CONFIG_PAUSE_LENGTH 500 ms).

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

from firmware.drivers.fxo.fsm import Machine
from firmware.drivers.fxo.settings import FxoSettings

DTMF_DIGITS = "0123456789*#ABCD"
PULSE_DIGITS = "0123456789"
OHS2_BIT = 0x08          # reg 31
OHS2_DELAY_MS = 3        # mean on-hook speed with OHS2 = 1 [ds]


class DialState(enum.Enum):
    IDLE = "idle"
    WAIT_DIAL_TONE = "wait_dial_tone"
    DTMF = "dtmf"
    PULSE_BREAK = "pulse_break"    # loop open
    PULSE_MAKE = "pulse_make"      # loop closed between pulses / inter-digit pause
    FLASH = "flash"                # loop open for the flash time
    PAUSE = "pause"                # loop closed, nothing sent (pre-dial wait)


class DialEvent(enum.Enum):
    AWAIT_TONE = "await_tone"
    TONE_HEARD = "tone_heard"
    TONE_TIMEOUT = "tone_timeout"
    START_DTMF = "start_dtmf"
    START_PULSE = "start_pulse"
    START_FLASH = "start_flash"
    BREAK_OVER = "break_over"
    MAKE_OVER = "make_over"
    LAST_MAKE_OVER = "last_make_over"
    FLASH_OVER = "flash_over"
    START_PAUSE = "start_pause"
    PAUSE_OVER = "pause_over"
    DTMF_DONE = "dtmf_done"
    CANCEL = "cancel"


_S, _E = DialState, DialEvent
TABLE: dict[tuple[DialState, DialEvent], DialState] = {
    (_S.IDLE, _E.AWAIT_TONE): _S.WAIT_DIAL_TONE,
    (_S.IDLE, _E.START_DTMF): _S.DTMF,
    (_S.IDLE, _E.START_PULSE): _S.PULSE_BREAK,
    (_S.IDLE, _E.START_FLASH): _S.FLASH,
    (_S.IDLE, _E.START_PAUSE): _S.PAUSE,
    (_S.PAUSE, _E.PAUSE_OVER): _S.IDLE,
    (_S.PAUSE, _E.CANCEL): _S.IDLE,
    (_S.IDLE, _E.CANCEL): _S.IDLE,
    (_S.WAIT_DIAL_TONE, _E.TONE_HEARD): _S.IDLE,
    (_S.WAIT_DIAL_TONE, _E.TONE_TIMEOUT): _S.IDLE,
    (_S.WAIT_DIAL_TONE, _E.CANCEL): _S.IDLE,
    (_S.DTMF, _E.DTMF_DONE): _S.IDLE,
    (_S.DTMF, _E.CANCEL): _S.IDLE,
    (_S.PULSE_BREAK, _E.BREAK_OVER): _S.PULSE_MAKE,
    (_S.PULSE_BREAK, _E.CANCEL): _S.IDLE,
    (_S.PULSE_MAKE, _E.MAKE_OVER): _S.PULSE_BREAK,
    (_S.PULSE_MAKE, _E.LAST_MAKE_OVER): _S.IDLE,
    (_S.PULSE_MAKE, _E.CANCEL): _S.IDLE,
    (_S.FLASH, _E.FLASH_OVER): _S.IDLE,
    (_S.FLASH, _E.CANCEL): _S.IDLE,
}


@dataclass(frozen=True)
class _Job:
    kind: str        # "dtmf", "pulse", "flash", "tone", "pause"
    digits: str = ""
    ms: int = 0


def pulse_segments(digits: str, make_ms: int, break_ms: int, interdigit_ms: int,
                   on_hook_delay_ms: int = 0) -> list[tuple[bool, int]]:
    """(OH closed?, ms) segments for pulse-dialling `digits`, corrected for the on-hook delay."""
    segments: list[tuple[bool, int]] = []
    d_ms = on_hook_delay_ms
    for d in digits:
        count = 10 if d == "0" else int(d)
        for i in range(count):
            segments.append((False, break_ms + d_ms))
            segments.append((True, (interdigit_ms if i == count - 1 else make_ms) - d_ms))
    return segments


def on_hook_delay_ms(reg31: int) -> int:
    return OHS2_DELAY_MS if reg31 & OHS2_BIT else 0


def check_digits(digits: str, *, pulse: bool) -> str:
    """Upper-cased digits, or ValueError naming the ones this method cannot send."""
    text = digits.upper()
    allowed = PULSE_DIGITS if pulse else DTMF_DIGITS
    bad = sorted({d for d in text if d not in allowed})
    if bad:
        how = "pulse-dialled" if pulse else "sent as DTMF"
        raise ValueError(f"digits {''.join(bad)!r} cannot be {how}")
    if not text:
        raise ValueError("nothing to dial")
    return text


class Dialer:
    """Queue of dial jobs for one port; `hook_closed` is the OH level the port must write."""

    def __init__(self, settings: FxoSettings) -> None:
        self.s = settings
        self.fsm: Machine[DialState, DialEvent] = Machine("dialler", settings.port, TABLE, DialState.IDLE)
        self.jobs: deque[_Job] = deque()
        self.segments: list[tuple[bool, int]] = []
        self.deadline: float | None = None
        self.pending_dtmf = ""
        self.dial_tone_timed_out = False
        self.on_hook_delay_ms = on_hook_delay_ms(settings.reg31)

    # --- state ---------------------------------------------------------------------------------
    @property
    def state(self) -> DialState:
        return self.fsm.state

    @property
    def busy(self) -> bool:
        return self.state is not DialState.IDLE or bool(self.jobs)

    @property
    def hook_closed(self) -> bool:
        return self.state not in (DialState.PULSE_BREAK, DialState.FLASH)

    @property
    def pulsing(self) -> bool:
        return self.state in (DialState.PULSE_BREAK, DialState.PULSE_MAKE, DialState.FLASH)

    @property
    def waiting_for_dial_tone(self) -> bool:
        return self.state is DialState.WAIT_DIAL_TONE

    @property
    def next_deadline(self) -> float | None:
        return self.deadline

    # --- requests ------------------------------------------------------------------------------
    def wait_for_dial_tone(self, now: float) -> None:
        self.jobs.append(_Job("tone"))
        self._next(now)

    def pause(self, ms: int, now: float) -> None:
        if ms > 0:
            self.jobs.append(_Job("pause", ms=ms))
            self._next(now)

    def dial(self, digits: str, *, pulse: bool, now: float) -> None:
        text = check_digits(digits, pulse=pulse)
        self.jobs.append(_Job("pulse" if pulse else "dtmf", text))
        self._next(now)

    def flash(self, ms: int, now: float) -> None:
        if ms <= 0:
            raise ValueError(f"hook flash of {ms} ms")
        self.jobs.append(_Job("flash", ms=ms))
        self._next(now)

    def cancel(self) -> None:
        self.jobs.clear()
        self.segments = []
        self.deadline = None
        self.pending_dtmf = ""
        self.fsm.fire(DialEvent.CANCEL)

    def take_dtmf(self) -> str:
        """Digits the port must queue in its DTMF sender now ('' if none)."""
        digits, self.pending_dtmf = self.pending_dtmf, ""
        return digits

    # --- progress ------------------------------------------------------------------------------
    def dial_tone(self, now: float) -> None:
        if self.state is DialState.WAIT_DIAL_TONE:
            self.fsm.fire(DialEvent.TONE_HEARD)
            self.deadline = None
            self._next(now)

    def dtmf_done(self, now: float) -> None:
        if self.state is DialState.DTMF and not self.pending_dtmf:
            self.fsm.fire(DialEvent.DTMF_DONE)
            self._next(now)

    def tick(self, now: float) -> None:
        if self.deadline is None or now < self.deadline:
            return
        state = self.state
        if state is DialState.WAIT_DIAL_TONE:
            self.dial_tone_timed_out = True
            self.fsm.fire(DialEvent.TONE_TIMEOUT)
            self.deadline = None
            self._next(now)
        elif state in (DialState.FLASH, DialState.PAUSE):
            self.fsm.fire(DialEvent.FLASH_OVER if state is DialState.FLASH else DialEvent.PAUSE_OVER)
            self.deadline = None
            self._next(now)
        elif state in (DialState.PULSE_BREAK, DialState.PULSE_MAKE):
            self._segment_over(now)

    def _segment_over(self, now: float) -> None:
        if self.state is DialState.PULSE_BREAK:
            self.fsm.fire(DialEvent.BREAK_OVER)
        elif self.segments:
            self.fsm.fire(DialEvent.MAKE_OVER)
        else:
            self.fsm.fire(DialEvent.LAST_MAKE_OVER)
            self.deadline = None
            self._next(now)
            return
        _closed, length = self.segments.pop(0)
        self.deadline = now + length / 1000.0

    def _next(self, now: float) -> None:
        if self.state is not DialState.IDLE or not self.jobs:
            return
        job = self.jobs.popleft()
        if job.kind == "tone":
            self.dial_tone_timed_out = False
            self.fsm.fire(DialEvent.AWAIT_TONE)
            self.deadline = now + self.s.dial_tone_timeout_ms / 1000.0
        elif job.kind == "dtmf":
            self.fsm.fire(DialEvent.START_DTMF)
            self.pending_dtmf = job.digits
            self.deadline = None
        elif job.kind == "pulse":
            self.segments = pulse_segments(job.digits, self.s.pulse_make_ms, self.s.pulse_break_ms,
                                           self.s.pulse_interdigit_ms, self.on_hook_delay_ms)
            self.fsm.fire(DialEvent.START_PULSE)
            _closed, length = self.segments.pop(0)
            self.deadline = now + length / 1000.0
        elif job.kind == "pause":
            self.fsm.fire(DialEvent.START_PAUSE)
            self.deadline = now + job.ms / 1000.0
        else:
            self.fsm.fire(DialEvent.START_FLASH)
            self.deadline = now + (job.ms + self.on_hook_delay_ms) / 1000.0
