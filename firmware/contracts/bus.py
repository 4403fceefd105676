"""Bus contracts: an SPI device (one chip select) and a GPIO line, as the chip drivers see them.

Real backends live in `firmware.drivers.linux` (the only module that opens /dev); the
virtual board's backends in `firmware.drivers.sim`. Both raise `BusError` on failure.
"""

from __future__ import annotations

from typing import Protocol


class SpiDevice(Protocol):
    """One chip select on an SPI bus. `transfer` clocks `data` out with CS held low for the
    whole frame and returns the bytes clocked in (same length), as spidev's xfer2 does."""

    def transfer(self, data: bytes) -> bytes: ...

    def close(self) -> None: ...


class GpioLine(Protocol):
    """One GPIO line (reset or interrupt of a telephony module)."""

    def read(self) -> bool: ...

    def write(self, value: bool) -> None: ...

    def close(self) -> None: ...
