"""The sans-IO call engine: port events + `now` in, port/media/CDR commands + next deadline out
(h11-style: no I/O, no clock, no threads). Every leg change goes through the tables in legs.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from firmware.contracts.errors import PbxError
from firmware.contracts.ports import (
    CallerIdAck,
    DigitReceived,
    HookFlash,
    LineBattery,
    LineCalibrated,
    LineCallerId,
    LineDisconnect,
    LinePolarityReversal,
    LineRingStart,
    LineRingStop,
    OffHook,
    OnHook,
    PortAlarm,
    PortAlarmCleared,
    PortEvent,
)
from firmware.pbx.commands import Command, Direction, RecordingStopped, fxo_leg, fxs_leg
from firmware.pbx.core import Core
from firmware.pbx.dialling import Dialling
from firmware.pbx.features.install import install
from firmware.pbx.hooks import Flow, Hooks
from firmware.pbx.inbound import InboundCalls
from firmware.pbx.internal import InternalCalls
from firmware.pbx.legs import IGNORE, FxoEvent, FxsEvent
from firmware.pbx.operator import Operator, OperatorCommand
from firmware.pbx.outbound import OutboundCalls
from firmware.pbx.settings import PbxSettings
from firmware.pbx.snapshot import EngineSnapshot, snapshot
from firmware.pbx.state import Call, FxoLeg, FxsLeg
from firmware.pbx.talk import TalkFlow

_FXS_EVENTS: dict[type[PortEvent], FxsEvent] = {
    OffHook: FxsEvent.OFF_HOOK, OnHook: FxsEvent.ON_HOOK, HookFlash: FxsEvent.FLASH,
    DigitReceived: FxsEvent.DIGIT, CallerIdAck: FxsEvent.CID_ACK, PortAlarm: FxsEvent.ALARM,
    PortAlarmCleared: FxsEvent.ALARM_CLEARED,
}
_FXO_EVENTS: dict[type[PortEvent], FxoEvent] = {
    LineRingStart: FxoEvent.RING_START, LineRingStop: FxoEvent.RING_STOP, LineCallerId: FxoEvent.CALLER_ID,
    LinePolarityReversal: FxoEvent.POLARITY, LineDisconnect: FxoEvent.DISCONNECT,
    DigitReceived: FxoEvent.DIGIT,
    PortAlarm: FxoEvent.ALARM, PortAlarmCleared: FxoEvent.ALARM_CLEARED,
}


class Engine:
    """`handle` and `tick` return the commands to execute; call `tick` at `next_deadline`."""

    def __init__(self, settings: PbxSettings) -> None:
        self._started = False
        self.office_result: dict[str, object] = {}
        self.core = Core(settings)
        self.internal = InternalCalls(self.core)
        self.outbound = OutboundCalls(self.core)
        self.inbound = InboundCalls(self.core)
        self.talk = TalkFlow(self.core)
        flows: tuple[Flow, ...] = (self.internal, self.outbound, self.inbound)
        self.flows: dict[Direction, Flow] = {f.direction: f for f in flows}
        for flow in (*flows, self.talk):
            self.hooks.flows[flow.flow_name] = flow
        self.dialling = Dialling(self.core, internal=self.internal.start, outside=self.outbound.start)
        self.features = install(self.core, self.outbound)
        self.operator_desk = Operator(self.core, self.features, self.dialling.dispatch)
        self._fxs_actions: dict[str, Callable[[FxsLeg, PortEvent], None]] = {
            "dial_tone": lambda leg, e: self.dialling.off_hook(leg),
            "first_digit": self._digit, "digit": self._digit,
            "abandon_dialling": self._abandon,
            "flash": self._flash, "answer": self._answer, "hang_up": self._hang_up,
            "released": self._released,
            "alarm": self._fxs_alarm, "alarm_cleared": self._alarm_cleared,
        }
        self._fxo_actions: dict[str, Callable[[FxoLeg, PortEvent], None]] = {
            "incoming": self.inbound.incoming,
            "ring_on": lambda line, e: self.inbound.ring_on(line),
            "ring_off": lambda line, e: self.inbound.ring_off(line),
            "caller_id": self._caller_id,
            "caller_gone": lambda line, e: self.inbound.caller_gone(line),
            "answer_polarity": lambda line, e: self._polarity(line, "answer_polarity"),
            "polarity": lambda line, e: self._polarity(line, "polarity"),
            "far_hung_up": self._far_hung_up,
            "alarm": self._fxo_alarm, "alarm_cleared": self._alarm_cleared,
        }

    # --- public API ---------------------------------------------------------------------------
    @property
    def settings(self) -> PbxSettings:
        return self.core.settings

    @property
    def hooks(self) -> Hooks:
        return self.core.hooks

    @property
    def next_deadline(self) -> float | None:
        """When to call `tick` next (0.0 before the first call: features start their wall-clock timers)."""
        return self.core.timers.next_deadline if self._started or not self.hooks.start else 0.0

    def handle(self, event: PortEvent, now: float, wall: datetime) -> list[Command]:
        """Apply one port event (timers that expired up to `now` run first)."""
        self._expire(now, wall)
        self.core.set_clock(now, wall)
        self._start()
        if isinstance(event, LineCalibrated):
            return self.core.out.take()
        fxs = self.core.fxs.get(fxs_leg(event.port))
        fxo = self.core.fxo.get(fxo_leg(event.port))
        if fxs is not None and type(event) in _FXS_EVENTS:
            self._run_fxs(fxs, event)
        elif fxo is not None and isinstance(event, LineBattery):
            self._battery(fxo, event)
        elif fxo is not None and type(event) in _FXO_EVENTS:
            self._run_fxo(fxo, event)
        else:
            raise PbxError(f"port {event.port}: {type(event).__name__} does not fit any FXS or FXO port")
        return self.core.out.take()

    def tick(self, now: float, wall: datetime) -> list[Command]:
        """Run every timer whose deadline is <= now."""
        self._expire(now, wall)
        self.core.set_clock(now, wall)
        self._start()
        return self.core.out.take()

    def media_event(self, event: object, now: float, wall: datetime) -> list[Command]:
        """The runtime reports a media outcome (a recording stopped by itself: disk full; a prompt
        played to its end; a mailbox's files as found on disk)."""
        self._expire(now, wall)
        self.core.set_clock(now, wall)
        self._start()
        if isinstance(event, RecordingStopped):
            self.features.recording.failed(event)
        else:
            for handler in self.hooks.media_events:
                if handler(self.core, event):
                    break
        return self.core.out.take()

    def office(self, cmd: object, now: float, wall: datetime) -> list[Command]:
        """A control command from the API for the office features (day/night mode, mailboxes); what it
        produced is in `office_result`; a refused one raises an ApiError subclass."""
        self._expire(now, wall)
        self.core.set_clock(now, wall)
        self._start()
        self.office_result = {}
        for handler in self.hooks.office:
            result = handler(self.core, cmd)
            if result is not None:
                self.office_result = result
                break
        else:
            raise PbxError(f"no office feature takes {type(cmd).__name__}")
        return self.core.out.take()

    def operator(self, cmd: OperatorCommand, now: float, wall: datetime) -> list[Command]:
        """An operator-panel command on one extension's phone (firmware.pbx.operator). Refused ones
        raise OperatorRefused (an ApiError); whatever they emitted goes out with the next `tick`.
        What the command produced (a park slot, a conference's call id) is in `operator_result`."""
        self._expire(now, wall)
        self.core.set_clock(now, wall)
        self._start()
        self.operator_desk.run(cmd)
        return self.core.out.take()

    @property
    def operator_result(self) -> dict[str, object]:
        return dict(self.operator_desk.result)

    def snapshot(self, now: float) -> EngineSnapshot:
        return snapshot(self.core, now, self.features)

    def reconfigure(self, settings: PbxSettings, now: float | None = None,
                    wall: datetime | None = None) -> list[Command]:
        """New extensions, routes, plan and timings apply to new calls; calls in progress keep theirs.
        Features take up what was added or changed (a ring group's daily report, a time condition's
        code); with `now`/`wall` the timers due by then run first and new ones count from then."""
        if now is not None and wall is not None:
            self._expire(now, wall)
            self.core.set_clock(now, wall)
        self.core.settings = settings
        self.core.add_ports(settings)
        for listener in self.hooks.reconfigured:
            listener(self.core)
        return self.core.out.take()

    # --- dispatch -----------------------------------------------------------------------------
    def _start(self) -> None:
        if not self._started:
            self._started = self.core.started = True
            for listener in self.hooks.start:
                listener(self.core)

    def _expire(self, now: float, wall: datetime) -> None:
        core = self.core
        while (due := core.timers.pop_due(now)) is not None:
            at, fn = due
            core.set_clock(at, wall - timedelta(seconds=now - at))
            fn(at)

    def _run_fxs(self, leg: FxsLeg, event: PortEvent) -> None:
        action = leg.fire(_FXS_EVENTS[type(event)])
        if action != IGNORE:
            self._fxs_actions[action](leg, event)
        elif isinstance(event, DigitReceived):         # a digit in a call: a menu or PIN may want it
            self.hooks.offer_digit(self.core, leg.id, event.digit)

    def _run_fxo(self, line: FxoLeg, event: PortEvent) -> None:
        action = line.fire(_FXO_EVENTS[type(event)])
        if action != IGNORE:
            self._fxo_actions[action](line, event)
        elif isinstance(event, DigitReceived):         # the caller on an answered line pressed a key
            self.hooks.offer_digit(self.core, line.id, event.digit)

    def _flow(self, call: Call) -> Flow:
        return self.core.flow_of(call)

    # --- FXS actions --------------------------------------------------------------------------
    def _digit(self, leg: FxsLeg, event: PortEvent) -> None:
        assert isinstance(event, DigitReceived)
        for handler in self.hooks.digits:
            if handler(self.core, leg, event.digit):
                return
        self.dialling.digit(leg, event.digit)

    def _abandon(self, leg: FxsLeg, event: PortEvent) -> None:
        if not self._on_hook(leg):
            self.dialling.abandon(leg)

    def _released(self, leg: FxsLeg, event: PortEvent) -> None:
        if not self._on_hook(leg):
            self.core.reset_fxs(leg)

    def _on_hook(self, leg: FxsLeg) -> bool:
        """Hang-up interceptors first (transfer on hang-up, hold recall); True if one took over."""
        return any(handler(self.core, leg.id) for handler in self.hooks.hangup)

    def _flash(self, leg: FxsLeg, event: PortEvent) -> None:
        call = self.core.call_of(leg)
        for handler in self.hooks.flash:
            if handler(self.core, leg, call, self.core.now):
                return

    def _answer(self, leg: FxsLeg, event: PortEvent) -> None:
        call = self.core.call_of(leg)
        if call is None:
            raise PbxError(f"{leg.id} answered, but no call rings it")
        self._flow(call).answered(call, leg)

    def _hang_up(self, leg: FxsLeg, event: PortEvent) -> None:
        if self._on_hook(leg):
            return
        call = self.core.call_of(leg)
        if call is None:
            self.core.reset_fxs(leg)
        else:
            self._flow(call).hung_up(call, leg)

    def _fxs_alarm(self, leg: FxsLeg, event: PortEvent) -> None:
        reason = _alarm_reason(event)
        leg.alarm = reason
        call = self.core.call_of(leg)
        self.core.reset_fxs(leg)
        leg.call = None
        if call is not None:
            self._flow(call).leg_failed(call, leg.id, f"{leg.id} alarm: {reason}")
        for listener in self.hooks.alarm:
            listener(self.core, leg.id)

    def _alarm_cleared(self, leg: FxsLeg | FxoLeg, event: PortEvent) -> None:
        leg.alarm = ""

    # --- FXO actions --------------------------------------------------------------------------
    def _caller_id(self, line: FxoLeg, event: PortEvent) -> None:
        assert isinstance(event, LineCallerId)
        self.inbound.caller_id(line, event)

    def _polarity(self, line: FxoLeg, action: str) -> None:
        call = self.core.call_of(line)
        if call is not None:
            self._flow(call).line_polarity(call, line, action)

    def _far_hung_up(self, line: FxoLeg, event: PortEvent) -> None:
        call = self.core.call_of(line)
        if call is None:
            self.core.line_released(line)
        else:
            self._flow(call).line_far_hung_up(call, line)

    def _fxo_alarm(self, line: FxoLeg, event: PortEvent) -> None:
        reason = _alarm_reason(event)
        line.alarm = reason
        call = self.core.call_of(line)
        self.core.timers.cancel_owner(line.id)
        line.call = None
        if call is not None:
            self._flow(call).leg_failed(call, line.id, f"{line.id} alarm: {reason}")

    def _battery(self, line: FxoLeg, event: LineBattery) -> None:
        """Line voltage came or went. Not a leg event: a short drop in a call is the exchange's
        disconnect signal (reported as LineDisconnect), a lasting one on-hook becomes PortAlarm;
        meanwhile hunting skips the line."""
        line.battery = event.present


def _alarm_reason(event: PortEvent) -> str:
    if isinstance(event, PortAlarm):
        return event.reason or event.code.value
    return "alarm"
