"""The port loop: moves every analog port's PCM, runs the port DSP and ticks the chip drivers.

This is the software equivalent of a TDM interrupt handler. Each `step(now)`:
1. takes audio toward each line (a driver's own signal such as a caller-ID spill, or the
   media bridge's audio, or silence), encodes it for the chip and queues it on the slot;
2. lets the virtual board (if any) render the line up to `now`;
3. reads what each chip put on the highway, decodes it, runs the port DSP (software DTMF,
   FXO echo cancellation, caller-ID and tone detection) and hands the result to the bridge;
4. ticks every driver whose deadline has come.
One thread owns all drivers and channels; the engine talks to it with commands and gets
port events back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol, cast

import numpy as np

from firmware.contracts.pcm import PcmChannel
from firmware.contracts.ports import PortAlarm, PortCommand, PortEvent, PortKind
from firmware.dsp import g711
from firmware.dsp.g711 import Law

FRAME = 80  # samples per audio step (10 ms at 8 kHz)
MAX_AHEAD = 4       # at most 40 ms queued toward a line
RELAX_STEPS = 500   # 5 s without a gap lets the queue shrink by one frame


class FxsLike(Protocol):
    @property
    def law(self) -> Law: ...

    @property
    def next_deadline(self) -> float: ...

    def start(self) -> list[PortEvent]: ...

    def tick(self, now: float) -> list[PortEvent]: ...

    def handle(self, cmd: PortCommand, now: float) -> list[PortEvent]: ...

    def process_audio(self, from_line: np.ndarray, now: float) -> list[PortEvent]: ...

    def pending_output(self, n: int, now: float) -> np.ndarray | None: ...

    def stop(self) -> None: ...


class FxoLike(Protocol):
    @property
    def law(self) -> Law: ...

    @property
    def next_deadline(self) -> float: ...

    def start(self) -> list[PortEvent]: ...

    def tick(self, now: float) -> list[PortEvent]: ...

    def handle(self, cmd: PortCommand, now: float) -> list[PortEvent]: ...

    def process_audio(self, from_line: np.ndarray, to_line: np.ndarray,
                      now: float) -> tuple[np.ndarray, list[PortEvent]]: ...

    def pending_output(self, n: int, now: float) -> np.ndarray | None: ...

    def stop(self) -> None: ...


class AudioRouter(Protocol):
    """The media side (conference bridge) as the port loop sees it."""

    def port_audio_in(self, port: int, samples: np.ndarray) -> None: ...

    def port_audio_out(self, port: int, n: int) -> np.ndarray | None: ...

    def port_active(self, port: int) -> bool:
        """True when the port's media node is connected to anything on the bridge."""
        ...


@dataclass
class PortSlot:
    number: int
    kind: PortKind
    driver: FxsLike | FxoLike
    channel: PcmChannel
    sent: list[np.ndarray] = field(default_factory=list)   # blocks queued toward the line, not yet echoed
    frames_in: int = 0
    frames_out: int = 0
    ahead: int = 1          # frames kept queued toward the line (adapts to the loop's own jitter)
    calm_steps: int = 0
    starved_seen: int = 0
    starvations: int = 0    # times the chip found the queue empty (each one an audible gap)


