"""IVR menus on the fake clock: an inbound line is answered and hears the menu; walking a two-level menu
by DTMF to an extension; dialling an extension directly while the greeting plays; silence and wrong keys
(invalid prompt, retries, fail destination); a timeout destination; back and repeat; the call record."""

from __future__ import annotations

from dataclasses import replace

from firmware.contracts.ports import Seize, StartRinging
from firmware.pbx.commands import Disposition
from firmware.pbx.features.ivr import IvrOutcome
from tests.pbx.features.helpers import incoming, linked
from tests.pbx.features.office_helpers import MAIN, SALES, office_rig, press, prompt_done, prompts, said
from tests.pbx.rig import of


def rung(out: list[object]) -> set[int]:
    return {r.port for r in of(StartRinging, out)}


def test_walking_a_two_level_menu_by_dtmf_reaches_the_extension() -> None:
    rig = office_rig()
    out = incoming(rig)
    assert of(Seize, out) and rig.state("fxo:5") == "connected"          # the menu answered the line
    assert said(out, "fxo:5") == ("welcome", "enter_extension")
    prompt_done(rig, "fxo:5")
    out = press(rig, 5, "1")                                            # -> the sales menu
    assert said(out, "fxo:5") == ("welcome",)
    prompt_done(rig, "fxo:5")
    out = press(rig, 5, "1")                                            # -> 202
    assert rung(out) == {2}
    rig.off_hook(2)
    assert linked(rig.log, "fxo:5", "fxs:2")
    rig.advance(5)
    rig.on_hook(2)
    cdr = rig.cdrs()[-1]
    assert cdr.disposition is Disposition.ANSWERED and cdr.callee_leg == "fxs:2"
    assert [step.get("keys") for step in cdr.extra["ivr"]] == ["1", "1"]
    assert cdr.extra["ivr_outcome"] == "option"
    assert list(rig.engine.features.office.menus.visits) == [("sales", IvrOutcome.OPTION)]


def test_an_extension_dialled_during_the_greeting_rings_at_once() -> None:
    rig = office_rig()
    incoming(rig)
    rig.advance(1.0)                                                    # the greeting is still playing
    out = press(rig, 5, "20")
    assert not rung(out)                                                # 20 could still be 201..204
    out = press(rig, 5, "3")
    assert rung(out) == {3}
    assert list(rig.engine.features.office.menus.visits) == [("main", IvrOutcome.DIRECT_DIAL)]


def test_an_ambiguous_number_waits_for_the_inter_digit_time_or_the_end_key() -> None:
    menu = replace(MAIN, options=[*MAIN.options, replace(MAIN.options[0], keys="20")])
    rig = office_rig(ivr=[menu, SALES])
    incoming(rig)
    prompt_done(rig, "fxo:5")
    assert not rung(press(rig, 5, "20"))                                # option 20, or 201..204?
    out = rig.advance(menu.inter_digit_s)                               # nothing more: option 20
    assert said(out, "fxo:5") == ("welcome",)                           # the sales menu
    rig2 = office_rig()
    incoming(rig2)
    prompt_done(rig2, "fxo:5")
    assert rung(press(rig2, 5, "204#")) == {4}


def test_silence_repeats_the_menu_then_the_fail_destination_hangs_up() -> None:
    rig = office_rig()
    incoming(rig)
    for _ in range(MAIN.retries):
        prompt_done(rig, "fxo:5")
        out = rig.advance(MAIN.timeout_s)
        assert said(out, "fxo:5") == ("welcome", "enter_extension")      # said again
    prompt_done(rig, "fxo:5")
    rig.advance(MAIN.timeout_s)
    cdr = rig.cdrs()[-1]
    assert cdr.extra["ivr_outcome"] == "failed" and rig.state("fxo:5") == "releasing"


def test_a_wrong_key_says_invalid_and_the_retries_run_out_to_the_fail_destination() -> None:
    rig = office_rig()
    incoming(rig)
    prompt_done(rig, "fxo:5")
    out = press(rig, 5, "1")                                            # sales: 1 retry, fails to 201
    prompt_done(rig, "fxo:5")
    out = press(rig, 5, "7")
    assert said(out, "fxo:5") == ("invalid",)
    prompt_done(rig, "fxo:5")                                           # the invalid prompt ends ...
    assert said(rig.log, "fxo:5") == ("welcome",)                       # ... the menu again
    prompt_done(rig, "fxo:5")
    out = press(rig, 5, "8")
    assert rung(out) == {1}                                             # fail destination: 201
    assert list(rig.engine.features.office.menus.visits) == [("sales", IvrOutcome.FAILED)]


def test_timeout_destination_takes_silent_callers_to_the_operator() -> None:
    rig = office_rig(ivr=[replace(MAIN, timeout_destination="201"), SALES])
    incoming(rig)
    prompt_done(rig, "fxo:5")
    out = rig.advance(MAIN.timeout_s)
    assert rung(out) == {1}
    assert rig.cdrs() == [] and list(rig.engine.features.office.menus.visits) == [("main", IvrOutcome.TIMEOUT)]


def test_back_key_returns_to_the_previous_menu_and_repeat_says_it_again() -> None:
    rig = office_rig()
    incoming(rig)
    prompt_done(rig, "fxo:5")
    press(rig, 5, "1")
    prompt_done(rig, "fxo:5")
    out = press(rig, 5, "*")
    assert said(out, "fxo:5") == ("welcome", "enter_extension")         # main again
    prompt_done(rig, "fxo:5")
    out = press(rig, 5, "9")
    assert said(out, "fxo:5") == ("welcome", "enter_extension")
    assert len(prompts(rig.log, "fxo:5")) == 4


def test_the_caller_hanging_up_in_the_menu_writes_an_answered_record() -> None:
    from firmware.contracts.ports import LineDisconnect
    rig = office_rig()
    incoming(rig)
    rig.advance(2)
    rig.ev(LineDisconnect, 5)
    cdr = rig.cdrs()[-1]
    assert cdr.disposition is Disposition.ANSWERED and cdr.extra["ivr_outcome"] == "caller_gone"


def test_a_handset_can_dial_the_menu_number_and_walk_it() -> None:
    rig = office_rig()
    rig.off_hook(4)
    out = rig.dial(4, "500")
    assert said(out, "fxs:4") == ("welcome", "enter_extension") and rig.state("fxs:4") == "connected"
    prompt_done(rig, "fxs:4")
    assert rung(press(rig, 4, "0")) == {1}
