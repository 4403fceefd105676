"""Outbound calls over FXO lines: routes, permission classes, emergency, hunting, failover, CDR."""

from __future__ import annotations

from collections.abc import Sequence

from firmware.config.dialplan import CallsConfig, ExtensionConfig, NumberingConfig, RouteConfig
from firmware.config.model import Config, FxoPortConfig
from firmware.contracts.ports import (
    DialDigits,
    LineBattery,
    LineDisconnect,
    LinePolarityReversal,
    PortAlarm,
    Release,
    Seize,
)
from firmware.pbx.commands import (
    AnswerSource,
    Connect,
    Disconnect,
    Disposition,
    HangupSide,
    PlayTone,
)
from tests.pbx.rig import Rig, of

NATIONAL = "0030123456"  # outside prefix 0 + 030 123456 (Berlin)


def congestion(out: Sequence[object], leg: str = "fxs:1") -> bool:
    return any(isinstance(c, PlayTone) and c.leg == leg and c.spec.name.endswith("congestion") for c in out)


def dial_out(rig: Rig, digits: str, port: int = 1) -> list[object]:
    """Off-hook, dial, wait out the match timeout (or end with #)."""
    rig.off_hook(port)
    out: list[object] = list(rig.dial(port, digits))
    if not of(Seize, out) and not congestion(out, f"fxs:{port}"):
        out += rig.dial(port, "#")
    return out


def test_national_call_seizes_connects_at_once_and_dials_the_stripped_number() -> None:
    rig = Rig()
    rig.off_hook(1)
    rig.dial(1, NATIONAL)
    assert rig.advance(2.999) == []
    out = rig.advance(0.001)  # match timeout: the number is complete
    assert out == [Seize(5), Connect("fxs:1", "fxo:5")]  # the caller hears the exchange
    assert rig.advance(0.799) == []
    assert rig.advance(0.001) == [DialDigits(5, "030123456", pulse=False)]
    assert rig.state("fxs:1") == "routing" and rig.state("fxo:5") == "seized"


def test_answer_by_polarity_reversal_is_recorded() -> None:
    rig = Rig()
    dial_out(rig, NATIONAL)
    rig.advance(0.8)
    rig.advance(1.0)
    rig.ev(LinePolarityReversal, 5)
    assert rig.state("fxs:1") == "connected" and rig.state("fxo:5") == "connected"
    rig.advance(95.4)
    rig.ev(LinePolarityReversal, 5)  # the exchange reverses back at its hang-up ...
    out = rig.ev(LineDisconnect, 5)  # ... and the driver reports the disconnect
    assert Release(5) in out and Disconnect("fxs:1", "fxo:5") in out
    assert any(isinstance(c, PlayTone) and c.spec.name == "de.busy" for c in out)
    cdr = rig.cdrs()[-1]
    assert (cdr.disposition, cdr.answer_source, cdr.hangup_side) == (
        Disposition.ANSWERED, AnswerSource.POLARITY, HangupSide.CALLEE)
    assert (cdr.billable_s, cdr.route, cdr.line, cdr.to, cdr.dialled) == (
        95, "national", "fxo:5", "030123456", NATIONAL)


def test_without_polarity_the_answer_is_assumed_when_dialling_is_done() -> None:
    rig = Rig()
    dial_out(rig, NATIONAL)
    rig.advance(0.8)  # DialDigits: 9 digits x (100 + 100) ms
    assert rig.advance(1.799) == [] and rig.state("fxs:1") == "routing"
    rig.advance(0.001)
    assert rig.state("fxs:1") == "connected"
    rig.advance(42)
    out = rig.on_hook(1)
    assert Release(5) in out
    cdr = rig.cdrs()[-1]
    assert (cdr.answer_source, cdr.hangup_side, cdr.billable_s) == (
        AnswerSource.ASSUMED, HangupSide.CALLER, 42)


def test_a_late_polarity_reversal_moves_the_answer_time() -> None:
    rig = Rig()
    dial_out(rig, NATIONAL)
    rig.advance(2.6)  # dialling done: answer assumed
    rig.advance(10)
    rig.ev(LinePolarityReversal, 5)  # the called party answered now
    rig.advance(30)
    rig.on_hook(1)
    cdr = rig.cdrs()[-1]
    assert cdr.answer_source is AnswerSource.POLARITY and cdr.billable_s == 30


