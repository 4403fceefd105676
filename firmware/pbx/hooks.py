"""Extension points for feature packages (firmware/pbx/features/<name>/): hook-flash handlers,
feature-code handlers, destination resolvers, hang-up and digit interceptors and call-ended
listeners, registered on `Engine.hooks`; and `Flow`, the base of call flows (what happens to a
call when one of its legs reports something: one flow per kind of call - internal, outbound,
inbound - and packages add theirs: talk, ring group, park, conference ...). `PartyFlow` is the
leg-agnostic base feature flows use: it sees parties answering, leaving and failing, never ports.

A feature package keeps its own state machine and calls back into the engine core (legs, calls,
tones, timers). Handlers run inside `Engine.handle`/`tick`, so they are sans-IO as well.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from firmware.contracts.callerid import CallerId
from firmware.contracts.errors import PbxError
from firmware.pbx.commands import AnswerSource, Direction
from firmware.pbx.numbering import FeatureTarget
from firmware.pbx.state import Call, FxoLeg, FxsLeg

if TYPE_CHECKING:
    from firmware.pbx.core import Core


class FlashHandler(Protocol):
    """A hook flash on an off-hook handset (in a call or hearing the exchange). Return True if
    handled; handlers are asked in registration order (transfer, call waiting, conference ...)."""

    def __call__(self, core: Core, leg: FxsLeg, call: Call | None, now: float) -> bool: ...


class FeatureHandler(Protocol):
    """A feature code was dialled; the leg is in `collecting` and the handler must move it on
    (NUMBER_COMPLETE to routing, or FAIL with a tone)."""

    def __call__(self, core: Core, leg: FxsLeg, target: FeatureTarget, now: float) -> None: ...


@dataclass(frozen=True)
class Destination:
    """What a number reaches: kind "extension" is built in; packages add "group", "ivr", ..."""

    kind: str
    number: str
    legs: tuple[str, ...]
    name: str = ""


DestinationResolver = Callable[["Core", str], "Destination | None"]
HangupHandler = Callable[["Core", str], bool]
"""A phone party (leg id) went on-hook, its leg already idle; return True if the feature took over
(transfer on hang-up, hold recall); else the call's flow hears it as usual."""
DigitHandler = Callable[["Core", FxsLeg, str], bool]
"""A digit on a handset in dial tone or collecting; return True if consumed (a flash menu)."""
BusyHandler = Callable[["Core", Call, str, "CallerId"], bool]
"""The phone party (leg id) a call is for is busy; return True if a feature offered the call to it
anyway (call waiting: the party is then the call's callee, not yet answered)."""
CallEndedListener = Callable[["Core", Call], None]
PartyDigitHandler = Callable[["Core", str, str], bool]
"""A digit from a party that is in a call (a caller walking a menu, entering a PIN): (party, digit);
return True if a feature consumed it. Asked for handsets past dialling, answered lines, SIP legs."""
InboundScreen = Callable[["Core", Call], bool]
"""An inbound call is about to ring its destination (caller ID known): a feature may block it, take it
elsewhere (return True: it took the call) or change `call.to` / the caller's name and return False."""
OfficeHandler = Callable[["Core", object], "dict[str, object] | None"]
"""A control command from the API (day/night mode, mailbox changes); None = not this handler's."""
LineSeizer = Callable[["Core", Call, str, str], bool]
"""Outbound hunting reached a line of another technology (key: the line id's prefix, "trunk"):
seize line `line_id` for `call` of caller leg `caller`; False when it has no room (hunting goes on)."""
"""A call ended (its record was just written): features forget it (held calls, park, groups)."""


class DestinationFlow(Protocol):
    """Takes over a call to a destination of a package's kind (rings its legs, ends the call)."""

    def __call__(self, core: Core, call: Call, destination: Destination, now: float) -> None: ...


@dataclass
class Hooks:
    flash: list[FlashHandler] = field(default_factory=list)
    features: dict[str, FeatureHandler] = field(default_factory=dict)
    resolvers: list[DestinationResolver] = field(default_factory=list)
    destination_flows: dict[str, DestinationFlow] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)      # by Call.flow name
    hangup: list[HangupHandler] = field(default_factory=list)
    digits: list[DigitHandler] = field(default_factory=list)
    call_ended: list[CallEndedListener] = field(default_factory=list)
    busy: list[BusyHandler] = field(default_factory=list)
    line_seizers: dict[str, LineSeizer] = field(default_factory=dict)
    start: list[Callable[[Core], None]] = field(default_factory=list)        # first handle/tick: clocks known
    talking: list[Callable[[Core, Call], None]] = field(default_factory=list)  # parties (re)connected
    alarm: list[Callable[[Core, str], None]] = field(default_factory=list)    # a party went into alarm
    party_digits: list[PartyDigitHandler] = field(default_factory=list)
    inbound: list[InboundScreen] = field(default_factory=list)
    media_events: list[Callable[[Core, object], bool]] = field(default_factory=list)  # runtime reports
    dial_tone: list[Callable[[Core, FxsLeg], str | None]] = field(default_factory=list)  # e.g. "stutter"
    office: list[OfficeHandler] = field(default_factory=list)
    alerted: list[Callable[[Core, Call, str], None]] = field(default_factory=list)  # a dialled phone rings
    reconfigured: list[Callable[[Core], None]] = field(default_factory=list)   # new settings (Engine.reconfigure)
    busy_lamps: list[Callable[[Core], Mapping[str, object]]] = field(default_factory=list)  # BLF entities (park)

    def offer_digit(self, core: Core, party: str, digit: str) -> bool:
        return any(handler(core, party, digit) for handler in self.party_digits)

    def screen_inbound(self, core: Core, call: Call) -> bool:
        """Run the inbound screens once per call; True if one of them took the call."""
        if call.extra.get("screened") is not None:
            return False
        call.extra["screened"] = True
        return any(screen(core, call) for screen in self.inbound)

    def dial_tone_role(self, core: Core, leg: FxsLeg) -> str:
        for handler in self.dial_tone:
            role = handler(core, leg)
            if role:
                return role
        return "dial"

    def offer_busy(self, core: Core, call: Call, party: str, caller_id: CallerId) -> bool:
        return any(handler(core, call, party, caller_id) for handler in self.busy)

    def resolve(self, core: Core, number: str) -> Destination | None:
        for resolver in self.resolvers:
            found = resolver(core, number)
            if found is not None:
                return found
        return None


