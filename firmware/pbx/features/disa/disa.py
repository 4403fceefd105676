"""DISA, direct inward system access (Asterisk DISA()): a caller from outside is answered, enters a PIN,
hears internal dial tone and dials like an extension - extensions and groups if the PIN allows, outside
numbers on the routes and up to the permission class of the PIN, emergency numbers always. Wrong PINs
are counted per calling number (anonymous callers together); after `max_attempts` that number is locked
out for `lockout_s` (refused at once, before any prompt). Every DISA call is one call record with what
happened in `extra.disa`: the user whose PIN it was, what was dialled, the outcome."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType

from firmware.config.callers import DisaConfig, DisaPinConfig
from firmware.pbx.commands import Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.common import machine
from firmware.pbx.features.goto import Dialogues, ReachFlow, Router, Session
from firmware.pbx.hooks import PartyFlow
from firmware.pbx.legs import LegMachine, Table
from firmware.pbx.numbering import EmergencyTarget, ExtensionTarget, Outcome, OutsideTarget, Target
from firmware.pbx.numbering_plans import Permission
from firmware.pbx.state import Call

DISA_FLOW = "disa"


class DisaState(enum.Enum):
    PIN = "pin"
    DIALLING = "dialling"        # internal dial tone, digits collected against the plan
    DONE = "done"


class DisaEvent(enum.Enum):
    PIN_OK = "pin_ok"
    PIN_WRONG = "pin_wrong"
    LOCK = "lock"
    DIALLED = "dialled"
    REFUSED = "refused"
    CALLER_GONE = "caller_gone"


class DisaOutcome(enum.Enum):
    DIALLED = "dialled"          # sent on to the number
    WRONG_PIN = "wrong_pin"      # gave up / too many wrong PINs (now locked out)
    LOCKED_OUT = "locked_out"    # refused at once: the number is locked out
    NOT_ALLOWED = "not_allowed"  # the number is beyond what the PIN may dial, or unknown
    CALLER_GONE = "caller_gone"


_S, _E = DisaState, DisaEvent
DISA_TABLE: Table[DisaState, DisaEvent] = MappingProxyType({
    (_S.PIN, _E.PIN_OK): (_S.DIALLING, "dial_tone"),
    (_S.PIN, _E.PIN_WRONG): (_S.PIN, "ask_again"),
    (_S.PIN, _E.LOCK): (_S.DONE, DisaOutcome.WRONG_PIN.value),
    (_S.DIALLING, _E.DIALLED): (_S.DONE, DisaOutcome.DIALLED.value),
    (_S.DIALLING, _E.REFUSED): (_S.DONE, DisaOutcome.NOT_ALLOWED.value),
    (_S.PIN, _E.CALLER_GONE): (_S.DONE, DisaOutcome.CALLER_GONE.value),
    (_S.DIALLING, _E.CALLER_GONE): (_S.DONE, DisaOutcome.CALLER_GONE.value),
})


@dataclass
class DisaCall:
    call: int
    cfg: DisaConfig
    key: str                     # calling number or "anonymous" (lockout key)
    session: Session
    machine: LegMachine[DisaState, DisaEvent]
    pin: DisaPinConfig | None = None
    digits: str = ""


class Disa(PartyFlow):
    name = DISA_FLOW

    def __init__(self, core: Core, router: Router, dialogues: Dialogues, reach: ReachFlow) -> None:
        super().__init__(core)
        self.router = router
        self.dialogues = dialogues
        self.reach = reach
        self.active: dict[int, DisaCall] = {}
        self.failures: dict[tuple[str, str], int] = {}         # (disa, caller) -> wrong PINs in a row
        self.locked: dict[tuple[str, str], float] = {}         # (disa, caller) -> locked until (engine time)
        router.handlers["disa"] = lambda call, goto: self.start(call, goto.value)
        core.hooks.call_ended.append(self._ended)

    def _ended(self, core: Core, call: Call) -> None:
        self.active.pop(call.id, None)

    def config(self, name: str) -> DisaConfig | None:
        return next((d for d in self.core.settings.office.disa if d.name == name), None)

    def lockouts(self) -> list[dict[str, object]]:
        now = self.core.now
        return [{"disa": d, "caller": c, "seconds_left": round(until - now)} for (d, c), until in self.locked.items()
                if until > now]

    # --- PIN --------------------------------------------------------------------------------------------
    def start(self, call: Call, name: str) -> None:
        core = self.core
        cfg = self.config(name)
        if cfg is None:
            self.router.hang_up(call, f"no DISA {name!r}")
            return
        key = call.from_number or "anonymous"
        if self.locked.get((name, key), 0.0) > core.now:
            call.extra["disa"] = {"name": name, "outcome": DisaOutcome.LOCKED_OUT.value}
            self.router.hang_up(call, f"DISA {name}: {key} is locked out", Disposition.FAILED)
            return
        call.flow = DISA_FLOW
        session = self.dialogues.begin(call, call.caller, core.settings.prompt_language)
        dc = self.active[call.id] = DisaCall(call.id, cfg, key, session,
                                             machine("disa", f"{name}/{call.id}", DISA_TABLE, DisaState.PIN))
        call.extra["disa"] = {"name": name}
        self._ask(dc, ("enter_pin",))

    def _ask(self, dc: DisaCall, words: tuple[str, ...]) -> None:
        self.dialogues.say(dc.session, words)
        self.dialogues.collect(dc.session, done=lambda pin: self._pin(dc, pin), max_len=12,
                               first_s=dc.cfg.pin_timeout_s)

    def _pin(self, dc: DisaCall, pin: str) -> None:
        found = next((p for p in dc.cfg.pins if p.pin == pin), None) if pin else None
        lock_key = (dc.cfg.name, dc.key)
        if found is not None:
            self.failures.pop(lock_key, None)
            dc.pin = found
            dc.machine.fire(_E.PIN_OK)
            self._note(dc, user=found.name or "PIN")
            self._dial_tone(dc)
            return
        tries = self.failures[lock_key] = self.failures.get(lock_key, 0) + 1
        if tries >= dc.cfg.max_attempts:
            self.locked[lock_key] = self.core.now + dc.cfg.lockout_s
            self.failures.pop(lock_key, None)
            dc.machine.fire(_E.LOCK)
            self._note(dc, outcome=DisaOutcome.WRONG_PIN.value, wrong_pins=tries)
            self._bye(dc, ("wrong_pin", "too_many_attempts", "goodbye"))
            return
        dc.machine.fire(_E.PIN_WRONG)
        self._note(dc, wrong_pins=tries)
        self._ask(dc, ("wrong_pin", "enter_pin"))

    # --- dialling ----------------------------------------------------------------------------------------
    def _dial_tone(self, dc: DisaCall) -> None:
        self.dialogues.tone(dc.session, "dial")
        plan = self.core.settings.plan
        self.dialogues.listen(dc.session, lambda key: self._digit(dc, key))
        self.dialogues.after(dc.session, "digits", plan.timeouts.first_digit_s, lambda: self._refuse(dc, ""))

    def _digit(self, dc: DisaCall, key: str) -> None:
        core = self.core
        core.out.stop_tone(dc.session.party)
        self.dialogues.cancel(dc.session, "digits")
        plan = core.settings.plan
        if key == "#":
            self._dispatch(dc, plan.finish(dc.digits))
            return
        dc.digits += key
        result = plan.evaluate(dc.digits)
        if result.outcome is Outcome.MATCH:
            self._dispatch(dc, result.target)
        elif result.outcome is Outcome.NO_MATCH:
            self._refuse(dc, dc.digits)
        elif result.timeout_s is not None:
            on_timeout = (lambda: self._dispatch(dc, plan.finish(dc.digits))) \
                if result.outcome is Outcome.MATCH_OR_MORE else (lambda: self._refuse(dc, dc.digits))
            self.dialogues.after(dc.session, "digits", result.timeout_s, on_timeout)

    def _dispatch(self, dc: DisaCall, target: Target | None) -> None:
        core = self.core
        pin = dc.pin
        assert pin is not None
        call = core.calls[dc.call]
        if isinstance(target, ExtensionTarget) and pin.internal:
            self._sent(dc, call, target.number)
            self.router.send(call, target.number)
            return
        choice = None
        if isinstance(target, EmergencyTarget):
            choice = core.settings.routes.emergency(target)
        elif isinstance(target, OutsideTarget):
            choice = core.settings.routes.find(target.digits, tuple(pin.routes) or None)
            if choice is not None and not choice.allows(Permission.named(pin.permission)):
                choice = None
        if choice is None or not isinstance(target, EmergencyTarget | OutsideTarget):
            self._refuse(dc, dc.digits)
            return
        digits = target.digits
        self._sent(dc, call, digits)
        call.route = choice.route.name
        self.reach.dial(call, digits, route=choice.route.name)

    def _sent(self, dc: DisaCall, call: Call, number: str) -> None:
        dc.machine.fire(_E.DIALLED)
        self.active.pop(dc.call, None)
        self.dialogues.close(dc.session.party)
        self._note(dc, dialled=number, outcome=DisaOutcome.DIALLED.value)
        call.to, call.flow = number, ""

    def _refuse(self, dc: DisaCall, digits: str) -> None:
        dc.machine.fire(_E.REFUSED)
        self._note(dc, dialled=digits, outcome=DisaOutcome.NOT_ALLOWED.value)
        self.dialogues.tone(dc.session, "congestion")
        self.dialogues.listen(dc.session, None)
        call = self.core.calls[dc.call]
        self.dialogues.after(dc.session, "bye", 4.0, lambda: self.router.hang_up(call, "DISA: not allowed"))

    def _bye(self, dc: DisaCall, words: tuple[str, ...]) -> None:
        call = self.core.calls[dc.call]
        self.dialogues.listen(dc.session, None)
        self.dialogues.say(dc.session, words, lambda: self.router.hang_up(call, "DISA: wrong PIN"), barge_in=False)

    def _note(self, dc: DisaCall, **data: object) -> None:
        call = self.core.calls.get(dc.call)
        note = call.extra.setdefault("disa", {"name": dc.cfg.name}) if call is not None else None
        if isinstance(note, dict):
            note.update(data)

    def party_gone(self, call: Call, party: str) -> None:
        dc = self.active.pop(call.id, None)
        if dc is not None and dc.machine.state is not DisaState.DONE:
            dc.machine.fire(_E.CALLER_GONE)
            note = call.extra.get("disa")
            if isinstance(note, dict):
                note.setdefault("outcome", DisaOutcome.CALLER_GONE.value)
        self.dialogues.close(party)
        self.core.end_call(call, Disposition.ANSWERED, HangupSide.CALLER, "hung up in DISA")
