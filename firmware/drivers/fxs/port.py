"""One ProSLIC FXS port: start-up, tick-driven supervision, commands and audio (fact sheet 1.5-1.10).

Sans-IO in time: the caller passes `now` and calls `tick` when `next_deadline` is due. Only
`start` waits (with `sleep_on`); recovery after a fault runs the same init procedures one step
per tick. A chip fault never raises out of `start`, `tick`, `handle` or `process_audio`: the
port goes into alarm, retries with back-off, and every other port keeps working.

With an interrupt line (INT pin, fact sheet 1.1 DR19/DR22; active low, maybe shared by several
modules) an idle on-hook port checks the line every `scan_int_ms` and reads DR19/DR68 only when
it is asserted, plus DR68 every `safety_scan_ms`; a failing line falls back to DR68 polling.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from firmware.contracts.bus import GpioLine, SpiDevice
from firmware.contracts.clock import Clock, sleep_on
from firmware.contracts.errors import BusError, DriverError
from firmware.contracts.ports import (
    CallerIdAck,
    DigitMethod,
    DigitReceived,
    ForwardDisconnect,
    LineState,
    OffHook,
    OnHook,
    PortAlarm,
    PortCommand,
    PortEvent,
    SendCallWaiting,
    SetMessageWaiting,
    SetPolarity,
    StartRinging,
    StopRinging,
)
from firmware.drivers.fxs import dtmf
from firmware.drivers.fxs import linefeed as lf
from firmware.drivers.fxs import registers as r
from firmware.drivers.fxs.alarm import PowerAlarmCounter, SpiBackoff
from firmware.drivers.fxs.hook import HookQualifier, HookState
from firmware.drivers.fxs.irq import InterruptLine, interrupt_line
from firmware.drivers.fxs.proslic import ChipId, InitResult, Proc, bring_up, run_blocking
from firmware.drivers.fxs.settings import FxsSettings
from firmware.drivers.fxs.shadow import RegisterShadow
from firmware.drivers.fxs.signalling import LineSignals
from firmware.drivers.fxs.sources import Sources
from firmware.drivers.fxs.spi import ProslicBus
from firmware.drivers.fxs.supervisor import Supervisor, fault_alarm
from firmware.dsp.g711 import Law

log = logging.getLogger(__name__)
RESET_LOW_S, RESET_SETTLE_S = 0.100, 0.020


class FxsPort:
    def __init__(self, settings: FxsSettings, spi: SpiDevice, clock: Clock, *, reset: GpioLine | None = None,
                 daisy_channel: int | None = None, sources: Sources | None = None,
                 interrupt: GpioLine | None = None) -> None:
        self.settings = settings
        self.port = settings.port
        self._clock = clock
        self._reset = reset
        self._int: InterruptLine | None = None if interrupt is None else interrupt_line(interrupt)
        self._chip_config = replace(settings.chip_config, interrupts=interrupt is not None)
        self.regs = RegisterShadow(ProslicBus(spi, clock, port=self.port, daisy_channel=daisy_channel))
        self.hook_q = HookQualifier(self.port, settings.hook_windows)
        self.signals = LineSignals(settings, sources)
        self.sup = Supervisor(self.port, PowerAlarmCounter(
            self.port, max_alarms=settings.max_power_alarms, decay_s=settings.power_alarm_decay_s),
            SpiBackoff(first_s=settings.recovery_first_s, cap_s=settings.recovery_max_s))
        self.hw_dtmf = dtmf.HardwareDtmf()
        self.sw_dtmf = dtmf.SoftwareDtmf()
        self.digit_method = DigitMethod.DTMF_SW
        self.part = ""
        self.revision = 0
        self.warnings: list[str] = []
        self.calibration: tuple[int, ...] | None = None
        self._proc: Proc[tuple[ChipId, InitResult]] | None = None
        self._proc_due: float | None = None
        self._written: LineState | None = None
        self._written_at = 0.0
        self._next_scan = self._next_sanity = clock.now()
        self._wake: float | None = None
        self._deadline = float("inf")
        self._pending_dr68: int | None = None
        self._scan_idle = (settings.scan_idle_ms if interrupt is None else settings.scan_int_ms) / 1000
        self._scan_active = settings.scan_active_ms / 1000
        self._safety = settings.safety_scan_ms / 1000
        self._next_safety = clock.now()
        self._started = False
        self._stopped = False

    # --- public state ----------------------------------------------------------------------
    @property
    def alarm(self) -> PortAlarm | None:
        return self.sup.alarm

    @property
    def in_alarm(self) -> bool:
        return self.sup.alarm is not None

    @property
    def line_state(self) -> LineState:
        return LineState.OPEN if self._stopped else self.signals.wanted()

    @property
    def hook(self) -> bool:
        return self.hook_q.off_hook

    @property
    def interrupt_driven(self) -> bool:
        """True while idle scanning follows the interrupt line (False: no line, or it failed)."""
        return self._int is not None

    @property
    def law(self) -> Law:
        return self.settings.law

    @property
    def next_deadline(self) -> float:
        """When `tick` must next be called (refreshed by every public call that changes state)."""
        return self._deadline

    def _refresh_deadline(self) -> None:
        self._deadline = self._compute_deadline()

    def _compute_deadline(self) -> float:
        if self._stopped or not self._started:
            return float("inf")
        if self._proc is not None:
            return self._proc_due if self._proc_due is not None else self._clock.now()
        if self.sup.chip_down:
            return self.sup.backoff.next_attempt or float("inf")
        times = [self._next_scan, self._next_sanity, self.signals.deadline, self.hook_q.deadline,
                 self.sup.power.deadline, self._wake]
        return min(t for t in times if t is not None)

    # --- life cycle ------------------------------------------------------------------------
    def start(self) -> list[PortEvent]:
        """Reset, identify, init and calibrate; chip faults become a PortAlarm, never an exception."""
        self._started, self._stopped = True, False
        events = self._start()
        self._refresh_deadline()
        return events

    def _start(self) -> list[PortEvent]:
        try:
            fresh = self._pulse_reset()
            proc = bring_up(self.regs, self._chip_config, self._clock.now(), fresh=fresh,
                            expected=self.settings.expected_part, calibration=None)
            chip, result = run_blocking(proc, self._clock)
        except (BusError, DriverError) as exc:
            return self._fault(self._clock.now(), exc)
        return self._init_done(self._clock.now(), chip, result)

    def _pulse_reset(self) -> bool:
        if self._reset is None:
            return False
        self._reset.write(False)
        sleep_on(self._clock, RESET_LOW_S)
        self._reset.write(True)
        sleep_on(self._clock, RESET_SETTLE_S)
        return True

    def stop(self) -> None:
        """Line to Open; the SPI device and GPIO lines belong to the caller."""
        self._stopped = True
        self._proc = None
        self._deadline = float("inf")
        try:
            self.regs.write(r.LINE_STATE, lf.code(LineState.OPEN), force=True)
        except (BusError, DriverError) as exc:
            log.warning("port %d: could not open the line on stop: %s", self.port, exc)

    # --- tick ------------------------------------------------------------------------------
    def tick(self, now: float) -> list[PortEvent]:
        if self._stopped or not self._started:
            return []
        if self._quiet_scan(now):
            return []
        self._wake = None
        events = self._tick(now)
        self._refresh_deadline()
        return events

    def _tick(self, now: float) -> list[PortEvent]:
        try:
            if self._proc is not None:
                return self._step_recovery(now)
            if self.sup.chip_down:
                return self._begin_recovery(now) if self.sup.backoff.due(now) else []
            return self._run(now)
        except (BusError, DriverError) as exc:
            return self._fault(now, exc)

    def _quiet_scan(self, now: float) -> bool:
        """Fast path for an idle on-hook port whose loop is still open (most ticks on a PBX):
        one DR68 read (or only an interrupt-line read) and nothing else. False whenever anything
        else may need doing."""
        if (self._proc is not None or self.sup.chip_down or now >= self._next_sanity or now < self._next_scan
                or self._wake is not None or self.hook_q.state is not HookState.ON_HOOK
                or self.sup.power.deadline is not None or not self.signals.idle
                or self._written is not self.signals.wanted()):
            return False
        try:
            dr68 = self._loop_status(now, idle=not self.signals.hook_ignored(now))
        except BusError:
            return False              # the full tick reads again and reports the fault
        if dr68:
            self._pending_dr68 = dr68  # loop closed, ring trip or garbage: the full tick handles it
            return False
        self._next_scan = now + self._scan_idle
        self._deadline = min(self._next_scan, self._next_sanity)
        return True

    def _loop_status(self, now: float, *, idle: bool) -> int | None:
        """DR68, or None when the port is `idle` (on-hook, nothing running, samples not ignored) and
        the interrupt line says this chip's loop has not changed since the last read. With a line,
        this chip's pending hook interrupts are cleared first so it never holds a shared line low."""
        if self._int is not None:
            pending = self._hook_interrupt(now)
            if idle and not pending and now < self._next_safety:
                return None
            self._next_safety = now + self._safety
        return self.regs.bus.read(r.LOOP_STAT)

    def _hook_interrupt(self, now: float) -> bool:
        """Service the INT line: True when this chip had a loop-closure or ring-trip interrupt
        pending (now cleared: write 1 to clear), or when the line just failed (read DR68 then)."""
        if not self._line_asserted(now):
            return False
        if self._int is None:
            return True
        bits = self.regs.bus.read(r.IRQ_STATUS2) & r.IRQ_HOOK_BITS
        if bits:
            self.regs.bus.write(r.IRQ_STATUS2, bits)
        return bool(bits)

    def _line_asserted(self, now: float) -> bool:
        line = self._int
        if line is None:
            return False
        try:
            return line.asserted(now)
        except BusError as exc:
            log.warning("port %d: interrupt line failed (%s); polling DR68 every %d ms instead",
                        self.port, exc, self.settings.scan_idle_ms)
            self._int = None
            self._scan_idle = self.settings.scan_idle_ms / 1000
            return True

    def _run(self, now: float) -> list[PortEvent]:
        sig, hook = self.signals, self.hook_q
        if not sig.idle:
            sig.poll(now, hook.off_hook)
        events: list[PortEvent] = []
        if now >= self._next_scan:
            events += self._scan(now)
            fast = hook.state is not HookState.ON_HOOK or not sig.idle
            self._next_scan = now + (self._scan_active if fast else self._scan_idle)
        elif hook.deadline is not None:
            events += self._hook_events(now, hook.expire(now))
        self._apply_linefeed(now)
        if now >= self._next_sanity:
            self._next_sanity = now + self.settings.sanity_ms / 1000
            events += self._sanity(now)
        for action in self.sup.power.poll(now):
            events += self._power_action(now, action)
        return events

    def _scan(self, now: float) -> list[PortEvent]:
        dr68, self._pending_dr68 = self._pending_dr68, None
        if dr68 is None:
            idle = self.hook_q.state is HookState.ON_HOOK and self.signals.idle and not self.signals.hook_ignored(now)
            dr68 = self._loop_status(now, idle=idle)
            if dr68 is None:
                return []
        self.sup.check_loop_status(dr68)
        raw = bool(dr68 & 0x01) or (self._written is LineState.RINGING and bool(dr68 & 0x02))
        if self.signals.hook_ignored(now):
            return []
        events = self._hook_events(now, self.hook_q.feed(now, raw))
        if self.hook_q.off_hook and self.digit_method is DigitMethod.DTMF_HW:
            digit = self.hw_dtmf.feed(self.regs.read(r.DTMF_DIGIT))
            if digit is not None:
                events.append(DigitReceived(self.port, now, digit=digit, method=DigitMethod.DTMF_HW))
        return events

    def _hook_events(self, now: float, events: list[PortEvent]) -> list[PortEvent]:
        for event in events:
            if isinstance(event, OffHook):
                self.signals.off_hook(event.at)
            elif isinstance(event, OnHook):
                self.hw_dtmf.reset()
                self.sw_dtmf.reset()
                self.signals.on_hook(event.at)
        return events

    def _apply_linefeed(self, now: float, *, force: bool = False) -> None:
        if self.sup.chip_down or (self.sup.power_blocked and not force):
            return
        want = self.line_state
        if force or want != self._written:
            # A power-alarm rewrite never re-applies ringing (DAHDI): the rest of this burst is
            # skipped with the line Active; the cadence rings again at its next burst.
            code = lf.code(lf.active(self.signals.reversed) if force and want is LineState.RINGING else want)
            self.regs.write(r.LINE_STATE, code, force=True)
            self._written, self._written_at = want, now

    # --- sanity, power alarms, chip reset -------------------------------------------------------
    def _sanity(self, now: float) -> list[PortEvent]:
        dr64 = self.regs.read(r.LINE_STATE)
        dr19 = self.regs.read(r.IRQ_STATUS2)
        self.sup.check_line_state(dr64)
        power_bits = dr19 & 0xFC
        if power_bits:
            self.regs.write(r.IRQ_STATUS2, power_bits, force=True)   # write 1 to clear
        settled = now - self._written_at >= 0.1
        dropped = (settled and self._written not in (None, LineState.OPEN)
                   and lf.actual(dr64) is LineState.OPEN)
        if dropped:
            dr8 = self.regs.read(r.AUDIO_LOOPBACK)
            if dr8 != 0:
                return self._chip_was_reset(now, dr8)
        if dropped or power_bits:
            return self._power_action(now, self.sup.power.alarm(now), dr19=dr19 if power_bits else None)
        if settled:
            return self._power_action(now, self.sup.power.held(now))
        return []

    def _power_action(self, now: float, action: object, dr19: int | None = None) -> list[PortEvent]:
        events, rewrite = self.sup.on_power_action(now, action, written=self._written, dr19=dr19)
        if rewrite:
            self._apply_linefeed(now, force=True)
        return events

    def _chip_was_reset(self, now: float, dr8: int) -> list[PortEvent]:
        events: list[PortEvent] = [self.sup.raise_reset(now, dr8)]
        self._written = None
        return events + self._begin_recovery(now)

    # --- recovery -------------------------------------------------------------------------------
    def _begin_recovery(self, now: float) -> list[PortEvent]:
        """Re-identify, then fast re-init with the saved calibration, or a full init without one."""
        self._proc = bring_up(self.regs, self._chip_config, now, fresh=False,
                              expected=self.settings.expected_part, calibration=self.calibration)
        return self._drive(now, first=True)

    def _step_recovery(self, now: float) -> list[PortEvent]:
        if self._proc_due is not None and now < self._proc_due:
            return []
        return self._drive(now, first=False)

    def _drive(self, now: float, *, first: bool) -> list[PortEvent]:
        proc = self._proc
        if proc is None:
            return []
        try:
            delay = next(proc) if first else proc.send(now)
        except StopIteration as done:
            self._proc = self._proc_due = None
            chip, result = done.value
            return self._init_done(now, chip, result)
        self._proc_due = now + delay
        return []

    def _init_done(self, now: float, chip: ChipId, result: InitResult) -> list[PortEvent]:
        self.part, self.revision = chip.part, chip.revision
        if result.calibration:
            self.calibration = result.calibration
        for warning in result.warnings:
            log.warning("%s", warning)
        self.warnings += result.warnings
        self.digit_method, note = dtmf.choose_method(self.settings.dtmf, chip.part)
        if note:
            log.warning("port %d: %s", self.port, note)
        self._written = None
        self.sup.backoff.succeeded()
        self._next_scan, self._next_sanity = now, now + self.settings.sanity_ms / 1000
        self._next_safety = now   # the first scan reads DR68 whatever the interrupt line says
        events = self.sup.chip_up(now)
        self._apply_linefeed(now, force=True)
        return events

    def _fault(self, now: float, exc: BaseException) -> list[PortEvent]:
        self._proc = None
        self._written = None
        log.warning("%s", exc)
        return self.sup.chip_fault(now, fault_alarm(self.port, now, exc))

    # --- commands and audio ----------------------------------------------------------------------
    def handle(self, cmd: PortCommand, now: float) -> list[PortEvent]:
        events = self._handle(cmd, now)
        self._refresh_deadline()
        return events

    def _handle(self, cmd: PortCommand, now: float) -> list[PortEvent]:
        if cmd.port != self.port:
            raise ValueError(f"port {self.port}: command for port {cmd.port}")
        sig = self.signals
        if isinstance(cmd, StartRinging):
            if self.hook_q.off_hook:
                log.info("port %d: not ringing an off-hook set", self.port)
                return []
            sig.start_ringing(now, cmd.cadence, cmd.caller_id)
        elif isinstance(cmd, StopRinging):
            sig.stop_ringing(now)
        elif isinstance(cmd, SetPolarity):
            sig.set_polarity(cmd.reversed)
        elif isinstance(cmd, ForwardDisconnect):
            sig.forward_disconnect(now, cmd.ms)
        elif isinstance(cmd, SendCallWaiting):
            sig.call_waiting(now, cmd.caller_id, self.hook_q.off_hook)
        elif isinstance(cmd, SetMessageWaiting):
            sig.message_waiting(now, cmd.on, self.hook_q.off_hook)
        else:
            raise ValueError(f"port {self.port}: an FXS port cannot handle {type(cmd).__name__}")
        self._next_scan = min(self._next_scan, now + self.settings.scan_active_ms / 1000)
        try:
            self._apply_linefeed(now)
        except (BusError, DriverError) as exc:
            return self._fault(now, exc)
        return []

    @property
    def listening(self) -> bool:
        """True while the driver needs the handset's audio (software DTMF off-hook, CW ack wait)."""
        return (self.signals.ack_wait or (self.digit_method is DigitMethod.DTMF_SW and self.hook_q.off_hook)) \
            and not self.sup.chip_down

    def process_audio(self, from_line: np.ndarray, now: float) -> list[PortEvent]:
        """Handset audio (8 kHz linear): software DTMF and the call-waiting acknowledgement."""
        ack_wait = self.signals.ack_wait
        software = self.digit_method is DigitMethod.DTMF_SW and self.hook_q.off_hook
        if not (ack_wait or software) or self.sup.chip_down:
            return []
        events: list[PortEvent] = []
        for digit in self.sw_dtmf.feed(from_line):
            if ack_wait and digit in "AD" and self.signals.ack(now):
                events.append(CallerIdAck(self.port, now, digit=digit))
                ack_wait = False
                self._wake = now
                self._deadline = min(self._deadline, now)
            elif software and not self.signals.seq.active:
                events.append(DigitReceived(self.port, now, digit=digit, method=DigitMethod.DTMF_SW))
        return events

    def pending_output(self, n: int, now: float) -> np.ndarray | None:
        """Driver audio toward the handset (caller ID, alerts) replacing normal audio; None if none."""
        if not self.signals.seq.active:
            return None
        before = self.signals.seq.index
        out = self.signals.output(n, now)
        if self.signals.seq.index != before or not self.signals.seq.active:
            self._wake = now   # a step ended: tick promptly so the linefeed follows
            self._deadline = min(self._deadline, now)
        return out
