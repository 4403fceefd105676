"""Far parties, numbering and disconnect signalling of the virtual exchange (fact sheet 2.6, 3.1).

A `FarParty` is what a test (or the virtual-board panel) puts behind a number or behind an incoming
call: when it answers, what it plays, when it hangs up. The exchange fills in its runtime fields
(`answered_at`, `hung_up_at`, `released_at`, `rings`) and records what the box sent while the call
was up (`heard`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import numpy.typing as npt

from firmware.contracts.callerid import CallerId
from firmware.contracts.tones import ToneSpec
from firmware.drivers.sim.wavio import read_wav
from firmware.dsp.tones import ToneGenerator

PartyAudio = ToneSpec | npt.NDArray[np.int16] | Path | str   # "silent", "mirror", a WAV path, samples, a tone


class CallState(enum.Enum):
    """Where the exchange is with the call on its line."""

    IDLE = "idle"
    ALERTING = "alerting"          # incoming call: ringing / caller ID
    DIAL_TONE = "dial_tone"
    DIALLING = "dialling"
    RINGBACK = "ringback"
    BUSY = "busy"
    CONGESTION = "congestion"
    CONNECTED = "connected"
    CLEARED = "cleared"            # far end hung up; waiting for the box to hang up


@dataclass
class FarParty:
    """The far end of a call through the virtual exchange.

    `answer_after_rings`: rings it lets pass before answering (0 = at once, None = never);
    `audio`: "silent", "mirror" (echoes back what it hears), a ToneSpec, int16 samples, or a WAV path;
    `hangup_after_s`: hangs up this long after answering (None = only on `far_hangup()`);
    `busy`: a call to it gets busy tone.
    """

    name: str = "far party"
    answer_after_rings: int | None = 2
    audio: PartyAudio = "silent"
    loop_audio: bool = True
    hangup_after_s: float | None = None
    busy: bool = False
    caller_id: CallerId | None = None
    # runtime, filled in by the exchange
    rings: int = field(default=0, init=False)
    answered_at: float | None = field(default=None, init=False)
    hung_up_at: float | None = field(default=None, init=False)
    released_at: float | None = field(default=None, init=False)
    heard_blocks: list[npt.NDArray[np.int16]] = field(default_factory=list, init=False, repr=False)

    @property
    def heard(self) -> npt.NDArray[np.int16]:
        """Everything the box sent to this party while the call was connected."""
        if not self.heard_blocks:
            return np.zeros(0, np.int16)
        return np.concatenate(self.heard_blocks)

    @property
    def connected(self) -> bool:
        return self.answered_at is not None and self.hung_up_at is None and self.released_at is None


@dataclass(frozen=True)
class DisconnectSignal:
    """How the exchange tells the box that the far end hung up (any combination, or none)."""

    battery_drop: bool = True
    polarity_reversal: bool = False
    loop_current_drop: bool = False
    tone: bool = False
    battery_drop_ms: int | None = 500        # None: battery stays off until the box goes on-hook
    loop_current_drop_ms: int | None = None  # None: current stays denied until the box goes on-hook

    @classmethod
    def coerce(cls, value: DisconnectSignal | Mapping[str, object] | None) -> DisconnectSignal:
        """Accept the dataclass or a mapping such as {"battery_drop": False, "tone": True}."""
        if value is None:
            return cls()
        if isinstance(value, DisconnectSignal):
            return value
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown disconnect signalling keys: {', '.join(unknown)}")
        defaults = dict.fromkeys(("battery_drop", "polarity_reversal", "loop_current_drop", "tone"), False)
        return cls(**{**defaults, **value})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Numbering:
    """When a dialled number is complete: `length` digits, or `timeout_s` without a new digit.

    With `complete_on_match`, a number equal to a party's number that no longer party number
    extends is complete at once (en-bloc routing, as exchanges do for unambiguous numbers).
    """

    length: int | None = None
    timeout_s: float = 3.0
    complete_on_match: bool = True


class PartySource:
    """Renders a connected party's audio block by block and records what it hears."""

    def __init__(self, party: FarParty) -> None:
        self.party = party
        self._tone: ToneGenerator | None = None
        self._samples: npt.NDArray[np.int16] | None = None
        self._pos = 0
        self._mirror = np.zeros(0, np.int16)
        self._mode = "silent"
        audio = party.audio
        if isinstance(audio, ToneSpec):
            self._tone = ToneGenerator(audio)
        elif isinstance(audio, np.ndarray):
            self._samples = np.asarray(audio, dtype=np.int16)
        elif isinstance(audio, Path) or audio not in ("silent", "mirror"):
            self._samples = read_wav(audio)
        else:
            self._mode = audio

    def render(self, n: int) -> npt.NDArray[np.float64]:
        if self._tone is not None:
            return self._tone.generate(n).astype(np.float64)
        if self._samples is not None:
            return self._from_samples(self._samples, n)
        if self._mode == "mirror":
            take = min(n, len(self._mirror))
            out = np.zeros(n)
            out[:take] = self._mirror[:take]
            self._mirror = self._mirror[take:]
            return out
        return np.zeros(n)

    def _from_samples(self, samples: npt.NDArray[np.int16], n: int) -> npt.NDArray[np.float64]:
        out = np.zeros(n)
        if not len(samples):
            return out
        filled = 0
        while filled < n:
            if self._pos >= len(samples):
                if not self.party.loop_audio:
                    break
                self._pos = 0
            take = min(n - filled, len(samples) - self._pos)
            out[filled:filled + take] = samples[self._pos:self._pos + take]
            filled += take
            self._pos += take
        return out

    def hear(self, block: npt.NDArray[np.int16]) -> None:
        self.party.heard_blocks.append(block.copy())
        if self._mode == "mirror":
            self._mirror = np.concatenate([self._mirror, block])

    def close(self) -> None:
        if self._tone is not None:
            self._tone.close()
            self._tone = None
