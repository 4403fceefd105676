"""Mailboxes in the engine: their configuration, the messages the runtime found on disk, PINs (the box's
own, or the scrypt hash the user set in the portal, checked here: pure computation), the storage quota,
and message-waiting: the stutter dial tone and the FSK lamp on analog phones (SetMessageWaiting), the
message summary for IP phones, updated whenever a box's count of new messages changes."""

from __future__ import annotations

import hashlib
import hmac

from firmware.config.voicemail import MailboxConfig, VoicemailConfig
from firmware.contracts.ports import SetMessageWaiting
from firmware.pbx.core import Core
from firmware.pbx.features.control import MailboxChanged, OfficeStatus, UserSettings
from firmware.pbx.features.voicemail.jobs import MailboxContents, MailboxSummary, MessageInfo, ScanMailboxes
from firmware.pbx.parties import FxsParty
from firmware.pbx.state import FxsLeg

SCRYPT = {"n": 2**14, "r": 8, "p": 1}        # as the web portal stores PINs (users module of the API)


def pin_matches(entered: str, stored: str) -> bool:
    """`stored` is a plain PIN from the config or "scrypt$<salt hex>$<digest hex>" from the portal."""
    if not stored or not entered:
        return False
    if not stored.startswith("scrypt$"):
        return hmac.compare_digest(entered, stored)
    try:
        _scheme, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(entered.encode(), salt=bytes.fromhex(salt), dklen=32, **SCRYPT)
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


class Mailboxes:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.messages: dict[str, list[MessageInfo]] = {}
        self.users: dict[str, UserSettings] = {}
        self.lamps: dict[str, tuple[int, int]] = {}      # extension -> (new, old) last signalled
        self.loaded = False
        core.hooks.media_events.append(self._media)
        core.hooks.dial_tone.append(self._dial_tone)
        core.hooks.office.append(self._command)
        if self.config.boxes:                             # the runtime reports what is on disk
            core.hooks.start.append(lambda c: self.scan())

    @property
    def config(self) -> VoicemailConfig:
        return self.core.settings.office.voicemail

    def box(self, number: str) -> MailboxConfig | None:
        return next((b for b in self.config.boxes if b.number == number), None)

    def box_of(self, extension: str) -> MailboxConfig | None:
        """The extension's own mailbox, else a group box it is a member of."""
        return self.box(extension) or next((b for b in self.config.boxes if extension in b.members), None)

    def boxes_of(self, extension: str) -> list[MailboxConfig]:
        return [b for b in self.config.boxes if b.number == extension or extension in b.members]

    def pin(self, box: MailboxConfig) -> str:
        if box.pin:
            return box.pin
        user = self.users.get(box.number)
        return user.pin_hash if user is not None else ""

    # --- contents ----------------------------------------------------------------------------------------
    def scan(self, boxes: tuple[str, ...] | None = None) -> None:
        numbers = boxes if boxes is not None else tuple(b.number for b in self.config.boxes)
        if numbers:
            self.core.out.emit(ScanMailboxes(self.config.directory, numbers))

    def listing(self, box: str, folder: str) -> list[MessageInfo]:
        return [m for m in self.messages.get(box, []) if m.folder == folder]

    def counts(self, box: str) -> tuple[int, int]:
        msgs = self.messages.get(box, [])
        new = sum(m.folder == "new" for m in msgs)
        return new, len(msgs) - new

    def full(self, box: MailboxConfig) -> bool:
        """No room: the box holds max_messages, or every box together is at the storage quota."""
        total = sum(m.size for msgs in self.messages.values() for m in msgs)
        return len(self.messages.get(box.number, [])) >= box.max_messages or \
            total >= self.config.max_total_mb * 1024 * 1024

    def path(self, box: str, message: str) -> str:
        return f"{self.config.directory}/{box}/{message}.wav"

    def _media(self, core: Core, event: object) -> bool:
        if not isinstance(event, MailboxContents):
            return False
        self.loaded = True
        self.messages[event.box] = sorted(event.messages, key=lambda m: m.when)
        self.signal()
        return True

    # --- message waiting -------------------------------------------------------------------------------
    def waiting(self, extension: str) -> tuple[int, int]:
        new = old = 0
        for box in self.boxes_of(extension):
            n, o = self.counts(box.number)
            new, old = new + n, old + o
        return new, old

    def signal(self) -> None:
        """Tell every phone whose count of new messages changed (analog lamp, IP phone summary)."""
        core = self.core
        if not self.config.mwi:
            return
        extensions = {b.number for b in self.config.boxes} | {m for b in self.config.boxes for m in b.members}
        for ext in sorted(extensions):
            counts = self.waiting(ext)
            before = self.lamps.get(ext)
            if before is not None and (before[0] > 0) == (counts[0] > 0) and before == counts:
                continue
            self.lamps[ext] = counts
            dest = core.hooks.resolve(core, ext)
            party = core.parties.get(dest.legs[0]) if dest is not None and dest.legs else None
            if isinstance(party, FxsParty):
                if before is None or (before[0] > 0) != (counts[0] > 0):
                    core.out.emit(SetMessageWaiting(party.leg.port, counts[0] > 0))
            elif party is not None:
                core.out.emit(MailboxSummary(ext, *counts))

    def _dial_tone(self, core: Core, leg: FxsLeg) -> str | None:
        ext = core.settings.extension_at(leg.port)
        if ext is None or not self.config.mwi:
            return None
        return "stutter" if self.waiting(ext.number)[0] > 0 else None

    # --- the API -----------------------------------------------------------------------------------------
    def _command(self, core: Core, cmd: object) -> dict[str, object] | None:
        if isinstance(cmd, UserSettings):
            self.users[cmd.extension] = cmd
            return {"extension": cmd.extension, "pin": bool(cmd.pin_hash)}
        if isinstance(cmd, MailboxChanged):
            self.scan((cmd.box,))
            return {"box": cmd.box}
        if isinstance(cmd, OfficeStatus):
            return None
        return None

    def status(self) -> list[dict[str, object]]:
        return [{"box": b.number, "name": b.name, "new": self.counts(b.number)[0], "old": self.counts(b.number)[1],
                 "full": self.full(b)} for b in self.config.boxes]
