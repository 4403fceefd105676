"""Leg state machines of analog legs as transition tables (FXS handset leg, FXO line leg).

Every leg state change in the engine goes through `LegMachine.fire`; an event a state does
not list raises IllegalTransition naming machine, leg, state and event (architecture guide:
state machines as tables, diagrams drawn from the tables). Each row is (state, event) ->
(next state, action); the engine runs the action named for port events, and for its own
events the action is a label describing what the firing code does.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Generic, TypeVar

from firmware.contracts.errors import IllegalTransition


class FxsState(enum.Enum):
    IDLE = "idle"
    DIAL_TONE = "dial_tone"      # off-hook, hears dial tone, nothing dialled yet
    COLLECTING = "collecting"    # digits being collected against the numbering plan
    ROUTING = "routing"          # number complete: ringback / the exchange's progress tones
    RINGING = "ringing"          # this handset is being rung
    CONNECTED = "connected"
    HELD = "held"                # the far side put this handset's call on hold (it hears music)
    RELEASING = "releasing"      # far end gone or failure: busy/congestion tone until on-hook
    ALARM = "alarm"              # port unavailable (chip, power); every other port keeps working


class FxsEvent(enum.Enum):
    # from the port
    OFF_HOOK = "off_hook"
    ON_HOOK = "on_hook"
    DIGIT = "digit"
    FLASH = "flash"
    CID_ACK = "cid_ack"
    ALARM = "alarm"
    ALARM_CLEARED = "alarm_cleared"
    # from the engine
    RING = "ring"                # ring this handset
    NUMBER_COMPLETE = "number_complete"
    FAIL = "fail"                # dialling or call set-up failed
    FAR_ANSWERED = "far_answered"
    FAR_ENDED = "far_ended"      # the other party hung up / the call was taken away
    HOLD = "hold"                # the far side holds this handset's call
    RESUME = "resume"
    RECALL = "recall"            # this handset flashed: its call(s) held, recall dial tone
    RETRIEVE = "retrieve"        # back to a call (retrieve from hold, swap, flash menu done)
    TONE_TIMEOUT = "tone_timeout"


class FxoState(enum.Enum):
    IDLE = "idle"
    INCOMING = "incoming"        # the exchange rings: waiting for caller ID / the answer
    SEIZED = "seized"            # outgoing: off-hook, dialling
    CONNECTED = "connected"
    RELEASING = "releasing"      # on-hook again; guard time before the line is used again
    ALARM = "alarm"              # no line voltage, DAA not answering


class FxoEvent(enum.Enum):
    # from the port
    RING_START = "ring_start"
    RING_STOP = "ring_stop"
    CALLER_ID = "caller_id"
    POLARITY = "polarity"
    DISCONNECT = "disconnect"
    DIGIT = "digit"
    ALARM = "alarm"
    ALARM_CLEARED = "alarm_cleared"
    # from the engine
    SEIZE = "seize"              # outgoing call: go off-hook
    DIAL_DONE = "dial_done"      # digits sent (no answer signal yet)
    ANSWER = "answer"            # an extension answered an incoming call: go off-hook
    RELEASE = "release"          # our side ends the call: go on-hook
    GONE = "gone"                # ringing stopped for good: the caller gave up
    GUARD_DONE = "guard_done"


S = TypeVar("S", bound=enum.Enum)
E = TypeVar("E", bound=enum.Enum)
Table = Mapping[tuple[S, E], tuple[S, str]]

IGNORE = "ignore"

_F, _FE = FxsState, FxsEvent
_OFF_HOOK_STATES = (_F.DIAL_TONE, _F.COLLECTING, _F.ROUTING, _F.CONNECTED, _F.HELD, _F.RELEASING)

FXS_TABLE: Table[FxsState, FxsEvent] = MappingProxyType({
    (_F.IDLE, _FE.OFF_HOOK): (_F.DIAL_TONE, "dial_tone"),
    (_F.IDLE, _FE.ON_HOOK): (_F.IDLE, IGNORE),
    (_F.IDLE, _FE.RING): (_F.RINGING, "ring"),
    (_F.IDLE, _FE.ALARM_CLEARED): (_F.IDLE, IGNORE),
    (_F.DIAL_TONE, _FE.DIGIT): (_F.COLLECTING, "first_digit"),
    (_F.DIAL_TONE, _FE.ON_HOOK): (_F.IDLE, "abandon_dialling"),
    (_F.DIAL_TONE, _FE.FLASH): (_F.DIAL_TONE, "flash"),      # handlers: back to a held call
    (_F.DIAL_TONE, _FE.FAIL): (_F.RELEASING, "failure_tone"),
    (_F.COLLECTING, _FE.DIGIT): (_F.COLLECTING, "digit"),
    (_F.COLLECTING, _FE.ON_HOOK): (_F.IDLE, "abandon_dialling"),
    (_F.COLLECTING, _FE.FLASH): (_F.COLLECTING, "flash"),
    (_F.COLLECTING, _FE.NUMBER_COMPLETE): (_F.ROUTING, "route"),
    (_F.COLLECTING, _FE.FAIL): (_F.RELEASING, "failure_tone"),
    (_F.ROUTING, _FE.ON_HOOK): (_F.IDLE, "hang_up"),
    (_F.ROUTING, _FE.DIGIT): (_F.ROUTING, IGNORE),
    (_F.ROUTING, _FE.FLASH): (_F.ROUTING, "flash"),
    (_F.ROUTING, _FE.FAR_ANSWERED): (_F.CONNECTED, "connected"),
    (_F.ROUTING, _FE.FAIL): (_F.RELEASING, "failure_tone"),
    (_F.ROUTING, _FE.FAR_ENDED): (_F.RELEASING, "hangup_tone"),
    (_F.RINGING, _FE.OFF_HOOK): (_F.CONNECTED, "answer"),
    (_F.RINGING, _FE.FAR_ENDED): (_F.IDLE, "stop_ringing"),
    (_F.CONNECTED, _FE.ON_HOOK): (_F.IDLE, "hang_up"),
    (_F.CONNECTED, _FE.DIGIT): (_F.CONNECTED, IGNORE),
    (_F.CONNECTED, _FE.FLASH): (_F.CONNECTED, "flash"),
    (_F.CONNECTED, _FE.CID_ACK): (_F.CONNECTED, IGNORE),
    (_F.CONNECTED, _FE.HOLD): (_F.HELD, "hold"),
    (_F.CONNECTED, _FE.FAR_ENDED): (_F.RELEASING, "hangup_tone"),
    (_F.HELD, _FE.ON_HOOK): (_F.IDLE, "hang_up"),
    (_F.HELD, _FE.DIGIT): (_F.HELD, IGNORE),
    (_F.HELD, _FE.FLASH): (_F.HELD, "flash"),
    (_F.HELD, _FE.RESUME): (_F.CONNECTED, "resume"),
    (_F.HELD, _FE.FAR_ENDED): (_F.RELEASING, "hangup_tone"),
    (_F.RELEASING, _FE.ON_HOOK): (_F.IDLE, "released"),
    (_F.RELEASING, _FE.DIGIT): (_F.RELEASING, IGNORE),
    (_F.RELEASING, _FE.FLASH): (_F.RELEASING, "flash"),
    **{(s, _FE.RECALL): (_F.DIAL_TONE, "recall_dial_tone")
       for s in (_F.DIAL_TONE, _F.COLLECTING, _F.ROUTING, _F.CONNECTED, _F.HELD, _F.RELEASING)},
    **{(s, _FE.RETRIEVE): (_F.CONNECTED, "retrieve")
       for s in (_F.DIAL_TONE, _F.COLLECTING, _F.ROUTING, _F.CONNECTED, _F.HELD, _F.RELEASING)},
    (_F.RELEASING, _FE.TONE_TIMEOUT): (_F.RELEASING, "silence"),
    **{(s, _FE.ALARM): (_F.ALARM, "alarm") for s in (_F.IDLE, _F.RINGING, *_OFF_HOOK_STATES)},
    (_F.ALARM, _FE.ALARM): (_F.ALARM, "alarm"),
    (_F.ALARM, _FE.ALARM_CLEARED): (_F.IDLE, "alarm_cleared"),
})

_O, _OE = FxoState, FxoEvent
_LINE_NOISE = (_OE.RING_START, _OE.RING_STOP, _OE.CALLER_ID, _OE.POLARITY, _OE.DISCONNECT)

FXO_TABLE: Table[FxoState, FxoEvent] = MappingProxyType({
    (_O.IDLE, _OE.RING_START): (_O.INCOMING, "incoming"),
    (_O.IDLE, _OE.CALLER_ID): (_O.INCOMING, "incoming"),
    (_O.IDLE, _OE.RING_STOP): (_O.IDLE, IGNORE),
    (_O.IDLE, _OE.POLARITY): (_O.IDLE, IGNORE),      # line reversal ahead of a before-ring caller ID
    (_O.IDLE, _OE.DISCONNECT): (_O.IDLE, IGNORE),    # battery drop after the exchange cleared
    (_O.IDLE, _OE.SEIZE): (_O.SEIZED, "seize"),
    (_O.IDLE, _OE.ALARM_CLEARED): (_O.IDLE, IGNORE),
    (_O.INCOMING, _OE.RING_START): (_O.INCOMING, "ring_on"),
    (_O.INCOMING, _OE.RING_STOP): (_O.INCOMING, "ring_off"),
    (_O.INCOMING, _OE.CALLER_ID): (_O.INCOMING, "caller_id"),
    (_O.INCOMING, _OE.POLARITY): (_O.INCOMING, IGNORE),
    (_O.INCOMING, _OE.DISCONNECT): (_O.IDLE, "caller_gone"),  # open switch interval: caller gave up
    (_O.INCOMING, _OE.ANSWER): (_O.CONNECTED, "answer"),
    (_O.INCOMING, _OE.GONE): (_O.IDLE, "caller_gone"),
    (_O.SEIZED, _OE.DIAL_DONE): (_O.CONNECTED, "answer_assumed"),
    (_O.SEIZED, _OE.POLARITY): (_O.CONNECTED, "answer_polarity"),
    (_O.SEIZED, _OE.DISCONNECT): (_O.RELEASING, "far_hung_up"),
    (_O.SEIZED, _OE.DIGIT): (_O.SEIZED, IGNORE),
    **{(s, e): (s, IGNORE) for s in (_O.SEIZED, _O.CONNECTED)  # glare: ringing we went off-hook into
       for e in (_OE.RING_START, _OE.RING_STOP, _OE.CALLER_ID)},
    (_O.SEIZED, _OE.RELEASE): (_O.RELEASING, "release"),
    (_O.CONNECTED, _OE.POLARITY): (_O.CONNECTED, "polarity"),
    (_O.CONNECTED, _OE.DISCONNECT): (_O.RELEASING, "far_hung_up"),
    (_O.CONNECTED, _OE.DIGIT): (_O.CONNECTED, IGNORE),
    (_O.CONNECTED, _OE.RELEASE): (_O.RELEASING, "release"),
    **{(_O.RELEASING, e): (_O.RELEASING, IGNORE) for e in _LINE_NOISE},
    (_O.RELEASING, _OE.GUARD_DONE): (_O.IDLE, "line_free"),
    **{(s, _OE.ALARM): (_O.ALARM, "alarm") for s in _O},
    (_O.ALARM, _OE.ALARM_CLEARED): (_O.IDLE, "alarm_cleared"),
})


class LegMachine(Generic[S, E]):
    """One leg's state plus its table; `fire` moves along the table or raises IllegalTransition."""

    def __init__(self, machine: str, name: str, table: Table[S, E], initial: S) -> None:
        self.machine = machine
        self.name = name
        self.table = table
        self.state = initial

    def fire(self, event: E) -> str:
        """Take the transition for `event`; returns its action. The state is unchanged on error."""
        try:
            nxt, action = self.table[(self.state, event)]
        except KeyError:
            raise IllegalTransition(self.machine, self.name, self.state.value, event.value) from None
        self.state = nxt
        return action

    def accepts(self, event: E) -> bool:
        return (self.state, event) in self.table


