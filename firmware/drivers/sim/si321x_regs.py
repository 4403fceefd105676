"""Si3210/Si3215 ProSLIC register map as data: reset values, indirect spaces, timings (analog-facts 1.1-1.7).

Everything the behavioural model (`si321x.py`) needs to know about the register file lives
here as tables, so that a reader can check it against the fact sheet line by line. Values
and behaviours we could not confirm from a datasheet page are collected in `UNVERIFIED`.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- parts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartInfo:
    name: str
    part_bits: int            # DR0 bits 5:4
    dr1_fixed: int            # DR1 bits that always read 1 (bit 7 on the Si3215)
    has_dtmf: bool            # DR24 decoder (Si3210 only)
    indirect: frozenset[int]  # indirect addresses that exist on this part


# Si3210 indirect space: DTMF 0-12, tone/ringing/pulse metering/gains/thresholds 13-43,
# manual-calibration nulls 88-95, scratch 97, FSK generator 99-104 (fact sheet 1.4).
SI3210_INDIRECT = frozenset([*range(0, 44), *range(88, 96), 97, *range(99, 105)])

# Si3210 indirect address -> Si3215 indirect address (fact sheet 1.4 translation table).
SI3215_FROM_SI3210: dict[int, int] = {13 + i: i for i in range(28)} | {41: 64, 43: 66}
SI3215_INDIRECT = frozenset(SI3215_FROM_SI3210.values())

PARTS: dict[str, PartInfo] = {
    "Si3210": PartInfo("Si3210", 0b00, 0x00, True, SI3210_INDIRECT),
    "Si3215": PartInfo("Si3215", 0b00, 0x80, False, SI3215_INDIRECT),
}


@dataclass(frozen=True)
class IndirectRoles:
    """Where each indirect register the model acts on lives, per part (native addresses)."""

    ring_offset: int   # ROFF
    ring_coeff: int    # RCO
    ring_x: int        # RNGX
    ring_y: int        # RNGY
    rx_gain: int       # receive digital gain (0x4000 = unity)
    tx_gain: int       # transmit digital gain


ROLES_SI3210 = IndirectRoles(19, 20, 21, 22, 26, 27)
ROLES: dict[str, IndirectRoles] = {
    "Si3210": ROLES_SI3210,
    "Si3215": IndirectRoles(*(SI3215_FROM_SI3210[a] for a in (19, 20, 21, 22, 26, 27))),
}

# --- direct registers ------------------------------------------------------------------------

DR_PCM_MODE, DR_LOOPBACK, DR_AUDIO_GAIN = 1, 8, 9
DR_PWR_DOWN1 = 14
DR_INT1, DR_INT2, DR_INT3 = 18, 19, 20
DR_MASK1, DR_MASK2, DR_MASK3 = 21, 22, 23
DR_DTMF = 24
DR_IDATA_LO, DR_IDATA_HI, DR_IADDR, DR_ISTATUS = 28, 29, 30, 31
DR_RING_OSC_CTL = 34
DR_LINEFEED, DR_AUTO, DR_LOOP_STAT, DR_LOOP_DEBOUNCE, DR_RT_DEBOUNCE = 64, 67, 68, 69, 70
DR_ILIM, DR_VOC, DR_VCM, DR_VBATH, DR_VBATL = 71, 72, 73, 74, 75
DR_LOOP_V, DR_LOOP_I, DR_TIP_V, DR_RING_V, DR_VBATH_SENSE, DR_VBATL_SENSE = 78, 79, 80, 81, 82, 83
DR_IQ5, DR_IQ6 = 88, 89
DR_DCDC = 93
DR_CAL1, DR_CAL2 = 96, 97
DR_CAL_RESULTS = range(98, 108)
DR_COUNT = 128

# Reset values of the direct registers (absent entries reset to 0). DR0/DR1 depend on the part.
DIRECT_RESET: dict[int, int] = {
    8: 0x02,    # digital loopback on [code]
    10: 0x08,   # two-wire impedance [unverified]
    11: 0x33,   # hybrid [code]
    14: 0x10,   # DC-DC converter powered down [infer: DAHDI writes 0 to start it]
    63: 0x54,   # loop-closure debounce during ringing, 105 ms [ds-sample]
    65: 0x61,   # bias/squelch [ds-sample]
    66: 0x03,   # battery feed control [code]
    67: 0x1F,   # automatic control: auto-open on power alarm, auto battery switching [code]
    69: 0x0A,   # loop-closure debounce 12.5 ms
    70: 0x0A,   # ring-trip debounce 12.5 ms
    72: 0x20,   # VOC 48 V [ds-sample]
    73: 0x02,   # common-mode voltage 3 V [unverified]
    74: 0x32,   # VBATH 75 V [unverified]
    75: 0x10,   # VBATL 24 V [ds-sample]
    92: 0xFF,   # DC-DC PWM period [unverified]
    93: 0x14,   # DC-DC control [unverified]
    96: 0x1F,   # calibration enables, CAL clear [unverified]
    97: 0x1F,   # calibration enables [unverified]
    98: 0x10, 99: 0x10, 100: 0x11, 101: 0x11, 102: 0x08,   # uncalibrated defaults [unverified]
    103: 0x88, 104: 0x00, 105: 0x00, 106: 0x20, 107: 0x08,
}

# What auto-calibration leaves in DR98..107: invented but plausible (DR107 inside 2..13).
CALIBRATED: dict[int, int] = {
    98: 0x15, 99: 0x14, 100: 0x12, 101: 0x10, 102: 0x0A,
    103: 0x8C, 104: 0x96, 105: 0x02, 106: 0x1D, 107: 0x06,
}
DCDC_CAL_RESULT = 0x06         # DR107 after a DR93 bit-7 calibration

# Registers the chip owns: writes are ignored (DR0/DR1/DR64 have partly writable bits).
READ_ONLY = frozenset([DR_DTMF, DR_ISTATUS, DR_LOOP_STAT, *range(76, 92)])
WRITE_ONE_TO_CLEAR = frozenset([DR_INT1, DR_INT2, DR_INT3])

# --- linefeed (DR64 LF) ----------------------------------------------------------------------
LF_OPEN, LF_ACTIVE, LF_OHT, LF_TIP_OPEN, LF_RINGING = 0, 1, 2, 3, 4
LF_REV_ACTIVE, LF_REV_OHT, LF_RING_OPEN = 5, 6, 7
LF_LOOP_SENSING = frozenset([LF_ACTIVE, LF_OHT, LF_REV_ACTIVE, LF_REV_OHT])  # LCR can see the loop
LF_TALK = frozenset([LF_ACTIVE, LF_REV_ACTIVE])                              # audio both ways off-hook
LF_OHT_STATES = frozenset([LF_OHT, LF_REV_OHT])                              # audio to an on-hook set
LF_REVERSED = frozenset([LF_REV_ACTIVE, LF_REV_OHT, LF_RING_OPEN])

# --- interrupt bits ---------------------------------------------------------------------------
INT2_RING_TRIP, INT2_LOOP_CLOSURE = 0x01, 0x02
INT2_POWER_ALARM = 0x0C          # Q1/Q2 power alarm bits raised by `inject_power_alarm`
INT3_DTMF, INT3_CM_CAL = 0x01, 0x04

# MT8870-style digit codes in DR24 bits 3:0 [unverified for the Si3210].
DTMF_CODES: dict[str, int] = {
    **{str(d): d for d in range(1, 10)}, "0": 10, "*": 11, "#": 12, "A": 13, "B": 14, "C": 15, "D": 0,
}
DTMF_VALID = 0x10

# --- timings and analog constants -------------------------------------------------------------
DEBOUNCE_LSB_S = 0.00125          # DR69/DR70/DR63: 1.25 ms per LSB
BATTERY_LSB_V = 0.376             # DR80..83: 376 mV per LSB
VOLT_LSB_V = 1.5                  # DR72..75: 1.5 V per LSB
DCDC_RAMP_V_PER_S = 1500.0        # 75 V reached ~50 ms after DR14 = 0 [unverified]
LEAK_TAU_S = 2.0                  # battery decay with the converter off, healthy board [unverified]
LEAKY_TAU_S = 0.05                # ... with the injected `leaky` fault
DCDC_CAL_S = 0.005                # DR93 bit 7 busy time [unverified]
CAL_S = 0.150                     # DR96 busy time of an auto/manual calibration [unverified]
POWER_ALARM_RETRIP_S = 0.050      # persistent fault: re-trip after leaving Open
INDIRECT_BUSY_WRITE = 1           # SPI frames DR31 stays busy after an indirect write
INDIRECT_BUSY_READ = 2            # ... after an indirect read (DR28/29 stale until then)
MANUAL_CAL_NULL = {98: 0x19, 99: 0x1B}   # DR98/DR99 code at which DR88/DR89 null [invented]
RING_VOLTS_FULL_SCALE = 96.0      # ringing formulas (fact sheet 1.7)
RING_UPDATE_HZ = 1000.0           # sine ringing oscillator update rate
TRAPEZOID_UPDATE_HZ = 8000.0

UNVERIFIED: tuple[str, ...] = (
    "DR0 part bits 5:4 read 00 on both the Si3210 and the Si3215 (the Si3215 is told apart by DR1 bit 7)",
    "DR1 bit 7 is a read-only 1 on the Si3215: writing 0x28 reads back 0xA8",
    "indirect direction: DR30 performs a write if DR28/DR29 were written since the last DR30 write, "
    "else a read; DR31 reads 0x01 for 1 (write) or 2 (read) SPI frames, DR28/29 are stale meanwhile",
    "indirect registers reset to 0 (so gains are 0 until the driver loads IR26/IR27)",
    "a ring trip does not change LF by itself; the driver must switch to Active",
    "LCR reads 0 during Ringing, in Open and in Tip/Ring open; the detector restarts its debounce "
    "when the linefeed enters a loop-sensing state",
    "DR68 RTP and DR19 bits are set on every debounced change (both edges), regardless of DR22 masks",
    "a power alarm raises DR19 bits 2 and 3 (Q1/Q2)",
    "DTMF decoder codes in DR24 follow the MT8870 table; the code is kept after the digit ends",
    "DR8: any non-zero value loops PCM RX back to TX inside the chip and cuts the line audio",
    "DR82 ramps linearly at 1.5 V/ms after DR14 = 0 and decays exponentially after DR14 = 0x10",
    "calibration takes 150 ms; DR88/DR89 read 0 once DR98/DR99 reach 0x19/0x1B (manual path)",
    "Tip open / Ring open: half the open-circuit voltage and no loop current",
    "on-chip ring cadence timers (DR48-51 with DR34 timer enables) are not modelled",
)
