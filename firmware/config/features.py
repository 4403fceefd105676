"""Office call features in the config file: hold (music on hold, flash menu), transfer, conference,
call pickup, call park, ring groups (firmware.config.ringgroups), recording and retention, outbound
route choice, and the mail server (`mail:`). Cross-references to extensions, routes and lines are
checked in `check_features` (key path + message, like check_dialplan); feature codes follow the
ETSI/Asterisk habit of `*` codes, ETSI hook-flash codes R0-R4 are fixed (see features/handset)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from firmware.config.ringgroups import MAIL_SYNTAX, NUMBER_SYNTAX, RingGroupConfig, doc

CODE_SYNTAX = r"\*{1,2}[0-9]{0,4}"
DEFAULT_ROUTE_NAMES = ("international", "national", "local")   # firmware.pbx.routes.default_routes
CODE_DOC = "a feature code is * or ** followed by up to 4 digits"


@dataclass(frozen=True)
class HoldConfig:
    music: str = field(default="default", metadata=doc(
        "music on hold: a WAV file (8 kHz mono is best), looped; default = the music shipped with the box"))
    flash_menu_s: float = field(default=2.0, metadata=doc(
        "with two calls, a flash waits this long for R0-R4; no digit = swap the calls", min=0.5, max=10.0))
    recall_on_hangup: bool = field(default=True, metadata=doc(
        "hanging up with a call on hold rings the phone back with that call"))


@dataclass(frozen=True)
class TransferConfig:
    on_hangup: bool = field(default=True, metadata=doc(
        "hanging up with a held call and a second call connects the two (transfer)"))
    blind_code: str = field(default="*2", metadata=doc(
        "flash, this code and a number: transfer the held call there at once", pattern=CODE_SYNTAX,
        pattern_doc=CODE_DOC))
    recall_s: int = field(default=30, metadata=doc(
        "a transferred call nobody answers rings back the transferring phone after this long", min=5, max=600))
    outside: bool = field(default=True, metadata=doc(
        "calls may be transferred to outside numbers (within the transferring extension's permission)"))


@dataclass(frozen=True)
class ConferenceConfig:
    max_parties: int = field(default=6, metadata=doc("most parties in one conference", min=3, max=10))


@dataclass(frozen=True)
class PickupGroupConfig:
    name: str = field(metadata=doc("group name", pattern=r"[A-Za-z0-9_ .-]{1,32}"))
    members: list[str] = field(default_factory=list, metadata=doc(
        "extensions in the group: they may pick up each other's calls"))


@dataclass(frozen=True)
class PickupConfig:
    group_code: str = field(default="*8", metadata=doc(
        "pick up a call ringing in one of your pickup groups", pattern=CODE_SYNTAX, pattern_doc=CODE_DOC))
    directed_code: str = field(default="**", metadata=doc(
        "this code + an extension picks up the call ringing there", pattern=CODE_SYNTAX, pattern_doc=CODE_DOC))
    directed_needs_group: bool = field(default=True, metadata=doc(
        "directed pickup only within a shared pickup group"))
    groups: list[PickupGroupConfig] = field(default_factory=list, metadata=doc(
        "pickup groups; an extension may be in several; only members may pick up"))


@dataclass(frozen=True)
class ParkLotConfig:
    name: str = field(default="default", metadata=doc("lot name", pattern=r"[A-Za-z0-9_ .-]{1,32}"))
    number: str = field(default="700", metadata=doc(
        "transfer a call here (or flash + park code) to park it on the next free slot",
        pattern=NUMBER_SYNTAX))
    first_slot: int = field(default=701, metadata=doc("first slot number (dial it to retrieve)", min=10))
    last_slot: int = field(default=720, metadata=doc("last slot number", min=10))
    timeout_s: int = field(default=120, metadata=doc(
        "a parked call rings back the parker after this long", min=10, max=3600))
    recall_ring_s: int = field(default=30, metadata=doc(
        "the parker's phone rings this long, then the call goes to `destination`", min=5, max=600))
    destination: str = field(default="", metadata=doc(
        "extension or group for unanswered recalls; empty = the parker's recall rings until the caller hangs up",
        pattern=f"({NUMBER_SYNTAX})?"))
    members: list[str] = field(default_factory=list, metadata=doc(
        "extensions that see this lot and may park and retrieve there; empty = everyone"))
    announce: bool = field(default=True, metadata=doc("speak the slot number to the parker"))

    def check(self) -> list[tuple[str, str]]:
        if self.last_slot < self.first_slot:
            return [("last_slot", f"{self.last_slot} is below first_slot {self.first_slot}")]
        if self.last_slot - self.first_slot >= 100:
            return [("last_slot", "a lot has at most 100 slots")]
        return []

    @property
    def slots(self) -> list[str]:
        return [str(n) for n in range(self.first_slot, self.last_slot + 1)]


@dataclass(frozen=True)
class ParkConfig:
    code: str = field(default="*5", metadata=doc(
        "flash + this code parks the call you hold on the next free slot of your lot", pattern=CODE_SYNTAX,
        pattern_doc=CODE_DOC))
    language: str = field(default="", metadata=doc(
        "language of the slot announcement: en, de, ru, pl; empty = the country's", pattern=r"(en|de|ru|pl)?"))
    lots: list[ParkLotConfig] = field(default_factory=lambda: [ParkLotConfig()], metadata=doc(
        "park lots (default: one lot, 700, slots 701-720, for everyone)"))


@dataclass(frozen=True)
class RecordingConfig:
    directory: str = field(default="recordings", metadata=doc(
        "where recordings go (WAV); relative = inside the state directory"))
    toggle_code: str = field(default="*1", metadata=doc(
        "flash + this code starts or stops recording the call you are in", pattern=CODE_SYNTAX,
        pattern_doc=CODE_DOC))
    extensions: list[str] = field(default_factory=list, metadata=doc("record every call of these extensions"))
    groups: list[str] = field(default_factory=list, metadata=doc("record every call answered in these groups"))
    lines: list[str] = field(default_factory=list, metadata=doc("record every call on these lines (fxo:5)"))
    max_age_days: int = field(default=90, metadata=doc("delete recordings older than this", min=1, max=3650))
    max_total_mb: int = field(default=2000, metadata=doc(
        "delete the oldest recordings beyond this total size", min=10))
    min_free_mb: int = field(default=200, metadata=doc(
        "stop recording when the disk has less free space than this (calls go on)", min=10))
    check_s: int = field(default=60, metadata=doc("check the disk this often while recording", min=5, max=3600))


@dataclass(frozen=True)
class ExtensionRoutesConfig:
    extension: str = field(metadata=doc("extension number", pattern=NUMBER_SYNTAX))
    routes: list[str] = field(default_factory=list, metadata=doc(
        "routes (by name) this extension may use, for dialling and for the route choice code"))


@dataclass(frozen=True)
class RouteChoiceConfig:
    code: str = field(default="*7", metadata=doc(
        "this code + route digit (1 = the first route in `routes`) + number dials out on that route",
        pattern=CODE_SYNTAX, pattern_doc=CODE_DOC))
    extensions: list[ExtensionRoutesConfig] = field(default_factory=list, metadata=doc(
        "allowed routes per extension; extensions not listed may use every route"))


@dataclass(frozen=True)
class WithholdConfig:
    code: str = field(default="*31", metadata=doc(
        "this code + an outside number dials it without presenting your number (SIP trunks; emergency "
        "numbers always present it)", pattern=CODE_SYNTAX, pattern_doc=CODE_DOC))


@dataclass(frozen=True)
class FeaturesConfig:
    hold: HoldConfig = field(default_factory=HoldConfig, metadata=doc("hold, music on hold, flash menu"))
    transfer: TransferConfig = field(default_factory=TransferConfig, metadata=doc("blind and attended transfer"))
    conference: ConferenceConfig = field(default_factory=ConferenceConfig, metadata=doc("ad-hoc conferences"))
    pickup: PickupConfig = field(default_factory=PickupConfig, metadata=doc("call pickup and pickup groups"))
    park: ParkConfig = field(default_factory=ParkConfig, metadata=doc("call park lots"))
    ring_groups: list[RingGroupConfig] = field(default_factory=list, metadata=doc("ring groups"))
    recording: RecordingConfig = field(default_factory=RecordingConfig, metadata=doc("call recording"))
    route_choice: RouteChoiceConfig = field(default_factory=RouteChoiceConfig, metadata=doc(
        "per-extension routes and choosing one per call"))
    withhold: WithholdConfig = field(default_factory=WithholdConfig, metadata=doc(
        "withholding your number for one call"))

    def codes(self) -> list[tuple[str, str, str]]:
        """(key path, code, feature) of every feature code."""
        return [("transfer.blind_code", self.transfer.blind_code, "blind_transfer"),
                ("pickup.group_code", self.pickup.group_code, "pickup"),
                ("pickup.directed_code", self.pickup.directed_code, "directed_pickup"),
                ("park.code", self.park.code, "park"), ("recording.toggle_code", self.recording.toggle_code, "record"),
                ("route_choice.code", self.route_choice.code, "route_choice"),
                ("withhold.code", self.withhold.code, "withhold")]

    def numbers(self) -> list[tuple[str, str]]:
        """(key path, number) of everything dialable the features add: groups, lots, slots."""
        out = [(f"ring_groups[{i}].number", g.number) for i, g in enumerate(self.ring_groups)]
        for i, lot in enumerate(self.park.lots):
            out.append((f"park.lots[{i}].number", lot.number))
            out += [(f"park.lots[{i}].first_slot", slot) for slot in lot.slots]
        return out


@dataclass(frozen=True)
class MailConfig:
    host: str = field(default="", metadata=doc("SMTP server; empty = mails are only logged"))
    port: int = field(default=587, metadata=doc("SMTP port (587 submission, 25, 465 not supported)",
                                                min=1, max=65535))
    sender: str = field(default="pbx@localhost", metadata=doc("the mails' From address", pattern=MAIL_SYNTAX,
                                                              pattern_doc="not a mail address"))
    username: str = field(default="", metadata=doc("SMTP login; empty = no authentication"))
    password: str = field(default="", metadata=doc("SMTP password"))
    starttls: bool = field(default=True, metadata=doc("switch to TLS with STARTTLS before logging in"))
    timeout_s: int = field(default=20, metadata=doc("give up on the server after this long", min=1, max=300))


def feature_destinations(f: FeaturesConfig) -> set[str]:
    """Numbers an inbound line may ring besides extensions: ring groups."""
    return {g.number for g in f.ring_groups}


def check_features(f: FeaturesConfig, *, extensions: Sequence[str], routes: Sequence[str],
                   lines: Iterable[str], prefix: str, emergency: Sequence[str],
                   dialplan_codes: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Cross-references of the features section (paths relative to the config root)."""
    exts = set(extensions)
    groups = {g.number for g in f.ring_groups}
    out: list[tuple[str, str]] = []
    out += _check_numbers(f, exts, prefix, emergency)
    out += _check_codes(f, dialplan_codes)
    for i, pg in enumerate(f.pickup.groups):
        out += _unknown(f"features.pickup.groups[{i}].members", pg.members, exts, "an extension")
    for i, lot in enumerate(f.park.lots):
        out += _unknown(f"features.park.lots[{i}].members", lot.members, exts, "an extension")
        if lot.destination and lot.destination not in exts | groups:
            out.append((f"features.park.lots[{i}].destination", f"{lot.destination} is not an extension or group"))
    for i, g in enumerate(f.ring_groups):
        out += _check_group(f"features.ring_groups[{i}]", g, exts, groups, routes)
    r = f.recording
    out += _unknown("features.recording.extensions", r.extensions, exts, "an extension")
    out += _unknown("features.recording.groups", r.groups, groups, "a ring group")
    out += _unknown("features.recording.lines", r.lines, set(lines), "a line on this box")
    for i, e in enumerate(f.route_choice.extensions):
        if e.extension not in exts:
            out.append((f"features.route_choice.extensions[{i}].extension", f"{e.extension} is not an extension"))
        out += _unknown(f"features.route_choice.extensions[{i}].routes", e.routes, set(routes), "a route")
    return out


