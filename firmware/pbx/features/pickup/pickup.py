"""Call pickup (Asterisk callgroup/pickupgroup practice; our users' brief): a phone in a pickup group
answers a call ringing on another member's phone - the oldest ringing call of its groups (group
pickup, `*8`), or the call ringing on one extension (directed pickup, `**` + extension, within a
shared group unless `directed_needs_group` is off). The ringing stops everywhere (a ring group's
every member too), the picker talks to the caller; who picked up whose call is written to the
call record (`extra.pickup`) and is in the snapshot (an analog handset shows no caller ID after
the answer; a SIP phone later gets it by re-INVITE/UPDATE)."""

from __future__ import annotations

import enum
from types import MappingProxyType

from firmware.pbx.core import Core
from firmware.pbx.features.common import extension_of, machine
from firmware.pbx.legs import FxsEvent, FxsState, Table
from firmware.pbx.numbering import FeatureTarget
from firmware.pbx.state import Call, FxsLeg


class PickupState(enum.Enum):
    LOOKING = "looking"
    DONE = "done"


class PickupEvent(enum.Enum):
    FOUND = "found"
    NOTHING = "nothing"
    REFUSED = "refused"


class PickupOutcome(enum.Enum):
    PICKED_UP = "picked_up"
    NOTHING_RINGING = "nothing_ringing"      # nothing rings for the picker (or it stopped this instant)
    NOT_ALLOWED = "not_allowed"              # not in a shared pickup group


_S, _E = PickupState, PickupEvent
PICKUP_TABLE: Table[PickupState, PickupEvent] = MappingProxyType({
    (_S.LOOKING, _E.FOUND): (_S.DONE, PickupOutcome.PICKED_UP.value),
    (_S.LOOKING, _E.NOTHING): (_S.DONE, PickupOutcome.NOTHING_RINGING.value),
    (_S.LOOKING, _E.REFUSED): (_S.DONE, PickupOutcome.NOT_ALLOWED.value),
})


class Pickup:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.last: list[tuple[str, PickupOutcome]] = []     # (picker, outcome), newest last (bounded)
        self._index: tuple[object, dict[str, set[str]]] = (None, {})
        core.hooks.features["pickup"] = self._group_code
        core.hooks.features["directed_pickup"] = self._directed_code

    # --- who may pick up what ----------------------------------------------------------------------
    def groups_of(self, extension: str) -> set[str]:
        config = self.core.settings.features.pickup
        if self._index[0] is not config:                # rebuilt when the settings change
            index: dict[str, set[str]] = {}
            for g in config.groups:
                for member in g.members:
                    index.setdefault(member, set()).add(g.name)
            self._index = (config, index)
        return self._index[1].get(extension, set())

    def may_pick(self, picker: str, ringing: str) -> bool:
        """Extension `picker` may pick up a call ringing at extension `ringing`."""
        return bool(self.groups_of(picker) & self.groups_of(ringing))

    def ringing_calls(self) -> list[tuple[Call, list[str]]]:
        """Unanswered calls and the phones they ring now, oldest first."""
        out = []
        for call in sorted(self.core.calls.values(), key=lambda c: c.start):
            if call.answer is not None:
                continue
            rung = [p for p in dict.fromkeys([call.callee, *call.alerting]) if p and self._rings(p, call)]
            if rung:
                out.append((call, rung))
        return out

    def _rings(self, party: str, call: Call) -> bool:
        p = self.core.parties.get(party)
        return p is not None and p.call == call.id and p.alerting and p.kind.value == "phone"

    # --- feature codes ---------------------------------------------------------------------------
    def _group_code(self, core: Core, leg: FxsLeg, target: FeatureTarget, now: float) -> None:
        self.pick(leg.id, None)

    def _directed_code(self, core: Core, leg: FxsLeg, target: FeatureTarget, now: float) -> None:
        self.pick(leg.id, target.argument)

    def find(self, picker: str, extension: str | None) -> tuple[Call | None, PickupOutcome]:
        core = self.core
        me = extension_of(core, picker)
        needs_group = extension is None or core.settings.features.pickup.directed_needs_group
        refused = False
        for call, rung in self.ringing_calls():
            for party in rung:
                number = extension_of(core, party)
                if party == picker or (extension is not None and number != extension):
                    continue
                if needs_group and not self.may_pick(me, number):
                    refused = True
                    continue
                return call, PickupOutcome.PICKED_UP
        return None, PickupOutcome.NOT_ALLOWED if refused else PickupOutcome.NOTHING_RINGING

    def pick(self, picker: str, extension: str | None) -> PickupOutcome:
        """The phone `picker` (off-hook, having dialled the code) picks up; its leg moves on."""
        core = self.core
        state = machine("pickup", picker, PICKUP_TABLE, PickupState.LOOKING)
        call, outcome = self.find(picker, extension)
        leg = core.fxs.get(picker)
        if call is None:
            state.fire(PickupEvent.REFUSED if outcome is PickupOutcome.NOT_ALLOWED else PickupEvent.NOTHING)
            if leg is not None:
                core.fail(leg, "congestion")
            self._log(picker, outcome)
            return outcome
        ringing = [p for p in (call.callee, *call.alerting) if p and p != picker]
        if leg is not None and leg.state is FxsState.COLLECTING:
            leg.fire(FxsEvent.NUMBER_COMPLETE)
        core.party(picker).call = call.id
        call.extra["pickup"] = {"by": extension_of(core, picker), "ringing": extension_of(core, ringing[0])
                                if ringing else "", "caller": call.from_number, "caller_name": call.from_name}
        if not core.flow_of(call).pick_up(call, picker):
            core.party(picker).call = None
            call.extra.pop("pickup", None)
            state.fire(PickupEvent.NOTHING)
            if leg is not None:
                core.fail(leg, "congestion")
            self._log(picker, PickupOutcome.NOTHING_RINGING)
            return PickupOutcome.NOTHING_RINGING
        state.fire(PickupEvent.FOUND)
        self._log(picker, PickupOutcome.PICKED_UP)
        return PickupOutcome.PICKED_UP

    def _log(self, picker: str, outcome: PickupOutcome) -> None:
        self.last = [*self.last[-19:], (picker, outcome)]
