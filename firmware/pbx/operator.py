"""The operator panel's call control (our users' brief, the RU "call control" panel): commands on one
extension's phone - hold, retrieve, blind transfer, consult + confirm (attended transfer), conference
add (held parties one by one), record start/stop, pickup of a ringing extension, park and retrieve,
dial out on a chosen route. Each is refused with an `OperatorRefused` (an ApiError: the message is
for the user) when it cannot be done. An analog phone must be off-hook for anything that talks
(it cannot answer by itself); its leg goes through the same states as with hook flash."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from firmware.contracts.errors import ApiError
from firmware.pbx.core import Core
from firmware.pbx.features.install import Features
from firmware.pbx.features.park import ParkOutcome
from firmware.pbx.features.pickup import PickupOutcome
from firmware.pbx.features.transfer import TransferOutcome
from firmware.pbx.legs import FxsEvent, FxsState
from firmware.pbx.numbering import Target
from firmware.pbx.party import Party
from firmware.pbx.state import Call, FxsLeg


class OperatorRefused(ApiError):
    """An operator command that cannot be carried out now; the message says why."""


@dataclass(frozen=True)
class OperatorCommand:
    extension: str                       # the operator's phone


@dataclass(frozen=True)
class Hold(OperatorCommand):
    pass


@dataclass(frozen=True)
class Retrieve(OperatorCommand):
    call_id: int | None = None           # which held call (default: the newest)


@dataclass(frozen=True)
class BlindTransfer(OperatorCommand):
    to: str = ""


@dataclass(frozen=True)
class Consult(OperatorCommand):
    to: str = ""                         # holds the current call and calls this number


@dataclass(frozen=True)
class CompleteTransfer(OperatorCommand):
    pass                                 # connects the held call with the consulted party


@dataclass(frozen=True)
class ConferenceAdd(OperatorCommand):
    call_id: int | None = None           # the held call to add (default: the newest)


@dataclass(frozen=True)
class RecordStart(OperatorCommand):
    pass


@dataclass(frozen=True)
class RecordStop(OperatorCommand):
    pass


@dataclass(frozen=True)
class Pickup(OperatorCommand):
    ringing: str = ""                    # extension whose call to take; "" = any in my pickup groups


@dataclass(frozen=True)
class Park(OperatorCommand):
    lot: str = ""                        # lot number; "" = my first lot


@dataclass(frozen=True)
class RetrieveParked(OperatorCommand):
    slot: str = ""


@dataclass(frozen=True)
class ChooseRoute(OperatorCommand):
    route: int = 1                       # 1 = the first route of the config
    number: str = ""                     # as an extension dials it (with the outside prefix)


class Operator:
    def __init__(self, core: Core, features: Features, dispatch: Callable[[FxsLeg, Target], None]) -> None:
        self.core = core
        self.f = features
        self._dispatch = dispatch
        self.result: dict[str, object] = {}
        self._handlers: dict[type[OperatorCommand], Callable[[Party, OperatorCommand], None]] = {
            Hold: self._hold, Retrieve: self._retrieve, BlindTransfer: self._blind, Consult: self._consult,
            CompleteTransfer: self._complete, ConferenceAdd: self._conference, RecordStart: self._record,
            RecordStop: self._record, Pickup: self._pickup, Park: self._park, RetrieveParked: self._unpark,
            ChooseRoute: self._route,
        }

    def run(self, cmd: OperatorCommand) -> dict[str, object]:
        handler = self._handlers.get(type(cmd))
        if handler is None:
            raise OperatorRefused(f"unknown operator command {type(cmd).__name__}")
        self.result = {}
        handler(self._phone(cmd.extension), cmd)
        return self.result

    # --- helpers -----------------------------------------------------------------------------------
    def _phone(self, extension: str) -> Party:
        dest = self.core.hooks.resolve(self.core, extension)
        if dest is None or dest.kind != "extension" or not dest.legs:
            raise OperatorRefused(f"{extension!r} is not an extension")
        party = self.core.party(dest.legs[0])
        if party.alarm:
            raise OperatorRefused(f"the phone of {extension} is out of order ({party.alarm})")
        return party

    def _active(self, phone: Party, what: str) -> Call:
        call = self.core.call_of(phone)
        if call is None or call.answer is None:
            raise OperatorRefused(f"{phone.identity().number} has no answered call to {what}")
        return call

    def _held(self, phone: Party, call_id: int | None) -> Call:
        held = self.f.handsets.held(self.f.handsets.desk(phone.id)) if phone.id in self.core.fxs \
            else self.f.hold.held_by(phone.id)
        held = [c for c in held if call_id is None or c.id == call_id]
        if not held:
            raise OperatorRefused(f"{phone.identity().number} holds no call" +
                                  (f" {call_id}" if call_id is not None else ""))
        return held[-1]

    def _leg(self, phone: Party) -> FxsLeg | None:
        return self.core.fxs.get(phone.id)

    def _hold_active(self, phone: Party) -> None:
        """Hold the phone's answered call, if it has one (as a flash would)."""
        call = self.core.call_of(phone)
        if call is None or call.answer is None:
            return
        leg = self._leg(phone)
        if leg is not None:
            self.f.handsets._hold(self.f.handsets.desk(leg.id), leg)
        else:
            self.f.hold.hold(call, phone.id)
        self.result["held"] = call.id

    def _ready(self, phone: Party, what: str) -> FxsLeg | None:
        """An analog phone must be off-hook without a call (dial tone) to place or take a call."""
        leg = self._leg(phone)
        if leg is None:
            return None
        if leg.state is FxsState.IDLE:
            raise OperatorRefused(f"lift the handset of {phone.identity().number} first: an analog phone "
                                  f"cannot {what} on its own")
        if leg.state not in (FxsState.DIAL_TONE, FxsState.COLLECTING):
            raise OperatorRefused(f"{phone.identity().number} is busy ({leg.state.value})")
        self.core.timers.cancel(leg.id, "digits")
        self.core.out.stop_tone(leg.id)
        if leg.state is FxsState.DIAL_TONE:
            leg.fire(FxsEvent.DIGIT)
        return leg

    # --- commands ----------------------------------------------------------------------------------
    def _hold(self, phone: Party, cmd: OperatorCommand) -> None:
        self._active(phone, "hold")
        self._hold_active(phone)

    def _retrieve(self, phone: Party, cmd: OperatorCommand) -> None:
        assert isinstance(cmd, Retrieve)
        held = self._held(phone, cmd.call_id)
        leg = self._leg(phone)
        if self.core.call_of(phone) is not None and self.core.call_of(phone) is not held:
            self._hold_active(phone)
        if leg is not None:
            desk = self.f.handsets.desk(leg.id)
            self.f.handsets._back_to_call(leg)
            self.f.handsets._take(desk, held, leg.id)
        else:
            phone.call = held.id
            self.f.hold.retrieve(held)
        self.result["call_id"] = held.id

    def _blind(self, phone: Party, cmd: OperatorCommand) -> None:
        assert isinstance(cmd, BlindTransfer)
        call = self._active(phone, "transfer")
        self._hold_active(phone)
        if self.f.transfer.blind(call, phone.id, cmd.to) is TransferOutcome.REFUSED:
            self._retrieve(phone, Retrieve(cmd.extension, call.id))
            raise OperatorRefused(f"cannot transfer to {cmd.to}: busy, unknown or not permitted")
        self._hang_up_tone(phone)

    def _consult(self, phone: Party, cmd: OperatorCommand) -> None:
        assert isinstance(cmd, Consult)
        target = self.core.settings.plan.finish(cmd.to)
        if target is None:
            raise OperatorRefused(f"{cmd.to!r} is not a number that can be dialled")
        self._hold_active(phone)
        leg = self._ready(phone, "call out")
        if leg is None:
            raise OperatorRefused("consultation calls need an analog phone here (SIP phones call themselves)")
        leg.digits = cmd.to
        self._dispatch(leg, target)

    def _complete(self, phone: Party, cmd: OperatorCommand) -> None:
        held = self._held(phone, None)
        active = self.core.call_of(phone)
        if active is None:
            raise OperatorRefused(f"{phone.identity().number} has no consultation call to connect")
        outcome = self.f.transfer.attended(held, active, phone.id)
        if outcome is TransferOutcome.REFUSED:
            raise OperatorRefused("the consulted party cannot take the call yet")
        self._hang_up_tone(phone)

    def _conference(self, phone: Party, cmd: OperatorCommand) -> None:
        assert isinstance(cmd, ConferenceAdd)
        active = self._active(phone, "add to a conference")
        held = self._held(phone, cmd.call_id)
        conf = next((c for c in (active, held) if self.f.conferences.of(c) is not None), None)
        if conf is held:                               # stepped out of it to call the new party: back in
            if phone.id in self.core.fxs:
                self.f.handsets.desk(phone.id).conf_out = None
            self.f.conferences.step_in(held, phone.id)
            ok = self.f.conferences.add(held, active)
        elif conf is not None:
            ok = self.f.conferences.add(conf, held)
        else:
            made = self.f.conferences.create(phone.id, [held, active])
            ok, conf = made is not None, made
        if not ok or conf is None:
            raise OperatorRefused(f"the conference is full ({self.f.conferences.max_parties} parties)")
        self.result["conference"] = conf.id

    def _record(self, phone: Party, cmd: OperatorCommand) -> None:
        call = self._active(phone, "record")
        on = self.f.recording.recording(call)
        if isinstance(cmd, RecordStart) == on:
            raise OperatorRefused(f"call {call.id} is {'already' if on else 'not'} being recorded")
        self.f.recording.toggle(call)
        self.result["recording"] = not on

    def _pickup(self, phone: Party, cmd: OperatorCommand) -> None:
        assert isinstance(cmd, Pickup)
        call, outcome = self.f.pickup.find(phone.id, cmd.ringing or None)
        if call is None:
            raise OperatorRefused("nothing rings that you may pick up" if outcome is PickupOutcome.NOTHING_RINGING
                                  else "not in a pickup group with that extension")
        self._ready(phone, "answer")
        self.f.pickup.pick(phone.id, cmd.ringing or None)
        self.result["call_id"] = call.id

    def _park(self, phone: Party, cmd: OperatorCommand) -> None:
        assert isinstance(cmd, Park)
        call = self._active(phone, "park")
        if self.f.park.lot_for(phone.id, cmd.lot or None) is None:
            raise OperatorRefused(f"{phone.identity().number} may not park in lot {cmd.lot or 'any'}")
        self._hold_active(phone)
        outcome, slot = self.f.park.park(call, phone.id, cmd.lot or None)
        if outcome is not ParkOutcome.PARKED:
            self._retrieve(phone, Retrieve(cmd.extension, call.id))
            raise OperatorRefused(f"cannot park: {outcome.value.replace('_', ' ')}")
        self.result["slot"] = slot

    def _unpark(self, phone: Party, cmd: OperatorCommand) -> None:
        assert isinstance(cmd, RetrieveParked)
        if cmd.slot not in self.f.park.parked:
            raise OperatorRefused(f"nothing is parked on {cmd.slot}")
        if self.f.park.lot_for(phone.id, cmd.slot) is None:
            raise OperatorRefused(f"{phone.identity().number} is not a member of the lot of {cmd.slot}")
        leg = self._ready(phone, "take a call")
        if leg is not None:
            leg.fire(FxsEvent.NUMBER_COMPLETE)
        self.f.park.retrieve(cmd.slot, phone.id)

    def _route(self, phone: Party, cmd: OperatorCommand) -> None:
        assert isinstance(cmd, ChooseRoute)
        if self.f.routes.choice(phone.id, cmd.route, cmd.number) is None:
            raise OperatorRefused(f"route {cmd.route} is not allowed for {phone.identity().number} "
                                  f"or does not fit {cmd.number}")
        leg = self._ready(phone, "call out")
        if leg is None:
            raise OperatorRefused("route choice needs an analog phone here")
        leg.digits = cmd.number
        self.f.routes.dial(leg, str(cmd.route), cmd.number)

    def _hang_up_tone(self, phone: Party) -> None:
        leg = self._leg(phone)
        if leg is not None and leg.machine.accepts(FxsEvent.FAIL):
            self.core.timers.cancel(leg.id, "digits")
            self.core.fail(leg, "busy")
        elif leg is not None and leg.machine.accepts(FxsEvent.FAR_ENDED) and leg.call is None:
            self.core.far_ended(leg)
