"""Voicemail configuration: mailboxes per extension or group (PIN, mail, members, forwarding of the
extension on no answer / busy), the access codes, message limits and the storage quota (Asterisk
app_voicemail / voicemail.conf practice: attach, delete after mail, maxmsg, maxsecs, minsecs)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from firmware.config.attendant import CODE_SYNTAX, LANG_SYNTAX
from firmware.config.ringgroups import MAIL_SYNTAX, NUMBER_SYNTAX, doc

PIN_SYNTAX = r"([0-9]{4,8})?"


@dataclass(frozen=True)
class MailboxConfig:
    number: str = field(metadata=doc("mailbox number: an extension's or a ring group's number",
                                     pattern=NUMBER_SYNTAX, pattern_doc="a mailbox number is 2-6 digits"))
    name: str = field(default="", metadata=doc("name (mails, web page)", pattern=r"[^\n]{0,32}"))
    pin: str = field(default="", metadata=doc(
        "PIN to listen from a phone (4-8 digits); empty = the PIN the user set in the portal; neither = "
        "own phone without PIN, other phones refused", pattern=PIN_SYNTAX, pattern_doc="4-8 digits"))
    email: list[str] = field(default_factory=list, metadata=doc("mail every new message to these addresses"))
    attach: bool = field(default=True, metadata=doc("attach the message (WAV) to the mail"))
    delete_after_mail: bool = field(default=False, metadata=doc(
        "delete the message once mailed (no message-waiting lamp for it)"))
    members: list[str] = field(default_factory=list, metadata=doc(
        "group mailbox: these extensions get the message-waiting signal and listen without a box number"))
    forward_no_answer_s: int = field(default=0, metadata=doc(
        "calls to this extension go to its mailbox after ringing this long (0 = never)", min=0, max=300))
    forward_busy: bool = field(default=False, metadata=doc(
        "calls to this extension while it is busy go to its mailbox (after call waiting, if that is on)"))
    max_messages: int = field(default=100, metadata=doc("most messages kept in this box", min=1, max=9999))
    language: str = field(default="", metadata=doc("prompt language (empty = prompts.language)",
                                                   pattern=LANG_SYNTAX, pattern_doc="en, de, ru or pl"))
    greeting: str = field(default="", metadata=doc(
        "own greeting (a prompt name); empty = 'the person at extension ... is not available'",
        pattern=r"([a-z0-9][a-z0-9_.-]{0,47})?"))

    def check(self) -> list[tuple[str, str]]:
        return [(f"email[{i}]", f"{a!r} is not a mail address") for i, a in enumerate(self.email)
                if not re.fullmatch(MAIL_SYNTAX, a)]


@dataclass(frozen=True)
class VoicemailConfig:
    boxes: list[MailboxConfig] = field(default_factory=list, metadata=doc("mailboxes"))
    code: str = field(default="*97", metadata=doc(
        "dial this to listen to your own mailbox (then the PIN, if one is set)", pattern=CODE_SYNTAX,
        pattern_doc="a feature code is * or ** followed by up to 4 digits"))
    other_code: str = field(default="*98", metadata=doc(
        "dial this to listen to any mailbox: the box number, #, then its PIN", pattern=CODE_SYNTAX,
        pattern_doc="a feature code is * or ** followed by up to 4 digits"))
    directory: str = field(default="voicemail", metadata=doc(
        "where messages are kept (<directory>/<box>/*.wav); relative = inside the state directory"))
    max_message_s: int = field(default=180, metadata=doc("a message is cut after this long", min=10, max=3600))
    min_message_s: float = field(default=1.5, metadata=doc(
        "shorter messages (a caller who hung up at the tone) are thrown away", min=0.0, max=10.0))
    max_total_mb: int = field(default=500, metadata=doc(
        "storage quota of all mailboxes; a full store takes no new messages", min=1))
    pin_attempts: int = field(default=3, metadata=doc("wrong PINs before the phone is hung up", min=1, max=10))
    mwi: bool = field(default=True, metadata=doc(
        "signal new messages: stutter dial tone and the message lamp (FSK) on analog phones, "
        "message-summary on IP phones"))
