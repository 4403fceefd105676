"""Kamailio's configuration rendered from pbxd's config (RFC 3261 proxy/registrar set-up): the
template `kamailio.cfg` with its @@KEY@@ slots filled, the generated route blocks of `routes`,
the TLS module's server/client profile (RFC 3261 §26.2, Debian's OpenSSL) and, when the media relay
runs, Kamailio's rtpengine module pointed at it.

`EdgePlan` is everything the edge needs, derived once from a `Config` plus the generated secrets;
`render` is a pure function of it (same plan, same text), so tests can check the output.
"""

from __future__ import annotations

import hashlib
import re
import socket
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from firmware.config.model import Config
from firmware.config.sip import SipConfig, TrunkConfig
from firmware.edge import routes as gen
from firmware.edge.db import Subscriber, TrunkRegistration
from firmware.edge.relay import RelayPlan
from firmware.edge.secrets import SecretStore
from firmware.pbx.numbering_plans import DiallingPrefixes, Permission, dialling_prefixes
from firmware.pbx.patterns import Pattern
from firmware.telephony.countries import country as lookup_country

INTERNAL_IP = "127.0.0.1"


@dataclass(frozen=True)
class EdgeLayout:
    """Files of the edge under `<state>/sip/`."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "kamailio.cfg"

    @property
    def tls_config(self) -> Path:
        return self.root / "tls.cfg"

    @property
    def subscribers_db(self) -> Path:
        return self.root / "subscribers.sqlite"

    @property
    def state_db(self) -> Path:
        return self.root / "state.sqlite"

    @property
    def calls_db(self) -> Path:
        """Records of the calls Kamailio routes alone (written by Kamailio, read by pbxd)."""
        return self.root / "calls.sqlite"

    @property
    def calls_mark(self) -> Path:
        """The last of those records pbxd has imported."""
        return self.root / "calls.imported"

    @property
    def run_dir(self) -> Path:
        """Sockets and pid file; a short path under /tmp when the state directory is too deep for
        Unix socket names (108 bytes)."""
        local = self.root / "run"
        if len(str(local)) <= 60:
            return local
        digest = hashlib.sha1(str(self.root).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"pbx-edge-{digest}"

    @property
    def rpc_socket(self) -> Path:
        return self.run_dir / "rpc.sock"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "kamailio.pid"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets.json"

    @property
    def cert(self) -> Path:
        return self.root / "tls" / "cert.pem"

    @property
    def key(self) -> Path:
        return self.root / "tls" / "key.pem"


@dataclass(frozen=True)
class EdgePlan:
    sip: SipConfig
    public_ip: str                 # advertised address
    domain: str
    trunks: tuple[TrunkConfig, ...]
    tokens: dict[str, str]         # trunk name -> registered contact user
    subscribers: tuple[Subscriber, ...]
    direct_routes: tuple[gen.DirectRoute, ...]
    analog_numbers: tuple[str, ...]
    emergency: tuple[str, ...]
    prefixes: DiallingPrefixes
    nonce_secret: str
    tls_cert: str = ""
    tls_key: str = ""
    debug: int = 1
    children: int = 4
    ring_timeout_s: int = 60
    registrations: tuple[TrunkRegistration, ...] = field(default=())
    relay: RelayPlan | None = None     # rtpengine for Kamailio-routed calls with a phone behind NAT

    @property
    def pbx_uri(self) -> str:
        return f"sip:{INTERNAL_IP}:{self.sip.pbx_port}"

    @property
    def public_socket(self) -> str:
        return f"udp:{self.sip.bind}:{self.sip.udp_port}"


def host_address() -> str:
    """This host's address for Via/SDP when the config binds 0.0.0.0 and advertises nothing."""
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return INTERNAL_IP


