"""Inbound calls from the PSTN line: caller ID before/after the first ring, answer, abandon, CDR."""

from __future__ import annotations

from datetime import timedelta

from firmware.config.dialplan import InboundConfig
from firmware.config.model import FxoPortConfig
from firmware.contracts.callerid import CallerId, CidAbsence
from firmware.contracts.ports import (
    DisconnectMethod,
    LineCallerId,
    LineDisconnect,
    LineRingStart,
    LineRingStop,
    PortAlarm,
    Release,
    Seize,
    StartRinging,
    StopRinging,
)
from firmware.pbx.commands import (
    AnswerSource,
    Connect,
    Direction,
    Disposition,
    HangupSide,
    PlayTone,
)
from firmware.telephony.countries import country
from tests.pbx.rig import WALL0, Rig, of, one

CID = CallerId(number="030123456", name="Muster GmbH")


def ring_burst(rig: Rig, port: int = 5, on: float = 1.0) -> list[object]:
    out: list[object] = list(rig.ev(LineRingStart, port))
    out += rig.advance(on)
    out += rig.ev(LineRingStop, port, on_ms=int(on * 1000))
    return out


def test_cid_after_the_first_ring_is_waited_for_and_shown() -> None:
    rig = Rig()  # Germany: ETSI FSK in the first silent interval
    assert not of(StartRinging, ring_burst(rig))
    rig.advance(0.8)
    out = rig.ev(LineCallerId, 5, caller_id=CID)
    ring = one(StartRinging, out)
    assert ring.port == 1 and ring.cadence == country("DE").ring_cadence
    assert ring.caller_id is not None
    assert (ring.caller_id.number, ring.caller_id.name) == ("030123456", "Muster GmbH")
    assert ring.caller_id.when == WALL0 + timedelta(seconds=1.8)
    assert rig.state("fxo:5") == "incoming" and rig.state("fxs:1") == "ringing"


def test_without_cid_the_extension_rings_after_the_silent_interval_plus_1_5_s() -> None:
    rig = Rig()
    ring_burst(rig)  # ring stop at +1.0 s; the silent interval is 4 s
    out = rig.advance(4.0)
    out += rig.ev(LineRingStart, 5)  # the second ring: still within the wait
    assert not of(StartRinging, out)
    assert rig.advance(1.499) == []
    ring = one(StartRinging, rig.advance(0.001))
    when = WALL0 + timedelta(seconds=6.5)
    assert ring.caller_id == CallerId(number_absence=CidAbsence.UNAVAILABLE, when=when)


def test_cid_before_the_first_ring_rings_at_once() -> None:
    rig = Rig(country="GB")  # BT SIN 227: line reversal, FSK, then ring
    assert rig.ev(LineCallerId, 5, caller_id=CID) == []
    rig.advance(0.4)
    ring = one(StartRinging, rig.ev(LineRingStart, 5))
    assert ring.caller_id is not None and ring.caller_id.number == "030123456"


def test_cid_ahead_of_the_ring_also_rings_at_once_in_an_after_ring_country() -> None:
    rig = Rig()
    rig.ev(LineCallerId, 5, caller_id=CID)
    assert of(StartRinging, rig.ev(LineRingStart, 5))


def test_before_ring_country_without_cid_rings_at_the_first_ring() -> None:
    rig = Rig(country="GB")
    ring = one(StartRinging, rig.ev(LineRingStart, 5))
    assert ring.caller_id is not None and ring.caller_id.number_absence is CidAbsence.UNAVAILABLE


def test_line_without_caller_id_rings_at_the_first_ring() -> None:
    rig = Rig(fxo=[FxoPortConfig(port=5, caller_id="off")])
    assert of(StartRinging, rig.ev(LineRingStart, 5))


