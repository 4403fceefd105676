"""A live rig: the whole daemon (ports, engine, pjsua2 bridge, call records) on the virtual board in
real time. Handset and exchange calls are marshalled onto the port thread that owns the board."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from firmware.app.daemon import Daemon
from firmware.config.model import Config
from firmware.dsp.levels import dbm0, dominant_frequency


class OnPortThread:
    """Proxy: attribute reads and method calls on a board object happen on the port thread."""

    def __init__(self, daemon: Daemon, target: Any) -> None:
        object.__setattr__(self, "_daemon", daemon)
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name: str) -> Any:
        daemon, target = self._daemon, self._target
        value = daemon.on_ports(lambda: getattr(target, name))
        if callable(value):
            def call(*args: Any, **kwargs: Any) -> Any:
                return daemon.on_ports(lambda: value(*args, **kwargs))
            return call
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        self._daemon.on_ports(lambda: setattr(self._target, name, value))


class LiveRig:
    def __init__(self, state_dir: Path, cfg: Config | None = None) -> None:
        self.daemon = Daemon(cfg or Config(), state_dir=state_dir, http="127.0.0.1:0")
        self.daemon.start()

    def close(self) -> None:
        self.daemon.stop()

    def handset(self, port: int) -> Any:
        return OnPortThread(self.daemon, self.daemon.board.handset(port))

    def exchange(self, port: int) -> Any:
        return OnPortThread(self.daemon, self.daemon.board.exchange(port))

    def now(self) -> float:
        return self.daemon.clock.now()

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait_for(self, what: Callable[[], bool], timeout: float = 10.0, step: float = 0.05) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if what():
                return True
            time.sleep(step)
        return what()

    def status(self) -> dict[str, Any]:
        assert self.daemon.api is not None
        return self.daemon.api.status()

    def port_status(self, port: int) -> str:
        return next(p["status"] for p in self.status()["ports"] if p["port"] == port)

    def records(self) -> list[dict[str, Any]]:
        assert self.daemon.cdr is not None
        self.daemon.cdr.flush()
        return self.daemon.call_records({"order": "start ASC"})

    def earpiece(self, port: int, seconds: float) -> np.ndarray:
        """The last `seconds` of what handset `port` heard."""
        h = self.daemon.board.handset(port)
        return np.asarray(self.daemon.on_ports(lambda: h.earpiece(since=h.clock.now() - seconds)))


def tone_at(audio: np.ndarray) -> tuple[float, float]:
    """(dominant frequency Hz, level dBm0) of a stretch of audio."""
    return dominant_frequency(audio), dbm0(audio)


def tone_level(audio: np.ndarray, block: int = 80, threshold_dbm0: float = -35.0) -> float:
    """Level (dBm0) of the 10 ms blocks that carry the tone (a scheduling gap does not lower it)."""
    blocks = [audio[i:i + block] for i in range(0, len(audio) - block + 1, block)]
    loud = [b for b in blocks if dbm0(b) > threshold_dbm0]
    return dbm0(np.concatenate(loud)) if loud else -120.0


def merge_blips(runs: list[tuple[bool, int]], max_ms: int = 50) -> list[tuple[bool, int]]:
    """`runs` with every inner silence of at most `max_ms` taken out: when a loaded test host delivers a
    frame late (counted by `make bench`), the buffer underruns, plays silence for it and the tone goes
    on delayed, so the silence is time inserted into the cadence, not part of it (a very loaded host
    chops a tone into pieces of 40-50 ms). The tone pieces around it stay and join; the shortest
    silence of any tone plan used here (200 ms) is far longer."""
    out: list[tuple[bool, int]] = []
    for i, (on, ms) in enumerate(runs):
        if 0 < i < len(runs) - 1 and not on and ms <= max_ms and out:
            continue
        if out and out[-1][0] == on:
            out[-1] = (on, out[-1][1] + ms)
        else:
            out.append((on, ms))
    return out


def on_off_ms(audio: np.ndarray, *, threshold_dbm0: float = -35.0, block: int = 80) -> list[tuple[bool, int]]:
    """Runs of tone/silence in 10 ms blocks: [(on, ms), ...] (first and last run may be partial)."""
    runs: list[tuple[bool, int]] = []
    for i in range(0, len(audio) - block + 1, block):
        on = dbm0(audio[i:i + block]) > threshold_dbm0
        if runs and runs[-1][0] == on:
            runs[-1] = (on, runs[-1][1] + block // 8)
        else:
            runs.append((on, block // 8))
    return runs
