"""DISA and paging on the fake clock: the right PIN gives internal dial tone and dials out on an allowed
route (the call record says who), a wrong PIN is asked again, repeated wrong PINs lock the number out
(refused at once until the lockout ends), a number beyond the PIN's permission is refused; a page rings
the free members with the distinctive cadence, marks the alert for auto-answer, and a lifted handset
hears the pager one way."""

from __future__ import annotations

from firmware.config.callers import DisaConfig, DisaPinConfig, PagingConfig
from firmware.config.dialplan import InboundConfig
from firmware.contracts.ports import DialDigits, LineDisconnect, Seize, StartRinging
from firmware.pbx.commands import Listen
from firmware.pbx.features.disa import DisaOutcome
from firmware.telephony.cadences import DISTINCTIVE_BY_NAME
from tests.pbx.features.helpers import incoming, tone
from tests.pbx.features.office_helpers import office_rig, press, prompt_done, said
from tests.pbx.rig import of

DISA = DisaConfig(name="remote", number="520", pins=[
    DisaPinConfig("4711", name="Anna", permission="national"), DisaPinConfig("9000", name="Guest", internal=True,
                                                                             permission="internal")],
    max_attempts=3, lockout_s=600)


def disa_rig():  # type: ignore[no-untyped-def]
    return office_rig(disa=[DISA], inbound=[InboundConfig("fxo:5", "disa:remote")])


def test_the_right_pin_gives_dial_tone_and_dials_out_on_the_other_line() -> None:
    rig = disa_rig()
    out = incoming(rig, number="01701234567")
    assert of(Seize, out) and said(out, "fxo:5") == ("enter_pin",)
    prompt_done(rig, "fxo:5")
    out = press(rig, 5, "4711#")
    assert tone(out, "fxo:5") == "dial"
    press(rig, 5, "00301234567")                                      # outside prefix 0, then the number
    out = rig.advance(3.5)                                            # the match timeout ends the number
    out += rig.advance(1.0)
    dialled = [c for c in rig.log if isinstance(c, DialDigits)]
    assert dialled and dialled[-1].port == 6 and dialled[-1].digits == "0301234567"
    rig.advance(20)
    rig.ev(LineDisconnect, 5)
    cdr = rig.cdrs()[-1]
    assert cdr.extra["disa"] == {"name": "remote", "user": "Anna", "dialled": "00301234567",  # type: ignore[index]
                                 "outcome": DisaOutcome.DIALLED.value}


def test_the_right_pin_may_call_an_extension() -> None:
    rig = disa_rig()
    incoming(rig)
    press(rig, 5, "9000#")
    out = press(rig, 5, "202")
    assert {r.port for r in of(StartRinging, out)} == {2}


def test_a_number_beyond_the_pins_permission_is_refused() -> None:
    rig = disa_rig()
    incoming(rig)
    press(rig, 5, "9000#")
    press(rig, 5, "00301234567")
    out = rig.advance(3.5)
    assert tone(out, "fxo:5") == "congestion" and not [c for c in rig.log if isinstance(c, DialDigits)]
    rig.advance(5)
    assert rig.cdrs()[-1].extra["disa"]["outcome"] == "not_allowed"  # type: ignore[index]


def test_wrong_pins_lock_the_caller_out_until_the_lockout_ends() -> None:
    rig = disa_rig()
    incoming(rig, number="0301111")
    out = press(rig, 5, "1111#")
    assert said(out, "fxo:5") == ("wrong_pin", "enter_pin")
    press(rig, 5, "2222#")
    out = press(rig, 5, "3333#")
    assert said(out, "fxo:5") == ("wrong_pin", "too_many_attempts", "goodbye")
    prompt_done(rig, "fxo:5")
    assert rig.cdrs()[-1].extra["disa"]["outcome"] == "wrong_pin"  # type: ignore[index]
    rig.advance(10)
    out = incoming(rig, number="0301111")                             # again, locked: refused at once
    assert not said(out, "fxo:5")
    assert rig.cdrs()[-1].extra["disa"]["outcome"] == DisaOutcome.LOCKED_OUT.value  # type: ignore[index]
    assert rig.engine.snapshot(rig.now).features.office["disa_lockouts"][0]["caller"] == "0301111"  # type: ignore[index]
    rig.advance(10)
    out = incoming(rig, number="0302222")                             # another number is not locked
    assert said(out, "fxo:5") == ("enter_pin",)
    rig.ev(LineDisconnect, 5)
    rig.advance(601)
    out = incoming(rig, number="0301111")                             # the lockout is over
    assert said(out, "fxo:5") == ("enter_pin",)
    prompt_done(rig, "fxo:5")
    press(rig, 5, "4711#")
    assert tone(rig.log, "fxo:5") == "dial"


PAGE = PagingConfig(name="all", number="530", members=["202", "203", "204"], ring_s=10)


def test_a_page_rings_the_members_distinctively_and_a_lifted_handset_listens() -> None:
    rig = office_rig(paging=[PAGE])
    rig.off_hook(3)                                                    # 203 is busy
    rig.off_hook(1)
    out = rig.dial(1, "530")
    rings = of(StartRinging, out)
    assert {r.port for r in rings} == {2, 4}
    assert all(r.cadence == DISTINCTIVE_BY_NAME["distinctive4"] for r in rings)
    call = rig.engine.core.calls[max(rig.engine.core.calls)]
    assert call.extra["auto_answer"] is True and rig.state("fxs:1") == "connected"
    out = rig.off_hook(4)
    assert Listen("fxs:1", "fxs:4") in out
    out = rig.advance(10)                                              # 202 stops ringing, the page goes on
    assert rig.state("fxs:2") == "idle" and rig.state("fxs:4") == "connected"
    rig.on_hook(1)
    cdr = rig.cdrs()[-1]
    assert cdr.extra["paging"]["members"] == ["204"]  # type: ignore[index]
