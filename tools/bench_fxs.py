"""FXS benchmarks: hook-event latency (model hook change -> driver event) and CPU per idle port."""

from __future__ import annotations

import random
import statistics
import threading
import time
from dataclasses import replace

from firmware.app.backends import VirtualBackend
from firmware.app.compose import build_analog
from firmware.config.model import Config, ModuleConfig
from firmware.contracts.clock import MonotonicClock
from firmware.contracts.ports import OffHook, PortEvent
from firmware.runtime.porthread import PortThread

PORTS = 8


def eight_fxs() -> Config:
    cfg = Config()
    modules = [ModuleConfig(port=i, type="fxs", chip="si3215" if i % 2 else "si3210", cs=i - 1, int_gpio=25)
               for i in range(1, PORTS + 1)]   # all INT outputs wired together, as on our board
    return replace(cfg, board=replace(cfg.board, modules=modules))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def hook_latency(samples: int = 160) -> list[float]:
    """Real-time virtual board, 8 ports: off-hook at a random moment -> OffHook event, in ms."""
    clock = MonotonicClock()
    backend = VirtualBackend(eight_fxs(), clock)
    analog = build_analog(eight_fxs(), backend, clock)
    changed: dict[int, float] = {}
    latencies: list[float] = []
    seen = threading.Condition()

    def on_events(events: list[PortEvent]) -> None:
        for ev in events:
            if isinstance(ev, OffHook) and ev.port in changed:
                with seen:
                    latencies.append((clock.now() - changed.pop(ev.port)) * 1000)
                    seen.notify_all()

    thread = PortThread(analog.loop, clock, on_events=on_events)
    thread.start()
    rng = random.Random(7)
    try:
        while len(latencies) < samples:
            for port in range(1, PORTS + 1):
                handset = backend.board.handset(port)

                def lift(h=handset, p=port) -> None:
                    h.off_hook()
                    changed[p] = clock.now()
                time.sleep(rng.uniform(0.0, 0.03))
                thread.call(lift)
            with seen:
                seen.wait_for(lambda: not changed, timeout=2.0)
            for port in range(1, PORTS + 1):
                thread.call(backend.board.handset(port).on_hook)
            time.sleep(1.4)  # let the hang-up qualify (1250 ms window)
    finally:
        thread.stop()
    return latencies[:samples]


def idle_cpu(seconds: float = 20.0) -> tuple[float, float]:
    """(% of one core for the whole idle loop, % of it spent rendering the virtual board models) with 8 ports.

    The models' share is the port thread's CPU time inside `board.advance` (audio and line models, both
    ways); what remains is the firmware: drivers, port loop, PCM pump, plus the chip models answering SPI
    transfers (on the real box: spidev calls), so the firmware figure is an upper bound."""
    clock = MonotonicClock()
    backend = VirtualBackend(eight_fxs(), clock)
    board = backend.board
    spent = [0.0]
    render = board.advance

    def timed_advance() -> None:
        t = time.thread_time()
        render()
        spent[0] += time.thread_time() - t
    board.advance = timed_advance                                 # type: ignore[method-assign]
    analog = build_analog(eight_fxs(), backend, clock)
    thread = PortThread(analog.loop, clock)
    thread.start()
    time.sleep(1.0)
    t0, c0, s0 = time.monotonic(), time.process_time(), spent[0]
    time.sleep(seconds)
    wall = time.monotonic() - t0
    total = (time.process_time() - c0) / wall * 100
    models = (spent[0] - s0) / wall * 100
    thread.stop()
    return total, models


def run() -> str:
    lat = hook_latency()
    total, models = idle_cpu()
    firmware = max(total - models, 0.0)
    return "\n".join([
        "## FXS ports (issue 2)",
        "",
        "| Measure | Result | Target |",
        "|---|---|---|",
        f"| Hook-event latency, model hook change to driver OffHook event ({len(lat)} samples, 8 ports, "
        f"default debounce) | p50 {statistics.median(lat):.1f} ms, p99 {percentile(lat, 99):.1f} ms, "
        f"max {max(lat):.1f} ms | p99 < 30 ms |",
        f"| CPU, 8 idle ports: drivers + port loop + PCM pump (firmware) | {firmware:.2f} % of one core "
        f"({firmware / PORTS:.3f} % per port) | < 1 % for 8 ports |",
        f"| CPU, 8 idle ports: virtual board models (simulator only, not on the real box) | "
        f"{models:.2f} % of one core | - |",
        "",
        "Firmware CPU = the whole idle loop minus the port thread's time rendering the board models "
        "(`board.advance`); it still contains the chip models answering SPI transfers, so it is an upper "
        "bound. It includes the 10 ms PCM "
        "pump (G.711 decode/encode of 8 slots) and the Si3215 software DTMF receivers, which run "
        "only while a port is off-hook.",
    ])
