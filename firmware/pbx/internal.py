"""Internal calls between two extensions (FXS to FXS): ring with caller ID, ringback, busy and
congestion, answer, release by either side, no-answer timeout (chan_dahdi/sig_analog practice)."""

from __future__ import annotations

from firmware.contracts.callerid import CallerId
from firmware.pbx.commands import AnswerSource, Direction, Disposition, HangupSide
from firmware.pbx.hooks import Flow
from firmware.pbx.legs import FxsEvent
from firmware.pbx.state import Call, FxsLeg
from firmware.pbx.talk import talk


class InternalCalls(Flow):
    direction = Direction.INTERNAL

    def start(self, leg: FxsLeg, number: str) -> None:
        """The caller on `leg` dialled extension `number` (the leg is in `collecting`)."""
        core = self.core
        me = core.settings.extension_at(leg.port)
        call = core.new_call(Direction.INTERNAL, leg.id, from_number=me.number if me else "",
                             from_name=me.name if me else f"Port {leg.port}", to=number, dialled=leg.digits)
        leg.call = call.id
        leg.fire(FxsEvent.NUMBER_COMPLETE)
        dest = core.hooks.resolve(core, number)
        if dest is not None and dest.kind != "extension":
            core.hooks.destination_flows[dest.kind](core, call, dest, core.now)
            return
        target = core.parties.get(dest.legs[0]) if dest is not None and dest.legs else None
        caller_id = CallerId(number=call.from_number or None, name=call.from_name, when=core.wall)
        if target is None:
            self._refuse(call, leg, Disposition.FAILED, "congestion", f"{number} is not an extension")
        elif target.alarm:
            self._refuse(call, leg, Disposition.CONGESTION, "congestion",
                         f"extension {number} is out of order")
        elif target.id == leg.id:
            self._refuse(call, leg, Disposition.BUSY, "busy", f"extension {number} is busy")
        elif not target.available:
            if not core.hooks.offer_busy(core, call, target.id, caller_id):
                self._refuse(call, leg, Disposition.BUSY, "busy", f"extension {number} is busy")
            else:
                self._ringback(call, leg)
        else:
            call.callee = target.id
            target.alert(call, caller_id)
            self._ringback(call, leg)
            for listener in core.hooks.alerted:          # no-answer forwarding
                listener(core, call, target.id)

    def _ringback(self, call: Call, leg: FxsLeg) -> None:
        core = self.core
        core.play(leg.id, "ringback")
        if core.settings.calls.no_answer_s > 0:
            core.after(call.owner, "no_answer", core.settings.calls.no_answer_s,
                       lambda at: self._no_answer(call))

    def _refuse(self, call: Call, leg: FxsLeg, disposition: Disposition, role: str, reason: str) -> None:
        side = HangupSide.CALLEE if disposition is Disposition.BUSY else HangupSide.SYSTEM
        self.core.end_call(call, disposition, side, reason)
        self.core.fail(leg, role)

    def _no_answer(self, call: Call) -> None:
        core = self.core
        core.end_call(call, Disposition.NO_ANSWER, HangupSide.SYSTEM, "nobody answered",
                      release=[p for p in (call.callee, *call.alerting) if p])
        core.fail(core.fxs[call.caller], "busy")

    def answered(self, call: Call, leg: FxsLeg) -> None:
        self.party_answered(call, leg.id, AnswerSource.OFF_HOOK)

    def party_answered(self, call: Call, party: str, source: AnswerSource) -> None:
        """The rung phone (any technology) answered."""
        core = self.core
        core.timers.cancel(call.owner, "no_answer")
        core.answer(call, source)
        talk(core, call, call.caller, party)

    def pick_up(self, call: Call, picker: str) -> bool:
        """Another phone answers the ringing call: the rung handset stops, the picker talks."""
        core = self.core
        if call.answer is not None or not call.callee:
            return False
        core.timers.cancel(call.owner, "no_answer")
        core.party(call.callee).stop_alert(call)
        core.answer(call, AnswerSource.PICKUP)
        talk(core, call, call.caller, picker)
        return True

    def hung_up(self, call: Call, leg: FxsLeg) -> None:
        """The caller hung up while the callee rang (answered calls belong to the talk flow)."""
        callee = call.other(leg.id)
        self.core.end_call(call, Disposition.CANCELLED, HangupSide.CALLER, "caller hung up while ringing",
                           release=[callee] if callee else [])
        self.core.reset_fxs(leg)

    def leg_failed(self, call: Call, leg_id: str, reason: str) -> None:
        other = call.other(leg_id)
        self.core.end_call(call, Disposition.FAILED, HangupSide.SYSTEM, reason,
                           release=[other] if other else [], role="congestion")
