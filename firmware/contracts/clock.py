"""Clocks: monotonic seconds for the real box, a hand-driven fake clock for tests (sans-IO style)."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Monotonic time in seconds (float)."""

    def now(self) -> float: ...


class MonotonicClock:
    """The real clock: `time.monotonic()`."""

    def now(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to; tests drive timeouts to the microsecond."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds
        return self._now

    def set(self, t: float) -> None:
        if t < self._now:
            raise ValueError("a clock cannot go backwards")
        self._now = t


def sleep_on(clock: Clock, seconds: float) -> None:
    """Wait `seconds` on `clock`: a real sleep on the monotonic clock, an advance on a fake one.

    Chip start-up sequences (reset pulse, power-up, calibration polls) use this so that the
    same driver code runs in microseconds under a fake clock.
    """
    if isinstance(clock, FakeClock):
        clock.advance(seconds)
    else:
        time.sleep(seconds)
