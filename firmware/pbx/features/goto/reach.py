"""Ringing one extension (analog or IP phone) or dialling one outside number for a call the office
features route (from a menu, a time condition, a caller route, a white list): the caller hears ringback
or music (music answers a PSTN line at once; a line the menu answered hears our ringback), the extension's
no-answer time and busy state lead to its forwarding (voicemail) when it has one, else the caller gets
busy tone or the call ends unanswered; a pickup takes the call like any ringing call."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from firmware.contracts.callerid import CallerId, CidAbsence
from firmware.pbx.commands import AnswerSource, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.common import machine
from firmware.pbx.features.outdial import dial_outside
from firmware.pbx.hooks import PartyFlow
from firmware.pbx.legs import LegMachine, Table
from firmware.pbx.party import PartyKind
from firmware.pbx.state import Call
from firmware.pbx.talk import talk

REACH_FLOW = "reach"
BUSY_TONE_S = 4.0

Forward = Callable[[Call, str, str], bool]
"""(call, extension number, "busy" | "no_answer"): send the call to the extension's forwarding; True if done."""


class ReachState(enum.Enum):
    RINGING = "ringing"          # the phone rings / the outside number is being dialled
    ANSWERED = "answered"
    REFUSED = "refused"          # busy tone to the caller, then the end
    ENDED = "ended"


class ReachEvent(enum.Enum):
    ANSWER = "answer"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FORWARD = "forward"
    CALLER_GONE = "caller_gone"
    FAILED = "failed"


class ReachOutcome(enum.Enum):
    ANSWERED = "answered"
    FORWARDED = "forwarded"      # busy or no answer, sent on to the forwarding destination
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CALLER_GONE = "caller_gone"
    FAILED = "failed"            # out of order, no free line, the far end failed


_S, _E, _O = ReachState, ReachEvent, ReachOutcome
REACH_TABLE: Table[ReachState, ReachEvent] = MappingProxyType({
    (_S.RINGING, _E.ANSWER): (_S.ANSWERED, _O.ANSWERED.value),
    (_S.RINGING, _E.BUSY): (_S.REFUSED, _O.BUSY.value),
    (_S.RINGING, _E.NO_ANSWER): (_S.ENDED, _O.NO_ANSWER.value),
    (_S.RINGING, _E.FORWARD): (_S.ENDED, _O.FORWARDED.value),
    (_S.RINGING, _E.CALLER_GONE): (_S.ENDED, _O.CALLER_GONE.value),
    (_S.RINGING, _E.FAILED): (_S.REFUSED, _O.FAILED.value),
    (_S.REFUSED, _E.CALLER_GONE): (_S.ENDED, _O.CALLER_GONE.value),
})


@dataclass
class Reaching:
    call: int
    number: str
    target: str
    machine: LegMachine[ReachState, ReachEvent]


