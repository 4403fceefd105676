"""FXO port driver: Si3050 + Si3019 DAA on SPI, tick-driven, sans-IO in spirit (fact sheet 0, 2, 3)."""

# The runtime calls tick() at `next_deadline` (every 20 ms idle, 5 ms while anything is being
# debounced, dialled or supervised), process_audio() for every 10-20 ms audio block, and
# pending_output() before writing audio toward the line. Nothing here sleeps except start(), which
# waits through the init sequence with sleep_on (instant on a fake clock). Chip faults never raise
# out of tick()/start()/process_audio(): they become PortAlarm events and recovery runs in tick().
# While a line calibration runs it owns the line: line events are not reported, only alarms and
# the final LineCalibrated.

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt

from firmware.contracts.bus import GpioLine, SpiDevice
from firmware.contracts.clock import Clock
from firmware.contracts.errors import BusError, ChipTimeoutError, DriverError
from firmware.contracts.ports import (
    AlarmCode,
    CalibrateLine,
    DialDigits,
    DigitReceived,
    PortAlarm,
    PortCommand,
    PortEvent,
    Release,
    Seize,
    SendHookFlash,
)
from firmware.drivers.fxo import registers as r
from firmware.drivers.fxo.audio import DspKit, FxoAudio
from firmware.drivers.fxo.daa import DaaInit, identify
from firmware.drivers.fxo.dialer import Dialer, DialState, check_digits
from firmware.drivers.fxo.portcal import CalibrationGlue
from firmware.drivers.fxo.recovery import ChipAlarm, alarm_code
from firmware.drivers.fxo.settings import FxoSettings
from firmware.drivers.fxo.signals import LineSignals
from firmware.drivers.fxo.spi import DaaBus, DaaShadow
from firmware.dsp.g711 import Law

log = logging.getLogger(__name__)
Samples = npt.NDArray[np.int16]
BAD_READS_LIMIT = 3


