"""Call transfer (ETSI ECT / Asterisk features practice): attended - the held party and the consulted
party are connected and the transferring phone drops out (R4, or hanging up); semi-attended - hanging
up while the consulted phone still rings hands that ringing to the held party; blind - a held call
sent to a number at once (feature code + number, operator). A transferred call nobody answers rings
the transferring phone back after `recall_s` ("the call returns to the transferrer")."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType

from firmware.contracts.errors import PbxError
from firmware.pbx.commands import AnswerSource, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.common import machine, other
from firmware.pbx.features.hold import Hold
from firmware.pbx.features.outdial import dial_outside
from firmware.pbx.hooks import PartyFlow
from firmware.pbx.legs import LegMachine, Table
from firmware.pbx.party import PartyKind
from firmware.pbx.state import Call
from firmware.pbx.talk import talk

TRANSFER_FLOW = "transfer"


class TransferState(enum.Enum):
    RINGING_TARGET = "ringing_target"
    RECALLING = "recalling"          # the target did not answer: the transferring phone rings
    DONE = "done"


class TransferEvent(enum.Enum):
    TARGET_ANSWERED = "target_answered"
    NO_ANSWER = "no_answer"
    TARGET_FAILED = "target_failed"  # busy line, exchange hung up, port alarm
    RECALL_ANSWERED = "recall_answered"
    RECALL_NO_ANSWER = "recall_no_answer"
    CALLER_LEFT = "caller_left"


class TransferOutcome(enum.Enum):
    ATTENDED = "attended"
    COMPLETED = "completed"          # blind or semi-attended, the target answered
    RECALLED = "recalled"            # came back to the transferring phone, which answered
    UNANSWERED = "unanswered"        # neither the target nor the recall answered
    CALLER_LEFT = "caller_left"
    REFUSED = "refused"              # target busy, unknown, not permitted: nothing happened


_S, _E, _O = TransferState, TransferEvent, TransferOutcome
TRANSFER_TABLE: Table[TransferState, TransferEvent] = MappingProxyType({
    (_S.RINGING_TARGET, _E.TARGET_ANSWERED): (_S.DONE, _O.COMPLETED.value),
    (_S.RINGING_TARGET, _E.NO_ANSWER): (_S.RECALLING, "recall"),
    (_S.RINGING_TARGET, _E.TARGET_FAILED): (_S.RECALLING, "recall"),
    (_S.RINGING_TARGET, _E.CALLER_LEFT): (_S.DONE, _O.CALLER_LEFT.value),
    (_S.RECALLING, _E.RECALL_ANSWERED): (_S.DONE, _O.RECALLED.value),
    (_S.RECALLING, _E.RECALL_NO_ANSWER): (_S.DONE, _O.UNANSWERED.value),
    (_S.RECALLING, _E.CALLER_LEFT): (_S.DONE, _O.CALLER_LEFT.value),
})


@dataclass
class Pending:
    call: int
    caller: str                      # the transferred party
    transferrer: str
    target: str                      # the party being rung ("" once recalling)
    machine: LegMachine[TransferState, TransferEvent]


class Transfer(PartyFlow):
    name = TRANSFER_FLOW

    def __init__(self, core: Core, hold: Hold) -> None:
        super().__init__(core)
        self.hold = hold
        self.pending: dict[int, Pending] = {}

    @property
    def recall_s(self) -> float:
        return float(self.core.settings.features.transfer.recall_s)

    # --- attended and semi-attended --------------------------------------------------------------
    def attended(self, held: Call, consult: Call, transferrer: str) -> TransferOutcome:
        """Connect `held`'s far party with `consult`'s far party; the transferrer drops out of both."""
        core = self.core
        target = other(consult, transferrer)
        if not target or not self.hold.is_held(held):
            return TransferOutcome.REFUSED
        target_party = core.party(target)
        if consult.answer is None and not (target_party.kind is PartyKind.PHONE and target_party.alerting):
            return TransferOutcome.REFUSED       # an outside call still being dialled: not yet
        caller = self.hold.hand_over(held)
        self._note(held, transferrer, target, "attended" if consult.answer is not None else "semi_attended")
        if consult.answer is not None:
            core.end_call(consult, Disposition.ANSWERED, HangupSide.CALLER, f"transferred to call {held.id}")
            self._connect(held, caller, target)
            return TransferOutcome.ATTENDED
        core.timers.cancel_owner(consult.owner)
        target_party.call = held.id                   # the target rings on, now for the held call
        core.end_call(consult, Disposition.CANCELLED, HangupSide.CALLER, f"transferred to call {held.id}")
        self._ring_target(held, caller, transferrer, target)
        return TransferOutcome.COMPLETED

    def join(self, held: Call, second: Call, transferrer: str) -> TransferOutcome:
        """R4 with both calls held (or one held, one active): connect the two far parties."""
        core = self.core
        caller, target = other(held, transferrer), other(second, transferrer)
        if not caller or not target or second.answer is None:
            return TransferOutcome.REFUSED
        for call in (held, second):
            if self.hold.is_held(call):
                self.hold.hand_over(call)
        self._note(held, transferrer, target, "attended")
        if core.party(transferrer).call in (held.id, second.id):
            core.party(transferrer).call = None
        core.end_call(second, Disposition.ANSWERED, HangupSide.CALLER, f"transferred to call {held.id}")
        self._connect(held, caller, target)
        return TransferOutcome.ATTENDED

    # --- blind ----------------------------------------------------------------------------------
    def blind(self, held: Call, transferrer: str, number: str) -> TransferOutcome:
        """Send the held call to `number`: an extension rings (the caller hears ringback), an outside
        number is dialled on a permitted route. REFUSED leaves the call held."""
        core = self.core
        dest = core.hooks.resolve(core, number)
        if dest is not None and dest.kind != "extension":
            return self._to_destination(held, transferrer, number)
        if dest is not None:
            target = core.parties.get(dest.legs[0]) if dest.legs else None
            if target is None or not target.available or target.id == transferrer:
                return TransferOutcome.REFUSED
            caller = self.hold.hand_over(held)
            self._note(held, transferrer, target.id, "blind")
            self._ring_target(held, caller, transferrer, target.id)
            return TransferOutcome.COMPLETED
        if not core.settings.features.transfer.outside:
            return TransferOutcome.REFUSED
        caller = other(held, transferrer)
        line = dial_outside(core, held, transferrer, number)
        if line is None or not caller:
            return TransferOutcome.REFUSED
        self.hold.hand_over(held)
        self._note(held, transferrer, line.id, "blind")
        self._pend(held, caller, transferrer, line.id)
        core.party(caller).play("ringback")
        return TransferOutcome.COMPLETED

    def _to_destination(self, held: Call, transferrer: str, number: str) -> TransferOutcome:
        """A ring group or a park lot takes the held call over, the held party as its caller."""
        core = self.core
        dest = core.hooks.resolve(core, number)
        caller = other(held, transferrer)
        flow = core.hooks.destination_flows.get(dest.kind) if dest is not None else None
        if dest is None or flow is None or not caller:
            return TransferOutcome.REFUSED
        self.hold.hand_over(held)
        self._note(held, transferrer, number, "blind")
        held.extra["parker"] = transferrer
        held.caller, held.callee, held.to, held.flow = caller, "", number, ""
        if core.party(transferrer).call == held.id:
            core.party(transferrer).call = None
        flow(core, held, dest, core.now)
        return TransferOutcome.COMPLETED

    # --- internals -----------------------------------------------------------------------------
    def _note(self, call: Call, transferrer: str, target: str, kind: str) -> None:
        core = self.core
        call.extra["transfer"] = {"kind": kind, "by": core.party(transferrer).identity().number,
                                  "to": core.party(target).identity().number if target in core.parties else target}

    def _connect(self, call: Call, caller: str, target: str) -> None:
        first, second = (caller, target) if call.caller == caller else (target, caller)
        talk(self.core, call, first, second)

    def _ring_target(self, call: Call, caller: str, transferrer: str, target: str) -> None:
        core = self.core
        party = core.party(target)
        if not party.alerting:
            party.alert(call, core.party(caller).identity().caller_id(core))
        party.call = call.id
        self._pend(call, caller, transferrer, target)
        core.party(caller).play("ringback")

    def _pend(self, call: Call, caller: str, transferrer: str, target: str) -> None:
        core = self.core
        if core.party(transferrer).call == call.id:
            core.party(transferrer).call = None
        call.flow = TRANSFER_FLOW
        call.caller, call.callee = caller, target
        call.alerting[:] = [target]
        self.pending[call.id] = Pending(call.id, caller, transferrer, target,
                                        machine("transfer", f"call {call.id}", TRANSFER_TABLE,
                                                TransferState.RINGING_TARGET))
        core.after(call.owner, "transfer", self.recall_s, lambda at: self._timeout(call))

    def _timeout(self, call: Call) -> None:
        p = self.pending[call.id]
        if p.machine.state is TransferState.RINGING_TARGET:
            self._recall(call, p, TransferEvent.NO_ANSWER)
        else:
            p.machine.fire(TransferEvent.RECALL_NO_ANSWER)
            self._finish(call, p, TransferOutcome.UNANSWERED)

    def _recall(self, call: Call, p: Pending, event: TransferEvent) -> None:
        core = self.core
        p.machine.fire(event)
        core.party(p.target).stop_alert(call)
        p.target = ""
        phone = core.party(p.transferrer)
        if not phone.available:
            p.machine.fire(TransferEvent.RECALL_NO_ANSWER)
            self._finish(call, p, TransferOutcome.UNANSWERED)
            return
        call.callee = p.transferrer
        call.alerting[:] = [p.transferrer]
        phone.alert(call, core.party(p.caller).identity().caller_id(core))
        core.after(call.owner, "transfer", self.recall_s, lambda at: self._timeout(call))

    def _finish(self, call: Call, p: Pending, outcome: TransferOutcome) -> None:
        self.pending.pop(call.id, None)
        extra = call.extra.get("transfer")
        if isinstance(extra, dict):
            extra["outcome"] = outcome.value
        if outcome is TransferOutcome.UNANSWERED:
            self.core.end_call(call, Disposition.ANSWERED if call.answer else Disposition.NO_ANSWER,
                               HangupSide.SYSTEM, "transfer not answered",
                               release=[p.caller, *call.alerting], role="busy")

    # --- flow ------------------------------------------------------------------------------------
    def party_answered(self, call: Call, party: str, source: AnswerSource) -> None:
        p = self.pending.get(call.id)
        if p is None:
            raise self._unexpected(f"answer by {party}", call)
        event = TransferEvent.TARGET_ANSWERED if party == p.target else TransferEvent.RECALL_ANSWERED
        outcome = TransferOutcome.COMPLETED if party == p.target else TransferOutcome.RECALLED
        p.machine.fire(event)
        self.core.timers.cancel(call.owner, "transfer")
        if call.answer is None:
            self.core.answer(call, source)
        self._finish(call, p, outcome)
        self._connect(call, p.caller, party)

    def party_gone(self, call: Call, party: str) -> None:
        p = self.pending.get(call.id)
        if p is None:
            raise PbxError(f"transfer: call {call.id} is not being transferred")
        if party == p.caller:
            p.machine.fire(TransferEvent.CALLER_LEFT)
            self._finish(call, p, TransferOutcome.CALLER_LEFT)
            self.core.end_call(call, Disposition.ANSWERED if call.answer else Disposition.CANCELLED,
                               HangupSide.CALLER, "hung up during transfer", release=list(call.alerting))
        elif party == p.target and p.machine.state is TransferState.RINGING_TARGET:
            self.core.timers.cancel(call.owner, "transfer")
            self._recall(call, p, TransferEvent.TARGET_FAILED)

