"""Virtual GPIO lines of the telephony board (module reset and interrupt lines)."""

from __future__ import annotations

from collections.abc import Callable

from firmware.contracts.errors import BusError


class VirtualGpioLine:
    """A `GpioLine` whose level other virtual parts can watch (e.g. a chip's reset pin)."""

    def __init__(self, name: str, value: bool = True) -> None:
        self.name = name
        self._value = value
        self._watchers: list[Callable[[bool], None]] = []
        self.history: list[bool] = [value]
        self.closed = False
        self.broken = False  # injected fault: reads/writes raise BusError

    def watch(self, callback: Callable[[bool], None]) -> None:
        self._watchers.append(callback)

    def read(self) -> bool:
        if self.broken:
            raise BusError(f"GPIO {self.name}: line not answering")
        return self._value

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
