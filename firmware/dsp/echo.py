"""Line echo canceller for an FXO port: spandsp echo_can (LMS with double-talk freeze), ITU-T G.168.

`EchoCanceller.process(tx, rx)` takes what we sent toward the line (the reference) and what
came back (far party's speech + hybrid echo of tx) and returns rx with the echo removed.

Cost: spandsp 0.0.6 only offers a per-sample `echo_can_update()`, so a 20 ms frame is 160
ctypes calls. Measured (x86-64 Xeon, Python 3.11, 10 s of noise, best of 3): 0.40 ms per
20 ms frame for the 32 ms tail (0.51 ms with `nlp=True`), 0.80 ms for 64 ms, 1.14 ms for
128 ms - about 2-3 % of one core per FXO port at the default tail.

Measured behaviour (tests/dsp/test_echo.py): hybrid echo 5 ms delay, ERL 6 dB, pink-ish
noise at -20 dBm0 as far speech: ERLE passes 30 dB after about 5 s and keeps improving;
during double talk the far party's speech comes through at its own level (within 0.1 dB)
with the residual 16-19 dB below it, and ERLE is back above 50 dB after the double talk.

Quirks of Debian's libspandsp2 0.0.6 handled here (its echo.c is a development snapshot):

* echo_can_update() printf()s two or three debug lines per sample to C stdout; we run it
  inside `spandsp.quiet_c_stdout()`.
* Double talk: spandsp compares short-term rx power with tx power every sample and, when
  rx is louder, freezes adaptation for 75 ms - that freeze is kept. At the onset it also
  reverts the taps to a 200-400 ms old snapshot. With an ERL near G.168's 6 dB minimum the
  power test fires on far-end noise alone, and the repeated reverts stall convergence
  (measured: stuck at 12-15 dB ERLE); worse, the revert writes ``fir_taps16[(tap_set - 1)
  % 3]``, index -1 when tap_set is 0, which is the FIR *history* pointer: 32 ms of garbage
  echo estimate, an audible click. We mirror the state struct from the installed private
  header and set ``dtd_onset`` before every sample so spandsp skips that revert.
* Its narrow-band (tone) guard makes the same -1 index copy when it restores its tone-time
  snapshot; there we detect the event after the call, rebuild the history from our copy
  of tx and make the copy spandsp meant to make.
* If the struct layout check fails, both interventions are off (`workarounds` is False).
* Its NLP gate tests the *raw* rx power against a fixed level (about -9 dBm0), so it mutes
  any far-party speech quieter than that, echo or not. We never enable it; `nlp=True` uses a
  small residual-echo suppressor here instead (OSLEC's rule): a 5 ms block is muted when
  the far-end reference is active and the cancelled signal is at least 24 dB below it.
* narrowband_detect() assumes 256 taps (its ring index wraps at 256); shorter tails would
  read past the history buffer, so only 32/64/128 ms tails are accepted.
"""

from __future__ import annotations

import ctypes

import numpy as np
import numpy.typing as npt

from firmware.contracts.errors import DspError
from firmware.dsp import spandsp as sp

SAMPLE_RATE = 8000
_NLP_BLOCK = 40             # 5 ms decision blocks
_NLP_RATIO = 16.0           # 24 dB between mean |tx| and mean |clean|
_NLP_MIN_TX = 40.0          # mean |tx| below this (about -52 dBm0) = far end silent
_ALLOWED_TAILS = (32, 64, 128)


class _Fir16(ctypes.Structure):
    _fields_ = [("taps", ctypes.c_int), ("curr_pos", ctypes.c_int),
                ("coeffs", ctypes.c_void_p), ("history", ctypes.c_void_p)]


class _EchoState(ctypes.Structure):
    """Mirror of struct echo_can_state_s (spandsp 0.0.6 private/echo.h), up to the tap pointers."""

    _fields_ = [
        ("tx_power", ctypes.c_int * 4), ("rx_power", ctypes.c_int * 3),
        ("clean_rx_power", ctypes.c_int), ("rx_power_threshold", ctypes.c_int),
        ("nonupdate_dwell", ctypes.c_int), ("curr_pos", ctypes.c_int), ("taps", ctypes.c_int),
        ("tap_mask", ctypes.c_int), ("adaption_mode", ctypes.c_int),
        ("supp", ctypes.c_int32 * 4), ("vad", ctypes.c_int), ("cng", ctypes.c_int),
        ("geigel_max", ctypes.c_int16), ("geigel_lag", ctypes.c_int), ("dtd_onset", ctypes.c_int),
        ("tap_set", ctypes.c_int), ("tap_rotate_counter", ctypes.c_int),
        ("latest_correction", ctypes.c_int32), ("last_acf", ctypes.c_int32 * 28),
        ("narrowband_count", ctypes.c_int), ("narrowband_score", ctypes.c_int),
        ("fir_state", _Fir16), ("fir_taps16", ctypes.c_void_p * 4), ("fir_taps32", ctypes.c_void_p),
    ]


