"""The API facade: thread-safe snapshots and validated commands for the web page and pbxctl.

Nothing here touches engine, driver or board state directly: reads and writes are marshalled
onto the thread that owns the state (`Backplane.on_runtime` for the call engine,
`Backplane.on_ports` for drivers and the virtual board). Every command is validated first and
refused with an `ApiError` whose message is meant for the user.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from firmware.api.configure import ConfigService
from firmware.api.history import History
from firmware.api.portal import MediaFiles, PortalSettings
from firmware.api.system import CpuMeter, disk_use, load_average
from firmware.contracts.callerid import CallerId, CidAbsence
from firmware.contracts.errors import ApiError
from firmware.dsp.levels import dbm0, dominant_frequency

T = TypeVar("T")
DIGITS = re.compile(r"[0-9*#A-D]{1,32}")
NUMBER = re.compile(r"[0-9+*#]{1,32}")


class Backplane(Protocol):
    """What the composition root provides to the API."""

    def on_runtime(self, fn: Callable[[], T]) -> T: ...

    def on_ports(self, fn: Callable[[], T]) -> T: ...

    def engine_snapshot(self) -> Any: ...

    def port_status(self) -> dict[int, dict[str, Any]]: ...

    @property
    def board(self) -> Any: ...        # the virtual board, or None on real hardware

    def call_records(self, filters: dict[str, Any]) -> list[dict[str, Any]]: ...

    # --- added for the web page (issue 6) ---
    @property
    def state_dir(self) -> Path: ...    # passwords, call records, recordings, voicemail

    @property
    def config_file(self) -> Path: ...  # where the web page stores the configuration

    def current_config(self) -> Any: ...  # the Config in force

    def apply_config(self, cfg: Any) -> dict[str, Any]: ...   # {"restart": [sections needing a restart]}

    def operator_available(self) -> bool: ...

    def operator(self, action: str, call_id: int | None, number: str, *, line: str = "",
                 route: str = "") -> dict[str, Any]: ...

    def test_ring(self, port: int, seconds: float) -> dict[str, Any]: ...

    def trunk_status(self) -> list[dict[str, Any]]: ...

    def calibrate_line(self, port: int, number: str = "", incoming_wait_s: float = 0.0) -> dict[str, Any]: ...

    def calibration(self, port: int) -> dict[str, Any]: ...

    def office(self, cmd: Any) -> dict[str, Any]: ...   # Engine.office (day/night, status, portal settings)


def plain(obj: Any) -> Any:
    """Dataclasses/tuples -> JSON-ready dicts/lists."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {k: plain(v) for k, v in asdict(obj).items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    return obj


OPERATOR_ACTIONS: dict[str, tuple[bool, bool]] = {   # action -> (needs a selected call, needs a number)
    "call": (False, True), "hold": (False, False), "retrieve": (False, False), "transfer": (False, True),
    "consult": (False, True), "confirm": (False, False), "conference": (False, False),
    "record_start": (False, False), "record_stop": (False, False), "pickup": (False, True),
    "park": (False, False), "unpark": (False, True),
}


