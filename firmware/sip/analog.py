"""Analog ports on the conference bridge: one custom media port per FXS/FXO port, PCM via ring buffers.

Two bounded rings per port (see `ringbuf`): A carries audio from the line (written by the
port thread in `from_line`, read by the bridge in `onFrameRequested`), B carries bridge
audio toward the line (written in `onFrameReceived`, read by the port thread in `to_line`).
pjmedia behaviour relied on: the bridge asks a port for audio only while someone listens to
it, and hands every port a frame on every tick, of type NONE when nothing transmits to it.
So a port that nobody listens to keeps only its freshest audio (no stale backlog when a
connection starts), and `to_line` returns None when nothing is connected.

With `on_demand=True` the port is on the bridge only while it has connections: the bridge
calls every port it holds on every tick (`onFrameReceived` with NONE for an idle one), and
each of those calls enters Python, so eight idle handsets cost the clock thread 800 Python
entries a second for nothing. `Bridge` calls `bridge_idle()` when a node's last connection
goes; the next `audio_media()` puts the port back (a new slot).

Native ports (the default where `native_port.native_status()` allows): the same rings and
callbacks in C (`native/analog_port.c`), so the bridge clock never enters Python for an analog
port; `native=False` keeps the Python callbacks (also the fallback, with a warning, where the
compiled module is missing or pjmedia's layout differs).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from firmware.contracts.errors import SipError
from firmware.sip.endpoint import MediaEndpoint
from firmware.sip.frames import FrameWriter, typed_reader
from firmware.sip.mediaport import CallbackPort, create_port
from firmware.sip.native_port import NativePort, native_status
from firmware.sip.ringbuf import RingBuffer

Samples = npt.NDArray[np.int16]
_IDLE_S = 0.25


@dataclass(frozen=True)
class AnalogPortStats:
    frames_requested: int   # the bridge asked for line audio
    frames_delivered: int   # ... and got it
    frames_late: int        # ... while the line was being fed, but the ring had too little
    frames_received: int    # audio frames the bridge sent toward the line
    in_overruns: int        # line audio dropped because ring A was full
    in_trimmed: int         # line audio discarded to hold latency at the target
    out_overruns: int       # bridge audio dropped because ring B was full
    out_underruns: int      # to_line() found too little while connected (silence played)
    out_trimmed: int
    max_tick_gap_ms: float  # longest gap between two bridge ticks seen by this port
    callback_errors: int


class AnalogPortMedia:
    """One analog port's media port on the bridge (a `MediaNode`).

    Threads: construct, `audio_media()` and `close()` on the pjsua2 owner thread;
    `from_line`/`to_line` on the port thread (no pjsua2 calls there); the callbacks run on the
    bridge clock thread. Each ring keeps a standing fill (its latency) that starts at
    `jitter_frames`, rises by a frame for every late frame up to `max_jitter_frames`, and
    falls back after calm stretches (`ringbuf`): the media layer then adds one frame plus
    whatever jitter the machine has shown.
    """

    def __init__(self, endpoint: MediaEndpoint, port: int, *, name: str | None = None,
                 jitter_frames: int = 0, max_jitter_frames: int = 4, capacity_frames: int = 8,
                 trim_window: int = 50, on_demand: bool = False, native: bool | None = None) -> None:
        frame = endpoint.frame_samples
        self.port = port
        self.name = name or f"analog{port}"
        self.frame_samples = frame
        most = max(jitter_frames, max_jitter_frames)
        capacity = max(capacity_frames, most + 2) * frame
        self._in, self._out = (RingBuffer(capacity, target=jitter_frames * frame, max_target=most * frame,
                                          window=trim_window) for _ in range(2))
        # No bridge request (or no port-thread call) for this long means "idle", not "late":
        # far longer than any clock stall the rings are meant to ride through.
        self._idle_s = _IDLE_S
        self._writer = FrameWriter(frame)
        self._read = typed_reader()
        self._silence: Samples = np.zeros(frame, dtype=np.int16)
        self._last_request = 0.0
        self._last_fed = 0.0
        self._last_drained = 0.0
        self._last_tick = 0.0
        self._bridge_audio = False      # the last bridge frame toward the line was audio
        self._primed = False            # a frame was delivered since the line became active
        self._out_primed = False        # to_line delivered bridge audio since the connection began
        self.reset_counters()
        self._endpoint = endpoint
        self._on_demand = on_demand
        self._closed = False
        self._errors_before = 0         # callback errors of ports this node had before (on demand)
        self.attaches = 0               # times the port was put on the bridge
        self._port: CallbackPort | None = None
        if native is None:
            native = native_status(endpoint) is None
        self._native = NativePort(endpoint, self.name, jitter_frames=jitter_frames, max_jitter_frames=most,
                                  capacity_frames=capacity // frame, trim_window=trim_window,
                                  idle_s=self._idle_s) if native else None
        if not on_demand:
            self._attach()
        endpoint.adopt(self)

    @property
    def native(self) -> bool:
        """The port's rings and bridge callbacks run in C."""
        return self._native is not None

    def _attach(self) -> Any:
        self.attaches += 1
        if self._native is not None:
            return self._native.attach()
        for ring in (self._in, self._out):      # a new session starts at the latency floor
            ring.restart()
        self._primed = self._out_primed = False
        self._port = create_port(self._endpoint, self.name, self._on_requested, self._on_received)
        return self._port

    def reset_counters(self) -> None:
        if getattr(self, "_native", None) is not None:
            self._native.reset_counters()   # type: ignore[union-attr]
        self.frames_requested = self.frames_delivered = self.frames_late = 0
        self.frames_received = self.out_underruns = 0
        self.max_tick_gap = 0.0
        for ring in (self._in, self._out):
            ring.overruns = ring.dropped = ring.underruns = ring.trimmed = 0

    # --- MediaNode ---------------------------------------------------------------------------
    def audio_media(self) -> Any:
        if self._closed:
            raise SipError(f"media port {self.name} is closed")
        if self._native is not None:
            return self._native.attach() if self._native.on_bridge else self._attach()
        if self._port is None:          # on demand: back on the bridge (owner thread)
            return self._attach()
        return self._port

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def on_bridge(self) -> bool:
        return self._native.on_bridge if self._native is not None else self._port is not None

    def bridge_idle(self) -> None:
        """The bridge dropped this node's last connection: leave the bridge if on demand (owner thread)."""
        if self._on_demand and not self._closed:
            self._detach()

    def _detach(self) -> None:
        if self._native is not None:
            self._native.detach()
        port, self._port = self._port, None
        if port is not None:
            self._errors_before += port.errors
            port.destroy()
        self._bridge_audio = False
        self._last_tick = 0.0           # time off the bridge is no gap in its clock

    def close(self) -> None:
        """Remove the port from the bridge and drop every pjsua2 reference (owner thread)."""
        if self._closed:
            return
        self._detach()
        self._closed = True
        self._writer.release()
        if self._native is not None:
            self._native.close()

    # --- port thread ---------------------------------------------------------------------------
    def from_line(self, samples: npt.NDArray[np.int16]) -> None:
        """Audio that came from the line (any block size), toward the bridge."""
        if self._native is not None:
            self._native.from_line(samples)
            return
        now = time.perf_counter()
        self._last_fed = now
        if now - self._last_request > self._idle_s:   # nobody listens: keep only fresh audio
            self._in.discard_to(self._in.target, count=False)
        self._in.write(samples)

    def to_line(self, n: int) -> Samples | None:
        """`n` samples of bridge audio toward the line, or None when nothing is connected."""
        if self._native is not None:
            return self._native.to_line(n)
        self._last_drained = time.perf_counter()
        block = self._out.read(n, adapt=self._out_primed)
        if block is not None:
            self._out_primed = self._bridge_audio
            return block
        if not self._bridge_audio:
            self._out_primed = False
            self._out.clear()
            return None
        if not self._out_primed:                      # a connection is starting: no audio yet
            return self._silence if n == self.frame_samples else np.zeros(n, dtype=np.int16)
        self.out_underruns += 1
        return self._silence if n == self.frame_samples else np.zeros(n, dtype=np.int16)

    @property
    def connected(self) -> bool:
        """Something on the bridge transmits to this port (as of the last tick)."""
        if self._native is not None:
            return self._native.connected()
        return self._bridge_audio

    # --- bridge clock thread -----------------------------------------------------------------
    def _on_requested(self, frame: Any) -> None:
        now = time.perf_counter()
        self.frames_requested += 1
        self._last_request = now
        fed = now - self._last_fed <= self._idle_s
        if self._in.read_into(self._writer.samples, adapt=fed and self._primed):
            self._writer.commit(frame)
            self.frames_delivered += 1
            self._primed = True
            return
        # (the frame stays of type NONE: pjsua2 hands a fresh one each tick)
        if not fed:
            self._primed = False
        elif self._primed:
            self.frames_late += 1

    def _on_received(self, frame: Any) -> None:
        now = time.perf_counter()
        if self._last_tick:
            gap = now - self._last_tick
            if gap > self.max_tick_gap:
                self.max_tick_gap = gap
        self._last_tick = now
        samples = self._read(frame)
        if samples is None:
            self._bridge_audio = False
            return
        self._bridge_audio = True
        self.frames_received += 1
        if now - self._last_drained > self._idle_s:   # the port thread is not draining
            self._out.discard_to(self._out.target, count=False)
        self._out.write(samples)

    # --- status ------------------------------------------------------------------------------
    def stats(self) -> AnalogPortStats:
        if self._native is not None:
            n = self._native.stats()
            return AnalogPortStats(n.frames_requested, n.frames_delivered, n.frames_late, n.frames_received,
                                   n.in_overruns, n.in_trimmed, n.out_overruns, n.out_underruns, n.out_trimmed,
                                   n.max_tick_gap_s * 1000.0, 0)
        a, b = self._in.stats(), self._out.stats()
        errors = self._errors_before + (self._port.errors if self._port is not None else 0)
        return AnalogPortStats(self.frames_requested, self.frames_delivered, self.frames_late,
                               self.frames_received, a.overruns, a.trimmed, b.overruns,
                               self.out_underruns, b.trimmed, self.max_tick_gap * 1000.0, errors)

    @property
    def fill(self) -> tuple[int, int]:
        """Samples queued (toward the bridge, toward the line)."""
        if self._native is not None:
            n = self._native.stats()
            return n.in_level, n.out_level
        return self._in.level, self._out.level

    @property
    def latency_samples(self) -> tuple[int, int]:
        """The standing fill each ring keeps now (toward the bridge, toward the line): the latency the
        port adds beyond one frame, raised by late frames and relaxed after calm stretches."""
        if self._native is not None:
            n = self._native.stats()
            return n.in_target, n.out_target
        return self._in.target, self._out.target

    def __repr__(self) -> str:
        return f"AnalogPortMedia({self.name!r}, port={self.port})"


class MediaRouter:
    """The port loop's `AudioRouter` over the analog ports' media ports (port thread side)."""

    def __init__(self, ports: Mapping[int, AnalogPortMedia] | None = None) -> None:
        self._ports: dict[int, AnalogPortMedia] = dict(ports or {})

    def add(self, media: AnalogPortMedia) -> None:
        self._ports = {**self._ports, media.port: media}      # copy-on-write: readers never lock

    def remove(self, port: int) -> AnalogPortMedia | None:
        ports = dict(self._ports)
        media = ports.pop(port, None)
        self._ports = ports
        return media

    def get(self, port: int) -> AnalogPortMedia | None:
        return self._ports.get(port)

    def ports(self) -> dict[int, AnalogPortMedia]:
        return dict(self._ports)

    def port_audio_in(self, port: int, samples: npt.NDArray[np.int16]) -> None:
        media = self._ports.get(port)
        if media is not None:
            media.from_line(samples)

    def port_audio_out(self, port: int, n: int) -> Samples | None:
        media = self._ports.get(port)
        return media.to_line(n) if media is not None else None
