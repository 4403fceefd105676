"""ProSLIC model, line side: linefeed -> battery/ringing, loop-closure debounce, ring trip, faults."""

from __future__ import annotations

import pytest

from tests.sim.conftest import Rig


def test_linefeed_states_drive_the_line(rig: Rig) -> None:
    rig.power_up()
    rig.spi.write(71, 2)                      # 26 mA current limit
    rig.spi.write(64, 0x01)
    assert rig.spi.read(64) == 0x11           # LFS follows LF
    feed = rig.line.feed_at()
    assert (feed.volts, feed.current_limit_ma, feed.ringing) == (48.0, 26.0, False)
    rig.spi.write(64, 0x05)
    assert rig.spi.read(64) == 0x55
    assert rig.line.feed_at().volts == -48.0
    rig.spi.write(72, 0x10)                   # VOC 24 V ("lowpower")
    rig.spi.write(64, 0x02)
    assert rig.line.feed_at().volts == 24.0
    rig.spi.write(64, 0x00)
    assert not rig.line.feed_at().battery


def test_no_battery_on_the_line_until_the_converter_runs(rig: Rig) -> None:
    rig.spi.write(64, 0x01)
    assert rig.spi.read(64) == 0x11
    assert not rig.line.feed_at().battery      # forgot DR14 = 0: the set sees a dead line
    rig.spi.write(14, 0x00)
    rig.ms(100)
    rig.spi.read(68)
    assert rig.line.feed_at().volts == 48.0


def test_ringing_from_dahdi_constants_and_clipping_at_vbath(make_rig: type) -> None:
    rig: Rig = make_rig("Si3210")
    rig.power_up()
    rig.spi.write_indirect(20, 0x7EF0)
    rig.spi.write_indirect(21, 0x0160)
    rig.spi.write(64, 0x04)
    assert rig.spi.read(64) == 0x44
    feed = rig.line.feed_at()
    assert feed.ringing and feed.ring_hz == pytest.approx(20.5, abs=0.1)
    assert feed.ring_vrms * 2 ** 0.5 == pytest.approx(64, abs=1)
    rig.spi.write_indirect(21, 0x01D1)        # "boost" amplitude (~84 Vpk) on a 75 V battery
    assert rig.line.feed_at().ring_vrms * 2 ** 0.5 == pytest.approx(75, abs=1)


def test_trapezoid_ringing_neon_settings(make_rig: type) -> None:
    rig: Rig = make_rig("Si3210")
    rig.spi.write(74, 0x3F)
    rig.power_up()
    for addr, value in ((20, 0x009F), (21, 0x7BEF), (22, 0x03E8)):
        rig.spi.write_indirect(addr, value)
    rig.spi.write(34, 0x19)
    rig.spi.write(64, 0x04)
    assert rig.line.feed_at().ring_hz == pytest.approx(4.0, abs=0.01)


def test_linefeed_history_is_recorded_with_times(rig: Rig) -> None:
    rig.power_up()
    t0 = rig.clock.now()
    rig.spi.write(64, 0x04)
    rig.ms(2000)
    rig.spi.write(64, 0x02)
    rig.spi.write(64, 0x02)                   # rewriting the same state is not a change
    assert rig.chip.linefeed_log == [(t0, 4), (t0 + 2.0, 2)]
    assert [(at, f.ringing) for at, f in rig.line.feed_log(t0)] == [(t0, True), (t0 + 2.0, False)]


@pytest.mark.parametrize(("dr69", "hold_ms"), [(0x0A, 12.5), (0x04, 5.0)])
def test_loop_closure_debounce_boundary(rig: Rig, dr69: int, hold_ms: float) -> None:
    rig.power_up()
    rig.spi.write(69, dr69)
    rig.spi.write(64, 0x01)
    rig.spi.write(19, 0xFF)
    t0 = rig.clock.now()
    rig.line.set_loop(True, t0)
    rig.clock.set(t0 + (hold_ms - 0.1) / 1000)
    assert rig.spi.read(68) == 0
    assert rig.spi.read(19) & 0x02 == 0
    rig.clock.set(t0 + hold_ms / 1000)
    assert rig.spi.read(68) == 0x01
    assert rig.spi.read(19) & 0x02
    rig.spi.write(19, 0x02)                   # write 1 to clear
    assert rig.spi.read(19) & 0x02 == 0


