"""Inbound calls from an FXO line to its destination extension, with the line's caller ID on the
handset: rung at once when caller ID came before the first ring (ETSI EN 300 659-1 before-ring
methods), else held back until the caller ID of the first silent interval arrived or could no
longer come; answered by seizing the line; given up when no ring came for the ring timeout
(chan_dahdi `ringt`)."""

from __future__ import annotations

from dataclasses import replace

from firmware.contracts.callerid import CallerId, CidAbsence
from firmware.contracts.errors import PbxError
from firmware.contracts.ports import LineCallerId, PortEvent
from firmware.pbx.commands import AnswerSource, Direction, Disposition, HangupSide
from firmware.pbx.hooks import Flow
from firmware.pbx.legs import FxoEvent
from firmware.pbx.parties import FxoParty
from firmware.pbx.party import Identity
from firmware.pbx.state import Call, FxoLeg, FxsLeg
from firmware.pbx.talk import talk

INBOUND_ROUTE = "inbound"


class InboundCalls(Flow):
    direction = Direction.INBOUND

    # --- line events ----------------------------------------------------------------------
    def incoming(self, line: FxoLeg, event: PortEvent) -> None:
        """idle -> incoming on the first ring or on a caller ID ahead of it."""
        core = self.core
        destination = core.settings.inbound_destination(line.id) or ""
        call = core.new_call(Direction.INBOUND, line.id, to=destination, route=INBOUND_ROUTE, line=line.id)
        line.call = call.id
        if core.hooks.resolve(core, destination) is None:
            call.unreachable = (Disposition.FAILED, f"no destination {destination!r} for {line.id}")
        if isinstance(event, LineCallerId):
            self._arm_gone(call, line)
            self.caller_id(line, event)
        else:
            self.ring_on(line)

    def ring_on(self, line: FxoLeg) -> None:
        call = self._call(line)
        call.rings += 1
        self.core.timers.cancel(call.owner, "gone")
        if call.rung:
            return
        settings = self.core.settings
        line_cid = settings.line(line.id)
        if call.caller_id is not None or settings.cid_before_ring or not (line_cid and line_cid.caller_id):
            self._ring(call)
        else:
            call.waiting_cid = True

    def ring_off(self, line: FxoLeg) -> None:
        core = self.core
        call = self._call(line)
        self._arm_gone(call, line)
        if call.waiting_cid and core.timers.pending(call.owner, "cid_wait") is None:
            cadence = core.settings.ring_cadence
            gap_ms = sum(cadence.pattern[1:2 * cadence.cid_after])  # to the end of the CID interval
            wait = gap_ms / 1000 + core.settings.calls.inbound_cid_wait_s
            core.after(call.owner, "cid_wait", wait, lambda at: self._ring(call))

    def caller_id(self, line: FxoLeg, event: LineCallerId) -> None:
        call = self._call(line)
        cid = event.caller_id
        call.caller_id = cid
        call.from_number = cid.number or ""
        call.from_name = cid.name or ""
        party = self.core.party(line.id)
        if isinstance(party, FxoParty):
            party.remote = Identity(call.from_number, call.from_name)
        if not call.rung and call.rings > 0:
            self._ring(call)

    def caller_gone(self, line: FxoLeg) -> None:
        """incoming -> idle: no ring for the ring timeout, or the exchange dropped the line."""
        core = self.core
        call = self._call(line)
        if call.flow_name != self.flow_name:   # a feature's flow has it (ring group, call waiting)
            core.flow_of(call).caller_gave_up(call, line)
            return
        line.call = None
        rung = [p for p in (call.callee, *call.alerting) if p] if call.rung else []
        if call.rung or call.unreachable is None:
            core.end_call(call, Disposition.NO_ANSWER, HangupSide.CALLER, "the caller gave up", release=rung)
        else:
            disposition, reason = call.unreachable
            core.end_call(call, disposition, HangupSide.CALLER, reason)

    def _arm_gone(self, call: Call, line: FxoLeg) -> None:
        timeout = self.core.settings.calls.line_ring_timeout_s
        self.core.after(call.owner, "gone", timeout, lambda at: self._gone(line))

    def _gone(self, line: FxoLeg) -> None:
        line.fire(FxoEvent.GONE)
        self.caller_gone(line)

    def _call(self, line: FxoLeg) -> Call:
        call = self.core.call_of(line)
        if call is None:
            raise PbxError(f"{line.id}: incoming-call event without a call")
        return call

    # --- ringing the destination -----------------------------------------------------------
    def _ring(self, call: Call) -> None:
        core = self.core
        core.timers.cancel(call.owner, "cid_wait")
        call.waiting_cid = False
        if not call.rung and core.hooks.screen_inbound(core, call):   # lists, caller-ID routing
            return
        if call.rung or call.unreachable is not None:
            return
        dest = core.hooks.resolve(core, call.to)
        if dest is not None and dest.kind != "extension":
            core.hooks.destination_flows[dest.kind](core, call, dest, core.now)
            return
        target = core.parties.get(dest.legs[0]) if dest is not None and dest.legs else None
        if target is None or target.alarm:
            call.unreachable = (Disposition.CONGESTION, f"extension {call.to} is out of order")
        elif not target.available:
            if core.hooks.offer_busy(core, call, target.id, self._handset_cid(call)):
                call.rung = True
            else:
                call.unreachable = (Disposition.BUSY, f"extension {call.to} is busy")
        else:
            call.rung, call.callee = True, target.id
            target.alert(call, self._handset_cid(call))
            for listener in core.hooks.alerted:          # no-answer forwarding
                listener(core, call, target.id)

    def _handset_cid(self, call: Call) -> CallerId:
        cid = call.caller_id or CallerId(number_absence=CidAbsence.UNAVAILABLE)
        return replace(cid, when=self.core.wall)

    # --- call progress ----------------------------------------------------------------------
    def answered(self, call: Call, leg: FxsLeg) -> None:
        self.party_answered(call, leg.id, AnswerSource.OFF_HOOK)

    def party_answered(self, call: Call, party: str, source: AnswerSource) -> None:
        """The rung phone (any technology) answered."""
        core = self.core
        core.timers.cancel_owner(call.owner)
        core.answer(call, source)
        talk(core, call, call.line, party)

    def pick_up(self, call: Call, picker: str) -> bool:
        core = self.core
        if call.answer is not None or not call.rung or not call.callee:
            return False
        core.timers.cancel_owner(call.owner)
        core.party(call.callee).stop_alert(call)
        core.answer(call, AnswerSource.PICKUP)
        talk(core, call, call.line, picker)
        return True

    def leg_failed(self, call: Call, leg_id: str, reason: str) -> None:
        """Before the answer (answered calls belong to the talk flow)."""
        if leg_id == call.line:  # the line failed: the call is over
            rung = [p for p in (call.callee, *call.alerting) if p] if call.rung else []
            self.core.end_call(call, Disposition.FAILED, HangupSide.SYSTEM, reason, release=rung,
                               role="congestion")
        else:  # the rung extension failed: the line rings on unanswered
            call.callee, call.rung = "", False
            call.unreachable = (Disposition.CONGESTION, reason)