class ReachFlow(PartyFlow):
    name = REACH_FLOW

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.active: dict[int, Reaching] = {}
        self.forward: Forward = lambda call, number, reason: False
        self.ring_time: Callable[[str], float | None] = lambda number: None   # no-answer forwarding time
        core.hooks.call_ended.append(self._ended)

    def _ended(self, core: Core, call: Call) -> None:
        self.active.pop(call.id, None)

    # --- start ---------------------------------------------------------------------------------------
    def ring(self, call: Call, number: str, *, ringback: str = "ringback", no_answer_s: float | None = None) -> None:
        """Ring extension `number` for `call` (its caller is `call.caller`)."""
        core = self.core
        dest = core.hooks.resolve(core, number)
        target = core.parties.get(dest.legs[0]) if dest is not None and dest.legs else None
        call.flow, call.to, call.callee = REACH_FLOW, number, ""
        reach = self.active[call.id] = Reaching(call.id, number, target.id if target else "",
                                                machine("reach", f"{number}/{call.id}", REACH_TABLE, _S.RINGING))
        if target is None or target.alarm:
            self._refuse(call, reach, _E.FAILED, f"extension {number} is out of order", Disposition.CONGESTION)
            return
        if not target.available or target.id == call.caller:
            if not self.forward(call, number, "busy"):
                self._refuse(call, reach, _E.BUSY, f"extension {number} is busy", Disposition.BUSY)
            return
        call.alerting[:] = [target.id]
        target.alert(call, self._caller_id(call))
        self._caller_hears(call, ringback)
        if no_answer_s is None:
            no_answer_s = self.ring_time(number)
        wait = no_answer_s if no_answer_s is not None else core.settings.calls.no_answer_s
        if wait:
            core.after(call.owner, "reach", float(wait), lambda at: self._no_answer(call))

    def dial(self, call: Call, digits: str, *, ringback: str = "ringback", route: str = "") -> None:
        """Dial `digits` (as an extension would dial them) on a route for `call` (`route`: that one)."""
        call.flow, call.to, call.callee = REACH_FLOW, digits, ""
        reach = self.active[call.id] = Reaching(call.id, digits, "", machine("reach", f"{digits}/{call.id}",
                                                                             REACH_TABLE, _S.RINGING))
        line = dial_outside(self.core, call, "", digits, route_name=route)
        if line is None:
            self._refuse(call, reach, _E.FAILED, f"no free line for {digits}", Disposition.CONGESTION)
            return
        reach.target = line.id
        call.alerting[:] = [line.id]
        self._caller_hears(call, ringback)

    def _caller_id(self, call: Call) -> CallerId:
        if call.from_number:
            return CallerId(number=call.from_number, name=call.from_name or None, when=self.core.wall)
        return CallerId(number_absence=CidAbsence.UNAVAILABLE, name=call.from_name or None, when=self.core.wall)

    def _caller_hears(self, call: Call, ringback: str) -> None:
        caller = self.core.party(call.caller)
        if ringback == "ringback":
            if caller.kind is PartyKind.PHONE or caller.talking:
                caller.play("ringback")
            return
        if caller.kind is PartyKind.LINE and not caller.talking:
            caller.connected(call)                 # answer the line to play our own sound
            if call.answer is None:
                self.core.answer(call, AnswerSource.ASSUMED)
        caller.music(self.core.settings.features.hold.music if ringback == "music" else ringback)

    # --- the end of ringing ----------------------------------------------------------------------------
    def _no_answer(self, call: Call) -> None:
        reach = self.active[call.id]
        self._stop(call)
        if self.forward(call, reach.number, "no_answer"):
            return
        reach.machine.fire(_E.NO_ANSWER)
        self._end(call, Disposition.NO_ANSWER, HangupSide.SYSTEM, f"nobody answered at {reach.number}", "busy")

    def forwarded(self, call: Call) -> None:
        """The call left for a forwarding destination (the caller of `forward` calls this)."""
        reach = self.active.pop(call.id, None)
        if reach is not None:
            self._stop(call)
            reach.machine.fire(_E.FORWARD)
            trail = call.extra.setdefault("forwarded", [])
            if isinstance(trail, list):
                trail.append(reach.number)

    def _refuse(self, call: Call, reach: Reaching, event: ReachEvent, reason: str, disposition: Disposition) -> None:
        core = self.core
        reach.machine.fire(event)
        caller = core.party(call.caller)
        if caller.talking and caller.kind is PartyKind.LINE:     # an answered line: busy tone, then release
            caller.play("busy" if disposition is Disposition.BUSY else "congestion")
            core.after(call.owner, "reach", BUSY_TONE_S,
                       lambda at: self._end(call, disposition, HangupSide.SYSTEM, reason, None))
            return
        self._end(call, disposition, HangupSide.CALLEE if disposition is Disposition.BUSY else HangupSide.SYSTEM,
                  reason, "busy" if disposition is Disposition.BUSY else "congestion")

    def _stop(self, call: Call) -> None:
        self.core.timers.cancel(call.owner, "reach")
        for party in list(call.alerting):
            self.core.party(party).stop_alert(call)
        call.alerting.clear()

    def _end(self, call: Call, disposition: Disposition, side: HangupSide, reason: str, role: str | None) -> None:
        if call.id in self.core.calls:
            self.core.end_call(call, disposition, side, reason, release=[call.caller], role=role)

    # --- flow ------------------------------------------------------------------------------------------
    def party_answered(self, call: Call, party: str, source: AnswerSource) -> None:
        reach = self.active.get(call.id)
        if reach is None or party != reach.target or reach.machine.state is not _S.RINGING:
            return                                      # an assumed answer after the real one, a late answer
        reach.machine.fire(_E.ANSWER)
        self.core.timers.cancel(call.owner, "reach")
        call.alerting.clear()
        if call.answer is None:
            self.core.answer(call, source)
        call.extra.setdefault("answered_by", reach.number)
        talk(self.core, call, call.caller, party)

    def pick_up(self, call: Call, picker: str) -> bool:
        reach = self.active.get(call.id)
        if reach is None or reach.machine.state is not _S.RINGING or not reach.target.startswith(("fxs:", "sip:")):
            return False
        self._stop(call)
        reach.target = picker
        self.party_answered(call, picker, AnswerSource.PICKUP)
        return True

    def party_gone(self, call: Call, party: str) -> None:
        reach = self.active.get(call.id)
        if party == call.caller:
            self._stop(call)
            if reach is not None:
                reach.machine.fire(_E.CALLER_GONE)
            line = self.core.party(party).kind is PartyKind.LINE
            self.core.end_call(call, Disposition.NO_ANSWER if line else Disposition.CANCELLED, HangupSide.CALLER,
                               "the caller gave up")
        elif reach is not None and party == reach.target and reach.machine.state is _S.RINGING:
            call.alerting.clear()                       # the outside number was busy or failed
            self._refuse(call, reach, _E.FAILED, f"{reach.number} could not be reached", Disposition.FAILED)
