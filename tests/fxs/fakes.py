"""A minimal register-file ProSLIC for unit tests of the driver's SPI, shadow and init code.

Not a chip model (that is firmware/drivers/sim/si321x.py): just enough behaviour to steer the
driver into each branch — reset values, indirect access, DR96/DR82 that can be made to hang.
"""

from __future__ import annotations

from firmware.contracts.clock import Clock

RESET = {0: 0x05, 1: 0x08, 8: 0x02, 11: 0x33, 64: 0x00, 82: 0x00, 93: 0x14, 107: 0x08}


class FakeProslic:
    """`SpiDevice` with one chip (2-byte frames) or a daisy channel (3-byte frames)."""

    def __init__(self, clock: Clock, *, si3215: bool = False, daisy_channel: int | None = None) -> None:
        self.clock = clock
        self.regs = dict(RESET)
        if si3215:
            self.regs[1] = 0x88
        self.indirect: dict[int, int] = {}
        self.daisy_channel = daisy_channel
        self.daisy = False
        self.cal_hangs = False            # DR96 never clears
        self.battery_dead = False         # DR82 never rises
        self.istatus_stuck = False        # DR31 always busy
        self.answering = True
        self.frames: list[bytes] = []
        self.writes: list[tuple[int, int]] = []
        self._armed = False

    # --- SpiDevice ---------------------------------------------------------------------------
    def transfer(self, data: bytes) -> bytes:
        self.frames.append(bytes(data))
        if not self.answering:
            return b"\xff" * len(data)
        if len(data) == 3:
            if not self.daisy or data[0] != 1 << (self.daisy_channel or 0):
                return b"\xff\xff\xff"
            reg_byte, value = data[1], data[2]
        elif len(data) == 2:
            if self.daisy:
                return b"\xff\xff"
            reg_byte, value = data
        else:
            raise ValueError("bad frame")
        reg = reg_byte & 0x7F
        if reg_byte & 0x80:
            return bytes([0xFF] * (len(data) - 1) + [self.read(reg)])
        self.write(reg, value)
        return b"\xff" * len(data)

    def close(self) -> None:
        pass

    # --- registers ----------------------------------------------------------------------------
    def read(self, reg: int) -> int:
        if reg == 31:
            return 1 if self.istatus_stuck else 0
        if reg == 82:
            return 0x10 if self.battery_dead or self.regs.get(14, 0x10) & 0x10 else 0xC8
        return self.regs.get(reg, 0)

    def write(self, reg: int, value: int) -> None:
        self.writes.append((reg, value))
        if reg == 0:
            self.daisy = bool(value & 0x80)
            self.regs[0] = (self.regs[0] & 0x7F) | (value & 0x80)
        elif reg == 1:
            self.regs[1] = value | (self.regs[1] & 0x80)
        elif reg in (28, 29):
            self.regs[reg] = value
            self._armed = True
        elif reg == 30:
            if self._armed:
                self.indirect[value] = self.regs.get(28, 0) | self.regs.get(29, 0) << 8
            else:
                word = self.indirect.get(value, 0)
                self.regs[28], self.regs[29] = word & 0xFF, word >> 8
            self._armed = False
        elif reg == 64:
            self.regs[64] = (value & 7) << 4 | (value & 7)
        elif reg in (18, 19, 20):
            self.regs[reg] = self.regs.get(reg, 0) & ~value & 0xFF      # write 1 to clear
        elif reg == 93:
            self.regs[93] = value & 0x7F
        elif reg == 96:
            self.regs[96] = value if self.cal_hangs else 0
        elif reg == 97:
            self.regs[97] = 0
        else:
            self.regs[reg] = value
