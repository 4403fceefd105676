"""Lazily evaluated time behaviour of the ProSLIC model: debounce filters, DC-DC battery (facts 1.6, 1.9).

Both are evaluated only when somebody looks (an SPI read, an audio block), from the time
stamps of what happened, so a fake clock can jump seconds at a time and a real one can be
polled every millisecond without per-tick work.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from firmware.drivers.sim.si321x_regs import DCDC_RAMP_V_PER_S

_EPS = 1e-9


class Debounce:
    """A debounce filter: the output takes a new input value once it has been stable `hold` seconds.

    The input is piecewise constant and given as change points `(time, value)`; `advance`
    consumes the change points up to `t` and returns how many times the output changed
    (each change raises an interrupt bit in the chip). Change points at exactly the last
    evaluated time are accepted again, so an input edge added "now" after an evaluation
    "now" is not lost.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.out = False
        self.changed_at = -math.inf
        self._cand = False
        self._cand_since = -math.inf
        self.checked_to = -math.inf

    @property
    def input(self) -> bool:
        """The input value the filter last saw."""
        return self._cand

    def due(self, hold: float) -> float:
        """When the output takes the input if the input stays as it is (inf: nothing pending)."""
        return self._cand_since + hold if self._cand != self.out else math.inf

    def advance(self, t: float, points: Iterable[tuple[float, bool]], hold: float) -> int:
        changes = 0
        for at, value in points:
            if value == self._cand:
                continue
            changes += self._settle(at, hold)
            self._cand, self._cand_since = value, at
        changes += self._settle(t, hold)
        self.checked_to = max(self.checked_to, t)
        return changes

    def _settle(self, t: float, hold: float) -> int:
        if self._cand != self.out and self._cand_since + hold <= t + _EPS:
            self.out = self._cand
            self.changed_at = self._cand_since + hold
            return 1
        return 0


class Converter:
    """The DC-DC converter output (VBATH) as the battery-sense ADC sees it.

    On: the voltage ramps toward the target at a fixed slew rate. Off: it decays with a
    leakage time constant chosen at each evaluation (so a `leaky` fault can be injected).
    """

    def __init__(self) -> None:
        self.on = False
        self._t0 = -math.inf
        self._v0 = 0.0
        self._target = 0.0

    def reset(self, t: float, tau: float) -> None:
        """Brown-out/reset: the converter stops; what is left on the capacitors leaks away."""
        self.switch(False, t, 0.0, tau)

    def volts(self, t: float, tau: float) -> float:
        dt = max(t - self._t0, 0.0)
        if self.on:
            step = DCDC_RAMP_V_PER_S * dt
            if self._v0 <= self._target:
                return min(self._target, self._v0 + step)
            return max(self._target, self._v0 - step)
        if self._v0 <= 0.0 or math.isinf(dt):
            return 0.0
        return self._v0 * math.exp(-dt / tau)

    def switch(self, on: bool, t: float, target: float, tau: float) -> None:
        if on == self.on and (not on or target == self._target):
            return
        self._v0 = self.volts(t, tau)
        self._t0 = t
        self.on = on
        self._target = target

    def retarget(self, t: float, target: float, tau: float) -> None:
        if self.on:
            self.switch(True, t, target, tau)
