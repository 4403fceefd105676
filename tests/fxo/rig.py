"""A one- or two-line virtual FXO rig: exchange -> line -> Si3050 model -> SPI/PCM -> FxoPort.

The caller runs it like the port loop does: tick each port when its `next_deadline` is due and move
audio in 10 ms blocks (pending output -> highway -> chip -> line -> exchange, and back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from firmware.contracts.clock import FakeClock
from firmware.contracts.ports import PortCommand, PortEvent
from firmware.drivers.fxo.port import FxoPort
from firmware.drivers.fxo.settings import FxoSettings
from firmware.drivers.sim.exchange import VirtualExchange
from firmware.drivers.sim.gpio import VirtualGpioLine
from firmware.drivers.sim.line import TwoWireLine
from firmware.drivers.sim.pcm import VirtualPcmHighway
from firmware.drivers.sim.si3050 import Si3050Model
from firmware.drivers.sim.spi import Family, VirtualSpiBus
from firmware.dsp import g711

BLOCK = 80  # 10 ms
Source = Callable[[int], np.ndarray]


@dataclass
class Line:
    port: FxoPort
    daa: Si3050Model
    ex: VirtualExchange
    line: TwoWireLine
    slot: int
    reset: VirtualGpioLine | None = None
    events: list[PortEvent] = field(default_factory=list)
    rx: list[np.ndarray] = field(default_factory=list)        # audio the port returned to the box
    raw: list[np.ndarray] = field(default_factory=list)       # audio as received from the line
    sent: list[np.ndarray] = field(default_factory=list)      # audio the box sent toward the line
    source: Source | None = None                              # what the box sends toward the line


class FxoRig:
    def __init__(self, country: str = "DE", *, lines: int = 1, attach: bool = True, line_side: bool = True,
                 reset: bool = False, exchange: dict[str, Any] | None = None, **settings: Any) -> None:
        self.clock = FakeClock(1000.0)
        self.bus = VirtualSpiBus(self.clock)
        self.highway = VirtualPcmHighway()
        self.lines: list[Line] = []
        settings.setdefault("echo_cancel", False)
        for i in range(lines):
            line = TwoWireLine(self.clock, name=f"fxo {i + 1}")
            daa = Si3050Model(self.clock, line=line, highway=self.highway, line_side_present=line_side)
            ex = VirtualExchange(self.clock, line, country=country, **(exchange or {}))
            ex.attach_daa(daa)
            line.connect(ex, daa)
            if attach:
                self.bus.attach(i, Family.DAA, 0, daa)
            gpio = None
            if reset:
                gpio = VirtualGpioLine(f"reset {i + 1}")
                daa.attach_reset(gpio)
            s = FxoSettings.for_iso(country, port=i + 1, pcm_slot=2 + i, **settings)
            port = FxoPort(s, self.bus.device(i), self.clock, reset=gpio)
            self.lines.append(Line(port, daa, ex, line, 2 + i, gpio))

    def __getitem__(self, index: int) -> Line:
        return self.lines[index]

    @property
    def port(self) -> FxoPort:
        return self.lines[0].port

    @property
    def ex(self) -> VirtualExchange:
        return self.lines[0].ex

    @property
    def daa(self) -> Si3050Model:
        return self.lines[0].daa

    def start(self) -> list[PortEvent]:
        for ln in self.lines:
            ln.events += ln.port.start()
        return list(self.lines[0].events)

    def handle(self, cmd: PortCommand, index: int = 0) -> list[PortEvent]:
        ln = self.lines[index]
        events = ln.port.handle(cmd, self.clock.now())
        ln.events += events
        return events

    def run(self, seconds: float, *, grid: bool = False) -> None:
        """Advance `seconds`. grid=False ticks each port exactly at its deadline; grid=True behaves
        like the runtime's port loop: one step per 10 ms block, ticking the ports that are due."""
        end = self.clock.now() + seconds
        while self.clock.now() < end - 1e-9:
            block_end = min(self.clock.now() + BLOCK / 8000, end)
            if not grid:
                self._tick_until(block_end)
            self.clock.set(max(block_end, self.clock.now()))
            self._audio()
            if grid:
                now = self.clock.now()
                for ln in self.lines:
                    if now >= ln.port.next_deadline:
                        ln.events += ln.port.tick(now)

    def run_until(self, cond: Callable[[], bool], limit_s: float, step_s: float = 0.1) -> float:
        """Run until `cond()` holds (checked every `step_s`); returns the seconds it took."""
        t0 = self.clock.now()
        while not cond():
            if self.clock.now() - t0 > limit_s:
                raise AssertionError(f"condition not met within {limit_s} s")
            self.run(step_s)
        return self.clock.now() - t0

    def _tick_until(self, limit: float) -> None:
        while True:
            due = min(ln.port.next_deadline for ln in self.lines)
            if due > limit:
                return
            self.clock.set(max(due, self.clock.now()))
            now = self.clock.now()
            for ln in self.lines:
                if ln.port.next_deadline <= now:
                    ln.events += ln.port.tick(now)

    def _audio(self) -> None:
        now = self.clock.now()
        sent: list[np.ndarray] = []
        for ln in self.lines:
            out = ln.port.pending_output(BLOCK, now)
            if out is None:
                out = ln.source(BLOCK) if ln.source is not None else np.zeros(BLOCK, np.int16)
            sent.append(out)
            ln.sent.append(out)
            self.highway.driver_write(ln.slot, g711.encode(out, ln.port.law))
        for ln in self.lines:
            ln.ex.tick(now)
            ln.line.exchange(BLOCK)
        for ln, out in zip(self.lines, sent):
            data = self.highway.driver_read(ln.slot, 4 * BLOCK)
            if not data:
                continue
            samples = g711.decode(data, ln.port.law)
            ln.raw.append(samples)
            rx, events = ln.port.process_audio(samples, out[: len(samples)], now)
            ln.rx.append(rx)
            ln.events += events

    def take(self, index: int = 0) -> list[PortEvent]:
        events, self.lines[index].events = self.lines[index].events, []
        return events

    def of(self, kind: type, index: int = 0) -> list[Any]:
        return [e for e in self.lines[index].events if isinstance(e, kind)]
