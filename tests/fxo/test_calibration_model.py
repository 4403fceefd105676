"""Automatic line calibration end to end against the Si3050 model and the virtual exchange (fact 2.2, 2.6)."""

from __future__ import annotations

from firmware.contracts.callerid import CallerId, CidStandard, CidTiming
from firmware.contracts.ports import (
    CalibrateLine,
    DisconnectMethod,
    LineCalibrated,
    LineCalibration,
    LineRingStart,
    Release,
)
from firmware.drivers.sim.exchange_party import FarParty
from tests.fxo.rig import FxoRig

M = DisconnectMethod


def calibrate(rig: FxoRig, cmd: CalibrateLine, limit_s: float = 200.0) -> LineCalibration:
    rig.handle(cmd)
    rig.run_until(lambda: bool(rig.of(LineCalibrated)), limit_s)
    (done,) = rig.of(LineCalibrated)
    return done.result


def test_outgoing_test_call_finds_the_line_impedance_and_the_disconnect_signals() -> None:
    # a German line whose real impedance is the TIA-464 trunk compromise (ACIM 9), not the country's 3
    rig = FxoRig("DE", exchange={"true_acim": 9, "disconnect": {"battery_drop": True, "tone": True}})
    rig.start()
    rig.run(0.5)
    rig.take()
    rig.ex.add_party("0800", FarParty(answer_after_rings=1, hangup_after_s=25.0))
    res = calibrate(rig, CalibrateLine(1, number="0800"))
    assert res.complete, res.error
    assert res.acim == 9
    erl = dict(res.erl_db_by_acim)
    assert len(erl) == 16 and erl[9] == max(erl.values()) and erl[9] - erl[3] > 3.0
    assert res.disconnect_methods[:2] == (M.BATTERY_DROP, M.BUSY_TONE)
    assert res.disconnect_methods[-1] is M.IDLE_LIMIT
    assert res.disconnect_tone is not None and res.disconnect_tone.frequencies == (425.0,)
    assert any(e.startswith("ACIM 9: ERL ") for e in res.evidence)
    assert any("battery dropped to 0 V" in e for e in res.evidence)
    assert any("after dial tone" in e for e in res.evidence)
    # nothing but the result reached the engine, the line is back on-hook with the configured ACIM
    assert [type(e) for e in rig.take()] == [LineCalibrated]
    assert not rig.port.off_hook and rig.daa.acim == 3


def test_incoming_test_call_learns_cadence_and_caller_id_format() -> None:
    rig = FxoRig("GB", exchange={"disconnect": {"battery_drop": False, "polarity_reversal": True}})
    rig.start()
    rig.run(0.5)
    rig.take()
    rig.handle(CalibrateLine(1, incoming_wait_s=30.0))
    rig.run(2.0)
    caller = FarParty(name="tester", hangup_after_s=22.0)
    rig.ex.ring(CallerId(number="01611234567"), cid_standard=CidStandard.ETSI_V23,
                cid_timing=CidTiming.BEFORE_RING_LINE_REVERSAL, answer_party=caller)
    rig.run_until(lambda: bool(rig.of(LineCalibrated)), 120.0)
    res = rig.of(LineCalibrated)[0].result
    assert res.complete, res.error
    assert res.cid_standard is CidStandard.ETSI_V23
    assert len(res.ring_cadence_ms) == 4
    on1, off1, on2, off2 = res.ring_cadence_ms
    assert abs(on1 - 400) < 40 and abs(off1 - 200) < 40 and abs(on2 - 400) < 40 and abs(off2 - 2000) < 60
    assert res.disconnect_methods == (M.POLARITY_REVERSAL, M.IDLE_LIMIT)
    assert res.acim == 5                                # the UK line's true impedance
    assert rig.of(LineRingStart) == []                  # the ringing belonged to the calibration


def test_calibration_refused_while_the_line_is_in_use_and_release_aborts_it() -> None:
    rig = FxoRig("DE")
    rig.start()
    rig.run(0.5)
    rig.ex.add_party("0800", FarParty(answer_after_rings=1))
    rig.handle(CalibrateLine(1, number="0800"))
    rig.run(3.0)
    again = rig.handle(CalibrateLine(1, number="0800"))
    assert isinstance(again[0], LineCalibrated) and "already running" in again[0].result.error
    events = rig.handle(Release(1))
    assert isinstance(events[0], LineCalibrated) and "aborted" in events[0].result.error
    rig.run(1.0)
    assert not rig.port.off_hook and not rig.daa.offhook
