"""Virtual analog telephone: the terminal end of an FXS line (facts 1.9, 3.1-3.5; Q.23 DTMF keypad).

Hook switch and rotary dial act on the line's loop (`TwoWireLine.set_loop`, future loop
edges for dial pulses), the keypad and microphone send audio up the line while the loop
is closed, the earpiece keeps what came down while off-hook, the ringer reads the ringing
the feeding end applied from the line's feed log, and the caller-ID display decodes what
arrives on-hook (and call-waiting caller ID off-hook, see `handset_cid`).
"""

from __future__ import annotations

import math
from collections import deque
from pathlib import Path

import numpy as np
import numpy.typing as npt

from firmware.contracts.callerid import CallerId
from firmware.contracts.clock import Clock
from firmware.drivers.sim.handset_cid import CidDisplay, CidEntry, HeardSignal
from firmware.drivers.sim.line import TwoWireLine
from firmware.drivers.sim.wavio import read_wav, write_wav
from firmware.dsp.dtmf import DtmfSender
from firmware.dsp.levels import dbm0_to_rms

__all__ = ["CidEntry", "HeardSignal", "NoTerminal", "VirtualHandset"]

RATE = 8000
ACK_DELAY_S = 0.040   # the ack starts this long after the set noticed the end of CAS
ACK_MS = 65
EARPIECE_SECONDS = 60.0

Samples = npt.NDArray[np.int16]


def _silence(n: int) -> Samples:
    return np.zeros(n, np.int16)


class NoTerminal:
    """Nothing plugged into the jack: silent, loop open."""

    hook = False

    def line_out(self, n: int) -> Samples:
        return _silence(n)

    def line_in(self, block: npt.NDArray[np.int16]) -> None:
        return None

    def quiet(self) -> bool:
        return True

    def quiet_block(self) -> None:
        return None


