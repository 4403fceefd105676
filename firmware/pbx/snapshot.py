"""Read-only picture of the engine for the web page and the CLI: every port and every live call."""

from __future__ import annotations

from dataclasses import dataclass

from firmware.pbx.core import Core
from firmware.pbx.legs import FxoState, FxsState
from firmware.pbx.state import Call, FxoLeg, FxsLeg

_FXS_STATUS = {
    FxsState.IDLE: "idle", FxsState.DIAL_TONE: "dialling", FxsState.COLLECTING: "dialling",
    FxsState.ROUTING: "in call", FxsState.RINGING: "ringing", FxsState.CONNECTED: "in call",
    FxsState.HELD: "in call", FxsState.RELEASING: "releasing", FxsState.ALARM: "alarm",
}
_FXO_STATUS = {
    FxoState.IDLE: "idle", FxoState.INCOMING: "ringing", FxoState.SEIZED: "dialling",
    FxoState.CONNECTED: "in call", FxoState.RELEASING: "releasing", FxoState.ALARM: "alarm",
}


@dataclass(frozen=True)
class PortSnapshot:
    leg: str
    port: int
    kind: str                 # "fxs" or "fxo"
    status: str               # idle, dialling, ringing, in call, releasing, alarm
    state: str                # the leg state machine's state
    alarm: str = ""           # why the port is in alarm
    extension: str = ""       # FXS: the extension number
    name: str = ""            # FXS: the extension name
    call_id: int | None = None
    digits: str = ""          # FXS: dialled so far


@dataclass(frozen=True)
class CallSnapshot:
    call_id: int
    direction: str
    parties: tuple[str, ...]
    from_number: str
    from_name: str
    to: str
    route: str
    line: str
    state: str                # "setup" until answered, then "connected"
    duration_s: float         # since the call started
    talk_s: float             # since it was answered (0 before)


@dataclass(frozen=True)
class EngineSnapshot:
    ports: tuple[PortSnapshot, ...]
    calls: tuple[CallSnapshot, ...]

    def port(self, leg: str) -> PortSnapshot:
        return next(p for p in self.ports if p.leg == leg)


def snapshot(core: Core, now: float) -> EngineSnapshot:
    ports = [_fxs(core, leg) for leg in core.fxs.values()] + [_fxo(leg) for leg in core.fxo.values()]
    ports.sort(key=lambda p: p.port)
    calls = tuple(_call(call, now) for call in sorted(core.calls.values(), key=lambda c: c.id))
    return EngineSnapshot(tuple(ports), calls)


def _fxs(core: Core, leg: FxsLeg) -> PortSnapshot:
    ext = core.settings.extension_at(leg.port)
    return PortSnapshot(leg.id, leg.port, "fxs", _FXS_STATUS[leg.state], leg.state.value, leg.alarm,
                        ext.number if ext else "", ext.name if ext else "", leg.call, leg.digits)


def _fxo(leg: FxoLeg) -> PortSnapshot:
    return PortSnapshot(leg.id, leg.port, "fxo", _FXO_STATUS[leg.state], leg.state.value, leg.alarm,
                        call_id=leg.call)


def _call(call: Call, now: float) -> CallSnapshot:
    talk = now - call.answer if call.answer is not None else 0.0
    return CallSnapshot(call.id, call.direction.value, call.parties, call.from_number, call.from_name,
                        call.to, call.route, call.line, "connected" if call.answer is not None else "setup",
                        round(now - call.start, 3), round(talk, 3))
