"""Composition of the SIP part of pbxd: the SIP edge (Kamailio, RFC 3261 proxy/registrar) started as a
child process, and pbxd's own SIP agent (pjsua2 on loopback behind it) wired to the engine's SIP
flow and the media bridge on the runtime thread; plus the SIP status the API shows (trunk
registrations per RFC 3261 §10, bans, registered phones, call slots).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from firmware.config.model import Config
from firmware.edge.acc import EdgeCallImporter, Watermark
from firmware.edge.edge import SipEdge
from firmware.pbx.commands import CdrRecord
from firmware.pbx.engine import Engine

log = logging.getLogger("pbxd")


def start_edge(cfg: Config, state_dir: Path, *, debug: int | None = None) -> SipEdge | None:
    """Kamailio for this config (None when SIP is off); SipError if it cannot run. Kamailio logs
    notices too when pbxd logs at DEBUG."""
    if not cfg.sip.enabled:
        return None
    if debug is None:
        debug = 2 if logging.getLogger("pbxd").isEnabledFor(logging.DEBUG) else 1
    edge = SipEdge(cfg, state_dir, debug=debug)
    edge.prepare()
    edge.start()
    return edge


def start_edge_calls(edge: SipEdge, runtime: Any, cdr: Any) -> EdgeCallImporter:
    """Import the records of the calls Kamailio routes alone into the call records, through the runtime
    (so CDR listeners see them too); each batch is on disk before the importer moves on."""

    def store(records: Sequence[CdrRecord]) -> None:
        runtime.call(lambda: runtime.execute(list(records)), timeout=10.0)
        if cdr is not None:
            cdr.flush()

    importer = EdgeCallImporter(edge.layout.calls_db, Watermark(edge.layout.calls_mark), store, tz=runtime.tz)
    importer.start()
    return importer


def sip_factory(cfg: Config, edge: SipEdge, engine: Engine) -> Callable[[Any], Any]:
    """What the runtime calls on its own thread once the media side exists: agent, engine flow, BLF."""

    def make(media: Any) -> Any:
        from firmware.pbx.sipcalls import SipCalls
        from firmware.pbx.sipparties import SipSettings
        from firmware.runtime.sipside import BlfPublisher, SipSide
        from firmware.sip.agent import AgentSettings, SipAgent

        plan = edge.plan
        assert plan is not None
        sip = cfg.sip
        settings = AgentSettings(
            pbx_port=sip.pbx_port, proxy_port=sip.internal_port, domain=plan.domain, media_ip=plan.public_ip,
            rtp_port_min=sip.rtp_port_min, rtp_port_max=sip.rtp_port_max, session_timer_s=sip.session_timer_s,
            rtp_timeout_s=sip.rtp_timeout_s, max_calls=sip.max_calls, g722_pcm_shift=sip.g722_pcm_shift,
            trunk_codecs=tuple((t.name, tuple(t.codecs)) for t in cfg.trunks),
            trunk_dtmf=tuple((t.name, t.dtmf_mode) for t in cfg.trunks))
        agent = SipAgent(media.endpoint, settings)
        agent.start()
        calls = SipCalls.install(engine, SipSettings.from_config(cfg, agent.max_calls))
        blf = BlfPublisher(edge.publish, plan.domain)
        log.info("SIP: %d call slot(s) in pbxd (pjsua2 limit); Kamailio routes the rest", agent.max_calls)
        return SipSide(agent, calls, media, blf)

    return make


def sip_status(edge: SipEdge | None, runtime: Any) -> dict[str, Any]:
    """Trunk registrations, bans, registered phones and pbxd's call slots, JSON-ready."""
    if edge is None:
        return {"enabled": False}
    status = edge.status()
    out: dict[str, Any] = {
        "enabled": True, "edge_running": status.running, "error": status.error,
        "trunks": [{"name": t.trunk, "state": t.state, "expires_in": t.expires_in} for t in status.trunks],
        "bans": [{"address": b.address, "reason": b.reason, "expires_in": b.expires_in} for b in status.bans],
        "registered": status.registered,
        "relay": status.relay,       # the media relay for Kamailio-routed calls with a phone behind NAT runs
    }
    side = getattr(runtime, "sip", None)
    if side is not None:
        out["slots"] = runtime.call(side.status)
    registered = {t.trunk for t in status.trunks}
    for trunk in edge.cfg.trunks:
        if trunk.name not in registered:
            out["trunks"].append({"name": trunk.name, "state": "ip" if not trunk.register else "unknown",
                                  "expires_in": 0})
    return out


class SipView:
    """What the API reads about SIP (`Daemon.sip`): trunk rows for the dashboard, bans, slots."""

    def __init__(self, edge: SipEdge | None, runtime: Any) -> None:
        self.edge = edge
        self.runtime = runtime

    def trunk_status(self) -> list[dict[str, Any]]:
        """One row per trunk: name, status (registered, registering, failed, ip, down), reason."""
        status = sip_status(self.edge, self.runtime)
        if not status.get("enabled"):
            return []
        rows = []
        for t in status["trunks"]:
            state = t["state"] if status["edge_running"] else "down"
            reason = status.get("error", "") if state in ("down", "unknown") else (
                f"expires in {t['expires_in']} s" if state == "registered" else "")
            rows.append({"name": t["name"], "status": state, "reason": reason, "expires_in": t["expires_in"]})
        return rows

    def bans(self) -> list[dict[str, Any]]:
        status = sip_status(self.edge, self.runtime)
        return list(status.get("bans", []))

    def status(self) -> dict[str, Any]:
        return sip_status(self.edge, self.runtime)
