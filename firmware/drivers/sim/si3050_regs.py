"""Si3050 + Si3019 register map as data for the DAA model: reset values, bits, decoders (fact sheet 2.1)."""

from __future__ import annotations

from firmware.dsp.g711 import Law

# --- register numbers (decimal, as DAHDI and the fact sheet number them) ---------------------------------
CONTROL1 = 1            # bit 7 SR: software reset
CONTROL2 = 2            # reset 0x03; bit 7 INTE: interrupt pin enable
INT_MASK = 3
INT_SOURCE = 4          # write 0 to a bit to clear it
DAA_CONTROL1 = 5        # OH, RDT, ONHM, RDTP, RDTN
POWER_DOWN1 = 6         # bit 4 PDL: line side powered down (reset 1)
CHIP_REVISION = 11      # low nibble system-side revision, high nibble line-side ID (link up)
LINE_STATUS = 12        # bit 6 FDT frame detect, bits 4:0 LCS coarse loop current
LINE_REVISION = 13      # bits 5:2 line-side revision
INTL_CONTROL1 = 16      # bit 6 OHS, bit 1 RZ, bit 0 RT
INTL_CONTROL2 = 17
INTL_CONTROL3 = 18      # bit 1 RFWE full-wave ring detector
RING_VALID1 = 22
RING_VALID2 = 23
RING_VALID3 = 24
DC_TERMINATION = 26
LOOP_CURRENT = 28       # LCS2, fine loop current
LINE_VOLTAGE = 29       # LVS, signed volts
AC_TERMINATION = 30     # ACIM[3:0]
DAA_CONTROL3 = 31       # FULL, FOH[1:0], OHS2, FILT, LVFD
PCM_MODE = 33           # bit 5 PCME, bits 4:3 PCMF
TX_START_LO, TX_START_HI = 34, 35   # PCM slot the chip transmits on (line -> box)
RX_START_LO, RX_START_HI = 36, 37   # PCM slot the chip receives from (box -> line)
TX_GAIN2, RX_GAIN2, TX_GAIN3, RX_GAIN3 = 38, 39, 40, 41
SPARK_QUENCH = 59       # bits 6:5 SQ[1:0] [unverified position]

# --- bits -------------------------------------------------------------------------------------------------
SOFT_RESET = 0x80
INTE = 0x80
OH, RDT, ONHM, RDTP, RDTN = 0x01, 0x04, 0x08, 0x20, 0x40
DAA_CONTROL1_WRITABLE = OH | ONHM
PDL = 0x10
FDT = 0x40
OHS, RT = 0x40, 0x01
LVFD, OHS2 = 0x01, 0x08
PCME = 0x20

# Interrupt source / mask bits (reg 3 / reg 4).
RDTI, ROVI, FDTI, BTDI, DODI, LCSOI, TGDI, POLI = 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01

# Reset values of the registers the model keeps (everything else resets to 0x00).
RESET_VALUES: dict[int, int] = {
    CONTROL2: 0x03,
    POWER_DOWN1: PDL,        # line side powered down until the host clears PDL [unverified value]
    RING_VALID1: 0x96,
    RING_VALID2: 0x2D,       # [unverified]
    RING_VALID3: 0x19,
    DAA_CONTROL3: 0x20,      # FOH = 01 (128 ms)
}

# Registers the host cannot write (status, identification).
READ_ONLY = frozenset({CHIP_REVISION, LINE_STATUS, LINE_REVISION, LOOP_CURRENT, LINE_VOLTAGE})

# Datasheet scales and constants the model uses.
LVS_FORCE_ZERO_VOLTS = 3.0       # |line voltage| <= 3 V reads 0 unless LVFD
LCS2_MA_PER_LSB = 1.1            # [unverified]
LCS_MA_PER_LSB = 3.3             # [unverified]
RDT_HOLD_S = 5.0                 # RDT clears 5 s after the last ring signal, or on going off-hook
NEON_MWI_VOLTS = 75.0            # steady DC above this lights one ring-detect bit
FOH_MS = (512, 128, 64, 8)       # off-hook counter by FOH[1:0]
RING_THRESHOLD_VRMS = (15.0, 21.5)  # RT = 0: 13.5..16.5 V rms, RT = 1: 19.35..23.65 V rms (mid-points)


def pcm_enabled(reg33: int) -> bool:
    return bool(reg33 & PCME)


def pcm_law(reg33: int) -> Law | None:
    """PCMF[1:0]: 00 A-law, 01 mu-law, 1x linear (not carried by the 8-bit virtual highway: None)."""
    fmt = (reg33 >> 3) & 0x03
    if fmt == 0:
        return Law.ALAW
    if fmt == 1:
        return Law.MULAW
    return None


def start_count(lo: int, hi: int) -> int:
    """10-bit PCLK start count from a low byte and the two low bits of the high byte."""
    return lo | ((hi & 0x03) << 8)


def gain_db(integer_reg: int, tenths_reg: int) -> float:
    """Gain from a whole-dB register and a tenths register: value n = +n, 16 + n = -n (bit 4 = attenuate)."""
    return _signed_step(integer_reg) + _signed_step(tenths_reg) / 10.0


def _signed_step(value: int) -> int:
    step = value & 0x0F
    return -step if value & 0x10 else step


def off_hook_counter_s(reg31: int) -> float:
    return FOH_MS[(reg31 >> 5) & 0x03] / 1000.0


def on_hook_delay_s(reg16: int, reg31: int, reg59: int) -> float:
    """Time from clearing OH until loop current stops (OHS, OHS2, SQ[1:0])."""
    if reg16 & OHS and (reg59 >> 5) & 0x03 == 0x03:
        return 0.026
    if reg31 & OHS2:
        return 0.003
    return 0.0


def ring_threshold_vrms(reg16: int) -> float:
    return RING_THRESHOLD_VRMS[reg16 & RT]


def encode_lvs(volts: float, lvfd: bool) -> int:
    """LVS: signed two's complement, 1 V per LSB, forced to 0 at <= 3 V unless LVFD."""
    if not lvfd and abs(volts) <= LVS_FORCE_ZERO_VOLTS:
        return 0
    return max(-128, min(127, round(volts))) & 0xFF
