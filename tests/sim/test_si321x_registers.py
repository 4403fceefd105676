"""ProSLIC model, register level: identification, reset values, indirect access, power-up and calibration."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from firmware.drivers.sim.gpio import VirtualGpioLine
from tests.sim.conftest import Rig
from tests.sim.frames import Frames

# Fact sheet 1.1 reset values that DAHDI-style presence checks rely on.
RESET_VALUES = {8: 0x02, 11: 0x33, 64: 0x00, 67: 0x1F, 69: 0x0A, 70: 0x0A, 65: 0x61, 66: 0x03,
                75: 0x10, 63: 0x54, 68: 0x00, 24: 0x00}


@pytest.mark.parametrize(("part", "dr1"), [("Si3210", 0x08), ("Si3215", 0x88)])
def test_identification_and_reset_values(make_rig: Callable[..., Rig], part: str, dr1: int) -> None:
    rig = make_rig(part, revision=5)
    assert rig.spi.read(0) == 0x05           # part bits 00, revision E
    assert rig.spi.read(1) == dr1             # bit 7 tells a Si3215 apart
    for reg, value in RESET_VALUES.items():
        assert rig.spi.read(reg) == value, f"DR{reg}"


def test_revision_nibble_and_read_only_identity(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig("Si3210", revision=2)
    rig.spi.write(0, 0x0F)                    # only bit 7 (daisy) is writable
    assert rig.spi.read(0) == 0x02
    rig.spi.write(68, 0xFF)                   # loop status is the chip's, not ours
    assert rig.spi.read(68) == 0x00


def test_si3215_pcm_mode_keeps_its_identity_bit(rig: Rig) -> None:
    rig.spi.write(1, 0x28)
    assert rig.spi.read(1) == 0xA8


def test_daisy_mode_switches_the_chip_to_three_byte_frames(rig: Rig) -> None:
    rig.spi.write(0, 0x80)
    assert rig.chip.daisy_mode
    assert rig.spi.read(11) == 0xFF           # 2-byte frames no longer reach it
    daisy = Frames(rig.bus, 0, channel=0)
    assert daisy.read(0) == 0x85
    assert daisy.read(11) == 0x33
    assert Frames(rig.bus, 0, channel=1).read(11) == 0xFF   # nobody at channel 1


def test_indirect_write_and_read_with_busy_status(make_rig: Callable[..., Rig]) -> None:
    spi = make_rig("Si3210").spi
    spi.write(28, 0x34)
    spi.write(29, 0x12)
    spi.write(30, 26)
    assert spi.read(31) != 0                  # busy for the frame after a write ...
    assert spi.read(31) == 0
    spi.write(30, 26)                         # a read access
    assert [spi.read(31), spi.read(31), spi.read(31)] == [1, 1, 0]
    assert spi.read(28) | spi.read(29) << 8 == 0x1234


def test_reading_indirect_data_without_waiting_gives_stale_bytes(make_rig: Callable[..., Rig]) -> None:
    spi = make_rig("Si3210").spi
    spi.write_indirect(21, 0x0160)
    spi.write_indirect(22, 0x0000)
    spi.wait_idle()
    spi.write(30, 21)
    assert spi.read(28) == 0x00               # still the data of the previous access
    spi.wait_idle()
    assert spi.read(28) == 0x60


def test_si3215_translated_indirect_space(make_rig: Callable[..., Rig]) -> None:
    si3215 = make_rig("Si3215")
    si3215.spi.write_indirect(7, 0x7EF0)      # RCO lives at 7 on the Si3215 (20 on the Si3210)
    assert si3215.spi.read_indirect(7) == 0x7EF0
    assert si3215.chip.indirect(20) == 0x7EF0
    for absent in (28, 41, 43, 65, 99):       # outside the Si3215's space (no DTMF, pulse metering, FSK)
        si3215.spi.write_indirect(absent, 0x5555)
        assert si3215.spi.read_indirect(absent) == 0
    si3210 = make_rig("Si3210")
    si3210.spi.write_indirect(0, 0x55C2)
    assert si3210.spi.read_indirect(0) == 0x55C2


def _ring_setup(rig: Rig, rco_addr: int, rngx_addr: int) -> None:
    rig.power_up()
    rig.spi.write_indirect(rco_addr, 0x7EF0)
    rig.spi.write_indirect(rngx_addr, 0x0160)
    rig.spi.write(64, 4)


def test_untranslated_ring_registers_on_a_si3215_ring_at_zero_volts(make_rig: Callable[..., Rig]) -> None:
    right = make_rig("Si3215")
    _ring_setup(right, 7, 8)
    assert right.line.feed_at().ringing
    assert right.line.feed_at().ring_vrms == pytest.approx(45.2, abs=0.5)   # ~64 Vpk
    wrong = make_rig("Si3215")
    _ring_setup(wrong, 20, 21)                 # Si3210 addresses: not there on a Si3215
    assert wrong.line.feed_at().ring_vrms == 0.0


def test_power_up_ramp_reaches_dahdi_threshold_in_tens_of_ms(rig: Rig) -> None:
    assert rig.spi.read(82) < 0x06
    rig.spi.write(14, 0x00)
    rig.ms(10)
    assert rig.spi.read(82) < 0xC0            # still ramping
    rig.ms(50)
    assert rig.spi.read(82) >= 0xC0           # 75 V target = 0xC7
    assert rig.spi.read(82) == pytest.approx(75 / 0.376, abs=1)


def test_vbath_register_sets_the_converter_target(rig: Rig) -> None:
    rig.spi.write(74, 0x3F)                   # 94.5 V (boost ringer)
    rig.power_up()
    assert rig.spi.read(82) == pytest.approx(94.5 / 0.376, abs=1)


@pytest.mark.parametrize(("leaky", "survives"), [(False, True), (True, False)])
def test_leakage_test_decay(rig: Rig, leaky: bool, survives: bool) -> None:
    rig.power_up()
    rig.chip.leaky = leaky
    rig.spi.write(14, 0x10)
    rig.ms(500)
    assert (rig.spi.read(82) > 0x06) is survives


def test_dcdc_calibration_busy_then_result_in_range(rig: Rig) -> None:
    rig.power_up()
    rig.spi.write(93, 0x99)
    assert rig.spi.read(93) & 0x80
    rig.ms(10)
    assert not rig.spi.read(93) & 0x80
    assert 2 <= rig.spi.read(107) <= 13


def test_auto_calibration_takes_about_150_ms(rig: Rig) -> None:
    rig.power_up()
    before = [rig.spi.read(r) for r in range(98, 108)]
    rig.spi.write(97, 0x1F)
    rig.spi.write(96, 0x5F)
    rig.ms(100)
    assert rig.spi.read(96) != 0
    rig.ms(60)
    assert rig.spi.read(96) == 0
    after = [rig.spi.read(r) for r in range(98, 108)]
    assert after != before
    assert 2 <= after[-1] <= 13


def test_calibration_hang_fault_never_finishes(rig: Rig) -> None:
    rig.chip.calibration_hangs = True
    rig.spi.write(96, 0x5F)
    rig.ms(2500)                              # longer than DAHDI's 2 s timeout
    assert rig.spi.read(96) != 0


def test_manual_calibration_null_detector(rig: Rig) -> None:
    steps = 0
    for code in range(0x1F, 0, -1):
        rig.spi.write(98, code)
        steps += 1
        if rig.spi.read(88) == 0:
            break
    assert rig.spi.read(88) == 0
    assert 2 <= steps < 0x1F                  # found after a few steps, not at once or never


def test_reset_pin_silences_the_chip_and_restores_reset_values(rig: Rig) -> None:
    reset = VirtualGpioLine("reset", True)
    rig.chip.attach_reset(reset)
    rig.spi.write(8, 0x00)
    rig.spi.write(0, 0x80)
    reset.write(False)
    assert Frames(rig.bus, 0, channel=0).read(0) == 0xFF   # held in reset: nobody drives MISO
    assert rig.spi.read(0) == 0xFF
    rig.spi.write(69, 0x04)                   # ignored while in reset
    reset.write(True)
    assert not rig.chip.daisy_mode
    assert rig.spi.read(8) == 0x02
    assert rig.spi.read(69) == 0x0A
