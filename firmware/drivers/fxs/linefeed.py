"""The one table mapping abstract line states to ProSLIC linefeed codes (DR64 LF/LFS, fact sheet 1.2)."""

from __future__ import annotations

from types import MappingProxyType

from firmware.contracts.errors import DriverError
from firmware.contracts.ports import LineState
from firmware.drivers.fxs import registers as r

LF_CODES: MappingProxyType[LineState, int] = MappingProxyType({
    LineState.OPEN: 0,                  # high impedance; forced by the chip on a power alarm
    LineState.ACTIVE: 1,                # forward active: idle and talk
    LineState.ON_HOOK_TX: 2,            # forward on-hook transmission (caller ID, MWI)
    LineState.TIP_OPEN: 3,
    LineState.RINGING: 4,
    LineState.REVERSE_ACTIVE: 5,
    LineState.REVERSE_ON_HOOK_TX: 6,
    LineState.RING_OPEN: 7,
})
_BY_CODE: MappingProxyType[int, LineState] = MappingProxyType({v: k for k, v in LF_CODES.items()})
POLARITY_BIT = 0x04
_NO_POLARITY = (LineState.RINGING, LineState.OPEN)


class PolarityRefused(DriverError, ValueError):
    """Polarity cannot be changed while the line is ringing or open (as DAHDI refuses)."""


def code(state: LineState) -> int:
    return LF_CODES[state]


def state(lf_code: int) -> LineState:
    try:
        return _BY_CODE[lf_code]
    except KeyError:
        raise ValueError(f"linefeed code {lf_code} outside 0..7") from None


def requested(dr64: int) -> LineState:
    """The linefeed we asked for (DR64 LF, bits 2:0)."""
    return state(r.DIRECT[r.LINE_STATE].field("LF").get(dr64))


def actual(dr64: int) -> LineState:
    """The linefeed the chip is in (DR64 LFS, bits 6:4)."""
    return state(r.DIRECT[r.LINE_STATE].field("LFS").get(dr64))


def is_reversed(s: LineState) -> bool:
    return s not in _NO_POLARITY and bool(code(s) & POLARITY_BIT)


def with_polarity(s: LineState, reversed_: bool, *, port: int | None = None) -> LineState:
    """`s` with forward or reverse polarity; refused for Ringing and Open."""
    if s in _NO_POLARITY:
        where = f"port {port}: " if port is not None else ""
        raise PolarityRefused(f"{where}polarity change refused while the line is {s.value}")
    if is_reversed(s) == reversed_:
        return s
    return state(code(s) ^ POLARITY_BIT)


def active(reversed_: bool) -> LineState:
    return LineState.REVERSE_ACTIVE if reversed_ else LineState.ACTIVE


def on_hook_tx(reversed_: bool) -> LineState:
    return LineState.REVERSE_ON_HOOK_TX if reversed_ else LineState.ON_HOOK_TX


def passes_audio_on_hook(s: LineState) -> bool:
    return s in (LineState.ON_HOOK_TX, LineState.REVERSE_ON_HOOK_TX)
