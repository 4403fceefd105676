"""Helpers every feature package shares: feature state machines as tables (the leg machine of
legs.py, reused), the other party of a call, dropping a call without a record (merged calls),
permissions of the extension behind a party."""

from __future__ import annotations

import enum
from typing import TypeVar

from firmware.pbx.core import Core
from firmware.pbx.legs import LegMachine, Table
from firmware.pbx.party import PartyKind
from firmware.pbx.state import Call

S = TypeVar("S", bound=enum.Enum)
E = TypeVar("E", bound=enum.Enum)


def machine(kind: str, name: str, table: Table[S, E], initial: S) -> LegMachine[S, E]:
    """A feature state machine: `fire` follows `table` or raises IllegalTransition."""
    return LegMachine(kind, name, table, initial)


def other(call: Call, party: str) -> str:
    """The party of a two-party call that is not `party` ("" if none)."""
    return call.other(party) if party in call.parties else ""


def drop_call(core: Core, call: Call) -> None:
    """Forget a call without a record (a dialled code or slot that merged into another call)."""
    core.timers.cancel_owner(call.owner)
    for party in core.parties.values():
        if party.call == call.id:
            party.call = None
    core.calls.pop(call.id, None)


def extension_of(core: Core, party: str) -> str:
    """The extension number of a phone party ("" for lines and unknown parties)."""
    p = core.parties.get(party)
    return p.identity().number if p is not None and p.kind is PartyKind.PHONE else ""


def answered_calls(core: Core, party: str) -> list[Call]:
    return [c for c in core.calls.values() if party in c.parties and c.answer is not None]
