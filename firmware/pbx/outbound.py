"""Outbound calls over FXO lines: route choice, permission class, hunting and failover, seize,
dial (DTMF or pulses), answer by polarity reversal or assumed when dialling is done, release
(Asterisk chan_dahdi FXS-signalled lines: answer on polarity switch, else "answer" after dialling).
A caller who withholds the number gets the line's withhold prefix dialled first (ETSI CLIR per call,
e.g. *31# in Germany), when the line has one."""

from __future__ import annotations

from firmware.contracts.ports import DialDigits, Seize
from firmware.pbx.commands import AnswerSource, Direction, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.hooks import Flow
from firmware.pbx.legs import FxoEvent, FxoState, FxsEvent
from firmware.pbx.numbering import EmergencyTarget, OutsideTarget
from firmware.pbx.numbering_plans import Permission
from firmware.pbx.parties import FxoParty, dialling_time_s
from firmware.pbx.party import Identity
from firmware.pbx.routes import EMERGENCY_ROUTE, Route, RouteChoice
from firmware.pbx.settings import LineSettings
from firmware.pbx.state import Call, FxoLeg, FxsLeg
from firmware.pbx.talk import talk


class OutboundCalls(Flow):
    direction = Direction.OUTBOUND

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self._routes: dict[int, Route] = {}

    def start(self, leg: FxsLeg, target: OutsideTarget | EmergencyTarget,
              chosen: RouteChoice | None = None, *, withhold: bool = False) -> None:
        """Dial out for the handset on `leg`: on the first matching (allowed) route, or on `chosen`
        (the route choice code; None there means the chosen route does not fit). `withhold`: this
        call presents no number on SIP trunks (the withhold code); never for emergency numbers."""
        core = self.core
        me = core.settings.extension_at(leg.port)
        permission = me.permission if me else Permission.INTERNAL
        call = core.new_call(Direction.OUTBOUND, leg.id, from_number=me.number if me else "",
                             from_name=me.name if me else f"Port {leg.port}", dialled=leg.digits)
        if withhold and not isinstance(target, EmergencyTarget):
            call.extra["privacy"] = True
        leg.call = call.id
        leg.fire(FxsEvent.NUMBER_COMPLETE)
        routes = core.settings.routes
        if chosen is not None:
            choice: RouteChoice | None = chosen
        elif isinstance(target, EmergencyTarget):
            choice = routes.emergency(target)
        else:
            choice = routes.find(target.digits, core.settings.allowed_routes(me.number) if me else None)
        if choice is None:
            call.to = leg.digits
            self._refuse(call, leg, Disposition.FAILED, "no route for this number", sit=True)
            return
        call.route, call.to = choice.route.name, choice.number
        if not choice.allows(permission):
            who = me.number if me else f"port {leg.port}"
            self._refuse(call, leg, Disposition.FAILED,
                         f"{choice.needs.label} calls are not permitted for {who}", sit=True)
            return
        self._routes[call.id] = choice.route
        call.spare_lines = core.hunter.order(choice.route)
        self._next_line(call, leg)

    def _refuse(self, call: Call, leg: FxsLeg, disposition: Disposition, reason: str, *, sit: bool) -> None:
        self._routes.pop(call.id, None)
        self.core.end_call(call, disposition, HangupSide.SYSTEM, reason)
        self.core.fail(leg, "congestion", sit=sit and self.core.settings.calls.special_info_tone)

    def _next_line(self, call: Call, caller: FxsLeg) -> None:
        """Seize the next free line of the call's hunt list, or congestion when none is left."""
        core = self.core
        while call.spare_lines:
            line_id = call.spare_lines.pop(0)
            seize = core.hooks.line_seizers.get(line_id.partition(":")[0])
            if seize is not None:                  # a SIP trunk: its flow takes the call from here
                if seize(core, call, caller.id, line_id):
                    core.hunter.used(self._routes[call.id], line_id)
                    return
                continue
            line = core.fxo.get(line_id)
            if line is not None and line.free:
                core.hunter.used(self._routes[call.id], line.id)
                self._seize(call, caller, line)
                return
        self._refuse(call, caller, Disposition.CONGESTION, "no free line", sit=False)

    def next_line(self, call: Call, caller: FxsLeg) -> None:
        """Hunt on after a line of another technology failed before the answer (SIP 5xx)."""
        self._next_line(call, caller)

    def forget(self, call_id: int) -> None:
        """A call another flow took over has ended."""
        self._routes.pop(call_id, None)

    def _seize(self, call: Call, caller: FxsLeg, line: FxoLeg) -> None:
        core = self.core
        call.line = call.callee = line.id
        call.dialling = False
        line.call = call.id
        party = core.party(line.id)
        if isinstance(party, FxoParty):
            party.remote = Identity(call.to, "")
        line.fire(FxoEvent.SEIZE)
        core.out.emit(Seize(line.port))
        core.bridge(call, caller.id, line.id)  # the caller hears the exchange from now on
        delay = core.settings.calls.line_dial_delay_s
        core.after(call.owner, "dial", delay, lambda at: self._dial(call, line))

    def _dial(self, call: Call, line: FxoLeg) -> None:
        core = self.core
        settings = core.settings.line(line.id)
        pulse = settings.pulse if settings else False
        digits = self._withheld(call, settings) + call.to
        call.dialling = True
        core.out.emit(DialDigits(line.port, digits, pulse=pulse))
        seconds = dialling_time_s(digits, pulse, core.settings.timing)
        core.after(call.owner, "dial_done", seconds, lambda at: self._dial_done(call, line))

    def _withheld(self, call: Call, line: LineSettings | None) -> str:
        """The line's withhold prefix when this caller withholds the number (the withhold code, or the
        extension's `privacy`), else "". Exchanges take it as DTMF: a pulse line cannot send * or #.
        Emergency calls never withhold (the withhold code skips them; `privacy` is checked here)."""
        if line is None or not line.withhold_prefix or call.id not in self._routes:
            return ""
        if line.pulse and not line.withhold_prefix.isdigit():
            return ""
        me = self.core.settings.extension(call.from_number) if call.from_number else None
        wanted = bool(call.extra.get("privacy")) or bool(me is not None and me.privacy)
        if not wanted or self._routes[call.id].name == EMERGENCY_ROUTE:
            return ""
        return line.withhold_prefix

    def _dial_done(self, call: Call, line: FxoLeg) -> None:
        if line.state is not FxoState.SEIZED:
            return
        line.fire(FxoEvent.DIAL_DONE)
        self._answered(call, AnswerSource.ASSUMED)

    def _answered(self, call: Call, source: AnswerSource) -> None:
        core = self.core
        core.answer(call, source)
        self._routes.pop(call.id, None)
        talk(core, call, call.caller, call.line)

    def line_polarity(self, call: Call, line: FxoLeg, action: str) -> None:
        if action == "answer_polarity":
            self.core.timers.cancel(call.owner, "dial_done")
            self._answered(call, AnswerSource.POLARITY)
        elif call.answer_source is AnswerSource.ASSUMED:
            self.core.answer(call, AnswerSource.POLARITY)  # the real answer, after dialling was done

    def hung_up(self, call: Call, leg: FxsLeg) -> None:
        core = self.core
        line = core.fxo[call.line]
        disposition = Disposition.ANSWERED if call.answer is not None else Disposition.CANCELLED
        self._routes.pop(call.id, None)
        core.end_call(call, disposition, HangupSide.CALLER)
        core.release_line(line)
        core.reset_fxs(leg)

    def line_far_hung_up(self, call: Call, line: FxoLeg) -> None:
        core = self.core
        core.line_released(line)
        caller = core.fxs[call.caller]
        if not call.dialling and call.answer is None:  # dropped before we dialled: a failed seizure
            self._failover(call, caller)
            return
        disposition = Disposition.ANSWERED if call.answer is not None else Disposition.FAILED
        self._routes.pop(call.id, None)
        core.end_call(call, disposition, HangupSide.CALLEE, "" if call.answer else "the exchange hung up")
        core.far_ended(caller)

    def leg_failed(self, call: Call, leg_id: str, reason: str) -> None:
        core = self.core
        caller = core.fxs[call.caller]
        if leg_id == call.line and call.answer is None and not call.dialling:
            core.timers.cancel_owner(call.owner)
            self._failover(call, caller)
            return
        disposition = Disposition.ANSWERED if call.answer is not None else Disposition.FAILED
        self._routes.pop(call.id, None)
        line = core.fxo.get(call.line)
        core.end_call(call, disposition, HangupSide.SYSTEM, reason)
        if leg_id == call.caller:
            if line is not None and line.state in (FxoState.SEIZED, FxoState.CONNECTED):
                core.release_line(line)
        else:
            core.far_ended(caller, "congestion")

    def _failover(self, call: Call, caller: FxsLeg) -> None:
        """The line failed before dialling: try the next line of the hunt list."""
        self.core.timers.cancel_owner(call.owner)
        self.core.unbridge(call)
        call.line = call.callee = ""
        self._next_line(call, caller)
