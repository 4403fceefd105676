"""The port thread: runs the port loop in real time every 10 ms and owns the drivers and board.

Other threads never touch drivers or the virtual board directly: they `submit` a function
that the port thread runs between two steps (and get its result through a Future), and
they receive port events through the `on_events` callback (called on the port thread; it
must only enqueue).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from firmware.contracts.clock import Clock
from firmware.contracts.ports import PortCommand, PortEvent
from firmware.runtime.ports import PortLoop

log = logging.getLogger("pbxd.ports")
T = TypeVar("T")


class PortThread:
    def __init__(self, loop: PortLoop, clock: Clock, *, period: float = 0.010,
                 on_events: Callable[[list[PortEvent]], None] | None = None) -> None:
        self.loop = loop
        self.clock = clock
        self.period = period
        self.on_events = on_events or (lambda events: None)
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pbx-ports", daemon=True)
        self.steps = 0
        self.late_steps = 0
        self.started = threading.Event()
        self.start_events: list[PortEvent] = []
        self.heartbeat = 0.0

    def start(self) -> list[PortEvent]:
        """Start the ports (blocking until every port is initialised or in alarm) and the thread."""
        self._thread.start()
        self.started.wait()
        return self.start_events

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        fut: Future[T] = Future()
        if not self._thread.is_alive() and self.started.is_set():
            fut.set_exception(RuntimeError("the port thread is not running"))
            return fut
        self._jobs.put((fn, fut))
        return fut

    def call(self, fn: Callable[[], T], timeout: float = 5.0) -> T:
        return self.submit(fn).result(timeout)

    def command(self, cmd: PortCommand) -> Future[list[PortEvent]]:
        def run() -> list[PortEvent]:
            events = self.loop.command(cmd, self.clock.now())
            if events:
                self.on_events(events)
            return events
        return self.submit(run)

    def _run(self) -> None:
        try:
            self.start_events = self.loop.start()
        except Exception:
            log.exception("port start failed")
        finally:
            self.started.set()
        if self.start_events:
            self.on_events(self.start_events)
        next_at = time.monotonic()
        try:
            while not self._stop.is_set():
                self._run_jobs()
                now = self.clock.now()
                try:
                    events = self.loop.step(now)
                except Exception:
                    log.exception("port loop step failed")
                    events = []
                if events:
                    self.on_events(events)
                self.steps += 1
                self.heartbeat = time.monotonic()
                next_at += self.period
                delay = next_at - time.monotonic()
                if delay > 0:
                    self._stop.wait(delay)
                else:
                    self.late_steps += 1
                    if delay < -10 * self.period:  # far behind (suspend, debugger): resynchronise
                        next_at = time.monotonic()
        finally:
            self._run_jobs()
            self.loop.stop()

    def _run_jobs(self) -> None:
        while True:
            try:
                fn, fut = self._jobs.get_nowait()
            except queue.Empty:
                return
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn())
                except BaseException as exc:
                    fut.set_exception(exc)
