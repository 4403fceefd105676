"""Si3050/Si3019 DAA per-country settings (DAHDI fxo_modes.h, all 73 modes; Si3050 datasheet ACIM table)."""

# Register layout as DAHDI wctdm/wctdm24xxp writes it (fact sheet sections 2.1-2.3):
#   reg 16 (International Control 1) = OHS << 6 | RZ << 1 | RT
#   reg 26 (DC termination)          = DCV << 6 | MINI << 4 | ILIM << 1
#   reg 30 (AC termination)          = ACIM
#   reg 31 (DAA Control 3)           = 0xA3 | OHS2 << 3   (0xE3 base with fast pickup: FOH 8 ms)
# The table below carries both the fields and the register values DAHDI's table implies; the tests
# recompute the registers from the fields, so a typo in either column shows up.
# The fields were cross-checked against dahdi-linux drivers/dahdi/fxo_modes.h (commit d1c842a3).

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from firmware.contracts.errors import ConfigError

REG31_BASE = 0xA3  # FULL | FOH=01 (128 ms) | FILT | LVFD
REG31_BASE_FAST_PICKUP = 0xE3  # FOH=11 (8 ms)


def reg16_value(ohs: int, rz: int, rt: int) -> int:
    """International Control 1: on-hook speed, ringer impedance, ring threshold."""
    return (ohs << 6) | (rz << 1) | rt


def reg26_value(dcv: int, mini: int, ilim: int) -> int:
    """DC termination: TIP/RING voltage adjust, minimum loop current, TBR21 current limit."""
    return (dcv << 6) | (mini << 4) | (ilim << 1)


def reg30_value(acim: int) -> int:
    """AC termination impedance select."""
    return acim


def reg31_value(ohs2: int, fast_pickup: bool = False) -> int:
    """DAA Control 3 with the OHS2 bit; fast pickup shortens the off-hook counter to 8 ms."""
    return (REG31_BASE_FAST_PICKUP if fast_pickup else REG31_BASE) | (ohs2 << 3)


@dataclass(frozen=True)
class DaaCountry:
    """One DAHDI `opermode`: field values plus the register values they give (reg31 without fast pickup).

    `ring_osc_override` / `ring_x_override` are the ProSLIC IR20/IR21 ringing coefficients DAHDI uses on
    FXS ports in `fxshonormode` for this mode (only TBR21 has them).
    """

    name: str
    ohs: int
    ohs2: int
    rz: int
    rt: int
    ilim: int
    dcv: int
    mini: int
    acim: int
    reg16: int
    reg26: int
    reg30: int
    reg31: int
    ring_osc_override: int | None = None
    ring_x_override: int | None = None

    def __post_init__(self) -> None:
        one_bit = {"ohs": self.ohs, "ohs2": self.ohs2, "rz": self.rz, "rt": self.rt, "ilim": self.ilim}
        for field_name, value in one_bit.items():
            if value not in (0, 1):
                raise ValueError(f"DAA mode {self.name}: {field_name}={value} is a 1-bit field")
        if not (0 <= self.dcv <= 3 and 0 <= self.mini <= 3 and 0 <= self.acim <= 15):
            raise ValueError(f"DAA mode {self.name}: dcv/mini/acim out of range")
        for reg in (self.reg16, self.reg26, self.reg30, self.reg31):
            if not 0 <= reg <= 0xFF:
                raise ValueError(f"DAA mode {self.name}: register value {reg:#x} is not a byte")

    def computed_registers(self, fast_pickup: bool = False) -> tuple[int, int, int, int]:
        """(reg16, reg26, reg30, reg31) recomputed from the fields."""
        return (
            reg16_value(self.ohs, self.rz, self.rt),
            reg26_value(self.dcv, self.mini, self.ilim),
            reg30_value(self.acim),
            reg31_value(self.ohs2, fast_pickup),
        )

    def registers(self, fast_pickup: bool = False) -> dict[int, int]:
        """Register number -> value to write at init (what a driver uses)."""
        r16, r26, r30, r31 = self.computed_registers(fast_pickup)
        return {16: r16, 26: r26, 30: r30, 31: r31}


_D = DaaCountry

