"""DTMF receiver and sender on spandsp dtmf_rx / dtmf_tx (ITU-T Q.23 frequencies, Q.24 reception).

Receiver: spandsp's Goertzel detector (102-sample blocks) with its twist, relative-peak and
energy-fraction tests; a digit is reported once, as soon as two consecutive blocks agree
(about 25 ms into the tone), however long the key is held. spandsp defaults: normal twist
8 dB, reverse twist 4 dB, threshold -42 dBm0 per tone.

Sender: spandsp's generator, `level_dbm0` is the low-group tone and the high group is
`twist_db` louder (spandsp's convention). Digits 0-9 * # A-D.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from firmware.contracts.errors import DspError
from firmware.dsp import spandsp as sp

DIGITS = "0123456789*#ABCD"
SAMPLE_RATE = 8000


def _whole_db(value: float, what: str) -> int:
    """spandsp takes whole dB; round (levels get the fraction back as a gain, limits do not)."""
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite")
    return round(value)


class DtmfReceiver:
    """Feed 8 kHz int16 blocks of any length; `feed` returns the digits that started in them."""

    def __init__(self, *, normal_twist_db: float | None = None, reverse_twist_db: float | None = None,
                 threshold_dbm0: float | None = None, filter_dialtone: bool = False) -> None:
        self._lib = sp.lib()
        self._pending: list[str] = []
        self._callback = sp.DIGITS_RX_CALLBACK(self._on_digits)  # keep referenced
        ptr = self._lib.dtmf_rx_init(None, self._callback, None)
        self._handle = sp.Handle(ptr, self._lib.dtmf_rx_free, "DTMF receiver")
        twist = -1 if normal_twist_db is None else _whole_db(normal_twist_db, "normal_twist_db")
        reverse = -1 if reverse_twist_db is None else _whole_db(reverse_twist_db, "reverse_twist_db")
        threshold = -99 if threshold_dbm0 is None else _whole_db(threshold_dbm0, "threshold_dbm0")
        if twist < -1 or reverse < -1:
            raise ValueError("twist limits are positive dB values")
        self._lib.dtmf_rx_parms(self._handle.ptr, int(filter_dialtone), twist, reverse, threshold)

    def _on_digits(self, _user: int | None, digits: bytes | None, length: int) -> None:
        if digits:
            self._pending.append(digits[:length].decode("ascii", "replace"))

    def feed(self, samples: npt.NDArray[np.int16]) -> str:
        """Process a block; the digits detected in it (usually "" or one digit)."""
        buf = np.ascontiguousarray(samples, dtype=np.int16)
        if buf.size:
            self._lib.dtmf_rx(self._handle.ptr, sp.int16_ptr(buf), int(buf.size))
        out = "".join(self._pending)
        self._pending.clear()
        return out

    @property
    def current_digit(self) -> str | None:
        """The digit whose tone is present right now (after the last fed block), else None."""
        status = int(self._lib.dtmf_rx_status(self._handle.ptr))
        if status in (0, ord("x")):
            return None
        return chr(status)

    @property
    def tone_present(self) -> bool:
        """True while a confirmed DTMF tone pair is on the line (use it to mute DTMF audio)."""
        return self.current_digit is not None

    def close(self) -> None:
        self._handle.close()


class DtmfSender:
    """Queue digits with `add`, pull audio with `generate(n)` (always exactly n samples)."""

    def __init__(self, *, level_dbm0: float = -10.0, twist_db: float = 2.0, on_ms: int = 100,
                 off_ms: int = 100) -> None:
        if on_ms <= 0 or off_ms < 0:
            raise ValueError("DTMF on time must be positive and off time non-negative")
        self._lib = sp.lib()
        ptr = self._lib.dtmf_tx_init(None)
        self._handle = sp.Handle(ptr, self._lib.dtmf_tx_free, "DTMF sender")
        whole = _whole_db(level_dbm0, "level_dbm0")
        self._gain = 10.0 ** ((level_dbm0 - whole) / 20.0)  # spandsp levels are whole dB
        self._lib.dtmf_tx_set_level(self._handle.ptr, whole, _whole_db(twist_db, "twist_db"))
        self._lib.dtmf_tx_set_timing(self._handle.ptr, on_ms, off_ms)
        self._digit_samples = (on_ms + off_ms) * SAMPLE_RATE // 1000
        self._queue: list[str] = []
        self._left = 0  # samples still to come from the digit spandsp is playing

    def add(self, digits: str) -> None:
        """Queue digits (0-9 * # A-D, lower-case a-d accepted); raises ValueError on others."""
        bad = sorted({d for d in digits.upper() if d not in DIGITS})
        if bad:
            raise ValueError(f"not DTMF digits: {''.join(bad)!r}")
        self._queue.extend(digits.upper())

    @property
    def busy(self) -> bool:
        """True while digits are queued or a digit (tone or its trailing gap) is playing."""
        return bool(self._queue) or self._left > 0

    def generate(self, n: int) -> npt.NDArray[np.int16]:
        out = np.zeros(n, dtype=np.int16)
        pos = 0
        while pos < n:
            if self._left <= 0:
                if not self._queue:
                    break
                self._start(self._queue.pop(0))
            got = int(self._lib.dtmf_tx(self._handle.ptr, sp.int16_ptr(out[pos:]), n - pos))
            if got <= 0:
                self._left = 0
                continue
            pos += got
            self._left -= got
        if self._gain != 1.0:
            out = np.clip(np.rint(out * self._gain), -32768, 32767).astype(np.int16)
        return out

    def _start(self, digit: str) -> None:
        if self._lib.dtmf_tx_put(self._handle.ptr, digit.encode("ascii"), 1) != 0:
            raise DspError("spandsp DTMF queue refused a digit")
        self._left = self._digit_samples

    def close(self) -> None:
        self._handle.close()

