"""Raw ProSLIC SPI frames for the model tests (fact sheet section 0), independent of any driver."""

from __future__ import annotations

from firmware.drivers.sim.spi import VirtualSpiBus


class Frames:
    """2-byte (or daisy 3-byte) ProSLIC frames on one chip select."""

    def __init__(self, bus: VirtualSpiBus, cs: int = 0, channel: int | None = None) -> None:
        self.bus, self.cs, self.channel = bus, cs, channel

    def _frame(self, reg_byte: int, data: int) -> bytes:
        if self.channel is None:
            return bytes([reg_byte, data])
        return bytes([1 << self.channel, reg_byte, data])

    def write(self, reg: int, value: int) -> None:
        self.bus.transfer(self.cs, self._frame(reg & 0x7F, value & 0xFF))

    def read(self, reg: int) -> int:
        return self.bus.transfer(self.cs, self._frame(reg | 0x80, 0x00))[-1]

    def write_indirect(self, addr: int, value: int) -> int:
        """Returns how many DR31 polls saw 'busy' before the access (1.3)."""
        polls = self.wait_idle()
        self.write(28, value & 0xFF)
        self.write(29, value >> 8)
        self.write(30, addr)
        return polls

    def read_indirect(self, addr: int) -> int:
        self.wait_idle()
        self.write(30, addr)
        self.wait_idle()
        return self.read(28) | self.read(29) << 8

    def wait_idle(self, limit: int = 10) -> int:
        for polls in range(limit):
            if self.read(31) == 0:
                return polls
        raise AssertionError("DR31 stayed busy")
