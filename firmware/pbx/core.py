"""Engine core: legs, parties, calls, timers and the primitive operations every call flow and
feature package uses (ring, tones, bridge, fail, far end gone, release a line, end a call with its
CDR; CDR fields and rounding as Asterisk cdr: duration and billsec in whole seconds)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from firmware.contracts.callerid import CallerId
from firmware.contracts.errors import PbxError
from firmware.contracts.ports import ForwardDisconnect, Release, RingCadence, StartRinging, StopRinging
from firmware.contracts.tones import ToneSpec
from firmware.pbx.commands import (
    AnswerSource,
    CdrRecord,
    Connect,
    Direction,
    Disconnect,
    Disposition,
    HangupSide,
    fxo_leg,
    fxs_leg,
)
from firmware.pbx.hooks import Flow, Hooks, extension_resolver
from firmware.pbx.legs import FxoEvent, FxoState, FxsEvent, FxsState
from firmware.pbx.parties import FxoParty, FxsParty
from firmware.pbx.party import Party
from firmware.pbx.routes import Hunter
from firmware.pbx.settings import PbxSettings
from firmware.pbx.state import Call, FxoLeg, FxsLeg, Outbox, TimerFn, Timers

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def whole_seconds(seconds: float) -> int:
    """Round half up to whole seconds (a 0.5 s call bills 1 s, a 0.4 s call 0 s)."""
    return max(0, int(seconds + 0.5))


def make_cdr(call: Call, end: float, end_wall: datetime, disposition: Disposition, side: HangupSide,
             reason: str = "") -> CdrRecord:
    answered = disposition is Disposition.ANSWERED and call.answer is not None
    billable = whole_seconds(end - call.answer) if answered and call.answer is not None else 0
    return CdrRecord(
        call_id=call.id,
        direction=call.direction,
        start=call.start_wall,
        answer=call.answer_wall if answered else None,
        end=end_wall,
        duration_s=whole_seconds(end - call.start),
        billable_s=billable,
        from_number=call.from_number,
        from_name=call.from_name,
        to=call.to,
        dialled=call.dialled,
        route=call.route,
        line=call.line,
        disposition=disposition,
        hangup_side=side,
        answer_source=call.answer_source if answered else None,
        caller_leg=call.caller,
        callee_leg=call.callee,
        reason=reason,
        extra=dict(call.extra),
    )


class Core:
    def __init__(self, settings: PbxSettings) -> None:
        self.settings = settings
        self.fxs: dict[str, FxsLeg] = {}
        self.fxo: dict[str, FxoLeg] = {}
        self.parties: dict[str, Party] = {}
        self.calls: dict[int, Call] = {}
        self.timers = Timers()
        self.out = Outbox()
        self.hunter = Hunter()
        self.hooks = Hooks(resolvers=[extension_resolver])
        self.now = 0.0
        self.wall = EPOCH
        self.started = False           # the engine's first step ran: clocks known, start hooks done
        self._ids = itertools.count(1)
        self.add_ports(settings)

    def add_ports(self, settings: PbxSettings) -> None:
        """Create legs for ports not seen before (existing legs keep their state and calls)."""
        for port in settings.fxs_ports:
            leg = self.fxs.setdefault(fxs_leg(port), FxsLeg.create(fxs_leg(port), port))
            self.parties.setdefault(leg.id, FxsParty(self, leg))
        for port in settings.fxo_ports:
            line = self.fxo.setdefault(fxo_leg(port), FxoLeg.create(fxo_leg(port), port))
            self.parties.setdefault(line.id, FxoParty(self, line))

    def add_party(self, party: Party) -> None:
        """Plug in a party of another technology (a SIP phone, a SIP trunk call)."""
        self.parties[party.id] = party

    def party(self, leg_id: str) -> Party:
        try:
            return self.parties[leg_id]
        except KeyError:
            raise PbxError(f"no party {leg_id!r}") from None

    def flow_of(self, call: Call) -> Flow:
        return self.hooks.flows[call.flow_name]

    # --- time ------------------------------------------------------------------------------
    def set_clock(self, now: float, wall: datetime) -> None:
        self.now, self.wall = now, wall

    def at(self, t: float) -> None:
        """Move the engine's notion of now to `t` (a timer's deadline), wall clock along with it."""
        self.wall = self.wall + timedelta(seconds=t - self.now)
        self.now = t

    def after(self, owner: str, name: str, seconds: float, fn: TimerFn) -> None:
        self.timers.set(owner, name, self.now + seconds, fn)

    # --- tones -----------------------------------------------------------------------------
    def tone(self, role: str) -> ToneSpec:
        return self.settings.tones.by_role(role)

    def play(self, leg: str, role: str) -> None:
        self.out.play(leg, self.tone(role))

    # --- calls -----------------------------------------------------------------------------
    def new_call(self, direction: Direction, caller: str, *, from_number: str = "", from_name: str = "",
                 to: str = "", dialled: str = "", route: str = "", line: str = "") -> Call:
        call = Call(next(self._ids), direction, caller, self.now, self.wall, from_number=from_number,
                    from_name=from_name, to=to, dialled=dialled, route=route, line=line)
        self.calls[call.id] = call
        return call

    def call_of(self, leg: FxsLeg | FxoLeg | Party) -> Call | None:
        return None if leg.call is None else self.calls.get(leg.call)

    def answer(self, call: Call, source: AnswerSource) -> None:
        call.answer, call.answer_wall, call.answer_source = self.now, self.wall, source

    def bridge(self, call: Call, a: str, b: str) -> None:
        if call.bridged is None:
            call.bridged = (a, b)
            self.out.emit(Connect(a, b))

    def unbridge(self, call: Call) -> None:
        if call.bridged is not None:
            self.out.emit(Disconnect(*call.bridged))
            call.bridged = None

    def end_call(self, call: Call, disposition: Disposition, side: HangupSide, reason: str = "", *,
                 release: tuple[str, ...] | list[str] = (), role: str | None = None) -> None:
        """Write the CDR and detach every party; the parties in `release` whose active call this was
        are released (`role`: the tone a phone hears). Other legs are put in their next state by the
        caller of this. Call-ended listeners (features) run last."""
        self.unbridge(call)
        self.timers.cancel_owner(call.owner)
        active = [self.parties[p] for p in release if p in self.parties and self.parties[p].call == call.id]
        for party in self.parties.values():
            if party.call == call.id:
                party.call = None
        if self.calls.pop(call.id, None) is None:
            return
        self.out.emit(make_cdr(call, self.now, self.wall, disposition, side, reason))
        for party in active:
            party.hang_up_device(role)
        for listener in self.hooks.call_ended:
            listener(self, call)

    # --- FXS legs --------------------------------------------------------------------------
    def ring(self, leg: FxsLeg, call: Call, caller_id: CallerId, cadence: RingCadence | None = None) -> None:
        leg.fire(FxsEvent.RING)
        leg.call = call.id
        self.out.emit(StartRinging(leg.port, cadence or self.settings.ring_cadence, caller_id))

    def fail(self, leg: FxsLeg, role: str, *, sit: bool = False) -> None:
        """Dialling or set-up failed: `role` tone (after the special information tone if `sit`)."""
        self.timers.cancel(leg.id, "digits")
        leg.fire(FxsEvent.FAIL)
        if sit:
            self.play(leg.id, "info")
            info = self.tone("info")
            seconds = sum(seg.ms for seg in info.segments) / 1000 or 3.0
            self.after(leg.id, "sit", seconds, lambda at: self._after_sit(leg, role))
        else:
            self.play(leg.id, role)
        self._limit_tone(leg)

    def _after_sit(self, leg: FxsLeg, role: str) -> None:
        if leg.state is FxsState.RELEASING and leg.id in self.out.tones:
            self.play(leg.id, role)

    def far_ended(self, leg: FxsLeg, role: str | None = None) -> None:
        """The other side is gone: a ringing handset stops; an off-hook one hears the hang-up tone."""
        leg.call = None
        action = leg.fire(FxsEvent.FAR_ENDED)
        if action == "stop_ringing":
            self.out.emit(StopRinging(leg.port))
            return
        calls = self.settings.calls
        if calls.forward_disconnect:
            self.out.emit(ForwardDisconnect(leg.port, self.settings.timing.kewl_ms))
        tone = role or calls.hangup_tone
        if tone == "none":
            self.out.stop_tone(leg.id)
        else:
            self.play(leg.id, tone)
        self._limit_tone(leg)

    def _limit_tone(self, leg: FxsLeg) -> None:
        seconds = self.settings.calls.hangup_tone_s
        if seconds > 0:
            self.after(leg.id, "tone", seconds, lambda at: self._silence(leg))

    def _silence(self, leg: FxsLeg) -> None:
        self.timers.cancel(leg.id, "sit")
        leg.fire(FxsEvent.TONE_TIMEOUT)
        self.out.stop_tone(leg.id)

    def reset_fxs(self, leg: FxsLeg) -> None:
        """The handset is on-hook (or the port failed): no tone, no timers, nothing dialled."""
        self.timers.cancel_owner(leg.id)
        self.out.stop_tone(leg.id)
        leg.digits = ""

    # --- FXO legs --------------------------------------------------------------------------
    def release_line(self, line: FxoLeg) -> None:
        line.fire(FxoEvent.RELEASE)
        self.line_released(line)

    def line_released(self, line: FxoLeg) -> None:
        """The line went to `releasing`: on-hook now, usable again after the guard time."""
        line.call = None
        self.timers.cancel_owner(line.id)
        self.out.emit(Release(line.port))
        guard = self.settings.calls.line_release_guard_s
        self.after(line.id, "guard", guard, lambda at: self._guard_done(line))

    def _guard_done(self, line: FxoLeg) -> None:
        if line.state is FxoState.RELEASING:
            line.fire(FxoEvent.GUARD_DONE)