class PortLoop:
    def __init__(self, slots: Iterable[PortSlot], *, board_step: Callable[[], None] | None = None,
                 router: AudioRouter | None = None, frame: int = FRAME) -> None:
        self.slots = {s.number: s for s in slots}
        self.board_step = board_step
        self.router = router
        self.frame = frame
        self._silence = np.zeros(frame, np.int16)
        self._silence_code = {law: g711.encode(self._silence, law) for law in Law}
        self.taps: dict[int, Callable[[np.ndarray, np.ndarray], None]] = {}
        self.pending: dict[int, FxsLike | FxoLike] = {}   # drivers waiting for their port to be idle
        self.replaced: list[int] = []

    def start(self) -> list[PortEvent]:
        events: list[PortEvent] = []
        for slot in self.slots.values():
            try:
                events += slot.driver.start()
            except Exception as exc:  # a broken port must never stop the others
                events.append(PortAlarm(slot.number, 0.0, reason=f"start failed: {exc}"))
        return events

    def stop(self) -> None:
        for slot in self.slots.values():
            try:
                slot.driver.stop()
            except Exception:
                pass

    def command(self, cmd: PortCommand, now: float) -> list[PortEvent]:
        slot = self.slots.get(cmd.port)
        if slot is None:
            raise ValueError(f"no port {cmd.port} on this board")
        return slot.driver.handle(cmd, now)

    def replace_driver(self, port: int, driver: FxsLike | FxoLike) -> None:
        """Swap in a driver built from new settings as soon as the port is idle (calls are never cut).

        The new driver must not be started: it initialises its chip step by step from its first
        tick, so no other port waits for it."""
        if port not in self.slots:
            raise ValueError(f"no port {port} on this board")
        self.pending[port] = driver

    def _swap_idle(self) -> None:
        for port, driver in list(self.pending.items()):
            slot = self.slots[port]
            if getattr(slot.driver, "replaceable", False):
                try:
                    slot.driver.stop()
                except Exception:
                    pass
                slot.driver = driver
                del self.pending[port]
                self.replaced.append(port)

    def step(self, now: float) -> list[PortEvent]:
        events: list[PortEvent] = []
        if self.pending:
            self._swap_idle()
        for slot in self.slots.values():
            self._queue_output(slot, now)
        if self.board_step is not None:
            self.board_step()
        for slot in self.slots.values():
            events += self._take_input(slot, now)
        for slot in self.slots.values():
            if now >= slot.driver.next_deadline:
                events += slot.driver.tick(now)
        return events

    # --- audio -----------------------------------------------------------------------------
    def _adapt_ahead(self, slot: PortSlot) -> None:
        """Queue as little as the loop's timing allows: one frame, one more after each time the chip ran
        dry (a late step), back down after 5 s without that. Latency stays low, gaps stay rare."""
        starved = int(getattr(slot.channel, "starved", 0))
        if starved > slot.starved_seen:
            slot.starved_seen = starved
            if slot.frames_out > 2 * MAX_AHEAD:     # not the start-up, before anything was queued
                slot.starvations += 1
                slot.ahead = min(slot.ahead + 1, MAX_AHEAD)
            slot.calm_steps = 0
        else:
            slot.calm_steps += 1
            if slot.calm_steps >= RELAX_STEPS and slot.ahead > 1:
                slot.ahead -= 1
                slot.calm_steps = 0

    def _queue_output(self, slot: PortSlot, now: float) -> None:
        self._adapt_ahead(slot)
        while slot.channel.queued() < slot.ahead * self.frame:
            block = slot.driver.pending_output(self.frame, now)
            if block is None and self.router is not None:
                block = self.router.port_audio_out(slot.number, self.frame)
            if block is None:
                block = self._silence
                slot.channel.write(self._silence_code[slot.driver.law])
            else:
                slot.channel.write(g711.encode(block, slot.driver.law))
            slot.sent.append(block)
            slot.frames_out += 1
            if len(slot.sent) > 8:
                del slot.sent[0]

    def _quiet(self, slot: PortSlot) -> bool:
        if slot.kind is not PortKind.FXS or slot.number in self.taps:
            return False
        if getattr(slot.driver, "listening", True):
            return False
        return self.router is None or not self.router.port_active(slot.number)

    def _take_input(self, slot: PortSlot, now: float) -> list[PortEvent]:
        events: list[PortEvent] = []
        if self._quiet(slot):
            # An idle FXS port: nobody needs its audio; drain the slot without decoding it.
            while slot.channel.available() >= self.frame:
                slot.channel.read(self.frame)
                if slot.sent:
                    slot.sent.pop(0)
            return events
        while slot.channel.available() >= self.frame:
            raw = slot.channel.read(self.frame)
            audio = g711.decode(raw, slot.driver.law)
            reference = slot.sent.pop(0) if slot.sent else self._silence
            if slot.kind is PortKind.FXS:
                events += cast(FxsLike, slot.driver).process_audio(audio, now)
                clean = audio
            else:
                clean, more = cast(FxoLike, slot.driver).process_audio(audio, reference, now)
                events += more
            tap = self.taps.get(slot.number)
            if tap is not None:
                tap(clean, reference)
            if self.router is not None:
                self.router.port_audio_in(slot.number, clean)
            slot.frames_in += 1
        return events
