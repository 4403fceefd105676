"""The setup wizard's steps for a new box: country, time zone, extensions, PSTN lines, SIP trunk.

Each step is a small change to the config through `ConfigService.update` (validated, stored,
applied live). The country is one field: it sets tones, ring cadence, caller ID, the line (DAA)
settings and the page language together. The SIP-trunk step exists only when this build's config
has a `sip` section. `finish()` leaves a marker so the wizard is not offered again.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import time
import typing
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_type_hints

from firmware.api.configure import ConfigService, SaveResult, config_fields
from firmware.api.forms import Widget, collect, describe, keep_secrets, typed_into, widget
from firmware.config.model import Config
from firmware.contracts.errors import ApiError
from firmware.telephony.countries import COUNTRIES

STEPS = ("country", "password", "extensions", "lines", "trunk", "test")
LANGUAGES = ("en", "de", "ru", "pl")
TRUNK = "trunks[0]"


def countries() -> list[dict[str, str]]:
    return [{"iso": c.iso, "name": c.name, "language": c.language, "timezone": c.timezone}
            for c in sorted(COUNTRIES.values(), key=lambda c: c.name)]


@functools.cache
def _all_timezones() -> frozenset[str]:
    """The system's tz database, scanned once: the scan opens some 600 files, which on a busy box (the port
    loop holding the GIL between them) made the setup page take seconds; the list does not change while
    pbxd runs."""
    return frozenset(zoneinfo.available_timezones())


def timezones() -> list[str]:
    return sorted(z for z in _all_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


class Setup:
    def __init__(self, config: ConfigService, state_dir: Path) -> None:
        self.config = config
        self.marker = state_dir / "setup-done"
        if not self.done:
            _all_timezones()      # scanned at start-up, before the ports keep the box busy

    @property
    def done(self) -> bool:
        return self.marker.exists()

    @property
    def sip_available(self) -> bool:
        return {"sip", "trunks"} <= set(config_fields())

    def _trunk_type(self) -> type:
        hints = get_type_hints(Config)
        return typing.cast(type, get_args(hints["trunks"])[0])

    def trunk_form(self) -> list[Widget]:
        """The SIP edge's on/off switch and the first trunk's fields (generated from the SIP config)."""
        if not self.sip_available:
            return []
        cfg: Any = self.config.current()
        sip_fields = {f.name: f for f in dataclasses.fields(cfg.sip)}
        enabled = widget("enabled", bool, cfg.sip.enabled, "sip.enabled", sip_fields["enabled"].metadata)
        first = cfg.trunks[0] if cfg.trunks else None
        return [enabled, *describe(self._trunk_type(), first, TRUNK)]

    def set_trunk(self, form: Mapping[str, str]) -> SaveResult:
        if not self.sip_available:
            raise ApiError("this firmware has no SIP trunks")
        item = self._trunk_type()
        typed = typed_into(item, form, TRUNK)
        row = collect(item, form, TRUNK)

        def change(data: dict[str, Any]) -> None:
            data.setdefault("sip", {})["enabled"] = bool(form.get("sip.enabled"))
            if typed:
                trunks = list(data.get("trunks") or [])
                trunks[0:1] = [keep_secrets(row, trunks[0] if trunks else None)]
                data["trunks"] = trunks
        return self.config.update(change)

    def steps(self) -> list[str]:
        return [s for s in STEPS if s != "trunk" or self.sip_available]

    def finish(self) -> None:
        self.marker.parent.mkdir(parents=True, exist_ok=True)
        self.marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))

    def language(self) -> str:
        """The page language that goes with the configured country (en if we have no catalogue)."""
        iso = self.config.current().country.upper()
        lang = COUNTRIES[iso].language if iso in COUNTRIES else "en"
        return lang if lang in LANGUAGES else "en"

    # --- steps -----------------------------------------------------------------------------
    def set_country(self, iso: str, timezone: str) -> SaveResult:
        iso = iso.strip().upper()
        if timezone and timezone not in _all_timezones():
            return SaveResult(ok=False, errors={"timezone": f"unknown time zone {timezone!r}"}, general=[],
                              restart=[])

        def change(data: dict[str, Any]) -> None:
            data["country"] = iso
            data["timezone"] = timezone
        return self.config.update(change)

    def extensions(self) -> list[dict[str, Any]]:
        cfg = self.config.current()
        by_port = {e.port: e for e in cfg.extension_list()}
        return [{"port": p, "number": by_port[p].number if p in by_port else "",
                 "name": by_port[p].name if p in by_port else ""} for p in cfg.ports_of("fxs")]

    def set_extensions(self, rows: list[dict[str, str]]) -> SaveResult:
        """One extension per FXS port; a port left without a number gets none. Errors are keyed
        extensions[i].number etc. where i counts the ports that got an extension."""
        cfg = self.config.current()
        kept = {e.port: e for e in cfg.extension_list()}
        exts = []
        for row in rows:
            port = int(row["port"])
            if port not in cfg.ports_of("fxs"):
                raise ApiError(f"port {port} is not an FXS port")
            number = row.get("number", "").strip()
            if not number:
                continue
            old = kept.get(port)
            entry: dict[str, Any] = {"number": number, "port": port, "name": row.get("name", "").strip()}
            if old is not None:
                entry.update(permission=old.permission, call_waiting=old.call_waiting)
            exts.append(entry)

        def change(data: dict[str, Any]) -> None:
            data["extensions"] = exts
        return self.config.update(change)

    def lines(self) -> list[dict[str, Any]]:
        cfg = self.config.current()
        inbound = {i.line: i.destination for i in cfg.inbound}
        first = cfg.extension_list()[0].number if cfg.extension_list() else ""
        return [{"port": p, "line": f"fxo:{p}", "destination": inbound.get(f"fxo:{p}", first),
                 "dial": cfg.fxo_port(p).dial} for p in cfg.ports_of("fxo")]

    def set_lines(self, rows: list[dict[str, str]]) -> SaveResult:
        cfg = self.config.current()
        ports = cfg.ports_of("fxo")
        inbound = [{"line": i.line, "destination": i.destination} for i in cfg.inbound
                   if not i.line.startswith("fxo:")]
        fxo = {p.port: p for p in cfg.fxo}
        for row in rows:
            port = int(row["port"])
            if port not in ports:
                raise ApiError(f"port {port} is not an FXO port")
            dial = row.get("dial", "dtmf")
            if dial == "dtmf":
                fxo[port] = dataclasses.replace(cfg.fxo_port(port), dial="dtmf")
            elif dial == "pulse":
                fxo[port] = dataclasses.replace(cfg.fxo_port(port), dial="pulse")
            else:
                raise ApiError("dial: dtmf or pulse")
            destination = row.get("destination", "").strip()
            if destination:
                if not re.fullmatch(r"[0-9]{2,6}", destination):
                    raise ApiError(f"line {port}: the destination is an extension number")
                inbound.append({"line": f"fxo:{port}", "destination": destination})

        def change(data: dict[str, Any]) -> None:
            data["inbound"] = inbound
            old = {int(p["port"]): p for p in data.get("fxo", [])}
            for port, pc in sorted(fxo.items()):
                old.setdefault(port, {"port": port})["dial"] = pc.dial
            data["fxo"] = [old[p] for p in sorted(old)]
        return self.config.update(change)

