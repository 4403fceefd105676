"""Internal calls between handsets: what each user hears and sees, and the CDR written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from firmware.config.dialplan import CallsConfig, ExtensionConfig
from firmware.contracts.ports import (
    ForwardDisconnect,
    HookFlash,
    PortAlarm,
    PortAlarmCleared,
    Seize,
    SendCallWaiting,
    StartRinging,
    StopRinging,
)
from firmware.pbx.commands import (
    AnswerSource,
    CdrRecord,
    Connect,
    Disconnect,
    Disposition,
    HangupSide,
    PlayTone,
    StopTone,
)
from firmware.pbx.state import FxsLeg
from firmware.telephony.countries import country
from tests.pbx.rig import WALL0, Rig, of, one

DE = country("DE")


def tone(commands: Sequence[object], leg: str) -> str | None:
    """The name of the last tone played to `leg` in `commands` (role after the zone prefix)."""
    played = [c for c in commands if isinstance(c, PlayTone) and c.leg == leg]
    return played[-1].spec.name.split(".", 1)[1] if played else None


def call_201_to_202(rig: Rig) -> None:
    rig.off_hook(1)
    rig.dial(1, "202")


def test_off_hook_gives_the_country_dial_tone() -> None:
    rig = Rig()
    assert rig.off_hook(1) == [PlayTone("fxs:1", DE.tones.dial)]


def test_dialling_an_extension_rings_it_with_the_callers_number_name_and_time() -> None:
    rig = Rig()
    rig.off_hook(1)
    out = rig.dial(1, "202")
    assert StopTone("fxs:1") in out  # dial tone off at the first digit
    ring = one(StartRinging, out)
    assert ring.port == 2 and ring.cadence == DE.ring_cadence
    assert ring.caller_id is not None
    assert (ring.caller_id.number, ring.caller_id.name) == ("201", "Extension 201")
    assert ring.caller_id.when == WALL0 + timedelta(seconds=0.5)  # wall clock of the last digit
    assert out[-1] == PlayTone("fxs:1", DE.tones.ringback)
    assert rig.state("fxs:1") == "routing" and rig.state("fxs:2") == "ringing"


def test_configured_name_is_shown() -> None:
    rig = Rig(extensions=[ExtensionConfig("201", 1, "Reception"), ExtensionConfig("202", 2)])
    rig.off_hook(1)
    ring = one(StartRinging, rig.dial(1, "202"))
    assert ring.caller_id is not None and ring.caller_id.name == "Reception"


def test_answer_connects_both_and_stops_ringback() -> None:
    rig = Rig()
    call_201_to_202(rig)
    out = rig.off_hook(2)
    assert out == [StopTone("fxs:1"), Connect("fxs:1", "fxs:2")]
    assert rig.state("fxs:1") == "connected" and rig.state("fxs:2") == "connected"


def test_caller_hangs_up_callee_hears_busy_and_cdr_is_answered() -> None:
    rig = Rig()
    call_201_to_202(rig)
    rig.advance(4.0)
    rig.off_hook(2)
    rig.advance(61.4)
    out = rig.on_hook(1)
    assert Disconnect("fxs:1", "fxs:2") in out
    assert tone(out, "fxs:2") == "busy" and rig.state("fxs:2") == "releasing"
    cdr = one(CdrRecord, out)
    assert cdr.disposition is Disposition.ANSWERED and cdr.hangup_side is HangupSide.CALLER
    assert cdr.answer_source is AnswerSource.OFF_HOOK
    assert (cdr.duration_s, cdr.billable_s) == (65, 61)
    assert (cdr.from_number, cdr.from_name, cdr.to, cdr.route, cdr.line) == (
        "201", "Extension 201", "202", "", "")
    assert cdr.start == WALL0 + timedelta(seconds=0.5) and cdr.answer == WALL0 + timedelta(seconds=4.5)
    assert cdr.end == WALL0 + timedelta(seconds=65.9)
    assert rig.on_hook(2) == [StopTone("fxs:2")]
    assert rig.state("fxs:2") == "idle"


def test_callee_hangs_up_caller_hears_busy_until_on_hook() -> None:
    rig = Rig()
    call_201_to_202(rig)
    rig.off_hook(2)
    rig.advance(10)
    out = rig.on_hook(2)
    assert tone(out, "fxs:1") == "busy" and not of(ForwardDisconnect, out)
    assert rig.cdrs()[-1].hangup_side is HangupSide.CALLEE
    assert rig.advance(600) == []  # until on-hook
    assert rig.on_hook(1) == [StopTone("fxs:1")]


def test_hang_up_tone_limit_and_forward_disconnect_are_configurable() -> None:
    rig = Rig(calls=CallsConfig(hangup_tone="congestion", hangup_tone_s=20, forward_disconnect=True))
    call_201_to_202(rig)
    rig.off_hook(2)
    out = rig.on_hook(2)
    assert ForwardDisconnect(1, 500) in out and tone(out, "fxs:1") == "congestion"
    assert rig.advance(19.999) == []
    assert rig.advance(0.001) == [StopTone("fxs:1")]
    assert rig.state("fxs:1") == "releasing"


def test_caller_gives_up_while_ringing_stops_the_ringing_cdr_cancelled() -> None:
    rig = Rig()
    call_201_to_202(rig)
    rig.advance(7)
    out = rig.on_hook(1)
    assert StopRinging(2) in out and StopTone("fxs:1") in out
    cdr = rig.cdrs()[-1]
    assert cdr.disposition is Disposition.CANCELLED and cdr.hangup_side is HangupSide.CALLER
    assert cdr.answer is None and cdr.billable_s == 0 and cdr.duration_s == 7
    assert rig.state("fxs:2") == "idle"


def test_nobody_answers_within_no_answer_s() -> None:
    rig = Rig(calls=CallsConfig(no_answer_s=30))
    call_201_to_202(rig)
    assert rig.advance(29.999) == []
    out = rig.advance(0.001)
    assert StopRinging(2) in out and tone(out, "fxs:1") == "busy"
    cdr = rig.cdrs()[-1]
    assert (cdr.disposition, cdr.hangup_side, cdr.duration_s) == (
        Disposition.NO_ANSWER, HangupSide.SYSTEM, 30)


def test_busy_extension_gives_busy_tone_and_no_ringing() -> None:
    rig = Rig()
    rig.off_hook(2)  # 202 is off-hook (dialling)
    rig.off_hook(1)
    out = rig.dial(1, "202")
    assert not of(StartRinging, out) and tone(out, "fxs:1") == "busy"
    cdr = rig.cdrs()[-1]
    assert (cdr.disposition, cdr.hangup_side, cdr.reason) == (Disposition.BUSY, HangupSide.CALLEE,
                                                              "extension 202 is busy")


def test_extension_in_a_call_or_ringing_is_busy() -> None:
    rig = Rig()
    call_201_to_202(rig)  # 202 ringing
    rig.off_hook(3)
    assert tone(rig.dial(3, "202"), "fxs:3") == "busy"
    rig.off_hook(2)  # 202 now in a call
    rig.off_hook(4)
    out = rig.dial(4, "201")  # call waiting is on by default: 201 gets the waiting tone, 204 ringback
    assert tone(out, "fxs:4") == "ringback" and one(SendCallWaiting, out).port == 1


def test_extension_in_a_call_without_call_waiting_is_busy() -> None:
    exts = [ExtensionConfig(number=str(201 + i), port=1 + i, call_waiting=False) for i in range(4)]
    rig = Rig(extensions=exts)
    call_201_to_202(rig)
    rig.off_hook(2)
    rig.off_hook(4)
    out = rig.dial(4, "201")
    assert tone(out, "fxs:4") == "busy" and not of(SendCallWaiting, out)


def test_calling_yourself_is_busy() -> None:
    rig = Rig()
    rig.off_hook(1)
    assert tone(rig.dial(1, "201"), "fxs:1") == "busy"


def test_extension_in_alarm_gives_congestion() -> None:
    rig = Rig()
    rig.ev(PortAlarm, 2, reason="SPI: no answer")
    assert rig.engine.snapshot(rig.now).port("fxs:2").status == "alarm"
    rig.off_hook(1)
    out = rig.dial(1, "202")
    assert tone(out, "fxs:1") == "congestion" and not of(StartRinging, out)
    assert rig.cdrs()[-1].disposition is Disposition.CONGESTION
    rig.on_hook(1)
    rig.ev(PortAlarmCleared, 2)
    rig.off_hook(1)
    assert of(StartRinging, rig.dial(1, "202"))


def test_alarm_on_the_ringing_handset_ends_the_call_with_congestion() -> None:
    rig = Rig()
    call_201_to_202(rig)
    out = rig.ev(PortAlarm, 2, reason="power alarm")
    assert tone(out, "fxs:1") == "congestion"
    cdr = rig.cdrs()[-1]
    assert (cdr.disposition, cdr.hangup_side) == (Disposition.FAILED, HangupSide.SYSTEM)
    assert "power alarm" in cdr.reason


def test_unknown_number_gives_congestion_at_once() -> None:
    rig = Rig()
    rig.off_hook(1)
    out = rig.dial(1, "3")
    assert tone(out, "fxs:1") == "congestion" and rig.state("fxs:1") == "releasing"
    assert rig.cdrs()[-1].disposition is Disposition.FAILED and rig.cdrs()[-1].dialled == "3"


def test_unknown_number_with_special_information_tone_first() -> None:
    rig = Rig(calls=CallsConfig(special_info_tone=True))
    rig.off_hook(1)
    out = rig.dial(1, "3")
    assert tone(out, "fxs:1") == "info"
    assert rig.advance(1.989) == []  # one SIT cycle: 3 x 330 ms + 1000 ms
    assert tone(rig.advance(0.001), "fxs:1") == "congestion"


def test_hook_flash_in_a_call_goes_to_the_registered_handlers() -> None:
    rig = Rig()
    seen: list[str] = []

    def handler(core: object, leg: FxsLeg, call: object, now: float) -> bool:
        seen.append(leg.id)
        return True

    rig.engine.hooks.flash.insert(0, handler)  # ahead of the handset feature
    call_201_to_202(rig)
    rig.off_hook(2)
    assert rig.ev(HookFlash, 1, duration_ms=120) == []
    assert seen == ["fxs:1"] and rig.state("fxs:1") == "connected"


def test_port_without_an_extension_can_still_call_emergency_only() -> None:
    cfg = replace(Rig().cfg, extensions=[ExtensionConfig("201", 1), ExtensionConfig("202", 2)])
    rig = Rig(cfg)
    rig.off_hook(3)
    assert tone(rig.dial(3, "0301234"), "fxs:3") is None  # waits for the match timeout
    assert tone(rig.advance(3), "fxs:3") == "congestion"  # national barred: no extension
    rig.on_hook(3)
    rig.off_hook(3)
    out = rig.dial(3, "112")
    assert Seize(5) in out and Connect("fxs:3", "fxo:5") in out