def plan_from_config(cfg: Config, secrets: SecretStore, layout: EdgeLayout, *, debug: int = 1) -> EdgePlan:
    sip = cfg.sip
    public = sip.advertise or (sip.bind if sip.bind != "0.0.0.0" else host_address())
    domain = sip.domain or public
    ctry = lookup_country(cfg.country)
    outside = ctry.outside_prefix if cfg.numbering.outside_prefix is None else cfg.numbering.outside_prefix
    emergency = ctry.emergency_numbers if cfg.numbering.emergency is None else tuple(cfg.numbering.emergency)
    emergency = tuple(dict.fromkeys([*emergency, *(outside + e for e in emergency)]))
    subscribers = tuple(
        Subscriber(e.number, secrets.password(e.number, e.password), e.devices,
                   int(Permission.named(e.permission)), e.caller_id, e.privacy, e.display_name)
        for e in cfg.sip_extensions)
    tokens = {t.name: secrets.trunk_token(t.name) for t in cfg.trunks}
    regs = tuple(_registration(t, tokens[t.name], domain, public, sip) for t in cfg.trunks if t.register)
    analog = tuple(e.number for e in cfg.extension_list())
    return EdgePlan(
        sip=sip, public_ip=public, domain=domain, trunks=tuple(cfg.trunks), tokens=tokens,
        subscribers=subscribers, direct_routes=_direct_routes(cfg), analog_numbers=analog, emergency=emergency,
        prefixes=dialling_prefixes(ctry.iso), nonce_secret=secrets.nonce_secret(),
        tls_cert=sip.tls_cert or str(layout.cert), tls_key=sip.tls_key or str(layout.key), debug=debug,
        ring_timeout_s=max(10, cfg.calls.no_answer_s or 120), registrations=regs)


def _registration(t: TrunkConfig, token: str, domain: str, public: str, sip: SipConfig) -> TrunkRegistration:
    hop = t.outbound_proxy or f"{t.host}:{t.port}"
    return TrunkRegistration(
        token=token, trunk=t.name, local_domain=domain, username=t.username, domain=t.sip_domain, realm=t.realm,
        auth_username=t.auth_user, password=t.password, proxy=f"sip:{hop};transport={t.transport}",
        expires=t.expiry_s, socket=f"{t.transport if t.transport != 'tls' else 'tls'}:{sip.bind}:"
        f"{sip.tls_port if t.transport == 'tls' else (sip.tcp_port if t.transport == 'tcp' else sip.udp_port)}")


def _direct_routes(cfg: Config) -> tuple[gen.DirectRoute, ...]:
    out: list[gen.DirectRoute] = []
    for r in cfg.routes:
        trunks = tuple(line[len("trunk:"):] for line in r.lines if line.startswith("trunk:"))
        direct = len(trunks) == len(r.lines) and bool(trunks)
        needs = None if r.permission == "auto" else Permission.named(r.permission)
        out.append(gen.DirectRoute(r.name, Pattern.parse(r.pattern), trunks, r.strip, r.prepend, needs, direct))
    return tuple(out)


def template() -> str:
    return resources.files("firmware.edge").joinpath("kamailio.cfg").read_text(encoding="utf-8")


def _listen(plan: EdgePlan) -> str:
    sip = plan.sip
    adv = f" advertise {plan.public_ip}:{{port}}" if plan.public_ip != sip.bind else ""
    lines = [f"listen=udp:{sip.bind}:{sip.udp_port}{adv.format(port=sip.udp_port)}"]
    if sip.tcp_port:
        lines.append(f"listen=tcp:{sip.bind}:{sip.tcp_port}{adv.format(port=sip.tcp_port)}")
    if sip.tls_port:
        lines.append(f"listen=tls:{sip.bind}:{sip.tls_port}{adv.format(port=sip.tls_port)}")
    return "\n".join(lines)


def _sockets(plan: EdgePlan) -> dict[str, str]:
    sip = plan.sip
    out = {"udp": f"udp:{sip.bind}:{sip.udp_port}"}
    if sip.tcp_port:
        out["tcp"] = f"tcp:{sip.bind}:{sip.tcp_port}"
    if sip.tls_port:
        out["tls"] = f"tls:{sip.bind}:{sip.tls_port}"
    return out


def _defines(plan: EdgePlan) -> str:
    if not plan.sip.direct_routing:
        return "# direct routing off: every call via pbxd (and no media relay)"
    relay = "#!define WITH_RELAY" if plan.relay else "# no media relay (rtpengine missing or not running)"
    return "\n".join(["#!define WITH_DIRECT", relay])


