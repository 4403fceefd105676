"""The running daemon: builds the box from the config and starts/stops its parts in order.

Start order: analog ports (port thread; every port up or in alarm) -> call engine and media
bridge (runtime thread, owner of pjsua2), given what the web page saved (day/night switch, each
extension's portal settings) before the first call -> call records -> API, control socket, web page ->
READY=1 to systemd. Stop runs in reverse; the port thread puts every line on-hook/open last.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from firmware.api.control import ControlServer
from firmware.api.facade import Api
from firmware.app.backends import LinuxBackend, VirtualBackend
from firmware.app.calibration import LineCalibrator
from firmware.app.compose import Analog, Backend, build_analog, fxo_settings, open_spi
from firmware.config.model import Config
from firmware.config.store import ConfigStore
from firmware.contracts.callerid import CallerId
from firmware.contracts.clock import MonotonicClock
from firmware.contracts.errors import ApiError, PbxError
from firmware.contracts.ports import PortAlarm, PortAlarmCleared, PortCommand, PortEvent, StartRinging, StopRinging
from firmware.drivers.fxo.port import FxoPort
from firmware.pbx.commands import fxs_leg
from firmware.pbx.engine import Engine
from firmware.pbx.legs import FxsState
from firmware.pbx.settings import PbxSettings
from firmware.runtime.cdr import CdrFilter, CdrStore
from firmware.runtime.heap import freeze_startup_objects, release_startup_objects
from firmware.runtime.loop import Runtime
from firmware.runtime.porthread import PortThread
from firmware.runtime.systemd import notify, setup_logging, watchdog_interval

__all__ = ["Daemon", "setup_logging"]

def operator_command(action: str, *, call_id: int | None, number: str, line: str, routes: list[str],
                     route: str = "") -> Any:
    """The engine's OperatorCommand for one operator-panel action on the phone of extension `line`."""
    from firmware.pbx import operator as op

    if not line:
        raise ApiError(f"{action}: choose your line (extension) first")
    if action == "call":
        index = routes.index(route) + 1 if route in routes else 1
        return op.ChooseRoute(line, route=index, number=number)
    build: dict[str, Callable[[], Any]] = {
        "hold": lambda: op.Hold(line), "retrieve": lambda: op.Retrieve(line, call_id),
        "transfer": lambda: op.BlindTransfer(line, to=number), "consult": lambda: op.Consult(line, to=number),
        "confirm": lambda: op.CompleteTransfer(line), "conference": lambda: op.ConferenceAdd(line, call_id),
        "record_start": lambda: op.RecordStart(line), "record_stop": lambda: op.RecordStop(line),
        "pickup": lambda: op.Pickup(line, ringing=number), "park": lambda: op.Park(line, lot=number),
        "unpark": lambda: op.RetrieveParked(line, slot=number),
    }
    if action not in build:
        raise ApiError(f"the call engine has no operator action {action!r}")
    return build[action]()

log = logging.getLogger("pbxd")
T = TypeVar("T")
PortEventListener = Callable[[list[PortEvent]], None]


def log_port_events(events: list[PortEvent]) -> None:
    for ev in events:
        level = logging.WARNING if isinstance(ev, PortAlarm) else logging.INFO
        name = type(ev).__name__
        detail = getattr(ev, "reason", "") or getattr(ev, "digit", "")
        log.log(level, "port %d: %s %s", ev.port, name, detail, extra={"port": ev.port, "event": name})


def timezone(cfg: Config, default: str) -> ZoneInfo | None:
    name = cfg.timezone or default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: using the system's", name)
        return None