def extension_resolver(core: Core, number: str) -> Destination | None:
    """The built-in resolver: an extension number reaches its FXS port."""
    ext = core.settings.extension(number)
    if ext is None:
        return None
    return Destination("extension", ext.number, (ext.leg,), ext.name)


class Flow:
    """Base class: every hook refuses; a flow overrides what its calls can meet."""

    direction: Direction
    name: str = ""            # Call.flow; "" = the direction's value

    def __init__(self, core: Core) -> None:
        self.core = core

    @property
    def flow_name(self) -> str:
        return self.name or self.direction.value

    def _unexpected(self, what: str, call: Call) -> PbxError:
        return PbxError(f"{self.direction.value} call {call.id}: unexpected {what}")

    def answered(self, call: Call, leg: FxsLeg) -> None:
        """A handset rung for this call went off-hook (the leg is already `connected`)."""
        raise self._unexpected("answer", call)

    def hung_up(self, call: Call, leg: FxsLeg) -> None:
        """A handset in this call went on-hook (the leg is already `idle`)."""
        raise self._unexpected("hang-up", call)

    def leg_failed(self, call: Call, leg_id: str, reason: str) -> None:
        """A leg of this call went into alarm (the leg is already `alarm`)."""
        raise self._unexpected("alarm", call)

    def line_polarity(self, call: Call, line: FxoLeg, action: str) -> None:
        """The line reversed polarity (action answer_polarity from seized, polarity when connected)."""
        raise self._unexpected("polarity reversal", call)

    def line_far_hung_up(self, call: Call, line: FxoLeg) -> None:
        """The exchange signalled a disconnect (the line is already `releasing`)."""
        raise self._unexpected("line disconnect", call)

    def caller_gave_up(self, call: Call, line: FxoLeg) -> None:
        """An incoming line stopped ringing for good before the answer (the line is already idle)."""
        raise self._unexpected("caller gone", call)

    def pick_up(self, call: Call, picker: str) -> bool:
        """Answer this ringing call on the phone party `picker` instead (call pickup); False if the
        call cannot be picked up (the picker's leg is in `routing`)."""
        return False

    def party_answered(self, call: Call, party: str, source: AnswerSource) -> None:
        """A party this flow alerted or dialled answered (a line: by polarity or assumed)."""
        raise self._unexpected(f"answer by {party}", call)


class PartyFlow(Flow):
    """Base of leg-agnostic flows: port hooks become `party_answered` / `party_gone` / `party_failed`
    (a later SIP leg calls these three directly)."""

    direction = Direction.INTERNAL

    def answered(self, call: Call, leg: FxsLeg) -> None:
        self.party_answered(call, leg.id, AnswerSource.OFF_HOOK)

    def hung_up(self, call: Call, leg: FxsLeg) -> None:
        self.core.party(leg.id).gone()
        self.party_gone(call, leg.id)

    def line_far_hung_up(self, call: Call, line: FxoLeg) -> None:
        self.core.party(line.id).gone()
        self.party_gone(call, line.id)

    def caller_gave_up(self, call: Call, line: FxoLeg) -> None:
        self.core.party(line.id).gone()
        self.party_gone(call, line.id)

    def line_polarity(self, call: Call, line: FxoLeg, action: str) -> None:
        if action == "answer_polarity" or line.id in call.alerting:   # (after an assumed answer we ignored)
            self.core.timers.cancel(call.owner, f"dial_done:{line.id}")
            self.party_answered(call, line.id, AnswerSource.POLARITY)
        elif call.answer_source is AnswerSource.ASSUMED:
            self.core.answer(call, AnswerSource.POLARITY)   # the real answer, after dialling was done

    def leg_failed(self, call: Call, leg_id: str, reason: str) -> None:
        self.party_failed(call, leg_id, reason)

    def party_gone(self, call: Call, party: str) -> None:
        """`party` left the call on its own (hung up, the exchange cleared, the caller gave up)."""
        raise self._unexpected(f"{party} leaving", call)

    def party_failed(self, call: Call, party: str, reason: str) -> None:
        """`party` went out of order (alarm); by default like leaving, with `reason` recorded."""
        call.extra.setdefault("failure", reason)
        self.party_gone(call, party)
