"""DTMF from an FXS port: the Si3210's decoder (DR24, datasheet p.71) or a software receiver (spandsp).

The Si3215 has no decoder (fact sheet 1.1, gotcha 1); it, and any port set to "software", runs
spandsp's receiver on the handset audio. The call-waiting acknowledgement (DTMF A/D) is always
taken from the software receiver, as Asterisk does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from firmware.contracts.ports import DigitMethod
from firmware.drivers.fxs import registers as r

MODES = ("auto", "hardware", "software")
_VAL = r.DIRECT[r.DTMF_DIGIT].field("VAL")
_DIGIT = r.DIRECT[r.DTMF_DIGIT].field("DIGIT")


def choose_method(mode: str, part: str) -> tuple[DigitMethod, str | None]:
    """Which receiver a port uses; the second item explains a fallback."""
    if mode not in MODES:
        raise ValueError(f"dtmf must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "software":
        return DigitMethod.DTMF_SW, None
    if part == r.SI3210:
        return DigitMethod.DTMF_HW, None
    if mode == "hardware":
        return DigitMethod.DTMF_SW, f"{part} has no DTMF decoder; using the software receiver"
    return DigitMethod.DTMF_SW, None


def decode(dr24: int) -> str | None:
    """The digit DR24 shows, or None while VAL is clear ([unverified] code table in registers)."""
    if not _VAL.get(dr24):
        return None
    return r.DTMF_CODES[_DIGIT.get(dr24)]


class HardwareDtmf:
    """Reports a digit once, when DR24 VAL rises (a new valid tone pair)."""

    def __init__(self) -> None:
        self._valid = False

    def feed(self, dr24: int) -> str | None:
        digit = decode(dr24)
        rising = digit is not None and not self._valid
        self._valid = digit is not None
        return digit if rising else None

    def reset(self) -> None:
        self._valid = False


class Receiver(Protocol):
    def feed(self, samples: np.ndarray) -> str: ...


def _spandsp_receiver() -> Receiver:
    from firmware.dsp.dtmf import DtmfReceiver  # spandsp is loaded only by ports that need it

    return DtmfReceiver()


class SoftwareDtmf:
    """spandsp DTMF receiver on the port's 8 kHz linear audio (created on first use)."""

    def __init__(self, factory: Callable[[], Receiver] = _spandsp_receiver) -> None:
        self._factory = factory
        self._rx: Receiver | None = None

    def feed(self, samples: np.ndarray) -> str:
        if self._rx is None:
            self._rx = self._factory()
        return self._rx.feed(np.asarray(samples, dtype=np.int16))

    def reset(self) -> None:
        self._rx = None
