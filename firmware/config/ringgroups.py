"""Ring-group configuration: up to three stages of members (extensions or outside numbers through a
route, with weekday + HH:MM schedules), strategies, a final destination, caller-ID prefix, distinctive
ring, ringback or music, anonymous-caller destination, missed-call rules and mails, the daily report
(the 3CX/Placetel "ring group" practice described in our users' brief)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY = "(mon|tue|wed|thu|fri|sat|sun)"
DAYS_SYNTAX = f"{_DAY}(-{_DAY})?(,{_DAY}(-{_DAY})?)*"
TIME_SYNTAX = r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00"
NUMBER_SYNTAX = r"[0-9]{2,6}"
MAIL_SYNTAX = r"[^@\s]+@[^@\s]+"
Strategy = Literal["ring_all", "in_order", "memory_hunt"]
Cadence = Literal["default", "distinctive1", "distinctive2", "distinctive3", "distinctive4"]
FinalKind = Literal["hangup", "extension", "group", "outside", "voicemail", "ivr"]


def doc(text: str, **limits: object) -> dict[str, object]:
    return {"doc": text, **limits}


def day_set(days: str) -> frozenset[int]:
    """"mon-fri,sun" -> {0, 1, 2, 3, 4, 6} (Monday = 0); ranges may wrap ("fri-mon")."""
    out: set[int] = set()
    for part in days.split(","):
        first, _, last = part.partition("-")
        a = WEEKDAYS.index(first)
        b = WEEKDAYS.index(last) if last else a
        out.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    return frozenset(out)


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


@dataclass(frozen=True)
class ScheduleWindow:
    days: str = field(default="mon-fri", metadata=doc(
        "weekdays, e.g. mon-fri or sat,sun", pattern=DAYS_SYNTAX, pattern_doc="weekdays like mon-fri or sat,sun"))
    start: str = field(default="08:00", metadata=doc("from (HH:MM, the box's time zone)", pattern=TIME_SYNTAX,
                                                      pattern_doc="a time is HH:MM"))
    end: str = field(default="18:00", metadata=doc("until (HH:MM, exclusive; 24:00 = midnight)",
                                                    pattern=TIME_SYNTAX, pattern_doc="a time is HH:MM"))

    def check(self) -> list[tuple[str, str]]:
        if re.fullmatch(TIME_SYNTAX, self.start) and re.fullmatch(TIME_SYNTAX, self.end) \
                and minutes(self.end) <= minutes(self.start):
            return [("end", f"{self.end} is not after {self.start}")]
        return []


@dataclass(frozen=True)
class MemberConfig:
    extension: str = field(default="", metadata=doc("an extension number that rings ...",
                                                    pattern=f"({NUMBER_SYNTAX})?"))
    number: str = field(default="", metadata=doc(
        "... or an outside number (a mobile) dialled through `route`, as an extension would dial it",
        pattern=r"[0-9*#]{0,24}"))
    route: str = field(default="", metadata=doc("route for `number`; empty = the first route that matches"))
    schedule: list[ScheduleWindow] = field(default_factory=list, metadata=doc(
        "rings only inside these windows (empty = always)"))

    def check(self) -> list[tuple[str, str]]:
        if bool(self.extension) == bool(self.number):
            return [("", "a member is either an extension or an outside number")]
        return []


@dataclass(frozen=True)
class StageConfig:
    members: list[MemberConfig] = field(default_factory=list, metadata=doc("who rings in this stage"))
    ring_s: int = field(default=20, metadata=doc("how long this stage rings", min=5, max=600))
    strategy: Strategy = field(default="ring_all", metadata=doc(
        "ring_all at once; in_order one after another; memory_hunt first, then first two, ..."))
    step_s: int = field(default=10, metadata=doc(
        "in_order / memory_hunt: seconds before the next member is added", min=3, max=120))

    def check(self) -> list[tuple[str, str]]:
        return [] if self.members else [("members", "a stage needs at least one member")]


@dataclass(frozen=True)
class FinalConfig:
    type: FinalKind = field(default="hangup", metadata=doc(
        "after the last stage: hangup, extension, group, outside (a number), voicemail (the mailbox `number`) "
        "or ivr (the menu with number `number`)"))
    number: str = field(default="", metadata=doc("extension, group, mailbox or outside number",
                                                 pattern=r"[0-9*#]{0,24}"))
    fallback: str = field(default="", metadata=doc(
        "extension or group if the mailbox or menu does not exist; empty = hang up", pattern=f"({NUMBER_SYNTAX})?"))

    def check(self) -> list[tuple[str, str]]:
        if self.type != "hangup" and not self.number:
            return [("number", f"a final destination of type {self.type} needs a number")]
        return []


@dataclass(frozen=True)
class MissedConfig:
    min_wait_s: int = field(default=0, metadata=doc(
        "a caller who gave up sooner than this is not a missed call", min=0, max=600))
    answered_elsewhere: Literal["not_missed", "missed"] = field(default="not_missed", metadata=doc(
        "a call answered by someone outside the group (final destination, pickup) counts as ..."))
    email: list[str] = field(default_factory=list, metadata=doc(
        "mail every missed call to these addresses (instead of each member calling back)"))

    def check(self) -> list[tuple[str, str]]:
        return [(f"email[{i}]", f"{a!r} is not a mail address") for i, a in enumerate(self.email)
                if not re.fullmatch(MAIL_SYNTAX, a)]


@dataclass(frozen=True)
class ReportConfig:
    email: list[str] = field(default_factory=list, metadata=doc("daily activity mail to (empty = none)"))
    time: str = field(default="18:00", metadata=doc("when (HH:MM, the box's time zone)", pattern=TIME_SYNTAX,
                                                    pattern_doc="a time is HH:MM"))
    include_calls: bool = field(default=True, metadata=doc("attach the call list (CSV) and list it in the mail"))

    def check(self) -> list[tuple[str, str]]:
        return [(f"email[{i}]", f"{a!r} is not a mail address") for i, a in enumerate(self.email)
                if not re.fullmatch(MAIL_SYNTAX, a)]


@dataclass(frozen=True)
class RingGroupConfig:
    number: str = field(metadata=doc("the group's number (dialled, or an inbound destination)",
                                     pattern=NUMBER_SYNTAX, pattern_doc="a group number is 2-6 digits"))
    name: str = field(default="", metadata=doc("name (mails, web page)", pattern=r"[^\n]{0,32}"))
    stages: list[StageConfig] = field(default_factory=list, metadata=doc("one to three stages, rung in turn"))
    final: FinalConfig = field(default_factory=FinalConfig, metadata=doc("where the call goes after the stages"))
    cid_name_prefix: str = field(default="", metadata=doc(
        "put in front of the caller's name on members' displays, e.g. 'Sales: '", pattern=r"[^\n]{0,16}"))
    ring_cadence: Cadence = field(default="default", metadata=doc(
        "members' ring: the country's or a distinctive one, so a group call is heard as such"))
    ringback: str = field(default="ringback", metadata=doc(
        "what the caller hears: ringback, music (the hold music) or a WAV file looped "
        "(anything but ringback answers a PSTN line at once)"))
    anonymous: str = field(default="", metadata=doc(
        "callers without a number go to this extension or group instead (empty = ring the group)",
        pattern=f"({NUMBER_SYNTAX})?"))
    missed: MissedConfig = field(default_factory=MissedConfig, metadata=doc("what a missed call is; mails"))
    report: ReportConfig = field(default_factory=ReportConfig, metadata=doc("daily activity mail"))
    record: bool = field(default=False, metadata=doc("record every answered call to this group"))

    @property
    def label(self) -> str:
        return self.name or f"Group {self.number}"

    def check(self) -> list[tuple[str, str]]:
        if not 1 <= len(self.stages) <= 3:
            return [("stages", f"a ring group has one to three stages, not {len(self.stages)}")]
        return []
