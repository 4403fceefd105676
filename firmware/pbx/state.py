"""Engine state containers: analog legs, calls, timers (deadline-ordered, sans-IO), command outbox."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from firmware.contracts.callerid import CallerId
from firmware.contracts.tones import ToneSpec
from firmware.pbx.commands import (
    AnswerSource,
    Command,
    Direction,
    Disposition,
    PlayMusic,
    PlayPrompt,
    PlayTone,
    StopMusic,
    StopTone,
)
from firmware.pbx.legs import FxoEvent, FxoState, FxsEvent, FxsState, LegMachine, fxo_machine, fxs_machine


@dataclass
class FxsLeg:
    id: str
    port: int
    machine: LegMachine[FxsState, FxsEvent]
    digits: str = ""
    call: int | None = None
    alarm: str = ""

    @classmethod
    def create(cls, leg_id: str, port: int) -> FxsLeg:
        return cls(leg_id, port, fxs_machine(leg_id))

    @property
    def state(self) -> FxsState:
        return self.machine.state

    def fire(self, event: FxsEvent) -> str:
        return self.machine.fire(event)


@dataclass
class FxoLeg:
    id: str
    port: int
    machine: LegMachine[FxoState, FxoEvent]
    call: int | None = None
    alarm: str = ""
    battery: bool = True      # line voltage present (LineBattery); a dead line is skipped by hunting

    @classmethod
    def create(cls, leg_id: str, port: int) -> FxoLeg:
        return cls(leg_id, port, fxo_machine(leg_id))

    @property
    def state(self) -> FxoState:
        return self.machine.state

    @property
    def free(self) -> bool:
        return self.machine.state is FxoState.IDLE and self.battery

    def fire(self, event: FxoEvent) -> str:
        return self.machine.fire(event)


@dataclass
class Call:
    """One call between two legs; `caller` is the side that called (a line for inbound calls).
    `flow` names the flow that handles its events ("" = the direction's); `alerting` lists the
    parties being rung for it (a ring group rings several); `extra` is feature data for the call
    record (recordings, group, pickup, transfer)."""

    id: int
    direction: Direction
    caller: str
    start: float
    start_wall: datetime
    callee: str = ""
    from_number: str = ""
    from_name: str = ""
    to: str = ""
    dialled: str = ""
    route: str = ""
    line: str = ""
    answer: float | None = None
    answer_wall: datetime | None = None
    answer_source: AnswerSource | None = None
    bridged: tuple[str, str] | None = None
    # outbound
    spare_lines: list[str] = field(default_factory=list)
    dialling: bool = False                 # DialDigits sent to the current line
    # inbound
    caller_id: CallerId | None = None
    rings: int = 0
    rung: bool = False                     # the destination handset is ringing
    waiting_cid: bool = False
    unreachable: tuple[Disposition, str] | None = None  # why nobody can be rung
    # features
    flow: str = ""
    alerting: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def flow_name(self) -> str:
        return self.flow or self.direction.value

    @property
    def owner(self) -> str:
        return f"call:{self.id}"

    @property
    def parties(self) -> tuple[str, ...]:
        return tuple(p for p in (self.caller, self.callee) if p)

    def other(self, leg: str) -> str:
        return self.callee if leg == self.caller else self.caller


TimerFn = Callable[[float], None]


class Timers:
    """Named deadlines per owner (a leg or a call); `due` pops expired ones in deadline order."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str, str]] = []
        self._live: dict[tuple[str, str], tuple[float, int, TimerFn]] = {}
        self._seq = itertools.count()

    def set(self, owner: str, name: str, at: float, fn: TimerFn) -> None:
        seq = next(self._seq)
        self._live[(owner, name)] = (at, seq, fn)
        heapq.heappush(self._heap, (at, seq, owner, name))

    def cancel(self, owner: str, name: str) -> None:
        self._live.pop((owner, name), None)

    def cancel_owner(self, owner: str) -> None:
        for key in [k for k in self._live if k[0] == owner]:
            del self._live[key]

    def pending(self, owner: str, name: str) -> float | None:
        entry = self._live.get((owner, name))
        return None if entry is None else entry[0]

    @property
    def next_deadline(self) -> float | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> tuple[float, TimerFn] | None:
        """The earliest timer with deadline <= now (removed), or None."""
        self._drop_stale()
        if not self._heap or self._heap[0][0] > now:
            return None
        at, _seq, owner, name = heapq.heappop(self._heap)
        _at, _s, fn = self._live.pop((owner, name))
        return at, fn

    def _drop_stale(self) -> None:
        while self._heap:
            _at, seq, owner, name = self._heap[0]
            live = self._live.get((owner, name))
            if live is not None and live[1] == seq:
                return
            heapq.heappop(self._heap)


class Outbox:
    """Commands produced while handling one input; tracks which leg hears which tone, music or
    prompt (a leg hears one of them at a time)."""

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.tones: dict[str, ToneSpec] = {}
        self.music: dict[str, str] = {}      # leg -> music source or "prompt"

    def emit(self, command: Command) -> None:
        self.commands.append(command)

    def play(self, leg: str, spec: ToneSpec) -> None:
        self._stop_music(leg)
        self.tones[leg] = spec
        self.emit(PlayTone(leg, spec))

    def play_music(self, leg: str, source: str) -> None:
        if self.music.get(leg) == source:
            return
        self.stop_tone(leg)
        self.music[leg] = source
        self.emit(PlayMusic(leg, source))

    def play_prompt(self, leg: str, words: tuple[str, ...], language: str) -> None:
        self.stop_tone(leg)
        self.music[leg] = "prompt"
        self.emit(PlayPrompt(leg, words, language))

    def stop_tone(self, leg: str) -> None:
        """Silence the leg: no tone, no music, no prompt."""
        if self.tones.pop(leg, None) is not None:
            self.emit(StopTone(leg))
        self._stop_music(leg)

    def _stop_music(self, leg: str) -> None:
        if self.music.pop(leg, None) is not None:
            self.emit(StopMusic(leg))

    def take(self) -> list[Command]:
        out, self.commands = self.commands, []
        return out
