"""Benchmark: the caller-facing menu path in the sans-IO engine and the prompt render cache - engine time
of the step in which an incoming line is answered and hears its first prompt, of a key that changes menu
(the next prompt) and of a key that rings an extension (DTMF to action), p50/p99 over many synthetic calls
on the fake clock; and `firmware.prompts.render` on a cache miss (the WAV joined and written) and a hit
(source files stat'ed, key hashed). `python -m tools.bench ivr`."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from firmware.config.attendant import IvrMenuConfig, IvrOptionConfig
from firmware.config.dialplan import InboundConfig
from firmware.config.model import Config
from firmware.contracts.callerid import CallerId
from firmware.contracts.ports import (
    DigitReceived,
    LineCallerId,
    LineDisconnect,
    LineRingStart,
    OffHook,
    OnHook,
    PortEvent,
    StartRinging,
)
from firmware.pbx.commands import Command, PlayPrompt, PromptFinished
from firmware.pbx.engine import Engine
from firmware.pbx.settings import PbxSettings
from firmware.prompts import VOICE_DIR, render

CALLS = 2000
RENDER_MISSES = 200
RENDER_HITS = 2000
WALL0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
MAIN = IvrMenuConfig(name="main", number="500", prompt=["welcome", "enter_extension"], options=[
    IvrOptionConfig("1", "ivr:sales"), IvrOptionConfig("0", "201")], timeout_s=5.0, retries=2)
SALES = IvrMenuConfig(name="sales", prompt=["welcome"], options=[IvrOptionConfig("1", "202")], timeout_s=5.0)


class Line:
    """Drives one engine on a fake clock and times single steps."""

    def __init__(self) -> None:
        cfg = Config(ivr=[MAIN, SALES], inbound=[InboundConfig("fxo:5", "ivr:main")])
        self.engine = Engine(PbxSettings.from_config(cfg))
        self.now = 1.0

    @property
    def wall(self) -> datetime:
        return WALL0 + timedelta(seconds=self.now)

    def step(self, fn: Callable[[], list[Command]]) -> tuple[float, list[Command]]:
        start = time.perf_counter()
        out = fn()
        return time.perf_counter() - start, out

    def event(self, event: PortEvent) -> tuple[float, list[Command]]:
        return self.step(lambda: self.engine.handle(event, self.now, self.wall))

    def prompt_done(self) -> None:
        self.engine.media_event(PromptFinished("fxo:5"), self.now, self.wall)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.engine.tick(self.now, self.wall)

    def call(self) -> tuple[float, float, float]:
        """One caller: answered with the menu, key 1 (the sales menu), key 1 (202 rings); then gone."""
        self.engine.handle(LineCallerId(5, self.now, caller_id=CallerId(number="030123456")), self.now, self.wall)
        answer, out = self.event(LineRingStart(5, self.now))
        assert any(isinstance(c, PlayPrompt) for c in out), "the menu did not answer with a prompt"
        self.advance(2.0)
        self.prompt_done()
        menu, out = self.event(DigitReceived(5, self.now, digit="1"))
        assert any(isinstance(c, PlayPrompt) for c in out), "key 1 did not lead to the next menu"
        self.advance(1.5)
        self.prompt_done()
        ring, out = self.event(DigitReceived(5, self.now, digit="1"))
        assert any(isinstance(c, StartRinging) for c in out), "key 1 did not ring 202"
        self.advance(1.0)
        self.engine.handle(OffHook(2, self.now), self.now, self.wall)
        self.advance(3.0)
        self.engine.handle(OnHook(2, self.now), self.now, self.wall)
        self.engine.handle(LineDisconnect(5, self.now), self.now, self.wall)
        self.advance(30.0)                        # every release timer has run: the line is idle again
        return answer, menu, ring


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1e6, ordered[int(0.99 * (len(ordered) - 1))] * 1e6


def words_for_render() -> tuple[tuple[str, ...], str]:
    """A menu prompt of the generated voice set, else digits of the committed set (a build without `make prompts`)."""
    if (VOICE_DIR / "en" / "welcome.wav").is_file() and (VOICE_DIR / "en" / "enter_extension.wav").is_file():
        return ("welcome", "enter_extension"), "welcome + enter_extension (generated voice set)"
    return ("2", "0", "1"), "digits 2 0 1 (committed set; run `make prompts` for the full voice)"


def render_timings() -> tuple[list[float], list[float], str, int]:
    words, what = words_for_render()
    misses: list[float] = []
    hits: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(RENDER_MISSES):                 # a new cache directory each time: always a miss
            start = time.perf_counter()
            render(words, "en", Path(tmp) / f"m{i}")
            misses.append(time.perf_counter() - start)
        cache = Path(tmp) / "hit"
        path = render(words, "en", cache)
        for _ in range(RENDER_HITS):
            start = time.perf_counter()
            render(words, "en", cache)
            hits.append(time.perf_counter() - start)
        size = path.stat().st_size
    return misses, hits, what, size


def run() -> str:
    line = Line()
    line.engine.tick(line.now, line.wall)
    answers: list[float] = []
    menus: list[float] = []
    rings: list[float] = []
    for _ in range(CALLS):
        a, m, r = line.call()
        answers.append(a)
        menus.append(m)
        rings.append(r)
    assert not line.engine.core.calls, "a call was left behind"
    misses, hits, what, size = render_timings()
    rows = [
        ("incoming line answered by the menu -> first `PlayPrompt` (`handle(LineRingStart)`)", answers),
        ("key 1 -> next menu's `PlayPrompt` (`handle(DigitReceived)`)", menus),
        ("key 1 -> extension rings, `StartRinging` (`handle(DigitReceived)`)", rings),
    ]
    m50, m99 = percentiles(misses)
    h50, h99 = percentiles(hits)
    return "\n".join([
        "## IVR: menu steps in the engine, prompt render cache", "",
        f"{CALLS} synthetic calls one after another on an analog line (caller ID, ring, two-level menu, "
        "202 answers, both hang up), fake clock; engine time of single steps, no I/O, no media.", "",
        "| step | samples | p50 | p99 |", "| --- | ---: | ---: | ---: |",
        *[f"| {name} | {len(s)} | {percentiles(s)[0]:.0f} µs | {percentiles(s)[1]:.0f} µs |" for name, s in rows],
        "",
        f"Prompt render (`firmware.prompts.render`, {what}; {size // 1024} KiB WAV) on the runtime thread "
        "before a prompt plays:", "",
        "| render | samples | p50 | p99 |", "| --- | ---: | ---: | ---: |",
        f"| cache miss (files read, joined, written) | {len(misses)} | {m50:.0f} µs | {m99:.0f} µs |",
        f"| cache hit (stat + hash) | {len(hits)} | {h50:.0f} µs | {h99:.0f} µs |",
        "",
    ])


if __name__ == "__main__":
    print(run())
