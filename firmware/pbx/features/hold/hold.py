"""Hold and retrieve: the held party hears music on hold (a looped WAV, configurable), the holder is
free for other calls; a held call whose holder hangs up rings the holder back (hold recall, the
usual PBX practice); the held party hanging up ends the call. Held calls belong to the hold flow
until retrieved (then the talk flow again) or handed to transfer, conference or park."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType

from firmware.pbx.commands import AnswerSource, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.common import extension_of, machine, other
from firmware.pbx.features.musicclass import music_for
from firmware.pbx.hooks import PartyFlow
from firmware.pbx.legs import LegMachine, Table
from firmware.pbx.state import Call
from firmware.pbx.talk import talk

HOLD_FLOW = "hold"


class HoldState(enum.Enum):
    HELD = "held"
    RECALLING = "recalling"        # the holder's phone rings with the held call
    DONE = "done"


class HoldEvent(enum.Enum):
    RETRIEVE = "retrieve"
    RECALL = "recall"
    RECALL_ANSWERED = "recall_answered"
    PARTY_LEFT = "party_left"
    HAND_OVER = "hand_over"        # transfer, conference or park took the call


class HoldOutcome(enum.Enum):
    RETRIEVED = "retrieved"
    RECALL_ANSWERED = "recall_answered"
    HELD_PARTY_LEFT = "held_party_left"
    HANDED_OVER = "handed_over"


_H, _E = HoldState, HoldEvent
HOLD_TABLE: Table[HoldState, HoldEvent] = MappingProxyType({
    (_H.HELD, _E.RETRIEVE): (_H.DONE, HoldOutcome.RETRIEVED.value),
    (_H.HELD, _E.RECALL): (_H.RECALLING, "ring_holder"),
    (_H.HELD, _E.PARTY_LEFT): (_H.DONE, HoldOutcome.HELD_PARTY_LEFT.value),
    (_H.HELD, _E.HAND_OVER): (_H.DONE, HoldOutcome.HANDED_OVER.value),
    (_H.RECALLING, _E.RECALL_ANSWERED): (_H.DONE, HoldOutcome.RECALL_ANSWERED.value),
    (_H.RECALLING, _E.PARTY_LEFT): (_H.DONE, HoldOutcome.HELD_PARTY_LEFT.value),
    (_H.RECALLING, _E.HAND_OVER): (_H.DONE, HoldOutcome.HANDED_OVER.value),
    (_H.RECALLING, _E.RETRIEVE): (_H.DONE, HoldOutcome.RETRIEVED.value),
})


@dataclass
class HeldCall:
    call: int
    holder: str
    since: float
    machine: LegMachine[HoldState, HoldEvent]


class Hold(PartyFlow):
    """The hold flow plus the hold/retrieve operations (used by handset, operator and later SIP)."""

    name = HOLD_FLOW

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.held: dict[int, HeldCall] = {}

    @property
    def music(self) -> str:
        return self.core.settings.features.hold.music

    def is_held(self, call: Call) -> bool:
        return call.id in self.held

    def holder(self, call: Call) -> str:
        return self.held[call.id].holder

    def held_by(self, holder: str) -> list[Call]:
        """Calls `holder` holds, oldest first."""
        return [self.core.calls[h.call] for h in self.held.values() if h.holder == holder and h.call in self.core.calls]

    # --- operations ------------------------------------------------------------------------------
    def hold(self, call: Call, holder: str) -> None:
        """Put `call`'s other party on hold; `holder`'s device is left for the caller to steer."""
        core = self.core
        far = other(call, holder)
        core.unbridge(call)
        call.flow = HOLD_FLOW
        self.held[call.id] = HeldCall(call.id, holder, core.now, machine("hold", f"call {call.id}", HOLD_TABLE,
                                                                         HoldState.HELD))
        holder_party = core.party(holder)
        if holder_party.call == call.id:
            holder_party.call = None
        if far:
            core.party(far).hold(call, music_for(core, extension=extension_of(core, holder)))

    def retrieve(self, call: Call) -> None:
        """Back to talking: the holder (already off-hook / connected) and the held party."""
        self._finish(call, HoldEvent.RETRIEVE)
        self._reconnect(call)

    def hand_over(self, call: Call) -> str:
        """Another feature takes the held call; returns the held (far) party."""
        held = self._finish(call, HoldEvent.HAND_OVER)
        far = other(call, held.holder)
        if far:
            self.core.party(far).unhold(call)
        return far

    def recall(self, call: Call) -> bool:
        """Ring the holder with the held call; False if the holder cannot ring now."""
        core = self.core
        held = self.held[call.id]
        phone = core.party(held.holder)
        if not phone.available:
            return False
        held.machine.fire(HoldEvent.RECALL)
        far = other(call, held.holder)
        cid = core.party(far).identity().caller_id(core) if far else core.party(held.holder).identity().caller_id(core)
        phone.alert(call, cid)
        call.alerting[:] = [held.holder]
        return True

    def _finish(self, call: Call, event: HoldEvent) -> HeldCall:
        held = self.held.pop(call.id)
        held.machine.fire(event)
        return held

    def _reconnect(self, call: Call) -> None:
        core = self.core
        for party in call.parties:
            core.party(party).unhold(call)
        talk(core, call, call.caller, call.callee)

    # --- flow ------------------------------------------------------------------------------------
    def party_answered(self, call: Call, party: str, source: AnswerSource) -> None:
        """The holder answered the recall ring."""
        held = self.held.get(call.id)
        if held is None or party != held.holder:
            raise self._unexpected(f"answer by {party}", call)
        self._finish(call, HoldEvent.RECALL_ANSWERED)
        self._reconnect(call)

    def party_gone(self, call: Call, party: str) -> None:
        held = self.held.get(call.id)
        holder = held.holder if held else ""
        if held is not None:
            self._finish(call, HoldEvent.PARTY_LEFT)
        side = HangupSide.CALLER if party == call.caller else HangupSide.CALLEE
        self.core.end_call(call, Disposition.ANSWERED, side, "hung up while on hold",
                           release=[p for p in (*call.parties, holder) if p and p != party])

    def drop(self, call: Call) -> None:
        """The holder gives the held call up (R0, the holder's port failed): the held party is released."""
        held = self.held.pop(call.id, None)
        if held is not None:
            held.machine.fire(HoldEvent.PARTY_LEFT)
        far = other(call, held.holder) if held else ""
        self.core.end_call(call, Disposition.ANSWERED, HangupSide.SYSTEM, "released from hold",
                           release=[far] if far else [])
