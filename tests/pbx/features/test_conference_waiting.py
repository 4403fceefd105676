"""Three-party conference by flash + 3, adding a fourth, members leaving; call waiting: tone with caller
ID, flash to swap, R0 reject, R1, hang up to be rung with the waiting call, caller giving up."""

from __future__ import annotations

from firmware.contracts.ports import SendCallWaiting, StartRinging, StopRinging
from firmware.pbx.commands import Connect, Disconnect, Disposition
from firmware.pbx.features.handset import DeskOutcome
from tests.pbx.features.helpers import flash, incoming, linked, talk, tone
from tests.pbx.rig import Rig, of, one


def three_party(rig: Rig) -> None:
    talk(rig, 1, 2)
    flash(rig, 1)
    rig.dial(1, "203")
    rig.advance(1)
    rig.off_hook(3)
    flash(rig, 1)
    rig.dial(1, "3")


def test_flash_call_flash_3_makes_a_three_party_conference_all_connected() -> None:
    rig = Rig()
    three_party(rig)
    connects = {frozenset((c.a, c.b)) for c in of(Connect, rig.log[-30:])}
    assert {frozenset(p) for p in (("fxs:1", "fxs:2"), ("fxs:1", "fxs:3"), ("fxs:2", "fxs:3"))} <= connects
    conf = rig.engine.snapshot(rig.now).features.conferences
    assert len(conf) == 1 and set(conf[0][1]) == {"201", "202", "203"}
    assert all(rig.state(f"fxs:{p}") == "connected" for p in (1, 2, 3))
    assert [c.reason.startswith("joined conference") for c in rig.cdrs()] == [True, True]


def test_a_member_leaving_keeps_the_others_and_the_last_two_end_it_together() -> None:
    rig = Rig()
    three_party(rig)
    out = rig.on_hook(2)
    assert Disconnect("fxs:2", "fxs:1") in out and Disconnect("fxs:2", "fxs:3") in out
    assert rig.state("fxs:1") == "connected" and rig.state("fxs:3") == "connected"
    rig.advance(4)
    out = rig.on_hook(3)
    assert rig.state("fxs:1") == "releasing"
    assert rig.cdrs()[-1].to == "conference" and rig.cdrs()[-1].disposition is Disposition.ANSWERED


def test_the_controller_adds_a_fourth_party_with_flash_call_flash_3() -> None:
    rig = Rig()
    three_party(rig)
    out = flash(rig, 1)                         # step out: 202 and 203 keep talking
    assert Disconnect("fxs:1", "fxs:2") in out and not of(Disconnect, [c for c in out if isinstance(c, Disconnect)
                                                                      and {c.a, c.b} == {"fxs:2", "fxs:3"}])
    rig.dial(1, "204")
    rig.advance(1)
    rig.off_hook(4)
    flash(rig, 1)
    out = rig.dial(1, "3")
    assert linked(out, "fxs:4", "fxs:2") and linked(out, "fxs:4", "fxs:3") and linked(out, "fxs:1", "fxs:4")
    members = rig.engine.snapshot(rig.now).features.conferences[0][1]
    assert set(members) == {"201", "202", "203", "204"}


def waiting_call(rig: Rig) -> None:
    """201 talks to 202; 203 calls 201: call waiting."""
    talk(rig, 1, 2)
    rig.off_hook(3)
    rig.dial(3, "201")


def test_a_busy_phone_gets_the_waiting_tone_with_caller_id_and_the_caller_ringback() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    rig.off_hook(3)
    out = rig.dial(3, "201")
    cw = one(SendCallWaiting, out)
    assert cw.port == 1 and cw.caller_id is not None and cw.caller_id.number == "203"
    assert tone(out, "fxs:3") == "ringback"
    [(ext, _call_id, caller)] = rig.engine.snapshot(rig.now).features.waiting
    assert (ext, caller) == ("201", "203")


def test_flash_swaps_to_the_waiting_call_and_back() -> None:
    rig = Rig()
    waiting_call(rig)
    flash(rig, 1)
    out = rig.advance(2.0)                      # no digit: R2
    assert linked(out, "fxs:1", "fxs:3") and rig.state("fxs:2") == "held" and rig.state("fxs:3") == "connected"
    flash(rig, 1)
    out = rig.dial(1, "2")
    assert linked(out, "fxs:1", "fxs:2") and rig.state("fxs:3") == "held"


def test_r0_rejects_the_waiting_caller_with_busy() -> None:
    rig = Rig()
    waiting_call(rig)
    flash(rig, 1)
    out = rig.dial(1, "0")
    assert tone(out, "fxs:3") == "busy" and linked(out, "fxs:1", "fxs:2")
    assert rig.cdrs()[-1].disposition is Disposition.BUSY


def test_r1_ends_the_first_call_and_takes_the_waiting_one() -> None:
    rig = Rig()
    waiting_call(rig)
    flash(rig, 1)
    out = rig.dial(1, "1")
    assert rig.state("fxs:2") == "releasing" and linked(out, "fxs:1", "fxs:3")
    assert rig.engine.features.handsets.desks["fxs:1"].outcomes[-1] is DeskOutcome.ENDED_ACTIVE


def test_hanging_up_with_a_waiting_call_rings_with_it() -> None:
    rig = Rig()
    waiting_call(rig)
    out = rig.on_hook(1)
    assert rig.state("fxs:2") == "releasing"
    ring = one(StartRinging, out)
    assert ring.port == 1 and ring.caller_id is not None and ring.caller_id.number == "203"
    out = rig.off_hook(1)
    assert linked(out, "fxs:1", "fxs:3")


def test_the_waiting_caller_giving_up_leaves_the_first_call_alone() -> None:
    rig = Rig()
    waiting_call(rig)
    out = rig.on_hook(3)
    assert not of(StopRinging, out) and rig.state("fxs:1") == "connected"
    assert rig.cdrs()[-1].disposition is Disposition.CANCELLED
    assert not rig.engine.snapshot(rig.now).features.waiting


def test_an_inbound_line_call_waits_too_and_is_taken_by_flash() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    out = incoming(rig)
    cw = one(SendCallWaiting, out)
    assert cw.caller_id is not None and cw.caller_id.number == "030123456"
    flash(rig, 1)
    out = rig.advance(2.0)
    assert linked(out, "fxo:5", "fxs:1") and rig.state("fxo:5") == "connected"
