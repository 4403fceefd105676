"""The office features' settings as one bundle for the call engine (`Office`), the numbers and feature
codes they add to the numbering plan, and their cross-references checked with key paths: every
destination must lead somewhere that exists, numbers and codes must not clash, members must be
extensions, lines must be on the box. (Called from `Config.check`; paths relative to the config root.)"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from firmware.config.attendant import Goto, IvrMenuConfig, PromptsConfig, TimeConditionConfig, parse_destination
from firmware.config.callers import (
    CallerListConfig,
    CallerRouteConfig,
    DisaConfig,
    MusicConfig,
    PagingConfig,
    PhonebookConfig,
)
from firmware.config.voicemail import VoicemailConfig

KINDS = {"ivr": "menu", "time": "time condition", "disa": "DISA", "paging": "paging group"}
Named = IvrMenuConfig | TimeConditionConfig | DisaConfig | PagingConfig


@dataclass(frozen=True)
class Office:
    """Everything the caller-facing features read, in one piece (built by PbxSettings.from_config)."""

    prompts: PromptsConfig = field(default_factory=PromptsConfig)
    ivr: tuple[IvrMenuConfig, ...] = ()
    time_conditions: tuple[TimeConditionConfig, ...] = ()
    voicemail: VoicemailConfig = field(default_factory=VoicemailConfig)
    caller_lists: tuple[CallerListConfig, ...] = ()
    caller_routes: tuple[CallerRouteConfig, ...] = ()
    phonebook: PhonebookConfig = field(default_factory=PhonebookConfig)
    disa: tuple[DisaConfig, ...] = ()
    paging: tuple[PagingConfig, ...] = ()
    music: MusicConfig = field(default_factory=MusicConfig)
    inbound_ringback: tuple[tuple[str, str], ...] = ()     # (line, ringback) of inbound entries

    def named(self, kind: str) -> dict[str, Named]:
        """name -> config of menus ("ivr"), time conditions ("time"), DISA ("disa"), paging ("paging")."""
        return {item.name: item for item in self._section(kind)}

    def _section(self, kind: str) -> Iterable[Named]:
        if kind == "ivr":
            return self.ivr
        if kind == "time":
            return self.time_conditions
        return self.disa if kind == "disa" else self.paging

    def numbers(self) -> list[tuple[str, str]]:
        """(key path, number) of every number the office features make dialable."""
        out: list[tuple[str, str]] = []
        sections: tuple[tuple[str, Iterable[Named]], ...] = (
            ("ivr", self.ivr), ("time_conditions", self.time_conditions), ("disa", self.disa), ("paging", self.paging))
        for section, items in sections:
            out += [(f"{section}[{i}].number", item.number) for i, item in enumerate(items) if item.number]
        return out

    def codes(self) -> list[tuple[str, str, str]]:
        """(key path, code, feature) of every feature code (all without an argument)."""
        vm = self.voicemail
        out = [("voicemail.code", vm.code, "voicemail"), ("voicemail.other_code", vm.other_code, "voicemail_other")]
        out += [(f"time_conditions[{i}].override_code", t.override_code, f"daynight_{t.name}")
                for i, t in enumerate(self.time_conditions) if t.override_code]
        return [c for c in out if c[1]]


def destinations(office: Office, inbound: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(key path, destination text) of every destination in the office sections and inbound entries."""
    out = [(f"inbound[{i}].destination", dest) for i, (_line, dest) in enumerate(inbound)]
    for i, m in enumerate(office.ivr):
        out += [(f"ivr[{i}].options[{j}].destination", o.destination) for j, o in enumerate(m.options)
                if o.destination not in ("repeat", "back")]
        out += [(f"ivr[{i}].timeout_destination", m.timeout_destination), (f"ivr[{i}].fail_destination",
                                                                            m.fail_destination)]
    for i, t in enumerate(office.time_conditions):
        out += [(f"time_conditions[{i}].{k}", getattr(t, k)) for k in ("open", "closed", "holiday")]
    out += [(f"caller_lists[{i}].destination", c.destination) for i, c in enumerate(office.caller_lists)]
    out += [(f"caller_routes[{i}].destination", r.destination) for i, r in enumerate(office.caller_routes)]
    return [(path, dest) for path, dest in out if dest]


