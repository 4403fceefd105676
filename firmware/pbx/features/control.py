"""Control commands of the office features from the API (`Engine.office`): the day/night switch of
time conditions (and its saved positions at start-up), mailbox changes made on the web page, the users'
portal settings, the imported phone book, and a status query.
Each handler returns a JSON-ready dict; a refused command raises `OfficeRefused` (an ApiError)."""

from __future__ import annotations

from dataclasses import dataclass

from firmware.contracts.errors import ApiError


class OfficeRefused(ApiError):
    """An office command that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class SetDayNight:
    condition: str            # time condition name ("" = every one)
    mode: str                 # auto, day or night


@dataclass(frozen=True)
class RestoreDayNight:
    """At start-up: the switch positions saved before the restart ((condition, day | night), the rest
    automatic); positions of conditions that no longer exist are dropped."""

    modes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class OfficeStatus:
    """The office features' live state (menus in use, day/night, mailboxes, DISA lockouts)."""


@dataclass(frozen=True)
class UserSettings:
    """An extension's portal settings (portal.json): its voicemail PIN (scrypt hash) and forwarding."""

    extension: str
    pin_hash: str = ""
    forward_always: str = ""
    forward_busy: str = ""
    forward_no_answer: str = ""
    follow_me: tuple[str, ...] = ()          # numbers rung after the desk phone rang alone ...
    follow_me_enabled: bool = False
    follow_me_after_s: float = 10.0          # ... this long
    follow_me_order: str = "parallel"        # parallel (all with the desk phone) or in_order (one at a time)


@dataclass(frozen=True)
class SetPhonebook:
    """The phone book imported from a CSV file (kept by the API in the state directory): (number, name)
    pairs used besides the config's own entries; handed over at start and after every import."""

    entries: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MailboxChanged:
    """Files of a mailbox were changed outside the engine (deleted on the web page): rescan it."""

    box: str
