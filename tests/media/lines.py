"""A stand-in for the port loop: a thread feeding and draining analog ports every 10 ms."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from firmware.sip.analog import AnalogPortMedia
from firmware.sip.endpoint import MediaEndpoint

Samples = npt.NDArray[np.int16]
FRAME = 80


class LineDriver:
    """Feeds `sources[port]` (looped) into ports and collects what `to_line` returns.

    Runs on its own thread with absolute 10 ms deadlines (catching up after a late wake-up,
    like a TDM clock would), while the test thread keeps polling the endpoint.
    `lead_frames` blocks are written ahead once at start and draining starts `lead_frames`
    ticks late, so both rings of a connection start with that much audio queued: slack for a
    late producer. Give the ports a larger ring target (conftest.ring_target) for slack the
    other way.
    """

    def __init__(self, sources: Mapping[AnalogPortMedia, Samples | None],
                 sinks: Sequence[AnalogPortMedia], *, lead_frames: int = 0,
                 on_tick: Callable[[int], None] | None = None,
                 on_stop: Callable[[], None] | None = None) -> None:
        self.sources = dict(sources)
        self.sinks = list(sinks)
        self.lead_frames = lead_frames
        self.on_tick = on_tick
        self.on_stop = on_stop       # called on the driver thread right after its last tick
        self.collected: dict[AnalogPortMedia, list[Samples | None]] = {p: [] for p in sinks}
        self._pos = {p: 0 for p in self.sources}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="line-driver", daemon=True)
        self.ticks = 0
        self.max_late_s = 0.0     # worst lateness of this thread behind its 10 ms schedule

    def _feed(self) -> None:
        for port, src in self.sources.items():
            if src is None:
                continue
            pos = self._pos[port]
            idx = (pos + np.arange(FRAME)) % src.shape[0]
            port.from_line(src[idx])
            self._pos[port] = pos + FRAME

    def _run(self) -> None:
        for _ in range(self.lead_frames):
            self._feed()
        t0 = time.monotonic()
        while not self._stop.is_set():
            self.ticks += 1
            self._feed()
            if self.ticks > self.lead_frames:
                for port in self.sinks:
                    self.collected[port].append(port.to_line(FRAME))
            if self.on_tick is not None:
                self.on_tick(self.ticks)
            delay = t0 + self.ticks * 0.010 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                self.max_late_s = max(self.max_late_s, -delay)
        if self.on_stop is not None:
            self.on_stop()

    def run(self, endpoint: MediaEndpoint, seconds: float) -> None:
        self._thread.start()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            endpoint.poll(10)
        self._stop.set()
        self._thread.join(5)

    def audio(self, port: AnalogPortMedia, *, skip_s: float = 0.0) -> Samples:
        """Everything collected from `port` (None blocks as silence), after `skip_s`."""
        blocks = [b if b is not None else np.zeros(FRAME, np.int16) for b in self.collected[port]]
        x = np.concatenate(blocks) if blocks else np.zeros(0, np.int16)
        return x[int(skip_s * 8000):]

    def none_count(self, port: AnalogPortMedia, *, skip_s: float = 0.0) -> int:
        return sum(b is None for b in self.collected[port][int(skip_s * 100):])
