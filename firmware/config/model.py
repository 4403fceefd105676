"""The configuration file's model: board, country, analog ports (one YAML file, see README)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from firmware.config.attendant import IvrMenuConfig, PromptsConfig, TimeConditionConfig, parse_destination
from firmware.config.callers import (
    CallerListConfig,
    CallerRouteConfig,
    DisaConfig,
    MusicConfig,
    PagingConfig,
    PhonebookConfig,
)
from firmware.config.dialplan import (
    CallsConfig,
    ExtensionConfig,
    InboundConfig,
    NumberingConfig,
    RouteConfig,
    check_dialplan,
    default_extensions,
    effective_prefix_and_emergency,
)
from firmware.config.features import (
    DEFAULT_ROUTE_NAMES,
    FeaturesConfig,
    MailConfig,
    check_features,
    feature_destinations,
)
from firmware.config.office import Office, check_office
from firmware.config.sip import SipConfig, SipExtensionConfig, TrunkConfig, check_sip
from firmware.config.voicemail import VoicemailConfig
from firmware.config.web import WebConfig
from firmware.contracts.errors import ConfigError
from firmware.telephony.countries import country as lookup_country

FxsChip = Literal["auto", "si3210", "si3215"]
ModuleType = Literal["fxs", "fxo"]


def doc(text: str, **limits: object) -> dict[str, object]:
    return {"doc": text, **limits}


@dataclass(frozen=True)
class SpiConfig:
    backend: Literal["spidev", "periphery"] = field(default="spidev", metadata=doc(
        "Linux SPI driver library: spidev or python-periphery"))
    bus: int = field(default=0, metadata=doc("SPI bus number (/dev/spidevBUS.CS)", min=0, max=7))
    speed_hz: int = field(default=2_000_000, metadata=doc("SPI clock", min=100_000, max=20_000_000))
    mode: int = field(default=3, metadata=doc("SPI mode (ProSLIC and Si3050: 3)", min=0, max=3))


@dataclass(frozen=True)
class GpioConfig:
    backend: Literal["periphery", "rpigpio"] = field(default="periphery", metadata=doc(
        "GPIO library: periphery (gpio character device) or rpigpio (RPi.GPIO)"))
    chip: str = field(default="/dev/gpiochip0", metadata=doc("GPIO character device (periphery)"))


@dataclass(frozen=True)
class PcmConfig:
    device: str = field(default="hw:CARD=pbxtdm,DEV=0", metadata=doc("ALSA device of the TDM highway"))
    companding: Literal["auto", "mulaw", "alaw"] = field(default="auto", metadata=doc(
        "PCM companding of every port: auto = A-law in A-law countries, mu-law elsewhere"))


@dataclass(frozen=True)
class ModuleConfig:
    port: int = field(metadata=doc("port number shown everywhere (1-32)", min=1, max=32))
    type: ModuleType = field(metadata=doc("fxs (a handset plugs in) or fxo (a PSTN line plugs in)"))
    chip: Literal["auto", "si3210", "si3215", "si3050"] = field(default="auto", metadata=doc(
        "expected chip; auto accepts Si3210 or Si3215 on FXS, Si3050 on FXO"))
    cs: int = field(default=0, metadata=doc("SPI chip select", min=0, max=7))
    position: int = field(default=0, metadata=doc(
        "daisy-chain channel (ProSLIC) or chip address (Si3050, 0-3) on that chip select", min=0, max=7))
    reset_gpio: int | None = field(default=None, metadata=doc("GPIO line of the module reset", min=0))
    int_gpio: int | None = field(default=None, metadata=doc("GPIO line of the module interrupt", min=0))
    pcm_slot: int | None = field(default=None, metadata=doc(
        "TDM time slot (default: port - 1)", min=0, max=31))

    @property
    def slot(self) -> int:
        return self.port - 1 if self.pcm_slot is None else self.pcm_slot

    def check(self) -> list[tuple[str, str]]:
        if self.type == "fxs" and self.chip == "si3050":
            return [("chip", "an FXS module carries a ProSLIC (si3210/si3215), not an si3050")]
        if self.type == "fxo" and self.chip in ("si3210", "si3215"):
            return [("chip", f"an FXO module carries an si3050, not an {self.chip}")]
        if self.type == "fxo" and self.position > 3:
            return [("position", "an Si3050 chip address is 0-3")]
        return []


FXS_RESET_GPIOS = (5, 6, 12, 13)   # default board: one reset line per module ...
FXO_RESET_GPIOS = (16, 17)
FXS_INT_GPIO = 25                  # ... and one wired-OR (open-drain) INT line shared by the FXS modules


def default_modules() -> list[ModuleConfig]:
    """The default virtual board: 4 FXS (two Si3215, two Si3210) and 2 FXO ports, as our board wires them."""
    fxs = [ModuleConfig(port=i, type="fxs", chip="si3215" if i <= 2 else "si3210", cs=i - 1,
                        reset_gpio=FXS_RESET_GPIOS[i - 1], int_gpio=FXS_INT_GPIO) for i in range(1, 5)]
    fxo = [ModuleConfig(port=i, type="fxo", chip="si3050", cs=i - 1, reset_gpio=FXO_RESET_GPIOS[i - 5])
           for i in range(5, 7)]
    return fxs + fxo


@dataclass(frozen=True)
class BoardConfig:
    kind: Literal["virtual", "linux"] = field(default="virtual", metadata=doc(
        "virtual = chip models (no hardware); linux = the real board over spidev/GPIO"))
    daisy_chain: bool = field(default=False, metadata=doc(
        "ProSLICs share one chip select in SPI daisy-chain mode"))
    spi: SpiConfig = field(default_factory=SpiConfig)
    gpio: GpioConfig = field(default_factory=GpioConfig)
    pcm: PcmConfig = field(default_factory=PcmConfig)
    modules: list[ModuleConfig] = field(default_factory=default_modules)

    def check(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        ports: dict[int, int] = {}
        places: dict[tuple[int, int], int] = {}
        slots: dict[int, int] = {}
        families: dict[int, str] = {}
        for i, m in enumerate(self.modules):
            if m.port in ports:
                problems.append((f"modules[{i}].port", f"port {m.port} is already modules[{ports[m.port]}]"))
            ports.setdefault(m.port, i)
            family = "proslic" if m.type == "fxs" else "daa"
            if families.setdefault(m.cs, family) != family:
                problems.append((f"modules[{i}].cs", f"chip select {m.cs} mixes FXS and FXO modules"))
            if (m.cs, m.position) in places:
                other = places[(m.cs, m.position)]
                problems.append((f"modules[{i}].position",
                                 f"chip select {m.cs} position {m.position} is already modules[{other}]"))
            places.setdefault((m.cs, m.position), i)
            if m.slot in slots:
                other = slots[m.slot]
                problems.append((f"modules[{i}].pcm_slot", f"PCM slot {m.slot} is already modules[{other}]"))
            slots.setdefault(m.slot, i)
            if m.type == "fxs" and m.position and not self.daisy_chain:
                problems.append((f"modules[{i}].position", "a ProSLIC position needs daisy_chain: true"))
        return problems


@dataclass(frozen=True)
class FxsPortConfig:
    port: int = field(metadata=doc("FXS port number", min=1, max=32))
    ring_mode: Literal["normal", "boost", "lowpower", "fast"] = field(default="normal", metadata=doc(
        "ringing voltage/frequency preset (normal ~64 Vpk 20 Hz; boost for high-REN bells)"))
    loop_current_ma: int = field(default=20, metadata=doc("loop current limit, mA", min=20, max=41))
    dtmf: Literal["auto", "hardware", "software"] = field(default="auto", metadata=doc(
        "DTMF receiver: auto = the chip's decoder on Si3210, software on Si3215"))
    rx_gain_db: float = field(default=0.0, metadata=doc("gain toward the handset, dB", min=-12.0, max=6.0))
    tx_gain_db: float = field(default=0.0, metadata=doc("gain from the handset, dB", min=-12.0, max=6.0))
    caller_id: Literal["country", "bell202", "etsi_v23", "japan", "dtmf", "off"] = field(
        default="country", metadata=doc("caller-ID signalling to the handset"))
    caller_id_timing: Literal["country", "after_first_ring", "before_ring_lr", "before_ring_rp_as"] = field(
        default="country", metadata=doc("when caller ID is sent"))
    caller_id_format: Literal["mdmf", "sdmf"] = field(default="mdmf", metadata=doc(
        "MDMF carries number, name and time; SDMF only number and time"))


@dataclass(frozen=True)
class FxoPortConfig:
    port: int = field(metadata=doc("FXO port number", min=1, max=32))
    disconnect: list[Literal["battery_drop", "polarity_reversal", "loop_current_drop", "busy_tone"]] = field(
        default_factory=lambda: ["battery_drop", "polarity_reversal", "loop_current_drop", "busy_tone"],
        metadata=doc("far-end hang-up signals to act on (calibration fills this in)"))
    answer_on_polarity: bool = field(default=True, metadata=doc(
        "the exchange reverses polarity when the far end answers (then the next reversal is the hang-up); "
        "false: any reversal during a call is the hang-up (calibration measures it)"))
    idle_limit_s: int = field(default=120, metadata=doc(
        "release the line after this many seconds of silence in a call", min=10, max=3600))
    max_call_s: int = field(default=0, metadata=doc("hard limit of a call in seconds (0 = none)", min=0))
    acim: int | None = field(default=None, metadata=doc(
        "AC termination (Si3050 reg 30); default: the country's; calibration measures it", min=0, max=15))
    echo_cancel: bool = field(default=True, metadata=doc("line echo canceller on this line"))
    echo_tail_ms: int = field(default=32, metadata=doc("echo canceller tail in ms", choices=[32, 64, 128]))
    caller_id: Literal["auto", "bell202", "etsi_v23", "japan", "dtmf", "off"] = field(
        default="auto", metadata=doc("caller-ID format the line delivers (auto tries all)"))
    dial: Literal["dtmf", "pulse"] = field(default="dtmf", metadata=doc("how we dial out"))
    withhold_prefix: str = field(default="", metadata=doc(
        "digits the exchange takes as 'withhold my number on this call', dialled before the number when a "
        "caller withholds (e.g. *31# in Germany, #31# in Poland; ask the provider); empty = the line "
        "cannot withhold", pattern=r"[0-9*#]{0,8}"))
    calibration_number: str = field(default="", metadata=doc(
        "number the automatic line calibration calls (answers, then hangs up)", pattern=r"[0-9*#]*"))
    rx_gain_db: float = field(default=0.0, metadata=doc("gain from the line, dB", min=-15.0, max=12.0))
    tx_gain_db: float = field(default=0.0, metadata=doc("gain toward the line, dB", min=-15.0, max=12.0))


@dataclass(frozen=True)
class Config:
    country: str = field(default="DE", metadata=doc(
        "ISO country code: sets tones, ring cadence, caller-ID format, line (DAA) settings and language"))
    timezone: str = field(default="", metadata=doc("IANA time zone; empty = the country's default"))
    board: BoardConfig = field(default_factory=BoardConfig)
    fxs: list[FxsPortConfig] = field(default_factory=list)
    fxo: list[FxoPortConfig] = field(default_factory=list)
    extensions: list[ExtensionConfig] = field(default_factory=list, metadata=doc(
        "extensions (number, FXS port, name, permission); empty = one per FXS port: 201, 202, ..."))
    routes: list[RouteConfig] = field(default_factory=list, metadata=doc(
        "outbound routes, first match wins; empty = the country's default routes over every FXO line"))
    inbound: list[InboundConfig] = field(default_factory=list, metadata=doc(
        "where each line's incoming calls ring; lines not listed ring the first extension"))
    numbering: NumberingConfig = field(default_factory=NumberingConfig, metadata=doc(
        "dialling: outside-line prefix, emergency numbers, feature codes, digit timeouts"))
    calls: CallsConfig = field(default_factory=CallsConfig, metadata=doc(
        "call behaviour: no-answer time, hang-up tone, line dial delay and guard, incoming caller-ID wait"))
    features: FeaturesConfig = field(default_factory=FeaturesConfig, metadata=doc(
        "office call features: hold, transfer, conference, pickup, park, ring groups, recording, route choice"))
    mail: MailConfig = field(default_factory=MailConfig, metadata=doc(
        "SMTP server for missed-call and daily-report mails"))
    web: WebConfig = field(default_factory=WebConfig, metadata=doc(
        "the local web page: address and ports, HTTPS, session idle time, login lockout"))

    sip: SipConfig = field(default_factory=SipConfig, metadata=doc(
        "the SIP edge (Kamailio on the public SIP ports; pbxd's own SIP agent behind it on loopback)"))
    trunks: list[TrunkConfig] = field(default_factory=list, metadata=doc(
        "SIP trunks to providers; routes use them as line trunk:<name>, their DIDs ring extensions"))
    sip_extensions: list[SipExtensionConfig] = field(default_factory=list, metadata=doc(
        "extensions on IP phones and softphones (SIP user = number; several devices may register)"))

    prompts: PromptsConfig = field(default_factory=PromptsConfig, metadata=doc(
        "spoken prompts: language, your own recordings"))
    ivr: list[IvrMenuConfig] = field(default_factory=list, metadata=doc(
        "voice menus (auto-attendant): prompts, keys and where they lead, direct dialling, timeouts"))
    time_conditions: list[TimeConditionConfig] = field(default_factory=list, metadata=doc(
        "office hours and holidays: where calls go when open, closed or on a holiday; day/night switch"))
    voicemail: VoicemailConfig = field(default_factory=VoicemailConfig, metadata=doc(
        "mailboxes, access codes, mail of new messages, forwarding of extensions to their mailbox"))
    caller_lists: list[CallerListConfig] = field(default_factory=list, metadata=doc(
        "black and white lists of callers, per line or for every line"))
    caller_routes: list[CallerRouteConfig] = field(default_factory=list, metadata=doc(
        "inbound routing by the caller's number (masks like _812X.), checked before the line's destination"))
    phonebook: PhonebookConfig = field(default_factory=PhonebookConfig, metadata=doc(
        "names for callers' numbers, shown on the handsets and in call records"))
    disa: list[DisaConfig] = field(default_factory=list, metadata=doc(
        "dial-in from outside with a PIN, then dial out or call extensions"))
    paging: list[PagingConfig] = field(default_factory=list, metadata=doc("paging and intercom groups"))
    music: MusicConfig = field(default_factory=MusicConfig, metadata=doc("music-on-hold classes"))

    def check(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        try:
            lookup_country(self.country)
        except ConfigError as exc:
            problems.append(("country", exc.message))
        kinds = {m.port: m.type for m in self.board.modules}
        sections: tuple[tuple[str, list[int]], ...] = (
            ("fxs", [p.port for p in self.fxs]), ("fxo", [p.port for p in self.fxo]))
        for section, numbers in sections:
            seen: set[int] = set()
            for i, port in enumerate(numbers):
                if port in seen:
                    problems.append((f"{section}[{i}].port", f"port {port} is listed twice"))
                seen.add(port)
                if port not in kinds:
                    problems.append((f"{section}[{i}].port", f"the board has no port {port}"))
                elif kinds[port] != section:
                    problems.append((f"{section}[{i}].port", f"port {port} is an {kinds[port]} port"))
        problems += self._features_fit(check_dialplan(
            country_iso=self.country, fxs_ports=self.ports_of("fxs"), fxo_ports=self.ports_of("fxo"),
            extensions=self.extensions, routes=self.routes, inbound=self.inbound, numbering=self.numbering,
            trunks=[t.name for t in self.trunks]))
        problems += check_sip(self.sip, self.trunks, self.sip_extensions,
                              [e.number for e in self.extension_list()])
        return self._office_fit(problems) + self._check_features() + self._check_office()

    def office(self) -> Office:
        """The office features' sections as one bundle (for the call engine)."""
        return Office(prompts=self.prompts, ivr=tuple(self.ivr), time_conditions=tuple(self.time_conditions),
                      voicemail=self.voicemail, caller_lists=tuple(self.caller_lists),
                      caller_routes=tuple(self.caller_routes), phonebook=self.phonebook, disa=tuple(self.disa),
                      paging=tuple(self.paging), music=self.music,
                      inbound_ringback=tuple((i.line, i.ringback) for i in self.inbound))

    def _features_fit(self, dialplan: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Dial-plan problems, less inbound destinations that are ring groups rather than extensions."""
        groups = feature_destinations(self.features)
        fine = {f"inbound[{i}].destination" for i, e in enumerate(self.inbound) if e.destination in groups}
        return [p for p in dialplan if p[0] not in fine]

    def _office_fit(self, problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Less "not an extension" for inbound and DID destinations that lead to an office feature
        (menus, time conditions, voicemail, ...): `_check_office` checks those itself."""
        office = self.office()
        numbers = {n for _p, n in office.numbers()}
        fine = {f"inbound[{i}].destination" for i, e in enumerate(self.inbound)
                if parse_destination(e.destination).kind not in ("number", "invalid") or e.destination in numbers}
        fine |= {f"trunks[{i}].dids[{j}].destination" for i, t in enumerate(self.trunks)
                 for j, d in enumerate(t.dids)
                 if parse_destination(d.destination).kind not in ("number", "invalid") or d.destination in numbers}
        return [p for p in problems if p[0] not in fine]

    def _check_office(self) -> list[tuple[str, str]]:
        f = self.features
        codes = [c for _p, c, _f in f.codes()] + [fc.code for fc in self.numbering.feature_codes]
        exts = [e.number for e in self.extension_list()] + [e.number for e in self.sip_extensions]
        return check_office(
            self.office(), extensions=exts, groups=[g.number for g in f.ring_groups],
            lines=[f"fxo:{p}" for p in self.ports_of("fxo")] + [f"trunk:{t.name}" for t in self.trunks],
            routes=[r.name for r in self.routes] or list(DEFAULT_ROUTE_NAMES),
            inbound=[(i.line, i.destination) for i in self.inbound], taken_codes=codes,
            taken_numbers=[n for _p, n in f.numbers()])

    def _check_features(self) -> list[tuple[str, str]]:
        prefix, emergency = effective_prefix_and_emergency(self.country, self.numbering)
        return check_features(
            self.features, extensions=[e.number for e in self.extension_list()],
            routes=[r.name for r in self.routes] or list(DEFAULT_ROUTE_NAMES),
            lines=[f"fxo:{p}" for p in self.ports_of("fxo")], prefix=prefix, emergency=emergency,
            dialplan_codes=[(fc.code, fc.feature) for fc in self.numbering.feature_codes])

    def ports_of(self, kind: ModuleType) -> list[int]:
        """Port numbers of the board's FXS or FXO modules, in order."""
        return sorted(m.port for m in self.board.modules if m.type == kind)

    def extension_list(self) -> list[ExtensionConfig]:
        """The extensions in force: the configured ones, else one per FXS port (201, 202, ...)."""
        return list(self.extensions) or default_extensions(self.ports_of("fxs"))

    def fxs_port(self, port: int) -> FxsPortConfig:
        return next((p for p in self.fxs if p.port == port), FxsPortConfig(port=port))

    def fxo_port(self, port: int) -> FxoPortConfig:
        return next((p for p in self.fxo if p.port == port), FxoPortConfig(port=port))
