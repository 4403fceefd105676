"""Media benchmark (not a test): analog port-to-port latency through the bridge and CPU per pair.

Prints markdown tables. A pacer thread plays the port loop: every 10 ms it hands each analog port one 80-sample block
(`from_line`) and takes one back (`to_line`), on absolute deadlines. Latency is measured in
that thread's own sample clock: a click written into port A at stream sample i comes out of
port B's stream at sample j; (j - i) / 8 kHz is the delay the media layer adds (both ring
buffers plus the phase between the port clock and the bridge clock). The port loop's own
queue toward the chip and the PCM highway come on top. CPU is process CPU time over the
run, with the same ports fed and drained in both phases, unconnected (idle) and connected
in pairs (active); the difference divided by the pairs is the cost of one active pair.

Usage: python -m tools.bench_media [--seconds 20] [--pairs 4] [--ptime 10 20] [--jitter 1]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from firmware.sip.analog import AnalogPortMedia
from firmware.sip.bridge import Bridge
from firmware.sip.endpoint import MediaEndpoint

FRAME = 80
RATE = 8000
CLICK = 8000
CLICK_EVERY = 25            # ticks (250 ms)
Samples = npt.NDArray[np.int16]


class Pacer:
    """Calls `tick(n)` every 10 ms on its own thread (absolute deadlines, catching up)."""

    def __init__(self, tick: Callable[[int], None]) -> None:
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-pacer", daemon=True)
        self.ticks = 0

    def _run(self) -> None:
        t0 = time.monotonic()
        while not self._stop.is_set():
            self.ticks += 1
            self._tick(self.ticks)
            delay = t0 + self.ticks * 0.010 - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def run(self, endpoint: MediaEndpoint, seconds: float) -> None:
        self._thread.start()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            endpoint.poll(10)
        self._stop.set()
        self._thread.join(5)


@dataclass
class Latency:
    p50_ms: float
    p99_ms: float
    min_ms: float
    max_ms: float
    clicks: int
    lost: int


def measure_latency(ep: MediaEndpoint, seconds: float, jitter: int) -> Latency:
    a, b = AnalogPortMedia(ep, 1, jitter_frames=jitter), AnalogPortMedia(ep, 2, jitter_frames=jitter)
    bridge = Bridge(ep)
    bridge.connect(a, b)
    sent: list[int] = []
    got: list[Samples | None] = []

    def tick(n: int) -> None:
        block = np.zeros(FRAME, np.int16)
        if n % CLICK_EVERY == 0:
            offset = (n * 37) % FRAME            # vary the click's phase within the block
            block[offset] = CLICK
            sent.append((n - 1) * FRAME + offset)
        a.from_line(block)
        got.append(b.to_line(FRAME))

    Pacer(tick).run(ep, seconds)
    bridge.clear()
    a.close()
    b.close()
    out = np.concatenate([g if g is not None else np.zeros(FRAME, np.int16) for g in got])
    measured = [i for i in sent if RATE // 2 < i < out.size - RATE // 4]   # skip start-up and the tail
    delays = _find_clicks(out, measured)
    found = np.array([d for d in delays if d is not None], dtype=np.float64) * 1000.0 / RATE
    if found.size == 0:
        return Latency(float("nan"), float("nan"), float("nan"), float("nan"), len(delays), len(delays))
    return Latency(float(np.percentile(found, 50)), float(np.percentile(found, 99)), float(found.min()),
                   float(found.max()), len(delays), sum(d is None for d in delays))


def _find_clicks(out: Samples, sent: list[int]) -> list[int | None]:
    delays: list[int | None] = []
    for i in sent:
        window = out[i:i + RATE // 5]
        hits = np.flatnonzero(window == CLICK)
        delays.append(int(hits[0]) if hits.size else None)
    return delays


@dataclass
class Cpu:
    endpoint_pct: float        # % of one core: endpoint alone (bridge clock, polling)
    ports_pct: float           # ... plus 2N analog ports on the bridge, nobody feeding them
    idle_pct: float            # ... ports fed and drained every 10 ms, nothing connected
    active_pct: float          # ... with the pairs connected
    per_port_idle_pct: float
    per_pair_pct: float
    per_pair_us_per_10ms: float
    late: int
    underruns: int
    max_tick_gap_ms: float


def measure_cpu(ep: MediaEndpoint, pairs: int, seconds: float, jitter: int) -> Cpu:
    endpoint_only = _cpu_run(ep, None, seconds / 2)
    ports = [AnalogPortMedia(ep, n, jitter_frames=jitter) for n in range(2 * pairs)]
    tone = (np.sin(2 * np.pi * 1000 * np.arange(FRAME) / RATE) * 8000).astype(np.int16)

    def tick(n: int) -> None:
        for port in ports:
            port.from_line(tone)
            port.to_line(FRAME)

    unfed = _cpu_run(ep, None, seconds / 2)
    idle = _cpu_run(ep, tick, seconds)
    bridge = Bridge(ep)
    for k in range(pairs):
        bridge.connect(ports[2 * k], ports[2 * k + 1])
    for port in ports:
        port.reset_counters()
    active = _cpu_run(ep, tick, seconds)
    stats = [p.stats() for p in ports]
    bridge.clear()
    for port in ports:
        port.close()
    per_pair = (active - idle) / max(pairs, 1)
    per_port = (unfed - endpoint_only) / (2 * pairs)
    return Cpu(endpoint_only * 100, unfed * 100, idle * 100, active * 100, per_port * 100,
               per_pair * 100, per_pair * 0.010 * 1e6, sum(s.frames_late for s in stats),
               sum(s.out_underruns for s in stats), max(s.max_tick_gap_ms for s in stats))


def _cpu_run(ep: MediaEndpoint, tick: Callable[[int], None] | None, seconds: float) -> float:
    """Fraction of one core the process used for `seconds` (with a pacer running `tick`, if any)."""
    c0, w0 = time.process_time(), time.monotonic()
    if tick is None:
        while time.monotonic() - w0 < seconds:
            ep.poll(10)
    else:
        Pacer(tick).run(ep, seconds)
    return (time.process_time() - c0) / (time.monotonic() - w0)


def bench(ptime: int, seconds: float, pairs: int, jitter: int) -> tuple[Latency, Cpu]:
    with MediaEndpoint(ptime_ms=ptime) as ep:
        return measure_latency(ep, seconds, jitter), measure_cpu(ep, pairs, seconds, jitter)


def table(rows: list[tuple[int, Latency, Cpu]], pairs: int, jitter: int) -> str:
    lines = [
        f"Media layer; ring latency floor {jitter} frame(s), adaptive up to 4; CPU with {pairs} pairs "
        "(% of one core, process CPU time)",
        "",
        "| bridge ptime | port-to-port latency p50 | p99 | min–max | clicks lost |",
        "|---|---|---|---|---|",
    ]
    for ptime, lat, _ in rows:
        lines.append(f"| {ptime} ms | {lat.p50_ms:.1f} ms | {lat.p99_ms:.1f} ms "
                     f"| {lat.min_ms:.1f}–{lat.max_ms:.1f} ms | {lat.lost}/{lat.clicks} |")
    lines += [
        "",
        f"| bridge ptime | endpoint | + {2 * pairs} ports | fed, unconnected | {pairs} pairs active "
        "| per idle port | per active pair | per pair per 10 ms | late / underruns | max tick gap |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for ptime, _, cpu in rows:
        lines.append(
            f"| {ptime} ms | {cpu.endpoint_pct:.1f} % | {cpu.ports_pct:.1f} % | {cpu.idle_pct:.1f} % "
            f"| {cpu.active_pct:.1f} % | {cpu.per_port_idle_pct:.2f} % | {cpu.per_pair_pct:.2f} % "
            f"| {cpu.per_pair_us_per_10ms:.0f} µs | {cpu.late} / {cpu.underruns} | {cpu.max_tick_gap_ms:.0f} ms |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each measurement")
    parser.add_argument("--pairs", type=int, default=4, help="connected analog pairs for the CPU figure")
    parser.add_argument("--ptime", type=int, nargs="+", default=[10, 20], help="bridge frame lengths (ms)")
    parser.add_argument("--jitter", type=int, default=0, help="ring latency floor (frames; rises on late frames)")
    args = parser.parse_args(argv)
    rows = [(p, *bench(p, args.seconds, args.pairs, args.jitter)) for p in args.ptime]
    print(table(rows, args.pairs, args.jitter))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def run() -> str:
    """`make bench` section: the 10 ms bridge (what pbxd uses), in a fresh process of its own."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "tools.bench_media", "--ptime", "10", "--seconds", "15"],
                         capture_output=True, text=True, check=True).stdout
    return "## Media layer: analog ports on the pjsua2 conference bridge (issue 3)\n\n" + out.strip()
