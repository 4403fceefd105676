"""Call benchmarks: off-hook to dial tone, last digit to ringing, mouth-to-ear latency, CPU per call, RSS.

Runs the whole daemon (ports, engine, pjsua2 bridge) on a virtual board with 8 FXS ports in
real time, in this process.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from firmware.app.daemon import Daemon
from firmware.config.dialplan import ExtensionConfig
from firmware.config.model import Config, ModuleConfig
from firmware.contracts.ports import DigitReceived
from firmware.dsp.levels import dbm0, tone

PORTS = 8


def config() -> Config:
    cfg = Config()
    modules = [ModuleConfig(port=i, type="fxs", chip="si3215" if i % 2 else "si3210", cs=i - 1, int_gpio=25)
               for i in range(1, PORTS + 1)]
    extensions = [ExtensionConfig(number=f"{200 + i}", port=i, name=f"Desk {i}") for i in range(1, PORTS + 1)]
    return replace(cfg, board=replace(cfg.board, modules=modules), extensions=extensions)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


class Bench:
    def __init__(self, state: Path) -> None:
        self.d = Daemon(config(), state_dir=state, http="127.0.0.1:0")
        self.digits: list[DigitReceived] = []
        self.d.add_listener(lambda events: self.digits.extend(e for e in events if isinstance(e, DigitReceived)))
        self.d.start()
        self.board: Any = self.d.board

    def on_ports(self, fn: Any) -> Any:
        return self.d.on_ports(fn)

    def status(self, port: int) -> str:
        assert self.d.api is not None
        return next(p["status"] for p in self.d.api.status()["ports"] if p["port"] == port)

    def wait(self, cond: Any, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                raise TimeoutError("benchmark step timed out")
            time.sleep(0.005)

    def dial_tone_ms(self, port: int) -> float:
        h = self.board.handset(port)
        lifted = self.on_ports(lambda: (h.off_hook(), h.clock.now())[1])

        def heard() -> float | None:
            for t, block in self.on_ports(lambda: list(h._ear)):  # (time, samples) the earpiece got
                if t >= lifted and dbm0(block) > -30:
                    return float(t)
            return None
        self.wait(lambda: heard() is not None, 3.0)
        got = heard()
        assert got is not None
        self.on_ports(h.on_hook)
        return (got - lifted) * 1000

    def digit_to_ring_ms(self, src: int, dst: int) -> float:
        h, callee = self.board.handset(src), self.board.handset(dst)
        self.on_ports(h.off_hook)
        time.sleep(0.4)
        self.digits.clear()
        start = self.on_ports(lambda: (h.press(f"{200 + dst}"), h.clock.now())[1])
        self.wait(lambda: self.on_ports(lambda: callee.ringing), 5.0)
        bursts = self.on_ports(lambda: callee.ring_bursts(since=start))
        last_digit = [d.at for d in self.digits if d.port == src][-1]   # when the driver recognised it
        self.on_ports(h.on_hook)
        self.wait(lambda: self.status(dst) == "idle", 5.0)
        return (bursts[0][0] - last_digit) * 1000

    def connect(self, a: int, b: int) -> None:
        ha, hb = self.board.handset(a), self.board.handset(b)
        self.on_ports(ha.off_hook)
        time.sleep(0.3)
        self.on_ports(lambda: ha.press(f"{200 + b}"))
        self.wait(lambda: self.on_ports(lambda: hb.ringing), 5.0)
        self.on_ports(hb.off_hook)
        time.sleep(0.5)

    def mouth_to_ear_ms(self, a: int, b: int) -> float:
        la, lb = self.board.line(a), self.board.line(b)
        burst = np.concatenate([tone(1000.0, -6.0, 160), np.zeros(2400, np.int16)])
        self.on_ports(lambda: (la.start_recording(), lb.start_recording()))
        self.on_ports(lambda: self.board.handset(a).mic_play(burst))
        time.sleep(0.5)
        rec_a, rec_b = self.on_ports(lambda: (la.stop_recording(), lb.stop_recording()))
        n = min(len(rec_a), len(rec_b))
        sent, heard = rec_a[:n, 1].astype(float), rec_b[:n, 0].astype(float)   # a's mic, b's earpiece
        env_s = np.abs(sent) > 3000
        env_h = np.abs(heard) > 1500
        if not env_s.any() or not env_h.any():
            raise RuntimeError("the burst did not cross the call")
        return float((np.argmax(env_h) - np.argmax(env_s)) / 8.0)

    def close(self) -> None:
        self.d.stop()


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        b = Bench(Path(tmp))
        try:
            time.sleep(1.0)
            idle_rss = rss_mb()
            c0, t0 = time.process_time(), time.monotonic()
            time.sleep(10)
            idle_cpu = (time.process_time() - c0) / (time.monotonic() - t0) * 100
            tones: list[float] = []
            for _ in range(5):
                tones += [b.dial_tone_ms(port) for port in range(1, PORTS + 1)]
                time.sleep(1.6)  # let every hang-up qualify (1250 ms) before a port is lifted again
            rings: list[float] = []
            for _ in range(4):
                rings += [b.digit_to_ring_ms(a, a + 1) for a in (1, 3, 5, 7)]
                time.sleep(1.6)
            for a in (1, 3, 5, 7):
                b.connect(a, a + 1)
            m2e = [b.mouth_to_ear_ms(1, 2) for _ in range(10)] + [b.mouth_to_ear_ms(4, 3) for _ in range(10)]
            for a in (1, 3, 5, 7):
                b.on_ports(lambda a=a: b.board.handset(a).mic_tone(1000.0, -15.0))
                b.on_ports(lambda a=a: b.board.handset(a + 1).mic_tone(700.0, -15.0))
            time.sleep(1.0)
            calls_rss = rss_mb()
            c0, t0 = time.process_time(), time.monotonic()
            time.sleep(10)
            busy_cpu = (time.process_time() - c0) / (time.monotonic() - t0) * 100
        finally:
            b.close()
    per_call = (busy_cpu - idle_cpu) / 4
    return "\n".join([
        "## Calls through the daemon (issue 3)",
        "",
        "Whole daemon in this process (port loop, engine, pjsua2 bridge with 10 ms frames), virtual board "
        "with 8 FXS ports; the chip models' own CPU is included in the CPU figures.",
        "",
        "| Measure | Result | Target |",
        "|---|---|---|",
        f"| Off-hook to dial tone in the earpiece ({len(tones)} samples; includes the 5 ms chip debounce) | "
        f"p50 {statistics.median(tones):.0f} ms, p99 {pct(tones, 99):.0f} ms | p99 < 50 ms + debounce |",
        f"| Last digit recognised to the called phone ringing ({len(rings)} samples) | "
        f"p50 {statistics.median(rings):.0f} ms, p99 {pct(rings, 99):.0f} ms | - |",
        f"| Mouth-to-ear latency added by the box, handset to handset ({len(m2e)} samples) | "
        f"p50 {statistics.median(m2e):.0f} ms, p99 {pct(m2e, 99):.0f} ms | < 40 ms |",
        f"| CPU per active analog call (4 calls with tones both ways, minus idle) | {per_call:.1f} % of one core | - |",
        f"| CPU, whole daemon idle with 8 ports (incl. simulator) | {idle_cpu:.1f} % of one core | - |",
        f"| Daemon RSS, 8 ports idle / 4 calls up | {idle_rss:.0f} MB / {calls_rss:.0f} MB | - |",
    ])
