"""Virtual handset: hook switch, rotary dial schedule, ringer cadence, earpiece recording, empty jack."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from firmware.contracts.clock import FakeClock
from firmware.drivers.sim.handset import NoTerminal, VirtualHandset
from firmware.drivers.sim.line import Feed, TwoWireLine
from firmware.drivers.sim.pcm import VirtualPcmHighway
from firmware.drivers.sim.si321x import Si321xModel
from firmware.drivers.sim.wavio import read_wav
from firmware.dsp import g711
from firmware.dsp.levels import goertzel_dbm0, tone
from tests.sim.conftest import Rig


def _loop_phases(line: TwoWireLine, since: float) -> list[tuple[bool, int]]:
    """(closed?, duration ms) of each loop phase after `since`, the last (open-ended) one dropped."""
    log = [(t, v) for t, v in line.loop_log(since) if t >= since]
    return [(v, round((log[i + 1][0] - t) * 1000)) for i, (t, v) in enumerate(log[:-1])]


def test_rotary_zero_is_ten_breaks_of_60_ms_with_40_ms_makes(rig: Rig) -> None:
    rig.phone.off_hook()
    t0 = rig.ms(500)
    rig.phone.dial_pulse("0")
    phases = _loop_phases(rig.line, t0)
    breaks = [ms for closed, ms in phases if not closed]
    makes = [ms for closed, ms in phases if closed]
    assert breaks == [60] * 10
    assert makes == [40] * 9
    assert rig.phone.busy_until == pytest.approx(t0 + 0.96)
    assert rig.line.loop_closed(t0 + 2.0)


def test_rotary_digits_are_separated_by_the_interdigit_pause(rig: Rig) -> None:
    rig.phone.off_hook()
    t0 = rig.ms(500)
    rig.phone.dial_pulse("21", pps=20.0)
    phases = _loop_phases(rig.line, t0)
    assert phases == [(False, 30), (True, 20), (False, 30), (True, 700), (False, 30)]


def test_chip_sees_every_dial_pulse_through_its_debounce(rig: Rig) -> None:
    rig.power_up()
    rig.spi.write(64, 0x01)
    rig.phone.off_hook()
    rig.ms(200)
    rig.phone.dial_pulse("7")
    samples = []
    for _ in range(1000):                     # DR68 every 1 ms, as wctdm24xxp polls
        rig.ms(1)
        samples.append(rig.spi.read(68) & 1)
    breaks = sum(1 for a, b in itertools.pairwise(samples) if a == 1 and b == 0)
    assert breaks == 7
    assert samples[-1] == 1


def test_hook_flash_opens_the_loop_for_its_duration(rig: Rig) -> None:
    rig.phone.off_hook()
    t0 = rig.ms(1000)
    rig.phone.flash(120)
    assert _loop_phases(rig.line, t0) == [(False, 120)]
    with pytest.raises(RuntimeError):
        rig.phone.on_hook()                   # the cradle is still held down
    rig.ms(200)
    rig.phone.on_hook()
    assert not rig.line.loop_closed()


def test_keypad_is_dead_on_hook(rig: Rig) -> None:
    rig.start_pcm(rx_slot=0, tx_slot=1)
    rig.phone.press("5")
    rig.line.start_recording()
    rig.audio(300)
    assert not np.any(rig.line.stop_recording()[:, 1])


def _ring(rig: Rig, pattern: list[int]) -> float:
    """Drive the chip's linefeed Ringing/OHT per `pattern` (on, off, ... ms); returns the start time."""
    t0 = rig.clock.now()
    for i, ms in enumerate(pattern):
        rig.spi.write(64, 0x04 if i % 2 == 0 else 0x02)
        rig.ms(ms)
    rig.spi.write(64, 0x01)
    return t0


def test_ringer_measures_the_cadence_the_chip_applied(rig: Rig) -> None:
    rig.power_up()
    rig.spi.write(64, 0x01)
    _ring(rig, [2000, 4000, 2000])
    assert rig.phone.ring_cadence() == [2000, 4000, 2000]
    assert rig.phone.rings == 2
    assert not rig.phone.ringing


def test_ringer_cadence_since_and_an_ongoing_burst(rig: Rig) -> None:
    rig.power_up()
    _ring(rig, [1000, 4000])
    t1 = _ring(rig, [400, 200, 400, 2000])   # UK double ring
    assert rig.phone.ring_cadence(since=t1) == [400, 200, 400]
    rig.spi.write(64, 0x04)
    rig.ms(300)
    assert rig.phone.ringing
    assert rig.phone.ring_bursts()[-1] == (pytest.approx(rig.clock.now() - 0.3), rig.clock.now())
    assert rig.phone.rings == 4


def test_ringer_reads_any_feeding_end_from_the_feed_log() -> None:
    clock = FakeClock()
    line = TwoWireLine(clock)
    phone = VirtualHandset(clock, line)
    t = clock.now()
    for on, at in ((True, 0.0), (False, 1.5), (True, 4.5), (False, 6.0)):
        line.set_feed(Feed(volts=0.0 if on else 48.0, ringing=on, ring_vrms=60.0), t + at)
    clock.advance(10)
    assert phone.ring_cadence() == [1500, 3000, 1500]


def test_earpiece_keeps_what_it_heard_with_times_and_records_wav(rig: Rig, tmp_path: Path) -> None:
    rig.start_pcm(rx_slot=4, tx_slot=5)
    rig.phone.off_hook()
    rig.highway.driver_write(4, g711.encode(tone(800.0, -12.0, 1600), g711.Law.MULAW))
    rig.audio(100)
    middle = rig.clock.now()
    rig.phone.start_recording()
    rig.audio(100)
    recorded = rig.phone.stop_recording(tmp_path / "ear.wav")
    assert len(rig.phone.earpiece()) == 1600
    assert np.array_equal(rig.phone.earpiece(middle), recorded)
    assert np.array_equal(read_wav(tmp_path / "ear.wav"), recorded)
    assert goertzel_dbm0(recorded, 800.0) == pytest.approx(-12.0, abs=0.5)


def test_microphone_plays_samples_then_falls_silent(rig: Rig) -> None:
    rig.start_pcm(rx_slot=0, tx_slot=1)
    rig.phone.off_hook()
    rig.phone.mic_play(tone(600.0, -10.0, 400))
    rig.line.start_recording()
    rig.audio(100)
    up = rig.line.stop_recording()[:, 1]
    assert goertzel_dbm0(up[:400], 600.0) == pytest.approx(-10.0, abs=0.5)
    assert not np.any(up[400:])


def test_an_empty_jack_is_silent_and_on_hook() -> None:
    clock = FakeClock()
    line = TwoWireLine(clock)
    chip = Si321xModel(clock, line=line, highway=VirtualPcmHighway())
    nothing = NoTerminal()
    line.connect(chip, nothing)
    line.start_recording()
    for _ in range(10):
        line.exchange(80)
        clock.advance(0.01)
    assert not np.any(line.stop_recording()[:, 1])
    assert not line.loop_closed()
    assert chip.spi_read(68) == 0