def test_glitch_shorter_than_debounce_is_invisible(rig: Rig) -> None:
    rig.power_up()
    rig.spi.write(64, 0x01)
    rig.spi.write(19, 0xFF)
    t0 = rig.clock.now()
    rig.line.set_loop(True, t0 + 0.010)
    rig.line.set_loop(False, t0 + 0.020)      # 10 ms < 12.5 ms
    rig.ms(100)
    assert rig.spi.read(68) == 0
    assert rig.spi.read(19) == 0


def test_loop_closure_needs_a_loop_sensing_linefeed(rig: Rig) -> None:
    rig.power_up()
    rig.line.set_loop(True)
    rig.ms(50)
    assert rig.spi.read(68) == 0              # Open: no current, no LCR
    rig.spi.write(64, 0x02)                   # OHT senses the loop too
    rig.ms(20)
    assert rig.spi.read(68) == 0x01


def test_ring_trip_sets_rtp_not_lcr_and_leaves_linefeed_to_the_driver(rig: Rig) -> None:
    rig.power_up()
    rig.spi.write(64, 0x04)
    rig.spi.write(19, 0xFF)
    rig.ms(500)
    t0 = rig.clock.now()
    rig.line.set_loop(True, t0)
    rig.clock.set(t0 + 0.012)
    assert rig.spi.read(68) == 0
    rig.clock.set(t0 + 0.0125)                # DR70 = 0x0A -> 12.5 ms
    assert rig.spi.read(68) == 0x02           # RTP, LCR masked while ringing
    assert rig.spi.read(19) & 0x01
    rig.ms(200)
    assert rig.spi.read(64) == 0x44           # still ringing: the chip waits for the driver
    rig.spi.write(64, 0x01)
    rig.ms(15)
    assert rig.spi.read(68) & 0x01
    assert not rig.line.feed_at().ringing


def test_spi_fault_stops_miso_and_ignores_writes(rig: Rig) -> None:
    rig.chip.spi_fault = True
    assert rig.spi.read(11) == 0xFF
    rig.spi.write(69, 0x04)
    rig.chip.spi_fault = False
    assert rig.spi.read(11) == 0x33
    assert rig.spi.read(69) == 0x0A


def _active(rig: Rig) -> None:
    rig.power_up()
    rig.spi.write(8, 0x00)
    rig.spi.write(67, 0x07)                   # DAHDI: auto-open kept
    rig.spi.write(64, 0x01)


def test_transient_power_alarm_opens_the_line_once(rig: Rig) -> None:
    _active(rig)
    rig.chip.inject_power_alarm()
    assert rig.spi.read(64) == 0x00
    assert rig.spi.read(19) & 0x0C
    assert rig.spi.read(8) == 0x00            # not a reset: DR8 stays as written
    assert not rig.line.feed_at().battery
    rig.spi.write(64, 0x01)
    rig.ms(500)
    assert rig.spi.read(64) == 0x11


def test_persistent_power_alarm_retrips_after_each_recovery(rig: Rig) -> None:
    _active(rig)
    rig.chip.inject_power_alarm(persistent=True)
    for _ in range(3):
        rig.spi.write(19, 0xFF)
        rig.spi.write(64, 0x01)
        assert rig.spi.read(64) == 0x11
        rig.ms(60)
        assert rig.spi.read(64) == 0x00
        assert rig.spi.read(19) & 0x0C
    rig.chip.clear_power_alarm()
    rig.spi.write(64, 0x01)
    rig.ms(500)
    assert rig.spi.read(64) == 0x11


def test_power_alarm_without_auto_open_only_flags(rig: Rig) -> None:
    _active(rig)
    rig.spi.write(67, 0x16)                   # Xorcom style: no auto-open
    rig.chip.inject_power_alarm()
    assert rig.spi.read(64) == 0x11
    assert rig.spi.read(19) & 0x0C


def test_brown_out_resets_every_register_and_opens_the_line(rig: Rig) -> None:
    _active(rig)
    rig.spi.write(1, 0x28)
    rig.spi.write(0, 0x80)
    rig.chip.inject_reset()
    assert not rig.chip.daisy_mode
    assert rig.spi.read(8) == 0x02            # how DAHDI tells a reset from a power alarm
    assert rig.spi.read(64) == 0x00
    assert rig.spi.read(1) == 0x88
    assert rig.spi.read(67) == 0x1F
    assert not rig.line.feed_at().battery
