"""Internal calls between two extensions (FXS to FXS): ring with caller ID, ringback, busy and
congestion, answer, release by either side, no-answer timeout (chan_dahdi/sig_analog practice)."""

from __future__ import annotations

from firmware.contracts.callerid import CallerId
from firmware.pbx.commands import AnswerSource, Direction, Disposition, HangupSide
from firmware.pbx.hooks import Flow
from firmware.pbx.legs import FxsEvent, FxsState
from firmware.pbx.state import Call, FxsLeg


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
        target = core.fxs.get(dest.legs[0]) if dest is not None and dest.legs else None
        if target is None:
            self._refuse(call, leg, Disposition.FAILED, "congestion", f"{number} is not an extension")
        elif target.state is FxsState.ALARM:
            self._refuse(call, leg, Disposition.CONGESTION, "congestion",
                         f"extension {number} is out of order")
        elif target is leg or target.state is not FxsState.IDLE:
            self._refuse(call, leg, Disposition.BUSY, "busy", f"extension {number} is busy")
        else:
            caller_id = CallerId(number=call.from_number or None, name=call.from_name, when=core.wall)
            core.ring(target, call, caller_id)
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
        caller, callee = core.fxs[call.caller], core.fxs[call.callee]
        core.end_call(call, Disposition.NO_ANSWER, HangupSide.SYSTEM, "nobody answered")
        core.far_ended(callee)
        core.fail(caller, "busy")

    def answered(self, call: Call, leg: FxsLeg) -> None:
        core = self.core
        core.timers.cancel(call.owner, "no_answer")
        core.answer(call, AnswerSource.OFF_HOOK)
        caller = core.fxs[call.caller]
        caller.fire(FxsEvent.FAR_ANSWERED)
        core.out.stop_tone(caller.id)
        core.bridge(call, caller.id, leg.id)

    def hung_up(self, call: Call, leg: FxsLeg) -> None:
        core = self.core
        other = core.fxs[call.other(leg.id)] if call.other(leg.id) else None
        if call.answer is None:
            core.end_call(call, Disposition.CANCELLED, HangupSide.CALLER, "caller hung up while ringing")
        else:
            side = HangupSide.CALLER if leg.id == call.caller else HangupSide.CALLEE
            core.end_call(call, Disposition.ANSWERED, side)
        core.reset_fxs(leg)
        if other is not None:
            core.far_ended(other)

    def leg_failed(self, call: Call, leg_id: str, reason: str) -> None:
        core = self.core
        other_id = call.other(leg_id)
        disposition = Disposition.ANSWERED if call.answer is not None else Disposition.FAILED
        core.end_call(call, disposition, HangupSide.SYSTEM, reason)
        if other_id:
            core.far_ended(core.fxs[other_id], "congestion")
