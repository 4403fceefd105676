"""Si3050 identification, init sequence and isolation-link bring-up, sans-IO (fact sheet 2.4)."""

# Sequence (DAHDI wctdm/wctdm24xxp, fact sheet 2.4):
#   [reset pin pulse]  -> presence: reg 2 must read 0x03 -> reg 1 = 0x80 soft reset, wait 100 ms
#   -> reg 33 PCM law, reg 16, ring detector (reg 18 / reg 24), reg 26, reg 30, reg 31, regs 34-37
#      time slot, [reg 17 |= 0x20 fast pickup], read-back -> reg 6 = 0x00 (power up the line side)
#   -> poll reg 11 every 100 ms until its upper nibble (line-side ID) is non-zero, 2 s timeout
#   -> reg 5 = 0x08 (on-hook, line monitor on) -> gains regs 38-41, read-back.
# `DaaInit.step(now)` performs what is due and returns when to call it next (None: finished), so
# the port can run it from tick() without sleeping; `run()` drives it with sleep_on for start().

from __future__ import annotations

import enum

from firmware.contracts.bus import GpioLine
from firmware.contracts.clock import Clock, sleep_on
from firmware.contracts.errors import ChipAbsentError, ChipTimeoutError
from firmware.drivers.fxo import registers as r
from firmware.drivers.fxo.settings import FxoSettings
from firmware.drivers.fxo.spi import DaaShadow
from firmware.dsp.g711 import Law

RESET_PULSE_S = 0.010      # [infer] reset pin held low
RESET_RECOVERY_S = 0.020   # [infer] before the first SPI access after the pin goes high
SOFT_RESET_WAIT_S = 0.100  # [code]
LINK_POLL_S = 0.100        # [code]


class InitStep(enum.Enum):
    RESET_LOW = "reset_low"
    RESET_HIGH = "reset_high"
    IDENTIFY = "identify"
    CONFIGURE = "configure"
    LINK_POLL = "link_poll"
    DONE = "done"


def identify(shadow: DaaShadow) -> int:
    """Presence check: reg 2 reads 0x03 after reset; anything else means no (or another) chip."""
    value = shadow.read(r.CONTROL2)
    if value != r.CONTROL2_RESET:
        hint = " (nothing drives MISO: no module in this position?)" if value == 0xFF else ""
        raise ChipAbsentError(
            f"port {shadow.port}: no Si3050 DAA answered at position {shadow.bus.position}: "
            f"register 2 read 0x{value:02X}, expected 0x{r.CONTROL2_RESET:02X}{hint}")
    return value


def country_writes(s: FxoSettings) -> list[tuple[int, int]]:
    """(register, value) written before the isolation link is brought up, in DAHDI's order."""
    ring18, ring24 = ((r.FULL_WAVE_RING, r.RING_VALIDATION_FULL_WAVE) if s.full_wave_ring_detect
                      else (0x00, r.RING_VALIDATION_HALF_WAVE))
    tx_lo, tx_hi = r.start_count_registers(s.pcm_slot)
    return [
        (r.PCM_MODE, r.PCM_ULAW if s.law is Law.MULAW else r.PCM_ALAW),
        (r.INTL1, s.reg16), (r.INTL3, ring18), (r.RING_VALID3, ring24),
        (r.DC_TERM, s.reg26), (r.AC_TERM, s.reg30), (r.DAA_CONTROL3, s.reg31),
        (r.TX_START_LO, tx_lo), (r.TX_START_HI, tx_hi), (r.RX_START_LO, tx_lo), (r.RX_START_HI, tx_hi),
    ]


def gain_writes(s: FxoSettings) -> list[tuple[int, int]]:
    tx_whole, tx_tenths = r.gain_registers(s.tx_gain_db)
    rx_whole, rx_tenths = r.gain_registers(s.rx_gain_db)
    return [(r.TX_GAIN2, tx_whole), (r.TX_GAIN3, tx_tenths), (r.RX_GAIN2, rx_whole), (r.RX_GAIN3, rx_tenths)]


