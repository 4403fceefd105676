"""The runtime loop: the one thread that owns all PBX state.

It owns the call engine and the pjsua2 endpoint (worker threads off; this thread pumps it with
`poll`), runs the engine's timers, takes port events from the port thread and jobs from the
web/API thread through one queue, and executes the engine's commands: port commands go to the
port thread, media commands to the bridge, call records to the CDR writer thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar

from firmware.contracts.clock import Clock
from firmware.contracts.errors import FirmwareError
from firmware.contracts.ports import PortCommand, PortEvent
from firmware.pbx.commands import (
    CdrRecord,
    MediaCommand,
    OfficeJob,
    PromptFinished,
    RecordingStopped,
    SendMail,
    StartRecording,
    SweepRecordings,
)
from firmware.pbx.engine import Engine
from firmware.pbx.sipmsg import SipCommand
from firmware.runtime.cdr import CdrStore
from firmware.runtime.mail import MailSender
from firmware.runtime.porthread import PortThread
from firmware.runtime.retention import sweep

log = logging.getLogger("pbxd.runtime")
T = TypeVar("T")
POLL_MS = 5     # pjsua2 poll slice: port events wait at most this long for the engine
RETENTION_S = 3600.0   # recording retention also runs this often (and at start), recording or not


@dataclass
class RuntimeStats:
    events: int = 0
    commands: int = 0
    errors: int = 0
    loops: int = 0
    recent_errors: list[str] = field(default_factory=list)


def cdr_row(rec: CdrRecord) -> dict[str, Any]:
    return {
        "call_id": str(rec.call_id), "start": rec.start.isoformat(timespec="seconds"),
        "answer": rec.answer.isoformat(timespec="seconds") if rec.answer else None,
        "end": rec.end.isoformat(timespec="seconds"), "duration": float(rec.duration_s),
        "billsec": float(rec.billable_s), "src": rec.from_number, "src_name": rec.from_name,
        "dst": rec.to, "direction": rec.direction.value, "route": rec.route, "line": rec.line,
        "disposition": rec.disposition.value, "hangup_side": rec.hangup_side.value,
        "answer_source": rec.answer_source.value if rec.answer_source else "",
        "extra": rec.extra_text,
    }


class Runtime:
    def __init__(self, engine: Engine, clock: Clock, ports: PortThread, *, tz: tzinfo | None = None,
                 cdr: CdrStore | None = None, media_factory: Callable[[], Any] | None = None,
                 sip_factory: Callable[[Any], Any] | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.ports = ports
        self.tz = tz
        self.cdr = cdr
        self._media_factory = media_factory
        self._sip_factory = sip_factory   # (MediaSide) -> SipSide, on this thread after the media side
        self.sip: Any = None              # SipSide once started (pjsua2 calls of SIP legs)
        self._blf_seen = -1
        self.media: Any = None        # MediaSide once started
        self.endpoint: Any = None
        self._inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pbx-runtime", daemon=True)
        self.stats = RuntimeStats()
        self.heartbeat = 0.0
        self.cdr_listeners: list[Callable[[CdrRecord], None]] = []
        self.next_retention: float | None = None      # the first loop sweeps at once

    # --- other threads -----------------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the runtime thread did not start in time")
        if self._start_error is not None:
            raise RuntimeError(f"runtime start failed: {self._start_error}") from self._start_error

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def post_events(self, events: list[PortEvent]) -> None:
        """Called on the port thread: queue port events for the engine."""
        for ev in events:
            self._inbox.put(("event", ev))
        self._wake.set()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        fut: Future[T] = Future()
        self._inbox.put(("job", (fn, fut)))
        self._wake.set()
        return fut

    def call(self, fn: Callable[[], T], timeout: float = 5.0) -> T:
        if threading.current_thread() is self._thread:
            return fn()
        return self.submit(fn).result(timeout)

    # --- the loop ----------------------------------------------------------------------------
    def wall(self) -> datetime:
        return datetime.now(self.tz).astimezone(self.tz)

    def _run(self) -> None:
        try:
            if self._media_factory is not None:
                self.media = self._media_factory()
                self.endpoint = self.media.endpoint
                self.ports.loop.router = self.media.router
            if self._sip_factory is not None:
                self.sip = self._sip_factory(self.media)
        except BaseException as exc:  # reported to start()
            self._start_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while not self._stop.is_set():
                self._once()
        finally:
            self._shutdown_media()

    def _once(self) -> None:
        now = self.clock.now()
        deadline = self.engine.next_deadline
        wait = POLL_MS / 1000
        if deadline is not None:
            wait = max(0.0, min(wait, deadline - now))
        if self.endpoint is not None:
            self.endpoint.poll(int(wait * 1000))
        else:
            self._wake.wait(wait)
        if self._wake.is_set():         # (clear() takes the Event's lock: only when needed)
            self._wake.clear()
        if not self._inbox.empty():     # (get_nowait on an empty queue raises: costly 200 times a second)
            self._drain()
        self._office_poll()
        if self.sip is not None:
            self._sip_events()
        now = self.clock.now()
        deadline = self.engine.next_deadline
        if deadline is not None and deadline <= now:
            self._guarded("tick", lambda: self.engine.tick(now, self.wall()))
        self.housekeeping(now)
        self.stats.loops += 1
        self.heartbeat = time.monotonic()

    def _drain(self) -> None:
        while True:
            try:
                kind, item = self._inbox.get_nowait()
            except queue.Empty:
                return
            if kind == "event":
                self.stats.events += 1
                ev: PortEvent = item

                def step(ev: PortEvent = ev) -> list[Any]:
                    relayed = self.sip.port_event(ev) if self.sip is not None else []
                    return relayed + list(self.engine.handle(ev, self.clock.now(), self.wall()))
                self._guarded(type(ev).__name__, step, port=ev.port)
            else:
                fn, fut = item
                if fut.set_running_or_notify_cancel():
                    try:
                        fut.set_result(fn())
                    except BaseException as exc:
                        fut.set_exception(exc)

    def _guarded(self, what: str, step: Callable[[], list[Any]], port: int | None = None) -> None:
        """Run one engine step; an engine error is logged and never stops the loop."""
        try:
            commands = step()
        except FirmwareError as exc:
            self.stats.errors += 1
            self.stats.recent_errors = [*self.stats.recent_errors[-9:], str(exc)]
            log.error("engine refused %s: %s", what, exc, extra={"port": port, "event": what})
            try:  # timers that ran before the refused event left their commands pending
                commands = self.engine.tick(self.clock.now(), self.wall())
            except FirmwareError:
                return
        self.execute(commands)

    def execute(self, commands: list[Any]) -> None:
        for cmd in commands:
            self.stats.commands += 1
            try:
                if isinstance(cmd, PortCommand):
                    self.ports.command(cmd)
                elif isinstance(cmd, StartRecording):
                    self._start_recording(cmd)
                elif isinstance(cmd, MediaCommand):
                    if self.media is not None:
                        self._prepare_feature_media()
                        self.media.apply(cmd)
                elif isinstance(cmd, OfficeJob):
                    self.office().run(cmd, self.clock.now())
                elif isinstance(cmd, SipCommand):
                    if self.sip is not None:
                        self.sip.apply(cmd)
                    else:
                        log.error("SIP command without SIP: %r", cmd)
                elif isinstance(cmd, CdrRecord):
                    if self.cdr is not None:
                        self.cdr.add(cdr_row(cmd))
                    for listener in self.cdr_listeners:
                        listener(cmd)
                elif isinstance(cmd, SendMail | SweepRecordings):
                    self._feature_job(cmd)
                else:
                    log.error("unknown engine command %r", cmd)
            except Exception:
                self.stats.errors += 1
                log.exception("command %r failed", cmd)

    def _sip_events(self) -> None:
        """SIP events the last poll produced, one engine step each; then BLF states."""
        for ev in self.sip.take_events(self.clock.now()):
            self.stats.events += 1

            def step(ev: Any = ev) -> list[Any]:
                return list(self.sip.engine_step(ev, self.clock.now(), self.wall()))
            self._guarded(type(ev).__name__, step)
        if self.stats.commands != self._blf_seen:        # lamps change only when the engine acted
            self._blf_seen = self.stats.commands
            self.sip.update_blf(self.engine.core)

    # --- feature jobs: mail, recordings ----------------------------------------------------------------
    def state_dir(self) -> Path:
        """Where relative recording paths live: beside the call records."""
        return self.cdr.path.parent if self.cdr is not None else Path.cwd()

    def housekeeping(self, now: float) -> None:
        """Recording retention on the clock (at start, then every RETENTION_S): old recordings go by age
        and size even on a box where nobody records now (the engine asks for sweeps only while recording)."""
        if self.cdr is None or (self.next_retention is not None and now < self.next_retention):
            return                               # (without call records there is no state directory)
        self.next_retention = now + RETENTION_S
        self.execute([self.engine.features.recording.sweep()])

    def _feature_job(self, cmd: SendMail | SweepRecordings) -> None:
        if isinstance(cmd, SendMail):
            settings = self.engine.settings.mail
            sender = getattr(self, "mail", None)
            if sender is None:
                sender = self.mail = MailSender(settings)
            elif sender.cfg != settings:         # changed on the web page: the next mail goes the new way
                sender.configure(settings)
            sender.send(cmd)
            return
        result = sweep(cmd, self.state_dir())
        if result.low_space and self.media is not None:
            for call_id in self.media.features_media().stop_all_recordings():
                self._recording_stopped(call_id, f"{result.reason}, {cmd.min_free_mb} MB needed")

    # --- office features: prompts that ended, voicemail files and mails ----------------------------------
    def office(self) -> Any:
        """The voicemail executor (firmware.runtime.office), made on first use."""
        office = getattr(self, "_office", None)
        if office is None:
            from firmware.runtime.office import OfficeRuntime

            def sip_mwi(extension: str, new: int, old: int) -> None:
                blf = getattr(self.sip, "blf", None) if self.sip is not None else None
                if blf is not None:
                    blf.set_mwi(extension, new, old)
            office = self._office = OfficeRuntime(self.state_dir, self._media_report, self._send_mail, sip_mwi)
        return office

    def _send_mail(self, mail: SendMail) -> None:
        self._feature_job(mail)

    def _media_report(self, event: object) -> None:
        self._guarded(type(event).__name__, lambda: self.engine.media_event(event, self.clock.now(), self.wall()))

    def _prepare_feature_media(self) -> None:
        fm = self.media.features_media()
        fm.base = self.state_dir()
        fm.custom_prompts = fm.base / self.engine.settings.office.prompts.directory

    def _office_poll(self) -> None:
        office = getattr(self, "_office", None)
        if office is not None and office.pending:
            office.poll(self.clock.now())
        if self.media is not None and getattr(self.media, "_features_media", None) is not None:
            for leg in self.media.features_media().finished_prompts():
                self._media_report(PromptFinished(leg))

    def _start_recording(self, cmd: StartRecording) -> None:
        if self.media is None:
            return
        fm = self.media.features_media()
        fm.base = self.state_dir()
        try:
            fm.apply(cmd)
        except FirmwareError as exc:           # cannot create the file (disk full, permissions)
            self._recording_stopped(cmd.call_id, str(exc))

    def _recording_stopped(self, call_id: int, reason: str) -> None:
        log.warning("recording of call %d stopped: %s", call_id, reason)
        self.execute(self.engine.media_event(RecordingStopped(call_id, reason), self.clock.now(), self.wall()))

    def _shutdown_media(self) -> None:
        if self.sip is not None:
            try:
                self.sip.close()
            except Exception:
                log.exception("SIP shutdown failed")
            self.sip = None
        if self.media is None:
            return
        try:
            self.ports.loop.router = None
            self.media.close()
            self.endpoint.shutdown()
        except Exception:
            log.exception("media shutdown failed")
        self.media = None
        self.endpoint = None
