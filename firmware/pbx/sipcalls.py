"""SIP legs in the engine: calls that IP phones and trunks start (INVITE in, RFC 3261 §13.3 UAS),
calls to IP phones and over trunks (INVITE out, §13.2 UAC: 180/183 with early media, RFC 3960;
failover to the next line of the route on 5xx/408 as in RFC 3261 §16.7 serial forking), digits
relayed between SIP (RFC 4733 / INFO) and analog legs, and the far end's hold and REFER noted.

`SipCalls.install` plugs SIP into an `Engine`: a resolver for SIP extension numbers, the flow "sip"
for SIP-started calls and for trunk attempts, and a line seizer for route lines "trunk:<name>"
(used by analog outbound hunting too). `handle` takes one SIP event (sans-IO, like Engine.handle);
`port_event` relays a handset's or line's digit to the SIP leg it talks to.
"""

from __future__ import annotations

import logging
from datetime import datetime

from firmware.contracts.callerid import CallerId, CidAbsence
from firmware.contracts.ports import DialDigits, DigitReceived, PortEvent
from firmware.contracts.tones import ToneSegment, ToneSpec
from firmware.pbx.commands import AnswerSource, Command, Direction, Disposition, HangupSide, fxo_leg, fxs_leg
from firmware.pbx.core import Core
from firmware.pbx.engine import Engine
from firmware.pbx.hooks import Destination, PartyFlow
from firmware.pbx.numbering import EmergencyTarget, ExtensionTarget, OutsideTarget
from firmware.pbx.parties import FxoParty, FxsParty
from firmware.pbx.party import Identity, Party
from firmware.pbx.routes import RouteChoice
from firmware.pbx.sipmsg import (
    SipAnswered,
    SipDigit,
    SipEnded,
    SipEvent,
    SipHold,
    SipIncoming,
    SipProgress,
    SipRefer,
    SipRing,
    SipSendDigits,
    SipTransferred,
)
from firmware.pbx.sipparties import SipLegs, SipParty, SipPhase, SipPhoneParty, SipSettings, SipTrunkParty
from firmware.pbx.sipphone import attended_transfer, blind_transfer, far_hold
from firmware.pbx.state import Call, FxoLeg
from firmware.pbx.talk import talk

log = logging.getLogger("pbxd.engine")
SIP_FLOW = "sip"
FAILOVER = range(500, 600)
DTMF_FREQS = {d: (lo, hi) for row, lo in zip(("123A", "456B", "789C", "*0#D"), (697, 770, 852, 941))
              for d, hi in zip(row, (1209, 1336, 1477, 1633))}
BUSY_CODES = (486, 600, 603)


def dtmf_tone(digit: str, level_dbm0: float = -10.0) -> ToneSpec:
    low, high = DTMF_FREQS[digit]
    return ToneSpec(f"dtmf-{digit}", (ToneSegment((low, high), 100),), None, level_dbm0)


