"""Virtual SPI bus carrying the exact wire framing of the telephony chips to chip models.

Framing (analog-facts section 0, after DAHDI wctdm/wctdm24xxp):
- ProSLIC (Si3210/Si3215), one chip per chip select: 2-byte frames, byte 0 = register
  (bit 7 set = read), byte 1 = data (write) or the data clocked out by the chip (read).
- ProSLIC daisy chain (several chips on one chip select, after DR0 bit 7 was set in every
  chip with a 2-byte broadcast write): 3-byte frames, byte 0 = channel bitmap (1 << n),
  byte 1 = register (bit 7 = read), byte 2 = data.
- Si3050 DAA: 3-byte frames, byte 0 = 0x20 (write) or 0x60 (read) OR the chip-address bits
  of the DAA's position (0x00, 0x08, 0x04, 0x0C for positions 0..3), byte 1 = register,
  byte 2 = data.
A chip select with no chip (or a chip that does not drive MISO) reads 0xFF (pull-up).
Every transfer is recorded with its time, chip select, bytes out and bytes in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

from firmware.contracts.clock import Clock
from firmware.contracts.errors import BusError

DAA_ADDRESS_BITS = (0x00, 0x08, 0x04, 0x0C)
MISO_IDLE = 0xFF


class RegisterTarget(Protocol):
    """What a chip model offers the bus: register access by address.

    `spi_read` returns None when the chip does not drive MISO (absent, SPI fault)."""

    def spi_read(self, reg: int) -> int | None: ...

    def spi_write(self, reg: int, value: int) -> None: ...


class DaisyCapable(Protocol):
    @property
    def daisy_mode(self) -> bool: ...


class Family(enum.Enum):
    PROSLIC = "proslic"
    DAA = "daa"


@dataclass(frozen=True)
class Transfer:
    at: float
    cs: int
    out: bytes
    inp: bytes


@dataclass
class ChipSelect:
    """The chips wired to one chip select, by position (daisy channel / DAA address)."""

    family: Family
    chips: dict[int, RegisterTarget] = field(default_factory=dict)
    broken: bool = False  # a cut trace: nothing answers, writes are lost


class VirtualSpiBus:
    """All chip selects of the virtual board, with a transfer log."""

    def __init__(self, clock: Clock, *, log_limit: int = 200_000) -> None:
        self._clock = clock
        self._cs: dict[int, ChipSelect] = {}
        self.log: list[Transfer] = []
        self._log_limit = log_limit

    def attach(self, cs: int, family: Family, position: int, chip: RegisterTarget) -> None:
        sel = self._cs.setdefault(cs, ChipSelect(family))
        if sel.family is not family:
            raise ValueError(f"chip select {cs} already carries {sel.family.value} chips")
        if position in sel.chips:
            raise ValueError(f"chip select {cs} position {position} already used")
        sel.chips[position] = chip

    def chip_select(self, cs: int) -> ChipSelect:
        return self._cs.setdefault(cs, ChipSelect(Family.PROSLIC))

    def device(self, cs: int) -> VirtualSpiDevice:
        return VirtualSpiDevice(self, cs)

    def transfers(self, cs: int | None = None) -> list[Transfer]:
        return [t for t in self.log if cs is None or t.cs == cs]

    # --- framing -------------------------------------------------------------------------
    def transfer(self, cs: int, out: bytes) -> bytes:
        sel = self._cs.get(cs)
        if sel is None or sel.broken or not sel.chips:
            inp = bytes([MISO_IDLE]) * len(out)
        elif sel.family is Family.DAA:
            inp = self._daa_frame(sel, out)
        else:
            inp = self._proslic_frame(sel, out)
        if len(self.log) >= self._log_limit:
            del self.log[: self._log_limit // 2]
        self.log.append(Transfer(self._clock.now(), cs, bytes(out), inp))
        return inp

    @staticmethod
    def _proslic_frame(sel: ChipSelect, out: bytes) -> bytes:
        chips = sel.chips
        if len(out) == 2:
            reg, data = out[0] & 0x7F, out[1]
            # Every chip on the select sees a 2-byte frame unless it is in daisy mode.
            listeners = [c for c in chips.values() if not _in_daisy(c)]
            if out[0] & 0x80:
                values = [v for v in (c.spi_read(reg) for c in listeners) if v is not None]
                value = MISO_IDLE
                for v in values:  # several drivers on MISO: open-drain-like AND
                    value &= v
                return bytes([MISO_IDLE, value])
            for c in listeners:
                c.spi_write(reg, data)
            return bytes([MISO_IDLE, MISO_IDLE])
        if len(out) == 3:
            bitmap, reg, data = out[0], out[1] & 0x7F, out[2]
            targets = [c for pos, c in chips.items() if bitmap & (1 << pos) and _in_daisy(c)]
            if out[1] & 0x80:
                values = [v for v in (c.spi_read(reg) for c in targets) if v is not None]
                value = MISO_IDLE
                for v in values:
                    value &= v
                return bytes([MISO_IDLE, MISO_IDLE, value])
            for c in targets:
                c.spi_write(reg, data)
            return bytes([MISO_IDLE] * 3)
        raise BusError(f"ProSLIC frame must be 2 or 3 bytes, got {len(out)}")

    @staticmethod
    def _daa_frame(sel: ChipSelect, out: bytes) -> bytes:
        if len(out) != 3:
            raise BusError(f"Si3050 frame must be 3 bytes, got {len(out)}")
        control, reg, data = out
        op = control & 0xF3
        address = control & 0x0C
        position = DAA_ADDRESS_BITS.index(address)
        chip = sel.chips.get(position)
        if op == 0x60:
            value = chip.spi_read(reg) if chip is not None else None
            return bytes([MISO_IDLE, MISO_IDLE, MISO_IDLE if value is None else value])
        if op == 0x20:
            if chip is not None:
                chip.spi_write(reg, data)
            return bytes([MISO_IDLE] * 3)
        # Not a control byte the DAA understands: it ignores the frame.
        return bytes([MISO_IDLE] * 3)


def _in_daisy(chip: RegisterTarget) -> bool:
    return bool(getattr(chip, "daisy_mode", False))


class VirtualSpiDevice:
    """`SpiDevice` for one chip select of the virtual bus."""

    def __init__(self, bus: VirtualSpiBus, cs: int) -> None:
        self._bus = bus
        self.cs = cs
        self._closed = False

    def transfer(self, data: bytes) -> bytes:
        if self._closed:
            raise BusError(f"SPI chip select {self.cs} is closed")
        return self._bus.transfer(self.cs, bytes(data))

    def close(self) -> None:
        self._closed = True
