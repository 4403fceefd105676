"""Call waiting (ETSI EN 300 659 off-hook caller ID, Bellcore GR-575): a call for a phone that is in a
call, with call waiting enabled for its extension, is offered to it - on analog the FXS driver sends
the waiting tone (SAS), CAS and the caller ID (SendCallWaiting) - while the caller hears ringback.
The waiting call keeps its own flow (internal or inbound): its caller giving up or its no-answer
time ends it as usual. Answering (flash; R1/R2), rejecting (R0) and ringing after the first call
ended are steered from the handset package (or the operator API, or a SIP phone later)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType

from firmware.contracts.callerid import CallerId
from firmware.pbx.commands import AnswerSource, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.common import machine
from firmware.pbx.legs import LegMachine, Table
from firmware.pbx.party import PartyKind
from firmware.pbx.state import Call


class WaitingState(enum.Enum):
    OFFERED = "offered"
    RINGING = "ringing"          # the first call ended: the phone rings with the waiting call
    DONE = "done"


class WaitingEvent(enum.Enum):
    ANSWER = "answer"
    REJECT = "reject"
    RING = "ring"
    GONE = "gone"


class WaitingOutcome(enum.Enum):
    ANSWERED = "answered"
    REJECTED = "rejected"
    CALLER_GAVE_UP = "caller_gave_up"


_W, _E = WaitingState, WaitingEvent
WAITING_TABLE: Table[WaitingState, WaitingEvent] = MappingProxyType({
    (_W.OFFERED, _E.ANSWER): (_W.DONE, WaitingOutcome.ANSWERED.value),
    (_W.OFFERED, _E.REJECT): (_W.DONE, WaitingOutcome.REJECTED.value),
    (_W.OFFERED, _E.RING): (_W.RINGING, "alert"),
    (_W.OFFERED, _E.GONE): (_W.DONE, WaitingOutcome.CALLER_GAVE_UP.value),
    (_W.RINGING, _E.ANSWER): (_W.DONE, WaitingOutcome.ANSWERED.value),
    (_W.RINGING, _E.GONE): (_W.DONE, WaitingOutcome.CALLER_GAVE_UP.value),
})


@dataclass
class Waiting:
    call: int
    phone: str
    machine: LegMachine[WaitingState, WaitingEvent]


class CallWaiting:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.waiting: dict[str, Waiting] = {}           # phone -> its waiting call
        core.hooks.busy.append(self.offer)
        core.hooks.call_ended.append(self._ended)

    def of(self, phone: str) -> Call | None:
        """The call waiting at `phone`, if it still waits (not picked up elsewhere meanwhile)."""
        w = self.waiting.get(phone)
        call = self.core.calls.get(w.call) if w else None
        if w is None or call is None or call.answer is not None or call.callee != phone:
            self.waiting.pop(phone, None)
            return None
        return call

    def offer(self, core: Core, call: Call, phone: str, caller_id: CallerId) -> bool:
        """Busy handler: offer `call` to `phone` if it is a talking phone with call waiting on."""
        party = core.party(phone)
        if party.kind is not PartyKind.PHONE or not party.talking or self.of(phone) is not None:
            return False
        active = core.call_of(party)
        if active is None or not party.call_waiting(call, caller_id):
            return False
        call.callee = phone
        self.waiting[phone] = Waiting(call.id, phone, machine("call waiting", phone, WAITING_TABLE,
                                                              WaitingState.OFFERED))
        call.extra["call_waiting"] = party.identity().number
        return True

    def answer(self, phone: str) -> bool:
        """`phone` (already free of its active call) takes the waiting call."""
        call = self.of(phone)
        if call is None:
            return False
        self.waiting.pop(phone).machine.fire(WaitingEvent.ANSWER)
        party = self.core.party(phone)
        party.call = call.id
        self.core.flow_of(call).party_answered(call, phone, AnswerSource.OFF_HOOK)
        return True

    def reject(self, phone: str) -> bool:
        """R0: the waiting caller gets busy (a line caller is not answered: it rings out)."""
        call = self.of(phone)
        if call is None:
            return False
        self.waiting.pop(phone).machine.fire(WaitingEvent.REJECT)
        caller = self.core.party(call.caller)
        if caller.kind is PartyKind.LINE and not caller.talking:
            call.callee, call.rung = "", False
            call.unreachable = (Disposition.BUSY, "call waiting rejected")
            return True
        self.core.end_call(call, Disposition.BUSY, HangupSide.CALLEE, "call waiting rejected",
                           release=[call.caller], role="busy")
        return True

    def ring(self, phone: str) -> bool:
        """The phone hung up on its first call: ring it with the waiting call."""
        call = self.of(phone)
        party = self.core.party(phone)
        if call is None or not party.available:
            return False
        self.waiting[phone].machine.fire(WaitingEvent.RING)
        party.alert(call, CallerId(number=call.from_number or None, name=call.from_name or None,
                                   when=self.core.wall))
        return True

    def _ended(self, core: Core, call: Call) -> None:
        for phone, w in list(self.waiting.items()):
            if w.call == call.id:
                del self.waiting[phone]
                w.machine.fire(WaitingEvent.GONE)
