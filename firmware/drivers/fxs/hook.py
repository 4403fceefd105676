"""Hook qualifier: off-hook, hang-up, hook flash and dial pulses from loop closure (fact sheet 1.9, 3.1).

Windows (product defaults, all configurable): a break shorter than `glitch_ms` is ignored;
up to `pulse_max_ms` it is a dial pulse; up to `flash_max_ms` a hook flash; a break reaching
`flash_max_ms` is a hang-up, reported at that moment while the loop is still open. A pulse digit
ends `digit_end_ms` after the make that closed its last pulse. Off-hook from idle is reported at
once (the chip already debounces loop closure, DR69).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from firmware.contracts.errors import IllegalTransition
from firmware.contracts.ports import DigitMethod, DigitReceived, HookFlash, OffHook, OnHook, PortEvent


@dataclass(frozen=True)
class HookWindows:
    glitch_ms: int = 15
    pulse_max_ms: int = 100
    flash_max_ms: int = 1250
    digit_end_ms: int = 250

    def __post_init__(self) -> None:
        if not 0 <= self.glitch_ms < self.pulse_max_ms < self.flash_max_ms:
            raise ValueError(f"hook windows must satisfy 0 <= glitch < pulse max < flash max: {self}")
        if self.digit_end_ms <= 0:
            raise ValueError("pulse digit end must be positive")


class HookState(enum.Enum):
    ON_HOOK = "on_hook"      # qualified on-hook (idle)
    OFF_HOOK = "off_hook"    # qualified off-hook, loop closed, no digit pending
    BREAK = "break"          # off-hook qualified, loop currently open: pulse, flash or hang-up?
    PULSING = "pulsing"      # loop closed again after dial pulses; waiting for the digit to end


class HookEvent(enum.Enum):
    LOOP_CLOSED = "loop_closed"
    LOOP_OPEN = "loop_open"
    TIMER = "timer"


_S, _E = HookState, HookEvent
TRANSITIONS: dict[tuple[HookState, HookEvent], str] = {
    (_S.ON_HOOK, _E.LOOP_CLOSED): "_off_hook",
    (_S.ON_HOOK, _E.TIMER): "_idle",
    (_S.OFF_HOOK, _E.LOOP_OPEN): "_break_begins",
    (_S.OFF_HOOK, _E.TIMER): "_idle",
    (_S.BREAK, _E.LOOP_CLOSED): "_break_ends",
    (_S.BREAK, _E.TIMER): "_break_timer",
    (_S.PULSING, _E.LOOP_OPEN): "_break_begins",
    (_S.PULSING, _E.TIMER): "_digit_timer",
}

PULSE_DIGITS = {n: str(n % 10) for n in range(1, 11)}   # 1..9 -> "1".."9", 10 -> "0"


def _us(seconds: float) -> int:
    return round(seconds * 1_000_000)


class HookQualifier:
    """Turns raw loop-closure samples into OffHook / OnHook / HookFlash / pulse-digit events."""

    def __init__(self, port: int, windows: HookWindows | None = None) -> None:
        self.port = port
        self.w = windows or HookWindows()
        self.state = HookState.ON_HOOK
        self.raw = False
        self._break_start = 0.0
        self._last_make = 0.0
        self._pulses = 0

    # --- public --------------------------------------------------------------------------
    @property
    def off_hook(self) -> bool:
        return self.state is not HookState.ON_HOOK

    @property
    def busy(self) -> bool:
        """In a transition (break being timed or digit pending): scan fast."""
        return self.state in (HookState.BREAK, HookState.PULSING)

    @property
    def deadline(self) -> float | None:
        if self.state is HookState.BREAK:
            if self._pulses:
                return self._break_start + self.w.pulse_max_ms / 1000
            return self._break_start + self.w.flash_max_ms / 1000
        if self.state is HookState.PULSING:
            return self._last_make + self.w.digit_end_ms / 1000
        return None

    def feed(self, now: float, raw_off_hook: bool) -> list[PortEvent]:
        """One loop-closure sample taken at `now`; timers that expired before are run first."""
        events = self.expire(now)
        if raw_off_hook != self.raw:
            self.raw = raw_off_hook
            events += self.handle(HookEvent.LOOP_CLOSED if raw_off_hook else HookEvent.LOOP_OPEN, now)
        return events

    def expire(self, now: float) -> list[PortEvent]:
        events: list[PortEvent] = []
        while (due := self.deadline) is not None and _us(now - due) >= 0:
            events += self.handle(HookEvent.TIMER, due)
        return events

    def handle(self, event: HookEvent, now: float) -> list[PortEvent]:
        name = TRANSITIONS.get((self.state, event))
        if name is None:
            raise IllegalTransition("hook qualifier", f"port {self.port}", self.state.value, event.value)
        handler: Callable[[float], list[PortEvent]] = getattr(self, name)
        return handler(now)

    def reset(self, off_hook: bool) -> None:
        """Re-synchronise after a chip re-init without reporting anything."""
        self.state = HookState.OFF_HOOK if off_hook else HookState.ON_HOOK
        self.raw = off_hook
        self._pulses = 0

    # --- transitions -----------------------------------------------------------------------
    def _idle(self, now: float) -> list[PortEvent]:
        return []

    def _off_hook(self, now: float) -> list[PortEvent]:
        self.state = HookState.OFF_HOOK
        return [OffHook(self.port, now)]

    def _break_begins(self, now: float) -> list[PortEvent]:
        self.state = HookState.BREAK
        self._break_start = now
        return []

    def _break_ends(self, now: float) -> list[PortEvent]:
        length = _us(now - self._break_start)
        if length < self.w.glitch_ms * 1000:
            self.state = HookState.PULSING if self._pulses else HookState.OFF_HOOK
            return []
        if length < self.w.pulse_max_ms * 1000:
            self._pulses += 1
            self._last_make = now
            self.state = HookState.PULSING
            return []
        events = self._flush_digit(self._break_start + self.w.pulse_max_ms / 1000)
        self.state = HookState.OFF_HOOK
        if length < self.w.flash_max_ms * 1000:
            return [*events, HookFlash(self.port, now, duration_ms=round(length / 1000))]
        hangup = self._break_start + self.w.flash_max_ms / 1000
        return [*events, OnHook(self.port, hangup), OffHook(self.port, now)]

    def _break_timer(self, now: float) -> list[PortEvent]:
        if self._pulses:
            return self._flush_digit(now)
        self.state = HookState.ON_HOOK
        return [OnHook(self.port, now)]

    def _digit_timer(self, now: float) -> list[PortEvent]:
        self.state = HookState.OFF_HOOK
        return self._flush_digit(now)

    def _flush_digit(self, at: float) -> list[PortEvent]:
        count, self._pulses = self._pulses, 0
        digit = PULSE_DIGITS.get(count)
        if digit is None:
            return []
        return [DigitReceived(self.port, at, digit=digit, method=DigitMethod.PULSE)]
