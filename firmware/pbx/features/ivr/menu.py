"""IVR menus (auto-attendant) as data: a caller sent to a menu is answered and hears its prompt; a key
(or keys) chooses an option - an extension, a group, voicemail, another menu, an outside number, hang up,
repeat, back -, or, while the menu plays, the caller dials an extension number directly (ended by the
end key or the inter-digit time). Silence and wrong keys are counted against `retries` (the invalid
prompt, then the menu again); a timeout destination takes silent callers at once (the operator), the
fail destination takes them when the retries are used up. The choices are kept in the call record."""

from __future__ import annotations

from collections import deque

from firmware.config.attendant import IvrMenuConfig, parse_destination
from firmware.pbx.commands import Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.common import machine
from firmware.pbx.features.goto import Dialogues, Router
from firmware.pbx.features.ivr.table import IVR_TABLE, IvrEvent, IvrOutcome, IvrState, MenuCall
from firmware.pbx.hooks import PartyFlow
from firmware.pbx.state import Call

IVR_FLOW = "ivr"


class Menus(PartyFlow):
    name = IVR_FLOW

    def __init__(self, core: Core, router: Router, dialogues: Dialogues) -> None:
        super().__init__(core)
        self.router = router
        self.dialogues = dialogues
        self.active: dict[int, MenuCall] = {}
        self.visits: deque[tuple[str, IvrOutcome]] = deque(maxlen=100)        # (menu, outcome) of finished visits
        router.handlers["ivr"] = lambda call, goto: self.start(call, goto.value)
        core.hooks.call_ended.append(self._ended)

    def menu(self, name: str) -> IvrMenuConfig | None:
        return next((m for m in self.core.settings.office.ivr if m.name == name), None)

    def language(self, menu: IvrMenuConfig) -> str:
        return menu.language or self.core.settings.prompt_language

    # --- entering a menu ---------------------------------------------------------------------------------
    def start(self, call: Call, name: str) -> None:
        menu = self.menu(name)
        if menu is None:
            self.router.hang_up(call, f"no menu {name!r}", Disposition.FAILED)
            return
        core = self.core
        call.flow = IVR_FLOW
        session = self.dialogues.begin(call, call.caller, self.language(menu))
        mc = self.active[call.id] = MenuCall(call.id, call.caller, menu,
                                             machine("ivr", f"{name}/{call.id}", IVR_TABLE, IvrState.PROMPTING),
                                             session, core.now)
        call.extra["ivr"] = mc.path
        self.dialogues.listen(session, lambda key: self._key(mc, key))
        self._say_menu(mc)

    def _say_menu(self, mc: MenuCall) -> None:
        mc.keys = ""
        self.dialogues.cancel(mc.session, "ivr")
        mc.session.language = self.language(mc.menu)
        self.dialogues.say(mc.session, tuple(mc.menu.prompt), lambda: self._prompt_done(mc))

    def _prompt_done(self, mc: MenuCall) -> None:
        if mc.machine.state is IvrState.INVALID:
            mc.machine.fire(IvrEvent.PROMPT_DONE)
            self._say_menu(mc)
            return
        mc.machine.fire(IvrEvent.PROMPT_DONE)
        self.dialogues.after(mc.session, "ivr", mc.menu.timeout_s, lambda: self._no_input(mc))

    # --- keys --------------------------------------------------------------------------------------------
    def _key(self, mc: MenuCall, key: str) -> None:
        if mc.machine.state not in (IvrState.PROMPTING, IvrState.WAITING, IvrState.COLLECTING, IvrState.INVALID):
            return
        if mc.machine.state is IvrState.INVALID:
            self.dialogues.hush(mc.session)
        mc.machine.fire(IvrEvent.KEY)
        self.dialogues.cancel(mc.session, "ivr")
        menu = mc.menu
        if not mc.keys and key == menu.back_key and menu.back_key:
            self._choose(mc, "back", key)
            return
        if menu.end_key and key == menu.end_key:
            self._complete(mc)
            return
        mc.keys += key
        options = {o.keys for o in menu.options}
        numbers = self._direct_numbers(menu)
        exact = mc.keys in options or mc.keys in numbers
        longer = any(k != mc.keys and k.startswith(mc.keys) for k in (*options, *numbers))
        if exact and not longer:
            self._complete(mc)
        elif exact or longer:
            self.dialogues.after(mc.session, "ivr", menu.inter_digit_s, lambda: self._complete(mc))
        else:
            self._wrong(mc)

    def _direct_numbers(self, menu: IvrMenuConfig) -> list[str]:
        """Numbers a caller may dial in this menu: extensions and ring groups (or the menu's list)."""
        if not menu.direct_dial:
            return []
        core = self.core
        if menu.direct_dial_only:
            return list(menu.direct_dial_only)
        out = []
        for number in core.settings.plan.extensions:
            dest = core.hooks.resolve(core, number)
            if dest is not None and dest.kind in ("extension", "group"):
                out.append(number)
        return out

    def _complete(self, mc: MenuCall) -> None:
        """The keys so far are all the caller will press: an option, a number, or wrong."""
        self.dialogues.cancel(mc.session, "ivr")
        option = next((o for o in mc.menu.options if o.keys == mc.keys), None)
        if option is not None:
            self._choose(mc, option.destination, mc.keys)
        elif mc.keys in self._direct_numbers(mc.menu):
            mc.path.append({"menu": mc.menu.name, "dialled": mc.keys})
            self._leave(mc, mc.keys, IvrOutcome.DIRECT_DIAL)
        else:
            self._wrong(mc)

    def _choose(self, mc: MenuCall, destination: str, keys: str) -> None:
        mc.path.append({"menu": mc.menu.name, "keys": keys, "to": destination})
        goto = parse_destination(destination)
        submenu = goto.value if goto.kind == "ivr" else ""
        if goto.kind == "number" and self.router.named_number(goto.value).startswith("ivr:"):
            submenu = self.router.named_number(goto.value)[4:]
        if destination == "repeat" or (destination == "back" and not mc.stack):
            mc.machine.fire(IvrEvent.REPEAT)
            self._say_menu(mc)
        elif destination == "back":
            self._enter(mc, mc.stack.pop())
        elif submenu and self.menu(submenu) is not None:
            mc.stack.append(mc.menu.name)
            self._enter(mc, submenu)
        else:
            self._leave(mc, destination, IvrOutcome.OPTION)

    def _enter(self, mc: MenuCall, name: str) -> None:
        menu = self.menu(name)
        assert menu is not None
        mc.machine.fire(IvrEvent.SUBMENU)
        mc.menu, mc.retries = menu, 0
        self._say_menu(mc)

    # --- silence and mistakes ------------------------------------------------------------------------------
    def _no_input(self, mc: MenuCall) -> None:
        menu = mc.menu
        if menu.timeout_destination:
            mc.path.append({"menu": menu.name, "keys": "", "to": menu.timeout_destination})
            self._leave(mc, menu.timeout_destination, IvrOutcome.TIMEOUT)
            return
        mc.retries += 1
        if mc.retries > menu.retries:
            self._exhausted(mc)
            return
        mc.machine.fire(IvrEvent.TIMEOUT)
        self._say_menu(mc)

    def _wrong(self, mc: MenuCall) -> None:
        mc.path.append({"menu": mc.menu.name, "keys": mc.keys, "to": "invalid"})
        mc.retries += 1
        if mc.retries > mc.menu.retries:
            self._exhausted(mc)
            return
        mc.machine.fire(IvrEvent.WRONG)
        mc.keys = ""
        self.dialogues.say(mc.session, tuple(mc.menu.invalid_prompt), lambda: self._prompt_done(mc))

    def _exhausted(self, mc: MenuCall) -> None:
        mc.machine.fire(IvrEvent.EXHAUSTED)
        self._leave(mc, mc.menu.fail_destination, IvrOutcome.FAILED, fired=True)

    # --- leaving ------------------------------------------------------------------------------------------
    def _leave(self, mc: MenuCall, destination: str, outcome: IvrOutcome, *, fired: bool = False) -> None:
        core = self.core
        if not fired:
            mc.machine.fire(IvrEvent.CHOSEN)
        mc.outcome = outcome
        self.active.pop(mc.call, None)
        self.visits.append((mc.menu.name, outcome))
        self.dialogues.close(mc.party)
        call = core.calls[mc.call]
        call.extra["ivr_outcome"] = outcome.value
        call.flow = ""
        self.router.send(call, destination, ringback=mc.menu.ringback)

    def party_gone(self, call: Call, party: str) -> None:
        mc = self.active.pop(call.id, None)
        if mc is not None:
            mc.machine.fire(IvrEvent.CALLER_GONE)
            mc.outcome = IvrOutcome.CALLER_GONE
            self.visits.append((mc.menu.name, mc.outcome))
            call.extra["ivr_outcome"] = mc.outcome.value
        self.dialogues.close(party)
        self.core.end_call(call, Disposition.ANSWERED, HangupSide.CALLER, "the caller hung up in the menu")

    def _ended(self, core: Core, call: Call) -> None:
        self.active.pop(call.id, None)
