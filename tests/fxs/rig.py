"""A small virtual rig for driver tests: ProSLIC models on the virtual SPI bus, lines, PCM highway.

The caller ticks each port when its `next_deadline` is due (as the port loop does) and moves
audio in 10 ms blocks: driver output -> highway -> chip -> line, and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from firmware.contracts.clock import FakeClock
from firmware.contracts.ports import PortEvent
from firmware.drivers.fxs.port import FxsPort
from firmware.drivers.fxs.settings import FxsSettings
from firmware.drivers.sim.gpio import VirtualGpioLine
from firmware.drivers.sim.line import TwoWireLine
from firmware.drivers.sim.pcm import VirtualPcmHighway
from firmware.drivers.sim.si321x import Si321xModel
from firmware.drivers.sim.spi import Family, VirtualSpiBus
from firmware.dsp import g711

BLOCK = 80   # 10 ms at 8 kHz


class QuietSet:
    """The far end of the pair: silent, remembers what it heard."""

    def __init__(self) -> None:
        self.heard: list[np.ndarray] = []

    def line_out(self, n: int) -> np.ndarray:
        return np.zeros(n, np.int16)

    def line_in(self, block: np.ndarray) -> None:
        self.heard.append(block.copy())


@dataclass
class Slot:
    port: FxsPort
    chip: Si321xModel | None
    line: TwoWireLine
    reset: VirtualGpioLine | None = None
    irq: VirtualGpioLine | None = None
    events: list[PortEvent] = field(default_factory=list)
    from_set: list[np.ndarray] = field(default_factory=list)


class Rig:
    """`interrupt`: None (ports poll DR68), "own" (an INT line per module) or "shared" (one wired-OR
    line for all modules); `wire_int=False` leaves the chips' INT pins unconnected (a stuck-high line)."""

    def __init__(self, parts: tuple[str | None, ...] = ("Si3215",), *, daisy: bool = False,
                 reset: bool = False, interrupt: str | None = None, wire_int: bool = True,
                 **settings: object) -> None:
        self.clock = FakeClock(1000.0)
        self.bus = VirtualSpiBus(self.clock)
        self.highway = VirtualPcmHighway()
        self.slots: list[Slot] = []
        shared = VirtualGpioLine("INT") if interrupt == "shared" else None
        for i, part in enumerate(parts):
            line = TwoWireLine(self.clock, name=f"port {i + 1}")
            chip = None
            if part is not None:
                chip = Si321xModel(self.clock, part=part, line=line, highway=self.highway)
                line.connect(chip, QuietSet())
                self.bus.attach(0 if daisy else i, Family.PROSLIC, i if daisy else 0, chip)
            gpio = None
            if reset:
                gpio = VirtualGpioLine(f"reset {i + 1}")
                if chip is not None:
                    chip.attach_reset(gpio)
            irq = shared or (VirtualGpioLine(f"INT {i + 1}") if interrupt == "own" else None)
            if irq is not None and chip is not None and wire_int:
                chip.attach_interrupt(irq)
            fxs = FxsSettings(port=i + 1, pcm_slot=i, **settings)  # type: ignore[arg-type]
            port = FxsPort(fxs, self.bus.device(0 if daisy else i), self.clock, reset=gpio,
                           daisy_channel=i if daisy else None, interrupt=irq)
            self.slots.append(Slot(port, chip, line, gpio, irq))

    def __getitem__(self, index: int) -> Slot:
        return self.slots[index]

    def start(self) -> list[list[PortEvent]]:
        return [s.port.start() for s in self.slots]

    def run(self, seconds: float) -> None:
        end = self.clock.now() + seconds
        while self.clock.now() < end - 1e-9:
            block_end = min(self.clock.now() + BLOCK / 8000, end)
            self._tick_until(block_end)
            self.clock.set(max(block_end, self.clock.now()))
            self._audio()

    def _tick_until(self, limit: float) -> None:
        while True:
            due = min(s.port.next_deadline for s in self.slots)
            if due > limit:
                return
            self.clock.set(max(due, self.clock.now()))
            now = self.clock.now()
            for s in self.slots:
                if s.port.next_deadline <= now:
                    s.events += s.port.tick(now)

    def _audio(self) -> None:
        now = self.clock.now()
        for i, s in enumerate(self.slots):
            out = s.port.pending_output(BLOCK, now)
            block = out if out is not None else np.zeros(BLOCK, np.int16)
            self.highway.driver_write(i, g711.encode(block, s.port.law))
        for s in self.slots:
            if s.chip is not None:
                s.line.exchange(BLOCK)
        for i, s in enumerate(self.slots):
            data = self.highway.driver_read(i, 4 * BLOCK)
            if data:
                samples = g711.decode(data, s.port.law)
                s.from_set.append(samples)
                s.events += s.port.process_audio(samples, now)

    def take(self, index: int) -> list[PortEvent]:
        events, self.slots[index].events = self.slots[index].events, []
        return events
