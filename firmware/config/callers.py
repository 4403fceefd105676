"""Caller-facing configuration besides the attendant: black and white lists, caller-ID routing by
number mask, the local phone book, DISA (dial-in with a PIN), paging/intercom groups and music-on-hold
classes. Number masks use the dial-pattern syntax of routes (`_812X.`: 812 and at least one more digit)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from firmware.config.attendant import DEST_DOC, DEST_SYNTAX, NAME_SYNTAX, PROMPT_SYNTAX
from firmware.config.dialplan import LINE_SYNTAX, PATTERN_SYNTAX, PermissionName
from firmware.config.ringgroups import NUMBER_SYNTAX, doc

CALLER_SYNTAX = rf"\+?[0-9]{{1,24}}|{PATTERN_SYNTAX}|anonymous"
CALLER_DOC = "an exact number (with or without +), a mask like _812X. (812 and more digits), or anonymous"


@dataclass(frozen=True)
class ListEntryConfig:
    number: str = field(metadata=doc(CALLER_DOC, pattern=CALLER_SYNTAX, pattern_doc="not a number or mask"))
    name: str = field(default="", metadata=doc("who it is (web page, call records)", pattern=r"[^\n]{0,40}"))


@dataclass(frozen=True)
class CallerListConfig:
    name: str = field(metadata=doc("list name", pattern=NAME_SYNTAX,
                                   pattern_doc="lower-case letters, digits, _ or -"))
    kind: Literal["block", "allow"] = field(default="block", metadata=doc(
        "block: these callers get `treatment`; allow: they skip the menu and go to `destination`"))
    lines: list[str] = field(default_factory=list, metadata=doc(
        "lines (fxo:5, trunk:<name>) the list applies to; empty = every line (global)"))
    entries: list[ListEntryConfig] = field(default_factory=list, metadata=doc("numbers and masks"))
    treatment: Literal["busy", "announcement", "hangup", "voicemail"] = field(default="hangup", metadata=doc(
        "blocked callers: busy tone, an announcement, hang up at once, or a mailbox"))
    announcement: str = field(default="call_rejected", metadata=doc(
        "prompt for the announcement treatment", pattern=PROMPT_SYNTAX))
    mailbox: str = field(default="", metadata=doc("mailbox for the voicemail treatment",
                                                  pattern=f"({NUMBER_SYNTAX})?"))
    destination: str = field(default="", metadata=doc(
        "allow lists: where these callers go instead of the line's destination (skipping the menu); "
        + DEST_DOC, pattern=DEST_SYNTAX, pattern_doc="not a destination (see the field's help)"))

    def check(self) -> list[tuple[str, str]]:
        out = [(f"lines[{i}]", f"{line!r} is not a line name") for i, line in enumerate(self.lines)
               if not re.fullmatch(LINE_SYNTAX, line)]
        if self.kind == "block" and self.treatment == "voicemail" and not self.mailbox:
            out.append(("mailbox", "the voicemail treatment needs a mailbox"))
        if self.kind == "allow" and not self.destination:
            out.append(("destination", "an allow list needs a destination"))
        return out


@dataclass(frozen=True)
class CallerRouteConfig:
    caller: str = field(metadata=doc(CALLER_DOC, pattern=CALLER_SYNTAX, pattern_doc="not a number or mask"))
    destination: str = field(metadata=doc(DEST_DOC, pattern=DEST_SYNTAX,
                                          pattern_doc="not a destination (see the field's help)"))
    lines: list[str] = field(default_factory=list, metadata=doc("lines it applies to; empty = every line"))
    name: str = field(default="", metadata=doc("label (call records)", pattern=r"[^\n]{0,40}"))

    def check(self) -> list[tuple[str, str]]:
        out = [(f"lines[{i}]", f"{line!r} is not a line name") for i, line in enumerate(self.lines)
               if not re.fullmatch(LINE_SYNTAX, line)]
        return out + ([] if self.destination else [("destination", "a caller route needs a destination")])


@dataclass(frozen=True)
class PhonebookEntryConfig:
    number: str = field(metadata=doc("number as the caller ID shows it (with or without +, national form)",
                                     pattern=r"\+?[0-9]{2,24}", pattern_doc="digits, optionally with a leading +"))
    name: str = field(metadata=doc("name shown on the handsets and in call records", pattern=r"[^\n]{1,40}"))


@dataclass(frozen=True)
class PhonebookConfig:
    entries: list[PhonebookEntryConfig] = field(default_factory=list, metadata=doc(
        "numbers and names typed in here; a CSV file imported on the web page (Office) or with pbxctl "
        "phonebook-import is kept beside the config (phonebook.csv) and used as well; these win"))
    replace_name: bool = field(default=False, metadata=doc(
        "use the phone book's name even when the caller ID brings one"))


@dataclass(frozen=True)
class DisaPinConfig:
    pin: str = field(metadata=doc("PIN (4-12 digits)", pattern=r"[0-9]{4,12}", pattern_doc="4-12 digits"))
    name: str = field(default="", metadata=doc("whose PIN (call records)", pattern=r"[^\n]{0,32}"))
    permission: PermissionName = field(default="national", metadata=doc(
        "highest class of outside numbers this PIN may call (emergency numbers always)"))
    routes: list[str] = field(default_factory=list, metadata=doc("routes this PIN may use; empty = all"))
    internal: bool = field(default=True, metadata=doc("may call extensions and groups"))


@dataclass(frozen=True)
class DisaConfig:
    name: str = field(metadata=doc("name (disa:<name> sends calls here)", pattern=NAME_SYNTAX,
                                   pattern_doc="lower-case letters, digits, _ or -"))
    number: str = field(default="", metadata=doc("optional number that reaches it", pattern=f"({NUMBER_SYNTAX})?"))
    pins: list[DisaPinConfig] = field(default_factory=list, metadata=doc("PINs and what each may dial"))
    max_attempts: int = field(default=3, metadata=doc(
        "wrong PINs from one number (anonymous callers count together) before it is locked out", min=1, max=10))
    lockout_s: int = field(default=900, metadata=doc("how long a locked-out number is refused", min=10,
                                                     max=86400))
    pin_timeout_s: float = field(default=10.0, metadata=doc("time to enter the PIN", min=3.0, max=60.0))

    def check(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = [] if self.pins else [("pins", "DISA needs at least one PIN")]
        seen: dict[str, int] = {}
        for i, p in enumerate(self.pins):
            if p.pin in seen:
                out.append((f"pins[{i}].pin", f"the same PIN as pins[{seen[p.pin]}]"))
            seen.setdefault(p.pin, i)
        return out


@dataclass(frozen=True)
class PagingConfig:
    name: str = field(metadata=doc("name (paging:<name>)", pattern=NAME_SYNTAX,
                                   pattern_doc="lower-case letters, digits, _ or -"))
    number: str = field(metadata=doc("dial this to page", pattern=NUMBER_SYNTAX))
    members: list[str] = field(default_factory=list, metadata=doc("extensions paged (analog and IP phones)"))
    duplex: bool = field(default=False, metadata=doc(
        "intercom: the paged phones may answer back (else they only listen)"))
    ring_s: int = field(default=15, metadata=doc(
        "analog handsets ring (distinctive) this long for someone to lift", min=3, max=120))
    cadence: Literal["distinctive1", "distinctive2", "distinctive3", "distinctive4"] = field(
        default="distinctive4", metadata=doc("the ring analog handsets hear for a page"))
    beep: bool = field(default=True, metadata=doc("a short beep to the paged phones before the voice"))


@dataclass(frozen=True)
class MusicClassConfig:
    name: str = field(metadata=doc("class name", pattern=NAME_SYNTAX, pattern_doc="lower-case letters, digits, _ or -"))
    file: str = field(metadata=doc("WAV file (8 kHz mono best), looped; relative = in the state directory"))
    extensions: list[str] = field(default_factory=list, metadata=doc(
        "callers these extensions hold (or park) hear this class"))
    groups: list[str] = field(default_factory=list, metadata=doc(
        "callers waiting for these ring groups (ringback: music) hear this class"))

    def check(self) -> list[tuple[str, str]]:
        return [] if re.search(r"\.wav$", self.file, re.IGNORECASE) else [("file", "a .wav file")]


@dataclass(frozen=True)
class MusicConfig:
    classes: list[MusicClassConfig] = field(default_factory=list, metadata=doc(
        "named music-on-hold files and who uses them (others hear features.hold.music)"))