class FxoPort:
    def __init__(self, settings: FxoSettings, spi: SpiDevice, clock: Clock, *, reset: GpioLine | None = None,
                 chip_address: int = 0, dsp: DspKit | None = None) -> None:
        self.s = settings
        self.port = settings.port
        self.clock = clock
        self.shadow = DaaShadow(DaaBus(spi, port=settings.port, position=chip_address))
        self.reset_line = reset
        self.sig = LineSignals(settings)
        self.dialer = Dialer(settings)
        self.audio = FxoAudio(settings, dsp)
        self.alarms = ChipAlarm(settings.port, max_s=settings.recovery_max_s)
        self.cal = CalibrationGlue(self)
        self._init: DaaInit | None = None
        self.ready = False
        self.ever_up = False
        self.off_hook = False
        self.line_volts = 0.0
        self.loop_current_ma = 0.0
        self.info: dict[str, object] = {}
        self.dial_tone_heard = False
        self._hook_written: bool | None = None
        self._last_scan = 0.0
        self._next_sanity = 0.0
        self._bad_reads = 0
        self._dialled_since_seize = False
        self._init_due = 0.0
        self._seized_at = 0.0

    # --- public state ---------------------------------------------------------------------------
    @property
    def law(self) -> Law:
        return self.s.law

    @property
    def battery(self) -> bool:
        return self.sig.line.battery

    @property
    def polarity(self) -> int:
        return self.sig.line.polarity

    @property
    def alarm(self) -> PortAlarm | None:
        if self.alarms.alarm is not None:
            return self.alarms.alarm
        return self.sig.line.alarm

    @property
    def in_alarm(self) -> bool:
        return self.alarm is not None

    @property
    def replaceable(self) -> bool:
        """True when nothing is happening on the line: on-hook, not ringing, not dialling, not calibrating,
        so the port loop may swap in a driver built from new settings (it initialises from its first tick)."""
        return not (self.off_hook or self.sig.busy or self.dialer.busy or self.cal.active)

    @property
    def next_deadline(self) -> float:
        if not self.ready:
            if self._init is not None:
                return self._init_due
            return self.alarms.next_attempt if self.alarms.next_attempt is not None else self._last_scan + 1.0
        active = self.sig.busy or self.dialer.busy or self.cal.active
        interval = (self.s.scan_active_ms if active else self.s.scan_idle_ms) / 1000.0
        times = [self._last_scan + interval, self._next_sanity, self.sig.next_deadline(),
                 self.dialer.next_deadline, self.cal.next_deadline]
        return min(t for t in times if t is not None)

    # --- life cycle -----------------------------------------------------------------------------
    def start(self) -> list[PortEvent]:
        try:
            init = DaaInit(self.shadow, self.s, reset=self.reset_line)
            init.run(self.clock)
        except (DriverError, BusError) as exc:
            self._last_scan = self.clock.now()
            return self._chip_fault(exc, self.clock.now())
        return self._came_up(init, self.clock.now())

    def stop(self) -> None:
        """Back on-hook (best effort: a dead chip cannot be told)."""
        try:
            if self.cal.active:
                self.cal.abort("port stopped", self.clock.now())
            if self.off_hook:
                self.go_on_hook(self.clock.now())
        except (DriverError, BusError) as exc:
            log.warning("port %d: stop: %s", self.port, exc)
        self.audio.close()

    def _came_up(self, init: DaaInit, now: float) -> list[PortEvent]:
        self.ready = self.ever_up = True
        self._init = None
        self.info = {"system_revision": init.system_revision, "line_side": init.line_side_part,
                     "line_side_revision": init.line_side_revision}
        self._hook_written = False
        self.off_hook = False
        self.sig.reset()
        self._last_scan = now
        self._next_sanity = now + self.s.sanity_interval_ms / 1000.0
        log.info("port %d: Si3050 rev %d + %s rev %d up (%s)", self.port, init.system_revision,
                 init.line_side_part, init.line_side_revision, self.s.country)
        return self.alarms.cleared(now)

    # --- tick -----------------------------------------------------------------------------------
    def tick(self, now: float) -> list[PortEvent]:
        try:
            if not self.ready:
                return self._recover(now)
            return self._tick(now)
        except (DriverError, BusError) as exc:
            return self._chip_fault(exc, now)
        except Exception as exc:  # never raise out of tick(): a bug becomes an alarm, not a dead daemon
            log.exception("port %d: internal error in tick", self.port)
            return self._chip_fault(exc, now)

    def _tick(self, now: float) -> list[PortEvent]:
        events: list[PortEvent] = []
        if now >= self._next_sanity:
            self._sanity(now)
        self.sig.cid.enabled = self.s.cid_enabled or self.cal.active
        events += self._scan(now)
        self.dialer.tick(now)
        self._dialer_progress(now)
        events += self.sig.timers(now)
        events += self.cal.after_tick(events, now)
        return self.cal.filter(events)

    def _scan(self, now: float) -> list[PortEvent]:
        self._last_scan = now
        reg5 = self.shadow.read(r.DAA_CONTROL1)
        if reg5 & r.DAA_CONTROL1_RESERVED:
            self._bad_reads += 1
            if self._bad_reads >= BAD_READS_LIMIT:
                raise BusError(f"port {self.port}: {r.describe(r.DAA_CONTROL1)} read 0x{reg5:02X} "
                               f"{self._bad_reads} times (reserved bits set): chip not answering")
            return []
        self._bad_reads = 0
        self._check_hook_bits(reg5, now)
        self.line_volts = float(r.lvs_volts(self.shadow.read(r.LINE_VOLTAGE)))
        self.loop_current_ma = r.loop_current_ma(self.shadow.read(r.LOOP_CURRENT)) if self.off_hook else 0.0
        return self.sig.sample(reg5, self.line_volts, self.loop_current_ma, now)

    def _check_hook_bits(self, reg5: int, now: float) -> None:
        """Reg 5 lost our OH/ONHM bits: a chip reset (caught by the sanity check, which raises) or a
        glitch, after which reg 5 is rewritten as DAHDI does on every poll."""
        wanted = r.ONHM | (r.OH if self._hook_written else 0)
        if reg5 & (r.OH | r.ONHM) == wanted:
            return
        self._sanity(now)
        log.warning("port %d: reg 5 read 0x%02X, rewriting 0x%02X", self.port, reg5, wanted)
        self.shadow.write(r.DAA_CONTROL1, wanted, force=True)

    def _sanity(self, now: float) -> None:
        self._next_sanity = now + self.s.sanity_interval_ms / 1000.0
        identify(self.shadow)
        pcm = self.shadow.cached(r.PCM_MODE)
        got = self.shadow.read(r.PCM_MODE)
        if pcm is not None and got != pcm:
            raise ChipResetDetected(f"port {self.port}: {r.describe(r.PCM_MODE)} read 0x{got:02X}, we wrote "
                                    f"0x{pcm:02X}: the chip was reset (brown-out?)")
        link = self.shadow.read(r.SYS_LINE_REV)
        if not link & r.LINK_UP_MASK:
            raise ChipTimeoutError(f"port {self.port}: isolation link lost (register 11 read 0x{link:02X})")

    # --- faults and recovery ----------------------------------------------------------------------
    def _chip_fault(self, exc: BaseException, now: float) -> list[PortEvent]:
        code = alarm_code(exc, ever_up=self.ever_up)
        if isinstance(exc, ChipResetDetected):
            code = AlarmCode.CHIP_RESET
        reason = str(exc) or type(exc).__name__
        events: list[PortEvent] = []
        if self.cal.active:
            events += self.cal.abort(f"chip fault: {reason}", now)
        self.ready = False
        self.off_hook = False
        self.dialer.cancel()
        self.sig.reset()
        self.audio.end_call()
        self.audio.close_cid()
        if self._init is not None:
            self._init = None
            return events + self.alarms.attempt_failed(code, reason, now)
        return events + self.alarms.fault(code, reason, now)

    def _recover(self, now: float) -> list[PortEvent]:
        if self._init is None:
            if not self.alarms.due(now):
                return []
            self.alarms.attempt_started(now)
            self.shadow.forget()
            self._init = DaaInit(self.shadow, self.s, reset=self.reset_line)
        self._init_due = now
        due = self._init.step(now)
        while due is not None and due <= now:
            due = self._init.step(now)
        if due is not None:
            self._init_due = due
            return []
        return self._came_up(self._init, now)

    # --- commands -------------------------------------------------------------------------------------
    def handle(self, cmd: PortCommand, now: float) -> list[PortEvent]:
        if cmd.port != self.port:
            raise ValueError(f"FXO port {self.port} got a command for port {cmd.port}")
        if isinstance(cmd, DialDigits):
            check_digits(cmd.digits, pulse=cmd.pulse)
        elif not isinstance(cmd, (Seize, Release, SendHookFlash, CalibrateLine)):
            raise ValueError(f"FXO port {self.port} does not handle {type(cmd).__name__}")
        try:
            return self._handle(cmd, now)
        except (DriverError, BusError) as exc:
            return self._chip_fault(exc, now)

    def _handle(self, cmd: PortCommand, now: float) -> list[PortEvent]:
        if isinstance(cmd, CalibrateLine):
            return self.cal.begin(cmd, now)
        if not self.ready:
            log.warning("port %d: %s ignored: chip in alarm", self.port, type(cmd).__name__)
            return []
        if isinstance(cmd, Release):
            events = self.cal.abort("released by the call engine", now) if self.cal.active else []
            if self.off_hook:
                self.go_on_hook(now)
            return events
        if isinstance(cmd, Seize):
            if not self.off_hook:
                self.go_off_hook(now)
        elif isinstance(cmd, DialDigits):
            self.dial(cmd.digits, pulse=cmd.pulse, now=now)
        elif isinstance(cmd, SendHookFlash):
            if not self.off_hook:
                raise ValueError(f"FXO port {self.port}: hook flash while on-hook")
            self.dialer.flash(cmd.ms or self.s.flash_ms, now)
            self._apply_hook(now)
        return []

    def dial(self, digits: str, *, pulse: bool, now: float, wait_for_dial_tone: bool | None = None) -> None:
        """Queue digits (seizing the line first if on-hook); the first digits after seizing wait for
        dial tone when the settings (or the caller) ask for it, else for the pre-dial pause."""
        if not self.off_hook:
            self.go_off_hook(now)
        self.sig.sup.mark_outgoing()
        wait = self.s.wait_for_dial_tone if wait_for_dial_tone is None else wait_for_dial_tone
        if wait and not self._dialled_since_seize:
            self.dialer.wait_for_dial_tone(now)
        elif not self._dialled_since_seize:
            self.dialer.pause(round(self._seized_at * 1000 + self.s.predial_ms - now * 1000), now)
        self._dialled_since_seize = True
        self.dialer.dial(digits, pulse=pulse, now=now)
        self._apply_hook(now)
        self._dialer_progress(now)

    def go_off_hook(self, now: float) -> None:
        self.off_hook = True
        self.sig.seized(now)
        self.audio.close_cid()
        self.audio.new_call()
        self.dial_tone_heard = False
        self._dialled_since_seize = False
        self._seized_at = now
        self._apply_hook(now)

    def go_on_hook(self, now: float) -> None:
        self.dialer.cancel()
        self.off_hook = False
        self._apply_hook(now)
        self.sig.released()
        self.audio.end_call()

    def _apply_hook(self, now: float) -> None:
        closed = self.off_hook and self.dialer.hook_closed
        if closed == self._hook_written:
            return
        self.shadow.write(r.DAA_CONTROL1, r.ONHM | (r.OH if closed else 0), force=True)
        self._hook_written = closed
        if not self.off_hook:
            return
        if closed:
            self.sig.sup.hook_closed(now)
        else:
            self.sig.sup.hook_open()

    def _dialer_progress(self, now: float) -> None:
        """Hand DTMF digits to the sender, notice when it ran dry, follow the dialler's hook level."""
        for _ in range(8):  # bounded: each pass finishes one DTMF job at most
            self._apply_hook(now)
            if self.dialer.state is not DialState.DTMF:
                return
            digits = self.dialer.take_dtmf()
            if digits:
                self.audio.queue_dtmf(digits)
                return
            if self.audio.dtmf_busy:
                return
            self.dialer.dtmf_done(now)

    # --- audio ------------------------------------------------------------------------------------------
    def process_audio(self, from_line: Samples, to_line: Samples,
                      now: float) -> tuple[Samples, list[PortEvent]]:
        try:
            if not self.ready:
                return from_line, []
            if self.off_hook:
                return self._off_hook_audio(from_line, to_line, now)
            return from_line, self.cal.filter(self._on_hook_audio(from_line, now))
        except (DriverError, BusError) as exc:
            return from_line, self._chip_fault(exc, now)
        except Exception as exc:
            log.exception("port %d: internal error in process_audio", self.port)
            return from_line, self._chip_fault(exc, now)

    def _off_hook_audio(self, from_line: Samples, to_line: Samples,
                        now: float) -> tuple[Samples, list[PortEvent]]:
        rx = self.audio.cancel_echo(from_line, to_line)
        if self.dialer.waiting_for_dial_tone and self.audio.dial_tone(from_line):
            self.dial_tone_heard = True
            self.dialer.dial_tone(now)
            self._dialer_progress(now)
        events = self.sig.sup.tones(self.audio.watch_tones(from_line), now)
        if not (self.dialer.busy or self.audio.dtmf_busy or self.cal.active):   # the far party's keys
            events += [DigitReceived(self.port, now, d) for d in self.audio.receive_dtmf(rx)]
        self.sig.sup.audio(self.audio.active(from_line) or self.audio.active(to_line), now)
        events += self.cal.audio(from_line, now)
        return rx, self.cal.filter(events)

    def _on_hook_audio(self, from_line: Samples, now: float) -> list[PortEvent]:
        if not self.sig.cid.is_open:
            self.sig.energy(self.audio.energy(from_line), now)
        if not self.sig.cid.is_open:
            if self.audio.cid_open:
                self.audio.close_cid()
            return []
        self.audio.open_cid(self.cal.cid_standards(self.sig.cid.standards))
        events: list[PortEvent] = []
        for standard, caller_id in self.audio.decode_cid(from_line):
            self.cal.caller_id(standard, caller_id, now)
            events += self.sig.caller_id(caller_id, standard, now)
        if not self.sig.cid.is_open:
            self.audio.close_cid()
        return events

    def pending_output(self, n: int, now: float) -> Samples | None:
        probe = self.cal.probe(n)
        if probe is not None:
            return probe
        return self.audio.dtmf(n) if self.off_hook else None


class ChipResetDetected(DriverError, RuntimeError):
    """A register we wrote reads back at its reset value: the chip restarted on its own."""

