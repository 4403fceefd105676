"""ProSLIC line side: what a linefeed state puts on the pair, what the monitors read (facts 1.1, 1.2, 1.7).

Ringing frequency and amplitude are computed back from the indirect registers with the
datasheet formulas (sine: RCO = cos(2*pi*f/1000 Hz) * 2^15, RNGX = 1/4 * sqrt((1-c)/(1+c))
* 2^15 * Vpk/96 V; trapezoid: RNGX = Vpk/96 V * 2^15, RCO = 2*RNGX/(t_rise*8000),
RNGY = period*8000/2), clipped at the available high battery.

Monitors DR78..DR87 come from the line's DC state: tip/ring voltages (DR80/DR81) and the
battery monitors (DR82/DR83) at 376 mV per LSB as magnitudes (the leads sit below ground);
loop voltage (DR78) and loop current (DR79) as sign + magnitude at 1.5 V / 1.1 mA per LSB
[unverified]; DR84..DR87 (transistor currents) a rough share of the loop current.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from firmware.drivers.sim.line import NO_FEED, Feed, TwoWireLine
from firmware.drivers.sim.si321x_regs import (
    BATTERY_LSB_V,
    DR_VBATL,
    DR_VCM,
    LF_OPEN,
    LF_REVERSED,
    LF_RING_OPEN,
    LF_RINGING,
    LF_TIP_OPEN,
    RING_UPDATE_HZ,
    RING_VOLTS_FULL_SCALE,
    TRAPEZOID_UPDATE_HZ,
    VOLT_LSB_V,
)

DR34_TRAPEZOID = 0x01  # TSWS
DR34_OFFSET = 0x02     # RVO
LOOP_I_LSB_MA = 1.1


@dataclass(frozen=True)
class Ringing:
    hz: float
    vpk: float
    vrms: float
    offset_v: float


def signed16(value: int) -> int:
    value &= 0xFFFF
    return value - 0x10000 if value & 0x8000 else value


def ringing_from_registers(rco: int, rngx: int, rngy: int, roff: int, dr34: int,
                           vbath: float) -> Ringing:
    """Ring frequency, peak and RMS voltage and DC offset the generator produces."""
    offset = signed16(roff) / 32768.0 * RING_VOLTS_FULL_SCALE if dr34 & DR34_OFFSET else 0.0
    if dr34 & DR34_TRAPEZOID:
        hz, vpk, shape = _trapezoid(rco, rngx, rngy)
    else:
        hz, vpk = _sine(rco, rngx)
        shape = 1.0 / math.sqrt(2.0)
    vpk = min(vpk, max(vbath - abs(offset), 0.0))
    return Ringing(hz, vpk, vpk * shape, offset)


def _sine(rco: int, rngx: int) -> tuple[float, float]:
    c = signed16(rco) / 32768.0
    if not -1.0 < c < 1.0:
        return 0.0, 0.0
    hz = math.acos(c) * RING_UPDATE_HZ / (2.0 * math.pi)
    k = math.sqrt((1.0 - c) / (1.0 + c))
    vpk = (rngx & 0xFFFF) * 4.0 * RING_VOLTS_FULL_SCALE / (32768.0 * k)
    return hz, vpk


def _trapezoid(rco: int, rngx: int, rngy: int) -> tuple[float, float, float]:
    """(frequency, peak, rms/peak) of the trapezoid generator."""
    vpk = (rngx & 0xFFFF) / 32768.0 * RING_VOLTS_FULL_SCALE
    period = 2.0 * (rngy & 0xFFFF) / TRAPEZOID_UPDATE_HZ
    if period <= 0.0:
        return 0.0, vpk, 1.0
    rise = 2.0 * (rngx & 0xFFFF) / ((rco & 0xFFFF) * TRAPEZOID_UPDATE_HZ) if rco & 0xFFFF else period / 2
    rise = min(rise, period / 2.0)
    return 1.0 / period, vpk, math.sqrt(max(0.0, 1.0 - 4.0 * rise / (3.0 * period)))


def linefeed_feed(lf: int, *, voc: float, ilim_ma: float, battery_v: float, ring: Ringing) -> Feed:
    """The `Feed` the line sees in linefeed state `lf` (DR64 LF/LFS value)."""
    if lf == LF_OPEN:
        return NO_FEED
    if lf == LF_RINGING:
        return Feed(volts=round(ring.offset_v, 1), ringing=True, ring_vrms=round(ring.vrms, 1),
                    ring_hz=round(ring.hz, 2), current_limit_ma=ilim_ma)
    volts = float(round(min(voc, battery_v)))
    sign = -1.0 if lf in LF_REVERSED else 1.0
    if lf in (LF_TIP_OPEN, LF_RING_OPEN):
        # Ground-start idle: one lead floats; no loop current flows through a set.
        return Feed(volts=sign * volts / 2.0, current_limit_ma=0.0)
    return Feed(volts=sign * volts, current_limit_ma=ilim_ma)



def _magnitude(value: float, lsb: float, limit: int) -> int:
    return min(round(abs(value) / lsb), limit)


def _sign_magnitude(value: float, lsb: float) -> int:
    return (0x40 if value < 0 else 0) | _magnitude(value, lsb, 0x3F)


def sense_registers(line: TwoWireLine, t: float, battery_v: float, dr: Sequence[int]) -> dict[int, int]:
    """DR78..DR87 at time `t` for a line whose feed this chip drives."""
    vtr = line.terminal_volts(t) if line.feed_at(t).battery else 0.0
    current = line.loop_current_ma(t)
    vcm = min(dr[DR_VCM] * VOLT_LSB_V, battery_v)
    if vtr == 0.0:    # open: both leads float near ground
        tip = ring = 0.0
    elif vtr > 0.0:   # forward: tip near ground (-VCM), ring below it
        tip, ring = -vcm, -(vcm + vtr)
    else:             # reverse: the roles swap
        tip, ring = -(vcm - vtr), -vcm
    vbatl = min(dr[DR_VBATL] * VOLT_LSB_V, battery_v)
    share = _magnitude(current, LOOP_I_LSB_MA, 0xFF)
    return {
        78: _sign_magnitude(vtr, VOLT_LSB_V),
        79: _sign_magnitude(current, LOOP_I_LSB_MA),
        80: _magnitude(tip, BATTERY_LSB_V, 0xFF),
        81: _magnitude(ring, BATTERY_LSB_V, 0xFF),
        82: _magnitude(battery_v, BATTERY_LSB_V, 0xFF),
        83: _magnitude(vbatl, BATTERY_LSB_V, 0xFF),
        84: share, 85: share, 86: share // 2, 87: share // 2,
    }
