"""The analog handset's flash menu (table.py) acting on hold, transfer, conference and call waiting:
a hook-flash handler, a digit interceptor for R0-R4 and a hang-up interceptor, registered on the
engine hooks. Only the FXS leg moves here (recall dial tone, back to a call); everything done to
calls goes through the feature packages, which a SIP phone will drive directly (re-INVITE, REFER)."""

from __future__ import annotations

from dataclasses import dataclass, field

from firmware.pbx.commands import Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.features.callwaiting import CallWaiting
from firmware.pbx.features.common import machine, other
from firmware.pbx.features.conference import Conferences
from firmware.pbx.features.handset.table import DESK_TABLE, DeskEvent, DeskOutcome, DeskState
from firmware.pbx.features.hold import Hold
from firmware.pbx.features.recording import Recording
from firmware.pbx.features.transfer import Transfer, TransferOutcome
from firmware.pbx.legs import IGNORE, FxsEvent, FxsState, LegMachine
from firmware.pbx.numbering import FeatureTarget
from firmware.pbx.state import Call, FxsLeg

MENU_DIGITS = "01234"


@dataclass
class Desk:
    phone: str
    machine: LegMachine[DeskState, DeskEvent]
    menu: bool = False
    menu_active: int | None = None       # the call that was active when the menu opened
    conf_out: int | None = None          # the conference this phone stepped out of
    outcomes: list[DeskOutcome] = field(default_factory=list)


