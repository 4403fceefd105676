"""Leaving a message (Asterisk VoiceMail()): the caller is answered and hears the box's greeting - its own
recording, or "the person at extension 2 0 1 is not available / is on the phone" -, "leave your message
after the tone", a beep, then only the caller's audio is recorded (`StartRecording` of the caller's leg
alone) until they hang up, press #, or the time limit; the message is stored by the runtime, mailed with
the WAV attached, and the box's message-waiting signals follow. A full box says so and hangs up."""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from firmware.config.voicemail import MailboxConfig
from firmware.contracts.tones import ToneSegment, ToneSpec
from firmware.pbx.commands import Attachment, Disposition, HangupSide, SendMail, StartRecording, StopRecording
from firmware.pbx.core import Core
from firmware.pbx.features.common import machine
from firmware.pbx.features.goto import Dialogues, Router, Session
from firmware.pbx.features.voicemail.boxes import Mailboxes
from firmware.pbx.features.voicemail.jobs import MessageInfo, StoreMessage
from firmware.pbx.hooks import PartyFlow
from firmware.pbx.legs import LegMachine, Table
from firmware.pbx.state import Call
from firmware.prompts.grammar import duration_words, number_digits

DEPOSIT_FLOW = "voicemail"
BEEP = ToneSpec("voicemail.beep", (ToneSegment((1000.0,), 400),), None, -10.0)
BEEP_S = 0.45


class DepositState(enum.Enum):
    GREETING = "greeting"
    RECORDING = "recording"
    CLOSING = "closing"          # "goodbye" after # / the time limit
    DONE = "done"


class DepositEvent(enum.Enum):
    RECORD = "record"            # greeting and beep over (or skipped with a key)
    FINISH = "finish"            # # or the time limit
    CALLER_GONE = "caller_gone"
    FULL = "full"


class DepositOutcome(enum.Enum):
    STORED = "stored"
    HUNG_UP_EARLY = "hung_up_early"   # before the beep: no message
    MAILBOX_FULL = "mailbox_full"


_S, _E = DepositState, DepositEvent
DEPOSIT_TABLE: Table[DepositState, DepositEvent] = MappingProxyType({
    (_S.GREETING, _E.RECORD): (_S.RECORDING, "start_recorder"),
    (_S.GREETING, _E.CALLER_GONE): (_S.DONE, DepositOutcome.HUNG_UP_EARLY.value),
    (_S.GREETING, _E.FULL): (_S.CLOSING, DepositOutcome.MAILBOX_FULL.value),
    (_S.RECORDING, _E.FINISH): (_S.CLOSING, DepositOutcome.STORED.value),
    (_S.RECORDING, _E.CALLER_GONE): (_S.DONE, DepositOutcome.STORED.value),
    (_S.CLOSING, _E.CALLER_GONE): (_S.DONE, "ignore"),
})


@dataclass
class Deposit:
    call: int
    box: MailboxConfig
    busy: bool
    session: Session
    machine: LegMachine[DepositState, DepositEvent]
    message: str = ""
    started: float = 0.0
    started_wall: datetime | None = None
    outcome: DepositOutcome | None = None


