"""Busy-lamp states of extensions (and, through sources that features add, of park slots) as RFC 4235
dialog states: terminated (idle), early (ringing or setting up), confirmed (in a call).

`dialog_states(core, sources)` is a pure function of the engine state; the runtime publishes the
changes (PUBLISH through Kamailio's presence server, RFC 3903) so that phones subscribed with
Event: dialog see them in NOTIFYs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware.pbx.legs import FxsState
from firmware.pbx.parties import FxsParty

if TYPE_CHECKING:
    from firmware.pbx.core import Core

IDLE = "terminated"
EARLY = "early"
CONFIRMED = "confirmed"
_RANK = {IDLE: 0, EARLY: 1, CONFIRMED: 2}
_FXS = {
    FxsState.RINGING: (EARLY, "recipient"), FxsState.DIAL_TONE: (EARLY, "initiator"),
    FxsState.COLLECTING: (EARLY, "initiator"), FxsState.ROUTING: (EARLY, "initiator"),
    FxsState.CONNECTED: (CONFIRMED, ""), FxsState.HELD: (CONFIRMED, ""), FxsState.RELEASING: (CONFIRMED, ""),
}


@dataclass(frozen=True)
class DialogState:
    state: str = IDLE
    direction: str = ""        # initiator / recipient ("" when not known)
    remote: str = ""           # the other party's number


DialogSource = Callable[["Core"], dict[str, DialogState]]
"""A feature's entities (e.g. park slot numbers) and their states, merged with the extensions'."""


def _remote(core: Core, leg: str) -> str:
    call = core.call_of(core.parties[leg])
    if call is None:
        return ""
    other = core.parties.get(call.other(leg))
    return other.identity().number if other is not None else ""


def dialog_states(core: Core, sources: Iterable[DialogSource] = ()) -> dict[str, DialogState]:
    """Every extension's state (an extension with several SIP legs shows its busiest one)."""
    states: dict[str, DialogState] = {}
    for party in list(core.parties.values()):
        number = party.identity().number if party.kind.value == "phone" else ""
        if not number:
            continue
        if isinstance(party, FxsParty):
            state, direction = _FXS.get(party.state, (IDLE, ""))
        elif party.talking:
            state, direction = CONFIRMED, ""
        elif party.alerting:
            state, direction = EARLY, "recipient"
        elif party.call is not None:
            state, direction = EARLY, "initiator"
        else:
            state, direction = IDLE, ""
        found = DialogState(state, direction, _remote(core, party.id) if state != IDLE else "")
        if _RANK[found.state] >= _RANK[states.get(number, DialogState()).state]:
            states[number] = found
    for lamp in core.hooks.busy_lamps:            # features' entities, e.g. park slots
        states.update({k: v for k, v in lamp(core).items() if isinstance(v, DialogState)})
    for source in sources:
        states.update(source(core))
    return states