class VirtualHandset:
    """A telephone plugged into `line`. `hook` is True while the handset is lifted (off-hook)."""

    def __init__(self, clock: Clock, line: TwoWireLine, *, name: str = "handset",
                 cid_ack_digit: str | None = "D") -> None:
        self.clock, self.line, self.name = clock, line, name
        self.hook = False
        self.busy_until = clock.now()
        self._next_dial_at = clock.now()
        self._keypad: Samples = _silence(0)
        self._mic_queue: Samples = _silence(0)
        self._mic_tone: tuple[float, float] | None = None   # (Hz, peak amplitude)
        self._mic_phase = 0.0
        self._ear: deque[tuple[float, Samples]] = deque()
        self._ear_samples = 0
        self._recording: list[Samples] | None = None
        self._cid = CidDisplay(cid_ack_digit)

    # --- hook switch -------------------------------------------------------------------------------
    def _ensure_idle(self, what: str) -> float:
        now = self.clock.now()
        if self.line.last_scheduled_loop_change() > now:
            raise RuntimeError(f"{self.name}: cannot {what} while dialling/flashing (busy until "
                               f"{self.busy_until:.3f})")
        return now

    def off_hook(self) -> None:
        now = self._ensure_idle("go off-hook")
        self.hook = True
        self.line.set_loop(True, now)

    def on_hook(self) -> None:
        now = self._ensure_idle("hang up")
        self.hook = False
        self._keypad = _silence(0)
        self.line.set_loop(False, now)

    def flash(self, ms: int = 120) -> None:
        """Press the cradle (or flash key) for `ms` milliseconds."""
        now = self._ensure_idle("flash")
        if not self.hook:
            raise RuntimeError(f"{self.name}: flash needs the handset off-hook")
        self.line.set_loop(False, now)
        self.line.set_loop(True, now + ms / 1000.0)
        self.busy_until = max(self.busy_until, now + ms / 1000.0)

    @property
    def cid_ack_digit(self) -> str | None:
        """DTMF digit the set answers a call-waiting alert with (None: a set without CW caller ID)."""
        return self._cid.ack_digit

    @cid_ack_digit.setter
    def cid_ack_digit(self, digit: str | None) -> None:
        self._cid.ack_digit = digit

    @property
    def loop_closed(self) -> bool:
        return self.line.loop_closed(self.clock.now())

    # --- dialling ----------------------------------------------------------------------------------
    def press(self, digits: str, *, on_ms: int = 100, off_ms: int = 100, level_dbm0: float = -7.0) -> None:
        """Key DTMF digits; the tones go up the line through the microphone path (off-hook only)."""
        sender = DtmfSender(level_dbm0=level_dbm0, on_ms=on_ms, off_ms=off_ms)
        sender.add(digits)
        audio = sender.generate(len(digits) * (on_ms + off_ms) * RATE // 1000)
        sender.close()
        if not self.hook:
            return  # an on-hook keypad is not connected to the line
        self._keypad = np.concatenate([self._keypad, audio])
        self.busy_until = max(self.busy_until, self.clock.now() + len(self._keypad) / RATE)

    def dial_pulse(self, digits: str, *, pps: float = 10.0, break_ms: float = 60, make_ms: float = 40,
                   interdigit_ms: float = 700) -> None:
        """Rotary-dial `digits`: `pps` sets the pulse period, break_ms:make_ms its break ratio."""
        if not self.hook:
            raise RuntimeError(f"{self.name}: dialling needs the handset off-hook")
        if any(d not in "0123456789" for d in digits):
            raise ValueError(f"a rotary dial has no {digits!r}")
        period = 1.0 / pps
        brk = period * break_ms / (break_ms + make_ms)
        t = max(self.clock.now(), self._next_dial_at, self.line.last_scheduled_loop_change())
        last_close = t
        for digit in digits:
            for _ in range(10 if digit == "0" else int(digit)):
                self.line.set_loop(False, t)
                last_close = t + brk
                self.line.set_loop(True, last_close)
                t += period
            t = last_close + interdigit_ms / 1000.0
        self.busy_until = max(self.busy_until, last_close)
        self._next_dial_at = t

    def dial(self, digits: str, pulse: bool = False) -> None:
        if pulse:
            self.dial_pulse(digits)
        else:
            self.press(digits)

    # --- microphone --------------------------------------------------------------------------------
    def mic_silence(self) -> None:
        self._mic_tone = None
        self._mic_queue = _silence(0)

    def mic_tone(self, freq_hz: float, dbm0: float) -> None:
        """Talk a steady sine into the microphone (until `mic_silence`)."""
        self._mic_queue = _silence(0)
        self._mic_tone = (freq_hz, dbm0_to_rms(dbm0) * math.sqrt(2.0))

    def mic_play(self, samples: npt.ArrayLike) -> None:
        """Queue 8 kHz samples into the microphone; silence follows."""
        self._mic_tone = None
        data = np.asarray(samples, dtype=np.int16)
        self._mic_queue = np.concatenate([self._mic_queue, data])

    def mic_play_wav(self, path: str | Path) -> None:
        self.mic_play(read_wav(path))

    def _mic(self, n: int) -> Samples:
        if self._mic_tone is not None:
            freq, amplitude = self._mic_tone
            step = 2.0 * math.pi * freq / RATE
            x = amplitude * np.sin(self._mic_phase + step * np.arange(n))
            self._mic_phase = (self._mic_phase + step * n) % (2.0 * math.pi)
            return np.clip(np.rint(x), -32768, 32767).astype(np.int16)
        out = _silence(n)
        take = self._mic_queue[:n]
        out[: len(take)] = take
        self._mic_queue = self._mic_queue[n:]
        return out

    # --- earpiece ----------------------------------------------------------------------------------
    def earpiece(self, since: float | None = None) -> Samples:
        """What the earpiece played while off-hook (blocks stamped at or after `since`)."""
        blocks = [b for t, b in self._ear if since is None or t >= since]
        return np.concatenate(blocks) if blocks else _silence(0)

    def start_recording(self) -> None:
        self._recording = []

    def stop_recording(self, path: str | Path | None = None) -> Samples:
        audio = np.concatenate(self._recording) if self._recording else _silence(0)
        self._recording = None
        if path is not None:
            write_wav(path, audio)
        return audio

    def _hear(self, t: float, block: Samples) -> None:
        self._ear.append((t, block))
        self._ear_samples += len(block)
        while self._ear_samples > EARPIECE_SECONDS * RATE:
            self._ear_samples -= len(self._ear.popleft()[1])
        if self._recording is not None:
            self._recording.append(block)

    # --- ringer ------------------------------------------------------------------------------------
    @property
    def ringing(self) -> bool:
        return self.line.feed_at(self.clock.now()).ringing

    def ring_bursts(self, since: float | None = None) -> list[tuple[float, float]]:
        """(start, end) of each ringing burst on the line; an ongoing burst ends "now"."""
        start_limit = -math.inf if since is None else since
        bursts: list[tuple[float, float]] = []
        start: float | None = None
        for at, feed in self.line.feed_log(start_limit):
            if feed.ringing and start is None:
                start = max(at, start_limit)
            elif not feed.ringing and start is not None:
                bursts.append((start, at))
                start = None
        if start is not None:
            bursts.append((start, self.clock.now()))
        return bursts

    def ring_cadence(self, since: float | None = None) -> list[int]:
        """Alternating on/off durations in ms (on, off, on, ...), from the bursts."""
        out: list[int] = []
        bursts = self.ring_bursts(since)
        for i, (start, end) in enumerate(bursts):
            if i:
                out.append(round((start - bursts[i - 1][1]) * 1000))
            out.append(round((end - start) * 1000))
        return out

    @property
    def rings(self) -> int:
        return len(self.ring_bursts())

    # --- caller-ID display -------------------------------------------------------------------------
    @property
    def display(self) -> list[CidEntry]:
        return self._cid.entries

    @property
    def last_caller_id(self) -> CallerId | None:
        return self._cid.entries[-1].caller_id if self._cid.entries else None

    @property
    def mwi_lamp(self) -> bool:
        return self._cid.mwi_lamp

    @property
    def heard_sas_cas(self) -> list[HeardSignal]:
        """Call-waiting signals recognised ("sas", "cas") and acknowledgements sent ("ack")."""
        return self._cid.heard

    # --- LineEnd -----------------------------------------------------------------------------------
    def line_out(self, n: int) -> Samples:
        mic = self._mic(n)
        keys = self._keypad[:n]
        self._keypad = self._keypad[n:]
        if not self.loop_closed:
            return _silence(n)
        if self._cid.muted(self.clock.now()):
            mic = _silence(n)
        mixed = mic.astype(np.int32)
        mixed[: len(keys)] += keys
        return np.clip(mixed, -32768, 32767).astype(np.int16)

    def quiet(self) -> bool:
        """Idle on-hook: nothing to send up the line and a block of silence would change nothing here
        but `quiet_block`'s count (TwoWireLine.exchange's fast path)."""
        return (not self.hook and self._mic_tone is None and not len(self._mic_queue) and not len(self._keypad)
                and self._cid.idle)

    def quiet_block(self) -> None:
        """A block of silence arrived while `quiet`."""
        self._cid.silent_block()

    def line_in(self, block: npt.NDArray[np.int16]) -> None:
        t = self.clock.now()
        block = np.asarray(block, dtype=np.int16)
        if not self.hook:
            self._cid.on_hook_audio(block, t)
            return
        ack = self._cid.off_hook_audio(block, t)
        self._hear(t, _silence(len(block)) if self._cid.muted(t) else block)
        if ack is not None:
            self._send_ack(ack)

    def _send_ack(self, digit: str) -> None:
        sender = DtmfSender(level_dbm0=-7.0, on_ms=ACK_MS, off_ms=0)
        sender.add(digit)
        tone = sender.generate(ACK_MS * RATE // 1000)
        sender.close()
        self._keypad = np.concatenate([self._keypad, _silence(int(ACK_DELAY_S * RATE)), tone])
