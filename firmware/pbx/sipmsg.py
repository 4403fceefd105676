"""SIP legs as the engine sees them: events the runtime feeds in (an admitted INVITE, provisional and
final answers, BYE, DTMF per RFC 4733 or SIP INFO, hold by re-INVITE per RFC 3264 §8.4, REFER per
RFC 3515) and commands the engine emits for the runtime to carry out with pjsua2 (RFC 3261 UAC/UAS
behaviour: INVITE, 180/183 with early media per RFC 3960, 200, BYE/CANCEL/final error, INFO or
RFC 4733 digits, re-INVITE hold).

Leg ids: "sip:<ext>" (an extension's IP phones; "sip:<ext>.<n>" for a further call of the same
extension), "trunk:<name>#<tag>" (one call on a trunk; the route line is "trunk:<name>").
"""

from __future__ import annotations

from dataclasses import dataclass


def is_sip_leg(leg: str) -> bool:
    return leg.startswith(("sip:", "trunk:"))


def trunk_of(leg: str) -> str:
    """"trunk:prov#o3" -> "prov" ("" for other legs)."""
    if not leg.startswith("trunk:"):
        return ""
    return leg[len("trunk:"):].partition("#")[0]


def extension_of(leg: str) -> str:
    """"sip:301.2" -> "301" ("" for other legs)."""
    if not leg.startswith("sip:"):
        return ""
    return leg[len("sip:"):].partition(".")[0]


# --- events: runtime -> engine -----------------------------------------------------------------
@dataclass(frozen=True)
class SipEvent:
    leg: str


@dataclass(frozen=True)
class SipIncoming(SipEvent):
    """An INVITE pbxd admitted (a call slot was free). From an IP phone: `caller` is its extension
    and `to` the dialled number; from a trunk: `trunk`, `did` and its destination `to`."""

    caller: str
    caller_name: str = ""
    to: str = ""
    trunk: str = ""
    did: str = ""


@dataclass(frozen=True)
class SipProgress(SipEvent):
    """180/183 on our INVITE; `early_media`: the far end's audio flows before the answer."""

    code: int
    early_media: bool = False


@dataclass(frozen=True)
class SipAnswered(SipEvent):
    """200 OK to our INVITE (or the ACK to our 200 for an incoming call: not reported)."""


@dataclass(frozen=True)
class SipEnded(SipEvent):
    """The SIP call is over: a final error to our INVITE (`code` >= 300), BYE/CANCEL from the far
    end (`code` 0) or a local reason (RTP timeout, session timer: `code` 408)."""

    code: int = 0
    reason: str = ""


@dataclass(frozen=True)
class SipDigit(SipEvent):
    digit: str
    method: str = "rfc4733"   # or "info"


@dataclass(frozen=True)
class SipHold(SipEvent):
    """The far end put the call on hold (sendonly/inactive) or took it off hold."""

    held: bool


@dataclass(frozen=True)
class SipTransferred(SipEvent):
    """The far end sent REFER: the runtime follows it on the same leg (a new INVITE to `target`);
    the leg stays in its call and the engine keeps the fact for the call record."""

    target: str


@dataclass(frozen=True)
class SipRefer(SipEvent):
    """An IP phone asks pbxd to transfer its call (REFER, RFC 3515) to `target` (a number here);
    `replaces` is the leg of the call the Replaces header names in an attended transfer (RFC 3891;
    "?" when it names no call of pbxd's), "" for a blind one."""

    target: str
    replaces: str = ""


# --- commands: engine -> runtime ---------------------------------------------------------------
@dataclass(frozen=True)
class SipCommand:
    leg: str


@dataclass(frozen=True)
class SipDial(SipCommand):
    """INVITE an extension's phones (`trunk` "") or `number` over trunk `trunk`, presenting
    `caller_number`/`caller_name` (withheld when `privacy`); `auto_answer` asks the phones to answer
    by themselves (paging, intercom)."""

    number: str
    trunk: str = ""
    caller_number: str = ""
    caller_name: str = ""
    privacy: bool = False
    auto_answer: bool = False


@dataclass(frozen=True)
class SipRing(SipCommand):
    """Tell the caller of an incoming call that we alert (180) or that audio flows (183)."""

    code: int = 180


@dataclass(frozen=True)
class SipAnswer(SipCommand):
    pass


@dataclass(frozen=True)
class SipHangup(SipCommand):
    """End the leg: BYE when answered, CANCEL for our unanswered INVITE, else reject with `code`."""

    code: int = 486
    reason: str = ""


@dataclass(frozen=True)
class SipSendDigits(SipCommand):
    digits: str


@dataclass(frozen=True)
class SipSetHold(SipCommand):
    hold: bool


@dataclass(frozen=True)
class SipReferStatus(SipCommand):
    """Tell the phone how its REFER went: a NOTIFY with a message/sipfrag status line (RFC 3515 2.4.5)."""

    code: int
