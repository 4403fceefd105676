"""Engine settings derived from the config file: country tables, extensions, numbering plan,
routes (the country's defaults when none are configured), inbound destinations, call timings,
and the office features (their numbers and codes join the numbering plan)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from firmware.config.dialplan import RouteConfig
from firmware.config.features import FeaturesConfig, MailConfig
from firmware.config.model import Config
from firmware.config.office import Office
from firmware.config.schema import ConfigProblems, Problem
from firmware.contracts.callerid import CidTiming
from firmware.contracts.ports import RingCadence
from firmware.pbx.commands import fxo_leg, fxs_leg
from firmware.pbx.numbering import DigitTimeouts, FeatureCode, NumberingPlan
from firmware.pbx.numbering_plans import Permission, dialling_prefixes
from firmware.pbx.patterns import Pattern
from firmware.pbx.routes import Route, RouteTable, default_routes
from firmware.telephony.countries import Country
from firmware.telephony.countries import country as lookup_country
from firmware.telephony.timing import DEFAULT_TIMING, AnalogTiming
from firmware.telephony.tones import ToneSet

PROMPT_LANGUAGES = ("en", "de", "ru", "pl")
FEATURE_ARGUMENTS = {"blind_transfer": "digits", "pickup": "none", "directed_pickup": "extension",
                     "park": "none", "record": "none", "route_choice": "digits", "withhold": "digits"}


@dataclass(frozen=True)
class Extension:
    number: str
    name: str
    port: int
    permission: Permission = Permission.NATIONAL
    call_waiting: bool = True
    caller_id: str = ""            # number presented on SIP trunk calls ("" = the trunk's)
    privacy: bool = False          # withheld on SIP trunk calls (and lines with a withhold prefix)

    @property
    def leg(self) -> str:
        return fxs_leg(self.port)


@dataclass(frozen=True)
class LineSettings:
    leg: str
    port: int
    pulse: bool = False            # dial with rotary pulses instead of DTMF
    caller_id: bool = True         # the line delivers caller ID (FxoPortConfig.caller_id != "off")
    withhold_prefix: str = ""      # dialled first when the caller withholds the number ("" = cannot)


@dataclass(frozen=True)
class CallSettings:
    no_answer_s: float = 60.0
    hangup_tone: str = "busy"      # "busy", "congestion" or "none"
    hangup_tone_s: float = 0.0     # 0: until on-hook
    forward_disconnect: bool = False
    special_info_tone: bool = False
    line_dial_delay_s: float = 0.8
    line_release_guard_s: float = 2.0
    line_ring_timeout_s: float = 8.0
    inbound_cid_wait_s: float = 1.5


@dataclass(frozen=True, eq=False)
class PbxSettings:
    country: Country
    extensions: tuple[Extension, ...]
    lines: tuple[LineSettings, ...]
    plan: NumberingPlan
    routes: RouteTable
    inbound: Mapping[str, str] = field(default_factory=dict)   # line leg -> destination number
    fxs_ports: tuple[int, ...] = ()
    calls: CallSettings = CallSettings()
    timing: AnalogTiming = DEFAULT_TIMING
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    mail: MailConfig = field(default_factory=MailConfig)       # for the runtime's mail executor
    office: Office = field(default_factory=Office)              # IVR, time conditions, voicemail, lists, ...

    @property
    def language(self) -> str:
        """Language of spoken prompts: the park section's, else the country's (en if we have none)."""
        chosen = self.features.park.language or self.country.language
        return chosen if chosen in PROMPT_LANGUAGES else "en"

    @property
    def prompt_language(self) -> str:
        """Language of the caller-facing prompts: prompts.language, else the country's (en if we have none)."""
        chosen = self.office.prompts.language or self.country.language
        return chosen if chosen in PROMPT_LANGUAGES else "en"

    def allowed_routes(self, number: str) -> tuple[str, ...] | None:
        """Route names extension `number` may use; None = every route."""
        entry = next((e for e in self.features.route_choice.extensions if e.extension == number), None)
        return None if entry is None else tuple(entry.routes)

    @property
    def tones(self) -> ToneSet:
        return self.country.tones

    @property
    def ring_cadence(self) -> RingCadence:
        return self.country.ring_cadence

    @property
    def cid_before_ring(self) -> bool:
        return self.country.cid.timing is not CidTiming.AFTER_FIRST_RING

    @property
    def fxo_ports(self) -> tuple[int, ...]:
        return tuple(line.port for line in self.lines)

    def extension(self, number: str) -> Extension | None:
        return next((e for e in self.extensions if e.number == number), None)

    def extension_at(self, port: int) -> Extension | None:
        return next((e for e in self.extensions if e.port == port), None)

    def line(self, leg: str) -> LineSettings | None:
        return next((line for line in self.lines if line.leg == leg), None)

    def inbound_destination(self, line: str) -> str | None:
        """Where a line's incoming calls ring: configured, else the first extension."""
        if line in self.inbound:
            return self.inbound[line]
        return self.extensions[0].number if self.extensions else None

    @classmethod
    def from_config(cls, cfg: Config) -> PbxSettings:
        """Everything the engine needs from a config; ConfigProblems if the config is inconsistent."""
        problems = cfg.check()
        if problems:
            raise ConfigProblems([Problem(path, None, message) for path, message in problems])
        c = lookup_country(cfg.country)
        prefixes = dialling_prefixes(c.iso)
        n = cfg.numbering
        outside = c.outside_prefix if n.outside_prefix is None else n.outside_prefix
        emergency = c.emergency_numbers if n.emergency is None else tuple(n.emergency)
        lines = tuple(_line(cfg, port) for port in cfg.ports_of("fxo"))
        line_ids = [line.leg for line in lines] + [f"trunk:{t.name}" for t in cfg.trunks]
        routes = tuple(_route(r) for r in cfg.routes) or default_routes(prefixes, outside, line_ids)
        table = RouteTable(routes, prefixes, line_ids)
        extensions = tuple(Extension(e.number, e.display_name, e.port, Permission.named(e.permission),
                                     e.call_waiting, e.caller_id, e.privacy) for e in cfg.extension_list())
        codes = {f.code: FeatureCode(f.code, f.feature, f.argument) for f in n.feature_codes}
        for _path, code, feature in cfg.features.codes():
            codes.setdefault(code, FeatureCode(code, feature, FEATURE_ARGUMENTS[feature]))
        office = cfg.office()
        for _path, code, feature in office.codes():
            codes.setdefault(code, FeatureCode(code, feature, "none"))
        plan = NumberingPlan(
            extensions=[e.number for e in extensions] + [number for _path, number in cfg.features.numbers()]
            + [e.number for e in cfg.sip_extensions] + [number for _path, number in office.numbers()],
            feature_codes=list(codes.values()),
            outside_prefix=outside, emergency=emergency, route_patterns=table.patterns,
            timeouts=DigitTimeouts(n.first_digit_s, n.inter_digit_s, n.match_s))
        return cls(country=c, extensions=extensions, lines=lines, plan=plan, routes=table,
                   inbound=MappingProxyType({i.line: i.destination for i in cfg.inbound}),
                   fxs_ports=tuple(cfg.ports_of("fxs")), calls=_calls(cfg), features=cfg.features,
                   mail=cfg.mail, office=office)


def _line(cfg: Config, port: int) -> LineSettings:
    p = cfg.fxo_port(port)
    return LineSettings(fxo_leg(port), port, pulse=p.dial == "pulse", caller_id=p.caller_id != "off",
                        withhold_prefix=p.withhold_prefix)


def _route(r: RouteConfig) -> Route:
    permission = None if r.permission == "auto" else Permission.named(r.permission)
    return Route(r.name, Pattern.parse(r.pattern), tuple(r.lines), r.strip, r.prepend, r.strategy, permission)


def _calls(cfg: Config) -> CallSettings:
    c = cfg.calls
    return CallSettings(
        no_answer_s=float(c.no_answer_s), hangup_tone=c.hangup_tone, hangup_tone_s=float(c.hangup_tone_s),
        forward_disconnect=c.forward_disconnect, special_info_tone=c.special_info_tone,
        line_dial_delay_s=c.line_dial_delay_ms / 1000, line_release_guard_s=c.line_release_guard_ms / 1000,
        line_ring_timeout_s=c.line_ring_timeout_s, inbound_cid_wait_s=c.inbound_cid_wait_s)
