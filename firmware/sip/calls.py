"""One pjsua2 call per SIP leg (RFC 3261 UAC/UAS dialog): callbacks become engine events, the
leg's audio is a node on the conference bridge once SDP (RFC 3264) gave it a stream.

Callbacks arrive on the pjsua2 owner thread (worker threads are off, see endpoint.py) and only
append to the agent's event list: no pjsua2 object is deleted inside its own callback (the agent
drops finished calls after the poll). Exceptions raised in a callback would be swallowed by
pjsua2, so each one is logged here.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

import pjsua2 as pj

from firmware.contracts.errors import SipError
from firmware.pbx.sipmsg import SipAnswered, SipDigit, SipEnded, SipHold, SipProgress, SipRefer, SipTransferred
from firmware.sip.endpoint import pj_error_text
from firmware.sip.sdp_order import trunk_local_sdp

if TYPE_CHECKING:
    from firmware.sip.agent import SipAgent

log = logging.getLogger("pbxd.sip")
F = TypeVar("F", bound=Callable[..., None])

_LIVE_MEDIA = (pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD, pj.PJSUA_CALL_MEDIA_LOCAL_HOLD)


def logged(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(self: SipCall, *args: Any) -> None:
        try:
            fn(self, *args)
        except Exception:
            log.exception("%s: %s failed", self.leg, fn.__name__)
    return wrapper  # type: ignore[return-value]


def refer_target(uri: str) -> tuple[str, str]:
    """(user, Replaces value) of a Refer-To URI: <sip:202@box?Replaces=a%3Bto-tag%3D1> -> ("202", "a;to-tag=1")."""
    inner = uri.strip().strip("<>")
    addr, _, query = inner.partition("?")
    user = addr.split(":", 1)[-1].split("@")[0].split(";")[0]
    replaces = ""
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name.lower() == "replaces":
            replaces = unquote(value)
    return unquote(user), replaces


class MediaNotReady(SipError):
    """The leg has no audio stream yet (no SDP answer, or between two calls of a transfer)."""


class SipLegNode:
    """A SIP leg on the conference bridge (a `MediaNode`): the audio of whatever call carries the
    leg now; MediaNotReady until that call has a stream."""

    def __init__(self, agent: SipAgent, leg: str) -> None:
        self.agent = agent
        self.name = leg

    def audio_media(self) -> Any:
        call = self.agent.calls.get(self.name)
        if call is None or call.audio is None:
            raise MediaNotReady(f"{self.name} has no audio stream")
        return call.audio

    @property
    def ready(self) -> bool:
        call = self.agent.calls.get(self.name)
        return call is not None and call.audio is not None

    def __repr__(self) -> str:
        return f"SipLegNode({self.name!r})"


class SipCall(pj.Call):
    """A pjsua2 call bound to an engine leg id; `incoming` for calls we answer."""

    def __init__(self, agent: SipAgent, leg: str, *, call_id: int = pj.PJSUA_INVALID_ID,
                 incoming: bool = False, dtmf_mode: str = "auto", codecs: tuple[str, ...] = ()) -> None:
        super().__init__(agent.account, call_id)
        self.agent = agent
        self.leg = leg
        self.incoming = incoming
        self.dtmf_mode = dtmf_mode
        self.codecs = codecs              # a trunk call's codecs in order (sdp_order); () = pjsua2's own
        self.codec = ""                   # the negotiated codec ("PCMA", "G722", ...) while a stream exists
        self.audio: Any = None            # pj.AudioMedia while a stream exists
        self.conf_slot = -1
        self.confirmed = False
        self.remote_hold = False
        self.hung_up_locally = False      # the engine ended it: no SipEnded back
        self.replaced = False             # a REFER moved the leg to another call
        self.disconnected = False
        self.dialog_id = ""               # the SIP Call-ID, to tell this call from a later one on its id
        self.early_media = False
        self.last_code = 0
        self.rx_packets = -1
        self.rx_since = 0.0
        self.predecessor: SipCall | None = None   # the call a REFER moved this leg away from

    # --- callbacks (owner thread) -----------------------------------------------------------------
    @logged
    def onCallState(self, prm: Any) -> None:
        ci = self.getInfo()
        self.last_code = int(ci.lastStatusCode)
        state = ci.state
        if state == pj.PJSIP_INV_STATE_EARLY and not self.incoming:
            if self.last_code in (180, 181, 182, 183):
                self.agent.emit(self, SipProgress(self.leg, self.last_code, self.audio is not None))
        elif state == pj.PJSIP_INV_STATE_CONFIRMED and not self.confirmed:
            self.confirmed = True
            old, self.predecessor = self.predecessor, None
            if old is not None:                     # transfer done: leave the transferor's call
                old.end(0)
            elif not self.incoming:
                self.agent.emit(self, SipAnswered(self.leg))
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED and not self.disconnected:
            self.ended(str(ci.lastReason))

    def ended(self, last_reason: str) -> None:
        """The call is over in pjsua2 (its DISCONNECTED state, or found gone by the agent's check):
        free the slot and tell the engine unless it ended the leg itself."""
        self.disconnected = True
        self.audio = None
        self.agent.call_gone(self)
        if not self.hung_up_locally and not self.replaced:
            code = 0 if self.confirmed else self.last_code
            reason = last_reason if code >= 300 else "far end hung up"
            self.agent.emit(self, SipEnded(self.leg, code, reason))

    @logged
    def onCallMediaState(self, prm: Any) -> None:
        ci = self.getInfo()
        audio: Any = None
        held = False
        for media in ci.media:
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status in _LIVE_MEDIA:
                audio = self.getAudioMedia(media.index)
                held = media.status == pj.PJSUA_CALL_MEDIA_REMOTE_HOLD
                break
        slot = int(audio.getPortId()) if audio is not None else -1
        self.codec = self._stream_codec() if audio is not None else ""
        # A re-INVITE (pjsua's codec lock right after the answer, hold, a session refresh) may
        # recreate the stream on the same bridge slot: pjmedia dropped its links all the same, so
        # every media update with a stream re-makes them (idempotent), not only a new slot number.
        changed = slot != self.conf_slot or audio is not None
        self.audio, self.conf_slot = audio, slot
        if changed:
            self.agent.media_changed(self)
        early = ci.state == pj.PJSIP_INV_STATE_EARLY      # not CONNECTING: that is the answer's SDP
        if audio is not None and early and not self.incoming and not self.early_media:
            self.early_media = True
            self.agent.emit(self, SipProgress(self.leg, 183, True))
        if held != self.remote_hold:
            self.remote_hold = held
            self.agent.emit(self, SipHold(self.leg, held))

    @logged
    def onCallSdpCreated(self, prm: Any) -> None:
        """pjsua2 made our SDP (the answer to an offer in `prm.remSdp`, or an offer of ours): a trunk
        call's codec list decides which codecs it has (pjmedia itself answers in the offer's order)."""
        if not self.codecs:
            return
        local = str(prm.sdp.wholeSdp)
        remote = str(prm.remSdp.wholeSdp)
        wanted = trunk_local_sdp(local, remote, self.codecs, self.codec)
        if wanted is not local:
            prm.sdp.wholeSdp = wanted
            log.debug("%s: local SDP %s for codecs %s", self.leg, "answer" if remote else "offer",
                      ",".join(self.codecs))

    def _stream_codec(self) -> str:
        try:
            return str(self.getStreamInfo(0).codecName).upper()
        except pj.Error:
            return ""

    @logged
    def onDtmfDigit(self, prm: Any) -> None:
        method = "info" if prm.method == pj.PJSUA_DTMF_METHOD_SIP_INFO else "rfc4733"
        self.agent.emit(self, SipDigit(self.leg, str(prm.digit), method))

    @logged
    def onCallTransferRequest(self, prm: Any) -> None:
        """REFER from the far end (RFC 3515): accept it and follow it on the same leg."""
        target = str(prm.dstUri)
        if self.leg.startswith("sip:") and self.confirmed:
            # a phone transfers: the engine does it; pjsua2 must not dial (603, made 202 by the edge)
            prm.statusCode = 603
            user, replaces = refer_target(target)
            if replaces:        # attended transfer: name the replaced call by its leg ("?" if none)
                replaces = self.agent.leg_of_dialog(replaces) or "?"
            self.agent.emit(self, SipRefer(self.leg, user, replaces))
            return
        if not self.agent.can_follow_refer(self):
            prm.statusCode = 603
            return
        prm.statusCode = 202
        self.agent.emit(self, SipTransferred(self.leg, target))
        new = SipCall(self.agent, self.leg, dtmf_mode=self.dtmf_mode, codecs=self.codecs)
        prm.newCall = new
        self.replaced = True
        self.agent.transferred(self, new)

    # --- actions (owner thread) -------------------------------------------------------------------
    def respond(self, code: int, reason: str = "") -> None:
        prm = pj.CallOpParam()
        prm.statusCode = code
        if reason:
            prm.reason = reason
        self._do("answer", lambda: self.answer(prm))

    def end(self, code: int = 486, reason: str = "") -> None:
        if self.disconnected:
            return
        self.hung_up_locally = True
        prm = pj.CallOpParam()
        if not self.confirmed and self.incoming:
            prm.statusCode = code
            if reason:
                prm.reason = reason
        self._do("hangup", lambda: self.hangup(prm))

    def send_digits(self, digits: str) -> None:
        prm = pj.CallSendDtmfParam()
        prm.digits = digits
        prm.duration = 100
        if self.dtmf_mode == "rfc4733" or (self.dtmf_mode == "auto" and self._far_takes_events()):
            prm.method = pj.PJSUA_DTMF_METHOD_RFC2833
            try:
                self.sendDtmf(prm)
                return
            except pj.Error as exc:
                if self.dtmf_mode == "rfc4733":
                    raise SipError(f"{self.leg}: RFC 4733 digits refused: {pj_error_text(exc)}") from exc
        prm.method = pj.PJSUA_DTMF_METHOD_SIP_INFO
        self._do("INFO digits", lambda: self.sendDtmf(prm))

    def _far_takes_events(self) -> bool:
        """The far end's SDP answer has telephone-event (RFC 4733 section 7): our stream has a payload
        type for sending events. Asked first, so "auto" goes to INFO without an error per digit."""
        if self.audio is None:
            return False
        try:
            return int(self.getStreamInfo(0).audTxEventPt) > 0
        except pj.Error:
            return True           # unknown: try RFC 4733, fall back to INFO as before

    def refer_status(self, code: int) -> None:
        """NOTIFY the transferring phone how its REFER ended (RFC 3515 2.4.5, message/sipfrag)."""
        prm = pj.CallSendRequestParam()
        prm.method = "NOTIFY"
        for name, value in (("Event", "refer"), ("Subscription-State", "terminated;reason=noresource")):
            h = pj.SipHeader()
            h.hName, h.hValue = name, value
            prm.txOption.headers.append(h)
        prm.txOption.contentType = "message/sipfrag;version=2.0"
        reason = {200: "OK", 403: "Forbidden", 481: "Call/Transaction Does Not Exist",
                  486: "Busy Here"}.get(code, "Failed")
        prm.txOption.msgBody = f"SIP/2.0 {code} {reason}\r\n"
        self._do("NOTIFY", lambda: self.sendRequest(prm))

    def set_hold(self, hold: bool) -> None:
        prm = pj.CallOpParam()
        if hold:
            self._do("hold", lambda: self.setHold(prm))
        else:
            prm.opt.flag = pj.PJSUA_CALL_UNHOLD
            self._do("unhold", lambda: self.reinvite(prm))

    def rx_packet_count(self) -> int:
        """RTP packets received so far on the audio stream (-1 when there is none)."""
        if self.audio is None:
            return -1
        try:
            return int(self.getStreamStat(0).rtcp.rxStat.pkt)
        except pj.Error:
            return -1

    def rtp_stats(self) -> dict[str, int]:
        """RTP received/lost/discarded on the audio stream (zeros when there is none)."""
        if self.audio is None:
            return {"rx": 0, "lost": 0, "discarded": 0}
        try:
            rx = self.getStreamStat(0).rtcp.rxStat
            return {"rx": int(rx.pkt), "lost": int(rx.loss), "discarded": int(rx.discard)}
        except pj.Error:
            return {"rx": 0, "lost": 0, "discarded": 0}

    def _do(self, what: str, action: Callable[[], None]) -> None:
        try:
            action()
        except pj.Error as exc:
            raise SipError(f"{self.leg}: {what} failed: {pj_error_text(exc)}") from exc

    def __repr__(self) -> str:
        return f"<SipCall {self.leg} {'in' if self.incoming else 'out'}>"
