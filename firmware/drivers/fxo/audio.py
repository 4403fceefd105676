"""FXO audio path: echo canceller, busy-tone watcher, CID receivers, dial tone, levels (fact 3.3-3.7)."""

# CPU budget (Pi-class, one call every 10-20 ms per port): the echo canceller (per-sample ctypes in
# spandsp 0.0.6) and the cadence detector run only while off-hook; the caller-ID receivers only
# inside reception windows; on-hook the only work is one mean-|x| per block for the energy trigger.
# DSP objects come from a `DspKit` of factories so tests can substitute them.

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from firmware.contracts.callerid import CallerId, CidStandard
from firmware.contracts.ports import DisconnectMethod
from firmware.contracts.tones import ToneSpec
from firmware.drivers.fxo.settings import FxoSettings
from firmware.dsp import levels

Samples = npt.NDArray[np.int16]
DIAL_TONE_WINDOW = 320  # 40 ms
CID_BUFFER = 16000      # 2 s of on-hook audio kept while a caller-ID window is open
_FSK = {CidStandard.BELL202, CidStandard.ETSI_V23}
_BELL_TONES = (1200.0, 2200.0)   # mark, space (fact sheet 3.3)
_V23_TONES = (1300.0, 2100.0)


class Canceller(Protocol):
    def process(self, tx: Samples, rx: Samples) -> Samples: ...

    def reset(self) -> None: ...


class ToneWatcher(Protocol):
    def feed(self, samples: Samples) -> list[str]: ...

    def close(self) -> None: ...


class CidDecoder(Protocol):
    def feed(self, samples: Samples) -> Sequence[object]: ...

    def close(self) -> None: ...


class DigitDetector(Protocol):
    def feed(self, samples: Samples) -> str: ...

    def close(self) -> None: ...


class DigitSender(Protocol):
    def add(self, digits: str) -> None: ...

    def generate(self, n: int) -> Samples: ...

    @property
    def busy(self) -> bool: ...


def _echo(tail_ms: int) -> Canceller:
    from firmware.dsp.echo import EchoCanceller
    return EchoCanceller(tail_ms=tail_ms, nlp=True)


def _tones(specs: Sequence[ToneSpec]) -> ToneWatcher:
    from firmware.dsp.tone_detect import CadenceDetector
    return CadenceDetector(specs)


def _cid(standard: CidStandard) -> CidDecoder:
    from firmware.dsp.callerid import CidReceiver
    return CidReceiver(standard)


def _dtmf_rx() -> DigitDetector:
    from firmware.dsp.dtmf import DtmfReceiver
    return DtmfReceiver()


def _dtmf(level_dbm0: float, twist_db: float, on_ms: int, off_ms: int) -> DigitSender:
    from firmware.dsp.dtmf import DtmfSender
    return DtmfSender(level_dbm0=level_dbm0, twist_db=twist_db, on_ms=on_ms, off_ms=off_ms)


@dataclass(frozen=True)
class DspKit:
    """Factories for the DSP blocks the port uses (defaults: spandsp via firmware.dsp)."""

    echo: Callable[[int], Canceller] = _echo
    tones: Callable[[Sequence[ToneSpec]], ToneWatcher] = _tones
    cid: Callable[[CidStandard], CidDecoder] = _cid
    dtmf: Callable[[float, float, int, int], DigitSender] = _dtmf
    dtmf_rx: Callable[[], DigitDetector] = _dtmf_rx