# fmt: off
#   name          OHS OHS2 RZ RT ILIM DCV MINI ACIM  reg16 reg26 reg30 reg31
_TABLE: tuple[DaaCountry, ...] = (
    _D("FCC", 0, 0, 0, 1, 0, 3, 0, 0, 0x01, 0xC0, 0x00, 0xA3),
    _D("TBR21", 0, 0, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xA3,
       ring_osc_override=0x7E6C, ring_x_override=0x023A),
    _D("ARGENTINA", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("AUSTRALIA", 1, 0, 0, 0, 0, 0, 3, 3, 0x40, 0x30, 0x03, 0xA3),
    _D("AUSTRIA", 0, 1, 0, 0, 1, 3, 0, 3, 0x00, 0xC2, 0x03, 0xAB),
    _D("BAHRAIN", 0, 0, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xA3),
    _D("BELGIUM", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("BRAZIL", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("BULGARIA", 0, 0, 0, 0, 1, 3, 0, 3, 0x00, 0xC2, 0x03, 0xA3),
    _D("CANADA", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("CHILE", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("CHINA", 0, 0, 0, 0, 0, 0, 3, 15, 0x00, 0x30, 0x0F, 0xA3),
    _D("COLOMBIA", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("CROATIA", 0, 0, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xA3),
    _D("CYPRUS", 0, 0, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xA3),
    _D("CZECH", 0, 0, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xA3),
    _D("DENMARK", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("ECUADOR", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("EGYPT", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("ELSALVADOR", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("FINLAND", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("FRANCE", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("GERMANY", 0, 1, 0, 0, 1, 3, 0, 3, 0x00, 0xC2, 0x03, 0xAB),
    _D("GREECE", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("GUAM", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("HONGKONG", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("HUNGARY", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("ICELAND", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("INDIA", 0, 0, 0, 0, 0, 3, 0, 4, 0x00, 0xC0, 0x04, 0xA3),
    _D("INDONESIA", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("IRELAND", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("ISRAEL", 0, 0, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xA3),
    _D("ITALY", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("JAPAN", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("JORDAN", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("KAZAKHSTAN", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("KUWAIT", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("LATVIA", 0, 0, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xA3),
    _D("LEBANON", 0, 0, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xA3),
    _D("LUXEMBOURG", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("MACAO", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("MALAYSIA", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("MALTA", 0, 0, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xA3),
    _D("MEXICO", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("MOROCCO", 0, 0, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xA3),
    _D("NETHERLANDS", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("NEWZEALAND", 0, 0, 0, 0, 0, 3, 0, 4, 0x00, 0xC0, 0x04, 0xA3),
    _D("NIGERIA", 0, 0, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xA3),
    _D("NORWAY", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("OMAN", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("PAKISTAN", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("PERU", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("PHILIPPINES", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("POLAND", 0, 0, 1, 1, 0, 3, 0, 0, 0x03, 0xC0, 0x00, 0xA3),
    _D("PORTUGAL", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("ROMANIA", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("RUSSIA", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("SAUDIARABIA", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("SINGAPORE", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("SLOVAKIA", 0, 0, 0, 0, 0, 3, 0, 3, 0x00, 0xC0, 0x03, 0xA3),
    _D("SLOVENIA", 0, 0, 0, 0, 0, 3, 0, 2, 0x00, 0xC0, 0x02, 0xA3),
    _D("SOUTHAFRICA", 1, 0, 1, 0, 0, 3, 0, 3, 0x42, 0xC0, 0x03, 0xA3),
    _D("SOUTHKOREA", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("SPAIN", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("SWEDEN", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("SWITZERLAND", 0, 1, 0, 0, 1, 3, 0, 2, 0x00, 0xC2, 0x02, 0xAB),
    _D("SYRIA", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("TAIWAN", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("THAILAND", 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x30, 0x00, 0xA3),
    _D("UAE", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("UK", 0, 1, 0, 0, 1, 3, 0, 5, 0x00, 0xC2, 0x05, 0xAB),
    _D("USA", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
    _D("YEMEN", 0, 0, 0, 0, 0, 3, 0, 0, 0x00, 0xC0, 0x00, 0xA3),
)
# fmt: on

DAA_MODES: Mapping[str, DaaCountry] = MappingProxyType({d.name: d for d in _TABLE})

# Profiles that are not countries (fact sheet 2.3): FCC = DAHDI's default opermode (US/Canada
# generic), TBR21 = the pan-European CTR21/TBR21 profile.
DAA_PROFILES: Mapping[str, DaaCountry] = MappingProxyType(
    {"FCC": DAA_MODES["FCC"], "TBR21": DAA_MODES["TBR21"]}
)
DEFAULT_DAA_MODE = "FCC"

# Side rules DAHDI applies per mode (fact sheet 2.3 side notes).
FAST_PICKUP_DEFAULT: frozenset[str] = frozenset({"JAPAN"})  # wctdm24xxp turns fastpickup on
TX_GAIN_OVERRIDE_DB: Mapping[str, float] = MappingProxyType({"NEWZEALAND": 0.7})  # TDM400 "crank the tx gain"
# AUSTRALIA and SOUTHAFRICA set OHS, which needs reg 59 SQ[1:0] = 11 (spark quench, 26 ms on-hook
# speed); DAHDI never writes reg 59. Drivers should write it for these modes [ds].
NEEDS_SPARK_QUENCH: frozenset[str] = frozenset(d.name for d in _TABLE if d.ohs)


def daa_mode(name: str) -> DaaCountry:
    """Look up a DAHDI opermode name (case-insensitive). Raises ConfigError naming close matches."""
    key = name.strip().upper()
    if key in DAA_MODES:
        return DAA_MODES[key]
    close = difflib.get_close_matches(key, list(DAA_MODES), n=4, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ConfigError(f"unknown DAA mode {name!r}{hint}", path="daa_mode")


# --- battery (loop voltage) supervision: identical for every mode in fxo_modes.h ----------------
BATT_THRESH_V = 3  # |LVS| >= 3 V means battery present
BATT_DEBOUNCE_MS = 64  # below threshold this long => disconnect (on-hook) event
BATT_ALARM_MS = 1000  # below threshold this long => port alarm


@dataclass(frozen=True)
class BatterySupervision:
    thresh_v: int = BATT_THRESH_V
    debounce_ms: int = BATT_DEBOUNCE_MS
    alarm_ms: int = BATT_ALARM_MS


DEFAULT_BATTERY = BatterySupervision()

# --- reg 30 ACIM codes with the Si3019 line side (Si3050 datasheet, fact sheet 2.2) -------------
ACIM_IMPEDANCE: Mapping[int, str] = MappingProxyType({
    0: "600 ohm",
    1: "900 ohm",
    2: "270 ohm + (750 ohm || 150 nF) and 275 ohm + (780 ohm || 150 nF) (TBR21/CTR21)",
    3: "220 ohm + (820 ohm || 120 nF) and 220 ohm + (820 ohm || 115 nF)",
    4: "370 ohm + (620 ohm || 310 nF)",
    5: "320 ohm + (1050 ohm || 230 nF)",
    6: "370 ohm + (820 ohm || 110 nF)",
    7: "275 ohm + (780 ohm || 115 nF)",
    8: "120 ohm + (820 ohm || 110 nF)",
    9: "350 ohm + (1000 ohm || 210 nF) (TIA-464 trunk compromise)",
    10: "200 ohm + (680 ohm || 100 nF)",
    11: "600 ohm + 2.16 uF",
    12: "900 ohm + 1 uF",
    13: "900 ohm + 2.16 uF",
    14: "600 ohm + 1 uF",
    15: "global complex impedance",
})

# ProSLIC DR10 TISS value DAHDI derives from the country's ACIM in fxshonormode (fact sheet 1.1);
# codes not listed map to 0 (600 ohm).
ACIM_TO_TISS: Mapping[int, int] = MappingProxyType({0: 0, 1: 1, 2: 4, 3: 5, 4: 7, 7: 6, 11: 2, 13: 3})


def tiss_for(acim: int) -> int:
    return ACIM_TO_TISS.get(acim, 0)


# Nothing in this module is unverified: the table matches fxo_modes.h field by field. Kept for symmetry
# with the other modules (one table of open points per module).
UNVERIFIED: Mapping[str, str] = MappingProxyType({
    "spark_quench": "reg 59 SQ bits for OHS modes are from the datasheet; DAHDI does not write them",
})