class Deposits(PartyFlow):
    name = DEPOSIT_FLOW

    def __init__(self, core: Core, router: Router, dialogues: Dialogues, boxes: Mailboxes) -> None:
        super().__init__(core)
        self.router = router
        self.dialogues = dialogues
        self.boxes = boxes
        self.active: dict[int, Deposit] = {}
        self.stored: deque[StoreMessage] = deque(maxlen=100)
        router.handlers["voicemail"] = lambda call, goto: self.start(call, goto.value, busy=goto.busy)
        core.hooks.call_ended.append(self._ended)

    def _ended(self, core: Core, call: Call) -> None:
        self.active.pop(call.id, None)

    def start(self, call: Call, number: str, *, busy: bool = False) -> None:
        core = self.core
        box = self.boxes.box(number)
        if box is None:
            self.router.hang_up(call, f"no mailbox {number}")
            return
        call.flow, call.to = DEPOSIT_FLOW, call.to or number
        call.extra["voicemail"] = {"box": box.number}
        session = self.dialogues.begin(call, call.caller, box.language or core.settings.prompt_language)
        dep = self.active[call.id] = Deposit(call.id, box, busy, session,
                                             machine("voicemail", f"{box.number}/{call.id}", DEPOSIT_TABLE,
                                                     DepositState.GREETING))
        if self.boxes.full(box):
            dep.machine.fire(DepositEvent.FULL)
            dep.outcome = DepositOutcome.MAILBOX_FULL
            call.extra["voicemail"] = {"box": box.number, "outcome": dep.outcome.value}
            self.dialogues.say(session, ("mailbox_full", "goodbye"), lambda: self._hang_up(call), barge_in=False)
            return
        greeting = (box.greeting,) if box.greeting else (
            "vm_person", *number_digits(box.number), "vm_busy" if busy else "vm_unavailable")
        self.dialogues.listen(session, lambda key: self._greeting_key(dep, key))
        self.dialogues.say(session, (*greeting, "leave_message"), lambda: self._beep(dep))

    def _greeting_key(self, dep: Deposit, key: str) -> None:
        if dep.machine.state is DepositState.GREETING and key in "#*":
            self._beep(dep)                                 # skip the greeting

    def _beep(self, dep: Deposit) -> None:
        if dep.machine.state is not DepositState.GREETING or self.dialogues.get(dep.session.party) is None:
            return
        self.dialogues.hush(dep.session)
        self.dialogues.listen(dep.session, None)
        self.core.out.play(dep.session.party, BEEP)
        self.dialogues.after(dep.session, "beep", BEEP_S, lambda: self._record(dep))

    def _record(self, dep: Deposit) -> None:
        core = self.core
        dep.machine.fire(DepositEvent.RECORD)
        core.out.stop_tone(dep.session.party)
        dep.message = f"{core.wall:%Y%m%d-%H%M%S}-{dep.call}"
        dep.started, dep.started_wall = core.now, core.wall
        core.out.emit(StartRecording(-dep.call, (dep.session.party,), self.boxes.path(dep.box.number, dep.message)))
        self.dialogues.listen(dep.session, lambda key: self._finish(dep) if key == "#" else None)
        limit = float(self.boxes.config.max_message_s)
        self.dialogues.after(dep.session, "limit", limit, lambda: self._finish(dep))

    def _finish(self, dep: Deposit) -> None:
        """# or the time limit: store, say goodbye, hang up."""
        if dep.machine.state is not DepositState.RECORDING:
            return
        dep.machine.fire(DepositEvent.FINISH)
        self._store(dep)
        call = self.core.calls[dep.call]
        self.dialogues.listen(dep.session, None)
        self.dialogues.say(dep.session, ("goodbye",), lambda: self._hang_up(call), barge_in=False)

    def _store(self, dep: Deposit) -> None:
        core = self.core
        core.out.emit(StopRecording(-dep.call))
        dep.outcome = DepositOutcome.STORED
        call = core.calls[dep.call]
        seconds = round(core.now - dep.started, 1)
        when = dep.started_wall or core.wall
        info = MessageInfo(dep.message, "new", call.from_number, call.from_name, when.isoformat(timespec="seconds"),
                           seconds)
        path = self.boxes.path(dep.box.number, dep.message)
        job = StoreMessage(dep.box.number, path, info, self.boxes.config.min_message_s, self._mail(dep, info, path))
        self.stored.append(job)
        core.out.emit(job)
        call.extra["voicemail"] = {"box": dep.box.number, "message": dep.message, "seconds": seconds,
                                   "outcome": dep.outcome.value}

    def _mail(self, dep: Deposit, info: MessageInfo, path: str) -> SendMail | None:
        box = dep.box
        if not box.email:
            return None
        who = f"{info.caller_name} <{info.caller}>" if info.caller and info.caller_name else \
            info.caller or info.caller_name or "an unknown caller"
        label = box.name or f"mailbox {box.number}"
        body = (f"New voicemail for {label} ({box.number})\n\n"
                f"Caller:    {who}\n"
                f"Received:  {info.when.replace('T', ' ')}\n"
                f"Duration:  {info.duration_s:.0f} s\n")
        attachments: tuple[Attachment, ...] = ()
        if box.attach:
            attachments = (Attachment(f"voicemail-{box.number}-{info.id}.wav", "", "audio/wav", path=path,
                                      remove=box.delete_after_mail),)
        return SendMail(tuple(box.email), f"Voicemail from {who} for {label} ({info.duration_s:.0f} s)", body,
                        attachments)

    def _hang_up(self, call: Call) -> None:
        if call.id in self.core.calls:
            self.dialogues.close(call.caller)
            self.core.end_call(call, Disposition.ANSWERED, HangupSide.SYSTEM, "voicemail done", release=[call.caller])

    # --- flow ------------------------------------------------------------------------------------------
    def party_gone(self, call: Call, party: str) -> None:
        dep = self.active.get(call.id)
        if dep is not None and dep.machine.state is DepositState.RECORDING:
            dep.machine.fire(DepositEvent.CALLER_GONE)
            self._store(dep)
        elif dep is not None and dep.machine.state is DepositState.GREETING:
            dep.machine.fire(DepositEvent.CALLER_GONE)
            dep.outcome = DepositOutcome.HUNG_UP_EARLY
            call.extra["voicemail"] = {"box": dep.box.number, "outcome": dep.outcome.value}
        self.dialogues.close(party)
        self.core.end_call(call, Disposition.ANSWERED, HangupSide.CALLER, "left a voicemail" if dep and
                           dep.outcome is DepositOutcome.STORED else "hung up in voicemail")


def spoken_length(seconds: float, lang: str) -> tuple[str, ...]:
    return ("length", *duration_words(seconds, lang))
