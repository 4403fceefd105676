"""Si3050 (system side) + Si3019 (line side) register map as data (fact sheet sections 2.1, 2.2, 2.4)."""

# Register numbers are decimal, as in DAHDI and the fact sheet. Each register records the fact-sheet
# section it comes from and the confidence tag there ([ds] datasheet page, [code] DAHDI/Xorcom
# source, [infer] derived). Everything we could not confirm is listed once in UNVERIFIED below.

from __future__ import annotations

from types import MappingProxyType

from firmware.contracts.regmap import Field, Register

# --- addresses -----------------------------------------------------------------------------
CONTROL1, CONTROL2, IRQ_MASK, IRQ_SOURCE, DAA_CONTROL1, DAA_CONTROL2 = 1, 2, 3, 4, 5, 6
SYS_LINE_REV, LINE_STATUS, LINE_REV = 11, 12, 13
INTL1, INTL2, INTL3, INTL4 = 16, 17, 18, 19
RING_VALID1, RING_VALID2, RING_VALID3 = 22, 23, 24
DC_TERM, LOOP_CURRENT, LINE_VOLTAGE, AC_TERM, DAA_CONTROL3 = 26, 28, 29, 30, 31
PCM_MODE, TX_START_LO, TX_START_HI, RX_START_LO, RX_START_HI = 33, 34, 35, 36, 37
TX_GAIN2, RX_GAIN2, TX_GAIN3, RX_GAIN3 = 38, 39, 40, 41
SPARK_QUENCH = 59

# --- bit values the driver uses ----------------------------------------------------------------
SOFT_RESET = 0x80          # reg 1 bit 7 [code]
CONTROL2_RESET = 0x03      # reg 2 value after reset: the presence check [code]
OH = 0x01                  # reg 5 bit 0 off-hook [ds]
RDT = 0x04                 # reg 5 bit 2 ring detected (latched) [ds]
ONHM = 0x08                # reg 5 bit 3 on-hook line monitor [ds]
RDTP = 0x20                # reg 5 bit 5 positive ring half-wave [ds]
RDTN = 0x40                # reg 5 bit 6 negative ring half-wave [ds]
DAA_CONTROL1_RESERVED = 0x92  # reg 5 bits 7, 4, 1 read 0 [ds]: set here means MISO is floating
LINK_UP_MASK = 0xF0        # reg 11 upper nibble: line-side ID, non-zero once the ISO link is up [code]
CALIBRATION_DISABLE = 0x20  # reg 17 bit 5 (fast pickup) [code]
FULL_WAVE_RING = 0x02      # reg 18 bit 1 [code]
PCM_ULAW = 0x28            # reg 33: PCM enable + mu-law [code]
PCM_ALAW = 0x20            # reg 33: PCM enable + A-law [code]
POWER_UP_LINE_SIDE = 0x00  # reg 6 [code]
RING_VALIDATION_FULL_WAVE = 0x00  # reg 24 with the full-wave detector (wctdm24xxp) [code]
RING_VALIDATION_HALF_WAVE = 0x19  # reg 24 TDM400 default [code]

LOOP_CURRENT_MA_PER_LSB = 1.1  # reg 28 LCS2 [infer]: LCS (reg 12) is 3.3 mA/bit and decoded from LCS2

_RW = 0xFF

