"""The SIP side of the runtime: executes the engine's SIP commands with pbxd's SIP agent (pjsua2,
RFC 3261), hands the agent's events back to the engine, keeps SIP legs' audio on the bridge as
streams come and go (RFC 3264 offer/answer, re-INVITE), hangs up calls without RTP, and publishes
extension states for BLF (RFC 4235 dialog-info) through the SIP edge.

Owner thread (the runtime loop) only, except the BLF publisher's own thread, which only talks to
Kamailio's RPC socket.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from firmware.contracts.errors import SipError
from firmware.contracts.ports import PortEvent
from firmware.pbx.blf import DialogSource, DialogState, dialog_states
from firmware.pbx.commands import Command
from firmware.pbx.core import Core
from firmware.pbx.sipcalls import SipCalls
from firmware.pbx.sipmsg import (
    SipAnswer,
    SipCommand,
    SipDial,
    SipEvent,
    SipHangup,
    SipReferStatus,
    SipRing,
    SipSendDigits,
    SipSetHold,
)
from firmware.sip.agent import SipAgent
from firmware.sip.calls import SipLegNode

log = logging.getLogger("pbxd.sip")
RTP_CHECK_S = 1.0


def dialog_info(entity: str, state: DialogState, version: int, dialog_id: str = "") -> str:
    """An RFC 4235 dialog-info document with one dialog (state full)."""
    direction = f" direction={quoteattr(state.direction)}" if state.direction else ""
    remote = ""
    if state.remote:
        remote = f"<remote><identity>{escape(state.remote)}</identity></remote>"
    user = entity.split(":", 1)[-1].split("@")[0]
    return ('<?xml version="1.0"?>\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" '
            f'version="{version}" state="full" entity={quoteattr(entity)}>'
            f'<dialog id={quoteattr(dialog_id or "pbx-" + user)}{direction}><state>{state.state}</state>'
            f"{remote}</dialog>"
            "</dialog-info>")


def message_summary(account: str, new: int, old: int) -> str:
    """An RFC 3842 message-summary body."""
    waiting = "yes" if new else "no"
    return f"Messages-Waiting: {waiting}\r\nMessage-Account: {account}\r\nVoice-Message: {new}/{old} (0/0)\r\n"


class BlfPublisher:
    """Publishes state changes on its own thread (a PUBLISH round trip must not stall the runtime).

    Each busy period of an entity is its own publication series (its own dialog id, ETag kept by
    Kamailio's pua): the presence server treats a dialog that reached "terminated" as finished
    and ignores updates to it, so the next call must be a new dialog. An entity never busy is not
    published at all (no state = idle for the phones)."""

    def __init__(self, publish: Callable[..., Any], domain: str) -> None:
        self._publish = publish
        self.domain = domain
        self._queue: queue.SimpleQueue[tuple[str, DialogState, int] | None] = queue.SimpleQueue()
        self._last: dict[str, DialogState] = {}
        self._series: dict[str, int] = {}
        self._version: dict[str, int] = {}
        self.published = 0
        self.errors = 0
        self._thread = threading.Thread(target=self._run, name="blf-publish", daemon=True)
        self._thread.start()

    def set_state(self, entity: str, state: DialogState) -> None:
        """The hook for BLF: `entity` is an extension or park slot number; only changes go out."""
        before = self._last.get(entity, DialogState())
        if before == state:
            return
        self._last[entity] = state
        if before.state == "terminated":
            self._series[entity] = self._series.get(entity, 0) + 1
        self._queue.put((entity, state, self._series.get(entity, 0)))

    def set_mwi(self, extension: str, new: int, old: int = 0) -> None:
        """Message waiting (RFC 3842) for an extension's phones; voicemail calls this."""
        self._queue.put((extension, DialogState(f"mwi:{new}:{old}"), -1))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            entity, state, series = item
            uri = f"sip:{entity}@{self.domain}"
            try:
                if series < 0:
                    _, new, old = state.state.split(":")
                    self._publish(uri, "message-summary", "application/simple-message-summary",
                                  message_summary(uri, int(new), int(old)), series=f"mwi-{entity}")
                    continue
                version = self._version.get(entity, 0) + 1
                self._version[entity] = version
                dialog_id = f"pbx-{entity}-{series}"
                self._publish(uri, "dialog", "application/dialog-info+xml",
                              dialog_info(uri, state, version, dialog_id), series=dialog_id)
                self.published += 1
            except SipError as exc:
                self.errors += 1
                log.warning("BLF publish for %s failed: %s", entity, exc)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(2.0)


class SipSide:
    def __init__(self, agent: SipAgent, calls: SipCalls, media: Any, blf: BlfPublisher | None = None) -> None:
        self.agent = agent
        self.calls = calls                      # the engine's SIP flow (sans-IO)
        self.media = media                      # runtime MediaSide (node lookups, re-connects)
        self.blf = blf
        self.blf_sources: list[DialogSource] = []   # features add theirs (park slots)
        self.nodes: dict[str, SipLegNode] = {}
        self._next_rtp_check = 0.0
        agent.on_media = self._media_changed
        if media is not None:
            media.sip_node = self.node

    # --- engine -----------------------------------------------------------------------------------
    def engine_step(self, event: SipEvent, now: float, wall: datetime) -> list[Command]:
        return self.calls.handle(event, now, wall)

    def port_event(self, event: PortEvent) -> list[Command]:
        return self.calls.port_event(event)

    def update_blf(self, core: Core) -> None:
        if self.blf is None:
            return
        for entity, state in dialog_states(core, self.blf_sources).items():
            self.blf.set_state(entity, state)

    def node(self, leg: str) -> SipLegNode:
        node = self.nodes.get(leg)
        if node is None:
            node = self.nodes[leg] = SipLegNode(self.agent, leg)
        return node

    def apply(self, cmd: SipCommand) -> None:
        log.debug("SIP command %r", cmd)
        agent = self.agent
        if isinstance(cmd, SipDial):
            agent.dial(cmd)
        elif isinstance(cmd, SipRing):
            agent.call(cmd.leg).respond(cmd.code)
        elif isinstance(cmd, SipAnswer):
            agent.call(cmd.leg).respond(200)
        elif isinstance(cmd, SipHangup):
            agent.hangup(cmd.leg, cmd.code, cmd.reason)
            self._forget(cmd.leg)
        elif isinstance(cmd, SipSendDigits):
            agent.call(cmd.leg).send_digits(cmd.digits)
        elif isinstance(cmd, SipSetHold):
            agent.call(cmd.leg).set_hold(cmd.hold)
        elif isinstance(cmd, SipReferStatus):
            agent.call(cmd.leg).refer_status(cmd.code)
        else:
            raise ValueError(f"unknown SIP command {cmd!r}")

    def take_events(self, now: float) -> list[SipEvent]:
        if now >= self._next_rtp_check:
            self._next_rtp_check = now + RTP_CHECK_S
            for leg in self.agent.check_rtp(now):
                log.warning("%s: no RTP for %d s, hung up", leg, self.agent.settings.rtp_timeout_s)
        events = self.agent.take_events()
        for ev in events:
            if ev.leg not in self.agent.calls:
                self._forget(ev.leg)
        return events

    def _media_changed(self, leg: str) -> None:
        if self.media is not None:
            self.media.leg_media_changed(leg, self.node(leg))

    def _forget(self, leg: str) -> None:
        node = self.nodes.pop(leg, None)
        if node is not None and self.media is not None:
            self.media.leg_gone(leg, node)

    def status(self) -> dict[str, Any]:
        """Call slots, refusals, and per leg its RTP receiver figures (RFC 3550 6.4: packets, lost)."""
        legs = {}
        for leg, call in sorted(self.agent.calls.items()):
            legs[leg] = call.rtp_stats()
        ports = {}
        for port, media in getattr(self.media, "analog", {}).items():
            st = media.stats()
            ports[port] = {"frames_late": st.frames_late, "out_underruns": st.out_underruns,
                           "max_tick_gap_ms": round(st.max_tick_gap_ms, 1)}
        threads = {t.name: t.native_id for t in threading.enumerate() if t.native_id is not None}
        return {"calls": self.agent.active_calls, "max_calls": self.agent.max_calls,
                "refused": self.agent.refused, "lost": self.agent.lost_calls, "legs": legs, "ports": ports,
                "threads": threads}

    def close(self) -> None:
        if self.blf is not None:
            self.blf.close()
        self.agent.close()
        self.nodes.clear()
