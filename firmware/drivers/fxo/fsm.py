"""Transition-table helper shared by the FXO line-signal state machines (architecture guide: tables)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Generic, TypeVar

from firmware.contracts.errors import IllegalTransition

S = TypeVar("S", bound=enum.Enum)
E = TypeVar("E", bound=enum.Enum)


class Machine(Generic[S, E]):
    """A state plus its transition table; `fire` moves along the table or raises IllegalTransition."""

    def __init__(self, machine: str, port: int, table: Mapping[tuple[S, E], S], initial: S) -> None:
        self.machine = machine
        self.port = port
        self.table = table
        self.state = initial

    def fire(self, event: E) -> S:
        key = (self.state, event)
        if key not in self.table:
            raise IllegalTransition(self.machine, f"port {self.port}", self.state.name, event.name)
        self.state = self.table[key]
        return self.state

    def accepts(self, event: E) -> bool:
        return (self.state, event) in self.table


def table_rows(table: Mapping[tuple[S, E], S]) -> list[tuple[str, str, str]]:
    """(state, event, next state) rows, for documentation and diagrams drawn from the table."""
    return [(s.name, e.name, n.name) for (s, e), n in table.items()]


def ms(seconds: float) -> int:
    """Seconds to whole milliseconds (rounded), for event fields and evidence."""
    return round(seconds * 1000.0)
