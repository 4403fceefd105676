"""The leg abstraction: flows work through the party interface, so a party of another technology (a
stand-in for a SIP phone) plugs into the engine, is rung, answers, talks and is released unchanged."""

from __future__ import annotations

from dataclasses import replace

from firmware.contracts.callerid import CallerId
from firmware.contracts.ports import RingCadence, StartRinging
from firmware.pbx.commands import AnswerSource, Connect, Disconnect, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.hooks import Destination
from firmware.pbx.numbering import NumberingPlan
from firmware.pbx.party import Identity, Party, PartyKind
from firmware.pbx.state import Call
from tests.pbx.rig import Rig, of, one


class FakePhone(Party):
    """What a SIP phone leg will look like: state kept by the party itself, no ports."""

    kind = PartyKind.PHONE

    def __init__(self, core: Core, leg_id: str) -> None:
        super().__init__(core, leg_id)
        self._call: int | None = None
        self.state = "idle"
        self.seen: list[str] = []

    @property
    def call(self) -> int | None:
        return self._call

    @call.setter
    def call(self, call_id: int | None) -> None:
        self._call = call_id

    @property
    def available(self) -> bool:
        return self.state == "idle"

    @property
    def alarm(self) -> str:
        return ""

    @property
    def alerting(self) -> bool:
        return self.state == "ringing"

    @property
    def talking(self) -> bool:
        return self.state == "talking"

    def identity(self) -> Identity:
        return Identity("299", "Desk SIP")

    def alert(self, call: Call, caller_id: CallerId, cadence: RingCadence | None = None) -> None:
        self.call, self.state = call.id, "ringing"
        self.seen.append(f"INVITE from {caller_id.number}")

    def stop_alert(self, call: Call) -> None:
        if self.call == call.id:
            self.call, self.state = None, "idle"
            self.seen.append("CANCEL")

    def connected(self, call: Call) -> None:
        self.state = "talking"

    def hang_up_device(self, role: str | None) -> None:
        self.state = "idle"
        self.seen.append("BYE")

    def gone(self) -> None:
        self.state = "idle"


def sip_rig() -> tuple[Rig, FakePhone]:
    rig = Rig()
    core = rig.engine.core
    plan = core.settings.plan
    core.settings = replace(core.settings, plan=NumberingPlan(
        extensions=[*plan.extensions, "299"], outside_prefix=plan.outside_prefix, emergency=plan.emergency,
        route_patterns=plan.route_patterns, timeouts=plan.timeouts))
    phone = FakePhone(core, "sip:299")
    core.add_party(phone)
    core.hooks.resolvers.insert(0, lambda c, n: Destination("extension", "299", ("sip:299",)) if n == "299" else None)
    return rig, phone


def test_a_handset_calls_a_party_of_another_technology_which_answers_and_is_released() -> None:
    rig, phone = sip_rig()
    rig.off_hook(1)
    out = rig.dial(1, "299")
    assert not of(StartRinging, out)
    assert phone.seen == ["INVITE from 201"] and phone.alerting
    call = rig.engine.core.calls[phone.call or 0]
    out = rig.engine.hooks.flows[call.flow_name].party_answered(call, "sip:299", AnswerSource.OFF_HOOK) or []
    assert rig.state("fxs:1") == "connected" and phone.talking
    assert Connect("fxs:1", "sip:299") in rig.engine.core.out.take()
    rig.advance(5)
    out = rig.on_hook(1)
    assert Disconnect("fxs:1", "sip:299") in out
    cdr = one(type(rig.cdrs()[0]), rig.cdrs())
    assert (cdr.disposition, cdr.hangup_side, cdr.billable_s) == (Disposition.ANSWERED, HangupSide.CALLER, 5)
    assert phone.seen[-1] == "BYE" and phone.available


def test_the_caller_giving_up_cancels_the_other_technology_party() -> None:
    rig, phone = sip_rig()
    rig.off_hook(1)
    rig.dial(1, "299")
    rig.advance(3)
    rig.on_hook(1)
    assert phone.seen == ["INVITE from 201", "BYE"] and phone.available
    assert rig.cdrs()[0].disposition is Disposition.CANCELLED


def test_every_analog_leg_is_a_party() -> None:
    core = Rig().engine.core
    assert set(core.parties) == {*core.fxs, *core.fxo}
    assert core.party("fxs:1").kind is PartyKind.PHONE and core.party("fxo:5").kind is PartyKind.LINE
    assert core.party("fxs:1").identity() == Identity("201", "Extension 201")
