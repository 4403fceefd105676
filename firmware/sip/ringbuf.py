"""Bounded int16 ring buffer carrying PCM between the port thread and the bridge clock thread.

One producer and one consumer, each on its own thread; a `threading.Lock` (uncontended, well
under a microsecond) guards the indices. Storage is preallocated, so `write` and `read_into`
allocate nothing. Latency is bounded two ways, because the TDM clock and the bridge clock are
never exactly equal and their difference must not turn into growing delay:

* a hard `capacity`: a write that does not fit drops the *oldest* samples (an overrun);
* a standing-fill `target`: after every `window` reads the smallest fill seen right after a
  read is compared with `target`; audio that sat in the buffer for a whole window without
  being needed is discarded down to `target` (counted in `trimmed`). A late producer makes
  the consumer underrun once (counted), the late audio then stays queued and absorbs the
  next jitter of the same size: the buffer primes itself, and trims back when calm.

With `max_target` set the target adapts like a jitter buffer: an underrun raises it by the
block that was missing (up to `max_target`), and after `relax_windows` windows without an
underrun it steps back down toward the floor. A calm system then runs with the least delay
the two clocks allow, a jittery one with as much as it has shown it needs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True)
class RingStats:
    level: int
    overruns: int
    dropped: int
    underruns: int
    trimmed: int


class RingBuffer:
    """Single-producer/single-consumer ring of int16 samples with drop-oldest overflow."""

    def __init__(self, capacity: int, *, target: int | None = None, window: int = 50,
                 max_target: int | None = None, relax_windows: int = 20) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self._buf: Samples = np.zeros(capacity, dtype=np.int16)
        self._cap = capacity
        self._head = 0          # index of the oldest sample
        self._level = 0
        self._lock = threading.Lock()
        self.target = capacity if target is None else max(0, min(target, capacity))
        self.floor = self.target
        self.max_target = self.target if max_target is None else max(self.target, min(max_target, capacity))
        self.window = max(1, window)
        self.relax_windows = max(1, relax_windows)
        self._calm_windows = 0
        self._block = 0         # size of the consumer's reads (the adaptation step)
        self._reads_in_window = 0
        self._min_in_window = capacity
        self.overruns = 0       # writes that had to drop old audio
        self.dropped = 0        # samples dropped by overruns
        self.underruns = 0      # reads that found too little audio
        self.trimmed = 0        # samples discarded to hold latency (window trim, discard_to)

    @property
    def capacity(self) -> int:
        return self._cap

    @property
    def level(self) -> int:
        return self._level

    def stats(self) -> RingStats:
        return RingStats(self._level, self.overruns, self.dropped, self.underruns, self.trimmed)

    def clear(self) -> None:
        with self._lock:
            self._head = 0
            self._level = 0
            self._reset_window()

    def restart(self) -> None:
        """Empty, at the latency floor again (a new call must not inherit an earlier one's latency)."""
        with self._lock:
            self._head = 0
            self._level = 0
            self.target = self.floor
            self._calm_windows = 0
            self._reset_window()

    def write(self, samples: npt.NDArray[np.int16]) -> None:
        """Append samples; if they do not fit, the oldest queued samples are dropped."""
        n = int(samples.shape[0])
        with self._lock:
            if n >= self._cap:              # a block larger than the ring: keep its newest part
                samples = samples[n - self._cap:]
                self.dropped += self._level + n - self._cap
                self._head, self._level, n = 0, 0, self._cap
                self.overruns += 1
            excess = self._level + n - self._cap
            if excess > 0:
                self._discard(excess)
                self.dropped += excess
                self.overruns += 1
            self._copy_in(samples, n)

    def read(self, n: int, *, adapt: bool = True) -> Samples | None:
        """The `n` oldest samples as a new array, or None (an underrun) when fewer are queued."""
        out: Samples = np.empty(n, dtype=np.int16)
        return out if self.read_into(out, adapt=adapt) else None

    def read_into(self, out: npt.NDArray[np.int16], *, adapt: bool = True) -> bool:
        """Fill `out` with the oldest samples; False (an underrun, nothing consumed) if too few.
        `adapt=False` says the underrun is expected (e.g. the producer is idle): no target raise."""
        n = int(out.shape[0])
        with self._lock:
            self._block = n
            if self._level < n:
                self.underruns += 1
                if adapt:
                    self._calm_windows = 0
                    self.target = min(self.max_target, self.target + n)
                return False
            first = min(n, self._cap - self._head)
            out[:first] = self._buf[self._head:self._head + first]
            if first < n:
                out[first:] = self._buf[:n - first]
            self._discard(n)
            self._after_read()
            return True

    def discard_to(self, keep: int, *, count: bool = True) -> int:
        """Drop the oldest samples so that at most `keep` remain; returns how many were dropped
        (added to `trimmed` unless `count` is False, e.g. for audio nobody was listening to)."""
        with self._lock:
            excess = max(0, self._level - max(0, keep))
            self._discard(excess)
            if count:
                self.trimmed += excess
            self._reset_window()
            return excess

    # --- internals (lock held) -------------------------------------------------------------
    def _copy_in(self, samples: npt.NDArray[np.int16], n: int) -> None:
        tail = (self._head + self._level) % self._cap
        first = min(n, self._cap - tail)
        self._buf[tail:tail + first] = samples[:first]
        if first < n:
            self._buf[:n - first] = samples[first:n]
        self._level += n

    def _discard(self, n: int) -> None:
        self._head = (self._head + n) % self._cap
        self._level -= n

    def _after_read(self) -> None:
        if self._level < self._min_in_window:
            self._min_in_window = self._level
        self._reads_in_window += 1
        if self._reads_in_window < self.window:
            return
        self._calm_windows += 1
        if self._calm_windows >= self.relax_windows and self.target > self.floor:
            self.target = max(self.floor, self.target - self._block)
            self._calm_windows = 0
        excess = self._min_in_window - self.target
        if excess > 0:
            self._discard(excess)
            self.trimmed += excess
        self._reset_window()

    def _reset_window(self) -> None:
        self._reads_in_window = 0
        self._min_in_window = self._cap
