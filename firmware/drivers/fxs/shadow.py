"""Shadow copy of ProSLIC registers: write-on-change and read-back verification (fact sheet 1.1, 1.4)."""

from __future__ import annotations

from collections.abc import Iterable

from firmware.contracts.errors import ChipVerifyError
from firmware.drivers.fxs import registers as r
from firmware.drivers.fxs.spi import ProslicBus


class RegisterShadow:
    """What we last wrote to each register of one chip, with Si3215 indirect-address translation."""

    def __init__(self, bus: ProslicBus, part: str = r.SI3210) -> None:
        self.bus = bus
        self.part = part
        self._direct: dict[int, int] = {}
        self._indirect: dict[int, int] = {}

    @property
    def port(self) -> int:
        return self.bus.port

    def forget(self) -> None:
        """Drop the shadow (after a chip reset nothing we wrote can be assumed)."""
        self._direct.clear()
        self._indirect.clear()

    # --- direct ----------------------------------------------------------------------------
    def read(self, reg: int) -> int:
        return self.bus.read(reg)

    def cached(self, reg: int) -> int | None:
        return self._direct.get(reg)

    def write(self, reg: int, value: int, *, force: bool = False) -> bool:
        """Write unless the shadow already holds `value`; True when a frame went out."""
        if not force and self._direct.get(reg) == value:
            return False
        self.bus.write(reg, value)
        self._direct[reg] = value
        return True

    def write_verified(self, reg: int, value: int, *, force: bool = False) -> None:
        """Write (on change) and read back the bits the register map says are stable."""
        self.write(reg, value, force=force)
        self.verify(reg)

    def verify(self, reg: int) -> None:
        expected = self._direct.get(reg)
        if expected is None:
            return
        info = r.DIRECT.get(reg)
        mask = info.verify_mask if info else 0xFF
        if not mask:
            return
        got = self.bus.read(reg)
        if (got ^ expected) & mask:
            self._direct.pop(reg, None)
            raise ChipVerifyError(
                f"port {self.port}: {r.describe(reg)} read back 0x{got:02X} after writing 0x{expected:02X}")

    def verify_all(self, regs: Iterable[int]) -> None:
        for reg in regs:
            self.verify(reg)

    # --- indirect --------------------------------------------------------------------------
    def chip_address(self, ir: int) -> int | None:
        return r.indirect_address(self.part, ir)

    def write_indirect(self, ir: int, value: int, *, force: bool = False) -> bool:
        """Write Si3210-numbered IR `ir`; registers absent on this part are skipped."""
        addr = self.chip_address(ir)
        if addr is None:
            return False
        if not force and self._indirect.get(ir) == value:
            return False
        self.bus.write_indirect(addr, value)
        self._indirect[ir] = value
        return True

    def read_indirect(self, ir: int) -> int | None:
        addr = self.chip_address(ir)
        if addr is None:
            return None
        return self.bus.read_indirect(addr)

    def verify_indirect(self, irs: Iterable[int]) -> None:
        """Read back every listed IR that exists on this part and that we wrote."""
        bad: list[str] = []
        for ir in irs:
            expected = self._indirect.get(ir)
            got = self.read_indirect(ir)
            if expected is None or got is None:
                continue
            if got != expected:
                bad.append(f"IR{ir} read 0x{got:04X}, wrote 0x{expected:04X}")
                self._indirect.pop(ir, None)
        if bad:
            raise ChipVerifyError(f"port {self.port}: indirect registers failed verification: "
                                  + "; ".join(bad))
