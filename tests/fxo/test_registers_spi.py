"""Si3050 register data, SPI framing, shadow write-on-change and read-back, init sequence (fact 0, 2)."""

from __future__ import annotations

import pytest

from firmware.contracts.clock import FakeClock
from firmware.contracts.errors import BusError, ChipAbsentError, ChipTimeoutError, ChipVerifyError
from firmware.drivers.fxo import registers as r
from firmware.drivers.fxo.daa import DaaInit, country_writes
from firmware.drivers.fxo.settings import FxoSettings
from firmware.drivers.fxo.spi import DaaBus, DaaShadow, read_frame, write_frame
from firmware.dsp.g711 import Law


class FakeDaa:
    """Just enough of a Si3050 on SPI to test framing: a register file, reg 2 = 0x03, link flag."""

    def __init__(self, *, present: bool = True, link_after_polls: int | None = 1,
                 sticky: dict[int, int] | None = None) -> None:
        self.regs = dict.fromkeys(range(128), 0)
        self.regs[2] = 0x03
        self.present = present
        self.link_after_polls = link_after_polls
        self.polls = 0
        self.sticky = sticky or {}
        self.frames: list[bytes] = []

    def transfer(self, data: bytes) -> bytes:
        self.frames.append(bytes(data))
        if not self.present:
            return b"\xff\xff\xff"
        ctrl, reg, value = data
        if ctrl & 0xF3 == 0x20:
            self.regs[reg] = self.sticky.get(reg, value)
            return b"\xff\xff\xff"
        if reg == 11:
            self.polls += 1
            up = self.link_after_polls is not None and self.polls >= self.link_after_polls
            return bytes([0xFF, 0xFF, 0x35 if up else 0x05])
        return bytes([0xFF, 0xFF, self.regs[reg]])

    def close(self) -> None:
        pass


@pytest.mark.parametrize(("position", "bits"), [(0, 0x00), (1, 0x08), (2, 0x04), (3, 0x0C)])
def test_frames_carry_the_chip_address_bits(position: int, bits: int) -> None:
    assert write_frame(position, 16, 0x42) == bytes([0x20 | bits, 16, 0x42])
    assert read_frame(position, 29) == bytes([0x60 | bits, 29, 0x00])


@pytest.mark.parametrize("db", [-15.0, -3.5, -0.1, 0.0, 0.7, 6.0, 12.0])
def test_gain_registers_round_trip(db: float) -> None:
    whole, tenths = r.gain_registers(db)
    assert r.gain_db(whole, tenths) == pytest.approx(db)
    if db < 0:
        assert whole >= 16 and tenths >= 16


def test_gain_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        r.gain_registers(12.1)


def test_lvs_is_signed_and_loop_current_scaled() -> None:
    assert r.lvs_volts(0x30) == 48 and r.lvs_volts(0xD0) == -48
    assert r.loop_current_ma(20) == pytest.approx(22.0)
    assert r.start_count_registers(5) == (40, 0) and r.start_count_registers(40) == (64, 1)


def test_every_register_has_a_section_and_the_unverified_table_is_not_empty() -> None:
    assert all(reg.section for reg in r.REGISTERS.values())
    assert "reg28.scale" in r.UNVERIFIED


def test_shadow_writes_only_on_change_and_verifies_stable_bits() -> None:
    dev = FakeDaa(sticky={30: 0x00})
    shadow = DaaShadow(DaaBus(dev, port=2))
    assert shadow.write(16, 0x01) and not shadow.write(16, 0x01)
    assert len(dev.frames) == 1
    shadow.verify(16)
    shadow.write(30, 0x05)                 # the fake chip keeps 0 in reg 30
    with pytest.raises(ChipVerifyError, match=r"port 2: reg 30 .* read back 0x00 after writing 0x05"):
        shadow.verify(30)


def test_short_reply_is_a_bus_error() -> None:
    class Short:
        def transfer(self, data: bytes) -> bytes:
            return b"\xff"

        def close(self) -> None:
            pass

    with pytest.raises(BusError):
        DaaBus(Short(), port=0).read(2)


def test_absent_chip_is_refused_quoting_the_value_read() -> None:
    init = DaaInit(DaaShadow(DaaBus(FakeDaa(present=False), port=3)), FxoSettings(port=3))
    with pytest.raises(ChipAbsentError, match=r"port 3: no Si3050 .* register 2 read 0xFF, expected 0x03"):
        init.run(FakeClock())


def test_link_timeout_after_2_s_of_polling_every_100_ms() -> None:
    dev = FakeDaa(link_after_polls=None)
    clock = FakeClock()
    init = DaaInit(DaaShadow(DaaBus(dev, port=1)), FxoSettings(port=1))
    with pytest.raises(ChipTimeoutError, match=r"within 2 s \(register 11 read 0x05"):
        init.run(clock)
    assert dev.polls == 20
    assert clock.now() == pytest.approx(1000.0 + 0.1 + 2.0)   # 100 ms soft reset + 2 s of polling


def test_init_writes_the_country_registers_in_dahdi_order() -> None:
    s = FxoSettings.for_iso("GB", port=0, pcm_slot=3, law=Law.ALAW, rx_gain_db=-1.5)
    dev = FakeDaa(link_after_polls=3)
    clock = FakeClock()
    init = DaaInit(DaaShadow(DaaBus(dev, port=0)), s)
    init.run(clock)
    writes = [(f[1], f[2]) for f in dev.frames if f[0] == 0x20]
    assert writes[0] == (1, 0x80)
    expected = [(33, 0x20), (16, 0x00), (18, 0x02), (24, 0x00), (26, 0xC2), (30, 0x05), (31, 0xAB),
                (34, 24), (35, 0), (36, 24), (37, 0), (6, 0x00), (5, 0x08),
                (38, 0), (40, 0), (39, 17), (41, 21)]
    assert writes[1:] == expected
    assert country_writes(s)[5] == (30, 5)
    assert init.line_side_part == "Si3019" and init.system_revision == 5