def check_office(office: Office, *, extensions: Sequence[str], groups: Sequence[str], lines: Iterable[str],
                 routes: Sequence[str], inbound: Sequence[tuple[str, str]], taken_codes: Sequence[str],
                 taken_numbers: Sequence[str]) -> list[tuple[str, str]]:
    exts, grps, known_lines = set(extensions), set(groups), set(lines)
    out = _check_numbers(office, exts | grps | set(taken_numbers))
    dialable = exts | grps | {n for _p, n in office.numbers()}
    boxes = {b.number for b in office.voicemail.boxes}
    for path, text in destinations(office, inbound):
        problem = destination_problem(parse_destination(text), office, dialable, boxes)
        if problem:
            out.append((path, problem))
    seen_codes = dict.fromkeys(taken_codes, "another feature")
    for path, code, _feature in office.codes():
        if code in seen_codes:
            out.append((path, f"{code} is already {seen_codes[code]}"))
        seen_codes.setdefault(code, path)
    out += _check_names(office)
    for i, box in enumerate(office.voicemail.boxes):
        if box.number not in exts | grps:
            out.append((f"voicemail.boxes[{i}].number", f"{box.number} is not an extension or ring group"))
        out += _unknown(f"voicemail.boxes[{i}].members", box.members, exts, "an extension")
        if box.number in [b.number for b in office.voicemail.boxes[:i]]:
            out.append((f"voicemail.boxes[{i}].number", f"mailbox {box.number} is listed twice"))
    for i, lst in enumerate(office.caller_lists):
        out += _unknown(f"caller_lists[{i}].lines", lst.lines, known_lines, "a line on this box")
        if lst.mailbox and lst.mailbox not in boxes:
            out.append((f"caller_lists[{i}].mailbox", f"{lst.mailbox} is not a mailbox"))
    for i, r in enumerate(office.caller_routes):
        out += _unknown(f"caller_routes[{i}].lines", r.lines, known_lines, "a line on this box")
    for i, d in enumerate(office.disa):
        for j, pin in enumerate(d.pins):
            out += _unknown(f"disa[{i}].pins[{j}].routes", pin.routes, set(routes), "a route")
    for i, p in enumerate(office.paging):
        out += _unknown(f"paging[{i}].members", p.members, exts, "an extension")
        if not p.members:
            out.append((f"paging[{i}].members", "a paging group needs members"))
    for i, c in enumerate(office.music.classes):
        out += _unknown(f"music.classes[{i}].extensions", c.extensions, exts, "an extension")
        out += _unknown(f"music.classes[{i}].groups", c.groups, grps, "a ring group")
    return out


def destination_problem(goto: Goto, office: Office, dialable: set[str], boxes: set[str]) -> str:
    """Why a parsed destination leads nowhere ("" when it is fine)."""
    if goto.kind == "invalid":
        return f"{goto.value!r} is not a destination"
    if goto.kind == "queue":
        return "there are no call queues on this box: send the call to a ring group instead"
    if goto.kind == "number" and goto.value not in dialable:
        return f"{goto.value} is not an extension, group, menu, time condition, DISA or paging number"
    if goto.kind == "voicemail" and goto.value not in boxes:
        return f"there is no mailbox {goto.value} (voicemail.boxes)"
    if goto.kind in KINDS and goto.value not in office.named(goto.kind):
        return f"there is no {KINDS[goto.kind]} named {goto.value!r}"
    return ""


def _check_numbers(office: Office, taken: set[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for path, number in office.numbers():
        if number in taken:
            out.append((path, f"{number} is already an extension, group or feature number"))
        elif number in seen:
            out.append((path, f"{number} is already {seen[number]}"))
        seen.setdefault(number, path)
    return out


def _check_names(office: Office) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    sections: tuple[tuple[str, Sequence[Named | CallerListConfig]], ...] = (
        ("ivr", office.ivr), ("time_conditions", office.time_conditions), ("disa", office.disa),
        ("paging", office.paging), ("caller_lists", office.caller_lists))
    for section, items in sections:
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.name in seen:
                out.append((f"{section}[{i}].name", f"{item.name!r} is already {section}[{seen[item.name]}]"))
            seen.setdefault(item.name, i)
    return out


def _unknown(path: str, items: Sequence[str], known: set[str], what: str) -> list[tuple[str, str]]:
    return [(f"{path}[{i}]", f"{item!r} is not {what}") for i, item in enumerate(items) if item not in known]
