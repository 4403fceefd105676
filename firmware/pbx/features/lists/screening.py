"""Inbound screening, before a line's (or DID's) call reaches its destination: the phone book gives the
caller a name (handset displays, call records); block lists (per line or global, exact numbers or masks,
anonymous callers) give blocked callers their treatment - busy, an announcement, hang up, or a mailbox;
allow lists (white lists) send their callers straight to a set destination, past the menu; caller routes
send callers by number mask (numbers starting 812 to the St Petersburg group) before the line's own
destination. Block lists are checked first, then allow lists, then caller routes, each in config order."""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import replace

from firmware.config.callers import CallerListConfig
from firmware.pbx.core import Core
from firmware.pbx.features.goto import Router
from firmware.pbx.features.phonebook import PhoneBook, matches
from firmware.pbx.parties import FxoParty
from firmware.pbx.party import Identity
from firmware.pbx.state import Call


class ScreenOutcome(enum.Enum):
    BLOCKED = "blocked"
    ALLOWED = "allowed"            # a white-listed caller sent to its destination
    ROUTED = "routed"              # a caller route by number mask
    PASSED = "passed"              # on to the line's destination


class Screening:
    def __init__(self, core: Core, router: Router, book: PhoneBook | None = None) -> None:
        self.core = core
        self.router = router
        self.book = book if book is not None else PhoneBook(core)
        self.results: deque[tuple[int, ScreenOutcome, str]] = deque(maxlen=100)
        core.hooks.inbound.append(self._screen)

    @property
    def iso(self) -> str:
        return self.core.settings.country.iso

    def _applies(self, lines: list[str], call: Call) -> bool:
        return not lines or call.line in lines or call.caller in lines

    def listed(self, lst: CallerListConfig, call: Call) -> str:
        """The entry (number or mask) of `lst` the caller matches ("" if none)."""
        if not self._applies(lst.lines, call):
            return ""
        return next((e.number for e in lst.entries if matches(e.number, call.from_number, self.iso)), "")

    def _screen(self, core: Core, call: Call) -> bool:
        self._name(call)
        office = core.settings.office
        for lst in [x for x in office.caller_lists if x.kind == "block"]:
            entry = self.listed(lst, call)
            if entry:
                self._block(call, lst, entry)
                return True
        for lst in [x for x in office.caller_lists if x.kind == "allow"]:
            entry = self.listed(lst, call)
            if entry:
                call.extra["caller_list"] = {"list": lst.name, "entry": entry, "to": lst.destination}
                self._taken(call, ScreenOutcome.ALLOWED, lst.name)
                self.router.send(call, lst.destination)
                return True
        for i, route in enumerate(office.caller_routes):
            if self._applies(route.lines, call) and matches(route.caller, call.from_number, self.iso):
                call.extra["caller_route"] = {"route": route.name or route.caller, "to": route.destination}
                self._taken(call, ScreenOutcome.ROUTED, route.name or f"caller_routes[{i}]")
                self.router.send(call, route.destination)
                return True
        self.results.append((call.id, ScreenOutcome.PASSED, ""))
        return False

    def _taken(self, call: Call, outcome: ScreenOutcome, what: str) -> None:
        self.results.append((call.id, outcome, what))
        call.flow, call.unreachable = "", None

    def _block(self, call: Call, lst: CallerListConfig, entry: str) -> None:
        call.extra["blocked"] = {"list": lst.name, "entry": entry, "treatment": lst.treatment}
        self._taken(call, ScreenOutcome.BLOCKED, lst.name)
        if lst.treatment == "busy":
            self.router.busy(call)
        elif lst.treatment == "announcement":
            self.router.announce(call, (lst.announcement, "goodbye"))
        elif lst.treatment == "voicemail":
            self.router.send(call, f"voicemail:{lst.mailbox}")
        else:
            self.router.hang_up(call, f"blocked by list {lst.name}")

    def _name(self, call: Call) -> None:
        """The phone book's name for the caller (when the caller ID has none, or always if so set)."""
        name = self.book.name(call.from_number)
        if not name or (call.from_name and not self.core.settings.office.phonebook.replace_name):
            return
        call.from_name = name
        call.extra["phonebook"] = name
        if call.caller_id is not None:
            call.caller_id = replace(call.caller_id, name=name)
        party = self.core.parties.get(call.caller)
        if isinstance(party, FxoParty) or (party is not None and hasattr(party, "remote")):
            party.remote = Identity(call.from_number, name)
