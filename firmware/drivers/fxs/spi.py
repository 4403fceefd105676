"""ProSLIC SPI framing and indirect register access (fact sheet section 0 framing, section 1.3)."""

from __future__ import annotations

from firmware.contracts.bus import SpiDevice
from firmware.contracts.clock import Clock
from firmware.contracts.errors import BusError, ChipTimeoutError
from firmware.drivers.fxs import registers as r

READ_BIT = 0x80
DAISY_ENABLE = 0x80          # DR0 bit 7
INDIRECT_MAX_POLLS = 100     # DR31 reads per wait (DAHDI: 10 on wctdm24xxp, 6000 on TDM400)
INDIRECT_MAX_S = 0.010       # and never longer than this on the clock


class ProslicBus:
    """Register access to one ProSLIC: 2-byte frames, or 3-byte daisy-chain frames on a shared CS."""

    def __init__(self, dev: SpiDevice, clock: Clock, *, port: int, daisy_channel: int | None = None,
                 max_polls: int = INDIRECT_MAX_POLLS, max_wait_s: float = INDIRECT_MAX_S) -> None:
        if daisy_channel is not None and not 0 <= daisy_channel < 8:
            raise ValueError(f"port {port}: daisy channel {daisy_channel} outside 0..7")
        self.dev = dev
        self.clock = clock
        self.port = port
        self.daisy_channel = daisy_channel
        self.max_polls = max_polls
        self.max_wait_s = max_wait_s
        self.transfers = 0

    # --- direct registers ----------------------------------------------------------------
    def read(self, reg: int) -> int:
        _check(reg, 0)
        frame = self._frame(reg | READ_BIT, 0x00)
        reply = self._xfer(frame)
        return reply[-1]

    def write(self, reg: int, value: int) -> None:
        _check(reg, value)
        self._xfer(self._frame(reg & 0x7F, value))

    def enter_daisy_mode(self) -> None:
        """2-byte write DR0 = 0x80 (every chip on the select not yet in daisy mode takes it)."""
        if self.daisy_channel is None:
            raise ValueError(f"port {self.port}: not on a daisy chain")
        self._xfer(bytes([r.SPI_MODE, DAISY_ENABLE]))

    def _frame(self, reg_byte: int, data: int) -> bytes:
        if self.daisy_channel is None:
            return bytes([reg_byte, data])
        return bytes([1 << self.daisy_channel, reg_byte, data])

    def _xfer(self, frame: bytes) -> bytes:
        self.transfers += 1
        reply = self.dev.transfer(frame)
        if len(reply) != len(frame):
            raise BusError(f"port {self.port}: SPI returned {len(reply)} bytes for a {len(frame)}-byte frame")
        return reply

    # --- indirect registers (fact 1.3) --------------------------------------------------------
    def wait_indirect_idle(self) -> None:
        """Poll DR31 until 0, bounded by a poll count and by time on the clock."""
        start = self.clock.now()
        value, polls = 0, 0
        while polls < self.max_polls:
            value = self.read(r.I_STATUS)
            polls += 1
            if value == 0:
                return
            # The time bound only counts after a few polls: a thread preempted between two polls
            # (a loaded box) must not make a chip that needs one or two polls look stuck.
            if polls >= MIN_POLLS_BEFORE_TIMEOUT and self.clock.now() - start >= self.max_wait_s:
                break
        raise ChipTimeoutError(
            f"port {self.port}: indirect register access stuck (DR31 read 0x{value:02X} "
            f"after {polls} polls)")

    def write_indirect(self, chip_addr: int, value: int) -> None:
        if not 0 <= value <= 0xFFFF:
            raise ValueError(f"indirect value {value:#x} is not 16 bits")
        self.wait_indirect_idle()
        self.write(r.I_DATA_LO, value & 0xFF)
        self.write(r.I_DATA_HI, value >> 8)
        self.write(r.I_ADDRESS, chip_addr)

    def read_indirect(self, chip_addr: int) -> int:
        self.wait_indirect_idle()
        self.write(r.I_ADDRESS, chip_addr)
        self.wait_indirect_idle()
        low = self.read(r.I_DATA_LO)
        high = self.read(r.I_DATA_HI)
        return low | (high << 8)


MIN_POLLS_BEFORE_TIMEOUT = 5


def _check(reg: int, value: int) -> None:
    if not 0 <= reg <= 0x7F:
        raise ValueError(f"ProSLIC register {reg} outside 0..127")
    if not 0 <= value <= 0xFF:
        raise ValueError(f"register value {value:#x} is not a byte")