class Handsets:
    def __init__(self, core: Core, hold: Hold, transfer: Transfer, conferences: Conferences,
                 waiting: CallWaiting, recording: Recording) -> None:
        self.core = core
        self.hold, self.transfer, self.conferences, self.waiting = hold, transfer, conferences, waiting
        self.recording = recording
        self.desks: dict[str, Desk] = {}
        core.hooks.features["blind_transfer"] = self._blind_code
        core.hooks.features["record"] = self._record_code
        core.hooks.alarm.append(self._alarm)
        core.hooks.flash.append(self.flash)
        core.hooks.digits.append(self.digit)
        core.hooks.hangup.append(self.hang_up)
        core.hooks.call_ended.append(self._ended)

    # --- state -----------------------------------------------------------------------------------
    def desk(self, phone: str) -> Desk:
        desk = self.desks.get(phone)
        if desk is None:
            desk = self.desks[phone] = Desk(phone, machine("desk", phone, DESK_TABLE, DeskState.IDLE))
        desk.machine.state = self._state(desk)
        return desk

    def held(self, desk: Desk) -> list[Call]:
        calls = [c for c in self.hold.held_by(desk.phone) if c.id != desk.menu_active]
        if desk.conf_out is not None and desk.conf_out in self.core.calls:
            calls.append(self.core.calls[desk.conf_out])
        menu_call = self.core.calls.get(desk.menu_active) if desk.menu_active is not None else None
        return calls + ([menu_call] if menu_call is not None else [])

    def _state(self, desk: Desk) -> DeskState:
        if desk.conf_out is not None and desk.conf_out not in self.core.calls:
            desk.conf_out = None
        if desk.menu:
            return DeskState.MENU
        held = bool(self.held(desk))
        active = self.core.party(desk.phone).call is not None
        if self.waiting.of(desk.phone) is not None:
            return DeskState.WAITING
        if held:
            return DeskState.CONSULTING if active else DeskState.HOLDING
        return DeskState.IDLE

    def _fire(self, desk: Desk, event: DeskEvent) -> str:
        action = desk.machine.fire(event)
        return action

    def _done(self, desk: Desk, outcome: DeskOutcome) -> None:
        desk.outcomes.append(outcome)
        desk.machine.state = self._state(desk)

    # --- hook flash ------------------------------------------------------------------------------
    def flash(self, core: Core, leg: FxsLeg, call: Call | None, now: float) -> bool:
        desk = self.desk(leg.id)
        if desk.machine.state is DeskState.IDLE and not self._can_hold(leg, call):
            return True
        action = self._fire(desk, DeskEvent.FLASH)
        {"hold": self._hold, "retrieve": self._retrieve, "menu": self._menu,
         "swap": lambda d, lg: self._menu_choice(d, lg, "2")}[action](desk, leg)
        return True

    def _can_hold(self, leg: FxsLeg, call: Call | None) -> bool:
        return call is not None and call.answer is not None and leg.state in (FxsState.CONNECTED, FxsState.HELD)

    def _hold(self, desk: Desk, leg: FxsLeg) -> None:
        call = self.core.call_of(leg)
        assert call is not None
        if self.conferences.of(call) is not None:
            desk.conf_out = call.id
            self.conferences.step_out(call, leg.id)
        else:
            self.hold.hold(call, leg.id)
        self._recall_tone(leg, self.core.settings.plan.timeouts.first_digit_s, "digits")
        self._done(desk, DeskOutcome.HELD)

    def _recall_tone(self, leg: FxsLeg, seconds: float, timer: str) -> None:
        core = self.core
        leg.fire(FxsEvent.RECALL)
        leg.digits = ""
        core.play(leg.id, "dial_recall")
        action = self._recall_timeout if timer == "digits" else self._menu_timeout
        core.after(leg.id, timer, seconds, lambda at: action(leg))

    def _recall_timeout(self, leg: FxsLeg) -> None:
        """Recall dial tone and nothing dialled: back to the held call."""
        desk = self.desk(leg.id)
        if desk.machine.state is DeskState.HOLDING and leg.state is FxsState.DIAL_TONE:
            self._fire(desk, DeskEvent.FLASH)
            self._retrieve(desk, leg)

    def _retrieve(self, desk: Desk, leg: FxsLeg) -> None:
        held = self.held(desk)
        if not held:
            return
        self._back_to_call(leg)
        self._take(desk, held[-1], leg.id)
        self._done(desk, DeskOutcome.RETRIEVED)

    def _back_to_call(self, leg: FxsLeg) -> None:
        core = self.core
        core.timers.cancel(leg.id, "digits")
        core.timers.cancel(leg.id, "menu")
        core.timers.cancel(leg.id, "tone")
        core.timers.cancel(leg.id, "sit")
        core.out.stop_tone(leg.id)
        if leg.state is not FxsState.CONNECTED:
            leg.fire(FxsEvent.RETRIEVE)

    def _take(self, desk: Desk, call: Call, phone: str) -> None:
        """Make `call` (held or a conference stepped out of) the phone's active call again."""
        if call.id == desk.conf_out:
            desk.conf_out = None
            self.conferences.step_in(call, phone)
        elif self.hold.is_held(call):
            self.core.party(phone).call = call.id
            self.hold.retrieve(call)
        if desk.menu_active == call.id:
            desk.menu_active = None

    # --- the menu (two calls, or a waiting call) ---------------------------------------------------
    def _menu(self, desk: Desk, leg: FxsLeg) -> None:
        core = self.core
        active = core.call_of(leg)
        if active is not None and active.answer is None:          # consultation still ringing: cancel it
            far = other(active, leg.id)
            core.end_call(active, Disposition.CANCELLED, HangupSide.CALLER, "consultation cancelled",
                          release=[far] if far else [])
            desk.machine.state = DeskState.HOLDING
            self._retrieve(desk, leg)
            desk.outcomes[-1] = DeskOutcome.CONSULT_CANCELLED
            return
        desk.menu = True
        if active is not None:
            desk.menu_active = active.id
            if self.conferences.of(active) is not None:
                desk.conf_out = active.id
                self.conferences.step_out(active, leg.id)
            else:
                self.hold.hold(active, leg.id)
        self._recall_tone(leg, core.settings.features.hold.flash_menu_s, "menu")

    def _menu_timeout(self, leg: FxsLeg) -> None:
        desk = self.desk(leg.id)
        if desk.menu:
            self._fire(desk, DeskEvent.MENU_TIMEOUT)
            self._menu_choice(desk, leg, "2")

    def digit(self, core: Core, leg: FxsLeg, digit: str) -> bool:
        desk = self.desks.get(leg.id)
        if desk is None or not desk.menu:
            return False
        if digit in MENU_DIGITS:
            self.desk(leg.id)
            self._fire(desk, DeskEvent.DIGIT)
            self._menu_choice(desk, leg, digit)
        return True

    def _menu_choice(self, desk: Desk, leg: FxsLeg, digit: str) -> None:
        core = self.core
        core.timers.cancel(leg.id, "menu")
        desk.menu = False
        active = core.calls.get(desk.menu_active) if desk.menu_active is not None else None
        waiting = self.waiting.of(leg.id)
        others = [c for c in self.held(desk) if active is None or c.id != active.id]
        if waiting is not None:
            self._waiting_choice(desk, leg, digit, active)
        elif active is None or not others:
            self._retrieve(desk, leg)
        else:
            self._two_calls_choice(desk, leg, digit, active, others[-1])

    def _waiting_choice(self, desk: Desk, leg: FxsLeg, digit: str, active: Call | None) -> None:
        if digit == "0":
            self.waiting.reject(leg.id)
            self._retrieve(desk, leg)
            self._done(desk, DeskOutcome.DROPPED_OTHER)
            return
        if digit == "1" and active is not None:
            self._drop(desk, active, leg.id)
        self._back_to_call(leg)
        self.waiting.answer(leg.id)
        self._done(desk, DeskOutcome.ENDED_ACTIVE if digit == "1" else DeskOutcome.SWAPPED)

    def _two_calls_choice(self, desk: Desk, leg: FxsLeg, digit: str, active: Call, held: Call) -> None:
        if digit == "0":
            self._drop(desk, held, leg.id)
            self._back_to_call(leg)
            self._take(desk, active, leg.id)
            self._done(desk, DeskOutcome.DROPPED_OTHER)
        elif digit == "1":
            self._drop(desk, active, leg.id)
            self._back_to_call(leg)
            self._take(desk, held, leg.id)
            self._done(desk, DeskOutcome.ENDED_ACTIVE)
        elif digit == "3":
            self._conference(desk, leg, active, held)
        elif digit == "4":
            self._join(desk, leg, held, active)
        else:
            desk.menu_active = None          # the formerly active call stays held
            self._back_to_call(leg)
            self._take(desk, held, leg.id)
            self._done(desk, DeskOutcome.SWAPPED)

    def _drop(self, desk: Desk, call: Call, phone: str) -> None:
        if desk.menu_active == call.id:
            desk.menu_active = None
        if call.id == desk.conf_out:
            desk.conf_out = None
            self.conferences.leave(call, phone)
        elif self.hold.is_held(call):
            self.hold.drop(call)
        else:
            far = other(call, phone)
            self.core.end_call(call, Disposition.ANSWERED, HangupSide.CALLER, release=[far] if far else [])

    def _conference(self, desk: Desk, leg: FxsLeg, active: Call, held: Call) -> None:
        desk.menu_active = None
        conf = next((c for c in (held, active) if self.conferences.of(c) is not None), None)
        self._back_to_call(leg)
        if conf is not None:
            joining = active if conf is held else held
            desk.conf_out = None
            self.conferences.step_in(conf, leg.id)
            self.conferences.add(conf, joining)
        else:
            self.conferences.create(leg.id, [held, active])
        self._done(desk, DeskOutcome.CONFERENCE)

    def _join(self, desk: Desk, leg: FxsLeg, held: Call, active: Call) -> None:
        """R4: the two far parties are connected, this phone drops out and hears the hang-up tone."""
        desk.menu_active = None
        outcome = self.transfer.join(held, active, leg.id)
        if outcome is TransferOutcome.REFUSED:
            self._back_to_call(leg)
            self._take(desk, held, leg.id)
            self._done(desk, DeskOutcome.SWAPPED)
            return
        self.core.fail(leg, self.core.settings.calls.hangup_tone if self.core.settings.calls.hangup_tone != "none"
                       else "busy")
        self._done(desk, DeskOutcome.TRANSFERRED)

    # --- hanging up ------------------------------------------------------------------------------
    def hang_up(self, core: Core, phone: str) -> bool:
        if phone not in core.fxs:
            return False
        desk = self.desk(phone)
        action = self._fire(desk, DeskEvent.HANG_UP)
        if action == IGNORE:
            return False
        leg = core.fxs[phone]
        core.reset_fxs(leg)
        desk.menu = False
        {"recall": self._hang_up_holding, "transfer": self._hang_up_consulting,
         "ring_waiting": self._hang_up_waiting}[action](desk, leg)
        desk.machine.state = self._state(desk)
        return True

    def _hang_up_holding(self, desk: Desk, leg: FxsLeg) -> None:
        if desk.conf_out is not None:
            conf = self.core.calls[desk.conf_out]
            desk.conf_out = None
            self.conferences.leave(conf, leg.id)
            return
        held = self.hold.held_by(leg.id)
        if held and self.core.settings.features.hold.recall_on_hangup and self.hold.recall(held[-1]):
            desk.outcomes.append(DeskOutcome.RECALL)
            return
        for call in held:
            self.hold.drop(call)

    def _hang_up_consulting(self, desk: Desk, leg: FxsLeg) -> None:
        core = self.core
        active = core.call_of(leg) or (core.calls.get(desk.menu_active) if desk.menu_active else None)
        desk.menu_active = None
        held = [c for c in self.held(desk) if active is None or c.id != active.id]
        if active is None or not held:
            self._hang_up_holding(desk, leg)
            return
        if core.settings.features.transfer.on_hangup and self._hang_up_transfer(desk, leg, held[-1], active):
            desk.outcomes.append(DeskOutcome.TRANSFERRED)
            return
        self._drop(desk, active, leg.id)
        self._hang_up_holding(desk, leg)

    def _hang_up_transfer(self, desk: Desk, leg: FxsLeg, held: Call, active: Call) -> bool:
        if held.id == desk.conf_out:
            desk.conf_out = None
            self.conferences.add(held, active)
            self.conferences.leave(held, leg.id)
            return True
        if self.hold.is_held(active):
            return self.transfer.join(held, active, leg.id) is not TransferOutcome.REFUSED
        return self.transfer.attended(held, active, leg.id) is not TransferOutcome.REFUSED

    def _hang_up_waiting(self, desk: Desk, leg: FxsLeg) -> None:
        core = self.core
        active = core.call_of(leg)
        if active is not None:
            core.flow_of(active).hung_up(active, leg)
        for call in self.hold.held_by(leg.id):
            self.hold.drop(call)
        if self.waiting.ring(leg.id):
            desk.outcomes.append(DeskOutcome.RING_WAITING)

    # --- codes dialled on recall dial tone -------------------------------------------------------
    def _blind_code(self, core: Core, leg: FxsLeg, target: FeatureTarget, now: float) -> None:
        """Flash, `*2` + number: the held call goes there at once; this phone hears the hang-up tone.
        A busy or unknown target gives the held call back."""
        desk = self.desk(leg.id)
        held = self.hold.held_by(leg.id)
        if not held:
            core.fail(leg, "congestion")
            return
        if self.transfer.blind(held[-1], leg.id, target.argument) is TransferOutcome.REFUSED:
            self._retrieve(desk, leg)
            return
        if leg.state is not FxsState.RELEASING:      # (a park lot has already told the parker)
            core.fail(leg, "busy")
        self._done(desk, DeskOutcome.TRANSFERRED)

    def _record_code(self, core: Core, leg: FxsLeg, target: FeatureTarget, now: float) -> None:
        """Flash, `*1`: start/stop recording the call just held, then back to it."""
        desk = self.desk(leg.id)
        held = self.held(desk)
        if not held:
            core.fail(leg, "congestion")
            return
        self.recording.toggle(held[-1])
        self._retrieve(desk, leg)

    def _alarm(self, core: Core, phone: str) -> None:
        """The phone's port failed: its held and waiting calls are released."""
        if phone in self.desks:
            for call in self.hold.held_by(phone):
                self.hold.drop(call)
            self.desks.pop(phone)

    def _ended(self, core: Core, call: Call) -> None:
        for desk in self.desks.values():
            if desk.menu_active == call.id:
                desk.menu_active = None
            if desk.conf_out == call.id:
                desk.conf_out = None
