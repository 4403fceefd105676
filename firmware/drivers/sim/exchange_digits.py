"""Digit collection of the virtual exchange: DTMF on what the box sends, loop-break pulses, numbering
(fact sheet 3.1 pulse timing as firmware.telephony.timing sets it, 3.6 DTMF; ITU-T Q.23/Q.24).

Pulses: a loop break of 15-100 ms is one pulse; a digit is complete after 250 ms of make (10 pulses
= "0"). DTMF: spandsp's receiver. The number is complete when it reaches `Numbering.length`, when it
equals a party's number that no longer number extends (`complete_on_match`), or `timeout_s` after the
last digit. `on_digit(t, digit)` is called for every digit, then `on_complete(t)` once it is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np
import numpy.typing as npt

from firmware.drivers.sim.exchange_party import Numbering
from firmware.drivers.sim.exchange_plan import Timers
from firmware.dsp.dtmf import DtmfReceiver
from firmware.telephony.timing import DEFAULT_TIMING, AnalogTiming


class DigitCollector:
    def __init__(self, numbering: Numbering, timers: Timers, *, on_digit: Callable[[float, str], None],
                 on_complete: Callable[[float], None], known_numbers: Callable[[], Collection[str]],
                 timing: AnalogTiming = DEFAULT_TIMING) -> None:
        self.numbering = numbering
        self.timing = timing
        self.dialled = ""
        self.digit_times: list[float] = []
        self._timers = timers
        self._on_digit = on_digit
        self._on_complete = on_complete
        self._known = known_numbers
        self._pulses = 0
        self._dtmf: DtmfReceiver | None = None

    def reset(self) -> None:
        self.dialled, self._pulses = "", 0
        self.digit_times = []
        self._timers.cancel("pulse", "number")
        if self._dtmf is not None:
            self._dtmf.close()
        self._dtmf = DtmfReceiver()

    def stop(self) -> None:
        self._timers.cancel("pulse", "number")

    @property
    def pulse_in_progress(self) -> bool:
        return self._pulses > 0

    def loop_break(self, t: float, ms: float) -> bool:
        """A break of `ms` ended at `t`; True if it was a dial pulse."""
        if not self.timing.hook_glitch_max_ms <= ms < self.timing.pulse_break_max_ms:
            return False
        self._pulses += 1
        self._timers.cancel("pulse", "number")
        self._timers.add(t + self.timing.pulse_digit_end_ms / 1000, "pulse", self._pulse_digit)
        return True

    def hear(self, t: float, block: npt.NDArray[np.int16]) -> str:
        """Feed what the box sends; returns the DTMF digits that started in the block."""
        if self._dtmf is None:
            self._dtmf = DtmfReceiver()
        digits = self._dtmf.feed(np.asarray(block, np.int16))
        for digit in digits:
            self.add_digit(t, digit)
        return digits

    def _pulse_digit(self, t: float) -> None:
        digit, self._pulses = str(self._pulses % 10), 0
        self.add_digit(t, digit)

    def add_digit(self, t: float, digit: str) -> None:
        self.dialled += digit
        self.digit_times.append(t)
        self._on_digit(t, digit)
        number, numbering = self.dialled, self.numbering
        known = self._known()
        full = numbering.length is not None and len(number) >= numbering.length
        unique = numbering.complete_on_match and number in known and not any(
            other != number and other.startswith(number) for other in known)
        self._timers.cancel("number")
        if full or unique:
            self._on_complete(t)
        else:
            self._timers.add(t + numbering.timeout_s, "number", self._on_complete)
