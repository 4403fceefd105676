"""Eight analog ports, four connected pairs, 10 s of port-loop traffic: no sample lost, late or repeated."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from firmware.sip.analog import AnalogPortMedia, AnalogPortStats
from firmware.sip.bridge import Bridge
from firmware.sip.endpoint import MediaEndpoint
from tests.media.conftest import ring_target
from tests.media.lines import LineDriver

MakePort = Callable[..., AnalogPortMedia]
WARMUP_TICKS = 100          # 1 s: rings primed, counters snapshotted after this
JITTER = 20                 # 200 ms of slack each way: this checks that no frame is lost, not speed


def ramp(step: int, n: int = 65536) -> np.ndarray:
    """A counter stream: each sample is the previous plus `step` (mod 2**16), as int16."""
    return ((np.arange(n, dtype=np.int64) * step) % 65536 - 32768).astype(np.int16)


def losses(before: AnalogPortStats, after: AnalogPortStats) -> dict[str, int]:
    fields = ("frames_late", "in_overruns", "in_trimmed", "out_overruns", "out_underruns", "out_trimmed",
              "callback_errors")
    return {f: getattr(after, f) - getattr(before, f) for f in fields if getattr(after, f) != getattr(before, f)}


@pytest.mark.slow
def test_eight_ports_four_pairs_for_ten_seconds(endpoint: MediaEndpoint, bridge: Bridge,
                                                make_port: MakePort) -> None:
    target = ring_target(JITTER)
    ports = [make_port(n, jitter_frames=target, capacity_frames=2 * target) for n in range(8)]
    pairs = [(ports[i], ports[i + 1]) for i in range(0, 8, 2)]
    for a, b in pairs:
        bridge.connect(a, b)
    steps = {port: 2 * n + 1 for n, port in enumerate(ports)}           # odd: distinct per port
    snapshot: dict[AnalogPortMedia, AnalogPortStats] = {}
    final: dict[AnalogPortMedia, AnalogPortStats] = {}

    def on_tick(tick: int) -> None:
        if tick == WARMUP_TICKS:
            snapshot.update({p: p.stats() for p in ports})

    def on_stop() -> None:      # counted while the line side runs (once it stops, frames are late)
        final.update({p: p.stats() for p in ports})

    drive = LineDriver({p: ramp(steps[p]) for p in ports}, ports, lead_frames=JITTER, on_tick=on_tick,
                       on_stop=on_stop)
    drive.run(endpoint, 10.0)

    assert drive.ticks >= 900
    skip = (WARMUP_TICKS - JITTER) * 0.010
    for a, b in pairs:
        for src, dst in ((a, b), (b, a)):
            assert losses(snapshot[dst], final[dst]) == {}, (dst.name, final[dst], drive.max_late_s)
            stream = drive.audio(dst, skip_s=skip).astype(np.int64)
            assert stream.size >= 800 * 80
            steps_seen = np.unique(np.diff(stream) % 65536)
            # every sample of the far end's counter arrives once, in order: nothing lost,
            # repeated, inserted or crossed over from another pair
            assert steps_seen.tolist() == [steps[src]], (dst.name, steps_seen[:10])
        assert a.stats().frames_requested >= 900
