"""pbxd's own SIP user agent (pjsua2, RFC 3261 UAC/UAS) on loopback behind Kamailio: one account
without registration whose outbound proxy is Kamailio's internal port, the calls of SIP legs,
admission against pjsua2's real call limit, RTP timeouts (RFC 3550 receiver statistics) and
session timers (RFC 4028).

Requests to pbxd carry Kamailio's trusted X-PBX-* headers (who called, which trunk and DID);
requests from pbxd carry them for Kamailio (trunk, presentation). Everything runs on the pjsua2
owner thread; events collect in `events` until the runtime takes them with `take_events`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pjsua2 as pj

from firmware.contracts.errors import SipError
from firmware.pbx.sipmsg import SipDial, SipEnded, SipEvent, SipIncoming
from firmware.sip.calls import SipCall
from firmware.sip.codec_levels import INTEROP_SHIFT, set_g722_pcm_shift
from firmware.sip.endpoint import MediaEndpoint, pj_error_text
from firmware.sip.sipparse import SipMessage

log = logging.getLogger("pbxd.sip")

CODEC_IDS = {"PCMA": "PCMA/8000/1", "PCMU": "PCMU/8000/1", "G722": "G722/16000/1"}
DEFAULT_CODECS = ("PCMA", "PCMU", "G722")
CHECK_S = 1.0           # how often check_calls() looks for calls pjsua2 let go silently


@dataclass(frozen=True)
class AgentSettings:
    pbx_port: int                     # our SIP port on 127.0.0.1
    proxy_port: int                   # Kamailio's internal port on 127.0.0.1
    domain: str                       # the extensions' SIP domain
    media_ip: str                     # where our RTP is bound and announced
    rtp_port_min: int = 10000
    rtp_port_max: int = 10999
    session_timer_s: int = 1800
    rtp_timeout_s: int = 60
    max_calls: int = 0                # 0 = pjsua2's compiled limit; else at most that many
    trunk_codecs: tuple[tuple[str, tuple[str, ...]], ...] = ()     # (trunk, codecs in order)
    trunk_dtmf: tuple[tuple[str, str], ...] = ()                   # (trunk, rfc4733|info|auto)
    g722_pcm_shift: int = INTEROP_SHIFT   # bits pjmedia's G.722 scales 16-bit PCM by (codec_levels)


class _Account(pj.Account):
    def __init__(self, agent: SipAgent) -> None:
        super().__init__()
        self.agent = agent

    def onIncomingCall(self, prm: Any) -> None:
        try:
            self.agent.incoming(int(prm.callId), str(prm.rdata.wholeMsg))
        except Exception:
            log.exception("incoming call handling failed")


def reused_elsewhere(call: SipCall) -> bool:
    """pjsua2 has given this ended call's id to another, live dialog."""
    try:
        return bool(call.isActive()) and str(call.getInfo().callIdString) != call.dialog_id
    except pj.Error:
        return False