class Api:
    def __init__(self, backplane: Backplane) -> None:
        self.bp = backplane
        self.config = ConfigService(backplane.config_file, backplane.current_config, backplane.apply_config)
        self.history = History(backplane.call_records)
        self.media = MediaFiles(backplane.state_dir, self._media_directories)
        self.portal = PortalSettings(backplane.state_dir / "portal.json")
        self._phonebook_lock = threading.Lock()
        self._cpu = CpuMeter()

    def _media_directories(self) -> dict[str, str]:
        cfg = self.bp.current_config()
        return {"recordings": cfg.features.recording.directory, "voicemail": cfg.voicemail.directory}

    # --- status --------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        snap = self.bp.engine_snapshot()
        hardware = self.bp.port_status()
        ports = []
        for p in snap.ports:
            hw = hardware.get(p.port, {})
            status = "alarm" if hw.get("alarm") else p.status
            ports.append({**plain(p), "status": status, "alarm": hw.get("alarm") or p.alarm,
                          "chip": hw.get("chip", "")})
        return {"ports": ports, "calls": plain(snap.calls), "virtual": self.bp.board is not None,
                "parked": plain(getattr(snap, "parked", ())), "trunks": self.bp.trunk_status(),
                "sip_bans": self._sip_bans(),
                "operator": self.bp.operator_available()}

    def _sip_bans(self) -> list[dict[str, Any]]:
        """Addresses the SIP edge bans now (address, reason: auth/flood/scanner, seconds left)."""
        sip = getattr(self.bp, "sip", None)
        bans = getattr(sip, "bans", None)
        return list(bans()) if callable(bans) else []

    def system(self) -> dict[str, Any]:
        return {"cpu_percent": self._cpu.percent(), "load": load_average(), "disk": disk_use(self.bp.state_dir)}

    def web_settings(self) -> Any:
        """The `web:` config section (WebConfig)."""
        return self.bp.current_config().web

    # --- operator panel ------------------------------------------------------------------------
    def operator(self, action: str, call_id: int | None, number: str, *, line: str = "",
                 route: str = "") -> dict[str, Any]:
        """One operator action on the selected call; refused (ApiError) if the engine cannot."""
        needs = OPERATOR_ACTIONS.get(action)
        if needs is None:
            raise ApiError(f"unknown operator action {action!r}; known: {', '.join(OPERATOR_ACTIONS)}")
        needs_call, needs_number = needs
        if needs_call and call_id is None:
            raise ApiError(f"{action}: select a call in the table first")
        if not line:
            raise ApiError(f"{action}: choose your line (extension) first")
        if needs_number and not number:
            raise ApiError(f"{action}: a number is needed")
        if number and not NUMBER.fullmatch(number):
            raise ApiError(f"number must be digits, + * or #, got {number!r}")
        if line and not re.fullmatch(r"[0-9]{2,6}", line):
            raise ApiError(f"line must be an extension number, got {line!r}")
        if route and not re.fullmatch(r"[A-Za-z0-9_ .-]{1,32}", route):
            raise ApiError(f"not a route name: {route!r}")
        if not self.bp.operator_available():
            raise ApiError("not available yet: this firmware's call engine has no operator actions")
        return self.bp.operator(action, call_id, number, line=line, route=route)

    def test_ring(self, port: int, seconds: float = 6.0) -> dict[str, Any]:
        """Ring an idle extension's handset for a few seconds (the setup wizard's test call)."""
        if not 1.0 <= seconds <= 30.0:
            raise ApiError("a test ring lasts 1-30 seconds")
        return self.bp.test_ring(port, seconds)

    # --- office features: day/night, status, prompts -------------------------------------------
    def office_status(self) -> dict[str, Any]:
        """Menus in use, time conditions (mode, schedule, in force), mailboxes, DISA lockouts."""
        from firmware.pbx.features.control import OfficeStatus
        return self.bp.office(OfficeStatus())

    def day_night(self, condition: str, mode: str) -> dict[str, Any]:
        """Switch a time condition ("" = all) to auto, day (forced open) or night (forced closed)."""
        from firmware.pbx.features.control import SetDayNight
        if mode not in ("auto", "day", "night"):
            raise ApiError("mode must be auto, day or night")
        if condition and not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", condition):
            raise ApiError(f"not a time condition name: {condition!r}")
        return self.bp.office(SetDayNight(condition, mode))

    def upload_prompt(self, language: str, name: str, data: bytes, suffix: str) -> dict[str, Any]:
        """A customer's recording for prompt `name` (WAV/MP3/OGG), converted with sox to 8 kHz mono
        16-bit and stored as <state>/<prompts.directory>/<language>/<name>.wav (it replaces the shipped one)."""
        from firmware.api.prompts import convert_prompt
        directory = self.bp.current_config().prompts.directory
        base = Path(directory) if Path(directory).is_absolute() else self.bp.state_dir / directory
        return convert_prompt(base, language, name, data, suffix)

    def portal_update(self, extension: str, values: dict[str, Any]) -> dict[str, Any]:
        """Store an extension's portal settings and hand its PIN, forwarding and follow-me to the call engine."""
        from firmware.pbx.features.outdial import permitted_for
        from firmware.pbx.settings import PbxSettings
        rights = PbxSettings.from_config(self.bp.current_config())
        settings = self.portal.update(extension, values, lambda ext, number: permitted_for(rights, ext, number))
        self.push_portal(extension)
        return settings

    def push_portal(self, extension: str) -> None:
        from firmware.api.portal import user_settings
        try:
            self.bp.office(user_settings(extension, self.portal.raw(extension)))
        except ApiError:
            pass                                    # the engine is not running: the daemon hands them over at start

    def delete_voicemail(self, extension: str, relpath: str) -> None:
        """Delete a message of the extension's own mailbox (WAV and JSON) and tell the call engine, so
        the message counts, the stutter dial tone and the message lamp follow at once."""
        from firmware.pbx.features.control import MailboxChanged
        self.media.delete_voicemail(extension, relpath)
        try:
            self.bp.office(MailboxChanged(extension))
        except ApiError:
            pass                                    # the engine is not running: it scans the boxes when it starts

    # --- the phone book (CSV) ------------------------------------------------------------------
    def phonebook_import(self, data: bytes, *, merge: bool = False) -> dict[str, Any]:
        """Import a CSV phone book (firmware.api.phonebook): every row or none. The entries replace the
        imported book (`merge`: are added to it, imported names winning), are kept in the state directory
        and handed to the call engine: new calls see the names at once."""
        from firmware.api import phonebook
        parsed = phonebook.parse(data)
        if parsed.problems:
            raise ApiError("nothing imported: " + phonebook.report(parsed.problems))
        with self._phonebook_lock:
            current = phonebook.load(self.bp.state_dir) if merge else []
            entries = phonebook.merge(current, parsed.entries)
            if len(entries) > phonebook.MAX_ENTRIES:
                raise ApiError(f"nothing imported: the phone book would hold {len(entries)} entries, "
                               f"at most {phonebook.MAX_ENTRIES}")
            try:
                phonebook.save(self.bp.state_dir, entries)
            except OSError as exc:
                raise ApiError(f"nothing imported: the phone book could not be stored ({exc})") from exc
            self.push_phonebook(entries)
        return {"imported": len(parsed.entries), "skipped": parsed.skipped, "entries": len(entries),
                "merged": merge}

    def push_phonebook(self, entries: list[tuple[str, str]]) -> None:
        from firmware.pbx.features.control import SetPhonebook
        try:
            self.bp.office(SetPhonebook(tuple(entries)))
        except ApiError:
            pass                                    # the engine is not running: the daemon hands it over at start

    def phonebook_entries(self) -> list[tuple[str, str]]:
        """The phone book in use: the config's own entries, then the imported ones not already there."""
        from firmware.api import phonebook
        own = [(e.number, e.name) for e in self.bp.current_config().phonebook.entries]
        numbers = {number for number, _name in own}
        return own + [(n, name) for n, name in phonebook.load(self.bp.state_dir) if n not in numbers]

    def phonebook_export(self) -> str:
        """The phone book in use as CSV text (header number,name), as `phonebook_import` reads it back."""
        from firmware.api import phonebook
        return phonebook.export(self.phonebook_entries())

    # --- call records ----------------------------------------------------------------------
    def call_records(self, **filters: Any) -> list[dict[str, Any]]:
        allowed = {"since", "until", "direction", "extension", "number", "disposition", "limit", "order"}
        unknown = set(filters) - allowed
        if unknown:
            raise ApiError(f"unknown call-record filter(s): {', '.join(sorted(unknown))}")
        return self.bp.call_records(filters)

    # --- the virtual board -------------------------------------------------------------------
    def _board(self) -> Any:
        if self.bp.board is None:
            raise ApiError("this box runs on real hardware: there are no virtual handsets")
        return self.bp.board

    def _handset(self, port: int) -> Any:
        board = self._board()
        try:
            return board.handset(port)
        except KeyError as exc:
            raise ApiError(f"port {port} has no virtual handset") from exc

    def handset(self, port: int, action: str, arg: str = "") -> dict[str, Any]:
        """off-hook, on-hook, flash [ms], press <digits>, dial <digits> (rotary), tone <Hz> (mic)."""
        handset = self._handset(port)
        if action in ("press", "dial") and not DIGITS.fullmatch(arg):
            raise ApiError(f"{action}: digits 0-9 * # A-D expected, got {arg!r}")
        if action == "flash" and arg and not arg.isdigit():
            raise ApiError(f"flash: a duration in ms expected, got {arg!r}")
        ops: dict[str, Callable[[], None]] = {
            "off-hook": handset.off_hook,
            "on-hook": handset.on_hook,
            "flash": lambda: handset.flash(int(arg or 120)),
            "press": lambda: handset.press(arg),
            "dial": lambda: handset.dial_pulse(arg),
            "tone": lambda: handset.mic_tone(float(arg or 1000), -10.0),
            "silence": handset.mic_silence,
        }
        if action not in ops:
            raise ApiError(f"unknown handset action {action!r}; use one of {', '.join(ops)}")

        def run() -> None:
            try:
                ops[action]()
            except RuntimeError as exc:  # e.g. flashing while still dialling
                raise ApiError(str(exc)) from exc
        self.bp.on_ports(run)
        return self.handset_view(port)

    def handset_view(self, port: int) -> dict[str, Any]:
        handset = self._handset(port)

        def read() -> dict[str, Any]:
            heard = handset.earpiece(since=handset.clock.now() - 0.5) if handset.hook else []
            level = dbm0(heard) if len(heard) else -120.0
            display = [{"at": e.at, "number": e.caller_id.display_number(), "name": e.caller_id.name or "",
                        "call_waiting": e.call_waiting} for e in handset.display[-5:]]
            return {"port": port, "off_hook": handset.hook, "ringing": handset.ringing,
                    "display": display, "mwi": handset.mwi_lamp,
                    "hearing": {"level_dbm0": round(level, 1),
                                "frequency_hz": round(dominant_frequency(heard)) if level > -50 else None}}
        return self.bp.on_ports(read)

    def ring_line(self, port: int, number: str = "", name: str = "", private: bool = False) -> dict[str, Any]:
        """Make the virtual exchange ring an FXO port (an incoming call from the PSTN)."""
        if number and not NUMBER.fullmatch(number):
            raise ApiError(f"caller number must be digits, got {number!r}")
        board = self._board()
        try:
            exchange = board.exchange(port)
        except KeyError as exc:
            raise ApiError(f"port {port} is not an FXO port on a virtual exchange line") from exc
        if private:
            cid = CallerId(number_absence=CidAbsence.PRIVATE, name_absence=CidAbsence.PRIVATE)
        else:
            cid = CallerId(number=number or None, name=name or None)
        self.bp.on_ports(lambda: exchange.ring(cid))
        return {"port": port, "ringing": True}

    # --- automatic line calibration ------------------------------------------------------------
    def calibrate_line(self, port: int, number: str = "", incoming_wait_s: float = 0.0) -> dict[str, Any]:
        """Start calibrating an FXO line: a test call to `number` and/or an incoming test call."""
        if number and not NUMBER.fullmatch(number):
            raise ApiError(f"the test number must be digits, got {number!r}")
        return self.bp.calibrate_line(port, number, float(incoming_wait_s))

    def calibration(self, port: int) -> dict[str, Any]:
        """The last calibration of a line: running or not, the result with its evidence, saved or not."""
        return self.bp.calibration(port)

    def line_hangup(self, port: int) -> dict[str, Any]:
        """The far party on a virtual exchange line hangs up."""
        board = self._board()
        try:
            exchange = board.exchange(port)
        except KeyError as exc:
            raise ApiError(f"port {port} is not an FXO port on a virtual exchange line") from exc
        self.bp.on_ports(exchange.far_hangup)
        return {"port": port}
