"""Identification messages, power-up and calibration timeouts on fake time, full and fast init."""

from __future__ import annotations

import pytest

from firmware.contracts.clock import FakeClock
from firmware.contracts.errors import ChipAbsentError
from firmware.drivers.fxs import proslic as p
from firmware.drivers.fxs import registers as r
from firmware.drivers.fxs.shadow import RegisterShadow
from firmware.drivers.fxs.spi import ProslicBus
from tests.fxs.fakes import FakeProslic


def setup(**kw: bool) -> tuple[FakeClock, FakeProslic, RegisterShadow]:
    clock = FakeClock(10.0)
    chip = FakeProslic(clock, **kw)
    return clock, chip, RegisterShadow(ProslicBus(chip, clock, port=3))


def test_identify_si3210_and_si3215() -> None:
    _, _, regs = setup()
    assert p.identify(regs, fresh=True) == p.ChipId(r.SI3210, 5, 0x05)
    _, _, regs = setup(si3215=True)
    assert p.identify(regs, fresh=True).part == r.SI3215
    assert regs.part == r.SI3215


def test_absent_chip_refused_with_the_value_read() -> None:
    _, chip, regs = setup()
    chip.answering = False
    with pytest.raises(ChipAbsentError, match=r"^port 3: no ProSLIC \(DR0 read 0xFF\)$"):
        p.identify(regs, fresh=True)


@pytest.mark.parametrize(("reg", "value", "message"), [
    (0, 0x00, r"no ProSLIC \(DR0 read 0x00\)"),
    (0, 0x01, r"revision 1 too old \(DR0 read 0x01\)"),
    (11, 0x00, r"no ProSLIC \(DR11 read 0x00, expected 0x33\)"),
    (8, 0x00, r"not in its reset state \(DR8 read 0x00, expected 0x02\)"),
])
def test_insane_chip_refused_naming_register_and_value(reg: int, value: int, message: str) -> None:
    _, chip, regs = setup()
    chip.regs[reg] = value
    with pytest.raises(ChipAbsentError, match=message):
        p.identify(regs, fresh=True)


def test_warm_chip_accepted_when_not_freshly_reset() -> None:
    _, chip, regs = setup()
    chip.regs[8] = 0x00
    assert p.identify(regs, fresh=False).part == r.SI3210


def test_expected_part_mismatch_is_refused() -> None:
    _, _, regs = setup(si3215=True)
    with pytest.raises(ChipAbsentError, match=r"expected Si3210, found Si3215 \(DR1 read 0x88\)"):
        p.identify(regs, fresh=True, expected=r.SI3210)


def test_calibration_times_out_after_2_s_of_fake_time_not_before() -> None:
    clock, chip, regs = setup()
    chip.cal_hangs = True
    start = clock.now()
    message = r"port 3: calibration did not finish \(DR96\) within 2000 ms"
    with pytest.raises(p.CalibrationError, match=message):
        p.run_blocking(p.calibrate(regs, start, p.CAL_AUTO), clock)
    assert 2.0 <= clock.now() - start < 2.02


def test_calibration_that_finishes_returns_at_once() -> None:
    clock, _, regs = setup()
    start = clock.now()
    p.run_blocking(p.calibrate(regs, start, p.CAL_AUTO), clock)
    assert clock.now() == start


def test_auto_calibration_retried_once_then_manual_fallback_then_failure() -> None:
    clock, chip, regs = setup()
    chip.cal_hangs = True
    start = clock.now()
    with pytest.raises(p.CalibrationError, match="within 500 ms"):
        p.run_blocking(p.calibrate_with_retry(regs, p.ChipConfig(), start), clock)
    assert [w for w in chip.writes if w[0] == 96] == [(96, 0x5F), (96, 0x5F), (96, 0x47)]
    assert 4.5 <= clock.now() - start < 4.6
    clock, chip, regs = setup()
    chip.cal_hangs = True
    with pytest.raises(p.CalibrationError, match="within 2000 ms"):
        p.run_blocking(p.calibrate_with_retry(regs, p.ChipConfig(manual_cal_fallback=False), clock.now()),
                       clock)


def test_power_up_times_out_after_500_ms() -> None:
    clock, chip, regs = setup()
    chip.battery_dead = True
    start = clock.now()
    with pytest.raises(p.PowerUpError, match=r"did not bring the battery up .* within 500 ms \(read 0x10\)"):
        p.run_blocking(p.power_up(regs, p.ChipConfig(), start), clock)
    assert 0.5 <= clock.now() - start < 0.52


def test_full_init_programs_pcm_slot_law_gains_and_saves_calibration() -> None:
    clock, chip, regs = setup()
    p.identify(regs, fresh=True)
    cfg = p.ChipConfig(pcm_slot=5, mulaw=False, loop_current_ma=26, rx_gain_db=-6.0)
    result = p.run_blocking(p.full_init(regs, cfg, clock.now(), live=False), clock)
    assert len(result.calibration) == 12
    assert chip.regs[1] == 0x20                           # A-law, PCM on
    assert (chip.regs[2], chip.regs[3], chip.regs[4], chip.regs[5]) == (40, 0, 40, 0)
    assert chip.regs[71] == 2 and chip.regs[69] == 0x04 and chip.regs[8] == 0
    assert chip.indirect[26] == 0x2013 and chip.indirect[27] == 0x4000
    assert chip.indirect[35] == 0x8000                    # filters restored after power-up
    assert [w for w in chip.writes if w[0] == 96] == [(96, 0x5F)]


def test_ring_mode_preset_is_programmed() -> None:
    clock, chip, regs = setup()
    p.identify(regs, fresh=True)
    p.run_blocking(p.full_init(regs, p.ChipConfig(ring_mode="fast"), clock.now(), live=False), clock)
    assert chip.indirect[20] == 0x7E6D and chip.indirect[21] == 0x01B9 and chip.regs[74] == 0x32


def test_fast_init_rewrites_the_saved_calibration_without_waiting() -> None:
    clock, chip, regs = setup()
    saved = (0x40, 0x00, *range(0x15, 0x1F))
    start = clock.now()
    p.fast_init(regs, p.ChipConfig(), saved)
    assert clock.now() == start
    assert [chip.regs[reg] for reg in range(98, 108)] == list(range(0x15, 0x1F))
    assert (96, 0x00) in chip.writes                      # CAL bit of a saved DR96 never restarts calibration
    assert not [w for w in chip.writes if w[0] == 96 and w[1] & 0x40]
