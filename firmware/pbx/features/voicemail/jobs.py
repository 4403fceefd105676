"""What voicemail asks of the runtime (files, mails, IP phones' message lamps) and what the runtime
reports back (a mailbox's messages as found on disk). Files: <directory>/<box>/<id>.wav with <id>.json
beside it (caller, name, time, duration, folder new/saved) - the layout the web portal serves."""

from __future__ import annotations

from dataclasses import dataclass

from firmware.pbx.commands import OfficeJob, SendMail


@dataclass(frozen=True)
class MessageInfo:
    id: str
    folder: str               # "new" or "saved"
    caller: str
    caller_name: str
    when: str                 # ISO time (the box's time zone)
    duration_s: float
    size: int = 0             # bytes on disk (quota)


@dataclass(frozen=True)
class StoreMessage(OfficeJob):
    """A message was recorded to `path` (relative to the state directory): once the recorder has finished
    the file, keep it if it is at least `min_s` long (write the .json beside it), send `mail` (its
    attachment is the file) and report the box's contents."""

    box: str
    path: str
    info: MessageInfo
    min_s: float
    mail: SendMail | None = None


@dataclass(frozen=True)
class MessageOp(OfficeJob):
    """save (mark as heard), delete, or copy to `to_box` (forward); then report the boxes' contents."""

    directory: str
    box: str
    id: str
    op: str
    to_box: str = ""


@dataclass(frozen=True)
class ScanMailboxes(OfficeJob):
    """Report the contents of these boxes (at start and after changes made elsewhere)."""

    directory: str
    boxes: tuple[str, ...]


@dataclass(frozen=True)
class MailboxSummary(OfficeJob):
    """New/old message counts of an IP phone's extension (RFC 3842 message-summary, sent by the SIP side)."""

    extension: str
    new: int
    old: int


@dataclass(frozen=True)
class MailboxContents:
    """Runtime -> engine: a box's messages, oldest first."""

    box: str
    messages: tuple[MessageInfo, ...]
