"""Test rig: drives the engine with port events on a fake clock and keeps what it commanded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from firmware.config.model import Config
from firmware.contracts.ports import (
    DigitReceived,
    OffHook,
    OnHook,
    PortEvent,
)
from firmware.pbx.commands import CdrRecord, Command
from firmware.pbx.engine import Engine
from firmware.pbx.settings import PbxSettings

T = TypeVar("T")
START = 1000.0
WALL0 = datetime(2024, 5, 6, 9, 0, 0, tzinfo=UTC)


class Rig:
    def __init__(self, cfg: Config | None = None, **config: Any) -> None:
        base = cfg if cfg is not None else Config()
        self.cfg = replace(base, **config) if config else base
        self.engine = Engine(PbxSettings.from_config(self.cfg))
        self.now = START
        self.log: list[Command] = []

    @property
    def wall(self) -> datetime:
        return WALL0 + timedelta(seconds=self.now - START)

    def send(self, event: PortEvent) -> list[Command]:
        out = self.engine.handle(event, self.now, self.wall)
        self.log += out
        return out

    def ev(self, cls: type[PortEvent], port: int, **fields: Any) -> list[Command]:
        return self.send(cls(port, self.now, **fields))

    def advance(self, seconds: float) -> list[Command]:
        """Move the clock by `seconds` and tick (timers that came due fire)."""
        self.now += seconds
        out = self.engine.tick(self.now, self.wall)
        self.log += out
        return out

    def until(self, t: float) -> list[Command]:
        return self.advance(t - self.now)

    def off_hook(self, port: int) -> list[Command]:
        return self.ev(OffHook, port)

    def on_hook(self, port: int) -> list[Command]:
        return self.ev(OnHook, port)

    def dial(self, port: int, digits: str, gap: float = 0.25) -> list[Command]:
        out: list[Command] = []
        for i, d in enumerate(digits):
            if i:
                out += self.advance(gap)
            out += self.ev(DigitReceived, port, digit=d)
        return out

    def state(self, leg: str) -> str:
        return self.engine.snapshot(self.now).port(leg).state

    def cdrs(self) -> list[CdrRecord]:
        return of(CdrRecord, self.log)


def of(cls: type[T], commands: Iterable[object]) -> list[T]:
    return [c for c in commands if isinstance(c, cls)]


def one(cls: type[T], commands: Iterable[object]) -> T:
    found = of(cls, commands)
    assert len(found) == 1, f"expected one {cls.__name__}, got {found}"
    return found[0]
