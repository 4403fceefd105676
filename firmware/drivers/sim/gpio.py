"""Virtual GPIO lines of the telephony board (module reset and interrupt lines).

An interrupt line is open drain with a pull-up (analog-facts 1.1, DR18-23: the ProSLIC INT pin is
active low): chips register a driver with `add_driver`, and the line reads low while any of them
pulls it low (wired-OR of several modules), evaluated when the line is read.
"""

from __future__ import annotations

from collections.abc import Callable

from firmware.contracts.errors import BusError


class VirtualGpioLine:
    """A `GpioLine` whose level other virtual parts can watch (e.g. a chip's reset pin)."""

    def __init__(self, name: str, value: bool = True) -> None:
        self.name = name
        self._value = value
        self._watchers: list[Callable[[bool], None]] = []
        self._drivers: list[Callable[[], bool]] = []
        self.history: list[bool] = [value]
        self.closed = False
        self.broken = False  # injected fault: reads/writes raise BusError

    def watch(self, callback: Callable[[bool], None]) -> None:
        self._watchers.append(callback)

    def add_driver(self, pulls_low: Callable[[], bool]) -> None:
        """Wire an open-drain output (a chip's INT pin): `pulls_low()` is asked at every read."""
        self._drivers.append(pulls_low)

    def read(self) -> bool:
        if self.broken:
            raise BusError(f"GPIO {self.name}: line not answering")
        if not self._drivers:
            return self._value
        return self._value and not any(pulls_low() for pulls_low in self._drivers)

    def write(self, value: bool) -> None:
        if self.broken:
            raise BusError(f"GPIO {self.name}: line not answering")
        value = bool(value)
        if value == self._value:
            return
        self._value = value
        self.history.append(value)
        for cb in self._watchers:
            cb(value)

    def drive(self, value: bool) -> None:
        """Set the level from the board side (an interrupt output of a chip)."""
        self._value = bool(value)

    def close(self) -> None:
        self.closed = True