class Daemon:
    def __init__(self, cfg: Config, *, state_dir: Path, http: str = "127.0.0.1:8080",
                 config_path: Path | None = None, media: bool = True) -> None:
        self.cfg = cfg
        self.state_dir = state_dir
        self.http = http
        self.config_path = config_path
        self.with_media = media
        self.clock = MonotonicClock()
        self.backend: Backend | None = None
        self.analog: Analog | None = None
        self.ports: PortThread | None = None
        self.runtime: Runtime | None = None
        self.cdr: CdrStore | None = None
        self.api: Api | None = None
        self.control: ControlServer | None = None
        self.web: Any = None
        self.edge: Any = None          # the SIP edge (Kamailio child process) when SIP is enabled
        self.sip: Any = None           # SipView: trunk rows, bans and call slots for the API
        self.edge_calls: Any = None    # EdgeCallImporter: records of the calls Kamailio routes alone
        self._alarms: dict[int, str] = {}
        self.stopping = False
        self._listeners: list[PortEventListener] = []
        self.calibrator: LineCalibrator | None = None

    @property
    def virtual(self) -> bool:
        return self.cfg.board.kind == "virtual"

    @property
    def board(self) -> Any:
        return self.backend.board if isinstance(self.backend, VirtualBackend) else None

    def add_listener(self, listener: PortEventListener) -> None:
        self._listeners.append(listener)

    def _on_port_events(self, events: list[PortEvent]) -> None:
        log_port_events(events)
        for ev in events:
            if isinstance(ev, PortAlarm):
                self._alarms[ev.port] = ev.reason
            elif isinstance(ev, PortAlarmCleared):
                self._alarms.pop(ev.port, None)
        if self.runtime is not None:
            self.runtime.post_events(events)
        for listener in self._listeners:
            listener(events)

    # --- start / stop ------------------------------------------------------------------------------
    def start(self) -> None:
        settings = PbxSettings.from_config(self.cfg)     # validate the dial plan before touching hardware
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.backend = VirtualBackend(self.cfg, self.clock) if self.virtual else LinuxBackend(self.cfg)
        self.analog = build_analog(self.cfg, self.backend, self.clock)
        self.cdr = CdrStore(self.state_dir / "cdr.sqlite")
        engine = Engine(settings)
        self.ports = PortThread(self.analog.loop, self.clock, on_events=self._on_port_events)
        sip = None
        if self.cfg.sip.enabled and self.with_media:
            from firmware.app.sipcompose import SipView, sip_factory, start_edge
            self.edge = start_edge(self.cfg, self.state_dir)
            sip = sip_factory(self.cfg, self.edge, engine)
            self.sip = SipView(self.edge, None)
        self.runtime = Runtime(engine, self.clock, self.ports, tz=timezone(self.cfg, self.analog.country.timezone),
                               cdr=self.cdr, media_factory=self._media if self.with_media else None,
                               sip_factory=sip)
        if sip is not None:
            self.sip.runtime = self.runtime
        self.runtime.start()
        if self.edge is not None:
            from firmware.app.sipcompose import start_edge_calls
            self.edge_calls = start_edge_calls(self.edge, self.runtime, self.cdr)
        self._restore_office()
        started = self.ports.start()
        total = len(self.analog.loop.slots)
        alarms = [e for e in started if isinstance(e, PortAlarm)]
        log.info("%d of %d ports up%s", total - len(alarms), total,
                 f"; in alarm: {', '.join(str(a.port) for a in alarms)}" if alarms else "")
        self.calibrator = LineCalibrator(
            command=self._port_command, current=lambda: self.cfg, store=lambda: ConfigStore(self.config_file),
            apply=self.apply_config, fxo_ports=sorted(self.analog.fxo))
        self.add_listener(self.calibrator.on_events)
        self.api = Api(self)
        self.control = ControlServer(self.api, self.state_dir / "pbxd.sock")
        self.control.start()
        self._start_web()
        freeze_startup_objects()
        notify("READY=1")
        notify(f"STATUS={total - len(alarms)}/{total} ports up")

    def _restore_office(self) -> None:
        """Hand the engine what was saved before this start: the day/night switch (daynight.json, written
        by the runtime on every change), the imported phone book (phonebook.csv) and each extension's portal
        settings (portal.json: voicemail PIN, forwarding, follow-me), so a restart changes nothing a caller
        notices."""
        from firmware.api import phonebook
        from firmware.api.portal import PortalSettings, user_settings
        from firmware.pbx.features.control import RestoreDayNight, SetPhonebook
        from firmware.runtime.office import load_day_night

        modes = load_day_night(self.state_dir)
        if modes:
            try:
                result = self.office(RestoreDayNight(modes))
                log.info("day/night switch restored: %s%s", ", ".join(map(str, result.get("restored", []))) or "-",
                         f"; dropped (no such time condition): {', '.join(map(str, result['dropped']))}"
                         if result.get("dropped") else "")
            except ApiError as exc:
                log.warning("day/night switch not restored: %s", exc)
        book = phonebook.load(self.state_dir)
        if book:
            try:
                self.office(SetPhonebook(tuple(book)))
            except ApiError as exc:
                log.warning("imported phone book not used: %s", exc)
        portal = PortalSettings(self.state_dir / "portal.json")
        try:
            extensions = portal.extensions()
        except (OSError, ValueError) as exc:
            log.warning("portal settings not read (%s): forwarding and PINs set in the portal are off", exc)
            return
        for ext in extensions:
            try:
                self.office(user_settings(ext, portal.raw(ext)))
            except ApiError as exc:
                log.warning("portal settings of %s not applied: %s", ext, exc)

    def _media(self) -> Any:
        from firmware.runtime.media import MediaSide
        from firmware.sip.endpoint import MediaEndpoint

        endpoint = MediaEndpoint()
        endpoint.start()
        assert self.analog is not None
        return MediaSide(endpoint, sorted(self.analog.loop.slots))

    def _start_web(self) -> None:
        try:
            from webui.server import WebServer
        except ImportError:
            log.info("web page not built into this daemon")
            return
        assert self.api is not None
        self.web = WebServer(self.api, self.http, self.state_dir)
        self.web.start()

    def run_until(self, done: threading.Event) -> None:
        interval = watchdog_interval()
        while not done.wait(interval or 1.0):
            if interval and self.healthy():
                notify("WATCHDOG=1")

    def healthy(self) -> bool:
        """The port loop and the runtime loop are both turning (a hung loop stops the pings)."""
        now = self.clock.now()
        ports_ok = self.ports is not None and now - self.ports.heartbeat < 2.0
        runtime_ok = self.runtime is not None and now - self.runtime.heartbeat < 2.0
        return ports_ok and runtime_ok

    def stop(self) -> None:
        self.stopping = True
        notify("STOPPING=1")
        for part in (self.web, self.control):
            if part is not None:
                part.stop()
        if self.ports is not None:
            self.ports.stop()          # lines on-hook, handsets' lines open
        if self.edge_calls is not None:
            self.edge_calls.stop()     # the last records of Kamailio's own calls, while the runtime runs
        if self.runtime is not None:
            self.runtime.stop()        # bridge torn down, pjsua2 destroyed
        if self.edge is not None:
            self.edge.stop()           # Kamailio last: pjsua2's BYEs went out through it
        if self.cdr is not None:
            self.cdr.close()
        release_startup_objects()

    # --- Backplane for the API -----------------------------------------------------------------------
    def on_runtime(self, fn: Callable[[], T]) -> T:
        assert self.runtime is not None
        return self.runtime.call(fn)

    def on_ports(self, fn: Callable[[], T]) -> T:
        assert self.ports is not None
        return self.ports.call(fn)

    def engine_snapshot(self) -> Any:
        assert self.runtime is not None
        runtime = self.runtime
        return runtime.call(lambda: runtime.engine.snapshot(self.clock.now()))

    def port_status(self) -> dict[int, dict[str, Any]]:
        assert self.analog is not None
        out: dict[int, dict[str, Any]] = {}
        for number in self.analog.loop.slots:
            driver: Any = self.analog.fxs.get(number) or self.analog.fxo.get(number)
            out[number] = {"alarm": self._alarms.get(number, ""), "chip": getattr(driver, "part", "") or ""}
        return out

    def set_mwi(self, extension: str, new: int, old: int = 0) -> dict[str, Any]:
        """Light (or put out) a SIP extension's message lamp (RFC 3842); voicemail will call this."""
        side = self.runtime.sip if self.runtime is not None else None
        if side is None or side.blf is None:
            raise ApiError("SIP is not running")
        side.blf.set_mwi(extension, new, old)
        return {"extension": extension, "new": new, "old": old}

    def sip_status(self) -> dict[str, Any]:
        """Trunk registrations, bans, registered phones, pbxd's SIP call slots."""
        from firmware.app.sipcompose import sip_status
        return sip_status(self.edge, self.runtime)

    def call_records(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        return [] if self.cdr is None else self.cdr.query(CdrFilter(**filters))

    # --- Backplane for the web page (issue 6) -----------------------------------------------------------
    @property
    def config_file(self) -> Path:
        """Where the web page stores the config: --config's file, else pbx.yaml in the state directory."""
        return self.config_path or self.state_dir / "pbx.yaml"

    def current_config(self) -> Config:
        return self.cfg

    def apply_config(self, cfg: Config) -> dict[str, Any]:
        """New dial plan, extensions, routes and timings for new calls (calls in progress keep theirs);
        returns the changed sections that only take effect after a restart (hardware set-up, web server)."""
        assert self.runtime is not None
        runtime = self.runtime
        settings = PbxSettings.from_config(cfg)
        runtime.call(lambda: runtime.execute(runtime.engine.reconfigure(settings, self.clock.now(), runtime.wall())))
        old, self.cfg = self.cfg, cfg
        restart = [name for name in ("board", "fxs", "fxo", "web", "sip", "trunks", "sip_extensions")
                   if getattr(old, name) != getattr(cfg, name)]    # SIP: Kamailio's config is made at start
        if "fxo" in restart and old.board == cfg.board and old.country == cfg.country:
            self._refresh_fxo(cfg)      # new line settings take over on each line's next idle moment
            restart.remove("fxo")
        if old.country != cfg.country:
            restart.append("country")   # tones and plan apply now; line (DAA) and caller-ID chip settings at restart
        if restart:
            log.info("config applied; after a restart also: %s", ", ".join(restart))
        return {"restart": restart}

    def _port_command(self, cmd: PortCommand) -> None:
        assert self.ports is not None
        self.ports.command(cmd)

    def _refresh_fxo(self, cfg: Config) -> None:
        """Build FXO drivers from the new settings; the port loop swaps each in when its line is idle."""
        assert self.analog is not None and self.backend is not None and self.ports is not None
        analog, backend, loop = self.analog, self.backend, self.analog.loop
        for m in cfg.board.modules:
            if m.type != "fxo" or m.port not in analog.fxo:
                continue
            settings = fxo_settings(cfg, analog.country, m)
            if settings == analog.fxo[m.port].s:
                continue
            driver = FxoPort(settings, open_spi(backend, m.cs), self.clock, chip_address=m.position)
            analog.fxo[m.port] = driver
            self.ports.call(partial(loop.replace_driver, m.port, driver))
            log.info("line %d: new settings take over when the line is idle", m.port, extra={"port": m.port})

    def calibrate_line(self, port: int, number: str = "", incoming_wait_s: float = 0.0) -> dict[str, Any]:
        assert self.calibrator is not None
        return self.calibrator.start(port, number, incoming_wait_s)

    def calibration(self, port: int) -> dict[str, Any]:
        assert self.calibrator is not None
        return self.calibrator.view(port)

    def office(self, cmd: Any) -> dict[str, Any]:
        """An office-feature command on the runtime thread (`Engine.office`): day/night switch, status,
        portal settings, mailbox changes; a refused one raises the engine's OfficeRefused (an ApiError)."""
        if self.runtime is None:
            raise ApiError("the call engine is not running")
        runtime = self.runtime
        engine: Any = runtime.engine

        def run() -> dict[str, Any]:
            runtime.execute(engine.office(cmd, self.clock.now(), runtime.wall()))
            return dict(engine.office_result)
        try:
            return runtime.call(run)
        except ApiError:
            raise
        except PbxError as exc:
            raise ApiError(str(exc)) from exc

    def operator_available(self) -> bool:
        return self.runtime is not None and callable(getattr(self.runtime.engine, "operator", None))

    def operator(self, action: str, call_id: int | None, number: str, *, line: str = "",
                 route: str = "") -> dict[str, Any]:
        """Run an operator command on the runtime thread (`Engine.operator(cmd, now, wall)`); a refused
        command raises the engine's OperatorRefused (an ApiError with the reason for the user)."""
        if self.runtime is None or not self.operator_available():
            raise ApiError("not available yet: this firmware's call engine has no operator actions")
        runtime = self.runtime
        cmd = operator_command(action, call_id=call_id, number=number, line=line, route=route,
                               routes=[r.name for r in self.cfg.routes])
        engine: Any = runtime.engine

        def run() -> dict[str, Any]:
            runtime.execute(engine.operator(cmd, self.clock.now(), runtime.wall()))
            return {str(k): v for k, v in dict(getattr(engine, "operator_result", {}) or {}).items()}
        try:
            result = runtime.call(run)
        except ApiError:
            raise
        except PbxError as exc:
            raise ApiError(str(exc)) from exc
        return {"action": action, "call_id": call_id, "result": result}

    def test_ring(self, port: int, seconds: float) -> dict[str, Any]:
        """Ring an idle FXS port with the country cadence and a test caller ID for `seconds`."""
        assert self.runtime is not None
        runtime = self.runtime
        leg_id = fxs_leg(port)

        def idle() -> bool:
            leg = runtime.engine.core.fxs.get(leg_id)
            if leg is None:
                raise ApiError(f"port {port} is not an FXS port")
            return leg.state is FxsState.IDLE

        if not runtime.call(idle):
            raise ApiError(f"port {port} is busy: the test ring needs an idle extension")
        cadence = runtime.engine.settings.ring_cadence
        runtime.call(lambda: runtime.execute([StartRinging(port, cadence, CallerId(number="0000", name="Test"))]))

        def stop_if_idle() -> None:
            if idle():                 # the engine did not take the port over meanwhile
                runtime.execute([StopRinging(port)])

        def stop() -> None:
            if self.runtime is runtime and not self.stopping:
                runtime.submit(stop_if_idle)   # not waited for: the daemon may be stopping
        timer = threading.Timer(seconds, stop)
        timer.daemon = True
        timer.start()
        return {"port": port, "ringing": True, "seconds": seconds}

    def trunk_status(self) -> list[dict[str, Any]]:
        """SIP trunks' registration state, once the SIP side provides it (`self.sip.trunk_status()`)."""
        sip = getattr(self, "sip", None)
        status = getattr(sip, "trunk_status", None)
        return list(status()) if callable(status) else []
