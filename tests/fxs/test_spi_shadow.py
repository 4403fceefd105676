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
    with pytest.raises(ChipTimeoutError, match="after 5 polls"):
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


def test_si3215_indirect_translation_and_absent_registers() -> None:
    assert r.indirect_address(r.SI3210, 26) == 26
    assert r.indirect_address(r.SI3215, 26) == 13
    assert r.indirect_address(r.SI3215, 41) == 64
    assert r.indirect_address(r.SI3215, 0) is None      # DTMF decoder: Si3210 only
    assert r.indirect_address(r.SI3215, 42) is None
    assert r.indirect_address(r.SI3215, 97) == 97       # not in the table: unchanged (as DAHDI)
    clock = FakeClock()
    chip = FakeProslic(clock, si3215=True)
    shadow = RegisterShadow(ProslicBus(chip, clock, port=1), r.SI3215)
    assert shadow.write_indirect(0, 0x55C2) is False
    assert shadow.write_indirect(27, 0x4000) is True
    assert chip.indirect == {14: 0x4000}


def test_init_table_has_unity_gains_and_dahdi_values() -> None:
    assert r.INDIRECT[26].init == 0x4000 and r.INDIRECT[27].init == 0x4000
    assert r.INDIRECT[29].init == 0x3600 and r.INDIRECT[36].init == 0x0320
    assert [reg.addr for reg in r.INDIRECT_INIT] == list(range(44))


def test_shadow_writes_only_on_change() -> None:
    clock = FakeClock()
    chip = FakeProslic(clock)
    shadow = RegisterShadow(ProslicBus(chip, clock, port=1))
    assert shadow.write(69, 4) is True
    assert shadow.write(69, 4) is False
    assert shadow.write(69, 4, force=True) is True
    assert chip.writes.count((69, 4)) == 2


def test_shadow_verification_names_register_written_and_read() -> None:
    clock = FakeClock()
    chip = FakeProslic(clock)
    shadow = RegisterShadow(ProslicBus(chip, clock, port=6))
    shadow.write_verified(72, 0x20)
    chip.regs[72] = 0x10
    message = r"port 6: DR72 \(OFF_HOOK_V\) read back 0x10 after writing 0x20"
    with pytest.raises(ChipVerifyError, match=message):
        shadow.verify(72)


def test_shadow_verify_ignores_bits_the_chip_owns() -> None:
    clock = FakeClock()
    chip = FakeProslic(clock, si3215=True)
    shadow = RegisterShadow(ProslicBus(chip, clock, port=1))
    shadow.write_verified(1, 0x28)                      # reads back 0xA8 on a Si3215
    shadow.write_verified(64, 0x01)                     # upper nibble is LFS


def test_indirect_verification_lists_every_mismatch() -> None:
    clock = FakeClock()
    chip = FakeProslic(clock)
    shadow = RegisterShadow(ProslicBus(chip, clock, port=2))
    shadow.write_indirect(26, 0x4000)
    shadow.write_indirect(27, 0x4000)
    chip.indirect[27] = 0x2000
    with pytest.raises(ChipVerifyError, match="IR27 read 0x2000, wrote 0x4000"):
        shadow.verify_indirect([26, 27])


def test_value_helpers() -> None:
    assert r.digital_gain(0.0) == 0x4000
    assert r.digital_gain(-6.0) == 0x2013
    with pytest.raises(ValueError):
        r.digital_gain(7.0)
    assert [r.loop_current_code(m) for m in (20, 23, 41)] == [0, 1, 7]
    with pytest.raises(ValueError):
        r.loop_current_code(42)
    assert r.volts_code(48) == 0x20
    assert r.pcm_mode(True) == 0x28 and r.pcm_mode(False) == 0x20
