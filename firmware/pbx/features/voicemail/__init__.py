"""Voicemail: mailboxes, leaving messages, listening from a phone, message waiting, forwarding to voicemail."""

from firmware.pbx.features.voicemail.access import ACCESS_FLOW, AccessOutcome, MailboxAccess
from firmware.pbx.features.voicemail.boxes import Mailboxes, pin_matches
from firmware.pbx.features.voicemail.deposit import DEPOSIT_FLOW, DepositOutcome, Deposits
from firmware.pbx.features.voicemail.forwarding import Forwarding
from firmware.pbx.features.voicemail.jobs import (
    MailboxContents,
    MailboxSummary,
    MessageInfo,
    MessageOp,
    ScanMailboxes,
    StoreMessage,
)

__all__ = ["ACCESS_FLOW", "DEPOSIT_FLOW", "AccessOutcome", "DepositOutcome", "Deposits", "Forwarding",
           "MailboxAccess", "MailboxContents", "MailboxSummary", "Mailboxes", "MessageInfo", "MessageOp",
           "ScanMailboxes", "StoreMessage", "pin_matches"]
