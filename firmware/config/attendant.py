"""Auto-attendant configuration: destinations (one text syntax for every place a call can be sent),
the prompt set and its language, IVR menus (multi-level, as data) and time conditions (weekly hours,
holiday calendars, day/night override), following the FreePBX IVR / time-condition practice."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from firmware.config.ringgroups import NUMBER_SYNTAX, ScheduleWindow, doc

LANG_SYNTAX = r"(en|de|ru|pl)?"
NAME_SYNTAX = r"[a-z0-9][a-z0-9_-]{0,31}"
PROMPT_SYNTAX = r"[a-z0-9][a-z0-9_.-]{0,47}"
KEYS_SYNTAX = r"[0-9*#]{1,4}"
DATE_SYNTAX = r"([0-9]{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
CODE_SYNTAX = r"\*{1,2}[0-9]{0,4}"
DEST_DOC = ("where the call goes: a number (extension, ring group, menu, time condition, DISA, paging), "
            "voicemail:<box>[:busy], ivr:<menu>, time:<condition>, disa:<name>, paging:<name>, "
            "outside:<number as dialled>, announcement:<prompt>, busy or hangup")
_DEST = (rf"(?P<number>{NUMBER_SYNTAX})|voicemail:(?P<box>{NUMBER_SYNTAX})(?P<busy>:busy)?"
         rf"|(?P<kind>ivr|time|disa|paging):(?P<name>{NAME_SYNTAX})|outside:(?P<outside>[0-9*#]{{1,24}})"
         rf"|announcement:(?P<prompt>{PROMPT_SYNTAX})|(?P<word>busy|hangup)|queue:(?P<queue>.*)")
DEST_RE = re.compile(_DEST)
DEST_SYNTAX = rf"({_DEST})?"


@dataclass(frozen=True)
class Goto:
    """A parsed destination text (see DEST_DOC)."""

    kind: str      # number, voicemail, ivr, time, disa, paging, outside, announcement, busy, hangup, queue, none
    value: str = ""
    busy: bool = False


def parse_destination(text: str) -> Goto:
    """The destination `text` means (kind "none" for empty text, "invalid" for anything else)."""
    if not text:
        return Goto("none")
    m = DEST_RE.fullmatch(text)
    if m is None:
        return Goto("invalid", text)
    if m["number"]:
        return Goto("number", m["number"])
    if m["box"]:
        return Goto("voicemail", m["box"], busy=bool(m["busy"]))
    if m["kind"]:
        return Goto(m["kind"], m["name"])
    if m["outside"]:
        return Goto("outside", m["outside"])
    if m["prompt"]:
        return Goto("announcement", m["prompt"])
    if m["word"]:
        return Goto(m["word"])
    return Goto("queue", m["queue"] or "")


@dataclass(frozen=True)
class PromptsConfig:
    language: str = field(default="", metadata=doc(
        "language of every spoken prompt: en, de, ru or pl; empty = the country's (DE: de, PL: pl, RU: ru)",
        pattern=LANG_SYNTAX, pattern_doc="en, de, ru or pl"))
    directory: str = field(default="prompts", metadata=doc(
        "own recordings (uploaded on the web page, 8 kHz mono WAV) in <directory>/<language>/<name>.wav "
        "replace the shipped prompt of that name; relative = inside the state directory"))
    max_prompt_s: int = field(default=120, metadata=doc(
        "a prompt that never reports its end is taken as finished after this long", min=5, max=900))


@dataclass(frozen=True)
class IvrOptionConfig:
    keys: str = field(metadata=doc("key(s) the caller presses, e.g. 1 or 0 or #", pattern=KEYS_SYNTAX,
                                   pattern_doc="1-4 keys of 0-9 * #"))
    destination: str = field(metadata=doc(
        DEST_DOC + "; in a menu also repeat (say the menu again) and back (the previous menu)",
        pattern=rf"({_DEST})|repeat|back", pattern_doc="not a destination (see the field's help)"))


@dataclass(frozen=True)
class IvrMenuConfig:
    name: str = field(metadata=doc("menu name (ivr:<name> sends calls here)", pattern=NAME_SYNTAX,
                                   pattern_doc="lower-case letters, digits, _ or -"))
    number: str = field(default="", metadata=doc(
        "optional number that reaches the menu (inbound destination, or to try it from a handset)",
        pattern=f"({NUMBER_SYNTAX})?"))
    prompt: list[str] = field(default_factory=lambda: ["welcome", "enter_extension"], metadata=doc(
        "prompts said in a row (shipped ones or your own recordings by name)"))
    options: list[IvrOptionConfig] = field(default_factory=list, metadata=doc("keys and where they go"))
    direct_dial: bool = field(default=True, metadata=doc(
        "callers may dial an extension number while the menu plays"))
    direct_dial_only: list[str] = field(default_factory=list, metadata=doc(
        "if set: only these extensions (and groups) may be dialled directly"))
    timeout_s: float = field(default=5.0, metadata=doc(
        "after the prompt, wait this long for a key", min=1.0, max=60.0))
    inter_digit_s: float = field(default=3.0, metadata=doc(
        "while a number is being dialled, wait this long for the next key", min=1.0, max=20.0))
    retries: int = field(default=2, metadata=doc(
        "wrong keys or silences before `fail_destination` (the menu is said again in between)", min=0, max=10))
    invalid_prompt: list[str] = field(default_factory=lambda: ["invalid"], metadata=doc(
        "said after a key that leads nowhere"))
    timeout_destination: str = field(default="", metadata=doc(
        "where a caller who presses nothing goes (empty = say the menu again, counting as a retry); "
        + DEST_DOC, pattern=DEST_SYNTAX, pattern_doc="not a destination (see the field's help)"))
    fail_destination: str = field(default="hangup", metadata=doc(
        "after the retries are used up; " + DEST_DOC, pattern=DEST_SYNTAX,
        pattern_doc="not a destination (see the field's help)"))
    end_key: str = field(default="#", metadata=doc(
        "ends a directly dialled number at once (else the inter-digit time ends it)", choices=["#", "*", ""]))
    back_key: str = field(default="*", metadata=doc(
        "goes back to the previous menu (if a menu led here)", choices=["#", "*", ""]))
    language: str = field(default="", metadata=doc("prompt language of this menu (empty = prompts.language)",
                                                   pattern=LANG_SYNTAX, pattern_doc="en, de, ru or pl"))
    ringback: str = field(default="ringback", metadata=doc(
        "what a caller sent on from here hears while phones ring: ringback, music or a WAV file"))

    def check(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        seen: dict[str, int] = {}
        for i, opt in enumerate(self.options):
            if opt.keys in seen:
                out.append((f"options[{i}].keys", f"{opt.keys} is already options[{seen[opt.keys]}]"))
            seen.setdefault(opt.keys, i)
            if opt.keys in (self.end_key, self.back_key) and len(opt.keys) == 1 and opt.keys:
                out.append((f"options[{i}].keys", f"{opt.keys} is this menu's end or back key"))
        out += [(f"prompt[{i}]", f"{p!r} is not a prompt name") for i, p in enumerate(self.prompt)
                if not re.fullmatch(PROMPT_SYNTAX, p)]
        if not self.prompt:
            out.append(("prompt", "a menu needs at least one prompt"))
        return out


@dataclass(frozen=True)
class HolidayConfig:
    date: str = field(metadata=doc(
        "YYYY-MM-DD for one year, or MM-DD for every year (e.g. 12-25)", pattern=DATE_SYNTAX,
        pattern_doc="a date is YYYY-MM-DD or MM-DD"))
    until: str = field(default="", metadata=doc(
        "last day of a holiday period (same form as `date`; empty = one day)", pattern=f"({DATE_SYNTAX})?",
        pattern_doc="a date is YYYY-MM-DD or MM-DD"))
    name: str = field(default="", metadata=doc("name (web page)", pattern=r"[^\n]{0,40}"))

    def check(self) -> list[tuple[str, str]]:
        if self.until and (len(self.until) == 5) != (len(self.date) == 5):
            return [("until", "use the same form as `date` (both with a year or both without)")]
        return []


@dataclass(frozen=True)
class TimeConditionConfig:
    name: str = field(metadata=doc("name (time:<name> sends calls here)", pattern=NAME_SYNTAX,
                                   pattern_doc="lower-case letters, digits, _ or -"))
    number: str = field(default="", metadata=doc("optional number that reaches it", pattern=f"({NUMBER_SYNTAX})?"))
    hours: list[ScheduleWindow] = field(default_factory=lambda: [ScheduleWindow()], metadata=doc(
        "office hours (weekdays + HH:MM windows in the box's time zone)"))
    holidays: list[HolidayConfig] = field(default_factory=list, metadata=doc(
        "days the office is closed (with or without a year)"))
    open: str = field(default="", metadata=doc("in office hours: " + DEST_DOC, pattern=DEST_SYNTAX,
                                               pattern_doc="not a destination (see the field's help)"))
    closed: str = field(default="", metadata=doc("outside office hours: " + DEST_DOC, pattern=DEST_SYNTAX,
                                                 pattern_doc="not a destination (see the field's help)"))
    holiday: str = field(default="", metadata=doc("on a holiday (empty = as closed): " + DEST_DOC,
                                                  pattern=DEST_SYNTAX,
                                                  pattern_doc="not a destination (see the field's help)"))
    override_code: str = field(default="", metadata=doc(
        "feature code that switches day/night by hand: forced closed <-> automatic (e.g. *28)",
        pattern=f"({CODE_SYNTAX})?", pattern_doc="a feature code is * or ** followed by up to 4 digits"))

    def check(self) -> list[tuple[str, str]]:
        return [] if self.open and self.closed else [("open" if not self.open else "closed",
                                                      "a time condition needs both `open` and `closed`")]