class SipAgent:
    def __init__(self, endpoint: MediaEndpoint, settings: AgentSettings) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self.account: Any = None
        self.calls: dict[str, SipCall] = {}          # leg -> its current call
        self._all: set[SipCall] = set()              # every pjsua2 call not yet disconnected
        self._gone: list[SipCall] = []               # disconnected; dropped after the poll
        self._refusing: set[SipCall] = set()         # refused, kept alive until pjsua2 let them go
        self.events: list[SipEvent] = []
        self.on_media: Callable[[str], None] = lambda leg: None
        self._trunk_seq = 0
        self.refused = 0                             # INVITEs refused for want of a call slot
        self._codecs = dict(settings.trunk_codecs)
        self._dtmf = dict(settings.trunk_dtmf)
        self._next_check = 0.0
        self.lost_calls = 0                          # calls check_calls() found gone

    # --- life cycle -------------------------------------------------------------------------------
    def start(self) -> None:
        ep = self.endpoint.lib
        s = self.settings
        tids = []
        try:
            for kind in (pj.PJSIP_TRANSPORT_UDP, pj.PJSIP_TRANSPORT_TCP):
                tcfg = pj.TransportConfig()
                tcfg.port = s.pbx_port
                tcfg.boundAddress = "127.0.0.1"
                tcfg.publicAddress = "127.0.0.1"
                tids.append(int(ep.transportCreate(kind, tcfg)))
            self._set_codecs(DEFAULT_CODECS)
            set_g722_pcm_shift(s.g722_pcm_shift)
            acfg = pj.AccountConfig()
            acfg.idUri = f"sip:pbx@127.0.0.1:{s.pbx_port}"
            acfg.sipConfig.proxies.append(f"sip:127.0.0.1:{s.proxy_port};lr")
            acfg.sipConfig.transportId = tids[0]
            acfg.natConfig.contactRewriteUse = 0
            acfg.natConfig.viaRewriteUse = 0
            acfg.natConfig.sdpNatRewriteUse = 0
            acfg.natConfig.sipStunUse = pj.PJSUA_STUN_USE_DISABLED
            acfg.natConfig.mediaStunUse = pj.PJSUA_STUN_USE_DISABLED
            acfg.mediaConfig.transportConfig.port = s.rtp_port_min
            acfg.mediaConfig.transportConfig.portRange = max(0, s.rtp_port_max - s.rtp_port_min)
            acfg.mediaConfig.transportConfig.boundAddress = s.media_ip
            acfg.mediaConfig.transportConfig.publicAddress = s.media_ip
            acfg.callConfig.timerUse = pj.PJSUA_SIP_TIMER_OPTIONAL if s.session_timer_s else pj.PJSUA_SIP_TIMER_INACTIVE
            if s.session_timer_s:
                acfg.callConfig.timerSessExpiresSec = max(90, s.session_timer_s)
                acfg.callConfig.timerMinSESec = 90
            acfg.callConfig.prackUse = pj.PJSUA_100REL_NOT_USED
            self.account = _Account(self)
            self.account.create(acfg, True)
        except pj.Error as exc:
            raise SipError(f"SIP agent start failed: {pj_error_text(exc)}") from exc
        log.info("SIP agent on 127.0.0.1:%d (media %s:%d-%d), %d calls at most", s.pbx_port, s.media_ip,
                 s.rtp_port_min, s.rtp_port_max, self.max_calls)

    def close(self) -> None:
        """Hang up every call and drop every pjsua2 reference (before the endpoint's shutdown)."""
        for call in list(self._all):
            try:
                call.end(503, "Shutting down")
            except SipError:
                pass
        self.calls.clear()
        self._all.clear()
        self._refusing.clear()
        self._gone.clear()
        if self.account is not None:
            try:
                self.account.shutdown()
            except pj.Error:
                pass
            self.account = None

    # --- admission --------------------------------------------------------------------------------
    @property
    def max_calls(self) -> int:
        """Calls admitted at once: pjsua2's real limit (read at start-up), or less if configured."""
        limit = self.endpoint.max_calls
        wanted = self.settings.max_calls
        return min(limit, wanted) if wanted else limit

    @property
    def active_calls(self) -> int:
        return len(self._all)

    @property
    def free_slots(self) -> int:
        return max(0, self.max_calls - len(self._all))

    # --- events -----------------------------------------------------------------------------------
    def emit(self, call: SipCall, event: SipEvent) -> None:
        if self.calls.get(event.leg) is call or isinstance(event, SipEnded):
            log.debug("SIP event %r", event)
            self.events.append(event)

    def take_events(self) -> list[SipEvent]:
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + CHECK_S
            self.check_calls()
        events, self.events = self.events, []
        self._drop_gone()                 # safe now: no callback of theirs is running
        return events

    def _drop_gone(self) -> None:
        """Let go of ended calls. pjsua2's Call destructor hangs up whatever call holds the object's
        call id at that moment; under a burst of short calls pjsua2 gives a freed id to the next
        INVITE within the same poll, so dropping the old object answered that new caller 603 and
        unbound it from pbxd (seen in the overload test). An object whose id now belongs to another
        dialog is disowned instead: Python forgets it, its small C++ side is never deleted."""
        for call in self._gone:
            if call.dialog_id and reused_elsewhere(call):
                call.this.disown()
        self._gone.clear()

    def check_calls(self) -> None:
        """End calls pjsua2 let go without telling their Call object. Seen under load: an INVITE that
        pjsua2 ended before `onIncomingCall` bound our object (its DISCONNECTED went nowhere), so the
        slot stayed taken for ever and every later call got 503. A call is gone when pjsua2 no longer
        knows its id, the id now belongs to another dialog, or the state is DISCONNECTED."""
        for call in list(self._all | self._refusing):
            if call.disconnected:
                continue
            try:
                info = call.getInfo()
                gone = (info.state == pj.PJSIP_INV_STATE_DISCONNECTED
                        or (bool(call.dialog_id) and str(info.callIdString) != call.dialog_id))
            except pj.Error:
                gone = True
            if gone:
                self.lost_calls += 1
                log.warning("%s: call vanished in pjsua2 without a DISCONNECTED event; slot freed", call.leg)
                call.ended("call lost in pjsua2")

    def call_gone(self, call: SipCall) -> None:
        self._all.discard(call)
        self._refusing.discard(call)
        self._gone.append(call)
        if self.calls.get(call.leg) is call:
            del self.calls[call.leg]

    def media_changed(self, call: SipCall) -> None:
        if self.calls.get(call.leg) is call:
            self.on_media(call.leg)

    def can_follow_refer(self, call: SipCall) -> bool:
        return self.calls.get(call.leg) is call and call.confirmed

    def transferred(self, old: SipCall, new: SipCall) -> None:
        """The leg follows a REFER: `new` carries it from now on; `old` ends when `new` is answered
        (or when the transferor sends BYE first)."""
        self._all.add(new)
        self.calls[old.leg] = new
        new.predecessor = old

    # --- incoming ---------------------------------------------------------------------------------
    def incoming(self, call_id: int, text: str) -> None:
        msg = SipMessage.parse(text)
        trunk = msg.header("X-PBX-Trunk")
        caller_ext = msg.header("X-PBX-Caller")
        if trunk:
            self._trunk_seq += 1
            leg = f"trunk:{trunk}#i{self._trunk_seq}"
            event = SipIncoming(leg, caller=msg.from_user, caller_name=msg.from_display,
                                to=msg.header("X-PBX-Dest"), trunk=trunk, did=msg.header("X-PBX-DID"))
        elif caller_ext:
            leg = self._phone_leg(caller_ext)
            event = SipIncoming(leg, caller=caller_ext, caller_name=msg.from_display, to=msg.ruri_user)
        else:
            leg = ""
            event = None
        call = SipCall(self, leg or "sip:?", call_id=call_id, incoming=True,
                       dtmf_mode=self._dtmf.get(trunk, "auto"), codecs=self.trunk_codecs(trunk))
        call.dialog_id = msg.header("Call-ID") or msg.header("i")
        log.info("INVITE in: %s (%s)", leg or "refused", msg.start_line)
        if event is None:
            self._refuse(call, 403, "Forbidden")
            return
        if len(self._all) >= self.max_calls:
            self.refused += 1
            self._refuse(call, 503, "All call slots busy")
            return
        self._all.add(call)
        self.calls[leg] = call
        self.events.append(event)

    def _refuse(self, call: SipCall, code: int, reason: str) -> None:
        """A final answer; the Call object must outlive it (dropping it would hang up with 603)."""
        call.hung_up_locally = True
        self._refusing.add(call)
        call.respond(code, reason)

    def _phone_leg(self, ext: str) -> str:
        leg, n = f"sip:{ext}", 1
        while leg in self.calls:
            n += 1
            leg = f"sip:{ext}.{n}"
        return leg

    # --- engine commands --------------------------------------------------------------------------
    def dial(self, cmd: SipDial) -> None:
        """INVITE through Kamailio; a missing call slot or a refused request ends the leg at once."""
        if len(self._all) + len(self._refusing) >= self.max_calls:     # (refused calls hold a slot a while)
            self.refused += 1
            self.events.append(SipEnded(cmd.leg, 503, "no free SIP call slot in pbxd"))
            return
        headers: dict[str, str] = {}
        if cmd.trunk:
            headers["X-PBX-Trunk"] = cmd.trunk
        if cmd.caller_number:
            headers["X-PBX-CallerId"] = cmd.caller_number
        if cmd.caller_name:
            headers["X-PBX-CallerName"] = cmd.caller_name.replace('"', "'")
        if cmd.privacy:
            headers["X-PBX-Privacy"] = "1"
        if cmd.auto_answer and not cmd.trunk:
            # the two ways desk phones are told to answer by themselves (Call-Info answer-after, as
            # in draft-ietf-sip-answermode practice: Polycom, Yealink, Snom; Alert-Info auto-answer:
            # Cisco/Grandstream); the edge strips both from every request that does not come from pbxd
            headers["Call-Info"] = f"<sip:{self.settings.domain}>;answer-after=0"
            headers["Alert-Info"] = "<http://127.0.0.1/auto-answer>;info=alert-autoanswer;delay=0"
        uri = f"sip:{cmd.number}@{self.settings.domain}"
        log.info("INVITE out: %s to %s %s", cmd.leg, uri, headers)
        call = SipCall(self, cmd.leg, dtmf_mode=self._dtmf.get(cmd.trunk, "auto"),
                       codecs=self.trunk_codecs(cmd.trunk))
        prm = pj.CallOpParam(True)
        prm.opt.audioCount = 1
        prm.opt.videoCount = 0
        for name, value in headers.items():
            h = pj.SipHeader()
            h.hName, h.hValue = name, value
            prm.txOption.headers.append(h)
        codecs = self._codecs.get(cmd.trunk, DEFAULT_CODECS)
        self._all.add(call)
        self.calls[cmd.leg] = call
        try:
            if codecs != DEFAULT_CODECS:
                self._set_codecs(codecs)
            call.makeCall(uri, prm)
            call.dialog_id = str(call.getInfo().callIdString)
        except pj.Error as exc:
            self._all.discard(call)
            self.calls.pop(cmd.leg, None)
            self.events.append(SipEnded(cmd.leg, 500, f"INVITE failed: {pj_error_text(exc)}"))
        finally:
            if codecs != DEFAULT_CODECS:
                self._set_codecs(DEFAULT_CODECS)

    def call(self, leg: str) -> SipCall:
        call = self.calls.get(leg)
        if call is None:
            raise SipError(f"no SIP call for {leg}")
        return call

    def leg_of_dialog(self, replaces: str) -> str:
        """The leg whose call is the dialog a Replaces value names (RFC 3891 §3: Call-ID, then the
        to-tag and from-tag parameters); "" when no call of ours has that Call-ID. The tags are not
        compared: pjsua2 does not show them, and a Call-ID is unique among our own calls."""
        call_id = replaces.split(";", 1)[0].strip()
        for leg, call in self.calls.items():
            try:
                if call_id and str(call.getInfo().callIdString) == call_id:
                    return leg
            except pj.Error:
                continue
        return ""

    def hangup(self, leg: str, code: int = 486, reason: str = "") -> None:
        call = self.calls.pop(leg, None)
        if call is not None:
            call.end(code, reason)

    def trunk_codecs(self, trunk: str) -> tuple[str, ...]:
        """A trunk's codecs in its order ("only these"); () for calls that are no trunk's."""
        return self._codecs.get(trunk, DEFAULT_CODECS) if trunk else ()

    def _set_codecs(self, order: tuple[str, ...] | list[str]) -> None:
        ep = self.endpoint.lib
        wanted = [CODEC_IDS[c] for c in order if c in CODEC_IDS]
        for info in ep.codecEnum2():
            codec_id = str(info.codecId)
            prio = 255 - 10 * wanted.index(codec_id) if codec_id in wanted else 0
            ep.codecSetPriority(codec_id, prio)

    # --- watchdogs --------------------------------------------------------------------------------
    def check_rtp(self, now: float) -> list[str]:
        """Legs whose confirmed, unheld call received no RTP for rtp_timeout_s: hung up here, and
        reported as SipEnded(code 408)."""
        timeout = self.settings.rtp_timeout_s
        if not timeout:
            return []
        dead = []
        for leg, call in list(self.calls.items()):
            if not call.confirmed or call.remote_hold:
                call.rx_since = now
                continue
            count = call.rx_packet_count()
            if count != call.rx_packets:
                call.rx_packets, call.rx_since = count, now
            elif now - call.rx_since >= timeout:
                dead.append(leg)
                self.hangup(leg, 408)
                self.events.append(SipEnded(leg, 408, f"no RTP for {timeout} s"))
        return dead