class EchoCanceller:
    """One canceller per FXO port; feed every 20 ms frame, in order, through `process`."""

    def __init__(self, tail_ms: int = 32, *, nlp: bool = True) -> None:
        if tail_ms not in _ALLOWED_TAILS:
            raise ValueError(f"tail_ms must be one of {_ALLOWED_TAILS} (spandsp 0.0.6 limitation)")
        self._lib = sp.lib()
        self.taps = tail_ms * SAMPLE_RATE // 1000
        self.nlp = nlp
        self._mode = sp.ECHO_CAN_USE_ADAPTION
        ptr = self._lib.echo_can_init(self.taps, self._mode)
        self._handle = sp.Handle(ptr, self._lib.echo_can_free, "echo canceller")
        self._state = _EchoState.from_address(self._handle.ptr)
        self.workarounds = self._layout_ok()
        self.repairs = 0
        self._tx_hist = np.zeros(self.taps, dtype=np.int16)
        self._lvl_tx = 0.0
        self._lvl_clean = 0.0

    def _layout_ok(self) -> bool:
        st = self._state
        return (st.taps == self.taps and st.adaption_mode == self._mode
                and st.fir_state.taps == self.taps and st.fir_state.coeffs == st.fir_taps16[0]
                and bool(st.fir_state.history) and bool(st.fir_taps32))

    def reset(self) -> None:
        """Forget the learned echo path (new call, line re-seized)."""
        self._lib.echo_can_flush(self._handle.ptr)
        self._tx_hist[:] = 0
        self._lvl_tx = self._lvl_clean = 0.0

    def close(self) -> None:
        self._handle.close()

    def process(self, tx: npt.NDArray[np.int16], rx: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        """Echo-cancelled `rx`; `tx` is the same span of samples sent toward the line."""
        if len(tx) != len(rx):
            raise DspError(f"echo canceller: tx has {len(tx)} samples, rx {len(rx)}")
        txa = np.asarray(tx, dtype=np.int16)
        clean = self._cancel(txa, np.asarray(rx, dtype=np.int16))
        reference = np.concatenate([self._tx_hist, txa])
        if self.nlp:
            clean = self._suppress(reference, clean)
        self._tx_hist = reference[-self.taps:]
        return clean

    def _cancel(self, tx: npt.NDArray[np.int16], rx: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        update = self._lib.echo_can_update
        ptr = self._handle.ptr
        txl: list[int] = tx.tolist()
        rxl: list[int] = rx.tolist()
        with sp.quiet_c_stdout():
            if not self.workarounds:
                return np.array([update(ptr, t, r) for t, r in zip(txl, rxl)], dtype=np.int16)
            st = self._state
            out = [0] * len(txl)
            for i, (t, r) in enumerate(zip(txl, rxl)):
                st.dtd_onset = 1  # skip spandsp's double-talk tap revert (module docstring)
                if st.tap_set == 0 and st.narrowband_score > 200:
                    out[i] = update(ptr, t, r)
                    if st.narrowband_score == 0:  # it just reverted through fir_taps16[-1]
                        self._repair(tx[: i + 1])
                else:
                    out[i] = update(ptr, t, r)
        return np.array(out, dtype=np.int16)

    def _repair(self, tx_so_far: npt.NDArray[np.int16]) -> None:
        """Undo spandsp's write through fir_taps16[-1]: restore the FIR history from our copy of
        tx and copy the tap set the library meant to copy into set 2."""
        st = self._state
        n = self.taps
        recent = np.concatenate([self._tx_hist, tx_so_far])[-n:][::-1]  # newest first
        history = (ctypes.c_int16 * n).from_address(st.fir_state.history)
        view = np.frombuffer(memoryview(history).cast("B"), dtype=np.int16)
        view[(st.fir_state.curr_pos + 1 + np.arange(n)) % n] = recent
        ctypes.memmove(st.fir_taps16[2], st.fir_taps16[1], n * 2)
        self.repairs += 1

    def _suppress(self, reference: npt.NDArray[np.int16],
                  clean: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        """Residual-echo suppressor (NLP) on 5 ms blocks. `reference` is the previous tail of
        tx followed by this frame's tx. Far-party speech louder than the residual passes."""
        n = len(clean)
        starts = np.arange(0, n, _NLP_BLOCK)
        stops = np.minimum(starts + _NLP_BLOCK, n)
        cum = np.concatenate([[0.0], np.cumsum(np.abs(reference.astype(np.float64)))])
        ends = len(reference) - n + stops
        begins = np.maximum(0, ends - self.taps)
        tx_levels = (cum[ends] - cum[begins]) / np.maximum(ends - begins, 1)
        clean_levels = np.add.reduceat(np.abs(clean.astype(np.float64)), starts) / (stops - starts)
        out = clean.copy()
        for k, (tx_level, level) in enumerate(zip(tx_levels.tolist(), clean_levels.tolist())):
            self._lvl_tx = max(tx_level, 0.9 * self._lvl_tx)
            self._lvl_clean += 0.5 * (level - self._lvl_clean)
            if self._lvl_tx > _NLP_MIN_TX and _NLP_RATIO * self._lvl_clean < self._lvl_tx:
                out[starts[k]:stops[k]] = 0
        return out
