"""SPI framing (2-byte and daisy 3-byte), bounded indirect access, Si3215 translation, shadow verification."""

from __future__ import annotations

import pytest

from firmware.contracts.clock import FakeClock
from firmware.contracts.errors import ChipTimeoutError, ChipVerifyError
from firmware.drivers.fxs import registers as r
from firmware.drivers.fxs.shadow import RegisterShadow
from firmware.drivers.fxs.spi import ProslicBus
from tests.fxs.fakes import FakeProslic


def test_two_byte_frames_read_and_write() -> None:
    clock = FakeClock()
    chip = FakeProslic(clock)
    bus = ProslicBus(chip, clock, port=1)
    assert bus.read(11) == 0x33
    bus.write(69, 0x04)
    assert chip.frames == [bytes([0x80 | 11, 0x00]), bytes([69, 0x04])]


def test_daisy_frames_carry_the_channel_bitmap() -> None:
    clock = FakeClock()
    chip = FakeProslic(clock, daisy_channel=2)
    bus = ProslicBus(chip, clock, port=3, daisy_channel=2)
    assert bus.read(0) == 0xFF                      # chip not in daisy mode yet: nothing answers
    bus.enter_daisy_mode()
    assert chip.frames[-1] == bytes([0x00, 0x80])   # 2-byte DR0 = 0x80
    assert bus.read(0) == 0x85
    bus.write(64, 1)
    assert chip.frames[-2:] == [bytes([0x04, 0x80, 0x00]), bytes([0x04, 64, 0x01])]


def test_indirect_write_and_read_follow_fact_sheet_1_3() -> None:
    clock = FakeClock()
    chip = FakeProslic(clock)
    bus = ProslicBus(chip, clock, port=1)
    bus.write_indirect(26, 0x4000)
    writes = [w for w in chip.writes if w[0] in (28, 29, 30)]
    assert writes == [(28, 0x00), (29, 0x40), (30, 26)]
    assert bus.read_indirect(26) == 0x4000


def test_indirect_busy_times_out_by_poll_count() -> None:
    clock = FakeClock()
    chip = FakeProslic(clock)
    chip.istatus_stuck = True
    bus = ProslicBus(chip, clock, port=4, max_polls=10)
    message = r"port 4: indirect register access stuck \(DR31 read 0x01 after 10 polls"
    with pytest.raises(ChipTimeoutError, match=message):
        bus.write_indirect(26, 0x4000)
    assert sum(1 for f in chip.frames if f[0] == 0x80 | 31) == 10


def test_indirect_busy_times_out_by_time() -> None:
    clock = FakeClock()
    chip = FakeProslic(clock)
    chip.istatus_stuck = True

    class SlowSpi:
        def transfer(self, data: bytes) -> bytes:
            clock.advance(0.004)
            return chip.transfer(data)

        def close(self) -> None:
            pass

    bus = ProslicBus(SlowSpi(), clock, port=4, max_polls=1000, max_wait_s=0.010)
    with pytest.raises(ChipTimeoutError, match="after 5 polls"):   # time counts from the 5th poll on
        bus.read_indirect(26)


def test_a_preempted_poll_is_not_a_stuck_chip() -> None:
    """DR31 stays busy for two polls; the thread sleeps 50 ms after the first. The chip is not stuck."""
    clock = FakeClock()
    chip = FakeProslic(clock)
    polls = [0]

    class PreemptedSpi:
        def transfer(self, data: bytes) -> bytes:
            if data[0] == 0x80 | 31:           # a DR31 read
                polls[0] += 1
                if polls[0] == 1:
                    clock.advance(0.050)       # preempted right after the first poll
                busy = polls[0] % 3 != 0       # busy, busy, idle, busy, busy, idle ...
                return bytes([0xFF, 1 if busy else 0])
            return chip.transfer(data)

        def close(self) -> None:
            pass

    bus = ProslicBus(PreemptedSpi(), clock, port=4, max_polls=1000, max_wait_s=0.010)
    bus.write_indirect(26, 0x4000)             # must not raise ChipTimeoutError
    assert polls[0] == 3