class SipCalls(PartyFlow):
    direction = Direction.INTERNAL
    name = SIP_FLOW

    def __init__(self, engine: Engine, settings: SipSettings) -> None:
        super().__init__(engine.core)
        self.engine = engine
        self.legs = SipLegs(engine.core, settings)
        self._codes: dict[str, int] = {}       # leg -> the SIP code that just ended it

    @classmethod
    def install(cls, engine: Engine, settings: SipSettings) -> SipCalls:
        sip = cls(engine, settings)
        hooks = engine.core.hooks
        hooks.flows[SIP_FLOW] = sip
        hooks.resolvers.append(sip._resolve)
        hooks.line_seizers["trunk"] = sip._seize_trunk
        hooks.busy.append(sip._second_call)
        hooks.call_ended.append(lambda core, call: engine.outbound.forget(call.id))
        for ext in settings.extensions:       # destinations must exist before anybody dials them
            sip.legs.phone(f"sip:{ext.number}")
        return sip

    @property
    def settings(self) -> SipSettings:
        return self.legs.settings

    def _second_call(self, core: Core, call: Call, party: str, caller_id: CallerId) -> bool:
        """An IP phone already in a call takes another one (the phone shows it as waiting): a further
        leg "sip:<ext>.<n>" is alerted when a call slot is free."""
        busy = core.parties.get(party)
        if not isinstance(busy, SipPhoneParty) or self.legs.free_slots == 0:
            return False
        n = 2
        while f"{party}.{n}" in core.parties:
            n += 1
        extra = self.legs.phone(f"{party}.{n}")
        call.callee = extra.id
        extra.alert(call, caller_id)
        return True

    def _resolve(self, core: Core, number: str) -> Destination | None:
        ext = self.settings.extension(number)
        if ext is None:
            return None
        return Destination("extension", ext.number, (f"sip:{ext.number}",), ext.name)

    # --- input ------------------------------------------------------------------------------------
    def handle(self, event: SipEvent, now: float, wall: datetime) -> list[Command]:
        out = self.engine.tick(now, wall)
        core = self.core
        party = core.parties.get(event.leg)
        if isinstance(event, SipIncoming):
            self._incoming(event)
        elif not isinstance(party, SipParty) or party.call is None or party.call not in core.calls:
            log.debug("SIP event for a leg without a call: %r", event)
        elif isinstance(event, SipProgress):
            self._progress(party, core.calls[party.call], event)
        elif isinstance(event, SipAnswered):
            call = core.calls[party.call]
            if party.phase is SipPhase.ALERTING:
                party.phase = SipPhase.TALKING
                core.flow_of(call).party_answered(call, party.id, AnswerSource.OFF_HOOK)
        elif isinstance(event, SipEnded):
            self._ended(party, core.calls[party.call], event)
        elif isinstance(event, SipDigit):
            if not core.hooks.offer_digit(core, party.id, event.digit):    # a menu or PIN entry takes it
                self._relay_digit(core.calls[party.call], party.id, event.digit)
        elif isinstance(event, SipHold):
            far_hold(core, party, core.calls[party.call], event.held)
        elif isinstance(event, SipTransferred):
            core.calls[party.call].extra["transferred_to"] = event.target
        elif isinstance(event, SipRefer) and event.replaces:
            attended_transfer(self, party, core.calls[party.call], event)
        elif isinstance(event, SipRefer):
            blind_transfer(self, party, core.calls[party.call], event)
        return out + core.out.take()

    def port_event(self, event: PortEvent) -> list[Command]:
        """A digit on a handset or line that talks to a SIP leg goes to that leg as DTMF."""
        if not isinstance(event, DigitReceived):
            return []
        core = self.core
        for leg in (fxs_leg(event.port), fxo_leg(event.port)):
            party = core.parties.get(leg)
            call = core.call_of(party) if party is not None else None
            if party is not None and call is not None and party.talking:
                other = core.parties.get(call.other(leg))
                if isinstance(other, SipParty) and other.phase is SipPhase.TALKING:
                    core.out.emit(SipSendDigits(other.id, event.digit))
        return core.out.take()

    # --- calls IP phones and trunks start -----------------------------------------------------------
    def _incoming(self, ev: SipIncoming) -> None:
        core = self.core
        if ev.trunk:
            caller: SipParty = self.legs.trunk_call(ev.leg)
            assert isinstance(caller, SipTrunkParty)
            caller.remote = Identity(ev.caller, ev.caller_name)
            call = core.new_call(Direction.INBOUND, ev.leg, from_number=ev.caller, from_name=ev.caller_name,
                                 to=ev.to, route="inbound", line=f"trunk:{ev.trunk}")
            call.extra["did"] = ev.did
        else:
            caller = self.legs.phone(ev.leg)
            me = caller.identity()
            call = core.new_call(Direction.INTERNAL, ev.leg, from_number=me.number, from_name=me.name,
                                 to=ev.to, dialled=ev.to)
        call.flow = SIP_FLOW
        caller.incoming(call)
        if ev.trunk:
            if not core.hooks.screen_inbound(core, call):       # black/white lists, caller-ID routing
                self._to_destination(call, call.to)
            return
        result = core.settings.plan.evaluate(ev.to)
        target = result.target if result.target is not None else core.settings.plan.finish(ev.to)
        if isinstance(target, ExtensionTarget) or self.settings.extension(ev.to) is not None:
            self._to_destination(call, ev.to)
        elif isinstance(target, OutsideTarget | EmergencyTarget):
            self._outside(call, caller, target)
        else:
            self._refuse(call, Disposition.FAILED, "info", f"{ev.to} is not a number here")

    def _to_destination(self, call: Call, number: str) -> None:
        core = self.core
        dest = core.hooks.resolve(core, number)
        if dest is not None and dest.kind != "extension":
            core.hooks.destination_flows[dest.kind](core, call, dest, core.now)
            return
        target = core.parties.get(dest.legs[0]) if dest is not None and dest.legs else None
        if target is None and dest is not None and dest.legs and dest.legs[0].startswith("sip:"):
            target = self.legs.phone(dest.legs[0])
        cid = CallerId(number=call.from_number or None, name=call.from_name or None, when=core.wall)
        if not call.from_number:
            cid = CallerId(number_absence=CidAbsence.UNAVAILABLE, name=call.from_name or None, when=core.wall)
        if target is None:
            self._refuse(call, Disposition.FAILED, "info", f"{number} is not an extension")
        elif target.alarm:
            self._refuse(call, Disposition.CONGESTION, "congestion", f"extension {number} is out of order")
        elif target.id == call.caller or not target.available:
            if target.id != call.caller and core.hooks.offer_busy(core, call, target.id, cid):
                self._ringing(call)
            else:
                self._refuse(call, Disposition.BUSY, "busy", f"extension {number} is busy")
        else:
            call.callee = target.id
            target.alert(call, cid)
            self._ringing(call)
            for listener in core.hooks.alerted:          # no-answer forwarding
                listener(core, call, target.id)

    def _ringing(self, call: Call) -> None:
        core = self.core
        core.out.emit(SipRing(call.caller, 180))
        if core.settings.calls.no_answer_s > 0:
            core.after(call.owner, "no_answer", core.settings.calls.no_answer_s, lambda at: self.no_answer(call))

    def no_answer(self, call: Call) -> None:
        self.core.end_call(call, Disposition.NO_ANSWER, HangupSide.SYSTEM, "nobody answered",
                           release=[p for p in (call.caller, call.callee, *call.alerting) if p])

    def _refuse(self, call: Call, disposition: Disposition, role: str, reason: str) -> None:
        side = HangupSide.CALLEE if disposition is Disposition.BUSY else HangupSide.SYSTEM
        self.core.end_call(call, disposition, side, reason, release=[call.caller], role=role)

    # --- outside numbers from IP phones -----------------------------------------------------------
    def _outside(self, call: Call, caller: SipParty, target: OutsideTarget | EmergencyTarget) -> None:
        core = self.core
        assert isinstance(caller, SipPhoneParty)
        routes = core.settings.routes
        choice: RouteChoice | None = routes.emergency(target) if isinstance(target, EmergencyTarget) \
            else routes.find(target.digits)
        call.direction = Direction.OUTBOUND
        if choice is None:
            self._refuse(call, Disposition.FAILED, "info", "no route for this number")
            return
        call.route, call.to = choice.route.name, choice.number
        if not choice.allows(caller.ext.permission):
            self._refuse(call, Disposition.FAILED, "forbidden",
                         f"{choice.needs.label} calls are not permitted for {caller.ext.number}")
            return
        call.spare_lines = core.hunter.order(choice.route)
        self._next_line(call)

    def _next_line(self, call: Call) -> None:
        """Take the next free line of the call's hunt list (a trunk or an FXO line), or congestion."""
        core = self.core
        while call.spare_lines:
            line_id = call.spare_lines.pop(0)
            if line_id.startswith("trunk:"):
                if self._seize_trunk(core, call, call.caller, line_id):
                    return
                continue
            line = core.parties.get(line_id)
            if isinstance(line, FxoParty) and line.available:
                call.line = call.callee = line_id
                line.dial_out(call, call.to)
                core.out.emit(SipRing(call.caller, 183))      # the caller hears the exchange
                core.bridge(call, call.caller, line_id)
                return
        self._refuse(call, Disposition.CONGESTION, "congestion", "no free line")

    def _seize_trunk(self, core: Core, call: Call, caller: str, line_id: str) -> bool:
        """Line seizer for "trunk:<name>": start a trunk call for `call` if the trunk has room."""
        name = line_id[len("trunk:"):]
        if not self.legs.trunk_free(name):
            return False
        party = self.legs.trunk_call(self.legs.new_trunk_leg(name))
        me = core.parties[caller]
        identity = Identity("", me.identity().name)
        privacy = False
        if isinstance(me, SipPhoneParty):
            identity = Identity(me.ext.caller_id, me.ext.name)
            privacy = me.ext.privacy
        elif isinstance(me, FxsParty) and (analog := core.settings.extension_at(me.leg.port)) is not None:
            identity = Identity(analog.caller_id, analog.name)
            privacy = analog.privacy
        call.flow = SIP_FLOW
        call.line, call.callee = line_id, party.id
        privacy = privacy or bool(call.extra.get("privacy"))      # the withhold code, for this call
        party.dial_out(call, call.to, identity, privacy=privacy)
        if isinstance(me, FxsParty):
            core.play(caller, "ringback")
        return True

    # --- progress and the end ---------------------------------------------------------------------
    def _progress(self, party: SipParty, call: Call, ev: SipProgress) -> None:
        core = self.core
        if party.id != call.callee or call.answer is not None:
            return
        caller = core.parties.get(call.caller)
        if ev.early_media and not party.early_media:
            party.early_media = True
            core.out.stop_tone(call.caller)
            if isinstance(caller, SipParty) and caller.phase is SipPhase.CALLING:
                core.out.emit(SipRing(call.caller, 183))
            core.unbridge(call)
            core.bridge(call, call.caller, party.id)
        elif not party.early_media and isinstance(caller, SipParty) and caller.phase is SipPhase.CALLING:
            core.out.emit(SipRing(call.caller, 180))

    def _ended(self, party: SipParty, call: Call, ev: SipEnded) -> None:
        self._codes[party.id] = ev.code
        if ev.code and ev.reason:
            call.extra.setdefault("sip_reason", f"{ev.code} {ev.reason}")
        answered = party.phase is SipPhase.TALKING
        party.gone()
        flow = self.core.flow_of(call)
        if answered or flow is not self:
            if ev.code == 408 and answered:
                flow.leg_failed(call, party.id, ev.reason or "the far end vanished")
            elif isinstance(flow, PartyFlow):
                flow.party_gone(call, party.id)
            else:
                flow.leg_failed(call, party.id, ev.reason or f"SIP {ev.code}")
            return
        self.party_gone(call, party.id)

    def party_answered(self, call: Call, party: str, source: AnswerSource) -> None:
        core = self.core
        core.timers.cancel(call.owner, "no_answer")
        if call.answer is None:             # (a transferred call keeps its first answer time)
            core.answer(call, source)
        talk(core, call, call.caller, party)

    def party_gone(self, call: Call, party: str) -> None:
        core = self.core
        if party == call.caller:
            disposition = Disposition.NO_ANSWER if call.direction is Direction.INBOUND else Disposition.CANCELLED
            core.end_call(call, disposition, HangupSide.CALLER, "the caller hung up before the answer",
                          release=[p for p in (call.callee, *call.alerting) if p])
            return
        code = self._codes.pop(party, 0)
        if call.line and (code in FAILOVER or code == 408) and call.spare_lines:
            failed = call.extra.setdefault("failed_lines", [])
            if isinstance(failed, list):
                failed.append(f"{call.line}: {call.extra.pop('sip_reason', code)}")
            core.unbridge(call)
            self._failover(call)
            return
        if code in BUSY_CODES:
            core.end_call(call, Disposition.BUSY, HangupSide.CALLEE, f"busy ({code})", release=[call.caller],
                          role="busy")
        else:
            reason = str(call.extra.get("sip_reason", "")) or f"{party} left before the answer"
            core.end_call(call, Disposition.FAILED, HangupSide.CALLEE, reason, release=[call.caller],
                          role="congestion")

    def _failover(self, call: Call) -> None:
        core = self.core
        caller = core.parties[call.caller]
        call.line = call.callee = ""
        if isinstance(caller, FxsParty):
            call.flow = ""                       # back to analog outbound hunting
            self.engine.outbound.next_line(call, caller.leg)
        else:
            self._next_line(call)

    def caller_gave_up(self, call: Call, line: FxoLeg) -> None:
        self.core.party(line.id).gone()
        self.party_gone(call, line.id)

    # --- digits -----------------------------------------------------------------------------------
    def _relay_digit(self, call: Call, leg: str, digit: str) -> None:
        core = self.core
        other: Party | None = core.parties.get(call.other(leg))
        if digit not in DTMF_FREQS or other is None or not other.talking:
            return
        if isinstance(other, FxsParty):
            core.out.play(other.id, dtmf_tone(digit))
        elif isinstance(other, FxoParty):
            core.out.emit(DialDigits(other.line.port, digit))
        elif isinstance(other, SipParty):
            core.out.emit(SipSendDigits(other.id, digit))