class DaaInit:
    """One run of the init sequence for one DAA."""

    def __init__(self, shadow: DaaShadow, settings: FxoSettings, *, reset: GpioLine | None = None) -> None:
        self.shadow = shadow
        self.s = settings
        self.reset = reset
        self.step_name = InitStep.RESET_LOW if reset is not None else InitStep.IDENTIFY
        self.link_deadline = 0.0
        self.link_value = 0
        self.system_revision = 0
        self.line_side_id = 0
        self.line_side_revision = 0

    @property
    def done(self) -> bool:
        return self.step_name is InitStep.DONE

    @property
    def line_side_part(self) -> str:
        return r.LINE_SIDE_PARTS.get(self.line_side_id, f"line side ID {self.line_side_id}")

    def run(self, clock: Clock) -> None:
        """Blocking run for start(): waits with sleep_on (instant on a fake clock)."""
        due = self.step(clock.now())
        while due is not None:
            wait = due - clock.now()
            if wait > 0:
                sleep_on(clock, wait)
            due = self.step(clock.now())

    def step(self, now: float) -> float | None:
        """Do what is due at `now`; returns when to call again, None when finished.

        Raises ChipAbsentError, ChipTimeoutError, ChipVerifyError or BusError.
        """
        handler = {
            InitStep.RESET_LOW: self._reset_low,
            InitStep.RESET_HIGH: self._reset_high,
            InitStep.IDENTIFY: self._identify_and_reset,
            InitStep.CONFIGURE: self._configure,
            InitStep.LINK_POLL: self._poll_link,
        }.get(self.step_name)
        return handler(now) if handler else None

    def _reset_low(self, now: float) -> float:
        assert self.reset is not None
        self.reset.write(False)
        self.step_name = InitStep.RESET_HIGH
        return now + RESET_PULSE_S

    def _reset_high(self, now: float) -> float:
        assert self.reset is not None
        self.reset.write(True)
        self.step_name = InitStep.IDENTIFY
        return now + RESET_RECOVERY_S

    def _identify_and_reset(self, now: float) -> float:
        identify(self.shadow)
        self.shadow.forget()
        self.shadow.write(r.CONTROL1, r.SOFT_RESET, force=True)
        self.shadow.forget()  # the reset clears every register, SR included
        self.step_name = InitStep.CONFIGURE
        return now + SOFT_RESET_WAIT_S

    def _configure(self, now: float) -> float:
        writes = country_writes(self.s)
        for reg, value in writes:
            self.shadow.write(reg, value, force=True)
        self.shadow.verify_all(reg for reg, _ in writes)
        if self.s.fast_pickup:
            self.shadow.write(r.INTL2, self.shadow.read(r.INTL2) | r.CALIBRATION_DISABLE, force=True)
        self.shadow.write(r.DAA_CONTROL2, r.POWER_UP_LINE_SIDE, force=True)
        self.link_deadline = now + self.s.link_timeout_s
        self.step_name = InitStep.LINK_POLL
        return now + LINK_POLL_S

    def _poll_link(self, now: float) -> float | None:
        value = self.shadow.read(r.SYS_LINE_REV)
        self.link_value = value
        if value & r.LINK_UP_MASK and value != 0xFF:
            self._link_up(value)
            return None
        if now >= self.link_deadline - 1e-9:
            raise ChipTimeoutError(
                f"port {self.shadow.port}: isolation link to the line-side chip did not come up within "
                f"{self.s.link_timeout_s:g} s (register 11 read 0x{value:02X}, line-side ID nibble 0): "
                "Si3019 missing, unpowered, or ISOcap link broken")
        return min(now + LINK_POLL_S, self.link_deadline)

    def _link_up(self, value: int) -> None:
        self.system_revision = value & 0x0F
        self.line_side_id = value >> 4
        self.line_side_revision = (self.shadow.read(r.LINE_REV) >> 2) & 0x0F
        self.shadow.write(r.DAA_CONTROL1, r.ONHM, force=True)
        writes = gain_writes(self.s)
        for reg, val in writes:
            self.shadow.write(reg, val, force=True)
        self.shadow.verify_all([r.DAA_CONTROL1, *(reg for reg, _ in writes)])
        self.step_name = InitStep.DONE