def test_caller_hangs_up_while_dialling_cdr_cancelled_and_line_released() -> None:
    rig = Rig()
    dial_out(rig, NATIONAL)
    out = rig.on_hook(1)
    assert Release(5) in out
    assert rig.cdrs()[-1].disposition is Disposition.CANCELLED
    assert rig.state("fxo:5") == "releasing"
    assert rig.advance(1.999) == []
    rig.advance(0.001)
    assert rig.state("fxo:5") == "idle"


def test_pulse_dialling_line() -> None:
    rig = Rig(fxo=[FxoPortConfig(port=5, dial="pulse")])
    dial_out(rig, "0123")
    assert of(DialDigits, rig.advance(0.8)) == [DialDigits(5, "123", pulse=True)]


def test_international_from_a_national_extension_is_refused_without_seizing() -> None:
    rig = Rig()
    out = dial_out(rig, "00049301234")
    assert congestion(out) and not of(Seize, out)
    cdr = rig.cdrs()[-1]
    assert (cdr.disposition, cdr.route, cdr.reason) == (
        Disposition.FAILED, "international", "international calls are not permitted for 201")


def test_refusal_plays_the_special_information_tone_when_configured() -> None:
    rig = Rig(calls=CallsConfig(special_info_tone=True))
    out = dial_out(rig, "00049301234")
    assert any(isinstance(c, PlayTone) and c.spec.name == "de.info" for c in out)


def test_international_extension_may_call_abroad() -> None:
    rig = Rig(extensions=[ExtensionConfig("201", 1, permission="international")])
    out = dial_out(rig, "00049301234")
    assert Seize(5) in out
    assert of(DialDigits, rig.advance(0.8)) == [DialDigits(5, "0049301234")]


def test_local_extension_may_not_call_national() -> None:
    rig = Rig(extensions=[ExtensionConfig("201", 1, permission="local")])
    assert congestion(dial_out(rig, NATIONAL))
    rig.on_hook(1)
    assert Seize(5) in dial_out(rig, "0123456")


def test_emergency_goes_out_from_an_internal_only_extension_without_and_with_prefix() -> None:
    for digits in ("112", "0112"):
        rig = Rig(extensions=[ExtensionConfig("201", 1, permission="internal")])
        rig.off_hook(1)
        out = rig.dial(1, digits)  # complete at once: no match timeout for emergency numbers
        assert Seize(5) in out, digits
        assert of(DialDigits, rig.advance(0.8)) == [DialDigits(5, "112")]
        assert rig.cdrs() == []


def test_emergency_uses_any_free_line_even_when_routes_name_one() -> None:
    cfg = Config(routes=[RouteConfig(name="only5", pattern="_0X.", lines=["fxo:5"], strip=1)])
    rig = Rig(cfg)
    rig.ev(PortAlarm, 5, reason="line unplugged")
    out = dial_out(rig, "0112")
    assert Seize(6) in out


def test_configured_emergency_numbers() -> None:
    rig = Rig(numbering=NumberingConfig(emergency=["999"]))
    assert Seize(5) in dial_out(rig, "0999")


def test_failover_when_the_first_line_is_in_alarm() -> None:
    rig = Rig()
    rig.ev(PortAlarm, 5, reason="no battery")
    out = dial_out(rig, NATIONAL)
    assert Seize(6) in out and Seize(5) not in out
    assert rig.engine.snapshot(rig.now).port("fxo:5").status == "alarm"


def test_failover_when_the_first_line_is_busy() -> None:
    rig = Rig()
    dial_out(rig, NATIONAL, port=1)
    out = dial_out(rig, NATIONAL, port=2)
    assert Seize(6) in out
    assert rig.cdrs() == []


def test_all_lines_busy_is_congestion() -> None:
    rig = Rig()
    dial_out(rig, NATIONAL, port=1)
    dial_out(rig, NATIONAL, port=2)
    out = dial_out(rig, NATIONAL, port=3)
    assert congestion(out, "fxs:3") and not of(Seize, out)
    assert rig.cdrs()[-1].disposition is Disposition.CONGESTION


def test_failover_when_the_seized_line_fails_before_dialling() -> None:
    rig = Rig()
    dial_out(rig, NATIONAL)
    out = rig.ev(PortAlarm, 5, reason="no loop current")  # the seizure failed
    assert Disconnect("fxs:1", "fxo:5") in out and Seize(6) in out and Connect("fxs:1", "fxo:6") in out
    assert of(DialDigits, rig.advance(0.8)) == [DialDigits(6, "030123456")]
    rig.advance(2)
    rig.on_hook(1)
    assert rig.cdrs()[-1].line == "fxo:6"