def fxs_machine(name: str) -> LegMachine[FxsState, FxsEvent]:
    return LegMachine("fxs leg", name, FXS_TABLE, FxsState.IDLE)


def fxo_machine(name: str) -> LegMachine[FxoState, FxoEvent]:
    return LegMachine("fxo line", name, FXO_TABLE, FxoState.IDLE)


# --- diagrams and checks drawn from the tables ------------------------------------------------
def rows(table: Table[S, E]) -> list[tuple[str, str, str, str]]:
    """(state, event, next state, action) rows in table order."""
    return [(s.value, e.value, n.value, a) for (s, e), (n, a) in table.items()]


def to_dot(table: Table[S, E], name: str, initial: S, *, show_ignored: bool = False) -> str:
    """Graphviz dot text of a table (ignored events left out unless `show_ignored`)."""
    lines = [f'digraph "{name}" {{', "  rankdir=LR;", '  node [shape=box, style=rounded];',
             f'  start [shape=point]; start -> "{initial.value}";']
    for state, event, nxt, action in rows(table):
        if action == IGNORE and not show_ignored:
            continue
        lines.append(f'  "{state}" -> "{nxt}" [label="{event} / {action}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(table: Table[S, E], initial: S, *, show_ignored: bool = False) -> str:
    """Mermaid stateDiagram-v2 text of a table."""
    lines = ["stateDiagram-v2", f"    [*] --> {initial.value}"]
    for state, event, nxt, action in rows(table):
        if action == IGNORE and not show_ignored:
            continue
        lines.append(f"    {state} --> {nxt}: {event} / {action}")
    return "\n".join(lines) + "\n"


def reachable(table: Table[S, E], initial: S) -> set[S]:
    """States reachable from `initial` along the table."""
    seen = {initial}
    todo: deque[S] = deque([initial])
    while todo:
        state = todo.popleft()
        for (s, _e), (n, _a) in table.items():
            if s == state and n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def actions(table: Table[S, E]) -> set[str]:
    return {a for (_s, _e), (_n, a) in table.items()}


def events_of(table: Table[S, E], state: S) -> Iterable[E]:
    return [e for (s, e) in table if s == state]


if __name__ == "__main__":  # python -m firmware.pbx.legs > legs.md: both diagrams as Mermaid
    print("```mermaid\n" + to_mermaid(FXS_TABLE, FxsState.IDLE) + "```\n")
    print("```mermaid\n" + to_mermaid(FXO_TABLE, FxoState.IDLE) + "```")