def test_answer_seizes_the_line_and_connects() -> None:
    rig = Rig()
    ring_burst(rig)
    rig.ev(LineCallerId, 5, caller_id=CID)
    rig.advance(6)
    out = rig.off_hook(1)
    assert out == [Seize(5), Connect("fxo:5", "fxs:1")]
    rig.advance(120.2)
    out = rig.on_hook(1)
    assert Release(5) in out
    cdr = rig.cdrs()[-1]
    assert (cdr.direction, cdr.disposition, cdr.hangup_side, cdr.answer_source) == (
        Direction.INBOUND, Disposition.ANSWERED, HangupSide.CALLEE, AnswerSource.OFF_HOOK)
    assert (cdr.from_number, cdr.from_name, cdr.to, cdr.line, cdr.route) == (
        "030123456", "Muster GmbH", "201", "fxo:5", "inbound")
    assert (cdr.duration_s, cdr.billable_s) == (127, 120) and not cdr.missed


def test_the_exchange_hangs_up_extension_hears_busy() -> None:
    rig = Rig()
    ring_burst(rig)
    rig.ev(LineCallerId, 5, caller_id=CID)
    rig.off_hook(1)
    rig.advance(30)
    out = rig.ev(LineDisconnect, 5, method=DisconnectMethod.BATTERY_DROP)
    assert Release(5) in out
    assert any(isinstance(c, PlayTone) and c.leg == "fxs:1" and c.spec.name == "de.busy" for c in out)
    assert rig.cdrs()[-1].hangup_side is HangupSide.CALLER


def test_caller_gives_up_ringing_stops_after_the_ring_timeout_missed_call() -> None:
    rig = Rig()
    ring_burst(rig)
    rig.ev(LineCallerId, 5, caller_id=CID)
    rig.advance(4.0)
    ring_burst(rig)  # second ring, then nothing more
    assert rig.advance(7.999) == []
    out = rig.advance(0.001)
    assert StopRinging(1) in out
    cdr = rig.cdrs()[-1]
    assert (cdr.disposition, cdr.hangup_side, cdr.answer, cdr.billable_s) == (
        Disposition.NO_ANSWER, HangupSide.CALLER, None, 0)
    assert cdr.missed and cdr.from_number == "030123456" and cdr.duration_s == 14
    assert rig.state("fxo:5") == "idle" and rig.state("fxs:1") == "idle"


def test_driver_reporting_the_end_of_ringing_first_is_the_same() -> None:
    rig = Rig()
    ring_burst(rig)
    rig.ev(LineCallerId, 5, caller_id=CID)
    rig.advance(5)
    out = rig.ev(LineDisconnect, 5, method=DisconnectMethod.IDLE_LIMIT)
    assert StopRinging(1) in out and rig.cdrs()[-1].disposition is Disposition.NO_ANSWER
    assert rig.advance(10) == []  # the engine's own ring timeout is gone with the call


def test_busy_destination_is_not_rung_cdr_busy() -> None:
    rig = Rig()
    rig.off_hook(1)
    ring_burst(rig)
    out = rig.ev(LineCallerId, 5, caller_id=CID)
    assert not of(StartRinging, out)
    rig.advance(8)
    cdr = rig.cdrs()[-1]
    assert cdr.disposition is Disposition.BUSY and cdr.reason == "extension 201 is busy"


def test_inbound_destination_per_line() -> None:
    rig = Rig(inbound=[InboundConfig(line="fxo:6", destination="203")])
    ring_burst(rig, port=6)
    ring = one(StartRinging, rig.ev(LineCallerId, 6, caller_id=CID))
    assert ring.port == 3


def test_line_alarm_while_ringing_stops_the_extension() -> None:
    rig = Rig()
    ring_burst(rig)
    rig.ev(LineCallerId, 5, caller_id=CID)
    out = rig.ev(PortAlarm, 5, reason="line unplugged")
    assert StopRinging(1) in out and rig.cdrs()[-1].disposition is Disposition.FAILED


def test_extension_alarm_while_rung_leaves_the_line_ringing_unanswered() -> None:
    rig = Rig()
    ring_burst(rig)
    rig.ev(LineCallerId, 5, caller_id=CID)
    rig.ev(PortAlarm, 1, reason="power alarm")
    rig.advance(8)
    assert rig.cdrs()[-1].disposition is Disposition.CONGESTION
