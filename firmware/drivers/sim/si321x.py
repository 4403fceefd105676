"""Behavioural model of the Si3210/Si3215 ProSLIC FXS chip on the virtual board (analog-facts sections 1, 5).

Registers, indirect access, power-up, calibration, linefeed, loop closure, ring trip and
power alarms behave as the fact sheet describes; time-dependent behaviour is evaluated
lazily at the clock's `now`. The audio path lives in `si321x_audio`, tables in
`si321x_regs` (with the [unverified] behaviours listed in `UNVERIFIED`).

INT pin (fact sheet 1.1, DR18-23): open drain, active low, pulled low while any unmasked pending
bit is set (DR18&DR21 | DR19&DR22 | DR20&DR23); `attach_interrupt` wires it to a (possibly shared)
GPIO line, whose reads evaluate the chip lazily, so a debounced loop-closure change raises DR19
bit 1 and asserts INT even when nobody reads DR68.

Fault injection (tests and the virtual board's fault menu):
- `spi_fault = True`: the chip stops driving MISO (reads return None) and ignores writes.
- `inject_power_alarm(persistent=False)`: a power-alarm trip (DR19 bits 2/3; LF -> Open if
  DR67 bit 0); persistent: trips again 50 ms after every attempt to leave Open.
  `clear_power_alarm()` ends a persistent one.
- `inject_reset()`: a brown-out; every register returns to its reset value, the line opens.
- `calibration_hangs = True`: DR96 never clears after CAL is set.
- `leaky = True`: the battery collapses quickly once the converter is off (leakage test).
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from firmware.contracts.clock import Clock
from firmware.drivers.sim import si321x_regs as R
from firmware.drivers.sim.gpio import VirtualGpioLine
from firmware.drivers.sim.line import TwoWireLine
from firmware.drivers.sim.pcm import VirtualPcmHighway
from firmware.drivers.sim.si321x_audio import AudioPath, AudioSettings
from firmware.drivers.sim.si321x_feed import linefeed_feed, ringing_from_registers, sense_registers
from firmware.drivers.sim.si321x_timing import Converter, Debounce
from firmware.dsp import g711

_RINGING = frozenset([R.LF_RINGING])
_FEED_REGS = frozenset([R.DR_RING_OSC_CTL, R.DR_ILIM, R.DR_VOC, R.DR_VBATH])


class Si321xModel:
    """One ProSLIC: `RegisterTarget` on the SPI bus and the feeding `LineEnd` of its line."""

    def __init__(self, clock: Clock, *, part: str = "Si3215", revision: int = 5, line: TwoWireLine,
                 highway: VirtualPcmHighway) -> None:
        if part not in R.PARTS:
            raise ValueError(f"unknown ProSLIC part {part!r}; expected one of {sorted(R.PARTS)}")
        self.clock, self.line, self.highway = clock, line, highway
        self.part = R.PARTS[part]
        self.revision = revision & 0x0F
        self._roles = R.ROLES[part]
        self.spi_fault = False
        self.calibration_hangs = False
        self.leaky = False
        self.linefeed_log: list[tuple[float, int]] = []
        self._in_reset = False
        self._alarm_persistent = False
        self._int_until = -math.inf        # INT level needs no re-evaluation before this time ...
        self._int_loop_key = -math.inf     # ... unless the line's loop schedule changed
        self._lcr, self._rtp = Debounce(), Debounce()
        self._battery = Converter()
        self._audio = AudioPath(highway, decode_dtmf=self.part.has_dtmf)
        self._dr = [0] * R.DR_COUNT
        self._ir: dict[int, int] = {}
        self._reset_state(clock.now())

    # --- reset --------------------------------------------------------------------------------------
    def _reset_state(self, t: float) -> None:
        self._dr = [0] * R.DR_COUNT
        for reg, value in R.DIRECT_RESET.items():
            self._dr[reg] = value
        self._dr[0] = (self.part.part_bits << 4) | self.revision
        self._dr[R.DR_PCM_MODE] = 0x08 | self.part.dr1_fixed
        self._ir = {addr: 0 for addr in self.part.indirect}
        self._idata_pending: tuple[int, int] | None = None
        self._ind_busy = 0
        self._ind_write_armed = False
        self._cal_until: float | None = None
        self._dcdc_cal_until: float | None = None
        self._alarm_due: float | None = None
        self._battery.reset(t, self._leak_tau())
        self._set_linefeed(R.LF_OPEN, t)
        self._lcr.reset()
        self._rtp.reset()
        self._lcr.checked_to = self._rtp.checked_to = t
        self._audio.reset()
        self._fed_key: tuple[int, float] | None = None
        self._evaluated: tuple[float, int, float, bool] | None = None
        self._generation = 0
        self._int_until = -math.inf
        self._push_feed(t)

    def attach_reset(self, gpio: VirtualGpioLine) -> None:
        """Wire the chip's RESET pin: low holds the chip in reset, the rising edge releases it."""
        gpio.watch(self._on_reset_pin)
        if not gpio.read():
            self._on_reset_pin(False)

    def _on_reset_pin(self, level: bool) -> None:
        t = self.clock.now()
        if not level:
            self._in_reset = True
            self._reset_state(t)
        elif self._in_reset:
            self._in_reset = False
            self._reset_state(t)

    def attach_interrupt(self, gpio: VirtualGpioLine) -> None:
        """Wire the INT pin (open drain, active low) to `gpio`; several chips may share one line."""
        gpio.add_driver(self.int_asserted)

    def int_asserted(self) -> bool:
        """True while the INT pin pulls low: an unmasked interrupt bit is pending (fact sheet 1.1)."""
        if self._in_reset:
            return False
        t = self.clock.now()
        loop_key = self.line.last_scheduled_loop_change()
        if t >= self._int_until or loop_key != self._int_loop_key:
            self._advance()
            self._int_until, self._int_loop_key = self._quiet_until(t), loop_key
        dr = self._dr
        return bool(dr[R.DR_INT1] & dr[R.DR_MASK1] | dr[R.DR_INT2] & dr[R.DR_MASK2]
                    | dr[R.DR_INT3] & dr[R.DR_MASK3])

    def _quiet_until(self, t: float) -> float:
        """Until when no lazily evaluated behaviour can raise an interrupt bit by itself (registers and
        the line's loop schedule unchanged): debounce outputs, power-alarm re-trip, calibration end."""
        debounce = self._dr[R.DR_LOOP_DEBOUNCE] * R.DEBOUNCE_LSB_S
        rt_debounce = (self._dr[R.DR_RT_DEBOUNCE] & 0x7F) * R.DEBOUNCE_LSB_S
        times = [self._lcr.due(debounce), self._rtp.due(rt_debounce), self._alarm_due, self._cal_until]
        times += [at for at, _ in self.line.loop_log(t) if at > t][:1]
        return min(at for at in times if at is not None)

    # --- SPI ----------------------------------------------------------------------------------------
    @property
    def daisy_mode(self) -> bool:
        return not self._in_reset and bool(self._dr[0] & 0x80)

    def spi_read(self, reg: int) -> int | None:
        if self._in_reset or self.spi_fault:
            return None
        self._advance()
        value = self._read(reg & 0x7F)
        self._after_frame()
        return value & 0xFF

    def spi_write(self, reg: int, value: int) -> None:
        if self._in_reset or self.spi_fault:
            return
        self._advance()
        reg &= 0x7F
        self._write(reg, value & 0xFF)
        self._generation += 1
        self._int_until = -math.inf
        if reg != R.DR_IADDR:
            self._after_frame()
        self._push_feed(self.clock.now())   # ring/voltage/limit changes reach the line at once

    def _read(self, reg: int) -> int:
        t = self.clock.now()
        if reg == R.DR_ISTATUS:
            return 0x01 if self._ind_busy else 0x00
        if reg == R.DR_LOOP_STAT:
            return self._loop_status()
        if reg == R.DR_CAL1 and self._cal_until is not None:
            return self._dr[reg] | 0x40
        if reg == R.DR_DCDC and self._dcdc_cal_until is not None:
            return self._dr[reg] | 0x80
        if reg in (R.DR_IQ5, R.DR_IQ6):
            code_reg = 98 if reg == R.DR_IQ5 else 99
            return max(self._dr[code_reg] - R.MANUAL_CAL_NULL[code_reg], 0) * 4 & 0xFF
        if 76 <= reg <= 87:
            return sense_registers(self.line, t, self._battery_volts(t), self._dr).get(reg, 0)
        return self._dr[reg]

    def _write(self, reg: int, value: int) -> None:
        t = self.clock.now()
        if reg == 0:
            self._dr[0] = (self._dr[0] & 0x7F) | (value & 0x80)
        elif reg == R.DR_PCM_MODE:
            self._dr[reg] = value | self.part.dr1_fixed
        elif reg in R.READ_ONLY:
            return
        elif reg in R.WRITE_ONE_TO_CLEAR:
            self._dr[reg] &= ~value & 0xFF
        elif reg in (R.DR_IDATA_LO, R.DR_IDATA_HI):
            self._dr[reg] = value
            self._ind_write_armed = True
        elif reg == R.DR_IADDR:
            self._dr[reg] = value
            self._indirect_access(value)
        elif reg == R.DR_LINEFEED:
            self._write_linefeed(value & 0x07, t)
        else:
            self._dr[reg] = value
            self._side_effects(reg, value, t)

    def _side_effects(self, reg: int, value: int, t: float) -> None:
        if reg == R.DR_PWR_DOWN1:
            self._battery.switch(not (value & 0x10), t, self._vbath_target(), self._leak_tau())
        elif reg == R.DR_VBATH:
            self._battery.retarget(t, self._vbath_target(), self._leak_tau())
        elif reg == R.DR_DCDC and value & 0x80:
            self._dr[reg] = value & 0x7F
            self._dcdc_cal_until = t + R.DCDC_CAL_S
        elif reg == R.DR_CAL1 and value & 0x40:
            self._dr[reg] = value & ~0x40 & 0xFF
            self._cal_until = math.inf if self.calibration_hangs else t + R.CAL_S
        if reg in _FEED_REGS:
            self._fed_key = None

    # --- indirect registers (fact sheet 1.3, 1.4) ----------------------------------------------------
    def _indirect_access(self, addr: int) -> None:
        if self._ind_busy:
            self._complete_indirect()
        if self._ind_write_armed:
            if addr in self._ir:
                self._ir[addr] = self._dr[R.DR_IDATA_LO] | self._dr[R.DR_IDATA_HI] << 8
                self._fed_key = None
            self._ind_busy = R.INDIRECT_BUSY_WRITE
        else:
            self._idata_pending = (self._ir.get(addr, 0) & 0xFF, self._ir.get(addr, 0) >> 8)
            self._ind_busy = R.INDIRECT_BUSY_READ
        self._ind_write_armed = False

    def _after_frame(self) -> None:
        if self._ind_busy:
            self._ind_busy -= 1
            if not self._ind_busy:
                self._complete_indirect()

    def _complete_indirect(self) -> None:
        self._ind_busy = 0
        if self._idata_pending is not None:
            self._dr[R.DR_IDATA_LO], self._dr[R.DR_IDATA_HI] = self._idata_pending
            self._idata_pending = None

    def indirect(self, si3210_addr: int) -> int:
        """Test/inspection helper: an indirect register by its Si3210 address (translated on a Si3215)."""
        if self.part.name == "Si3215":
            native = R.SI3215_FROM_SI3210.get(si3210_addr)
            return 0 if native is None else self._ir[native]
        return self._ir.get(si3210_addr, 0)

    # --- linefeed -----------------------------------------------------------------------------------
    @property
    def linefeed(self) -> int:
        """The actual linefeed state (DR64 LFS)."""
        return self._dr[R.DR_LINEFEED] >> 4

    def _write_linefeed(self, lf: int, t: float) -> None:
        self._set_linefeed(lf, t)
        if self._alarm_persistent and lf != R.LF_OPEN:
            self._alarm_due = t + R.POWER_ALARM_RETRIP_S
        self._push_feed(t)

    def _set_linefeed(self, lf: int, t: float) -> None:
        self._dr[R.DR_LINEFEED] = (lf << 4) | lf
        if (self.linefeed_log[-1][1] if self.linefeed_log else R.LF_OPEN) != lf:
            self.linefeed_log.append((t, lf))
            self._fed_key = None

    def linefeed_at(self, t: float) -> int:
        i = bisect.bisect_right(self.linefeed_log, t, key=lambda entry: entry[0])
        return self.linefeed_log[i - 1][1] if i else R.LF_OPEN

    def _push_feed(self, t: float) -> None:
        battery = self._battery_volts(t)
        key = (self.linefeed, float(round(battery)))
        if key == self._fed_key:
            return
        self._fed_key = key
        vbath = min(self._vbath_target(), battery)
        ir, roles = self._ir, self._roles
        ring = ringing_from_registers(ir[roles.ring_coeff], ir[roles.ring_x], ir[roles.ring_y],
                                      ir[roles.ring_offset], self._dr[R.DR_RING_OSC_CTL], vbath)
        feed = linefeed_feed(self.linefeed, voc=self._dr[R.DR_VOC] * R.VOLT_LSB_V,
                             ilim_ma=20.0 + 3.0 * (self._dr[R.DR_ILIM] & 0x07), battery_v=battery,
                             ring=ring)
        self.line.set_feed(feed, t)

    # --- power --------------------------------------------------------------------------------------
    def _leak_tau(self) -> float:
        return R.LEAKY_TAU_S if self.leaky else R.LEAK_TAU_S

    def _vbath_target(self) -> float:
        return (self._dr[R.DR_VBATH] & 0x3F) * R.VOLT_LSB_V

    def _battery_volts(self, t: float) -> float:
        return self._battery.volts(t, self._leak_tau())

    def inject_power_alarm(self, persistent: bool = False) -> None:
        """A transistor power alarm now; `persistent`: it re-trips 50 ms after every attempt to leave Open."""
        self._alarm_persistent = self._alarm_persistent or persistent
        self._trip_power_alarm(self.clock.now())

    def clear_power_alarm(self) -> None:
        self._alarm_persistent = False
        self._alarm_due = None

    def _trip_power_alarm(self, t: float) -> None:
        self._dr[R.DR_INT2] |= R.INT2_POWER_ALARM
        self._alarm_due = None
        self._int_until, self._evaluated = -math.inf, None   # the loop filters must look again
        if self._dr[R.DR_AUTO] & 0x01:
            self._set_linefeed(R.LF_OPEN, t)
            self._push_feed(t)
        elif self._alarm_persistent:
            self._alarm_due = t + R.POWER_ALARM_RETRIP_S

    def inject_reset(self) -> None:
        """Brown-out: every register back to its reset value (DR8 = 0x02, DR64 = 0), line open."""
        self._reset_state(self.clock.now())

    # --- lazily evaluated time behaviour ------------------------------------------------------------
    def _advance(self) -> None:
        t = self.clock.now()
        key = (t, self._generation, self.line.last_scheduled_loop_change(), self.line.loop_closed(t))
        if self._evaluated == key:
            return
        if self._alarm_due is not None and self._alarm_due <= t:
            self._trip_power_alarm(self._alarm_due)
        if self._cal_until is not None and self._cal_until <= t:
            self._finish_calibration()
        if self._dcdc_cal_until is not None and self._dcdc_cal_until <= t:
            self._dcdc_cal_until = None
            self._dr[107] = R.DCDC_CAL_RESULT
        self._update_loop(t)
        self._push_feed(t)
        self._evaluated = key

    def _finish_calibration(self) -> None:
        self._cal_until = None
        if self._dr[R.DR_CAL2] & 0x01:
            self._dr[R.DR_INT3] |= R.INT3_CM_CAL
        if self._dr[R.DR_CAL1] & 0x1F:  # the individual calibrations that were enabled ran
            for reg, value in R.CALIBRATED.items():
                self._dr[reg] = value
        self._dr[R.DR_CAL1] = 0
        self._dr[R.DR_CAL2] = 0

    def _update_loop(self, t: float) -> None:
        debounce = self._dr[R.DR_LOOP_DEBOUNCE] * R.DEBOUNCE_LSB_S
        rt_debounce = (self._dr[R.DR_RT_DEBOUNCE] & 0x7F) * R.DEBOUNCE_LSB_S
        if self._lcr.advance(t, self._loop_points(self._lcr, t, R.LF_LOOP_SENSING), debounce):
            self._dr[R.DR_INT2] |= R.INT2_LOOP_CLOSURE
        if self._rtp.advance(t, self._loop_points(self._rtp, t, _RINGING), rt_debounce):
            self._dr[R.DR_INT2] |= R.INT2_RING_TRIP

    def _loop_points(self, deb: Debounce, t: float, states: frozenset[int]) -> list[tuple[float, bool]]:
        """Change points of "loop closed while the linefeed is in `states`" since the filter last looked."""
        since = deb.checked_to
        last_lf = self.linefeed_log[-1][0] if self.linefeed_log else -math.inf
        if last_lf < since and self.line.loop_stable_since(t) < since:
            raw = self.line.loop_closed(t) and self.linefeed in states
            return [] if raw == deb.input else [(since, raw)]  # an edge replaced at the same instant
        times = {at for at, _ in self.line.loop_log(since) if since <= at <= t}
        i = bisect.bisect_left(self.linefeed_log, since, key=lambda entry: entry[0])
        times.update(at for at, _ in self.linefeed_log[i:] if at <= t)
        return [(at, self.line.loop_closed(at) and self.linefeed_at(at) in states) for at in sorted(times)]

    def _loop_status(self) -> int:
        ringing = self.linefeed == R.LF_RINGING
        return (0 if ringing else int(self._lcr.out)) | (0x02 if self._rtp.out else 0)

    # --- audio (LineEnd) ----------------------------------------------------------------------------
    def _audio_settings(self) -> AudioSettings:
        dr = self._dr
        return AudioSettings(
            enabled=not self._in_reset and bool(dr[R.DR_PCM_MODE] & 0x20),
            mulaw=bool(dr[R.DR_PCM_MODE] & 0x08),
            tx_count=dr[2] | (dr[3] & 0x03) << 8,
            rx_count=dr[4] | (dr[5] & 0x03) << 8,
            loopback=dr[R.DR_LOOPBACK] != 0,
            rx_gain=self._ir[self._roles.rx_gain], tx_gain=self._ir[self._roles.tx_gain],
            analog_gain=dr[R.DR_AUDIO_GAIN], linefeed=self.linefeed,
            loop_closed=self.line.loop_closed(self.clock.now()))

    def idle_block(self, n: int) -> bool:
        """TwoWireLine.exchange's fast path, for a terminal end that sends silence: when the line state passes
        no audio to the set, the loop is open and there is no loopback, do what `line_out` + `line_in` would
        do with that block (consume the RX slot, send silence codes, DTMF decoder idle) and return True.
        The time behaviour needs no evaluation here: it is evaluated whenever somebody looks."""
        dr = self._dr
        if dr[R.DR_LOOPBACK] or self.linefeed in R.LF_OHT_STATES or self.line.loop_closed(self.clock.now()):
            return False
        pcm = dr[R.DR_PCM_MODE]
        self._audio.idle(n, enabled=not self._in_reset and bool(pcm & 0x20),
                         law=g711.Law.MULAW if pcm & 0x08 else g711.Law.ALAW,
                         tx_count=dr[2] | (dr[3] & 0x03) << 8, rx_count=dr[4] | (dr[5] & 0x03) << 8)
        if self.part.has_dtmf:
            dr[R.DR_DTMF] &= ~R.DTMF_VALID & 0xFF
        return True

    def line_out(self, n: int) -> np.ndarray:
        self._advance()
        return self._audio.to_line(n, self._audio_settings())

    def line_in(self, block: np.ndarray) -> None:
        self._advance()
        digits = self._audio.from_line(block, self._audio_settings())
        for digit in digits:
            self._dr[R.DR_INT3] |= R.INT3_DTMF
            self._dr[R.DR_DTMF] = R.DTMF_VALID | R.DTMF_CODES.get(digit, 0)
        if self.part.has_dtmf and not self._audio.dtmf_present:
            self._dr[R.DR_DTMF] &= ~R.DTMF_VALID & 0xFF
