"""Caller-ID display of the virtual handset: on-hook FSK/DTMF CLIP, CW SAS/CAS/ack/FSK (facts 3.3-3.5).

On-hook the display runs a Bell 202, a V.23 and a DTMF CLIP receiver side by side, as an
auto-detecting phone does; the two FSK receivers usually both decode a spill, so equal
messages arriving within `DUPLICATE_S` make one entry. Off-hook it watches for the
call-waiting tones: SAS (440 Hz alone) is only noted; CAS (2130 + 2750 Hz for at least
60 ms) mutes the earpiece and microphone, asks the handset to acknowledge with its ack
digit once CAS ends, and opens a window in which an FSK spill without seizure is decoded
into a call-waiting entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from firmware.contracts.callerid import CallerId, CidStandard
from firmware.dsp.callerid import CidReceiver, MwiIndication
from firmware.dsp.levels import SAMPLE_RATE, dbm0_to_rms

CAS_FREQS = (2130.0, 2750.0)
SAS_FREQ = 440.0
CAS_MIN_S = 0.060          # Bellcore CPE: CAS of 60 ms or more is recognised
SAS_MIN_S = 0.200
TONE_FLOOR_DBM0 = -40.0    # each component must be at least this loud
CAS_FRACTION = 0.6         # ... and the tones must carry most of the block's power
SAS_FRACTION = 0.8
CW_WINDOW_S = 1.5          # how long after CAS the display listens for the FSK spill
MUTE_WITHOUT_ACK_S = 0.1   # a set that does not acknowledge only mutes around CAS
DUPLICATE_S = 2.0
FSK_STANDARDS = (CidStandard.BELL202, CidStandard.ETSI_V23)
QUIET_BLOCKS = 4           # silent on-hook blocks fed to the receivers to flush them; later ones are skipped

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True)
class CidEntry:
    """One line of the caller-ID display."""

    at: float
    caller_id: CallerId
    call_waiting: bool = False


@dataclass(frozen=True)
class HeardSignal:
    """A call-waiting signal the set recognised (kind "sas" or "cas") or sent ("ack")."""

    kind: str
    at: float
    detail: str = ""


class _ToneRun:
    """Accumulates the duration of consecutive blocks in which a tone is present."""

    def __init__(self, minimum_s: float) -> None:
        self.minimum_s = minimum_s
        self.seconds = 0.0
        self.started_at = -math.inf
        self.confirmed = False

    def step(self, present: bool, t: float, seconds: float) -> tuple[bool, bool]:
        """(confirmed in this block, ended in this block after having been confirmed)."""
        if not present:
            ended = self.confirmed
            self.seconds, self.confirmed = 0.0, False
            return False, ended
        if self.seconds == 0.0:
            self.started_at = t
        self.seconds += seconds
        if not self.confirmed and self.seconds >= self.minimum_s - 1e-9:
            self.confirmed = True
            return True, False
        return False, False


WATCHED = (SAS_FREQ, *CAS_FREQS)
FLOOR_POWER = dbm0_to_rms(TONE_FLOOR_DBM0) ** 2


@lru_cache(maxsize=8)
def _bins(n: int) -> npt.NDArray[np.complex128]:
    """Hann-windowed single-bin DFT vectors for the watched tones, scaled to amplitude."""
    window = np.hanning(n) if n > 2 else np.ones(n)
    k = np.arange(n)[:, None] * np.asarray(WATCHED)[None, :]
    return window[:, None] * np.exp(-2j * np.pi * k / SAMPLE_RATE) * 2.0 / max(float(window.sum()), 1.0)


def tone_powers(block: Samples) -> tuple[float, npt.NDArray[np.float64]]:
    """(mean power of the block, power of each watched sine) in int16 units squared."""
    x = block.astype(np.float64)
    total = float(np.mean(x * x)) if x.size else 0.0
    if total < FLOOR_POWER:
        return total, np.zeros(len(WATCHED))
    return total, np.abs(x @ _bins(len(x))) ** 2 / 2.0


def _fraction(total: float, powers: npt.NDArray[np.float64]) -> float:
    """Share of the block's power in `powers`, 0 if any component is below the floor."""
    if total <= 0.0 or float(powers.min()) < FLOOR_POWER:
        return 0.0
    return float(powers.sum()) / total


