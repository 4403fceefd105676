"""Hold with music, retrieve, hold recall, and every way to transfer from an analog handset: attended by
hanging up or by R4, semi-attended, blind by code, to an outside number; target busy or not answering."""

from __future__ import annotations

from firmware.contracts.ports import DialDigits, Seize, StartRinging, StopRinging
from firmware.pbx.commands import Disconnect, Disposition
from firmware.pbx.features.handset import DeskOutcome
from tests.pbx.features.helpers import flash, linked, music, talk, tone
from tests.pbx.rig import Rig, of, one


def test_flash_holds_with_music_and_recall_dial_tone_flash_again_retrieves() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    out = flash(rig, 1)
    assert Disconnect("fxs:1", "fxs:2") in out
    assert music(out, "fxs:2") and tone(out, "fxs:1") == "dial_recall"
    assert rig.state("fxs:1") == "dial_tone" and rig.state("fxs:2") == "held"
    snap = rig.engine.snapshot(rig.now).features
    assert [(h.holder, h.held) for h in snap.held] == [("201", "202")]
    rig.advance(2)
    out = flash(rig, 1)
    assert linked(out, "fxs:1", "fxs:2")
    assert rig.state("fxs:1") == "connected" and rig.state("fxs:2") == "connected"
    assert not rig.engine.snapshot(rig.now).features.held


def test_recall_dial_tone_unused_gives_the_held_call_back() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    flash(rig, 1)
    out = rig.advance(16.0)
    assert linked(out, "fxs:1", "fxs:2") and rig.state("fxs:1") == "connected"


def test_hanging_up_with_a_held_call_rings_back_and_answering_retrieves() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    flash(rig, 1)
    out = rig.on_hook(1)
    ring = one(StartRinging, out)
    assert ring.port == 1 and ring.caller_id is not None and ring.caller_id.number == "202"
    out = rig.off_hook(1)
    assert linked(out, "fxs:1", "fxs:2") and rig.state("fxs:2") == "connected"


def test_held_party_hanging_up_ends_the_call_and_the_holder_keeps_dial_tone() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    flash(rig, 1)
    rig.advance(3)
    rig.on_hook(2)
    assert rig.cdrs()[-1].disposition is Disposition.ANSWERED and rig.cdrs()[-1].reason == "hung up while on hold"
    assert rig.state("fxs:1") == "dial_tone" and not rig.engine.snapshot(rig.now).features.held


def consult(rig: Rig) -> None:
    """201 talks to 202, holds it and calls 203, which answers."""
    talk(rig, 1, 2)
    flash(rig, 1)
    rig.dial(1, "203")
    rig.advance(1)
    rig.off_hook(3)


def test_attended_transfer_by_hanging_up() -> None:
    rig = Rig()
    consult(rig)
    rig.advance(5)
    out = rig.on_hook(1)
    assert linked(out, "fxs:2", "fxs:3")
    assert rig.state("fxs:2") == "connected" and rig.state("fxs:3") == "connected" and rig.state("fxs:1") == "idle"
    consult_cdr = rig.cdrs()[-1]
    assert consult_cdr.to == "203" and consult_cdr.reason.startswith("transferred")
    rig.advance(10)
    rig.on_hook(3)
    first = rig.cdrs()[-1]
    assert first.extra["transfer"] == {"kind": "attended", "by": "201", "to": "203"}
    assert first.billable_s == 17 and rig.state("fxs:2") == "releasing"


def test_attended_transfer_by_r4_then_201_hears_the_hang_up_tone() -> None:
    rig = Rig()
    consult(rig)
    flash(rig, 1)
    out = rig.dial(1, "4")
    assert linked(out, "fxs:2", "fxs:3") and rig.state("fxs:1") == "releasing"
    assert rig.engine.features.handsets.desks["fxs:1"].outcomes[-1] is DeskOutcome.TRANSFERRED