def _relay_module(relay: RelayPlan | None) -> str:
    """rtpengine module for the relay's control port: answers come within a millisecond on loopback, so
    a relay that died costs one call 0.5 s once, then it is skipped for 30 s (calls go on unrelayed)."""
    if relay is None:
        return ""
    return "\n".join([
        'loadmodule "rtpengine.so"',
        f'modparam("rtpengine", "rtpengine_sock", "{relay.ng_socket}")',
        'modparam("rtpengine", "rtpengine_tout_ms", 250)',
        'modparam("rtpengine", "rtpengine_retr", 2)',         # attempts, not retries
        'modparam("rtpengine", "rtpengine_disable_tout", 30)',
    ])


def render(plan: EdgePlan, layout: EdgeLayout) -> str:
    """The full kamailio.cfg text for `plan`."""
    sip = plan.sip
    ban = sip.ban
    generated = "\n\n".join([
        "# ---- generated from pbxd's config (firmware/edge/routes.py) ----",
        gen.trusted_block(ban.trusted, plan.trunks),
        gen.trunk_match_block(plan.trunks, plan.tokens),
        gen.trunk_did_block(plan.trunks),
        gen.trunk_by_host_block(plan.trunks),
        gen.trunk_set_block(plan.trunks, _sockets(plan)),
        gen.sip_ext_block(s.number for s in plan.subscribers),
        gen.direct_out_block(plan.direct_routes, plan.analog_numbers, plan.emergency, plan.prefixes),
    ])
    slots = {
        "DEBUG": str(plan.debug), "CHILDREN": str(plan.children),
        "DISABLE_TCP": "no" if (sip.tcp_port or sip.tls_port) else "yes",
        "ENABLE_TLS": "yes" if sip.tls_port else "no",
        "DOMAIN": plan.domain, "PUBLIC": f"{sip.bind} ({plan.public_ip})",
        "INTERNAL_IP": INTERNAL_IP, "INTERNAL_PORT": str(sip.internal_port), "PBX_URI": plan.pbx_uri,
        "PBX_PORT": str(sip.pbx_port),
        "RUN_DIR": str(layout.run_dir), "RPC_SOCK": str(layout.rpc_socket),
        "DB_SUBS": str(layout.subscribers_db), "DB_STATE": str(layout.state_db),
        "DB_CALLS": str(layout.calls_db),
        "LISTEN": _listen(plan), "NONCE_SECRET": plan.nonce_secret,
        "BAN_FAILS": str(ban.auth_failures), "BAN_WINDOW": str(ban.window_s), "BAN_TIME": str(ban.ban_s),
        "PIKE_UNIT": str(ban.flood_window_s), "PIKE_DENSITY": str(ban.flood_requests),
        "NAT_PING": str(sip.nat_keepalive_s), "REG_CONTACT": f"{plan.public_ip}:{sip.udp_port}",
        "REG_TIMER": str(max(2, min(10, sip.trunk_retry_s // 2))), "REG_RETRY": str(sip.trunk_retry_s),
        "UAC_SOCKET": f'modparam("uac", "default_socket", "{plan.public_socket}")',
        "RING_TIMEOUT_MS": str(plan.ring_timeout_s * 1000),
        "PRESENCE_CONTACT": f"sip:{plan.public_ip}:{sip.udp_port}",
        "DEFINES": _defines(plan),
        "RELAY_MODULE": _relay_module(plan.relay),
        "TLS_MODULE": 'loadmodule "tls.so"' if sip.tls_port else "",
        "TLS_PARAMS": f'modparam("tls", "config", "{layout.tls_config}")' if sip.tls_port else "",
        "GENERATED": generated,
    }
    text = template()
    for key, value in slots.items():
        text = text.replace(f"@@{key}@@", value)
    left = re.search(r"@@[A-Z_]+@@", text)
    if left:
        raise ValueError(f"unfilled slot {left.group(0)} in the Kamailio template")
    return text


def render_tls(plan: EdgePlan) -> str:
    """The tls module's profiles: TLS 1.2+, our certificate; peers are not asked for one."""
    return (
        "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n"
        f"private_key = {plan.tls_key}\ncertificate = {plan.tls_cert}\n\n"
        "[client:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n"
    )
