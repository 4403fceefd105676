"""A two-wire analog line between a feeding end and a terminal end, with its DC and audio state.

The feeding end is an FXS chip model or the exchange (CO) model; the terminal end is a
virtual handset or an FXO (DAA) model. The line keeps time-stamped logs of what each end
applied (battery/polarity/ringing from the feed, loop closure from the terminal) so chip
models can debounce and measure cadences lazily at any `now`, and it carries audio both
ways in blocks (the board calls `exchange`). DC behaviour follows a simple loop model: a
current-limited or resistive battery feed, line resistance and the set's DC resistance.
Audio on the pair can be recorded to WAV and any WAV can be played into either direction.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from firmware.contracts.clock import Clock
from firmware.drivers.sim.wavio import read_wav, write_wav


@dataclass(frozen=True)
class Feed:
    """What the feeding end applies to the pair."""

    volts: float = 0.0               # open-circuit tip-ring DC; negative = reversed polarity; 0 = none
    ringing: bool = False
    ring_vrms: float = 0.0
    ring_hz: float = 0.0
    current_limit_ma: float = 25.0   # a SLIC limits loop current; the exchange feeds through resistance
    source_ohms: float = 0.0

    @property
    def battery(self) -> bool:
        return abs(self.volts) > 0.5 or self.ringing


NO_FEED = Feed()


class LineEnd(Protocol):
    """Either end of the pair: produces the audio it sends and hears what the other end sends."""

    def line_out(self, n: int) -> np.ndarray: ...

    def line_in(self, block: np.ndarray) -> None: ...


def _not_quiet() -> bool:
    return False


def _not_idle(n: int) -> bool:
    return False


class TwoWireLine:
    def __init__(self, clock: Clock, *, name: str = "line", line_ohms: float = 100.0,
                 terminal_ohms: float = 300.0) -> None:
        self.clock = clock
        self.name = name
        self.line_ohms = line_ohms
        self.terminal_ohms = terminal_ohms
        self.feed_end: LineEnd | None = None
        self.terminal_end: LineEnd | None = None
        self._feed_t: list[float] = [float("-inf")]
        self._feed_v: list[Feed] = [NO_FEED]
        self._loop_t: list[float] = [float("-inf")]
        self._loop_v: list[bool] = [False]
        self._inject_down: np.ndarray = np.zeros(0, np.int16)
        self._inject_up: np.ndarray = np.zeros(0, np.int16)
        self._recording: list[np.ndarray] | None = None

    # --- wiring ----------------------------------------------------------------------------
    def connect(self, feed: LineEnd, terminal: LineEnd) -> None:
        self.feed_end, self.terminal_end = feed, terminal

    # --- DC state: feed ----------------------------------------------------------------------
    def set_feed(self, feed: Feed, at: float | None = None) -> None:
        t = self.clock.now() if at is None else at
        if feed == self._feed_v[-1]:
            return
        if t < self._feed_t[-1]:
            raise ValueError(f"{self.name}: feed change at {t} before the last one")
        if t == self._feed_t[-1]:
            self._feed_v[-1] = feed
        else:
            self._feed_t.append(t)
            self._feed_v.append(feed)

    def feed_at(self, t: float | None = None) -> Feed:
        t = self.clock.now() if t is None else t
        return self._feed_v[bisect.bisect_right(self._feed_t, t) - 1]

    def feed_log(self, since: float = float("-inf")) -> list[tuple[float, Feed]]:
        i = max(bisect.bisect_right(self._feed_t, since) - 1, 0)
        return list(zip(self._feed_t[i:], self._feed_v[i:]))

    # --- DC state: loop ----------------------------------------------------------------------
    def set_loop(self, closed: bool, at: float | None = None) -> None:
        """The terminal closes/opens the loop at `at` (may be in the future: rotary dial)."""
        t = self.clock.now() if at is None else at
        if closed == self._loop_v[-1]:
            return
        if t < self._loop_t[-1]:
            raise ValueError(f"{self.name}: loop change at {t} before the last scheduled one")
        if t == self._loop_t[-1]:
            self._loop_v[-1] = closed
            if len(self._loop_v) > 1 and self._loop_v[-2] == closed:
                self._loop_t.pop()
                self._loop_v.pop()
        else:
            self._loop_t.append(t)
            self._loop_v.append(closed)

    def loop_closed(self, t: float | None = None) -> bool:
        t = self.clock.now() if t is None else t
        return self._loop_v[bisect.bisect_right(self._loop_t, t) - 1]

    def loop_log(self, since: float = float("-inf")) -> list[tuple[float, bool]]:
        i = max(bisect.bisect_right(self._loop_t, since) - 1, 0)
        return list(zip(self._loop_t[i:], self._loop_v[i:]))

    def loop_stable_since(self, t: float | None = None) -> float:
        """Time of the last loop transition at or before `t`."""
        t = self.clock.now() if t is None else t
        return self._loop_t[bisect.bisect_right(self._loop_t, t) - 1]

    def last_scheduled_loop_change(self) -> float:
        return self._loop_t[-1]

    # --- DC quantities -------------------------------------------------------------------------
    def loop_current_ma(self, t: float | None = None) -> float:
        """Signed DC loop current (positive in forward polarity); 0 on-hook or with no battery."""
        feed = self.feed_at(t)
        if not self.loop_closed(t) or abs(feed.volts) <= 0.5:
            return 0.0
        ohms = feed.source_ohms + self.line_ohms + self.terminal_ohms
        current = min(abs(feed.volts) / ohms * 1000.0, feed.current_limit_ma)
        return current if feed.volts > 0 else -current

    def terminal_volts(self, t: float | None = None) -> float:
        """Signed DC voltage across the terminal (on-hook: the open-circuit feed voltage)."""
        feed = self.feed_at(t)
        current = self.loop_current_ma(t)
        if current == 0.0:
            return feed.volts
        drop = abs(current) / 1000.0 * (feed.source_ohms + self.line_ohms)
        magnitude = max(abs(feed.volts) - drop, 0.0)
        if feed.current_limit_ma and abs(current) >= feed.current_limit_ma:
            magnitude = abs(current) / 1000.0 * self.terminal_ohms
        return magnitude if feed.volts > 0 else -magnitude

    def ring_tripped(self, t: float | None = None) -> bool:
        """Loop closed while ringing voltage is applied (DC + AC current flows)."""
        return self.feed_at(t).ringing and self.loop_closed(t)

    # --- audio ---------------------------------------------------------------------------------
    def exchange(self, n: int) -> None:
        """Carry one block of `n` samples both ways between the ends.

        An idle line (silence both ways: an on-hook set with nothing to send and nothing to show, a line
        state that passes no audio to it) costs almost nothing: ends that can tell (`quiet` on the terminal
        end, `idle_block` on the feeding end) do only the block's bookkeeping, with the same result as the
        full path for silence. Most lines of a PBX are idle most of the time, and the virtual appliance
        renders them under software emulation."""
        if self.feed_end is None or self.terminal_end is None:
            return
        if (self._recording is None and not len(self._inject_down) and not len(self._inject_up)
                and getattr(self.terminal_end, "quiet", _not_quiet)()
                and getattr(self.feed_end, "idle_block", _not_idle)(n)):
            self.terminal_end.quiet_block()   # type: ignore[attr-defined]
            return
        down = self.feed_end.line_out(n)
        up = self.terminal_end.line_out(n)
        down = self._mix(down, "down", n)
        up = self._mix(up, "up", n)
        self.terminal_end.line_in(down)
        self.feed_end.line_in(up)
        if self._recording is not None:
            self._recording.append(np.stack([down, up], axis=1))

    def _mix(self, block: np.ndarray, direction: str, n: int) -> np.ndarray:
        inject = self._inject_down if direction == "down" else self._inject_up
        if not len(inject):
            return block
        take = inject[:n]
        rest = inject[n:]
        if direction == "down":
            self._inject_down = rest
        else:
            self._inject_up = rest
        mixed = block.astype(np.int32)
        mixed[: len(take)] += take
        return np.clip(mixed, -32768, 32767).astype(np.int16)

    def play(self, samples: np.ndarray, *, toward: str = "feed") -> None:
        """Inject audio on the pair heard by the feeding end ("feed") or the terminal ("terminal")."""
        data = np.asarray(samples, dtype=np.int16)
        if toward == "feed":
            self._inject_up = np.concatenate([self._inject_up, data])
        elif toward == "terminal":
            self._inject_down = np.concatenate([self._inject_down, data])
        else:
            raise ValueError("toward must be 'feed' or 'terminal'")

    def play_wav(self, path: str | Path, *, toward: str = "feed") -> None:
        self.play(read_wav(path), toward=toward)

    def start_recording(self) -> None:
        self._recording = []

    def stop_recording(self, path: str | Path | None = None) -> np.ndarray:
        """Stop and return (n, 2) samples: column 0 toward the terminal, column 1 toward the feed."""
        blocks = self._recording or []
        self._recording = None
        audio = np.concatenate(blocks) if blocks else np.zeros((0, 2), np.int16)
        if path is not None:
            write_wav(path, audio)
        return audio
