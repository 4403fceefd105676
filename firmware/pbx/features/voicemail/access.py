"""Listening from a phone (Asterisk VoiceMailMain()): the access code reaches the caller's own mailbox
(a group box it is a member of, else), the other code asks for a box number; then the PIN (the box's,
or the portal's; none set: own phone only), wrong PINs counted, then "you have 2 new messages and 1 saved
message" and the menu: 1 new, 2 saved, * goodbye. Each message: its number, when it came, from whom,
the recording, then 1 again, 2 save, 7 delete, 8 forward to another box, # next, * back to the menu.
A new message that was heard is kept as saved. Files change through the runtime (MessageOp)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from firmware.config.voicemail import MailboxConfig
from firmware.pbx.commands import Direction, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.common import extension_of, machine
from firmware.pbx.features.goto import Dialogues, Session
from firmware.pbx.features.voicemail.boxes import Mailboxes, pin_matches
from firmware.pbx.features.voicemail.jobs import MessageInfo, MessageOp
from firmware.pbx.hooks import PartyFlow
from firmware.pbx.legs import FxsEvent, LegMachine, Table
from firmware.pbx.numbering import FeatureTarget
from firmware.pbx.state import Call, FxsLeg
from firmware.prompts.grammar import cardinal, count, number_digits, when_words

ACCESS_FLOW = "voicemail_access"
MENU_WAIT_S = 10.0


class AccessState(enum.Enum):
    BOX = "box"                  # asking for the box number
    PIN = "pin"
    MENU = "menu"
    LISTENING = "listening"      # a message and its menu
    FORWARDING = "forwarding"    # asking for the box to forward to
    DONE = "done"


class AccessEvent(enum.Enum):
    BOX_GIVEN = "box_given"
    PIN_OK = "pin_ok"
    PIN_WRONG = "pin_wrong"
    LISTEN = "listen"
    NEXT = "next"
    FORWARD = "forward"
    FORWARDED = "forwarded"
    BACK = "back"
    BYE = "bye"


class AccessOutcome(enum.Enum):
    FINISHED = "finished"
    LOCKED_OUT = "locked_out"    # too many wrong PINs
    NO_MAILBOX = "no_mailbox"
    CALLER_GONE = "caller_gone"


_S, _E = AccessState, AccessEvent
ACCESS_TABLE: Table[AccessState, AccessEvent] = MappingProxyType({
    (_S.BOX, _E.BOX_GIVEN): (_S.PIN, "ask_pin"),
    (_S.PIN, _E.PIN_OK): (_S.MENU, "summary"),
    (_S.PIN, _E.PIN_WRONG): (_S.PIN, "ask_again"),
    (_S.MENU, _E.LISTEN): (_S.LISTENING, "play"),
    (_S.LISTENING, _E.NEXT): (_S.LISTENING, "play"),
    (_S.LISTENING, _E.FORWARD): (_S.FORWARDING, "ask_box"),
    (_S.FORWARDING, _E.FORWARDED): (_S.LISTENING, "play"),
    (_S.LISTENING, _E.BACK): (_S.MENU, "menu"),
    (_S.MENU, _E.BACK): (_S.MENU, "menu"),
    **{(s, _E.BYE): (_S.DONE, "hang_up") for s in _S if s is not _S.DONE},
})


@dataclass
class Access:
    call: int
    party: str
    session: Session
    machine: LegMachine[AccessState, AccessEvent]
    box: MailboxConfig | None = None
    attempts: int = 0
    folder: str = "new"
    queue: list[MessageInfo] = field(default_factory=list)
    current: MessageInfo | None = None
    index: int = 0               # the message's number in this listening
    outcome: AccessOutcome | None = None


class MailboxAccess(PartyFlow):
    name = ACCESS_FLOW

    def __init__(self, core: Core, dialogues: Dialogues, boxes: Mailboxes) -> None:
        super().__init__(core)
        self.dialogues = dialogues
        self.boxes = boxes
        self.active: dict[int, Access] = {}
        core.hooks.features["voicemail"] = lambda c, leg, target, now: self._code(leg, target, own=True)
        core.hooks.features["voicemail_other"] = lambda c, leg, target, now: self._code(leg, target, own=False)
        core.hooks.call_ended.append(self._ended)

    def _ended(self, core: Core, call: Call) -> None:
        self.active.pop(call.id, None)

    # --- start --------------------------------------------------------------------------------------------
    def _code(self, leg: FxsLeg, target: FeatureTarget, *, own: bool) -> None:
        core = self.core
        me = extension_of(core, leg.id)
        call = core.new_call(Direction.INTERNAL, leg.id, from_number=me, from_name=core.party(leg.id).identity().name,
                             to=target.code, dialled=leg.digits)
        core.timers.cancel(leg.id, "digits")
        leg.call = call.id
        leg.fire(FxsEvent.NUMBER_COMPLETE)
        self.start(call, me if own else "")

    def start(self, call: Call, extension: str) -> None:
        """The caller's own box (`extension` given) or any box (asked for)."""
        core = self.core
        call.flow = ACCESS_FLOW
        session = self.dialogues.begin(call, call.caller, core.settings.prompt_language)
        acc = self.active[call.id] = Access(call.id, call.caller, session,
                                            machine("voicemail access", f"call {call.id}", ACCESS_TABLE, _S.BOX))
        if extension:
            box = self.boxes.box_of(extension)
            if box is None:
                self._bye(acc, AccessOutcome.NO_MAILBOX, ("invalid",))
                return
            self._box_given(acc, box, own=True)
            return
        self.dialogues.say(session, ("enter_mailbox",))
        self.dialogues.collect(session, done=lambda number: self._box_number(acc, number), max_len=6)

    def _box_number(self, acc: Access, number: str) -> None:
        box = self.boxes.box(number)
        if box is None:
            self._bye(acc, AccessOutcome.NO_MAILBOX, ("invalid",))
            return
        self._box_given(acc, box, own=False)

    def _box_given(self, acc: Access, box: MailboxConfig, *, own: bool) -> None:
        acc.box = box
        acc.machine.fire(_E.BOX_GIVEN)
        self.core.calls[acc.call].extra["voicemail_access"] = {"box": box.number}
        if not self.boxes.pin(box):
            if own:                           # no PIN anywhere: the own phone is enough
                acc.machine.fire(_E.PIN_OK)
                self._summary(acc)
            else:
                self._bye(acc, AccessOutcome.LOCKED_OUT, ("wrong_pin",))
            return
        self._ask_pin(acc)

    def _ask_pin(self, acc: Access) -> None:
        self.dialogues.say(acc.session, ("enter_pin",))
        self.dialogues.collect(acc.session, done=lambda pin: self._pin(acc, pin), max_len=8)

    def _pin(self, acc: Access, pin: str) -> None:
        assert acc.box is not None
        if pin_matches(pin, self.boxes.pin(acc.box)):
            acc.machine.fire(_E.PIN_OK)
            self._summary(acc)
            return
        acc.attempts += 1
        acc.machine.fire(_E.PIN_WRONG)
        if acc.attempts >= self.boxes.config.pin_attempts:
            self._bye(acc, AccessOutcome.LOCKED_OUT, ("wrong_pin", "too_many_attempts"))
            return
        self.dialogues.say(acc.session, ("wrong_pin", "enter_pin"))
        self.dialogues.collect(acc.session, done=lambda again: self._pin(acc, again), max_len=8)

    # --- the main menu -------------------------------------------------------------------------------------
    def _summary(self, acc: Access) -> None:
        assert acc.box is not None
        lang = acc.session.language
        new, old = self.boxes.counts(acc.box.number)
        if not new and not old:
            words: tuple[str, ...] = ("no_messages",)
        else:
            parts = [count(n, noun, lang) for n, noun in ((new, "new_messages"), (old, "saved_messages")) if n]
            words = ("you_have", *parts[0], *(("and", *parts[1]) if len(parts) > 1 else ()))
        self._menu(acc, words)

    def _menu(self, acc: Access, before: tuple[str, ...] = ()) -> None:
        self.dialogues.listen(acc.session, lambda key: self._menu_key(acc, key))
        self.dialogues.say(acc.session, (*before, "main_menu"),
                           lambda: self.dialogues.after(acc.session, "menu", MENU_WAIT_S, lambda: self._menu(acc)))

    def _menu_key(self, acc: Access, key: str) -> None:
        self.dialogues.cancel(acc.session, "menu")
        if key in "12":
            assert acc.box is not None
            acc.folder = "new" if key == "1" else "saved"
            acc.queue = list(self.boxes.listing(acc.box.number, acc.folder))
            acc.index = 0
            acc.machine.fire(_E.LISTEN)
            self._play_next(acc)
        elif key == "*":
            self._bye(acc, AccessOutcome.FINISHED, ("goodbye",))

    # --- messages ----------------------------------------------------------------------------------------
    def _play_next(self, acc: Access, *, again: bool = False) -> None:
        if not again:
            if not acc.queue:
                acc.current = None
                acc.machine.fire(_E.BACK)
                self._menu(acc, ("no_more_messages",))
                return
            acc.current = acc.queue.pop(0)
            acc.index += 1
        msg = acc.current
        assert msg is not None and acc.box is not None
        lang = acc.session.language
        when = datetime.fromisoformat(msg.when)
        who = ("from", *number_digits(msg.caller)) if msg.caller else ("unknown_caller",)
        heard = when_words(when, self._now(when), lang)
        recording = f"file:{self.boxes.path(acc.box.number, msg.id)}"
        words = ("message_number", *cardinal(max(acc.index, 1), lang, ""), "received", *heard, *who, recording,
                 "message_menu")
        self.dialogues.listen(acc.session, lambda key: self._message_key(acc, key))
        self.dialogues.say(acc.session, words,
                           lambda: self.dialogues.after(acc.session, "menu", MENU_WAIT_S, lambda: self._done_with(acc)))

    def _now(self, when: datetime) -> datetime:
        wall = self.core.wall
        return wall.astimezone(when.tzinfo) if when.tzinfo is not None else wall.replace(tzinfo=None)

    def _message_key(self, acc: Access, key: str) -> None:
        self.dialogues.cancel(acc.session, "menu")
        msg, box = acc.current, acc.box
        assert msg is not None and box is not None
        if key == "1":
            self._play_next(acc, again=True)
        elif key == "2":
            self._op(box.number, msg, "save")
            acc.machine.fire(_E.NEXT)
            self.dialogues.say(acc.session, ("saved",), lambda: self._play_next(acc))
        elif key == "7":
            self._op(box.number, msg, "delete")
            acc.machine.fire(_E.NEXT)
            self.dialogues.say(acc.session, ("deleted",), lambda: self._play_next(acc))
        elif key == "8":
            acc.machine.fire(_E.FORWARD)
            self.dialogues.say(acc.session, ("enter_forward",))
            self.dialogues.collect(acc.session, done=lambda to: self._forward(acc, to), max_len=6)
        elif key == "#":
            self._done_with(acc)
        elif key == "*":
            self._seen(acc)
            acc.machine.fire(_E.BACK)
            self._menu(acc)

    def _done_with(self, acc: Access) -> None:
        self._seen(acc)
        acc.machine.fire(_E.NEXT)
        self._play_next(acc)

    def _seen(self, acc: Access) -> None:
        """A heard new message becomes a saved one (the lamp goes out when none is left)."""
        msg, box = acc.current, acc.box
        if msg is not None and box is not None and msg.folder == "new":
            self._op(box.number, msg, "save")
            acc.current = MessageInfo(msg.id, "saved", msg.caller, msg.caller_name, msg.when, msg.duration_s, msg.size)

    def _forward(self, acc: Access, to: str) -> None:
        msg, box = acc.current, acc.box
        assert msg is not None and box is not None
        target = self.boxes.box(to)
        acc.machine.fire(_E.FORWARDED)
        if target is None or target.number == box.number:
            self.dialogues.say(acc.session, ("invalid", "message_menu"),
                               lambda: self.dialogues.after(acc.session, "menu", MENU_WAIT_S,
                                                            lambda: self._done_with(acc)))
            self.dialogues.listen(acc.session, lambda key: self._message_key(acc, key))
            return
        self.core.out.emit(MessageOp(self.boxes.config.directory, box.number, msg.id, "copy", target.number))
        self.dialogues.say(acc.session, ("forwarded",), lambda: self._done_with(acc))

    def _op(self, box: str, msg: MessageInfo, op: str) -> None:
        self.core.out.emit(MessageOp(self.boxes.config.directory, box, msg.id, op))
        kept = self.boxes.messages.get(box, [])
        if op == "delete":
            self.boxes.messages[box] = [m for m in kept if m.id != msg.id]
        elif op == "save":
            self.boxes.messages[box] = [MessageInfo(m.id, "saved", m.caller, m.caller_name, m.when, m.duration_s,
                                                    m.size) if m.id == msg.id else m for m in kept]
        self.boxes.signal()

    # --- the end ---------------------------------------------------------------------------------------
    def _bye(self, acc: Access, outcome: AccessOutcome, words: tuple[str, ...]) -> None:
        acc.outcome = outcome
        call = self.core.calls[acc.call]
        call.extra.setdefault("voicemail_access", {})
        note = call.extra["voicemail_access"]
        if isinstance(note, dict):
            note["outcome"] = outcome.value
        self.dialogues.listen(acc.session, lambda key: None)
        acc.machine.fire(_E.BYE)
        self.dialogues.say(acc.session, (*words, "goodbye"), lambda: self._hang_up(call), barge_in=False)

    def _hang_up(self, call: Call) -> None:
        if call.id in self.core.calls:
            self.dialogues.close(call.caller)
            self.core.end_call(call, Disposition.ANSWERED, HangupSide.SYSTEM, "voicemail menu done",
                               release=[call.caller])

    def party_gone(self, call: Call, party: str) -> None:
        acc = self.active.get(call.id)
        if acc is not None:
            self._seen(acc)
            if acc.outcome is None:
                acc.outcome = AccessOutcome.CALLER_GONE
        self.dialogues.close(party)
        self.core.end_call(call, Disposition.ANSWERED, HangupSide.CALLER, "hung up in the voicemail menu")