class CidDisplay:
    def __init__(self, ack_digit: str | None) -> None:
        self.ack_digit = ack_digit
        self.entries: list[CidEntry] = []
        self.mwi_lamp = False
        self.heard: list[HeardSignal] = []
        self._on_hook = [CidReceiver(s) for s in (*FSK_STANDARDS, CidStandard.DTMF)]
        self._cw: list[CidReceiver] = []
        self._cw_until = -math.inf
        self._mute_until = -math.inf
        self._cas = _ToneRun(CAS_MIN_S)
        self._sas = _ToneRun(SAS_MIN_S)
        self._quiet_blocks = 0

    def muted(self, t: float) -> bool:
        return self._cas.confirmed or t < self._mute_until

    @property
    def idle(self) -> bool:
        """On-hook silence would only be counted: the receivers are flushed, no call-waiting window."""
        return not self._cw and self._quiet_blocks >= QUIET_BLOCKS

    def silent_block(self) -> None:
        """What `on_hook_audio` does with a silent block while `idle`."""
        self._cw_until = -math.inf
        self._quiet_blocks += 1

    def on_hook_audio(self, block: Samples, t: float) -> None:
        self._end_call_waiting()
        # An on-hook set only hears something in on-hook transmission; a few silent blocks after
        # a signal flush the receivers, after that there is nothing to decode.
        if block.any():
            self._quiet_blocks = 0
        else:
            self._quiet_blocks += 1
            if self._quiet_blocks > QUIET_BLOCKS:
                return
        for receiver in self._on_hook:
            self._show(receiver.feed(block), t, call_waiting=False)

    def off_hook_audio(self, block: Samples, t: float) -> str | None:
        """Watch an off-hook block; returns the ack digit to send now, if CAS just ended."""
        seconds = len(block) / SAMPLE_RATE
        total, powers = tone_powers(block)
        sas_now, _ = self._sas.step(_fraction(total, powers[:1]) >= SAS_FRACTION, t, seconds)
        if sas_now:
            self.heard.append(HeardSignal("sas", self._sas.started_at))
        cas_now, cas_ended = self._cas.step(_fraction(total, powers[1:]) >= CAS_FRACTION, t, seconds)
        if cas_now:
            self.heard.append(HeardSignal("cas", self._cas.started_at))
        if self._cw and t <= self._cw_until:
            for receiver in self._cw:
                self._show(receiver.feed(block), t, call_waiting=True)
        elif self._cw:
            self._end_call_waiting()
        if not cas_ended:
            return None
        if self.ack_digit is None:
            self._mute_until = t + MUTE_WITHOUT_ACK_S
            return None
        self._cw = [CidReceiver(s) for s in FSK_STANDARDS]
        self._cw_until = self._mute_until = t + CW_WINDOW_S
        self.heard.append(HeardSignal("ack", t, self.ack_digit))
        return self.ack_digit

    def _end_call_waiting(self) -> None:
        for receiver in self._cw:
            receiver.close()
        self._cw = []
        self._cw_until = -math.inf

    def _show(self, messages: list[CallerId | MwiIndication], t: float, *, call_waiting: bool) -> None:
        for message in messages:
            if isinstance(message, MwiIndication):
                self.mwi_lamp = message.on
                continue
            last = self.entries[-1] if self.entries else None
            if last is not None and last.caller_id == message and t - last.at < DUPLICATE_S:
                continue
            self.entries.append(CidEntry(t, message, call_waiting))
            if call_waiting:
                self._mute_until = t + 0.05  # spill over: the call audio comes back
                self._cw_until = t + 0.3     # let the twin receiver finish, then close