class FxoAudio:
    """Per-port audio state; the port calls it from process_audio() and pending_output()."""

    def __init__(self, settings: FxoSettings, kit: DspKit | None = None) -> None:
        self.s = settings
        self.kit = kit or DspKit()
        self._echo: Canceller | None = None
        self._tones: ToneWatcher | None = None
        self._cid: dict[CidStandard, CidDecoder] = {}
        self._sender: DigitSender | None = None
        self._receiver: DigitDetector | None = None
        self._tone_run = 0.0
        self._dt_buf = np.zeros(0, dtype=np.int16)
        self._cid_buf = np.zeros(0, dtype=np.int16)
        self._idle_rms = levels.dbm0_to_rms(settings.idle_level_dbm0)

    # --- off-hook -------------------------------------------------------------------------------
    def new_call(self) -> None:
        """Seized: fresh canceller state, fresh cadence detector, dial-tone timer cleared."""
        if self._echo is not None:
            self._echo.reset()
        if self._tones is not None:
            self._tones.close()
            self._tones = None
        if self.s.busy_tones and DisconnectMethod.BUSY_TONE in self.s.disconnect_methods:
            self._tones = self.kit.tones(self.s.busy_tones)
        self._tone_run = 0.0
        self._dt_buf = np.zeros(0, dtype=np.int16)

    def end_call(self) -> None:
        if self._tones is not None:
            self._tones.close()
            self._tones = None
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None

    def receive_dtmf(self, from_line: Samples) -> str:
        """Digits the far party keyed on the answered line (a caller in a menu, entering a PIN); the
        echo-cancelled audio, so our own DTMF toward the line is not heard back."""
        if self._receiver is None:
            self._receiver = self.kit.dtmf_rx()
        return self._receiver.feed(from_line)

    def cancel_echo(self, from_line: Samples, to_line: Samples) -> Samples:
        if not self.s.echo_cancel:
            return from_line
        if self._echo is None:
            self._echo = self.kit.echo(self.s.echo_tail_ms)
        tx = to_line if len(to_line) == len(from_line) else _fit(to_line, len(from_line))
        return self._echo.process(tx, from_line)

    def watch_tones(self, from_line: Samples) -> list[str]:
        return self._tones.feed(from_line) if self._tones is not None else []

    def active(self, block: Samples) -> bool:
        """True when the block is louder than the idle level (any audio energy)."""
        if not len(block):
            return False
        x = block.astype(np.float64)
        return float(np.sqrt(np.mean(x * x))) > self._idle_rms

    def dial_tone(self, block: Samples) -> bool:
        """Feed a received block; True once a dial tone has been steady for dial_tone_min_ms.

        Analysed in 40 ms windows (resolution enough to separate 350 from 440 Hz): present when the
        strongest spectral peaks sit on dial-tone frequencies and carry nearly all the power."""
        self._dt_buf = np.concatenate([self._dt_buf, block])
        while len(self._dt_buf) >= DIAL_TONE_WINDOW:
            window, self._dt_buf = self._dt_buf[:DIAL_TONE_WINDOW], self._dt_buf[DIAL_TONE_WINDOW:]
            if self._is_dial_tone(window):
                self._tone_run += DIAL_TONE_WINDOW / 8000.0
            else:
                self._tone_run = 0.0
        return self._tone_run * 1000.0 >= self.s.dial_tone_min_ms

    def _is_dial_tone(self, window: Samples) -> bool:
        level = levels.dbm0(window)
        if level < -40.0:
            return False
        peaks = levels.spectrum_peaks(window, count=2, floor_db=10.0)
        if not peaks or not all(any(abs(f - d) <= 15.0 for d in self.s.dial_tone_freqs) for f, _ in peaks):
            return False
        power = sum(10.0 ** (db / 10.0) for _, db in peaks)
        return 10.0 * float(np.log10(power)) >= level - 3.0

    # --- DTMF dialling ------------------------------------------------------------------------
    def queue_dtmf(self, digits: str) -> None:
        if self._sender is None:
            s = self.s
            self._sender = self.kit.dtmf(s.dtmf_level_dbm0, s.dtmf_twist_db, s.dtmf_on_ms, s.dtmf_off_ms)
        self._sender.add(digits)

    @property
    def dtmf_busy(self) -> bool:
        return self._sender is not None and self._sender.busy

    def dtmf(self, n: int) -> Samples | None:
        if self._sender is None or not self._sender.busy:
            return None
        return self._sender.generate(n)

    # --- caller ID ------------------------------------------------------------------------------
    def open_cid(self, standards: Sequence[CidStandard]) -> None:
        for std in standards:
            if std not in self._cid:
                self._cid[std] = self.kit.cid(std)

    def close_cid(self) -> None:
        for dec in self._cid.values():
            dec.close()
        self._cid.clear()
        self._cid_buf = np.zeros(0, dtype=np.int16)

    @property
    def cid_open(self) -> bool:
        return bool(self._cid)

    def decode_cid(self, block: Samples) -> list[tuple[CidStandard, CallerId]]:
        """Feed every running receiver; (standard, caller ID) for each message decoded.

        The Bell 202 and V.23 demodulators both decode either FSK (1200/2200 vs 1300/2100 Hz are
        close), so when both run, an FSK result is labelled by measuring which mark/space pair the
        received spill actually used."""
        self._cid_buf = np.concatenate([self._cid_buf, block])[-CID_BUFFER:]
        found: list[tuple[CidStandard, CallerId]] = []
        for std, dec in self._cid.items():
            for msg in dec.feed(block):
                if isinstance(msg, CallerId):
                    found.append((std, msg))
        if found and set(self._cid) >= _FSK:
            flavour = fsk_flavour(self._cid_buf)
            found = [(flavour if std in _FSK else std, cid) for std, cid in found]
        return found

    @staticmethod
    def energy(block: Samples) -> float:
        """Mean |sample| (Asterisk's dtmfcidlevel measure)."""
        return float(np.mean(np.abs(block.astype(np.int32)))) if len(block) else 0.0

    def close(self) -> None:
        self.close_cid()
        self.end_call()


def fsk_flavour(audio: Samples) -> CidStandard:
    """BELL202 or ETSI_V23, by which mark/space pair carries more power in `audio`."""
    def power(freqs: tuple[float, float]) -> float:
        return sum(10.0 ** (levels.goertzel_dbm0(audio, f) / 10.0) for f in freqs)

    return CidStandard.BELL202 if power(_BELL_TONES) > power(_V23_TONES) else CidStandard.ETSI_V23


def _fit(block: Samples, n: int) -> Samples:
    out = np.zeros(n, dtype=np.int16)
    k = min(n, len(block))
    out[:k] = block[:k]
    return out
