"""Random walks of realistic port events: no illegal transition, legs and calls stay consistent,
every call ends with exactly one CDR, and everything returns to idle with no timer left."""

from __future__ import annotations

import random

import pytest

from firmware.config.dialplan import ExtensionConfig
from firmware.contracts.callerid import CallerId
from firmware.contracts.ports import (
    DigitReceived,
    HookFlash,
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
from firmware.pbx.engine import Engine
from firmware.pbx.state import FxoLeg, FxsLeg
from tests.pbx.rig import Rig

FXS, FXO = (1, 2, 3, 4), (5, 6)
DIGITS = "0123456789#*"
NUMBERS = ("202", "203", "0301234", "112", "0112", "00049301", "9", "20")


class Walker:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.rig = Rig(extensions=[ExtensionConfig("201", 1, permission="international"),
                                   ExtensionConfig("202", 2), ExtensionConfig("203", 3),
                                   ExtensionConfig("204", 4, permission="internal")])
        self.off = {p: False for p in FXS}
        self.alarm = {p: False for p in (*FXS, *FXO)}
        self.ringing_in = {p: False for p in FXO}

    def step(self) -> None:
        r = self.rnd.random()
        if r < 0.25:
            self.rig.advance(self.rnd.choice((0.05, 0.5, 1.0, 3.0, 8.5, 20.0)))
        elif r < 0.55:
            self.handset(self.rnd.choice(FXS))
        elif r < 0.92:
            self.line(self.rnd.choice(FXO))
        else:
            self.fault(self.rnd.choice((*FXS, *FXO)))

    def handset(self, port: int) -> None:
        if self.alarm[port]:
            return
        if not self.off[port]:
            self.off[port] = True
            self.rig.ev(OffHook, port)
        elif self.rnd.random() < 0.3:
            self.off[port] = False
            self.rig.ev(OnHook, port)
        elif self.rnd.random() < 0.1:
            self.rig.ev(HookFlash, port, duration_ms=120)
        elif self.rnd.random() < 0.5:
            self.rig.dial(port, self.rnd.choice(NUMBERS), gap=0.1)
        else:
            self.rig.ev(DigitReceived, port, digit=self.rnd.choice(DIGITS))

    def line(self, port: int) -> None:
        if self.alarm[port]:
            return
        choice = self.rnd.random()
        state = self.rig.state(f"fxo:{port}")
        if choice < 0.5 and state in ("idle", "incoming"):
            event: type[PortEvent] = LineRingStop if self.ringing_in[port] else LineRingStart
            self.ringing_in[port] = not self.ringing_in[port]
            self.rig.ev(event, port)
        elif choice < 0.65 and state in ("idle", "incoming"):
            self.rig.ev(LineCallerId, port, caller_id=CallerId(number="0301234"))
        elif choice < 0.8:
            self.rig.ev(LinePolarityReversal, port)
        else:
            self.rig.ev(LineDisconnect, port)

    def fault(self, port: int) -> None:
        if self.alarm[port]:
            self.alarm[port] = False
            self.rig.ev(PortAlarmCleared, port)
            if port in FXS and self.off[port]:
                self.rig.ev(OffHook, port)  # the driver reports the hook state it finds
        else:
            self.alarm[port] = True
            self.rig.ev(PortAlarm, port, reason="injected")


def check_consistent(engine: Engine) -> None:
    core = engine.core
    legs: list[FxsLeg | FxoLeg] = [*core.fxs.values(), *core.fxo.values()]
    for leg in legs:
        if leg.call is not None:
            assert leg.call in core.calls, f"{leg.id} points at ended call {leg.call}"
            assert leg.id in core.calls[leg.call].parties, leg.id
    for call in core.calls.values():
        assert core.fxs.get(call.caller) or core.fxo.get(call.caller)


@pytest.mark.parametrize("seed", range(40))
def test_random_walk(seed: int) -> None:
    w = Walker(seed)
    for _ in range(400):
        w.step()
        check_consistent(w.rig.engine)
    for port in (*FXS, *FXO):  # wind down: clear alarms, hang up, let everything time out
        if w.alarm[port]:
            w.alarm[port] = False
            w.rig.ev(PortAlarmCleared, port)
    for port in FXO:
        if w.ringing_in[port]:
            w.rig.ev(LineRingStop, port)  # the ring burst in progress ends
    for port in FXS:
        if w.off[port]:
            if w.rig.state(f"fxs:{port}") == "idle":
                w.rig.ev(OffHook, port)
            w.rig.ev(OnHook, port)
    w.rig.advance(30)
    for port in FXS:  # a handset rung at the end: let it go
        if w.rig.state(f"fxs:{port}") != "idle":
            w.rig.ev(OffHook, port)
            w.rig.ev(OnHook, port)
    w.rig.advance(30)
    engine = w.rig.engine
    assert engine.core.calls == {}
    assert {leg.state.value for leg in engine.core.fxs.values()} == {"idle"}
    assert {line.state.value for line in engine.core.fxo.values()} == {"idle"}
    assert engine.next_deadline is None
    ids = [c.call_id for c in w.rig.cdrs()]
    assert len(ids) == len(set(ids))