REGISTERS: MappingProxyType[int, Register] = MappingProxyType({reg.addr: reg for reg in (
    Register(CONTROL1, "Control 1", 0x00, "fact 2.1 [code]", (Field("SR", 7),)),
    Register(CONTROL2, "Control 2", CONTROL2_RESET, "fact 2.1 [code]+[ds]", (Field("INTE", 7),)),
    Register(IRQ_MASK, "Interrupt Mask", 0x00, "fact 2.1 [ds]",
             (Field("RDTM", 7), Field("ROVM", 6), Field("FDTM", 5), Field("BTDM", 4), Field("DODM", 3),
              Field("LCSOM", 2), Field("TGDM", 1), Field("POLM", 0)), _RW),
    Register(IRQ_SOURCE, "Interrupt Source", 0x00, "fact 2.1 [ds]",
             (Field("RDTI", 7), Field("ROVI", 6), Field("FDTI", 5), Field("BTDI", 4), Field("DODI", 3),
              Field("LCSOI", 2), Field("TGDI", 1), Field("POLI", 0))),
    Register(DAA_CONTROL1, "DAA Control 1", 0x00, "fact 2.1 [ds]",
             (Field("RDTN", 6), Field("RDTP", 5), Field("ONHM", 3), Field("RDT", 2), Field("OH", 0)),
             OH | ONHM),
    Register(DAA_CONTROL2, "DAA Control 2 (power down)", None, "fact 2.1 [code]"),
    Register(SYS_LINE_REV, "System- and Line-Side Revision", None, "fact 2.1 [code]",
             (Field("LSID", 4, 4), Field("REVA", 0, 4))),
    Register(LINE_STATUS, "Line-Side Status", None, "fact 2.1 [ds related parts]",
             (Field("FDT", 6), Field("LCS", 0, 5))),
    Register(LINE_REV, "Line-Side Revision", None, "fact 2.1 [code]", (Field("REVB", 2, 4),)),
    Register(INTL1, "International Control 1", 0x00, "fact 2.1 [ds]",
             (Field("OHS", 6), Field("IIRE", 4), Field("RZ", 1), Field("RT", 0)), _RW),
    Register(INTL2, "International Control 2", 0x00, "fact 2.1 [code]", (Field("CALD", 5),), _RW),
    Register(INTL3, "International Control 3", 0x00, "fact 2.1 [code]", (Field("RFWE", 1),), _RW),
    Register(INTL4, "International Control 4", 0x00, "fact 2.1 [ds Si3016]",
             (Field("OVL", 2), Field("DOD", 1), Field("OPD", 0))),
    Register(RING_VALID1, "Ring Validation Control 1", 0x96, "fact 2.1 [ds]",
             (Field("RDLY", 6, 2), Field("RMX", 0, 6))),
    Register(RING_VALID2, "Ring Validation Control 2", None, "fact 2.1 [ds, partly unverified]"),
    Register(RING_VALID3, "Ring Validation Control 3", 0x19, "fact 2.1 [ds Si3068]",
             (Field("RNGV", 7), Field("RAS", 0, 6)), _RW),
    Register(DC_TERM, "DC Termination Control", None, "fact 2.1 [code]",
             (Field("DCV", 6, 2), Field("MINI", 4, 2), Field("ILIM", 1), Field("DCR", 0)), _RW),
    Register(LOOP_CURRENT, "Loop Current Status (LCS2)", None, "fact 2.1 [code Xorcom]",
             (Field("LCS2", 0, 8),)),
    Register(LINE_VOLTAGE, "Line Voltage Status (LVS)", None, "fact 2.1 [ds]", (Field("LVS", 0, 8),)),
    Register(AC_TERM, "AC Termination Control", 0x00, "fact 2.1, 2.2 [ds]", (Field("ACIM", 0, 4),), 0x0F),
    Register(DAA_CONTROL3, "DAA Control 3", 0x20, "fact 2.1 [ds]",
             (Field("FULL", 7), Field("FOH", 5, 2), Field("OHS2", 3), Field("FILT", 1), Field("LVFD", 0)),
             0xEB),
    Register(PCM_MODE, "PCM/SPI Mode Select", None, "fact 2.1 [code]",
             (Field("PCME", 5), Field("PCMF", 3, 2)), _RW),
    Register(TX_START_LO, "PCM Transmit Start Count Low", 0x00, "fact 2.1 [code]", (), _RW),
    Register(TX_START_HI, "PCM Transmit Start Count High", 0x00, "fact 2.1 [code]", (), 0x03),
    Register(RX_START_LO, "PCM Receive Start Count Low", 0x00, "fact 2.1 [code]", (), _RW),
    Register(RX_START_HI, "PCM Receive Start Count High", 0x00, "fact 2.1 [code]", (), 0x03),
    Register(TX_GAIN2, "TX Gain Control 2 (whole dB)", 0x00, "fact 2.1 [code]", (), 0x1F),
    Register(RX_GAIN2, "RX Gain Control 2 (whole dB)", 0x00, "fact 2.1 [code]", (), 0x1F),
    Register(TX_GAIN3, "TX Gain Control 3 (tenths)", 0x00, "fact 2.1 [code]", (), 0x1F),
    Register(RX_GAIN3, "RX Gain Control 3 (tenths)", 0x00, "fact 2.1 [code]", (), 0x1F),
    Register(SPARK_QUENCH, "Spark Quenching Control", 0x00, "fact 2.1 (OHS note) [unverified]",
             (Field("SQ1", 6), Field("SQ0", 4))),
)})

