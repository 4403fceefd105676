"""The SIP edge as pbxd runs it: prepare the state directory (secrets, databases, TLS certificate,
rendered config checked by Kamailio itself), run Kamailio, and report its status (RFC 3261
registrar/proxy at the box's public SIP ports; trunk registrations per RFC 3261 §10).

Start order: secrets -> subscriber rows (HA1 only) -> trunk registration rows -> kamailio.cfg +
tls.cfg -> `kamailio -c` -> start and wait for RPC. Status reads are cheap RPC calls and never
raise: a stopped or wedged Kamailio shows as such.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from firmware.config.model import Config
from firmware.contracts.errors import SipError
from firmware.edge.acc import Watermark, create_calls_db, prune_imported
from firmware.edge.db import SubscriberDb, create_state_db
from firmware.edge.process import KamailioProcess, check_config, ensure_certificate
from firmware.edge.render import EdgeLayout, EdgePlan, plan_from_config, render, render_tls
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


class SipEdge:
    """Kamailio for one pbxd; `plan` is known after `prepare()`."""

    def __init__(self, cfg: Config, state_dir: Path, *, debug: int = 1) -> None:
        self.cfg = cfg
        self.layout = EdgeLayout(state_dir / "sip")
        self.secrets = SecretStore(self.layout.secrets)
        self.debug = debug
        self.plan: EdgePlan | None = None
        self.rpc = KamailioRpc(self.layout.rpc_socket)
        self.process: KamailioProcess | None = None

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
        layout.config.write_text(render(plan, layout))
        layout.config.chmod(0o600)
        check_config(plan.sip.kamailio, layout.config)
        self.plan = plan
        return plan

    def start(self) -> None:
        plan = self.plan or self.prepare()
        self.process = KamailioProcess(plan.sip.kamailio, self.layout.config, self.layout.run_dir, self.rpc)
        self.process.start()
        log.info("SIP edge on %s udp/%d tcp/%d tls/%d, domain %s, %d trunk(s), %d SIP extension(s)",
                 plan.public_ip, plan.sip.udp_port, plan.sip.tcp_port, plan.sip.tls_port, plan.domain,
                 len(plan.trunks), len(plan.subscribers))

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

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
        return EdgeStatus(True, trunks, bans, {ext: len(c) for ext, c in contacts.items()})

    def publish(self, uri: str, event: str, content_type: str, body: str, *, series: str = ".",
                expires: int = 3600) -> Any:
        return self.rpc.publish(uri, event, content_type, body, expires=expires, series=series)
