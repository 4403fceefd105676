"""Dial-plan configuration: extensions, outbound routes, inbound destinations, numbering, call options.

Patterns follow Asterisk extension patterns (see firmware.pbx.patterns); cross-field rules that
need the board and the country (overlapping numbers, unknown lines) are in `check_dialplan`,
called from `Config.check`, each problem reported as (key path, message).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from firmware.contracts.errors import ConfigError
from firmware.telephony.countries import country as lookup_country
from firmware.telephony.timing import DEFAULT_TIMING

PermissionName = Literal["internal", "local", "national", "international"]

# Asterisk-style dial pattern: digits, X/Z/N, [1-5] sets, optionally a final "." or "!" (a leading
# "_" is accepted). firmware.pbx.patterns compiles the same syntax.
PATTERN_SYNTAX = r"_?(?:[0-9*#XZNxzn]|\[[0-9](?:-[0-9])?(?:[0-9](?:-[0-9])?)*\])+[.!]?|_?[.!]"
LINE_SYNTAX = r"fxo:[0-9]{1,2}|trunk:[A-Za-z0-9_.-]{1,32}"


def doc(text: str, **limits: object) -> dict[str, object]:
    return {"doc": text, **limits}


@dataclass(frozen=True)
class ExtensionConfig:
    number: str = field(metadata=doc("extension number, 2-6 digits", pattern=r"[0-9]{2,6}",
                                     pattern_doc="an extension number is 2-6 digits"))
    port: int = field(metadata=doc("FXS port of the handset", min=1, max=32))
    name: str = field(default="", metadata=doc(
        "name shown in caller ID on called handsets; empty = 'Extension <number>'", pattern=r"[^\n]{0,32}"))
    permission: PermissionName = field(default="national", metadata=doc(
        "highest class of outside numbers it may call: internal < local < national < international "
        "(emergency numbers are always allowed)"))
    call_waiting: bool = field(default=True, metadata=doc("a second call may alert this extension in a call"))
    caller_id: str = field(default="", metadata=doc(
        "number presented on outside calls over SIP trunks (a direct-dial number); empty = the trunk's",
        pattern=r"\+?[0-9]{0,20}"))
    privacy: bool = field(default=False, metadata=doc(
        "withhold the number on outside calls over SIP trunks (RFC 3323 id)"))

    @property
    def display_name(self) -> str:
        return self.name or f"Extension {self.number}"


@dataclass(frozen=True)
class RouteConfig:
    name: str = field(metadata=doc("route name (CDR, web page)", pattern=r"[A-Za-z0-9_ .-]{1,32}"))
    pattern: str = field(metadata=doc(
        "dialled digits this route takes: digits, X=0-9, Z=1-9, N=2-9, [1-5], final . (one or more) "
        "or ! (zero or more), e.g. _0X.", pattern=PATTERN_SYNTAX,
        pattern_doc="not a dial pattern (digits, X, Z, N, [1-5], ending with . or !)"))
    lines: list[str] = field(metadata=doc(
        "lines to use in order, e.g. [fxo:5, fxo:6] (SIP trunks later: trunk:<name>)"))
    strip: int = field(default=0, metadata=doc("leading digits removed before sending", min=0, max=10))
    prepend: str = field(default="", metadata=doc(
        "digits put in front before sending", pattern=r"[0-9*#]{0,16}"))
    strategy: Literal["in_order", "round_robin"] = field(default="in_order", metadata=doc(
        "hunting: the first free line in order, or start after the line used last"))
    permission: Literal["auto", "internal", "local", "national", "international"] = field(
        default="auto", metadata=doc(
            "class an extension needs for this route; auto = classify the number sent by the "
            "country's national/international prefixes"))

    def check(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if not self.lines:
            problems.append(("lines", "a route needs at least one line"))
        seen: set[str] = set()
        for i, line in enumerate(self.lines):
            if not re.fullmatch(LINE_SYNTAX, line):
                problems.append((f"lines[{i}]", f"{line!r} is not a line name (fxo:<port> or trunk:<name>)"))
            elif line in seen:
                problems.append((f"lines[{i}]", f"{line} is listed twice"))
            seen.add(line)
        for lo, hi in re.findall(r"([0-9])-([0-9])", self.pattern):
            if hi < lo:
                problems.append(("pattern", f"range {lo}-{hi} runs backwards"))
        return problems


@dataclass(frozen=True)
class InboundConfig:
    line: str = field(metadata=doc("line whose incoming calls this sends, e.g. fxo:5", pattern=LINE_SYNTAX,
                                   pattern_doc="not a line name (fxo:<port> or trunk:<name>)"))
    destination: str = field(metadata=doc(
        "where the line's calls go: an extension, ring group, menu or time-condition number, or ivr:<menu>, "
        "time:<condition>, voicemail:<box>, disa:<name> (see the IVR page)"))
    ringback: str = field(default="ringback", metadata=doc(
        "what callers hear while phones ring: ringback (the exchange's), music (the hold music) or a WAV "
        "file looped (anything but ringback answers the line at once)"))


@dataclass(frozen=True)
class FeatureCodeConfig:
    code: str = field(metadata=doc("star code, e.g. *8 or **", pattern=r"\*{1,2}[0-9]{0,4}",
                                   pattern_doc="a feature code is * or ** followed by up to 4 digits"))
    feature: str = field(metadata=doc("feature it starts (its package name, e.g. pickup)",
                                      pattern=r"[a-z][a-z0-9_]{0,31}"))
    argument: Literal["none", "extension", "digits"] = field(default="none", metadata=doc(
        "what follows the code: nothing, an extension number, or any digits ended by # or timeout"))

    def check(self) -> list[tuple[str, str]]:
        if self.argument == "none" and self.code.strip("*") == "":
            return [("code", f"{self.code!r} alone needs an argument (extension or digits)")]
        return []


@dataclass(frozen=True)
class NumberingConfig:
    outside_prefix: str | None = field(default=None, metadata=doc(
        "digits for an outside line (empty text = none); default: the country's (0 in DE/PL/RU, 9 in US/GB)",
        pattern=r"[0-9]{0,3}"))
    emergency: list[str] | None = field(default=None, metadata=doc(
        "emergency numbers, always dialled out (with or without the outside prefix) even when "
        "other calls are barred; default: the country's"))
    feature_codes: list[FeatureCodeConfig] = field(default_factory=list, metadata=doc(
        "star codes recognised while dialling (features come as packages)"))
    first_digit_s: float = field(default=DEFAULT_TIMING.first_digit_timeout_ms / 1000, metadata=doc(
        "dial tone with no digit for this long: congestion", min=2.0, max=120.0))
    inter_digit_s: float = field(default=DEFAULT_TIMING.inter_digit_timeout_ms / 1000, metadata=doc(
        "an incomplete number with no further digit for this long: congestion", min=1.0, max=60.0))
    match_s: float = field(default=DEFAULT_TIMING.match_digit_timeout_ms / 1000, metadata=doc(
        "a number that is complete but could go on is dialled after this long (# dials at once)",
        min=0.5, max=30.0))

    def check(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        seen: dict[str, int] = {}
        for i, number in enumerate(self.emergency or []):
            if not re.fullmatch(r"[0-9]{2,6}", number):
                problems.append((f"emergency[{i}]", f"{number!r} is not a 2-6 digit number"))
            elif number in seen:
                problems.append((f"emergency[{i}]", f"{number} is already emergency[{seen[number]}]"))
            seen.setdefault(number, i)
        codes: dict[str, int] = {}
        for i, fc in enumerate(self.feature_codes):
            if fc.code in codes:
                problems.append((f"feature_codes[{i}].code",
                                 f"{fc.code} is already feature_codes[{codes[fc.code]}]"))
            codes.setdefault(fc.code, i)
        return problems


@dataclass(frozen=True)
class CallsConfig:
    no_answer_s: int = field(default=60, metadata=doc(
        "an internal call rings this long before the caller gets busy tone (0 = until the caller hangs up)",
        min=0, max=600))
    hangup_tone: Literal["busy", "congestion", "none"] = field(default="busy", metadata=doc(
        "what a handset hears when the other side hung up, until it hangs up too"))
    hangup_tone_s: int = field(default=0, metadata=doc(
        "stop that tone after this many seconds (0 = until on-hook)", min=0, max=600))
    forward_disconnect: bool = field(default=False, metadata=doc(
        "also drop the battery briefly when the other side hung up (for answering machines, PBXs)"))
    special_info_tone: bool = field(default=False, metadata=doc(
        "play the special information tone before congestion for a number that does not exist"))
    line_dial_delay_ms: int = field(default=800, metadata=doc(
        "after seizing a line, wait this long for the exchange's dial tone before dialling", min=0, max=5000))
    line_release_guard_ms: int = field(default=DEFAULT_TIMING.ring_after_hangup_suppress_ms, metadata=doc(
        "a released line stays unused this long (the exchange must see a hang-up, not a flash)",
        min=300, max=10000))
    line_ring_timeout_s: float = field(default=DEFAULT_TIMING.fxo_ring_timeout_ms / 1000, metadata=doc(
        "an incoming line call is over when no ring came for this long after the last one",
        min=2.0, max=30.0))
    inbound_cid_wait_s: float = field(default=1.5, metadata=doc(
        "with caller ID after the first ring: wait this long past the silent interval that carries it "
        "before ringing the extension without it", min=0.0, max=10.0))


# --- cross-field rules (need the board and the country) ---------------------------------------
def default_extensions(fxs_ports: Sequence[int]) -> list[ExtensionConfig]:
    """One extension per FXS port in port order: 201, 202, ... named "Extension 201", ..."""
    return [ExtensionConfig(number=str(201 + i), port=port, name=f"Extension {201 + i}")
            for i, port in enumerate(sorted(fxs_ports))]


def effective_prefix_and_emergency(country_iso: str,
                                   numbering: NumberingConfig) -> tuple[str, tuple[str, ...]]:
    """The outside prefix and emergency numbers in force (configured, else the country's)."""
    try:
        c = lookup_country(country_iso)
        prefix, emergency = c.outside_prefix, c.emergency_numbers
    except ConfigError:
        prefix, emergency = "0", ()
    if numbering.outside_prefix is not None:
        prefix = numbering.outside_prefix
    if numbering.emergency is not None:
        emergency = tuple(numbering.emergency)
    return prefix, emergency


def check_dialplan(*, country_iso: str, fxs_ports: Sequence[int], fxo_ports: Sequence[int],
                   extensions: Sequence[ExtensionConfig], routes: Sequence[RouteConfig],
                   inbound: Sequence[InboundConfig], numbering: NumberingConfig,
                   trunks: Sequence[str] = ()) -> list[tuple[str, str]]:
    derived = not extensions
    exts = list(extensions) or default_extensions(fxs_ports)
    prefix, emergency = effective_prefix_and_emergency(country_iso, numbering)
    problems = _check_extensions(exts, derived, fxs_ports, prefix, emergency)
    lines = {f"fxo:{p}" for p in fxo_ports} | {f"trunk:{name}" for name in trunks}
    problems += _check_routes(routes, lines)
    problems += _check_inbound(inbound, lines, {e.number for e in exts})
    return problems


def _ext_path(i: int, key: str, derived: bool, cause: str = "extensions") -> str:
    """Where to report a problem: the extension entry, or (for the default extensions, which are
    not in the file) the setting that clashes with them."""
    return cause if derived else f"extensions[{i}].{key}"


def _check_extensions(exts: Sequence[ExtensionConfig], derived: bool, fxs_ports: Sequence[int],
                      prefix: str, emergency: Sequence[str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    numbers: dict[str, int] = {}
    ports: dict[int, int] = {}
    what = "the default extension" if derived else "extension"
    for i, ext in enumerate(exts):
        path = _ext_path(i, "number", derived)
        if ext.number in numbers:
            problems.append((path, f"{ext.number} is already extensions[{numbers[ext.number]}]"))
        numbers.setdefault(ext.number, i)
        if ext.port in ports:
            problems.append((_ext_path(i, "port", derived),
                             f"port {ext.port} already has extension {exts[ports[ext.port]].number}"))
        ports.setdefault(ext.port, i)
        if ext.port not in fxs_ports:
            problems.append((_ext_path(i, "port", derived),
                             f"port {ext.port} is not an FXS port on the board"))
        if prefix and ext.number.startswith(prefix):
            problems.append((_ext_path(i, "number", derived, "numbering.outside_prefix"),
                             f"{what} {ext.number} begins with the outside-line prefix {prefix!r}"))
        for number in emergency:
            if number.startswith(ext.number) or ext.number.startswith(number):
                problems.append((_ext_path(i, "number", derived, "numbering.emergency"),
                                 f"{what} {ext.number} overlaps the emergency number {number}"))
    return problems


def _check_routes(routes: Sequence[RouteConfig], lines: set[str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    names: dict[str, int] = {}
    known = ", ".join(sorted(lines)) or "none"
    for i, route in enumerate(routes):
        if route.name in names:
            problems.append((f"routes[{i}].name", f"{route.name!r} is already routes[{names[route.name]}]"))
        names.setdefault(route.name, i)
        for j, line in enumerate(route.lines):
            if line not in lines:
                problems.append((f"routes[{i}].lines[{j}]", f"no line {line} on this box (lines: {known})"))
    return problems


def _check_inbound(inbound: Sequence[InboundConfig], lines: set[str],
                   numbers: set[str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(inbound):
        if entry.line not in lines:
            problems.append((f"inbound[{i}].line", f"no line {entry.line} on this box"))
        if entry.line in seen:
            problems.append((f"inbound[{i}].line", f"{entry.line} is already inbound[{seen[entry.line]}]"))
        seen.setdefault(entry.line, i)
        if entry.destination not in numbers:
            problems.append((f"inbound[{i}].destination", f"{entry.destination!r} is not an extension"))
    return problems
