"""Call park (Asterisk res_parking practice: lot 700, slots 701-720; our users' brief): a call is parked
by a transfer to the lot number, by flash + the lot number or the park code, or from the operator
panel; the parker hears the slot spoken ("parked on slot 7 0 1"), the parked caller hears music.
Anyone allowed dials the slot to retrieve it. After the lot's timeout the parker's phone rings with
the call (slot kept: it can still be retrieved); unanswered for `recall_ring_s` it goes to the lot's
destination. A lot with members is a park group: only its members see it, park and retrieve there."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType

from firmware.config.features import ParkLotConfig
from firmware.pbx.blf import CONFIRMED, EARLY, DialogState
from firmware.pbx.commands import AnswerSource, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.common import drop_call, extension_of, machine, other
from firmware.pbx.features.hold import Hold
from firmware.pbx.features.musicclass import music_for
from firmware.pbx.hooks import Destination, PartyFlow
from firmware.pbx.legs import FxsEvent, FxsState, LegMachine, Table
from firmware.pbx.numbering import FeatureTarget
from firmware.pbx.state import Call, FxsLeg
from firmware.pbx.talk import talk

PARK_FLOW = "park"
PARKED_WORD = "parked_on_slot"


class ParkState(enum.Enum):
    PARKED = "parked"
    RECALLING = "recalling"          # the parker's phone rings
    FORWARDED = "forwarded"          # rings the lot's destination
    DONE = "done"


class ParkEvent(enum.Enum):
    RETRIEVE = "retrieve"
    TIMEOUT = "timeout"
    RECALL_ANSWERED = "recall_answered"
    RECALL_TIMEOUT = "recall_timeout"
    DESTINATION_ANSWERED = "destination_answered"
    CALLER_LEFT = "caller_left"


class ParkOutcome(enum.Enum):
    PARKED = "parked"                # (not an end: the call now waits in its slot)
    RETRIEVED = "retrieved"
    RECALL_ANSWERED = "recall_answered"
    DESTINATION_ANSWERED = "destination_answered"
    CALLER_LEFT = "caller_left"
    NO_FREE_SLOT = "no_free_slot"
    NOT_ALLOWED = "not_allowed"
    NOTHING_TO_PARK = "nothing_to_park"


_S, _E, _O = ParkState, ParkEvent, ParkOutcome
PARK_TABLE: Table[ParkState, ParkEvent] = MappingProxyType({
    (_S.PARKED, _E.RETRIEVE): (_S.DONE, _O.RETRIEVED.value),
    (_S.PARKED, _E.TIMEOUT): (_S.RECALLING, "ring_parker"),
    (_S.PARKED, _E.CALLER_LEFT): (_S.DONE, _O.CALLER_LEFT.value),
    (_S.RECALLING, _E.RETRIEVE): (_S.DONE, _O.RETRIEVED.value),
    (_S.RECALLING, _E.RECALL_ANSWERED): (_S.DONE, _O.RECALL_ANSWERED.value),
    (_S.RECALLING, _E.RECALL_TIMEOUT): (_S.FORWARDED, "ring_destination"),
    (_S.RECALLING, _E.CALLER_LEFT): (_S.DONE, _O.CALLER_LEFT.value),
    (_S.FORWARDED, _E.RETRIEVE): (_S.DONE, _O.RETRIEVED.value),
    (_S.FORWARDED, _E.DESTINATION_ANSWERED): (_S.DONE, _O.DESTINATION_ANSWERED.value),
    (_S.FORWARDED, _E.CALLER_LEFT): (_S.DONE, _O.CALLER_LEFT.value),
})


@dataclass
class ParkedCall:
    call: int
    lot: str
    slot: str
    parked: str                      # the party waiting
    parker: str
    since: float
    machine: LegMachine[ParkState, ParkEvent]


def spoken(slot: str) -> tuple[str, ...]:
    """The words of the slot announcement: 'parked on slot', then digit by digit."""
    return (PARKED_WORD, *slot)


class Park(PartyFlow):
    name = PARK_FLOW

    def __init__(self, core: Core, hold: Hold) -> None:
        super().__init__(core)
        self.hold = hold
        self.parked: dict[str, ParkedCall] = {}          # slot -> parked call
        core.hooks.resolvers.append(self._resolve)
        core.hooks.destination_flows["park_lot"] = self._lot_dialled
        core.hooks.destination_flows["park_slot"] = self._slot_dialled
        core.hooks.features["park"] = self._park_code
        core.hooks.busy_lamps.append(self.lamps)

    # --- lots --------------------------------------------------------------------------------------
    @property
    def lots(self) -> list[ParkLotConfig]:
        return list(self.core.settings.features.park.lots)

    def allowed(self, lot: ParkLotConfig, party: str) -> bool:
        return not lot.members or extension_of(self.core, party) in lot.members

    def lot_for(self, party: str, number: str | None = None) -> ParkLotConfig | None:
        for lot in self.lots:
            if (number is None or lot.number == number or number in lot.slots) and self.allowed(lot, party):
                return lot
        return None

    def visible_to(self, extension: str) -> list[ParkedCall]:
        """Parked calls in the lots `extension` may see (all of them for "")."""
        names = {lot.name for lot in self.lots if not extension or not lot.members or extension in lot.members}
        return [p for p in self.parked.values() if p.lot in names]

    def lamps(self, core: Core) -> dict[str, DialogState]:
        """Busy lamps of the slots (RFC 4235 dialog states): a parked call shows confirmed with its
        caller as the remote party, a call ringing back its parker early, a free slot terminated."""
        out = {slot: DialogState() for lot in self.lots for slot in lot.slots}
        for p in self.parked.values():
            who = core.parties.get(p.parked)
            remote = who.identity().number if who is not None else ""
            state = EARLY if p.machine.state is not ParkState.PARKED else CONFIRMED
            out[p.slot] = DialogState(state, "recipient", remote)
        return out

    def _resolve(self, core: Core, number: str) -> Destination | None:
        for lot in self.lots:
            if number == lot.number:
                return Destination("park_lot", number, (), lot.name)
            if number in lot.slots:
                return Destination("park_slot", number, (), lot.name)
        return None

    # --- parking ---------------------------------------------------------------------------------
    def park(self, call: Call, parker: str, lot_number: str | None = None) -> tuple[ParkOutcome, str]:
        """Park `call`'s party that is not `parker`; (outcome, slot). The parker's phone is told."""
        core = self.core
        lot = self.lot_for(parker, lot_number)
        far = other(call, parker) or call.caller
        if lot is None:
            return ParkOutcome.NOT_ALLOWED, ""
        slot = next((s for s in lot.slots if s not in self.parked), None)
        if slot is None or not far:
            return ParkOutcome.NO_FREE_SLOT, ""
        if self.hold.is_held(call):
            self.hold.hand_over(call)
        core.unbridge(call)
        if core.party(parker).call == call.id:
            core.party(parker).call = None
        call.flow = PARK_FLOW
        call.caller, call.callee = far, ""
        call.alerting.clear()
        self.parked[slot] = ParkedCall(call.id, lot.name, slot, far, parker, core.now,
                                       machine("park", slot, PARK_TABLE, ParkState.PARKED))
        call.extra["park"] = {"slot": slot, "lot": lot.name, "by": extension_of(core, parker)}
        core.party(far).hold(call, music_for(core, extension=extension_of(core, parker)))
        core.after(call.owner, "park", float(lot.timeout_s), lambda at: self._timeout(slot))
        self._tell_parker(parker, slot, lot)
        return ParkOutcome.PARKED, slot

    def _tell_parker(self, parker: str, slot: str, lot: ParkLotConfig) -> None:
        core = self.core
        leg = core.fxs.get(parker)
        if leg is not None and leg.machine.accepts(FxsEvent.FAIL):
            core.timers.cancel(parker, "digits")
            leg.fire(FxsEvent.FAIL)
        if leg is None or leg.state is FxsState.RELEASING:
            if lot.announce:
                core.party(parker).prompt(spoken(slot), core.settings.language)
            else:
                core.play(parker, "busy")

    def _park_held(self, parker: str, lot_number: str | None) -> ParkOutcome:
        """Park code or lot number dialled with a call on hold: park the newest held call."""
        core = self.core
        held = self.hold.held_by(parker)
        if not held:
            leg = core.fxs.get(parker)
            if leg is not None:
                core.fail(leg, "congestion")
            return ParkOutcome.NOTHING_TO_PARK
        outcome, _slot = self.park(held[-1], parker, lot_number)
        if not _slot:
            leg = core.fxs.get(parker)
            if leg is not None:
                core.fail(leg, "congestion")
        return outcome

    def _park_code(self, core: Core, leg: FxsLeg, target: FeatureTarget, now: float) -> None:
        self._park_held(leg.id, None)

    def _lot_dialled(self, core: Core, call: Call, destination: Destination, now: float) -> None:
        if call.answer is not None:          # a call transferred to the lot
            parker = str(call.extra.get("parker", "")) or call.caller
            self.park(call, parker, destination.number)
            return
        parker = call.caller
        drop_call(core, call)
        self._park_held(parker, destination.number)

    # --- retrieving --------------------------------------------------------------------------------
    def _slot_dialled(self, core: Core, call: Call, destination: Destination, now: float) -> None:
        """A phone dialled a slot number: it gets the parked call (if allowed and occupied)."""
        phone = call.caller
        drop_call(core, call)
        if self.retrieve(destination.number, phone) is not ParkOutcome.RETRIEVED:
            leg = core.fxs.get(phone)
            if leg is not None:
                core.fail(leg, "congestion")

    def retrieve(self, slot: str, phone: str) -> ParkOutcome:
        core = self.core
        parked = self.parked.get(slot)
        lot = self.lot_for(phone, slot)
        if parked is None:
            return ParkOutcome.NOTHING_TO_PARK
        if lot is None:
            return ParkOutcome.NOT_ALLOWED
        call = core.calls[parked.call]
        self._unpark(call, parked, ParkEvent.RETRIEVE)
        note = call.extra.get("park")
        if isinstance(note, dict):
            note["retrieved_by"] = extension_of(core, phone)
        core.party(phone).call = call.id
        self._connect(call, parked, phone)
        return ParkOutcome.RETRIEVED

    def _unpark(self, call: Call, parked: ParkedCall, event: ParkEvent) -> None:
        parked.machine.fire(event)
        self.parked.pop(parked.slot, None)
        self.core.timers.cancel(call.owner, "park")
        for party in list(call.alerting):
            self.core.party(party).stop_alert(call)
        call.alerting.clear()

    def _connect(self, call: Call, parked: ParkedCall, phone: str) -> None:
        self.core.party(parked.parked).unhold(call)
        talk(self.core, call, parked.parked, phone)

    # --- timeout: recall, then the lot's destination -------------------------------------------------
    def _timeout(self, slot: str) -> None:
        core = self.core
        parked = self.parked[slot]
        call = core.calls[parked.call]
        parked.machine.fire(ParkEvent.TIMEOUT)
        lot = self.lot_for(parked.parker, slot) or self.lots[0]
        parker = core.party(parked.parker)
        if parker.available:
            call.alerting[:] = [parker.id]
            parker.alert(call, core.party(parked.parked).identity().caller_id(core))
        core.after(call.owner, "park", float(lot.recall_ring_s), lambda at: self._recall_timeout(slot, lot))

    def _recall_timeout(self, slot: str, lot: ParkLotConfig) -> None:
        core = self.core
        parked = self.parked[slot]
        call = core.calls[parked.call]
        dest = core.hooks.resolve(core, lot.destination) if lot.destination else None
        if dest is None:
            if not call.alerting and core.party(parked.parker).available:   # the parker is free again
                call.alerting[:] = [parked.parker]
                core.party(parked.parker).alert(call, core.party(parked.parked).identity().caller_id(core))
            core.after(call.owner, "park", float(lot.recall_ring_s), lambda at: self._recall_timeout(slot, lot))
            return
        parked.machine.fire(ParkEvent.RECALL_TIMEOUT)
        for party in list(call.alerting):
            core.party(party).stop_alert(call)
        call.alerting.clear()
        if dest.kind == "extension" and dest.legs and core.party(dest.legs[0]).available:
            call.alerting[:] = [dest.legs[0]]
            core.party(dest.legs[0]).alert(call, core.party(parked.parked).identity().caller_id(core))
        elif dest.kind in core.hooks.destination_flows and dest.kind != "extension":
            self._unpark(call, parked, ParkEvent.DESTINATION_ANSWERED)
            core.party(parked.parked).unhold(call)
            call.flow, call.to = "", lot.destination
            core.hooks.destination_flows[dest.kind](core, call, dest, core.now)

    # --- flow ------------------------------------------------------------------------------------
    def _by_call(self, call: Call) -> ParkedCall | None:
        return next((p for p in self.parked.values() if p.call == call.id), None)

    def party_answered(self, call: Call, party: str, source: AnswerSource) -> None:
        parked = self._by_call(call)
        if parked is None:
            raise self._unexpected(f"answer by {party}", call)
        event = ParkEvent.RECALL_ANSWERED if party == parked.parker else ParkEvent.DESTINATION_ANSWERED
        self._unpark(call, parked, event)
        call.alerting.clear()
        self._connect(call, parked, party)

    def party_gone(self, call: Call, party: str) -> None:
        parked = self._by_call(call)
        if parked is not None:
            self._unpark(call, parked, ParkEvent.CALLER_LEFT)
        self.core.end_call(call, Disposition.ANSWERED if call.answer else Disposition.CANCELLED,
                           HangupSide.CALLER, "hung up while parked")
