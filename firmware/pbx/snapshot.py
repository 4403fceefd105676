"""Read-only picture of the engine for the web page and the CLI: every port, every live call, and the
features' live state (parked calls, ring groups, held calls, recordings, conferences, waiting calls)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from firmware.pbx.core import Core
from firmware.pbx.legs import FxoState, FxsState
from firmware.pbx.state import Call, FxoLeg, FxsLeg

if TYPE_CHECKING:
    from firmware.pbx.features.install import Features

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
    flow: str = ""            # talk, hold, park, group, transfer, conference, ...
    extra: str = ""           # feature data as JSON (pickup, transfer, recordings, group)


@dataclass(frozen=True)
class EngineSnapshot:
    ports: tuple[PortSnapshot, ...]
    calls: tuple[CallSnapshot, ...]
    features: FeaturesSnapshot = field(default_factory=lambda: FeaturesSnapshot())

    def port(self, leg: str) -> PortSnapshot:
        return next(p for p in self.ports if p.leg == leg)


def snapshot(core: Core, now: float, features: Features | None = None) -> EngineSnapshot:
    ports = [_fxs(core, leg) for leg in core.fxs.values()] + [_fxo(leg) for leg in core.fxo.values()]
    ports.sort(key=lambda p: p.port)
    calls = tuple(_call(call, now) for call in sorted(core.calls.values(), key=lambda c: c.id))
    if features is None:
        return EngineSnapshot(tuple(ports), calls)
    from firmware.pbx.features.view import features_snapshot
    return EngineSnapshot(tuple(ports), calls, features_snapshot(core, features, now))


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
                        round(now - call.start, 3), round(talk, 3), call.flow_name,
                        json.dumps(call.extra, sort_keys=True, default=str) if call.extra else "")


# --- features -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParkedSnapshot:
    lot: str
    slot: str
    call_id: int
    caller: str               # number of the parked party
    caller_name: str
    parker: str               # extension that parked it
    waiting_s: float
    state: str                # parked, recalling, forwarded
    members: tuple[str, ...]  # extensions that see this lot (empty = everyone)


@dataclass(frozen=True)
class GroupCallSnapshot:
    call_id: int
    caller: str
    caller_name: str
    state: str                # stage, final, answered
    stage: int                # 1-3 (0 = final destination)
    ringing: tuple[str, ...]  # extensions / outside numbers being rung
    waiting_s: float


@dataclass(frozen=True)
class GroupSnapshot:
    number: str
    name: str
    calls: tuple[GroupCallSnapshot, ...]
    today_calls: int
    today_answered: int
    today_missed: int


@dataclass(frozen=True)
class HeldSnapshot:
    call_id: int
    holder: str               # extension holding it
    held: str                 # number of the party on hold
    held_s: float


@dataclass(frozen=True)
class RecordingSnapshot:
    call_id: int
    path: str
    legs: tuple[str, ...]
    recording_s: float


@dataclass(frozen=True)
class FeaturesSnapshot:
    parked: tuple[ParkedSnapshot, ...] = ()
    groups: tuple[GroupSnapshot, ...] = ()
    held: tuple[HeldSnapshot, ...] = ()
    recordings: tuple[RecordingSnapshot, ...] = ()
    conferences: tuple[tuple[int, tuple[str, ...]], ...] = ()     # (call id, member numbers)
    waiting: tuple[tuple[str, int, str], ...] = ()                # (extension, call id, caller number)
    pickups: tuple[tuple[int, str, str, str], ...] = ()           # (call id, picked up by, was ringing at, caller)
    office: dict[str, object] = field(default_factory=dict)      # menus, day/night, mailboxes, DISA lockouts
