"""A one-port virtual FXS rig for the model tests: fake clock, SPI bus, PCM highway, line, ProSLIC model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from firmware.contracts.clock import FakeClock
from firmware.drivers.sim.line import TwoWireLine
from firmware.drivers.sim.pcm import VirtualPcmHighway
from firmware.drivers.sim.si321x import Si321xModel
from firmware.drivers.sim.spi import Family, VirtualSpiBus
from tests.sim.frames import Frames

BLOCK = 80  # 10 ms at 8 kHz, as the daemon's virtual board exchanges audio


@dataclass
class Rig:
    clock: FakeClock
    bus: VirtualSpiBus
    highway: VirtualPcmHighway
    line: TwoWireLine
    chip: Si321xModel
    spi: Frames

    def ms(self, ms: float) -> float:
        """Advance the clock by `ms` milliseconds; returns the new time."""
        return self.clock.advance(ms / 1000.0)

    def audio(self, ms: int, block: int = BLOCK) -> None:
        """Run the line's audio exchange for `ms` milliseconds, one block per 10 ms of clock."""
        for _ in range(ms * 8 // block):
            self.line.exchange(block)
            self.clock.advance(block / 8000.0)

    def power_up(self) -> None:
        """What any driver does before using the line: converter on, wait for the battery."""
        self.spi.write(14, 0x00)
        self.ms(100)


@pytest.fixture
def make_rig() -> Callable[..., Rig]:
    def make(part: str = "Si3215", revision: int = 5) -> Rig:
        clock = FakeClock()
        bus = VirtualSpiBus(clock)
        highway = VirtualPcmHighway()
        line = TwoWireLine(clock)
        chip = Si321xModel(clock, part=part, revision=revision, line=line, highway=highway)
        bus.attach(0, Family.PROSLIC, 0, chip)
        return Rig(clock, bus, highway, line, chip, Frames(bus, 0))
    return make


@pytest.fixture
def rig(make_rig: Callable[..., Rig]) -> Rig:
    return make_rig()
