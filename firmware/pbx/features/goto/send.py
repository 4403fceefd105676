"""Sending a call to a destination text (firmware.config.attendant: a number, voicemail:<box>, ivr:<menu>,
time:<condition>, disa:<name>, paging:<name>, outside:<digits>, announcement:<prompt>, busy, hangup):
the one place every office feature routes through. Texts other than plain numbers, and the numbers of
menus, time conditions, DISA and paging groups, resolve to the "goto" destination kind, so inbound lines,
SIP DIDs, ring-group final destinations and handsets dialling a menu number all reach them."""

from __future__ import annotations

from collections.abc import Callable

from firmware.config.attendant import Goto, parse_destination
from firmware.pbx.commands import Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.goto.dialogue import Dialogues
from firmware.pbx.features.goto.reach import ReachFlow
from firmware.pbx.hooks import Destination
from firmware.pbx.party import PartyKind
from firmware.pbx.state import Call

GOTO = "goto"
NAMED = ("ivr", "time", "disa", "paging")
Handler = Callable[[Call, Goto], None]


class Router:
    """Destination texts -> the feature that takes the call (handlers registered by the packages)."""

    def __init__(self, core: Core, reach: ReachFlow, dialogues: Dialogues) -> None:
        self.core = core
        self.reach = reach
        self.dialogues = dialogues
        self.handlers: dict[str, Handler] = {}
        core.hooks.resolvers.append(self._resolve)
        core.hooks.destination_flows[GOTO] = lambda c, call, dest, now: self.send(call, dest.number)

    def named_number(self, number: str) -> str:
        """"ivr:<name>" etc. for the number of a menu, time condition, DISA or paging group ("" if none)."""
        office = self.core.settings.office
        for kind in NAMED:
            for name, item in office.named(kind).items():
                if getattr(item, "number", "") == number:
                    return f"{kind}:{name}"
        return ""

    def _resolve(self, core: Core, number: str) -> Destination | None:
        goto = parse_destination(number)
        if goto.kind == "number":
            named = self.named_number(number)
            return Destination(GOTO, named, (), named) if named else None
        if goto.kind in ("none", "invalid", "queue"):
            return None
        office = core.settings.office
        if goto.kind == "voicemail" and all(b.number != goto.value for b in office.voicemail.boxes):
            return None
        if goto.kind in NAMED and goto.value not in office.named(goto.kind):
            return None
        return Destination(GOTO, number, (), number)

    # --- sending ---------------------------------------------------------------------------------------
    def send(self, call: Call, text: str, *, ringback: str = "ringback") -> None:
        """Take `call` (its caller is `call.caller`) to destination `text`."""
        trail = call.extra.setdefault("goto", [])
        if isinstance(trail, list):
            trail.append(text or "hangup")
        if isinstance(trail, list) and len(trail) > 20:     # a loop of menus sending to each other
            self.hang_up(call, "too many hops between destinations")
            return
        goto = parse_destination(text)
        if goto.kind == "number":
            self._number(call, goto.value, ringback)
        elif goto.kind in self.handlers:
            self.handlers[goto.kind](call, goto)
        elif goto.kind == "outside":
            self.reach.dial(call, goto.value, ringback=ringback)
        elif goto.kind == "announcement":
            self.announce(call, (goto.value, "goodbye"))
        elif goto.kind == "busy":
            self.busy(call)
        else:
            self.hang_up(call, f"sent to {text or 'hangup'}")

    def _number(self, call: Call, number: str, ringback: str) -> None:
        core = self.core
        named = self.named_number(number)
        if named:
            self.send(call, named, ringback=ringback)
            return
        dest = core.hooks.resolve(core, number)
        if dest is None:
            self.hang_up(call, f"{number} leads nowhere", Disposition.FAILED)
        elif dest.kind == "extension":
            self.reach.ring(call, number, ringback=ringback)
        else:
            call.flow, call.to, call.callee = "", number, ""
            if dest.kind == "group":
                call.rung = False
            core.hooks.destination_flows[dest.kind](core, call, dest, core.now)

    # --- simple ends -------------------------------------------------------------------------------------
    def hang_up(self, call: Call, reason: str, disposition: Disposition | None = None) -> None:
        if call.id not in self.core.calls:
            return
        if disposition is None:
            disposition = Disposition.ANSWERED if call.answer is not None else Disposition.NO_ANSWER
        self.core.end_call(call, disposition, HangupSide.SYSTEM, reason, release=[call.caller])

    def busy(self, call: Call) -> None:
        """Busy tone: a phone or SIP caller is refused as busy; an analog line must be answered for it."""
        core = self.core
        caller = core.party(call.caller)
        if caller.kind is PartyKind.LINE and (caller.talking or call.caller.startswith("fxo:")):
            session = self.dialogues.begin(call, call.caller, core.settings.prompt_language)
            self.dialogues.tone(session, "busy")
            self.dialogues.after(session, "busy", 5.0, lambda: self.hang_up(call, "busy treatment"))
            return
        core.end_call(call, Disposition.BUSY, HangupSide.CALLEE, "busy treatment", release=[call.caller], role="busy")

    def announce(self, call: Call, words: tuple[str, ...]) -> None:
        """Answer, say `words`, hang up."""
        session = self.dialogues.begin(call, call.caller, self.core.settings.prompt_language)
        self.dialogues.listen(session, lambda key: None)
        self.dialogues.say(session, words, lambda: self.hang_up(call, f"announcement {words[0]}"), barge_in=False)
