"""Behavioural model of the Si3050 system side + Si3019 line side voice DAA (fact sheet 2.1, 2.5, 2.6, 5).

The model is the TERMINAL end of a `TwoWireLine` (the board does `line.connect(feed, daa)`) and a
`RegisterTarget` on the virtual SPI bus (3-byte DAA frames). Everything it reports is computed
from the line's feed/loop state at the read time, so nothing depends on how often it is polled:

- reg 11 line-side ID appears `link_delay_s` after reg 6 clears PDL (never without a line side);
- reg 5 OH closes the loop (once the isolation link is up); RDTP/RDTN follow the sign of the
  AC ringing waveform sampled at the read time while ringing above the RT threshold is applied;
  a steady neon-MWI voltage (> 75 V DC, no ringing) lights one of them and never alternates;
  RDT is latched until 5 s after the last ring signal or until the host goes off-hook;
- reg 29 LVS is the signed terminal voltage (x `lvs_gain`), reg 28/12 the loop current; both are
  frozen at their on-hook values for the off-hook counter time (reg 31 FOH);
- reg 4 collects ring-start (RDTI), polarity-reversal (POLI), drop-out (DODI) and frame-detect (FDTI);
- audio: line -> PCM TX slot (off-hook, or on-hook with ONHM) and PCM RX slot -> line (off-hook),
  companded per reg 33 with the gains of regs 38-41.

Fault injection: `spi_fault = True` (the chip stops driving MISO: reads give None, writes are
lost), `line_side_present=False` (the isolation link never comes up), `inject_reset()` (a brown-out:
every register back to its reset value, the line released).

[unverified] behaviours of this model (one table):

| Behaviour | Model choice |
|---|---|
| reg 6 reset value / PDL bit | 0x10, PDL = bit 4; link up `link_delay_s` (120 ms) after PDL clears |
| reg 11 line-side ID / reg 13 | LSID 0x3 (Si3019) in bits 7:4; reg 13 = revision << 2; 0 while link down |
| reg 28 LCS2 / reg 12 LCS scale | 1.1 mA per LSB (8 bits) / 3.3 mA per LSB (5 bits) |
| LVS during ringing | DC plus the ringing waveform sampled at the read time |
| LVS/LCS during the off-hook counter | held at the last on-hook reading (LVS) and 0 (LCS) |
| RDTP/RDTN vs RFWE (reg 18) | always per half-wave polarity; RFWE only stored |
| RDTI timing, ring validation (22-24) | RDTI when ringing above threshold starts; regs 22-24 only stored |
| On-hook speed | OHS2: 3 ms; OHS with SQ = 11 (reg 59 bits 6:5): 26 ms; otherwise immediate |
| FULL, FILT, IIRE, digital hybrid (45-52) | stored only; line audio is in the codec's dBm0 units |
| Linear PCM (PCMF = 1x); start count not a multiple of 8 | nothing on the highway; slot = count // 8 |
| INT pin | updated whenever the chip is touched (SPI access or an audio block) |
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from firmware.contracts.clock import Clock
from firmware.drivers.sim import si3050_regs as r
from firmware.drivers.sim.gpio import VirtualGpioLine
from firmware.drivers.sim.line import Feed, TwoWireLine
from firmware.drivers.sim.pcm import VirtualPcmHighway
from firmware.dsp import g711

_SQRT2 = math.sqrt(2.0)


class Si3050Model:
    """One DAA (Si3050 + Si3019) on a virtual board: SPI registers, line terminal, PCM slot."""

    def __init__(self, clock: Clock, *, line: TwoWireLine, highway: VirtualPcmHighway,
                 line_side_present: bool = True, system_revision: int = 0x5, line_side_id: int = 0x3,
                 line_side_revision: int = 0x2, link_delay_s: float = 0.12, lvs_gain: float = 0.97,
                 name: str = "daa") -> None:
        if not 0 < line_side_id <= 0x0F or not 0 <= system_revision <= 0x0F:
            raise ValueError("system_revision and line_side_id are 4-bit; line_side_id must be non-zero")
        if not 0.9 <= lvs_gain <= 1.1:
            raise ValueError("lvs_gain models the datasheet's +-10 % LVS accuracy: keep it within 0.9..1.1")
        self.clock = clock
        self._line = line
        self.highway = highway
        self.name = name
        self.line_side_present = line_side_present
        self.system_revision = system_revision
        self.line_side_id = line_side_id
        self.line_side_revision = line_side_revision
        self.link_delay_s = link_delay_s
        self.lvs_gain = lvs_gain
        self.spi_fault = False            # injected fault: the chip stops driving MISO
        self.resets = 0                   # chip resets seen (soft, pin, injected)
        self._in_reset = False            # RESET pin held low
        self._irq: VirtualGpioLine | None = None
        self._regs = bytearray(256)
        self._link_up_at: float | None = None
        self._hook = False                # OH effective (the loop is, or is scheduled to be, closed)
        self._offhook_t = float("-inf")
        self._held_lvs = 0
        self._rdt_clear_t = float("-inf")
        self._feed = line.feed_at()
        self._feed_t = float("-inf")
        self._polarity = _sign(self._feed.volts)
        self._ring_t0 = float("-inf")
        self._ring_end: float | None = None
        self._power_on_reset(clock.now(), count=False)

    # --- wiring / faults --------------------------------------------------------------------------------
    def attach_reset(self, gpio: VirtualGpioLine) -> None:
        """Wire the active-low RESET pin: low holds the chip in reset, the rising edge releases it."""
        gpio.watch(self._on_reset_pin)
        if not gpio.read():
            self._on_reset_pin(False)

    def attach_interrupt(self, gpio: VirtualGpioLine) -> None:
        """Wire the active-low INT pin (driven when INTE is set and a masked-in source bit is set)."""
        self._irq = gpio
        self._update_irq()

    def inject_reset(self) -> None:
        """A spontaneous chip reset (brown-out): registers to reset values, link down, line released."""
        self._power_on_reset(self.clock.now())

    @property
    def line(self) -> TwoWireLine:
        return self._line

    @line.setter
    def line(self, line: TwoWireLine) -> None:
        """Re-plug the DAA onto another pair (test rig: an FXS port's line); the hook state moves along."""
        now = self.clock.now()
        if self._hook:
            self._line.set_loop(False, at=max(now, self._line.last_scheduled_loop_change()))
        self._line = line
        self._feed, self._feed_t = line.feed_at(now), now
        self._polarity = _sign(self._feed.volts) or self._polarity
        if self._hook:
            line.set_loop(True, at=max(now, line.last_scheduled_loop_change()))

    # --- observable state (board, tests, the exchange's echo model) -------------------------------------
    @property
    def offhook(self) -> bool:
        return self._line.loop_closed()

    @property
    def link_up(self) -> bool:
        return self._link_is_up(self.clock.now())

    @property
    def acim(self) -> int:
        """AC termination currently selected (reg 30 ACIM[3:0])."""
        return self._regs[r.AC_TERMINATION] & 0x0F

    @property
    def pcm_law(self) -> g711.Law | None:
        return r.pcm_law(self._regs[r.PCM_MODE])

    @property
    def tx_slot(self) -> int:
        return r.start_count(self._regs[r.TX_START_LO], self._regs[r.TX_START_HI]) // 8

    @property
    def rx_slot(self) -> int:
        return r.start_count(self._regs[r.RX_START_LO], self._regs[r.RX_START_HI]) // 8

    # --- RegisterTarget ---------------------------------------------------------------------------------
    def spi_read(self, reg: int) -> int | None:
        if self.spi_fault or self._in_reset:
            return None
        now = self.clock.now()
        self._sync(now)
        if reg == r.DAA_CONTROL1:
            return self._read_daa_control1(now)
        if reg == r.LINE_VOLTAGE:
            return self._read_lvs(now)
        if reg == r.LOOP_CURRENT:
            return self._loop_current_code(now, r.LCS2_MA_PER_LSB, 0xFF)
        if reg == r.LINE_STATUS:
            up = self._link_is_up(now)
            return (r.FDT if up else 0) | self._loop_current_code(now, r.LCS_MA_PER_LSB, 0x1F)
        if reg == r.CHIP_REVISION:
            lsid = self.line_side_id if self._link_is_up(now) else 0
            return (lsid << 4) | self.system_revision
        if reg == r.LINE_REVISION:
            return (self.line_side_revision & 0x0F) << 2 if self._link_is_up(now) else 0
        return self._regs[reg & 0xFF]

    def spi_write(self, reg: int, value: int) -> None:
        if self.spi_fault or self._in_reset:
            return
        now = self.clock.now()
        self._sync(now)
        reg, value = reg & 0xFF, value & 0xFF
        if reg in r.READ_ONLY:
            return
        if reg == r.CONTROL1 and value & r.SOFT_RESET:
            self._power_on_reset(now)
            return
        if reg == r.INT_SOURCE:
            self._regs[reg] &= value
        elif reg == r.DAA_CONTROL1:
            self._regs[reg] = value & r.DAA_CONTROL1_WRITABLE
            self._apply_hook(now)
        elif reg == r.POWER_DOWN1:
            self._regs[reg] = value
            self._apply_power(now)
        else:
            self._regs[reg] = value
        self._update_irq()

    # --- LineEnd (terminal) -----------------------------------------------------------------------------
    def line_in(self, block: npt.NDArray[np.int16]) -> None:
        """Audio from the exchange: into the PCM TX slot when off-hook or on-hook monitoring (ONHM)."""
        now = self.clock.now()
        self._sync(now)
        law = self.pcm_law
        if not r.pcm_enabled(self._regs[r.PCM_MODE]) or law is None or self._in_reset:
            return
        if not self._tx_slot_ok(self.tx_slot):
            return
        monitor = bool(self._regs[r.DAA_CONTROL1] & r.ONHM)
        listening = self._link_is_up(now) and (self._line.loop_closed(now) or monitor)
        if listening:
            gain = 10.0 ** (r.gain_db(self._regs[r.RX_GAIN2], self._regs[r.RX_GAIN3]) / 20.0)
            data = g711.encode(_scale(block, gain), law)
        else:
            data = bytes([g711.silence_byte(law)]) * len(block)
        self.highway.chip_transmit(self.tx_slot, data)

    def line_out(self, n: int) -> npt.NDArray[np.int16]:
        """Audio toward the exchange: the PCM RX slot, decoded, while the loop is closed."""
        law = self.pcm_law
        if not r.pcm_enabled(self._regs[r.PCM_MODE]) or law is None or self._in_reset:
            return np.zeros(n, np.int16)
        if not self._tx_slot_ok(self.rx_slot):
            return np.zeros(n, np.int16)
        data = self.highway.chip_receive(self.rx_slot, n, g711.silence_byte(law))
        now = self.clock.now()
        if not (self._link_is_up(now) and self._line.loop_closed(now)):
            return np.zeros(n, np.int16)
        gain = 10.0 ** (r.gain_db(self._regs[r.TX_GAIN2], self._regs[r.TX_GAIN3]) / 20.0)
        return _scale(g711.decode(data, law), gain)

    # --- registers computed from the line ---------------------------------------------------------------
    def _read_daa_control1(self, now: float) -> int:
        value = self._regs[r.DAA_CONTROL1]
        if not self._link_is_up(now):
            return value
        feed = self._feed
        threshold = r.ring_threshold_vrms(self._regs[r.INTL_CONTROL1])
        if feed.ringing and feed.ring_vrms >= threshold:
            ac = self._ring_ac(now, feed)
            peak = threshold * _SQRT2
            value |= r.RDTP if ac > peak else r.RDTN if ac < -peak else 0
        elif not feed.ringing and abs(feed.volts) > r.NEON_MWI_VOLTS:
            value |= r.RDTP if feed.volts > 0 else r.RDTN
        if self._rdt(now, feed, threshold):
            value |= r.RDT
        return value

    def _rdt(self, now: float, feed: Feed, threshold: float) -> bool:
        if feed.ringing and feed.ring_vrms >= threshold and now >= self._rdt_clear_t:
            return not self._hook
        end = self._ring_end
        return end is not None and end > self._rdt_clear_t and now - end < r.RDT_HOLD_S

    def _ring_ac(self, t: float, feed: Feed) -> float:
        return feed.ring_vrms * _SQRT2 * math.sin(2.0 * math.pi * feed.ring_hz * (t - self._ring_t0))

    def _read_lvs(self, now: float) -> int:
        if not self._link_is_up(now):
            return 0
        if self._hook and now < self._offhook_t + r.off_hook_counter_s(self._regs[r.DAA_CONTROL3]):
            return self._held_lvs
        return self._lvs_code(now)

    def _lvs_code(self, t: float) -> int:
        feed = self._line.feed_at(t)
        if feed.ringing and not self._line.loop_closed(t):
            volts = feed.volts + self._ring_ac(t, feed)
        else:
            volts = self._line.terminal_volts(t)
        return r.encode_lvs(volts * self.lvs_gain, bool(self._regs[r.DAA_CONTROL3] & r.LVFD))

    def _loop_current_code(self, now: float, ma_per_lsb: float, full: int) -> int:
        if not self._link_is_up(now):
            return 0
        if self._hook and now < self._offhook_t + r.off_hook_counter_s(self._regs[r.DAA_CONTROL3]):
            return 0
        return min(full, round(abs(self._line.loop_current_ma(now)) / ma_per_lsb))

    # --- hook, link, reset ------------------------------------------------------------------------------
    def _link_is_up(self, t: float) -> bool:
        return self._link_up_at is not None and t >= self._link_up_at and not self._in_reset

    def _apply_power(self, now: float) -> None:
        powered = not self._regs[r.POWER_DOWN1] & r.PDL
        if powered and self.line_side_present and self._link_up_at is None:
            self._link_up_at = now + self.link_delay_s
            self._regs[r.INT_SOURCE] |= r.FDTI  # frame lock will be reached; reported at once [unverified]
        elif not powered:
            self._link_up_at = None
        self._apply_hook(now)

    def _apply_hook(self, now: float) -> None:
        want = bool(self._regs[r.DAA_CONTROL1] & r.OH) and self._link_up_at is not None and not self._in_reset
        if want == self._hook:
            return
        self._hook = want
        last = self._line.last_scheduled_loop_change()
        if want:
            assert self._link_up_at is not None
            at = max(now, self._link_up_at, last)
            self._held_lvs = self._lvs_code(at)
            self._offhook_t = self._rdt_clear_t = at
            self._line.set_loop(True, at=at)
        else:
            regs = self._regs
            delay = r.on_hook_delay_s(regs[r.INTL_CONTROL1], regs[r.DAA_CONTROL3], regs[r.SPARK_QUENCH])
            self._line.set_loop(False, at=max(now + delay, last))

    def _on_reset_pin(self, level: bool) -> None:
        now = self.clock.now()
        if not level:
            self._power_on_reset(now)
            self._in_reset = True
            self._apply_hook(now)
        else:
            self._in_reset = False

    def _power_on_reset(self, now: float, *, count: bool = True) -> None:
        self._regs[:] = bytes(256)
        for reg, value in r.RESET_VALUES.items():
            self._regs[reg] = value
        self._link_up_at = None
        self._apply_hook(now)
        self._ring_end = None
        self._feed_t = now
        self._feed = self._line.feed_at(now)
        self._polarity = _sign(self._feed.volts) or self._polarity
        if count:
            self.resets += 1
        self._update_irq()

    # --- lazy event scan over the line's feed log -------------------------------------------------------
    def _sync(self, now: float) -> None:
        """Process feed changes up to `now`: ring start/end, polarity reversal, drop-out."""
        changed = False
        for t, feed in self._line.feed_log(self._feed_t):
            if t > now:
                break
            if t < self._feed_t or (t == self._feed_t and feed == self._feed):
                continue
            self._on_feed_change(t, self._feed, feed)
            self._feed, self._feed_t = feed, t
            changed = True
        if changed:
            self._update_irq()

    def _on_feed_change(self, t: float, old: Feed, new: Feed) -> None:
        threshold = r.ring_threshold_vrms(self._regs[r.INTL_CONTROL1])
        was_ringing = old.ringing and old.ring_vrms >= threshold
        ringing = new.ringing and new.ring_vrms >= threshold
        up = self._link_is_up(t)
        if ringing and not was_ringing:
            self._ring_t0 = t
            if up and not self._hook:
                self._regs[r.INT_SOURCE] |= r.RDTI
        elif was_ringing and not ringing:
            self._ring_end = t
        sign = _sign(new.volts)
        if sign and self._polarity and sign != self._polarity and up:
            self._regs[r.INT_SOURCE] |= r.POLI
        if sign:
            self._polarity = sign
        if up and self._hook and old.battery and not new.battery:
            self._regs[r.INT_SOURCE] |= r.DODI

    def _update_irq(self) -> None:
        if self._irq is None:
            return
        regs = self._regs
        active = bool(regs[r.CONTROL2] & r.INTE) and bool(regs[r.INT_MASK] & regs[r.INT_SOURCE])
        self._irq.drive(not active)

    def _tx_slot_ok(self, slot: int) -> bool:
        return 0 <= slot < self.highway.slots


def _sign(volts: float) -> int:
    return 0 if abs(volts) <= 0.5 else (1 if volts > 0 else -1)


def _scale(block: npt.NDArray[np.int16], gain: float) -> npt.NDArray[np.int16]:
    if gain == 1.0:
        return np.asarray(block, dtype=np.int16)
    return np.clip(np.round(block.astype(np.float64) * gain), -32768, 32767).astype(np.int16)

