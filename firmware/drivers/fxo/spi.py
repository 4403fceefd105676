"""Si3050 SPI framing and a register shadow with write-on-change and read-back (fact sheet section 0)."""

# Framing (fact sheet section 0, DAHDI wctdm24xxp): every access is one 3-byte frame with chip
# select held low: control byte, register, data. Control = 0x20 (write) or 0x60 (read) OR the
# chip-address bits of the DAA's position on the chip select (0x00, 0x08, 0x04, 0x0C for 0..3).
# On a read the third byte clocked in is the register value. An unpowered or missing chip leaves
# MISO to its pull-up, so it reads 0xFF.

from __future__ import annotations

from collections.abc import Iterable

from firmware.contracts.bus import SpiDevice
from firmware.contracts.errors import BusError, ChipVerifyError
from firmware.drivers.fxo import registers as r

WRITE = 0x20
READ = 0x60
ADDRESS_BITS = (0x00, 0x08, 0x04, 0x0C)


def write_frame(position: int, reg: int, value: int) -> bytes:
    _check(reg, value)
    return bytes([WRITE | ADDRESS_BITS[position], reg, value])


def read_frame(position: int, reg: int) -> bytes:
    _check(reg, 0)
    return bytes([READ | ADDRESS_BITS[position], reg, 0x00])


def _check(reg: int, value: int) -> None:
    if not 0 <= reg <= 0x7F:
        raise ValueError(f"Si3050 register {reg} outside 0..127")
    if not 0 <= value <= 0xFF:
        raise ValueError(f"value {value} for reg {reg} is not a byte")


class DaaBus:
    """Register access to one Si3050 at `position` (0..3) on its chip select."""

    def __init__(self, dev: SpiDevice, *, port: int, position: int = 0) -> None:
        if not 0 <= position < len(ADDRESS_BITS):
            raise ValueError(f"port {port}: DAA position {position} outside 0..3")
        self.dev = dev
        self.port = port
        self.position = position
        self.transfers = 0

    def read(self, reg: int) -> int:
        return self._xfer(read_frame(self.position, reg))[2]

    def write(self, reg: int, value: int) -> None:
        self._xfer(write_frame(self.position, reg, value))

    def _xfer(self, frame: bytes) -> bytes:
        self.transfers += 1
        reply = self.dev.transfer(frame)
        if len(reply) != len(frame):
            raise BusError(f"port {self.port}: SPI returned {len(reply)} bytes for a 3-byte frame")
        return reply


class DaaShadow:
    """What we last wrote to each register; writes only on change, verifies stable bits on request."""

    def __init__(self, bus: DaaBus) -> None:
        self.bus = bus
        self._values: dict[int, int] = {}

    @property
    def port(self) -> int:
        return self.bus.port

    def forget(self) -> None:
        """After a reset nothing we wrote can be assumed."""
        self._values.clear()

    def cached(self, reg: int) -> int | None:
        return self._values.get(reg)

    def read(self, reg: int) -> int:
        return self.bus.read(reg)

    def write(self, reg: int, value: int, *, force: bool = False) -> bool:
        """Write unless the shadow already holds `value`; True when a frame went out."""
        if not force and self._values.get(reg) == value:
            return False
        self.bus.write(reg, value)
        self._values[reg] = value
        return True

    def verify(self, reg: int) -> None:
        """Read `reg` back and compare the bits the register map calls stable."""
        expected = self._values.get(reg)
        info = r.REGISTERS.get(reg)
        if expected is None or info is None or not info.verify_mask:
            return
        got = self.bus.read(reg)
        if (got ^ expected) & info.verify_mask:
            self._values.pop(reg, None)
            raise ChipVerifyError(
                f"port {self.port}: {r.describe(reg)} read back 0x{got:02X} after writing 0x{expected:02X}")

    def verify_all(self, regs: Iterable[int]) -> None:
        for reg in regs:
            self.verify(reg)
