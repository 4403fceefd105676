"""Ad-hoc conferences (ETSI 3PTY, R3; Asterisk chan_dahdi three-way calling; the operator's
"add held parties one by one"). Media: every member is connected to every other member on the
conference bridge (`Connect` pairs) - pjmedia mixes all sources at each sink, so each member hears
the others and not itself, with no extra node and no extra delay; up to `max_parties` (10: 90 flows).
The joined two-party calls end with their own record ("joined conference N"); the conference is one
call with its own record. A member who steps out (the controller flashes to call someone) keeps
its place; the conference ends when fewer than two members are left."""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field
from types import MappingProxyType

from firmware.contracts.errors import PbxError
from firmware.pbx.commands import AnswerSource, Connect, Direction, Disconnect, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.common import machine, other
from firmware.pbx.features.hold import Hold
from firmware.pbx.hooks import PartyFlow
from firmware.pbx.legs import LegMachine, Table
from firmware.pbx.state import Call

CONFERENCE_FLOW = "conference"


class ConferenceState(enum.Enum):
    ACTIVE = "active"
    ENDED = "ended"


class ConferenceEvent(enum.Enum):
    JOIN = "join"
    LEAVE = "leave"
    STEP_OUT = "step_out"
    STEP_IN = "step_in"
    LAST_LEFT = "last_left"


class ConferenceOutcome(enum.Enum):
    ENDED = "ended"                  # fewer than two members were left
    REFUSED = "refused"              # full, or nothing to join


_C, _E = ConferenceState, ConferenceEvent
CONFERENCE_TABLE: Table[ConferenceState, ConferenceEvent] = MappingProxyType({
    (_C.ACTIVE, _E.JOIN): (_C.ACTIVE, "connect_member"),
    (_C.ACTIVE, _E.LEAVE): (_C.ACTIVE, "disconnect_member"),
    (_C.ACTIVE, _E.STEP_OUT): (_C.ACTIVE, "disconnect_member"),
    (_C.ACTIVE, _E.STEP_IN): (_C.ACTIVE, "connect_member"),
    (_C.ACTIVE, _E.LAST_LEFT): (_C.ENDED, ConferenceOutcome.ENDED.value),
})


@dataclass
class Conference:
    call: int
    controller: str
    machine: LegMachine[ConferenceState, ConferenceEvent]
    members: list[str] = field(default_factory=list)
    out: set[str] = field(default_factory=set)          # stepped out (not connected for now)

    @property
    def connected(self) -> list[str]:
        return [m for m in self.members if m not in self.out]


class Conferences(PartyFlow):
    name = CONFERENCE_FLOW

    def __init__(self, core: Core, hold: Hold) -> None:
        super().__init__(core)
        self.hold = hold
        self.rooms: dict[int, Conference] = {}

    @property
    def max_parties(self) -> int:
        return self.core.settings.features.conference.max_parties

    def of(self, call: Call | None) -> Conference | None:
        return None if call is None else self.rooms.get(call.id)

    # --- building ------------------------------------------------------------------------------
    def create(self, controller: str, calls: list[Call]) -> Call | None:
        """The controller and the far parties of `calls` (held or active, answered) in one conference."""
        core = self.core
        fars = [other(c, controller) for c in calls]
        if len(calls) < 1 or not all(fars) or len(fars) + 1 > self.max_parties \
                or any(c.answer is None for c in calls):
            return None
        me = core.party(controller).identity()
        conf = core.new_call(Direction.INTERNAL, controller, from_number=me.number, from_name=me.name,
                             to="conference")
        conf.flow = CONFERENCE_FLOW
        core.answer(conf, AnswerSource.OFF_HOOK)
        room = Conference(conf.id, controller, machine("conference", f"call {conf.id}", CONFERENCE_TABLE,
                                                       ConferenceState.ACTIVE))
        self.rooms[conf.id] = room
        self._enter(room, conf, controller)
        for call in calls:
            self._absorb(room, conf, call, controller)
        self._note(conf, room)
        return conf

    def add(self, conf: Call, call: Call) -> bool:
        """Add the far party of `call` (held or active, answered) to the conference."""
        room = self.rooms[conf.id]
        if len(room.members) + 1 > self.max_parties or call.answer is None:
            return False
        self._absorb(room, conf, call, room.controller)
        self._note(conf, room)
        return True

    def _absorb(self, room: Conference, conf: Call, call: Call, controller: str) -> None:
        core = self.core
        far = other(call, controller)
        if self.hold.is_held(call):
            self.hold.hand_over(call)
        core.party(far).unhold(call)
        core.end_call(call, Disposition.ANSWERED, HangupSide.SYSTEM, f"joined conference {conf.id}")
        self._enter(room, conf, far)

    def _enter(self, room: Conference, conf: Call, party: str) -> None:
        room.machine.fire(ConferenceEvent.JOIN)
        room.members.append(party)
        p = self.core.party(party)
        p.call = conf.id
        p.connected(conf)
        self._link(room, party)

    def _link(self, room: Conference, party: str) -> None:
        for peer in room.connected:
            if peer != party:
                self.core.out.emit(Connect(party, peer))

    def _unlink(self, room: Conference, party: str) -> None:
        for peer in room.connected:
            if peer != party:
                self.core.out.emit(Disconnect(party, peer))

    def _note(self, conf: Call, room: Conference) -> None:
        core = self.core
        conf.extra["conference"] = [core.party(m).identity().number or m for m in room.members]

    # --- the controller steps out and back in (flash) ------------------------------------------
    def step_out(self, conf: Call, party: str) -> None:
        room = self.rooms[conf.id]
        room.machine.fire(ConferenceEvent.STEP_OUT)
        self._unlink(room, party)
        room.out.add(party)
        if self.core.party(party).call == conf.id:
            self.core.party(party).call = None

    def step_in(self, conf: Call, party: str) -> None:
        room = self.rooms[conf.id]
        room.machine.fire(ConferenceEvent.STEP_IN)
        room.out.discard(party)
        self.core.party(party).call = conf.id
        self._link(room, party)

    def leave(self, conf: Call, party: str) -> None:
        """`party` leaves (hung up, or the controller hung up while stepped out)."""
        room = self.rooms.get(conf.id)
        if room is None or party not in room.members:
            raise PbxError(f"conference {conf.id}: {party} is not a member")
        room.machine.fire(ConferenceEvent.LEAVE)
        if party not in room.out:
            self._unlink(room, party)
        room.members.remove(party)
        room.out.discard(party)
        if self.core.party(party).call == conf.id:
            self.core.party(party).call = None
        if len(room.members) < 2:
            room.machine.fire(ConferenceEvent.LAST_LEFT)
            del self.rooms[conf.id]
            for member in room.connected:
                self._unlink(room, member)
            self.core.end_call(conf, Disposition.ANSWERED, HangupSide.CALLER if party == conf.caller
                               else HangupSide.CALLEE, "conference ended", release=list(room.members))

    # --- flow ------------------------------------------------------------------------------------
    def party_gone(self, call: Call, party: str) -> None:
        self.leave(call, party)

    def mesh(self, conf: Call) -> list[tuple[str, str]]:
        """Who is connected with whom (for snapshots and tests)."""
        room = self.rooms[conf.id]
        return list(itertools.combinations(room.connected, 2))
