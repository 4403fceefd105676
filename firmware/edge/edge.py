"""The SIP edge as pbxd runs it: prepare the state directory (secrets, databases, TLS certificate,
rendered config checked by Kamailio itself), run the media relay and Kamailio, and report their
status (RFC 3261 registrar/proxy at the box's public SIP ports; trunk registrations per RFC 3261
§10; RTP relayed for Kamailio-routed calls with a phone behind NAT, RFC 3550).

Start order: secrets -> subscriber rows (HA1 only) -> trunk registration rows -> kamailio.cfg +
tls.cfg -> `kamailio -c` -> rtpengine (when installed and direct routing is on) -> Kamailio, and
wait for RPC. A relay that is missing or does not start is a warning, not an error: Kamailio's
config is rendered again without it and calls go on unrelayed. Status reads are cheap RPC calls
and never raise: a stopped or wedged Kamailio shows as such.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from firmware.config.model import Config
from firmware.contracts.errors import SipError
from firmware.edge.acc import Watermark, create_calls_db, prune_imported
from firmware.edge.db import SubscriberDb, create_state_db
from firmware.edge.process import KamailioProcess, check_config, ensure_certificate
from firmware.edge.relay import RelayPlan, RelayProcess, find_binary, free_ng_port, relay_ports
from firmware.edge.render import EdgeLayout, EdgePlan, host_address, plan_from_config, render, render_tls
from firmware.edge.rpc import Ban, KamailioRpc, TrunkRegistrationStatus
from firmware.edge.secrets import SecretStore

log = logging.getLogger("pbxd.edge")


@dataclass(frozen=True)
class EdgeStatus:
    running: bool
    trunks: tuple[TrunkRegistrationStatus, ...] = ()
    bans: tuple[Ban, ...] = ()
    registered: dict[str, int] = field(default_factory=dict)   # extension -> devices registered
    error: str = ""
    relay: bool = False          # the media relay runs (Kamailio-routed calls with a phone behind NAT)


class SipEdge:
    """Kamailio (and its media relay) for one pbxd; `plan` is known after `prepare()`. `relay_binary`:
    the rtpengine to run (None: the installed one, "": no relay)."""

    def __init__(self, cfg: Config, state_dir: Path, *, debug: int = 1, relay_binary: str | None = None) -> None:
        self.cfg = cfg
        self.layout = EdgeLayout(state_dir / "sip")
        self.secrets = SecretStore(self.layout.secrets)
        self.debug = debug
        self.relay_binary = relay_binary
        self.plan: EdgePlan | None = None
        self.rpc = KamailioRpc(self.layout.rpc_socket)
        self.process: KamailioProcess | None = None
        self.relay: RelayProcess | None = None

    def prepare(self) -> EdgePlan:
        """Write everything Kamailio reads; SipError if Kamailio rejects the rendered config."""
        layout = self.layout
        layout.root.mkdir(parents=True, exist_ok=True)
        layout.root.chmod(0o700)
        layout.run_dir.mkdir(parents=True, exist_ok=True)
        plan = plan_from_config(self.cfg, self.secrets, layout, debug=self.debug)
        self.secrets.save()
        SubscriberDb(layout.subscribers_db).write(plan.domain, plan.domain, plan.subscribers, plan.registrations)
        create_state_db(layout.state_db)
        mark = Watermark(layout.calls_mark)
        if create_calls_db(layout.calls_db):
            mark.set(0)
        pruned = prune_imported(layout.calls_db, mark)
        if pruned:
            log.debug("%d imported edge call record(s) pruned", pruned)
        if plan.sip.tls_port:
            if not self.cfg.sip.tls_cert:
                ensure_certificate(layout.cert, layout.key, plan.domain)
            layout.tls_config.write_text(render_tls(plan))
        self.plan = self._write_config(replace(plan, relay=self._relay_plan(plan)))
        return self.plan

    def _write_config(self, plan: EdgePlan) -> EdgePlan:
        self.layout.config.write_text(render(plan, self.layout))
        self.layout.config.chmod(0o600)
        check_config(plan.sip.kamailio, self.layout.config)
        return plan

    def _relay_plan(self, plan: EdgePlan) -> RelayPlan | None:
        """The media relay, when direct routing is on and rtpengine is installed."""
        if not plan.sip.direct_routing or self.relay_binary == "":
            return None
        binary = self.relay_binary or find_binary()
        if binary is None or not Path(binary).exists():
            log.warning("rtpengine is not installed: calls Kamailio routes alone get no media relay (phones behind "
                        "NAT calling each other will not hear each other)")
            return None
        low, high = relay_ports(plan.sip)
        local = plan.sip.bind if plan.sip.bind != "0.0.0.0" else host_address()
        return RelayPlan(binary, free_ng_port(), local, plan.public_ip, low, high, debug=self.debug)

    def start(self) -> None:
        plan = self.plan or self.prepare()
        if plan.relay is not None:
            relay = RelayProcess(plan.relay, self.layout.run_dir)
            try:
                relay.start()
                self.relay = relay
            except SipError as exc:
                log.warning("media relay not running (%s): calls Kamailio routes alone go on without it (phones "
                            "behind NAT calling each other will not hear each other)", exc)
                plan = self.plan = self._write_config(replace(plan, relay=None))
        self.process = KamailioProcess(plan.sip.kamailio, self.layout.config, self.layout.run_dir, self.rpc)
        try:
            self.process.start()
        except SipError:
            self._stop_relay()
            raise
        log.info("SIP edge on %s udp/%d tcp/%d tls/%d, domain %s, %d trunk(s), %d SIP extension(s), media relay %s",
                 plan.public_ip, plan.sip.udp_port, plan.sip.tcp_port, plan.sip.tls_port, plan.domain,
                 len(plan.trunks), len(plan.subscribers), "on" if plan.relay else "off")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
        self._stop_relay()

    def _stop_relay(self) -> None:
        if self.relay is not None:
            self.relay.stop()
            self.relay = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running

    def password(self, extension: str) -> str:
        """The password in force for a SIP extension (configured or generated)."""
        ext = next((e for e in self.cfg.sip_extensions if e.number == extension), None)
        if ext is None:
            raise SipError(f"no SIP extension {extension}")
        return self.secrets.password(extension, ext.password)

    def status(self) -> EdgeStatus:
        if not self.running:
            return EdgeStatus(False, error="Kamailio is not running")
        try:
            trunks = tuple(self.rpc.trunk_registrations())
            bans = tuple(self.rpc.bans(self.cfg.sip.ban.ban_s))
            contacts = self.rpc.contacts()
        except SipError as exc:
            return EdgeStatus(True, error=str(exc))
        return EdgeStatus(True, trunks, bans, {ext: len(c) for ext, c in contacts.items()},
                          relay=self.relay is not None and self.relay.running)

    def publish(self, uri: str, event: str, content_type: str, body: str, *, series: str = ".",
                expires: int = 3600) -> Any:
        return self.rpc.publish(uri, event, content_type, body, expires=expires, series=series)