# Line-side device ID (reg 11 upper nibble) -> part name; only used in messages.
LINE_SIDE_PARTS: MappingProxyType[int, str] = MappingProxyType({1: "Si3018", 3: "Si3019", 4: "Si3011"})

# One table of everything not confirmed from a datasheet page (fact sheet confidence tags).
UNVERIFIED: MappingProxyType[str, str] = MappingProxyType({
    "reg3.TGDM": "bit 1 tip-ground-detect mask name/position [unverified in fact 2.1]",
    "reg6": "reset value of DAA Control 2 (power-down bits) not confirmed; we only write 0x00 as DAHDI",
    "reg11.LSID": "line-side ID codes 1 = Si3018, 3 = Si3019, 4 = Si3011 from memory; messages only",
    "reg12": "FDT/LCS layout taken from Si3016/Si306x pages, not the Si3050 page",
    "reg23": "fields other than RDLY[2] unverified; never written",
    "reg26.DCR": "DCR (800 ohm DC slope) at bit 0 assumed [unverified in fact 2.1]; never set",
    "reg28.scale": "1.1 mA per LSB inferred (LCS = 3.3 mA/bit is decoded from LCS2); Xorcom uses < 3 LSB",
    "reg33.fields": "PCME/PCMF names and positions inferred from the values DAHDI writes (0x28/0x20)",
    "reg59": "SQ[1:0] bit positions unconfirmed; the driver never writes reg 59 (as DAHDI)",
})


def describe(addr: int) -> str:
    reg = REGISTERS.get(addr)
    return f"reg {addr} ({reg.name})" if reg else f"reg {addr}"


def gain_registers(db: float) -> tuple[int, int]:
    """(whole-dB register, tenths register) for a gain of -15.0..+12.0 dB (fact 2.1 regs 38..41).

    Values 0..12 mean +n, 16 + n means -n, in both the whole-dB and the tenths register [code].
    """
    if not -15.0 <= db <= 12.0:
        raise ValueError(f"FXO gain {db} dB outside -15.0..+12.0 dB")
    tenths = round(abs(db) * 10)
    whole, frac = divmod(tenths, 10)
    if db < 0 and tenths:
        return 16 + whole, 16 + frac
    return whole, frac


def gain_db(whole_reg: int, tenths_reg: int) -> float:
    """Inverse of `gain_registers` (for read-back and tests)."""
    sign = -1.0 if whole_reg & 0x10 else 1.0
    return sign * ((whole_reg & 0x0F) + (tenths_reg & 0x0F) / 10.0)


def start_count_registers(slot: int) -> tuple[int, int]:
    """PCM start count for a time slot: slot x 8 PCLK cycles (wctdm24xxp), split low/high (fact 0)."""
    if not 0 <= slot < 128:
        raise ValueError(f"PCM slot {slot} outside 0..127")
    count = slot * 8
    return count & 0xFF, (count >> 8) & 0x03


def lvs_volts(raw: int) -> int:
    """Reg 29 LVS: signed two's complement, 1 V per LSB, sign = polarity [ds]."""
    return raw - 256 if raw & 0x80 else raw


def loop_current_ma(raw: int) -> float:
    """Reg 28 LCS2 in mA (scale [infer], see UNVERIFIED)."""
    return raw * LOOP_CURRENT_MA_PER_LSB
