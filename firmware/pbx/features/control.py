"""Control commands of the office features from the API (`Engine.office`): the day/night switch of
time conditions, mailbox changes made on the web page, the users' portal settings, and a status query.
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


@dataclass(frozen=True)
class MailboxChanged:
    """Files of a mailbox were changed outside the engine (deleted on the web page): rescan it."""

    box: str
