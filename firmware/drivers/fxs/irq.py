"""A module INT line as the FXS ports see it (fact sheet 1.1, DR18-23: ProSLIC INT pin, open drain, active low).

Several modules may share one wired-OR line, and the port loop ticks every port with the same
`now`, so the ports on one line share one GPIO read per `now`: a level read microseconds earlier
is the same observation, and whatever asserts the line afterwards is seen at the next scan.
"""

from __future__ import annotations

import math
import weakref

from firmware.contracts.bus import GpioLine


class InterruptLine:
    """One physical INT line; `asserted(now)` reads the GPIO at most once per distinct `now`."""

    def __init__(self, gpio: GpioLine) -> None:
        self.gpio = gpio
        self._read_at = math.nan
        self._high = True

    def asserted(self, now: float) -> bool:
        """True while some chip pulls the line low; a `BusError` from the GPIO propagates."""
        if now != self._read_at:
            self._high = self.gpio.read()
            self._read_at = now
        return not self._high


_SHARED: weakref.WeakKeyDictionary[GpioLine, InterruptLine] = weakref.WeakKeyDictionary()


def interrupt_line(gpio: GpioLine) -> InterruptLine:
    """The `InterruptLine` of `gpio`, the same one for every port given the same line object."""
    try:
        return _SHARED.setdefault(gpio, InterruptLine(gpio))
    except TypeError:            # a line object that cannot be weakly referenced: not shared
        return InterruptLine(gpio)