def test_r2_swaps_between_the_two_calls_and_no_digit_swaps_too() -> None:
    rig = Rig()
    consult(rig)
    flash(rig, 1)
    out = rig.dial(1, "2")
    assert linked(out, "fxs:1", "fxs:2") and music(out, "fxs:3") is False
    assert rig.state("fxs:3") == "held"
    flash(rig, 1)
    out = rig.advance(2.0)              # flash_menu_s, no digit: swap back
    assert linked(out, "fxs:1", "fxs:3") and rig.state("fxs:2") == "held"


def test_r1_ends_the_active_call_and_r0_drops_the_held_one() -> None:
    rig = Rig()
    consult(rig)
    flash(rig, 1)
    rig.dial(1, "1")
    assert rig.state("fxs:3") == "releasing" and rig.state("fxs:1") == "connected"
    assert rig.state("fxs:2") == "connected"
    rig2 = Rig()
    consult(rig2)
    flash(rig2, 1)
    rig2.dial(1, "0")
    assert rig2.state("fxs:2") == "releasing" and rig2.state("fxs:3") == "connected"


def test_flash_while_the_consultation_still_rings_cancels_it() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    flash(rig, 1)
    rig.dial(1, "203")
    out = flash(rig, 1)
    assert one(StopRinging, out).port == 3 and linked(out, "fxs:1", "fxs:2")
    assert rig.cdrs()[-1].disposition is Disposition.CANCELLED


def test_semi_attended_hanging_up_while_the_target_rings_and_it_answers() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    flash(rig, 1)
    rig.dial(1, "203")
    out = rig.on_hook(1)
    assert not of(StopRinging, out) and tone(out, "fxs:2") == "ringback"
    out = rig.off_hook(3)
    assert linked(out, "fxs:2", "fxs:3")
    rig.on_hook(2)
    assert rig.cdrs()[-1].extra["transfer"]["outcome"] == "completed"  # type: ignore[index]


def test_transfer_target_not_answering_rings_the_transferrer_back() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    flash(rig, 1)
    rig.dial(1, "203")
    rig.on_hook(1)
    out = rig.advance(30.0)            # transfer.recall_s
    assert one(StopRinging, out).port == 3
    ring = one(StartRinging, out)
    assert ring.port == 1 and ring.caller_id is not None and ring.caller_id.number == "202"
    out = rig.off_hook(1)
    assert linked(out, "fxs:1", "fxs:2")
    rig.advance(1)
    rig.on_hook(2)
    assert rig.cdrs()[-1].extra["transfer"]["outcome"] == "recalled"  # type: ignore[index]


def test_blind_transfer_by_code_to_a_busy_extension_gives_the_call_back() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    rig.off_hook(3)                     # 203 busy (dial tone)
    flash(rig, 1)
    out = rig.dial(1, "*2203")
    out += rig.advance(3.0)            # match timeout: the code takes any digits
    assert linked(out, "fxs:1", "fxs:2") and rig.state("fxs:1") == "connected"


def test_blind_transfer_by_code_rings_the_target_with_the_callers_id() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    flash(rig, 1)
    rig.dial(1, "*2204")
    out = rig.advance(3.0)
    ring = one(StartRinging, out)
    assert ring.port == 4 and ring.caller_id is not None and ring.caller_id.number == "202"
    assert rig.state("fxs:1") == "releasing" and tone(out, "fxs:2") == "ringback"
    out = rig.off_hook(4)
    assert linked(out, "fxs:2", "fxs:4")


def test_blind_transfer_to_an_outside_number_seizes_a_line_and_dials() -> None:
    rig = Rig()
    talk(rig, 1, 2)
    flash(rig, 1)
    rig.dial(1, "*20301234")
    out = rig.advance(3.0)
    assert one(Seize, out).port == 5
    out = rig.advance(1.0)
    assert one(DialDigits, out).digits == "301234"
    out = rig.advance(2.0)              # dialling done: no answer signal, assumed
    assert linked(out, "fxs:2", "fxo:5")