def _unknown(path: str, items: Sequence[str], known: set[str], what: str) -> list[tuple[str, str]]:
    return [(f"{path}[{i}]", f"{item!r} is not {what}") for i, item in enumerate(items) if item not in known]


def _check_numbers(f: FeaturesConfig, exts: set[str], prefix: str,
                   emergency: Sequence[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for path, number in f.numbers():
        where = f"features.{path}"
        if number in exts:
            out.append((where, f"{number} is already an extension"))
        elif number in seen:
            out.append((where, f"{number} is already features.{seen[number]}"))
        elif prefix and number.startswith(prefix):
            out.append((where, f"{number} begins with the outside-line prefix {prefix!r}"))
        elif any(e.startswith(number) or number.startswith(e) for e in emergency):
            out.append((where, f"{number} overlaps an emergency number"))
        seen.setdefault(number, path)
    return out


def _check_codes(f: FeaturesConfig, dialplan_codes: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Codes must differ, except a numbering.feature_codes entry for the same feature (that one wins)."""
    out: list[tuple[str, str]] = []
    seen: dict[str, tuple[str, str]] = {c: ("numbering.feature_codes", feat) for c, feat in dialplan_codes}
    for path, code, feature in f.codes():
        if code in seen and seen[code][1] != feature:
            out.append((f"features.{path}", f"{code} is already {seen[code][0]}"))
        seen.setdefault(code, (f"features.{path}", feature))
    return out


def _check_group(path: str, g: RingGroupConfig, exts: set[str], groups: set[str],
                 routes: Sequence[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for s, stage in enumerate(g.stages):
        for m, member in enumerate(stage.members):
            where = f"{path}.stages[{s}].members[{m}]"
            if member.extension and member.extension not in exts:
                out.append((f"{where}.extension", f"{member.extension} is not an extension"))
            if member.route and member.route not in routes:
                out.append((f"{where}.route", f"no route named {member.route!r}"))
    targets = exts | groups
    kind = g.final.type
    if kind == "extension" and g.final.number not in exts:
        out.append((f"{path}.final.number", f"{g.final.number} is not an extension"))
    if kind == "group" and g.final.number not in groups - {g.number}:
        out.append((f"{path}.final.number", f"{g.final.number} is not another ring group"))
    if g.final.fallback and g.final.fallback not in targets:
        out.append((f"{path}.final.fallback", f"{g.final.fallback} is not an extension or group"))
    if g.anonymous and g.anonymous not in targets:
        out.append((f"{path}.anonymous", f"{g.anonymous} is not an extension or group"))
    if g.ringback not in ("ringback", "music") and not re.search(r"\.wav$", g.ringback, re.IGNORECASE):
        out.append((f"{path}.ringback", "ringback, music or a .wav file"))
    return out
