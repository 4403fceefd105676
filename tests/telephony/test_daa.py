"""DAA table: all 73 DAHDI modes, register values recomputed from the fields."""

from __future__ import annotations

import pytest

from firmware.contracts.errors import ConfigError
from firmware.telephony import daa
from firmware.telephony.daa import DAA_MODES, DaaCountry, daa_mode


def test_all_73_modes_present() -> None:
    assert len(DAA_MODES) == 73
    assert {"FCC", "TBR21", "GERMANY", "POLAND", "RUSSIA", "UK", "USA"} <= set(DAA_MODES)


@pytest.mark.parametrize("name", sorted(DAA_MODES))
def test_registers_recomputed_from_fields_match_table(name: str) -> None:
    d = DAA_MODES[name]
    assert d.computed_registers() == (d.reg16, d.reg26, d.reg30, d.reg31)


def test_a_typo_would_be_caught() -> None:
    wrong = DaaCountry("X", 0, 1, 0, 0, 1, 3, 0, 3, 0x00, 0xC2, 0x03, 0xA3)  # reg31 should be 0xAB
    assert wrong.computed_registers() != (wrong.reg16, wrong.reg26, wrong.reg30, wrong.reg31)
    with pytest.raises(ValueError):
        DaaCountry("X", 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0xA3)


def test_spot_values_from_fact_sheet() -> None:
    de = DAA_MODES["GERMANY"]
    assert (de.ohs2, de.ilim, de.acim, de.reg31) == (1, 1, 3, 0xAB)
    assert DAA_MODES["POLAND"].reg16 == 0x03
    assert DAA_MODES["RUSSIA"].reg26 == 0x30
    assert DAA_MODES["UK"].reg30 == 0x05
    assert DAA_MODES["SOUTHAFRICA"].reg16 == 0x42
    tbr21 = DAA_MODES["TBR21"]
    assert (tbr21.ring_osc_override, tbr21.ring_x_override) == (0x7E6C, 0x023A)
    assert all(d.ring_osc_override is None for n, d in DAA_MODES.items() if n != "TBR21")


def test_fast_pickup_and_register_map() -> None:
    de = DAA_MODES["GERMANY"]
    assert de.registers() == {16: 0x00, 26: 0xC2, 30: 0x03, 31: 0xAB}
    assert de.registers(fast_pickup=True)[31] == 0xEB
    assert set(daa.FAST_PICKUP_DEFAULT) == {"JAPAN"}
    assert set(daa.NEEDS_SPARK_QUENCH) == {"AUSTRALIA", "SOUTHAFRICA"}


def test_battery_and_acim() -> None:
    assert (daa.BATT_THRESH_V, daa.BATT_DEBOUNCE_MS, daa.BATT_ALARM_MS) == (3, 64, 1000)
    assert daa.DEFAULT_BATTERY.debounce_ms == 64
    assert sorted(daa.ACIM_IMPEDANCE) == list(range(16))
    assert "TBR21" in daa.ACIM_IMPEDANCE[2]
    assert daa.tiss_for(2) == 4 and daa.tiss_for(9) == 0


def test_lookup() -> None:
    assert daa_mode("germany") is DAA_MODES["GERMANY"]
    assert set(daa.DAA_PROFILES) == {"FCC", "TBR21"}
    with pytest.raises(ConfigError, match=r"GERMNY.*GERMANY"):
        daa_mode("GERMNY")
