"""Si3210/Si3215 ProSLIC register maps as data (fact sheet sections 1.1, 1.4, 1.7; Si3210 datasheet)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType

from firmware.contracts.regmap import Field, Register

SI3210 = "Si3210"
SI3215 = "Si3215"
PARTS = (SI3210, SI3215)


def DirectReg(addr: int, name: str, reset: int | None, section: str, fields: tuple[Field, ...] = (),
              verify_mask: int = 0) -> Register:
    """A ProSLIC direct register (named DRn in messages)."""
    return Register(addr, name, reset, section, fields, verify_mask, label="DR")


@dataclass(frozen=True)
class IndirectReg:
    """One indirect register as DAHDI initialises it; `si3215` None = absent on the Si3215."""

    addr: int
    name: str
    init: int
    si3215: int | None
    section: str = "fact 1.4"


# --- direct registers (fact sheet 1.1) -----------------------------------------------------
SPI_MODE, PCM_MODE, PCM_TX_LO, PCM_TX_HI, PCM_RX_LO, PCM_RX_HI = 0, 1, 2, 3, 4, 5
AUDIO_LOOPBACK, AUDIO_GAIN, HYBRID = 8, 9, 11
PWR_DOWN1 = 14
IRQ_STATUS1, IRQ_STATUS2, IRQ_STATUS3, IRQ_MASK1, IRQ_MASK2, IRQ_MASK3 = 18, 19, 20, 21, 22, 23
IRQ_RING_TRIP, IRQ_LOOP_CLOSURE = 0x01, 0x02          # DR19/DR22 bits 0 (RTIP) and 1 (LCIP)
IRQ_HOOK_BITS = IRQ_RING_TRIP | IRQ_LOOP_CLOSURE
DTMF_DIGIT = 24
I_DATA_LO, I_DATA_HI, I_ADDRESS, I_STATUS = 28, 29, 30, 31
RING_OSC_CTL = 34
LINE_STATE, BAT_FEED, AUTO_STATE, LOOP_STAT, LOOP_DEBOUNCE = 64, 66, 67, 68, 69
LOOP_I_LIMIT, OFF_HOOK_V, COMMON_V, BAT_V_HI = 71, 72, 73, 74
BAT_V_HI_SENSE = 82
IQ5, IQ6 = 88, 89
DCDC_PWM_OFF, DCDC = 92, 93
CALIBR1, CALIBR2 = 96, 97
CAL_GAIN_RING, CAL_GAIN_TIP = 98, 99
DCDC_CAL = 107
ENHANCE = 108
CAL_REGS = tuple(range(96, 108))  # DR96..107 saved after calibration (fact 1.6 step 10)

_DIRECT = (
    DirectReg(SPI_MODE, "SPI_MODE", None, "fact 1.1/1.5",
              (Field("REV", 0, 4), Field("PART", 4, 2), Field("DAISY", 7))),
    DirectReg(PCM_MODE, "PCM_MODE", 0x08, "fact 1.1",
              (Field("FMT", 3, 2), Field("PCME", 5), Field("SI3215", 7)), verify_mask=0x38),
    DirectReg(PCM_TX_LO, "PCM_XMIT_START_COUNT_LSB", 0x00, "fact 1.1", (), 0xFF),
    DirectReg(PCM_TX_HI, "PCM_XMIT_START_COUNT_MSB", 0x00, "fact 1.1", (Field("TXS", 0, 2),), 0x03),
    DirectReg(PCM_RX_LO, "PCM_RCV_START_COUNT_LSB", 0x00, "fact 1.1", (), 0xFF),
    DirectReg(PCM_RX_HI, "PCM_RCV_START_COUNT_MSB", 0x00, "fact 1.1", (Field("RXS", 0, 2),), 0x03),
    DirectReg(AUDIO_LOOPBACK, "AUDIO_LOOPBACK", 0x02, "fact 1.1, gotcha 9", (), 0xFF),
    DirectReg(AUDIO_GAIN, "AUDIO_GAIN", 0x00, "fact 1.1", (), 0xFF),
    DirectReg(HYBRID, "HYBRID", 0x33, "fact 1.1/1.5"),
    DirectReg(PWR_DOWN1, "PWR_DOWN1", None, "fact 1.1", (Field("DCDC_OFF", 4),), 0xFF),
    DirectReg(IRQ_STATUS1, "INTRPT_STATUS1", None, "fact 1.1"),
    DirectReg(IRQ_STATUS2, "INTRPT_STATUS2", None, "fact 1.1; ds table 29",
              (Field("RTIP", 0), Field("LCIP", 1), Field("PQ", 2, 6))),
    DirectReg(IRQ_STATUS3, "INTRPT_STATUS3", None, "fact 1.1", (Field("DTMFIP", 0), Field("CMBALIP", 2))),
    DirectReg(IRQ_MASK1, "INTRPT_MASK1", None, "fact 1.1", (), 0xFF),
    DirectReg(IRQ_MASK2, "INTRPT_MASK2", None, "fact 1.1", (), 0xFF),
    DirectReg(IRQ_MASK3, "INTRPT_MASK3", None, "fact 1.1", (), 0xFF),
    DirectReg(DTMF_DIGIT, "DTMF_DIGIT", None, "ds p.71", (Field("DIGIT", 0, 4), Field("VAL", 4))),
    DirectReg(I_DATA_LO, "I_DATA_LOW", None, "fact 1.3"),
    DirectReg(I_DATA_HI, "I_DATA_HIGH", None, "fact 1.3"),
    DirectReg(I_ADDRESS, "I_ADDRESS", None, "fact 1.3"),
    DirectReg(I_STATUS, "I_STATUS", None, "fact 1.3"),
    DirectReg(RING_OSC_CTL, "RING_OSC_CTL", 0x00, "fact 1.1; ds table 28",
              (Field("TSWS", 0), Field("RVO", 1)), 0xFF),
    DirectReg(LINE_STATE, "LINE_STATE", 0x00, "fact 1.1/1.2", (Field("LF", 0, 3), Field("LFS", 4, 3)), 0x07),
    DirectReg(BAT_FEED, "BAT_FEED", 0x03, "fact 1.1", (Field("VOV", 0), Field("BATSL", 1)), 0xFF),
    DirectReg(AUTO_STATE, "AUTO_STATE", 0x1F, "fact 1.1",
              (Field("AUTO_OPEN", 0), Field("AUTO_BAT", 3)), 0xFF),
    DirectReg(LOOP_STAT, "LOOP_STAT", None, "fact 1.1; ds table 29",
              (Field("LCR", 0), Field("RTP", 1), Field("MUST_BE_ZERO", 3, 5))),
    DirectReg(LOOP_DEBOUNCE, "LOOP_DEBOUNCE", 0x0A, "fact 1.1/1.9", (), 0xFF),
    DirectReg(LOOP_I_LIMIT, "LOOP_I_LIMIT", 0x00, "fact 1.1", (Field("ILIM", 0, 3),), 0x07),
    DirectReg(OFF_HOOK_V, "OFF_HOOK_V", 0x20, "fact 1.1", (), 0x3F),
    DirectReg(COMMON_V, "COMMON_V", None, "fact 1.1", (), 0x3F),
    DirectReg(BAT_V_HI, "BAT_V_HI", None, "fact 1.1/1.7", (), 0x3F),
    DirectReg(BAT_V_HI_SENSE, "BAT_V_HI_SENSE", None, "fact 1.1"),
    DirectReg(IQ5, "IQ5", None, "fact 1.1 (manual cal null detector)"),
    DirectReg(IQ6, "IQ6", None, "fact 1.1 (manual cal null detector)"),
    DirectReg(DCDC_PWM_OFF, "DCDC_PWM_OFF", None, "fact 1.1", (), 0xFF),
    DirectReg(DCDC, "DCDC", None, "fact 1.1", (Field("DCCAL", 7),)),
    DirectReg(CALIBR1, "CALIBR1", None, "fact 1.1",
              (Field("CALIL", 0), Field("CALC", 1), Field("CALD", 2), Field("CALT", 3),
               Field("CALR", 4), Field("CAL", 6))),
    DirectReg(CALIBR2, "CALIBR2", None, "fact 1.1",
              (Field("CALCM", 0), Field("CALADC", 1), Field("CALDAC", 2), Field("CALM2", 3),
               Field("CALM1", 4))),
    DirectReg(DCDC_CAL, "DCDC_CAL_RESULT", None, "fact 1.1/1.6 step 9"),
    DirectReg(ENHANCE, "FEATURE_ENHANCE", None, "fact 1.1", (), 0xFF),
)
DIRECT: MappingProxyType[int, Register] = MappingProxyType({r.addr: r for r in _DIRECT})

# --- indirect registers (fact sheet 1.4; DAHDI order) ---------------------------------------
UNITY_GAIN = 0x4000
IR_RING_OSC, IR_RING_X, IR_RING_Y = 20, 21, 22
IR_RX_GAIN, IR_TX_GAIN = 26, 27
IR_RING_TRIP_TRES = 29
IR_FILTERS = (35, 36, 37, 38, 39)   # flushed with 0x8000 during power-up/calibration (fact 1.6 step 4)
IR_SCRATCH = 97
IR_MANUAL_CAL = (88, 89, 90, 91, 92, 93)

_D = "fact 1.4 (DTMF decoder, Si3210 only)"
INDIRECT_INIT: tuple[IndirectReg, ...] = (
    IndirectReg(0, "DTMF_ROW_0_PEAK", 0x55C2, None, _D),
    IndirectReg(1, "DTMF_ROW_1_PEAK", 0x51E6, None, _D),
    IndirectReg(2, "DTMF_ROW2_PEAK", 0x4B85, None, _D),
    IndirectReg(3, "DTMF_ROW3_PEAK", 0x4937, None, _D),
    IndirectReg(4, "DTMF_COL1_PEAK", 0x3333, None, _D),
    IndirectReg(5, "DTMF_FWD_TWIST", 0x0202, None, _D),
    IndirectReg(6, "DTMF_RVS_TWIST", 0x0202, None, _D),
    IndirectReg(7, "DTMF_ROW_RATIO_TRES", 0x0198, None, _D),
    IndirectReg(8, "DTMF_COL_RATIO_TRES", 0x0198, None, _D),
    IndirectReg(9, "DTMF_ROW_2ND_ARM", 0x0611, None, _D),
    IndirectReg(10, "DTMF_COL_2ND_ARM", 0x0202, None, _D),
    IndirectReg(11, "DTMF_PWR_MIN_TRES", 0x00E5, None, _D),
    IndirectReg(12, "DTMF_OT_LIM_TRES", 0x0A1C, None, _D),
    IndirectReg(13, "OSC1_COEF", 0x7B30, 0),
    IndirectReg(14, "OSC1X", 0x0063, 1),
    IndirectReg(15, "OSC1Y", 0x0000, 2),
    IndirectReg(16, "OSC2_COEF", 0x7870, 3),
    IndirectReg(17, "OSC2X", 0x007D, 4),
    IndirectReg(18, "OSC2Y", 0x0000, 5),
    IndirectReg(19, "RING_V_OFF", 0x0000, 6),
    IndirectReg(20, "RING_OSC", 0x7EF0, 7),
    IndirectReg(21, "RING_X", 0x0160, 8),
    IndirectReg(22, "RING_Y", 0x0000, 9),
    IndirectReg(23, "PULSE_ENVEL", 0x2000, None),
    IndirectReg(24, "PULSE_X", 0x2000, None),
    IndirectReg(25, "PULSE_Y", 0x0000, None),
    # ours: unity instead of DAHDI's 0x2000 (product decision; loss plan is 0 dB unless configured)
    IndirectReg(26, "RECV_DIGITAL_GAIN", UNITY_GAIN, 13, "fact 1.4, changed to unity"),
    IndirectReg(27, "XMIT_DIGITAL_GAIN", UNITY_GAIN, 14),
    IndirectReg(28, "LOOP_CLOSE_TRES", 0x1000, 15),
    IndirectReg(29, "RING_TRIP_TRES", 0x3600, 16),
    IndirectReg(30, "COMMON_MIN_TRES", 0x1000, 17),
    IndirectReg(31, "COMMON_MAX_TRES", 0x0200, 18),
    IndirectReg(32, "PWR_ALARM_Q1Q2", 0x07C0, 19),
    IndirectReg(33, "PWR_ALARM_Q3Q4", 0x4C00, 20, "fact 1.4 (wctdm24xxp/wcaxx value)"),
    IndirectReg(34, "PWR_ALARM_Q5Q6", 0x1B80, 21),
    IndirectReg(35, "LOOP_CLOSURE_FILTER", 0x8000, 22),
    IndirectReg(36, "RING_TRIP_FILTER", 0x0320, 23),
    IndirectReg(37, "TERM_LP_POLE_Q1Q2", 0x008C, 24),
    IndirectReg(38, "TERM_LP_POLE_Q3Q4", 0x0100, 25),
    IndirectReg(39, "TERM_LP_POLE_Q5Q6", 0x0010, 26),
    IndirectReg(40, "CM_BIAS_RINGING", 0x0C00, 27),
    IndirectReg(41, "DCDC_MIN_V", 0x0C00, 64),
    IndirectReg(42, "DCDC_XTRA", 0x1000, None, "fact 1.4 (reserved in the Si3210 manual)"),
    IndirectReg(43, "LOOP_CLOSE_TRES_LOW", 0x1000, 66),
)
INDIRECT: MappingProxyType[int, IndirectReg] = MappingProxyType({r.addr: r for r in INDIRECT_INIT})


def indirect_address(part: str, addr: int) -> int | None:
    """Chip address of Si3210 indirect register `addr` on `part`; None = absent on that part.

    As DAHDI's translate_3215: registers missing from the table keep their number (IR88..93, IR97).
    """
    if part == SI3210:
        return addr
    if part != SI3215:
        raise ValueError(f"unknown ProSLIC part {part!r}")
    reg = INDIRECT.get(addr)
    return addr if reg is None else reg.si3215


# --- ringing presets (fact sheet 1.7; DAHDI module options) ----------------------------------
@dataclass(frozen=True)
class RingMode:
    name: str
    ring_osc: int     # IR20 RCO
    ring_x: int       # IR21 RNGX
    ring_y: int       # IR22 RNGY
    vbath: int        # DR74, 1.5 V/LSB
    osc_ctl: int      # DR34
    ring_trip: int    # IR29 RPTP
    note: str


RING_MODES: MappingProxyType[str, RingMode] = MappingProxyType({
    "normal": RingMode("normal", 0x7EF0, 0x0160, 0, 0x32, 0x00, 0x3600, "~20.5 Hz, ~64 Vpk [infer]"),
    "boost": RingMode("boost", 0x7EF0, 0x01D1, 0, 0x3F, 0x00, 0x3600, "~20.5 Hz, ~84 Vpk, VBATH 94.5 V"),
    "lowpower": RingMode("lowpower", 0x7EF0, 0x0108, 0, 0x32, 0x00, 0x3600, "~48 Vpk; pair with VOC 24 V"),
    "fast": RingMode("fast", 0x7E6D, 0x01B9, 0, 0x32, 0x00, 0x3600, "25 Hz, ~66 Vpk"),
})

# --- DTMF decoder codes (DR24 bits 3:0) -------------------------------------------------------
# [unverified] MT8870 convention assumed for the Si3210 decoder: 1..9, 10 = 0, 11 = *, 12 = #,
# 13..15 = A..C, 0 = D. Not confirmed from a datasheet page; the only table relying on it.
DTMF_CODES: tuple[str, ...] = ("D", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#", "A", "B", "C")


# --- value helpers --------------------------------------------------------------------------
def digital_gain(db: float) -> int:
    """IR26/IR27 word for a gain in dB (0x4000 = unity, 15-bit, at most about +6 dB)."""
    word = round(UNITY_GAIN * math.pow(10.0, db / 20.0))
    if not 0 < word <= 0x7FFF:
        raise ValueError(f"digital gain {db} dB outside what IR26/IR27 can hold (about -84..+6 dB)")
    return word


def loop_current_code(ma: int) -> int:
    """DR71 code: 20 mA + 3 mA per step (fact sheet 1.1)."""
    if not 20 <= ma <= 41:
        raise ValueError(f"loop current {ma} mA outside 20..41 mA")
    return (ma - 20) // 3


def volts_code(volts: float) -> int:
    """DR72..75 code, 1.5 V per LSB, 6 bits."""
    code = round(volts / 1.5)
    if not 0 <= code <= 0x3F:
        raise ValueError(f"{volts} V outside 0..94.5 V")
    return code


def pcm_mode(mulaw: bool) -> int:
    """DR1: PCM enabled, µ-law (FMT 01) or A-law (FMT 00) (fact sheet 1.1)."""
    return 0x28 if mulaw else 0x20


def describe(addr: int) -> str:
    reg = DIRECT.get(addr)
    return f"DR{addr}" + (f" ({reg.name})" if reg else "")
