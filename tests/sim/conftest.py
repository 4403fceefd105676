"""A one-port virtual FXS rig for the model tests: fake clock, SPI bus, PCM highway, line, ProSLIC model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from firmware.contracts.clock import FakeClock
from firmware.drivers.sim.handset import VirtualHandset
from firmware.drivers.sim.line import TwoWireLine
from firmware.drivers.sim.pcm import VirtualPcmHighway
from firmware.drivers.sim.si321x import Si321xModel
from firmware.drivers.sim.spi import Family, VirtualSpiBus
from tests.sim.frames import Frames

BLOCK = 80  # 10 ms at 8 kHz, as the daemon's virtual board exchanges audio
GAIN_ADDR = {"Si3210": (26, 27), "Si3215": (13, 14)}  # RX/TX digital gain, native addresses


@dataclass
class Rig:
    clock: FakeClock
    bus: VirtualSpiBus
    highway: VirtualPcmHighway
    line: TwoWireLine
    chip: Si321xModel
    spi: Frames
    phone: VirtualHandset

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

    def start_pcm(self, *, rx_slot: int, tx_slot: int, mulaw: bool = True, rx_gain: int = 0x4000,
                  tx_gain: int = 0x4000, linefeed: int = 0x01) -> None:
        """Raw-frame audio set-up: power, PCM mode and start counts, loopback off, gains, linefeed."""
        self.power_up()
        self.spi.write(1, 0x28 if mulaw else 0x20)
        self.spi.write(2, tx_slot * 8 & 0xFF)
        self.spi.write(3, tx_slot * 8 >> 8)
        self.spi.write(4, rx_slot * 8 & 0xFF)
        self.spi.write(5, rx_slot * 8 >> 8)
        self.spi.write(8, 0x00)
        rx_addr, tx_addr = GAIN_ADDR[self.chip.part.name]
        self.spi.write_indirect(rx_addr, rx_gain)
        self.spi.write_indirect(tx_addr, tx_gain)
        self.spi.write(64, linefeed)


@pytest.fixture
def make_rig() -> Callable[..., Rig]:
    def make(part: str = "Si3215", revision: int = 5, **handset: Any) -> Rig:
        clock = FakeClock()
        bus = VirtualSpiBus(clock)
        highway = VirtualPcmHighway()
        line = TwoWireLine(clock)
        chip = Si321xModel(clock, part=part, revision=revision, line=line, highway=highway)
        bus.attach(0, Family.PROSLIC, 0, chip)
        phone = VirtualHandset(clock, line, **handset)
        line.connect(chip, phone)
        return Rig(clock, bus, highway, line, chip, Frames(bus, 0), phone)
    return make


@pytest.fixture
def rig(make_rig: Callable[..., Rig]) -> Rig:
    return make_rig()
