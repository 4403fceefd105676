"""The backend fixture for scenario tests: one interface, two rigs (virtual board here, the
hardware-in-the-loop rig in hil/). Tests talk only to `Rig`; nothing in a scenario test
may reach into a chip model unless it is marked virtual-only (fault injection)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from firmware.app.backends import VirtualBackend
from firmware.app.compose import Analog, build_analog
from firmware.config.model import Config, ModuleConfig
from firmware.contracts.clock import FakeClock
from firmware.contracts.ports import PortCommand, PortEvent


class Rig(Protocol):
    """What a scenario needs from a board with handsets and lines attached."""

    analog: Analog

    def handset(self, port: int) -> Any: ...

    def wait(self, seconds: float) -> None: ...

    def now(self) -> float: ...

    def command(self, cmd: PortCommand) -> None: ...

    def events(self, port: int | None = None, kind: type | None = None) -> list[PortEvent]: ...

    def clear_events(self) -> None: ...


class VirtualRig:
    """The virtual board on a fake clock: a 30 s scenario runs in well under a second of CPU."""

    STEP = 0.005

    def __init__(self, cfg: Config | None = None, *, country: str | None = None,
                 modules: list[ModuleConfig] | None = None, absent_ports: frozenset[int] = frozenset()) -> None:
        cfg = cfg or Config()
        if country:
            cfg = replace(cfg, country=country)
        if modules is not None:
            cfg = replace(cfg, board=replace(cfg.board, modules=modules))
        self.cfg = cfg
        self.clock = FakeClock()
        self.backend = VirtualBackend(cfg, self.clock, absent_ports=absent_ports)
        self.board = self.backend.board
        self.analog = build_analog(cfg, self.backend, self.clock)
        self._events: list[PortEvent] = list(self.analog.loop.start())

    def handset(self, port: int) -> Any:
        return self.board.handset(port)

    def exchange(self, port: int) -> Any:
        return self.board.exchange(port)

    def chip(self, port: int) -> Any:
        """Virtual-only: the chip model (fault injection)."""
        return self.board.chip(port)

    def now(self) -> float:
        return self.clock.now()

    def wait(self, seconds: float) -> None:
        end = self.clock.now() + seconds
        while self.clock.now() < end - 1e-9:
            self.clock.advance(min(self.STEP, end - self.clock.now()))
            self._events += self.analog.loop.step(self.clock.now())

    def command(self, cmd: PortCommand) -> None:
        self._events += self.analog.loop.command(cmd, self.clock.now())

    def events(self, port: int | None = None, kind: type | None = None) -> list[PortEvent]:
        return [e for e in self._events
                if (port is None or e.port == port) and (kind is None or isinstance(e, kind))]

    def clear_events(self) -> None:
        self._events.clear()
