"""Answered two-party calls, leg-agnostic: whoever leaves first ends the call (CDR, hang-up side by who
left) and the other party is released (a phone hears the hang-up tone, a line goes on-hook). Every
flow hands its calls over to this one at the answer, so features (hold, transfer, park, pickup)
re-arrange parties of any technology (Asterisk: a bridged channel pair, whatever the technologies)."""

from __future__ import annotations

from firmware.pbx.commands import AnswerSource, Direction, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.hooks import PartyFlow
from firmware.pbx.state import Call

TALK = "talk"


def talk(core: Core, call: Call, a: str, b: str) -> None:
    """Make `call` an answered call between parties `a` (the caller side) and `b`, speech connected."""
    call.flow = TALK
    call.caller, call.callee = a, b
    call.alerting.clear()
    for leg in (a, b):
        party = core.party(leg)
        party.call = call.id
        party.connected(call)
    if call.bridged not in ((a, b), (b, a)):
        core.unbridge(call)
        core.bridge(call, a, b)
    for listener in core.hooks.talking:
        listener(core, call)


class TalkFlow(PartyFlow):
    direction = Direction.INTERNAL
    name = TALK

    def party_answered(self, call: Call, party: str, source: AnswerSource) -> None:
        """A late answer signal on a line (polarity after the assumed answer): the real answer time."""
        if call.answer_source is AnswerSource.ASSUMED and source is AnswerSource.POLARITY:
            self.core.answer(call, source)

    def party_gone(self, call: Call, party: str) -> None:
        side = HangupSide.CALLER if party == call.caller else HangupSide.CALLEE
        self._end(call, party, side, "")

    def party_failed(self, call: Call, party: str, reason: str) -> None:
        self._end(call, party, HangupSide.SYSTEM, reason, role="congestion")

    def _end(self, call: Call, party: str, side: HangupSide, reason: str, role: str | None = None) -> None:
        others = [p for p in call.parties if p != party]
        disposition = Disposition.ANSWERED if call.answer is not None else Disposition.FAILED
        self.core.end_call(call, disposition, side, reason, release=others, role=role)
