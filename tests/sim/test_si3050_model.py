"""Si3050 + Si3019 DAA model, driven only through raw 3-byte SPI frames on the virtual bus."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from firmware.contracts.clock import FakeClock
from firmware.drivers.sim.gpio import VirtualGpioLine
from firmware.drivers.sim.line import Feed, TwoWireLine
from firmware.drivers.sim.pcm import VirtualPcmHighway
from firmware.drivers.sim.si3050 import Si3050Model
from firmware.drivers.sim.spi import Family, VirtualSpiBus
from firmware.dsp import g711

CS = 2
BATTERY = Feed(volts=48.0, source_ohms=400.0, current_limit_ma=100.0)


class Rig:
    """A DAA at position 1 (address bits 0x08) on a chip select, a line and a PCM highway."""

    def __init__(self, **kwargs: object) -> None:
        self.clock = FakeClock()
        self.line = TwoWireLine(self.clock, name="fxo1")
        self.highway = VirtualPcmHighway()
        self.daa = Si3050Model(self.clock, line=self.line, highway=self.highway, **kwargs)  # type: ignore[arg-type]
        self.bus = VirtualSpiBus(self.clock)
        self.bus.attach(CS, Family.DAA, 1, self.daa)

    def write(self, reg: int, value: int) -> None:
        self.bus.transfer(CS, bytes([0x20 | 0x08, reg, value]))

    def read(self, reg: int) -> int:
        return self.bus.transfer(CS, bytes([0x60 | 0x08, reg, 0x00]))[2]

    def lvs(self) -> int:
        raw = self.read(29)
        return raw - 256 if raw & 0x80 else raw

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def link_up(self) -> None:
        self.write(6, 0x00)
        self.wait(0.3)
        assert self.read(11) >> 4, "isolation link did not come up"


class ToneFeed:
    """The feeding end for audio tests: plays a 1 kHz tone and records what the terminal sends."""

    def __init__(self, amplitude: int = 8000) -> None:
        self.amplitude = amplitude
        self.n = 0
        self.heard: list[np.ndarray] = []

    def line_out(self, n: int) -> np.ndarray:
        t = (self.n + np.arange(n)) / 8000.0
        self.n += n
        return np.round(self.amplitude * np.sin(2 * np.pi * 1000.0 * t)).astype(np.int16)

    def line_in(self, block: np.ndarray) -> None:
        self.heard.append(block.copy())


def test_reset_values_identify_the_chip() -> None:
    rig = Rig(system_revision=0x5)
    assert rig.read(2) == 0x03
    assert rig.read(11) == 0x05           # line-side ID nibble is 0 while the link is down
    assert rig.read(6) == 0x10            # line side powered down
    assert rig.read(5) == 0x00
    assert rig.read(31) == 0x20           # FOH = 128 ms
    assert rig.read(29) == 0x00           # no link, no line voltage reading


def test_soft_reset_restores_reset_values_and_releases_the_line() -> None:
    rig = Rig()
    rig.line.set_feed(BATTERY)
    rig.link_up()
    for reg, value in ((30, 0x03), (33, 0x28), (16, 0x01), (2, 0x83)):
        rig.write(reg, value)
    rig.write(5, 0x09)
    assert rig.line.loop_closed()
    rig.write(1, 0x80)
    assert rig.line.loop_closed() is False
    assert [rig.read(reg) for reg in (2, 5, 6, 16, 30, 33)] == [0x03, 0x00, 0x10, 0x00, 0x00, 0x00]
    assert rig.read(11) >> 4 == 0         # link is down again until reg 6 is written
    assert rig.daa.resets == 1


def test_isolation_link_comes_up_only_after_reg6_is_cleared() -> None:
    rig = Rig(line_side_id=0x3)
    rig.wait(1.0)
    assert rig.read(11) >> 4 == 0         # PDL still set: no link, however long we wait
    rig.write(6, 0x00)
    assert rig.read(11) >> 4 == 0         # not at once
    polls = 0
    while rig.read(11) >> 4 == 0:
        rig.wait(0.01)
        polls += 1
        assert polls < 30, "no line-side ID within 300 ms"
    assert polls >= 5                     # not before 50 ms
    assert rig.read(11) >> 4 == 0x3
    assert rig.read(12) & 0x40            # frame detect


def test_without_line_side_the_link_never_comes_up_and_off_hook_does_nothing() -> None:
    rig = Rig(line_side_present=False)
    rig.line.set_feed(BATTERY)
    rig.write(6, 0x00)
    for _ in range(20):                   # DAHDI polls every 100 ms for 2 s
        rig.wait(0.1)
        assert rig.read(11) >> 4 == 0
    rig.write(5, 0x09)
    rig.wait(0.2)
    assert rig.line.loop_closed() is False
    assert rig.read(29) == 0


def test_off_hook_closes_the_loop_and_lvs_drops_to_the_loop_voltage() -> None:
    rig = Rig(lvs_gain=1.0)
    rig.line.set_feed(BATTERY)
    rig.link_up()
    assert 43 <= rig.lvs() <= 53          # on-hook: open-circuit battery
    assert rig.read(28) == 0
    rig.write(5, 0x09)
    assert rig.line.loop_closed()
    rig.wait(0.05)
    assert 43 <= rig.lvs() <= 53          # off-hook counter (128 ms): still the on-hook reading
    rig.wait(0.1)
    loop_volts = rig.line.terminal_volts()
    assert loop_volts < 30
    assert abs(rig.lvs() - loop_volts) <= 1
    current = rig.line.loop_current_ma()
    assert abs(rig.read(28) * 1.1 - current) <= 1.1
    rig.write(5, 0x08)
    assert rig.line.loop_closed() is False
    assert 43 <= rig.lvs() <= 53


def test_lvs_sign_follows_polarity_and_sets_the_polarity_interrupt() -> None:
    rig = Rig()
    rig.line.set_feed(BATTERY)
    rig.link_up()
    assert rig.lvs() > 40
    assert rig.read(4) & 0x01 == 0
    rig.wait(1.0)
    rig.line.set_feed(Feed(volts=-48.0, source_ohms=400.0))
    assert rig.lvs() < -40
    assert rig.read(4) & 0x01             # POLI
    rig.write(4, 0x00)
    assert rig.read(4) == 0
    rig.line.set_feed(Feed(volts=0.0))
    rig.wait(0.1)
    assert rig.lvs() == 0                 # no battery: line unplugged


def test_lvs_force_zero_below_3_volts_unless_lvfd() -> None:
    rig = Rig(lvs_gain=1.0)
    rig.line.set_feed(Feed(volts=2.0))
    rig.link_up()
    assert rig.lvs() == 0
    rig.write(31, 0x21)                   # LVFD
    assert rig.lvs() == 2


def _ring_bits(rig: Rig, ms: int) -> list[int]:
    bits = []
    for _ in range(ms):
        bits.append(rig.read(5) & 0x60)
        rig.wait(0.001)
    return bits


def _alternations(bits: list[int]) -> int:
    only = [b for b in bits if b in (0x20, 0x40)]
    return sum(1 for a, b in itertools.pairwise(only) if a != b)


@pytest.mark.parametrize("hz", [20.0, 25.0])
def test_rdtp_rdtn_alternate_while_ringing(hz: float) -> None:
    rig = Rig()
    rig.line.set_feed(BATTERY)
    rig.link_up()
    assert rig.read(5) & 0x64 == 0
    rig.line.set_feed(Feed(volts=48.0, ringing=True, ring_vrms=75.0, ring_hz=hz))
    bits = _ring_bits(rig, 200)
    assert _alternations(bits) >= 2 * hz * 0.2 - 2   # two half-waves per cycle
    assert 0x60 not in bits                           # never both at once
    assert rig.read(5) & 0x04                         # RDT
    assert rig.read(4) & 0x80                         # RDTI
    rig.line.set_feed(BATTERY)
    assert set(_ring_bits(rig, 50)) == {0}
    assert rig.read(5) & 0x04                         # RDT is latched after the ring stops ...
    rig.wait(5.0)
    assert rig.read(5) & 0x04 == 0                    # ... for about 5 s


def test_ringing_below_the_ring_threshold_is_not_detected() -> None:
    rig = Rig()
    rig.line.set_feed(BATTERY)
    rig.link_up()
    rig.line.set_feed(Feed(volts=48.0, ringing=True, ring_vrms=10.0, ring_hz=25.0))
    assert set(_ring_bits(rig, 100)) == {0}
    assert rig.read(4) & 0x80 == 0


def test_neon_mwi_voltage_sets_one_ring_bit_and_never_alternates() -> None:
    rig = Rig()
    rig.line.set_feed(BATTERY)
    rig.link_up()
    rig.line.set_feed(Feed(volts=90.0, source_ohms=400.0))
    bits = _ring_bits(rig, 300)
    assert set(bits) == {0x20}
    assert _alternations(bits) == 0
    assert rig.read(5) & 0x04 == 0                    # not a ring
    assert rig.read(4) & 0x80 == 0


def test_going_off_hook_clears_rdt() -> None:
    rig = Rig()
    rig.line.set_feed(BATTERY)
    rig.link_up()
    rig.line.set_feed(Feed(volts=48.0, ringing=True, ring_vrms=75.0, ring_hz=25.0))
    rig.wait(0.3)
    rig.line.set_feed(BATTERY)
    rig.wait(0.1)
    assert rig.read(5) & 0x04
    rig.write(5, 0x09)
    assert rig.read(5) & 0x04 == 0


def _pcm_rig(law_reg: int, tx_slot: int, rx_slot: int) -> tuple[Rig, ToneFeed]:
    rig = Rig()
    feed = ToneFeed()
    rig.line.connect(feed, rig.daa)
    rig.line.set_feed(BATTERY)
    rig.write(33, law_reg)
    rig.write(34, (tx_slot * 8) & 0xFF)
    rig.write(35, (tx_slot * 8) >> 8)
    rig.write(36, (rx_slot * 8) & 0xFF)
    rig.write(37, (rx_slot * 8) >> 8)
    rig.link_up()
    return rig, feed


def _blocks(rig: Rig, count: int) -> None:
    for _ in range(count):
        rig.wait(0.01)
        rig.line.exchange(80)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2))) if len(x) else 0.0


@pytest.mark.parametrize(("law_reg", "law"), [(0x28, g711.Law.MULAW), (0x20, g711.Law.ALAW)])
def test_pcm_slots_carry_audio_both_ways(law_reg: int, law: g711.Law) -> None:
    rig, feed = _pcm_rig(law_reg, tx_slot=3, rx_slot=33 - 28)
    rig.write(5, 0x09)
    _blocks(rig, 10)
    assert rig.highway.to_box_available(3) == 800
    assert all(rig.highway.to_box_available(s) == 0 for s in range(32) if s != 3)
    heard = g711.decode(rig.highway.driver_read(3, 800), law)
    assert 5000 < _rms(heard) < 6500                  # the 8000-peak tone, through the codec
    # The box talks on RX slot 5; the feeding end hears it only off-hook.
    tone = np.round(4000 * np.sin(2 * np.pi * 440 * np.arange(800) / 8000)).astype(np.int16)
    rig.highway.driver_write(5, g711.encode(tone, law))
    feed.heard.clear()
    _blocks(rig, 10)
    assert 2500 < _rms(np.concatenate(feed.heard)) < 3300


def test_on_hook_audio_passes_only_with_onhm_and_the_stream_stays_continuous() -> None:
    rig, _ = _pcm_rig(0x28, tx_slot=7, rx_slot=7)
    rig.write(5, 0x00)
    _blocks(rig, 5)
    quiet = rig.highway.driver_read(7, 10_000)
    assert quiet == bytes([0xFF]) * 400               # silence codes, but a continuous stream
    rig.write(5, 0x08)                                # ONHM: caller ID can be heard on-hook
    _blocks(rig, 5)
    heard = g711.decode(rig.highway.driver_read(7, 10_000), g711.Law.MULAW)
    assert len(heard) == 400 and _rms(heard) > 5000


def test_rx_gain_register_attenuates_line_audio() -> None:
    rig, _ = _pcm_rig(0x28, tx_slot=1, rx_slot=1)
    rig.write(5, 0x09)
    _blocks(rig, 5)
    full = _rms(g711.decode(rig.highway.driver_read(1, 10_000), g711.Law.MULAW))
    rig.write(39, 0x10 | 6)                           # -6 dB
    _blocks(rig, 5)
    low = _rms(g711.decode(rig.highway.driver_read(1, 10_000), g711.Law.MULAW))
    assert 0.45 < low / full < 0.56


def test_spi_fault_and_reset_pin() -> None:
    rig = Rig()
    rig.line.set_feed(BATTERY)
    rig.daa.spi_fault = True
    assert rig.read(2) == 0xFF                        # nobody drives MISO
    rig.daa.spi_fault = False
    assert rig.read(2) == 0x03
    pin = VirtualGpioLine("fxo1-reset")
    rig.daa.attach_reset(pin)
    rig.link_up()
    rig.write(5, 0x09)
    rig.write(30, 0x03)
    pin.write(False)
    assert rig.read(2) == 0xFF                        # held in reset
    assert rig.line.loop_closed() is False
    pin.write(True)
    assert rig.read(2) == 0x03 and rig.read(30) == 0x00 and rig.read(6) == 0x10


def test_injected_reset_loses_the_configuration() -> None:
    rig = Rig()
    rig.line.set_feed(BATTERY)
    rig.link_up()
    rig.write(33, 0x28)
    rig.write(5, 0x09)
    rig.daa.inject_reset()
    assert rig.read(33) == 0x00 and rig.read(11) >> 4 == 0
    assert rig.line.loop_closed() is False
    assert rig.daa.resets == 1


def test_interrupt_pin_follows_mask_and_source() -> None:
    rig = Rig()
    rig.line.set_feed(BATTERY)
    irq = VirtualGpioLine("fxo1-int")
    rig.daa.attach_interrupt(irq)
    rig.link_up()
    rig.write(3, 0x01)                                # POLM
    rig.write(2, 0x83)                                # INTE
    rig.write(4, 0x00)
    assert irq.read() is True
    rig.line.set_feed(Feed(volts=-48.0, source_ohms=400.0))
    rig.read(5)                                       # the chip notices on its next access
    assert irq.read() is False
    rig.write(4, 0x00)
    assert irq.read() is True


def test_replugged_onto_an_fxs_pair_the_daa_follows_that_feed() -> None:
    """Test-rig wiring: the DAA only reads the pair it is on, whoever feeds it (here a SLIC-like feed)."""
    rig = Rig(lvs_gain=1.0)
    rig.line.set_feed(BATTERY)
    rig.link_up()
    rig.write(5, 0x09)
    rig.wait(0.2)
    slic_pair = TwoWireLine(rig.clock, name="fxs1")
    slic_pair.set_feed(Feed(volts=-40.0, current_limit_ma=25.0))   # reversed, current-limited
    rig.daa.line = slic_pair
    assert rig.line.loop_closed() is False                          # the old pair is released
    assert slic_pair.loop_closed()
    rig.wait(0.01)
    assert rig.lvs() < 0
    assert abs(rig.read(28) * 1.1 - 25.0) <= 1.1
