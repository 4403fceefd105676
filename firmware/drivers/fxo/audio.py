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


class Canceller(Protocol):
    def process(self, tx: Samples, rx: Samples) -> Samples: ...

    def reset(self) -> None: ...


class ToneWatcher(Protocol):
    def feed(self, samples: Samples) -> list[str]: ...

    def close(self) -> None: ...


class CidDecoder(Protocol):
    def feed(self, samples: Samples) -> Sequence[object]: ...

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


class FxoAudio:
    """Per-port audio state; the port calls it from process_audio() and pending_output()."""

    def __init__(self, settings: FxoSettings, kit: DspKit | None = None) -> None:
        self.s = settings
        self.kit = kit or DspKit()
        self._echo: Canceller | None = None
        self._tones: ToneWatcher | None = None
        self._cid: dict[CidStandard, CidDecoder] = {}
        self._sender: DigitSender | None = None
        self._tone_run = 0.0
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

    def end_call(self) -> None:
        if self._tones is not None:
            self._tones.close()
            self._tones = None

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
        """Feed a received block; True once a dial tone has been steady for dial_tone_min_ms."""
        if len(block) < 40:
            return False
        level = levels.dbm0(block)
        best = max(levels.goertzel_dbm0(block, f) for f in self.s.dial_tone_freqs)
        if level > -40.0 and best >= level - 4.0:
            self._tone_run += len(block) / 8000.0
        else:
            self._tone_run = 0.0
        return self._tone_run * 1000.0 >= self.s.dial_tone_min_ms

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

    @property
    def cid_open(self) -> bool:
        return bool(self._cid)

    def decode_cid(self, block: Samples) -> list[tuple[CidStandard, CallerId]]:
        found: list[tuple[CidStandard, CallerId]] = []
        for std, dec in self._cid.items():
            for msg in dec.feed(block):
                if isinstance(msg, CallerId):
                    found.append((std, msg))
        return found

    @staticmethod
    def energy(block: Samples) -> float:
        """Mean |sample| (Asterisk's dtmfcidlevel measure)."""
        return float(np.mean(np.abs(block.astype(np.int32)))) if len(block) else 0.0

    def close(self) -> None:
        self.close_cid()
        self.end_call()


def _fit(block: Samples, n: int) -> Samples:
    out = np.zeros(n, dtype=np.int16)
    k = min(n, len(block))
    out[:k] = block[:k]
    return out
