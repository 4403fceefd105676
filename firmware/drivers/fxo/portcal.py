"""Glue between an FXO port and its calibration procedure: observations in, actions out (fact 2.2, 2.6)."""

# The calibrator is pure; this class feeds it what the port sees (line events, LVS and loop current
# every scan, received audio, caller ID) and performs the actions it returns on the port (seize,
# release, dial, write reg 30). While it runs, the port's line events are not reported to the call
# engine (the line belongs to the calibration); alarms are, and the run ends with LineCalibrated.

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from firmware.contracts.callerid import CallerId, CidStandard
from firmware.contracts.ports import (
    CalibrateLine,
    LineBattery,
    LineCalibrated,
    LineCalibration,
    LineDisconnect,
    LinePolarityReversal,
    LineRingStart,
    LineRingStop,
    PortAlarm,
    PortAlarmCleared,
    PortEvent,
)
from firmware.drivers.fxo import registers as r
from firmware.drivers.fxo.calibration import LineCalibrator
from firmware.drivers.fxo.callerid import ALL_STANDARDS
from firmware.drivers.fxo.calplan import ActionKind, CalAction, CalibrationPlan, CalPhase

if TYPE_CHECKING:
    from firmware.drivers.fxo.port import FxoPort

_PASS_THROUGH = (PortAlarm, PortAlarmCleared, LineCalibrated)


class CalibrationGlue:
    def __init__(self, port: FxoPort) -> None:
        self.port = port
        self.cal: LineCalibrator | None = None
        self.last: LineCalibration | None = None

    @property
    def active(self) -> bool:
        return self.cal is not None

    @property
    def next_deadline(self) -> float | None:
        return self.cal.next_deadline if self.cal is not None else None

    # --- control ----------------------------------------------------------------------------
    def begin(self, cmd: CalibrateLine, now: float) -> list[PortEvent]:
        p = self.port
        refusal = ""
        if self.cal is not None:
            refusal = "a calibration is already running"
        elif not p.ready:
            alarm = p.alarm
            refusal = f"chip in alarm ({alarm.reason if alarm else 'not initialised'})"
        elif p.off_hook:
            refusal = "the line is in use"
        if refusal:
            return [LineCalibrated(p.port, now, result=LineCalibration(error=refusal))]
        plan = CalibrationPlan(number=cmd.number, incoming_wait_s=cmd.incoming_wait_s, pulse=p.s.dial_pulse)
        s = p.s
        self.cal = LineCalibrator(p.port, plan, configured_acim=s.reg30,
                                  loop_threshold_ma=s.loop_current_threshold_ma,
                                  loop_debounce_ms=s.loop_current_debounce_ms,
                                  loop_safe_zone_ms=s.loop_safe_zone_ms,
                                  polarity_delay_ms=s.polarity_on_answer_delay_ms,
                                  battery_threshold_v=s.battery_threshold_v)
        return self._run(self.cal.start(now), now)

    def abort(self, reason: str, now: float) -> list[PortEvent]:
        if self.cal is None:
            return []
        return self._run(self.cal.abort(reason, now), now)

    # --- observations ---------------------------------------------------------------------------
    def after_tick(self, events: Sequence[PortEvent], now: float) -> list[PortEvent]:
        cal, p = self.cal, self.port
        if cal is None:
            return []
        actions: list[CalAction] = []
        for ev in events:
            if isinstance(ev, LineRingStart):
                actions += cal.ring_started(now)
            elif isinstance(ev, LineRingStop):
                actions += cal.ring_stopped(tuple(p.sig.ring.cadence), now)
            elif isinstance(ev, LineBattery):
                onset = now - p.s.battery_debounce_ms / 1000.0
                actions += cal.battery(ev.present, p.line_volts, now, onset)
            elif isinstance(ev, LinePolarityReversal) and p.off_hook:
                actions += cal.polarity(now, now - p.s.polarity_debounce_ms / 1000.0)
            elif isinstance(ev, LineDisconnect) and not p.off_hook:
                actions += cal.call_gone(now)
        if p.off_hook:
            actions += cal.line(p.line_volts, p.loop_current_ma, now)
            if cal.phase is CalPhase.OUT_DIALING and not p.dialer.busy:
                cal.dialed(now, dial_tone=p.dial_tone_heard)
        actions += cal.tick(now)
        return self._run(actions, now)

    def audio(self, from_line: npt.NDArray[np.int16], now: float) -> list[PortEvent]:
        if self.cal is None:
            return []
        return self._run(self.cal.audio(from_line, now), now)

    def caller_id(self, standard: CidStandard, caller_id: CallerId, now: float) -> None:
        if self.cal is not None:
            self.cal.caller_id(standard, caller_id, now)

    def cid_standards(self, default: Sequence[CidStandard]) -> Sequence[CidStandard]:
        """During calibration every receiver listens, whatever the setting."""
        return ALL_STANDARDS if self.cal is not None else default

    def probe(self, n: int) -> npt.NDArray[np.int16] | None:
        return self.cal.probe(n) if self.cal is not None else None

    def filter(self, events: list[PortEvent]) -> list[PortEvent]:
        """While calibrating only alarms and the result reach the call engine."""
        if self.cal is None:
            return events
        return [e for e in events if isinstance(e, _PASS_THROUGH)]

    # --- actions -------------------------------------------------------------------------------
    def _run(self, actions: Sequence[CalAction], now: float) -> list[PortEvent]:
        p, cal = self.port, self.cal
        for action in actions:
            if action.kind is ActionKind.SEIZE and not p.off_hook:
                p.go_off_hook(now)
            elif action.kind is ActionKind.RELEASE and p.off_hook:
                p.go_on_hook(now)
            elif action.kind is ActionKind.DIAL:
                p.dial(action.digits, pulse=action.pulse, now=now, wait_for_dial_tone=True)
            elif action.kind is ActionKind.SET_ACIM and p.ready:
                p.shadow.write(r.AC_TERM, action.acim)
        if cal is not None and cal.done and cal.result is not None:
            self.cal = None
            self.last = cal.result
            return [LineCalibrated(p.port, now, result=cal.result)]
        return []
