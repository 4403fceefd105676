"""The running daemon: builds the box from the config and starts/stops its parts in order."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from firmware.app.backends import LinuxBackend, VirtualBackend
from firmware.app.compose import Analog, Backend, build_analog
from firmware.config.model import Config
from firmware.contracts.clock import MonotonicClock
from firmware.contracts.ports import PortAlarm, PortEvent
from firmware.runtime.porthread import PortThread
from firmware.runtime.systemd import notify, setup_logging, watchdog_interval

__all__ = ["Daemon", "setup_logging"]

log = logging.getLogger("pbxd")
PortEventListener = Callable[[list[PortEvent]], None]


def log_port_events(events: list[PortEvent]) -> None:
    for ev in events:
        level = logging.WARNING if isinstance(ev, PortAlarm) else logging.INFO
        name = type(ev).__name__
        detail = getattr(ev, "reason", "") or getattr(ev, "digit", "")
        log.log(level, "port %d: %s %s", ev.port, name, detail,
                extra={"port": ev.port, "event": name})


class Daemon:
    def __init__(self, cfg: Config, *, state_dir: Path, http: str = "127.0.0.1:8080",
                 config_path: Path | None = None) -> None:
        self.cfg = cfg
        self.state_dir = state_dir
        self.http = http
        self.config_path = config_path
        self.clock = MonotonicClock()
        self.backend: Backend | None = None
        self.analog: Analog | None = None
        self.ports: PortThread | None = None
        self._listeners: list[PortEventListener] = []

    @property
    def virtual(self) -> bool:
        return self.cfg.board.kind == "virtual"

    def add_listener(self, listener: PortEventListener) -> None:
        self._listeners.append(listener)

    def _on_port_events(self, events: list[PortEvent]) -> None:
        log_port_events(events)
        for listener in self._listeners:
            listener(events)

    def start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.backend = VirtualBackend(self.cfg, self.clock) if self.virtual else LinuxBackend(self.cfg)
        self.analog = build_analog(self.cfg, self.backend, self.clock)
        self.ports = PortThread(self.analog.loop, self.clock, on_events=self._on_port_events)
        started = self.ports.start()
        alarms = [e for e in started if isinstance(e, PortAlarm)]
        total = len(self.analog.loop.slots)
        log.info("%d of %d ports up%s", total - len(alarms), total,
                 f"; in alarm: {', '.join(str(a.port) for a in alarms)}" if alarms else "")
        notify("READY=1")
        notify(f"STATUS={total - len(alarms)}/{total} ports up")

    def run_until(self, done: threading.Event) -> None:
        interval = watchdog_interval()
        while not done.wait(interval or 1.0):
            if interval and self.healthy():
                notify("WATCHDOG=1")

    def healthy(self) -> bool:
        """The port loop is stepping (a hung loop stops the watchdog pings)."""
        if self.ports is None:
            return False
        return self.clock.now() - self.ports.heartbeat < 2.0

    def stop(self) -> None:
        notify("STOPPING=1")
        if self.ports is not None:
            self.ports.stop()