def test_hunting_skips_an_idle_line_without_line_voltage() -> None:
    rig = Rig()
    rig.ev(LineBattery, 5, present=False)
    assert Seize(6) in dial_out(rig, NATIONAL)
    rig.on_hook(1)
    rig.advance(3)
    rig.ev(LineBattery, 5, present=True)
    assert Seize(5) in dial_out(rig, NATIONAL)


def test_failover_when_the_exchange_drops_the_seizure() -> None:
    rig = Rig()
    dial_out(rig, NATIONAL)
    out = rig.ev(LineDisconnect, 5)
    assert Release(5) in out and Seize(6) in out


def test_line_alarm_after_dialling_ends_the_call() -> None:
    rig = Rig()
    dial_out(rig, NATIONAL)
    rig.advance(3)
    out = rig.ev(PortAlarm, 5, reason="DAA link failed")
    assert congestion(out) and not of(Seize, out)
    cdr = rig.cdrs()[-1]
    assert cdr.hangup_side is HangupSide.SYSTEM and "DAA link failed" in cdr.reason


def test_strip_prepend_and_route_lines_from_config() -> None:
    cfg = Config(routes=[
        RouteConfig(name="berlin", pattern="_9NXXXXX", lines=["fxo:6", "fxo:5"], strip=1, prepend="030"),
        RouteConfig(name="rest", pattern="_9X.", lines=["fxo:5"], strip=1)],
        numbering=NumberingConfig(outside_prefix="9"))
    rig = Rig(cfg)
    rig.off_hook(1)
    rig.dial(1, "9234567")  # "rest" could still take more digits: the match timeout
    assert Seize(6) in rig.advance(3)
    assert of(DialDigits, rig.advance(0.8)) == [DialDigits(6, "030234567")]


def test_round_robin_route_alternates_lines() -> None:
    cfg = Config(routes=[RouteConfig(name="rr", pattern="_0X.", lines=["fxo:5", "fxo:6"], strip=1,
                                     strategy="round_robin")])
    rig = Rig(cfg)
    seized: list[int] = []
    for _ in range(3):
        seized += [s.port for s in of(Seize, dial_out(rig, "0123"))]
        rig.on_hook(1)
        rig.advance(5)
    assert seized == [5, 6, 5]


def test_line_guard_time_keeps_a_released_line_out_of_hunting() -> None:
    rig = Rig()
    dial_out(rig, "0123")
    rig.on_hook(1)
    assert Seize(6) in dial_out(rig, "0123", port=2)  # fxo:5 still in its guard time


def withholding_rig(prefix: str = "*31#", dial: str = "dtmf", privacy: bool = False) -> Rig:
    return Rig(fxo=[FxoPortConfig(port=5, dial=dial, withhold_prefix=prefix)],  # type: ignore[arg-type]
               extensions=[ExtensionConfig("201", 1, permission="international", privacy=privacy)])


def dialled(out: Sequence[object]) -> str:
    return "".join(c.digits for c in out if isinstance(c, DialDigits))


def test_the_withhold_code_dials_the_lines_withhold_prefix_before_the_number() -> None:
    rig = withholding_rig()
    out = dial_out(rig, "*31" + NATIONAL) + rig.advance(0.8)
    assert dialled(out) == "*31#030123456"                     # what the exchange takes as "withhold"
    rig.on_hook(1)
    cdr = rig.cdrs()[-1]
    assert cdr.to == "030123456" and cdr.extra.get("privacy")   # the record keeps the number itself
    out = dial_out(rig, NATIONAL) + rig.advance(0.8)          # the next call presents the number again
    assert dialled(out) == "030123456"


def test_an_extension_that_always_withholds_gets_the_prefix_but_never_on_emergency_calls() -> None:
    rig = withholding_rig(privacy=True)
    assert dialled(dial_out(rig, NATIONAL) + rig.advance(0.8)) == "*31#030123456"
    rig.on_hook(1)
    rig.off_hook(1)
    assert dialled(rig.dial(1, "112") + rig.advance(5)) == "112"


def test_a_line_without_prefix_or_dialling_pulses_cannot_withhold() -> None:
    rig = withholding_rig(prefix="")
    assert dialled(dial_out(rig, "*31" + NATIONAL) + rig.advance(0.8)) == "030123456"
    rig = withholding_rig(dial="pulse")                        # rotary pulses have no * or #
    assert dialled(dial_out(rig, "*31" + NATIONAL) + rig.advance(0.8)) == "030123456"
